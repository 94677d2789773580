"""ember.save/ember.load against real PyTorch checkpoints, in both directions."""
import collections
import io
import os
import pickle

import numpy as np
import pytest

from parity import assert_same, to_torch, torch
import ember


def _ember_state():
    base = ember.tensor(np.arange(12, dtype=np.float32).reshape(3, 4))
    return collections.OrderedDict(
        weight=base, column=base[:, 1], transposed=base.t(),
        half=ember.tensor([1.5, -2.0], dtype=ember.float16),
        brain=ember.tensor([1.5, 2.25], dtype=ember.bfloat16),
        long=ember.tensor([1, 2, 3]), flags=ember.tensor([True, False]),
        byte=ember.tensor([0, 255], dtype=ember.uint8),
        empty=ember.zeros(0, 3), scalar=ember.tensor(3.5, dtype=ember.float64),
        cplx=ember.tensor([1 + 2j], dtype=ember.complex64),
        nested={"list": [ember.ones(2), (ember.zeros(1), 3)], "text": "hello", "n": 7,
                "f": 0.5, "none": None},
        dtype=ember.float16, device=ember.device("cpu"), size=ember.Size([2, 3]))


def _compare(e, t):
    if isinstance(t, torch.Tensor):
        assert_same(e, t, rtol=0, atol=0)
        assert e.stride() == t.stride() and e.storage_offset() == t.storage_offset()
    elif isinstance(t, dict):
        assert list(e.keys()) == list(t.keys())
        for k in t:
            _compare(e[k], t[k])
    elif isinstance(t, (list, tuple)) and not isinstance(t, torch.Size):
        assert type(e) is type(t) and len(e) == len(t)
        for a, b in zip(e, t):
            _compare(a, b)
    elif isinstance(t, torch.dtype):
        assert to_torch(e) == t
    elif isinstance(t, (torch.device, torch.Size)):
        assert str(e) == str(t) if isinstance(t, torch.device) else tuple(e) == tuple(t)
    else:
        assert e == t


def test_ember_checkpoint_loads_in_torch(tmp_path):
    state = _ember_state()
    path = tmp_path / "model.pt"
    ember.save(state, path)
    loaded = torch.load(path, weights_only=True)
    _compare(state, loaded)
    assert isinstance(loaded, collections.OrderedDict)
    # Views saved together still share one storage in torch.
    loaded["weight"][0, 1] = 100
    assert loaded["column"][0].item() == 100


def test_torch_checkpoint_loads_in_ember(tmp_path):
    base = torch.arange(12.0).reshape(3, 4)
    state = {"weight": base, "column": base[:, 1], "transposed": base.t(),
             "half": torch.tensor([1.5], dtype=torch.float16),
             "brain": torch.tensor([1.5, 2.0], dtype=torch.bfloat16),
             "long": torch.tensor([1, 2]), "flags": torch.tensor([True]),
             "empty": torch.zeros(0, 3), "scalar": torch.tensor(2.0, dtype=torch.float64),
             "linear": torch.nn.Linear(3, 2).state_dict(),
             "optim": {"state": {0: {"step": torch.tensor(3.0),
                                     "exp_avg": torch.ones(2)}},
                       "param_groups": [{"lr": 0.1, "betas": (0.9, 0.99), "params": [0]}]},
             "dtype": torch.bfloat16, "size": torch.Size([4]), "device": torch.device("cpu"),
             "text": "x", "number": 3}
    path = tmp_path / "torch.pt"
    torch.save(state, path)
    loaded = ember.load(path)
    _compare(loaded, state)
    loaded["weight"][0, 1] = 100
    assert loaded["column"][0].item() == 100


def test_round_trip_through_file_objects():
    state = {"a": ember.ones(2, 3), "b": [ember.arange(4)]}
    buffer = io.BytesIO()
    ember.save(state, buffer)
    buffer.seek(0)
    loaded = ember.load(buffer)
    np.testing.assert_array_equal(loaded["a"].numpy(), np.ones((2, 3)))
    buffer.seek(0)
    _compare(loaded, torch.load(buffer, weights_only=True))


def test_requires_grad_survives(tmp_path):
    w = ember.ones(2, requires_grad=True)
    ember.save({"w": w}, tmp_path / "w.pt")
    assert ember.load(tmp_path / "w.pt")["w"].requires_grad
    assert torch.load(tmp_path / "w.pt", weights_only=True)["w"].requires_grad


class Custom:
    def __init__(self, value=1):
        self.value = value


def test_weights_only_refuses_unknown_globals(tmp_path):
    torch.save({"obj": Custom()}, tmp_path / "c.pt")
    with pytest.raises(pickle.UnpicklingError, match="Unsupported global"):
        ember.load(tmp_path / "c.pt")
    with ember.serialization.safe_globals([Custom]):
        assert ember.load(tmp_path / "c.pt")["obj"].value == 1
    assert ember.load(tmp_path / "c.pt", weights_only=False)["obj"].value == 1


def test_atomic_write_leaves_no_partial_file(tmp_path):
    path = tmp_path / "out.pt"

    class Unpicklable:
        def __reduce__(self):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        ember.save({"x": Unpicklable()}, path)
    assert not path.exists() and os.listdir(tmp_path) == []
    ember.save({"x": ember.ones(1)}, path)
    with pytest.raises(RuntimeError):
        ember.save({"x": Unpicklable()}, path)
    assert ember.load(path)["x"].item() == 1


def test_map_location_and_legacy_errors(tmp_path):
    path = tmp_path / "m.pt"
    ember.save({"x": ember.ones(2)}, path)
    assert ember.load(path, map_location="cpu")["x"].device.type == "cpu"
    assert ember.load(path, map_location={"cpu": "cpu"})["x"].device.type == "cpu"
    assert ember.load(path, map_location=lambda storage, loc: storage)["x"].sum().item() == 2
    legacy = tmp_path / "legacy.pt"
    legacy.write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(RuntimeError, match="legacy"):
        ember.load(legacy)
