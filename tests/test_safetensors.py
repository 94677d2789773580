"""ember.utils.safetensors: the safetensors format, against the safetensors package."""
import json
import struct
import subprocess
import sys
import textwrap

import ml_dtypes
import numpy as np
import pytest

import ember
from ember.utils.safetensors import SafetensorError, safe_open
from ember.utils.safetensors import numpy as st_numpy
from ember.utils.safetensors.torch import (load, load_file, load_model, save, save_file,
                                           save_model)

DTYPES = [ember.float64, ember.float32, ember.float16, ember.bfloat16, ember.int64,
          ember.int32, ember.int16, ember.int8, ember.uint8, ember.bool, ember.complex64]


def _sample(dtype, shape, seed=0):
    rng = np.random.default_rng(seed)
    values = rng.standard_normal(shape) * 50
    if dtype is ember.complex64:
        values = values + 1j * rng.standard_normal(shape)
    elif dtype is ember.bool:
        values = values > 0
    return ember.tensor(values.astype(dtype.numpy))


def _state():
    """Every dtype, with 0-d, empty and 3-d shapes mixed in, names out of order."""
    shapes = [(2, 3), (), (0, 4), (3, 1, 2), (5,)]
    return {f"{'zyxw'[i % 4]}.{d.name}": _sample(d, shapes[i % len(shapes)], i)
            for i, d in enumerate(DTYPES)}


def _bits(x):
    """Raw bytes of an ember tensor, a torch tensor or an array: compare bit for bit."""
    if isinstance(x, ember.Tensor):
        x = x.numpy()
    elif type(x).__module__.startswith("torch"):
        import torch
        x = x.contiguous().reshape(-1).view(torch.uint8).numpy()
    return np.ascontiguousarray(x).reshape(-1).view(np.uint8).tobytes()


def _same(a, b):
    assert list(a) == list(b) or sorted(a) == sorted(b)
    for name in a:
        assert tuple(a[name].shape) == tuple(b[name].shape), name
        assert str(a[name].dtype).split(".")[-1] == str(b[name].dtype).split(".")[-1], name
        assert _bits(a[name]) == _bits(b[name]), name


def _torch_state(state):
    torch = pytest.importorskip("torch")
    from parity import to_torch
    out = {}
    for name, t in state.items():
        out[name] = to_torch(t) if t.dtype is not ember.bfloat16 else \
            torch.from_numpy(t.numpy().view(np.int16).copy()).view(torch.bfloat16)
    return out


# ---------------------------------------------------------------- round trips

def test_round_trip_bytes_file_and_safe_open(tmp_path):
    state = _state()
    _same(load(save(state)), state)
    save_file(state, tmp_path / "m.safetensors", metadata={"format": "pt", "step": "7"})
    _same(load_file(tmp_path / "m.safetensors"), state)
    with safe_open(str(tmp_path / "m.safetensors"), framework="pt") as f:
        assert f.keys() == sorted(state)
        assert f.metadata() == {"format": "pt", "step": "7"}
        _same({k: f.get_tensor(k) for k in f.keys()}, state)
    with open(tmp_path / "m.safetensors", "rb") as f:
        assert f.read() == save(state, metadata={"format": "pt", "step": "7"})


def test_bfloat16_values_are_exact():
    raw = np.array([0x3F80, 0xC2F7, 0x7F80, 0x0001, 0x7FC0], dtype=np.uint16)
    t = ember.tensor(raw.view(ml_dtypes.bfloat16))
    back = load(save({"b": t}))["b"]
    assert back.dtype is ember.bfloat16 and back.numpy().view(np.uint16).tolist() == \
        raw.tolist()


def test_header_layout_and_empty_dict():
    data = save({"a": ember.ones(2), "b": ember.zeros((), dtype=ember.float64)},
                metadata={"k": "v"})
    (n,) = struct.unpack("<Q", data[:8])
    assert (8 + n) % 8 == 0
    header = json.loads(data[8:8 + n])
    assert list(header) == ["__metadata__", "b", "a"]  # by dtype code, then name
    assert header["a"] == {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}
    assert header["b"] == {"dtype": "F64", "shape": [], "data_offsets": [0, 8]}
    assert save({}) == b"\x08" + b"\x00" * 7 + b"{}      " and load(save({})) == {}
    assert load(bytearray(data))["a"].tolist() == [1.0, 1.0]


def test_loaded_tensors_own_their_memory(tmp_path):
    save_file({"a": ember.arange(4.0)}, tmp_path / "a.st")
    with safe_open(tmp_path / "a.st", framework="pt") as f:
        t = f.get_tensor("a")
    t.add_(1)   # the file is closed and the array writable: a private copy
    assert t.tolist() == [1.0, 2.0, 3.0, 4.0]
    assert load_file(tmp_path / "a.st")["a"].tolist() == [0.0, 1.0, 2.0, 3.0]


def test_slices(tmp_path):
    full = ember.arange(120.0).reshape(2, 3, 4, 5)
    save_file({"w": full, "s": ember.tensor(2.5)}, tmp_path / "w.st")
    indices = [(0,), 1, slice(None), (slice(None), slice(0, 3, 2)), (Ellipsis, 1), (-1,),
               (slice(-2, None),), (slice(None), 1, slice(1, 3)), (), (1, 2, 3, 4),
               (slice(None), slice(5, 9))]
    with safe_open(tmp_path / "w.st", framework="pt") as f:
        sl = f.get_slice("w")
        assert sl.get_shape() == [2, 3, 4, 5] and sl.get_dtype() == "F32"
        for index in indices:
            np.testing.assert_array_equal(sl[index].numpy(), full.numpy()[index])
        assert f.get_slice("s")[...].item() == 2.5 and f.get_slice("s").get_shape() == []


def test_numpy_framework_and_module(tmp_path):
    arrays = {"f": np.arange(6, dtype=np.float32).reshape(2, 3),
              "b": np.array([1.5, -2], dtype=ml_dtypes.bfloat16),
              "i": np.array(3, dtype=np.int64), "big": np.arange(3, dtype=">i4")}
    back = st_numpy.load(st_numpy.save(arrays))
    for k in arrays:
        assert back[k].dtype == arrays[k].dtype.newbyteorder("=")
        np.testing.assert_array_equal(back[k], arrays[k])
    st_numpy.save_file(arrays, tmp_path / "n.st")
    with safe_open(tmp_path / "n.st", framework="np") as f:
        assert isinstance(f.get_tensor("f"), np.ndarray)
    np.testing.assert_array_equal(st_numpy.load_file(tmp_path / "n.st")["big"], [0, 1, 2])
    with pytest.raises(ValueError, match="no dtype for uint16"):
        st_numpy.save({"u": np.zeros(2, np.uint16)})


@pytest.mark.parametrize("dtype", DTYPES)
def test_each_dtype_round_trips(dtype):
    t = _sample(dtype, (3, 2), 5)
    back = load(save({"t": t}))["t"]
    assert back.dtype is dtype and _bits(back) == _bits(t)


# ---------------------------------------------------------------- bad input

def test_save_rejects_what_safetensors_rejects():
    base = ember.zeros(4, 4)
    with pytest.raises(ValueError, match="Expected a dict of"):
        save([base])
    with pytest.raises(ValueError, match="Key `a` is invalid, expected torch.Tensor"):
        save({"a": 1})
    with pytest.raises(ValueError, match="non contiguous tensor: `t`"):
        save({"t": base.t()})
    with pytest.raises(RuntimeError, match="Some tensors share memory"):
        save({"a": base, "b": base[1]})
    with pytest.raises(TypeError, match="'int' object is not an instance of 'str'"):
        save({"a": base}, metadata={"a": 1})
    with pytest.raises(ValueError, match="safetensors has no dtype for ember.complex128"):
        save({"c": ember.zeros(1, dtype=ember.complex128)})
    # Disjoint views of one storage share no memory: both may be saved.
    assert load(save({"r0": base[0], "r1": base[1]}))["r1"].shape == (4,)


def _raw(header, data=b""):
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + data


@pytest.mark.parametrize("data, message", [
    (b"abc", "header too small"),
    (b"\xff" * 8 + b"{}", "header too large"),
    (struct.pack("<Q", 2) + b"{]", "invalid JSON in header"),
    (_raw([1]), "invalid JSON in header"),
    (_raw({"__metadata__": {"a": 1}}), "invalid JSON in header"),
    (_raw({"a": {"dtype": "F33", "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 4),
     "safetensors dtype `F33`"),
    (_raw({"a": {"dtype": "U16", "shape": [1], "data_offsets": [0, 2]}}, b"\0" * 2),
     "ember has no dtype for the safetensors dtype `U16`"),
    (_raw({"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, b"\0" * 8),
     "invalid offset for tensor `a`"),
    (_raw({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}, b"\0" * 4),
     "invalid shape, data type, or offset for tensor `a`"),
    (_raw({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 8),
     "file not fully covered"),
    (_raw({"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}, b"\0" * 4),
     "bad shape"),
])
def test_malformed_buffers_raise(data, message):
    with pytest.raises(SafetensorError, match=message):
        load(data)


def test_safe_open_errors(tmp_path):
    save_file({"a": ember.ones(1)}, tmp_path / "a.st")
    with safe_open(tmp_path / "a.st", framework="pt") as f:
        assert f.metadata() is None and f.offset_keys() == ["a"]
        with pytest.raises(SafetensorError, match="File does not contain tensor nope"):
            f.get_tensor("nope")
    with pytest.raises(FileNotFoundError):
        safe_open(tmp_path / "missing.st", framework="pt")
    (tmp_path / "empty.st").write_bytes(b"")
    with pytest.raises(SafetensorError, match="header too small"):
        safe_open(tmp_path / "empty.st", framework="pt")
    with pytest.raises(ValueError, match="framework 'tf' is not supported"):
        safe_open(tmp_path / "a.st", framework="tf")


# ---------------------------------------------------------------- tied weights

class _Tied(ember.nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = ember.nn.Embedding(5, 3)
        self.head = ember.nn.Linear(3, 5, bias=False)
        self.head.weight = self.embed.weight


def test_save_model_writes_tied_weights_once(tmp_path):
    ember.manual_seed(0)
    model = _Tied()
    with pytest.raises(RuntimeError, match="share memory"):
        save_file(model.state_dict(), tmp_path / "bad.st")
    save_model(model, tmp_path / "m.st")
    with safe_open(tmp_path / "m.st", framework="pt") as f:
        assert f.keys() == ["embed.weight"] and f.metadata() == {"head.weight": "embed.weight"}
    fresh = _Tied()
    assert load_model(fresh, tmp_path / "m.st") == (set(), [])
    assert fresh.head.weight is fresh.embed.weight
    assert fresh.head.weight.detach().tolist() == model.embed.weight.detach().tolist()
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "bias"'):
        load_model(ember.nn.Linear(3, 5), tmp_path / "m.st")


# ---------------------------------------------------------------- the safetensors package

def test_files_are_byte_identical_to_safetensors_torch():
    st_torch = pytest.importorskip("safetensors.torch")
    state = _state()
    for metadata in (None, {"format": "pt"}):
        assert save(state, metadata=metadata) == st_torch.save(_torch_state(state),
                                                               metadata=metadata)


def test_safetensors_torch_reads_ember_files_and_back(tmp_path):
    st_torch = pytest.importorskip("safetensors.torch")
    import safetensors
    state = _state()
    save_file(state, tmp_path / "e.st", metadata={"who": "ember"})
    _same(st_torch.load_file(tmp_path / "e.st"), state)
    with safetensors.safe_open(tmp_path / "e.st", framework="pt") as f:
        assert f.metadata() == {"who": "ember"}
        assert _bits(f.get_slice("z.float64")[1:]) == _bits(state["z.float64"][1:])
    st_torch.save_file(_torch_state(state), tmp_path / "t.st")
    _same(load_file(tmp_path / "t.st"), state)
    _same(load(st_torch.save(_torch_state(state))), state)


def test_safetensors_numpy_reads_ember_numpy_files():
    st_np = pytest.importorskip("safetensors.numpy")
    arrays = {"f": np.linspace(0, 1, 6).reshape(2, 3), "i": np.arange(4, dtype=np.int16)}
    for name, array in st_np.load(st_numpy.save(arrays)).items():
        np.testing.assert_array_equal(array, arrays[name])
    assert st_numpy.save(arrays) == st_np.save(arrays)


def test_scripts_import_safetensors_torch_under_compat(tmp_path):
    """A script's `from safetensors.torch import ...` gets ember's, installed or not."""
    script = textwrap.dedent(f"""
        import ember.compat as compat
        compat.ALIASES.setdefault("safetensors", "ember.utils.safetensors")
        compat.install()
        import torch
        from safetensors import safe_open
        from safetensors.torch import load_file, save_file
        save_file({{"w": torch.ones(2, dtype=torch.bfloat16)}}, {str(tmp_path / 'c.st')!r})
        w = load_file({str(tmp_path / 'c.st')!r})["w"]
        with safe_open({str(tmp_path / 'c.st')!r}, framework="pt") as f:
            assert f.get_tensor("w").dtype is torch.bfloat16
        print(type(w).__module__, w.dtype, w.tolist())
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["ember._tensor", "ember.bfloat16", "[1.0,", "1.0]"]


@pytest.mark.skipif(not ember.cuda.is_available(), reason="no CUDA device")
def test_cuda_tensors_save_and_load_on_the_device(tmp_path):
    state = _state()
    on_gpu = {k: v.to("cuda") for k, v in state.items()}
    save_file(on_gpu, tmp_path / "g.st")
    assert (tmp_path / "g.st").read_bytes() == save(state)
    for device, expected in (("cuda", "cuda:0"), (0, "cuda:0"), ("cpu", "cpu")):
        loaded = load_file(tmp_path / "g.st", device=device)
        assert {str(t.device) for t in loaded.values()} == {expected}
        _same({k: v.cpu() for k, v in loaded.items()}, state)
    with safe_open(tmp_path / "g.st", framework="pt", device="cuda:0") as f:
        part = f.get_slice("w.bfloat16")[1:]
        assert str(part.device) == "cuda:0"
        assert _bits(part.cpu()) == _bits(state["w.bfloat16"][1:])
