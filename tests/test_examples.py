"""The example programs (ember/examples): shortened runs that must finish and write their
files, the same programs under real PyTorch, and pieces with a closed form.

The full runs that reach the documented numbers take minutes; they are skipped unless
EMBER_FULL_EXAMPLES=1 (``EMBER_FULL_EXAMPLES=1 pytest tests/test_examples.py -k full``).
"""
import importlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("sklearn")
pytest.importorskip("matplotlib")
pytest.importorskip("tqdm")

import ember  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

# name -> (arguments of a run of a few seconds, files it must write)
QUICK = {
    "digits": (["--epochs", "1", "--batch-size", "64"],
               ["checkpoint.pt", "curves.png", "mistakes.png"]),
    "resnet_digits": (["--epochs", "1"], ["checkpoint.pt", "curves.png", "lr.png"]),
    "char_gpt": (["--steps", "6", "--eval-every", "3", "--n-layer", "1", "--n-embd", "32",
                  "--block-size", "16", "--sample-length", "20", "--samples", "1"],
                 ["checkpoint.pt", "loss.png", "samples.txt"]),
    "text_classifier": (["--epochs", "1", "--train-size", "256", "--test-size", "128"],
                        ["checkpoint.pt", "curves.png", "kinds.png"]),
    "cartpole": (["--env", "builtin", "--reinforce-iterations", "2", "--episodes-per-batch",
                  "4", "--dqn-iterations", "80", "--eval-every", "2", "--max-steps", "50"],
                 ["returns.png", "reinforce.pt", "dqn.pt"]),
    "vae_digits": (["--epochs", "1"],
                   ["checkpoint.pt", "curves.png", "latent.png", "reconstructions.png",
                    "samples.png"]),
    "dcgan_digits": (["--epochs", "1"],
                     ["checkpoint.pt", "losses.png", "samples.png", "samples_epoch_1.png"]),
    "ddpm_toy": (["--steps", "30", "--timesteps", "10", "--samples", "200"],
                 ["checkpoint.pt", "loss.png", "samples.png", "trajectory.png"]),
}


def run_example(name, tmp_path, *extra):
    module = importlib.import_module(f"ember.examples.{name}")
    args, _ = QUICK[name]
    return module.main([*args, *extra, "--seed", "0", "--device", "cpu",
                        "--out", str(tmp_path)])


@pytest.mark.parametrize("name", sorted(QUICK))
def test_quick_run_writes_its_files(name, tmp_path, capsys):
    run_example(name, tmp_path)
    for filename in QUICK[name][1]:
        assert (tmp_path / filename).stat().st_size > 0, filename
    for png in tmp_path.glob("*.png"):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "wrote" in capsys.readouterr().out


def test_digits_prints_accuracy_and_saves_a_checkpoint_torch_can_load(tmp_path, capsys):
    torch = pytest.importorskip("torch")
    result = run_example("digits", tmp_path)
    assert f"test accuracy: {result['test_accuracy']:.1%}" in capsys.readouterr().out
    path = tmp_path / "checkpoint.pt"
    theirs = torch.load(path, weights_only=True)
    ours = ember.load(path, weights_only=True)
    assert set(theirs) == {"model", "optimizer", "epoch", "test_accuracy"}
    assert list(theirs["model"]) == list(ours["model"])
    for key, value in ours["model"].items():
        np.testing.assert_array_equal(theirs["model"][key].numpy(), value.numpy())
    assert theirs["optimizer"]["param_groups"][0]["lr"] == 3e-3
    assert len(theirs["optimizer"]["state"]) == len(theirs["model"]) - 3 * 3  # no BN buffers


def test_help_lists_the_training_flags(capsys):
    from ember.examples import digits
    with pytest.raises(SystemExit) as exit_info:
        digits.main(["--help"])
    assert exit_info.value.code == 0
    usage = capsys.readouterr().out
    for flag in ("--epochs", "--batch-size", "--lr", "--device", "--seed", "--out"):
        assert flag in usage


def test_resnet_resume_continues_an_interrupted_run(tmp_path, monkeypatch, capsys):
    from ember.examples import resnet_digits
    calls = []
    evaluate = resnet_digits.evaluate

    def interrupt_in_second_epoch(*args):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return evaluate(*args)

    monkeypatch.setattr(resnet_digits, "evaluate", interrupt_in_second_epoch)
    argv = ["--epochs", "2", "--batch-size", "256", "--out", str(tmp_path), "--device", "cpu"]
    with pytest.raises(KeyboardInterrupt):
        resnet_digits.main(argv)
    assert ember.load(tmp_path / "checkpoint.pt")["epoch"] == 1

    monkeypatch.setattr(resnet_digits, "evaluate", evaluate)
    result = resnet_digits.main(argv + ["--resume"])
    assert "resumed from" in capsys.readouterr().out
    assert result["start_epoch"] == 1
    assert len(result["history"]["train_loss"]) == 2
    state = ember.load(tmp_path / "checkpoint.pt")
    assert state["epoch"] == 2
    assert len(state["lrs"]) == state["scheduler"]["total_steps"]   # the schedule went on


def test_resume_refuses_a_checkpoint_of_another_schedule(tmp_path):
    from ember.examples import resnet_digits
    argv = ["--batch-size", "256", "--out", str(tmp_path), "--device", "cpu"]
    resnet_digits.main(argv + ["--epochs", "1"])
    with pytest.raises(SystemExit, match="different --epochs"):
        resnet_digits.main(argv + ["--epochs", "2", "--resume"])


def test_resnet_augmentation_shifts_and_mirrors():
    from ember.examples import resnet_digits
    images = ember.arange(2 * 1 * 4 * 4, dtype=ember.float32).view(2, 1, 4, 4)
    ember.manual_seed(0)
    shifted = resnet_digits.augment(images, pad=1, hflip=0.0).numpy()
    padded = np.pad(images.numpy(), ((0, 0), (0, 0), (1, 1), (1, 1)))
    for i in range(2):   # every output is some 4x4 window of the zero-padded input
        assert any(np.array_equal(shifted[i], padded[i, :, dy:dy + 4, dx:dx + 4])
                   for dy in range(3) for dx in range(3))
    mirrored = resnet_digits.augment(images, pad=0, hflip=1.0).numpy()
    np.testing.assert_array_equal(mirrored, images.numpy()[..., ::-1])


def test_char_gpt_generate_respects_top_k():
    from ember.examples import char_gpt
    ember.manual_seed(0)
    model = char_gpt.GPT(vocab_size=12, block_size=8, n_layer=1, n_head=2, n_embd=16,
                         dropout=0.0).eval()
    prompt = ember.tensor([[1, 2, 3]])
    with ember.no_grad():
        allowed = set(ember.topk(model(prompt)[0, -1], 2).indices.tolist())
    for seed in range(5):
        ember.manual_seed(seed)
        out = model.generate(prompt, 1, top_k=2)
        assert out[0, :3].tolist() == [1, 2, 3] and out[0, 3].item() in allowed
    long = model.generate(prompt, 10, top_k=3)    # longer than block_size: context is cropped
    assert long.shape == (1, 13)


def test_text_classifier_corpus_labels_follow_the_templates():
    from ember.examples import text_classifier as tc
    corpus = tc.make_corpus(400, seed=0)
    assert {kind for _, _, kind in corpus} == set(tc.KINDS)
    for text, label, kind in corpus:
        clauses = text.replace(" but ", " and ").split(" and ")   # the last one decides
        last = clauses[-1].split()
        polarity = last[-1] in tc.POSITIVE
        assert label == (polarity != ("not" in last)), text
        assert len(clauses) == (2 if kind in ("contrast", "double") else 1)


def test_cartpole_returns_to_go_and_physics():
    from ember.examples import cartpole
    rewards = np.array([[1.0, 1.0], [1.0, 0.0], [1.0, 0.0]], dtype=np.float32)
    np.testing.assert_allclose(cartpole.returns_to_go(rewards, 0.5),
                               [[1.75, 1.0], [1.5, 0.0], [1.0, 0.0]])
    env = cartpole.CartPole(2, max_steps=3, seed=0)
    env.reset()
    env.state[:] = 0.0                         # upright and still: pushes only move the cart
    obs, reward, terminated, truncated = env.step(np.array([0, 1]))
    # Upright pole, closed form: the pole's angular acceleration is
    # -(F / M) / (l (4/3 - m / M)), which pushes the cart on by -m l theta_acc / M.
    temp = 10.0 / 1.1
    theta_acc = -temp / (0.5 * (4 / 3 - 0.1 / 1.1))
    x_acc = temp - 0.05 * theta_acc / 1.1
    np.testing.assert_allclose(obs[:, 1], [-0.02 * x_acc, 0.02 * x_acc], rtol=1e-5)
    np.testing.assert_allclose(obs[:, 3], [-0.02 * theta_acc, 0.02 * theta_acc], rtol=1e-5)
    assert obs[0, 3] > 0 > obs[1, 3]           # the pole tips away from the push
    env.step(np.array([0, 1]))
    assert env.step(np.array([0, 1]))[3].all()  # truncated at max_steps


def test_cartpole_matches_gymnasium():
    gymnasium = pytest.importorskip("gymnasium")
    from ember.examples import cartpole
    theirs = gymnasium.make("CartPole-v1")
    start, _ = theirs.reset(seed=3)
    ours = cartpole.CartPole(1, max_steps=500, seed=0)
    ours.reset()
    ours.state[0] = start
    for action in [1, 1, 0, 1, 0, 0, 0, 1] * 3:
        obs, _, terminated, _, _ = theirs.step(action)
        mine, _, mine_terminated, _ = ours.step(np.array([action]))
        np.testing.assert_allclose(mine[0], obs, rtol=1e-5, atol=1e-6)
        assert mine_terminated[0] == terminated
        if terminated:
            break


def test_ddpm_forward_process_reaches_noise():
    from ember.examples import ddpm_toy
    schedule = ddpm_toy.Schedule(200, ember.device("cpu"))
    assert schedule.alpha_bars[-1].item() < 0.01 < 0.99 < schedule.alpha_bars[0].item()
    x0 = ember.ones(4, 2)
    np.testing.assert_allclose(schedule.add_noise(x0, ember.zeros(4, dtype=ember.long),
                                                  ember.zeros(4, 2)).numpy(),
                               np.full((4, 2), schedule.alpha_bars[0].sqrt().item()))
    on_curve = ddpm_toy.curve("moons", np.array([0.0, 0.25, 0.75]))
    np.testing.assert_allclose(on_curve, [[1, 0], [0, 1], [1, -0.5]], atol=1e-12)
    assert ddpm_toy.distance_to_curve("moons", on_curve).max() < 1e-2


def test_listing_names_every_example():
    done = subprocess.run([sys.executable, "-m", "ember.examples"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    for name in QUICK:
        assert f"  {name} " in done.stdout


# The full runs behind the numbers in docs/examples.md; minutes each, so opt-in only.
FULL = {
    "digits": lambda r: r["test_accuracy"] >= 0.97,
    "resnet_digits": lambda r: r["test_accuracy"] >= 0.97,
    "char_gpt": lambda r: r["val_loss"] < 2.0,
    "text_classifier": lambda r: r["test_accuracy"] >= 0.95 and r["baseline_accuracy"] < 0.8,
    "cartpole": lambda r: all(v["return"] >= 195 for v in r.values()),
    "vae_digits": lambda r: r["score"] > 3.0,
    "dcgan_digits": lambda r: r["score"] > 3.0,
    "ddpm_toy": lambda r: r["on_curve"]["samples"] > 0.85,
}


@pytest.mark.skipif(os.environ.get("EMBER_FULL_EXAMPLES") != "1",
                    reason="full example runs take minutes; set EMBER_FULL_EXAMPLES=1")
@pytest.mark.parametrize("name", sorted(FULL))
def test_full_run_reaches_the_documented_result(name, tmp_path):
    module = importlib.import_module(f"ember.examples.{name}")
    result = module.main(["--out", str(tmp_path)])
    assert FULL[name](result), result


def test_gymnasium_environments_step_as_a_batch():
    pytest.importorskip("gymnasium")
    import warnings
    from ember.examples import cartpole
    env = cartpole.GymCartPole(3, max_steps=30, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")    # gymnasium warns when a finished episode is stepped
        trace = cartpole.play(env, lambda obs: np.zeros(len(obs), dtype=np.int64), 30)
    returns = trace["rewards"].sum(axis=0)
    assert (returns > 5).all() and (returns < 30).all()   # always pushing left falls over
    np.testing.assert_array_equal(trace["alive"].sum(axis=0), returns)


