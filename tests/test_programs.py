"""Unmodified PyTorch programs (tests/programs/*.py) run under ``python -m ember.run``.

Each script is plain PyTorch (it runs with real torch too); here it runs with ember as
torch, with small settings, and must reach the metric it prints on its last line.
"""
import ast
import os
import re
import subprocess
import sys

import pytest

import ember

HERE = os.path.dirname(os.path.abspath(__file__))
PROGRAMS = os.path.join(HERE, "programs")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(ember.__file__)))
SCRIPTS = sorted(f for f in os.listdir(PROGRAMS) if f.endswith(".py"))


def run_program(name, *args, timeout=120):
    # One BLAS thread: the scripts use small matrices, and OpenBLAS threads that spin on
    # a busy machine make them tens of times slower.
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
               OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    result = subprocess.run([sys.executable, "-m", "ember.run", os.path.join(PROGRAMS, name),
                             *map(str, args)], capture_output=True, text=True, cwd=PROGRAMS,
                            timeout=timeout, env=env)
    assert result.returncode == 0, (f"{name} failed:\n{result.stdout[-3000:]}\n"
                                    f"{result.stderr[-5000:]}")
    return result.stdout


def metric(output, pattern):
    """The numbers captured by pattern in the output's last matching line."""
    found = re.findall(pattern, output)
    assert found, f"no line matching {pattern!r} in:\n{output[-3000:]}"
    last = found[-1]
    return tuple(float(v) for v in last) if isinstance(last, tuple) else float(last)


@pytest.mark.parametrize("name", SCRIPTS)
def test_programs_are_plain_pytorch(name):
    """The scripts import torch, never ember: they must stay runnable with real torch."""
    tree = ast.parse(open(os.path.join(PROGRAMS, name)).read())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module}
    assert "torch" in imported and "ember" not in imported, imported
    assert imported <= {"torch", "numpy", "argparse", "math", "random", "os", "tempfile",
                        "copy", "inspect", "contextlib", "dataclasses", "collections"}, imported


@pytest.mark.parametrize("workers", [0, 2])
def test_shapes_cnn(workers):
    out = run_program("shapes_cnn.py", "--epochs", 3, "--train-size", 600,
                      "--workers", workers)
    assert "epoch 3: " in out and "lr 0.0100" in out  # StepLR(step_size=3) halved 0.02
    assert metric(out, r"final accuracy ([\d.]+)") > 0.9


def test_word_lstm_perplexity_drops():
    out = run_program("word_lstm.py", "--epochs", 6, "--sentences", 800, "--bptt", 10)
    final, initial = metric(out, r"final perplexity ([\d.]+) initial ([\d.]+)")
    assert initial > 15 and final < 0.3 * initial


def test_vae_checkpoint_resume(tmp_path):
    ckpt = tmp_path / "vae.pt"
    out = run_program("vae_checkpoint.py", "--epochs", 6, "--n", 1024, "--checkpoint", ckpt)
    first, at_save, after = metric(
        out, r"first loss ([\d.]+) loss at save ([\d.]+) first after resume ([\d.]+)")
    # Training continues where it stopped: no jump back towards the first epoch's loss.
    assert at_save < 0.9 * first and after < at_save + 0.1 * (first - at_save)
    saved = ember.load(str(ckpt))
    assert saved["epoch"] == 3 and set(saved["optimizer_state_dict"]["state"]) == set(range(10))


def test_reinforce_cartpole_reaches_target():
    out = run_program("reinforce_cartpole.py", "--episodes", 300, "--max-steps", 100,
                      "--seed", 1)
    assert "Solved after" in out
    assert metric(out, r"final running reward ([\d.]+)") > 80


def test_nanogpt_loss_drops():
    out = run_program("nanogpt.py", "--max-iters", 150, "--eval-interval", 50, "--compile")
    final, initial = metric(out, r"final train loss ([\d.]+) initial ([\d.]+)")
    assert initial > 3.0 and final < 0.6
    assert "using fused AdamW: False" in out and "num decayed parameter tensors: 10" in out
    sample = re.search(r"sample: '(.*)'", out)
    assert sample and sample.group(1).startswith("the ")


def test_gan_ring():
    out = run_program("gan_ring.py", "--steps", 1000)
    dist, coverage = metric(out, r"final ring distance ([\d.]+) coverage ([\d.]+)")
    assert dist < 0.2 and coverage >= 0.75
    assert "a few samples: tensor([[" in out


def test_pinn_oscillator():
    out = run_program("pinn_oscillator.py", "--adam-steps", 800, "--lbfgs-steps", 3)
    assert metric(out, r"final max error ([\d.]+)") < 0.02


def test_transformer_classifier():
    out = run_program("transformer_classifier.py", "--epochs", 10, "--n", 2000)
    assert "batch (32, " in out and "tensor([[" in out
    assert metric(out, r"final accuracy ([\d.]+)") > 0.9


def test_seq2seq_reverse():
    out = run_program("seq2seq_reverse.py", "--epochs", 5, "--n", 1500)
    assert metric(out, r"final exact match ([\d.]+)") > 0.85
