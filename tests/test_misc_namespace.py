"""The rest of the namespace: accelerator, cuda memory, cpu, utils.hooks, utils.benchmark,
utils.tensorboard."""
import importlib
import os
import re
import struct
import sys

import numpy as np
import pytest

from parity import torch
import torch.utils.benchmark  # noqa: F401 (not imported by `import torch`)
import ember
import ember.accelerator
import ember.cpu
import ember.utils.benchmark
import ember.utils.hooks
from ember.cuda import memory

no_gpu = pytest.mark.skipif(ember.cuda.is_available(), reason="checks the CPU-only answers")


# ---------------------------------------------------------------- accelerator, memory, cpu

@no_gpu
def test_accelerator_queries_without_a_gpu_match_torch():
    assert ember.accelerator.is_available() is torch.accelerator.is_available() is False
    assert ember.accelerator.current_accelerator() is None
    assert ember.accelerator.current_accelerator(check_available=True) is None
    assert ember.accelerator.device_count() == torch.accelerator.device_count() == 0
    with ember.accelerator.device_index(None):
        pass


@no_gpu
@pytest.mark.parametrize("call", [
    lambda m: m.accelerator.current_device_index(),
    lambda m: m.accelerator.set_device_index(0),
    lambda m: m.accelerator.synchronize(),
    lambda m: m.accelerator.empty_cache(),
    lambda m: m.accelerator.memory_allocated(),
    lambda m: m.accelerator.max_memory_allocated(),
    lambda m: m.accelerator.reset_peak_memory_stats(),
    lambda m: m.accelerator.device_index(0).__enter__(),
])
def test_accelerator_calls_needing_a_device_raise_like_torch(call):
    with pytest.raises(RuntimeError) as expected:
        call(torch)
    with pytest.raises(RuntimeError) as got:
        call(ember)
    assert str(got.value) == str(expected.value)


@no_gpu
def test_cuda_memory_without_a_gpu():
    for name in ("memory_allocated", "max_memory_allocated", "memory_reserved",
                 "max_memory_reserved"):
        assert getattr(memory, name)() == getattr(torch.cuda, name)() == 0
    assert memory.memory_stats() == dict(torch.cuda.memory_stats()) == {}
    memory.empty_cache()
    memory.reset_peak_memory_stats()
    with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
        memory.mem_get_info()


def test_cpu_module_matches_torch():
    assert ember.cpu.is_available() is torch.cpu.is_available()
    assert ember.cpu.device_count() == torch.cpu.device_count()
    assert ember.cpu.current_device() == torch.cpu.current_device()
    assert ember.cpu.synchronize() is None


# ---------------------------------------------------------------- utils.hooks

def test_removable_handle_is_what_hooks_return():
    t = ember.ones(2, requires_grad=True)
    calls = []
    handle = t.register_hook(lambda g: calls.append(1))
    assert isinstance(handle, ember.utils.hooks.RemovableHandle)
    with handle:
        (t * 2).sum().backward()
    (t * 2).sum().backward()
    assert calls == [1]


# ---------------------------------------------------------------- utils.benchmark

def _shape_of(text):
    """A repr with its numbers, units and address blanked out."""
    text = re.sub(r"0x[0-9a-f]+", "ADDR", text)
    text = re.sub(r"\d+(\.\d+)?", "N", text)
    text = re.sub(r"\b(ns|us|ms|s)\b", "UNIT", text)
    return text.replace("torch.utils.benchmark.utils.common", "MODULE") \
        .replace("ember.utils.benchmark.common", "MODULE")


@pytest.mark.parametrize("kwargs", [
    dict(stmt="x + x"),
    dict(stmt="x + x", setup="y = 1", label="add", sub_label="small",
         description="ones(10)"),
    dict(stmt="for _ in range(2):\n    x + x", setup="a = 1\nb = 2"),
])
def test_timeit_repr_has_torch_layout(kwargs):
    got = ember.utils.benchmark.Timer(globals={"x": ember.ones(10)}, **kwargs).timeit(100)
    expected = torch.utils.benchmark.Timer(globals={"x": torch.ones(10)}, **kwargs).timeit(100)
    assert _shape_of(repr(got)) == _shape_of(repr(expected))
    assert got.number_per_run == 100 and len(got.times) == 1
    assert got.times[0] == pytest.approx(got.raw_times[0] / 100)
    assert got.mean == got.median == got.times[0]
    assert got.title == expected.title and got.stmt == expected.stmt


def test_blocked_and_adaptive_autorange():
    timer = ember.utils.benchmark.Timer("torch.add(x, x)", globals={"x": ember.ones(4)},
                                        label="add")
    blocked = timer.blocked_autorange(min_run_time=0.05)
    assert sum(blocked.raw_times) >= 0.05
    assert blocked.number_per_run >= 1 and blocked.median > 0
    adaptive = timer.adaptive_autorange(threshold=0.5, max_run_time=1.0)
    # NOTE: under load the run may stop at max_run_time with fewer measurements.
    assert len(adaptive.times) >= 1 and sum(adaptive.raw_times) > 0
    text = repr(adaptive)
    assert "Median:" in text and "IQR:" in text and "measurements," in text
    assert 1 <= adaptive.significant_figures <= 4
    merged = ember.utils.benchmark.Measurement.merge([blocked, adaptive])
    assert len(merged) == 1 and merged[0].number_per_run == 1
    assert len(merged[0].times) == len(blocked.times) + len(adaptive.times)


def test_measurement_statistics_match_torch():
    raw = [0.9, 1.1, 1.0, 1.6, 0.95, 1.05]
    spec = dict(stmt="x", setup="pass")
    got = ember.utils.benchmark.Measurement(10, raw, ember.utils.benchmark.TaskSpec(**spec))
    expected = torch.utils.benchmark.Measurement(10, raw,
                                                 torch.utils.benchmark.TaskSpec(**spec))
    for name in ("times", "mean", "median", "iqr", "significant_figures", "has_warnings"):
        assert getattr(got, name) == pytest.approx(getattr(expected, name)), name
    assert _shape_of(repr(got)) == _shape_of(repr(expected))


def test_timer_rejects_what_torch_rejects():
    Timer = ember.utils.benchmark.Timer
    with pytest.raises(ValueError, match="only a `str` stmt"):
        Timer(stmt=lambda: 0)
    with pytest.raises(ValueError, match="global_setup is C\\+\\+ only"):
        Timer("x", global_setup="int a;")
    with pytest.raises(NotImplementedError):
        Timer("x", globals={"x": 1}).repeat()
    assert Timer("torch is ember", globals={}).timeit(1).raw_times[0] >= 0


# ---------------------------------------------------------------- utils.tensorboard

def _events(folder):
    """Every event in the TensorBoard files under folder (TFRecord framing)."""
    from tensorboardX.proto import event_pb2
    events = []
    for root, _, files in os.walk(folder):
        for name in sorted(files):
            data = open(os.path.join(root, name), "rb").read()
            i = 0
            while i < len(data):
                (n,) = struct.unpack("<Q", data[i:i + 8])
                event = event_pb2.Event()
                event.ParseFromString(data[i + 12:i + 12 + n])
                events.append(event)
                i += 12 + n + 4
    return events


def _values(events):
    return [(e.step, v) for e in events for v in e.summary.value]


def test_summary_writer_writes_ember_tensors(tmp_path):
    pytest.importorskip("tensorboardX")
    from ember.utils.tensorboard import SummaryWriter
    with SummaryWriter(log_dir=str(tmp_path)) as writer:
        writer.add_scalar("loss", ember.tensor(0.25), ember.tensor(3))
        writer.add_scalar("lr", 0.5, 4)
        writer.add_scalars("pair", {"a": ember.tensor(1.0), "b": 2.0}, 1)
        writer.add_histogram("weights", ember.arange(10.0), 2)
        writer.add_text("note", "hello", 1)
        writer.add_hparams({"lr": 0.1, "layers": ember.tensor(2)}, {"acc": ember.tensor(0.75)},
                           run_name="trial")
        assert writer.get_logdir() == str(tmp_path)
    values = _values(_events(tmp_path))
    scalars = {(v.tag, s): v.simple_value for s, v in values if v.WhichOneof("value") ==
               "simple_value"}
    assert scalars[("loss", 3)] == 0.25 and scalars[("lr", 4)] == 0.5
    assert scalars[("pair", 1)] in (1.0, 2.0) and scalars[("acc", 0)] == 0.75
    histos = [v.histo for _, v in values if v.tag == "weights"]
    assert histos and histos[0].num == 10 and histos[0].max == 9.0
    assert any(v.tag.startswith("note") for _, v in values)
    assert os.path.isdir(tmp_path / "trial")


def test_summary_writer_images(tmp_path):
    pytest.importorskip("tensorboardX")
    pytest.importorskip("PIL")
    from ember.utils.tensorboard import SummaryWriter
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_image("one", ember.rand(3, 4, 5), 0)
        writer.add_image("hwc", ember.rand(4, 5, 3), 0, dataformats="HWC")
        writer.add_images("many", ember.rand(2, 3, 4, 5).bfloat16(), 1)
    images = {v.tag: v.image for _, v in _values(_events(tmp_path)) if v.HasField("image")}
    assert (images["one"].height, images["one"].width) == (4, 5)
    assert (images["hwc"].height, images["hwc"].width) == (4, 5)
    assert images["many"].width == 10   # a grid of the two images


def test_tensorboard_without_tensorboardx_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorboardX", None)
    monkeypatch.delitem(sys.modules, "ember.utils.tensorboard", raising=False)
    monkeypatch.delitem(sys.modules, "ember.utils.tensorboard.writer", raising=False)
    with pytest.raises(ImportError, match=r"pip install ember\[tensorboard\]"):
        importlib.import_module("ember.utils.tensorboard")
    np.testing.assert_equal(ember.ones(1).numpy(), [1.0])   # ember itself is unaffected
