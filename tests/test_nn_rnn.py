"""RNN, LSTM, GRU, their cells and nn.utils.rnn against torch: same weights, same inputs,
same outputs, input/state/parameter gradients; packed sequences; errors and reprs."""
import warnings

import numpy as np
import pytest

from parity import assert_same, check_raises, to_torch, torch
from seq_helpers import compare, rand, twin
import ember
import ember.nn as nn
from ember.nn.utils import rnn as rnn_utils

CONFIGS = [
    dict(),
    dict(num_layers=2),
    dict(bidirectional=True),
    dict(num_layers=2, bidirectional=True, batch_first=True),
    dict(bias=False),
]
LSTM_EXTRA = [dict(proj_size=3), dict(proj_size=2, num_layers=2, bidirectional=True)]


def _states(name, kwargs, batch, seed=10):
    layers = kwargs.get("num_layers", 1) * (2 if kwargs.get("bidirectional") else 1)
    out = kwargs.get("proj_size") or 5
    h = rand(layers, batch, out, seed=seed)
    return (h, rand(layers, batch, 5, seed=seed + 1)) if name == "LSTM" else h


@pytest.mark.parametrize("name,kwargs", [(n, k) for n in ("RNN", "GRU", "LSTM") for k in CONFIGS]
                         + [("LSTM", k) for k in LSTM_EXTRA]
                         + [("RNN", dict(nonlinearity="relu", num_layers=2))])
@pytest.mark.parametrize("with_state", [False, True])
def test_recurrent_layers(name, kwargs, with_state):
    e_mod, t_mod = twin(name, 4, 5, **kwargs)
    x = rand(6, 3, 4) if not kwargs.get("batch_first") else rand(3, 6, 4)
    inputs = [x, _states(name, kwargs, 3)] if with_state else [x]
    compare(e_mod, t_mod, inputs)


@pytest.mark.parametrize("name", ["RNN", "GRU", "LSTM"])
@pytest.mark.parametrize("kwargs", [dict(), dict(batch_first=True, num_layers=2)])
def test_unbatched_input(name, kwargs):
    e_mod, t_mod = twin(name, 4, 5, **kwargs)
    compare(e_mod, t_mod, [rand(6, 4)])
    state = _states(name, kwargs, 1)
    state = tuple(s[:, 0] for s in state) if name == "LSTM" else state[:, 0]
    compare(e_mod, t_mod, [rand(6, 4), state])


@pytest.mark.parametrize("name,kwargs", [("GRU", dict(bidirectional=True)), ("LSTM", dict()),
                                         ("LSTM", dict(num_layers=2, bidirectional=True,
                                                       proj_size=3)),
                                         ("RNN", dict(num_layers=2))])
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_packed_sequences(name, kwargs, enforce_sorted):
    e_mod, t_mod = twin(name, 4, 5, **kwargs)
    lengths = [6, 4, 4, 1] if enforce_sorted else [4, 6, 1, 4]
    padded = rand(6, 4, 4)
    packed = rnn_utils.pack_padded_sequence(padded, lengths, enforce_sorted=enforce_sorted)
    out = compare(e_mod, t_mod, [packed, _states(name, kwargs, 4)])
    assert isinstance(out[0], rnn_utils.PackedSequence)
    t_packed = torch.nn.utils.rnn.pack_padded_sequence(to_torch(padded), lengths,
                                                       enforce_sorted=enforce_sorted)
    assert_same(out[0].batch_sizes, t_packed.batch_sizes)


def test_eval_dropout_and_training_dropout():
    e_mod, t_mod = twin("LSTM", 4, 5, num_layers=3, dropout=0.5)
    e_mod.eval()
    t_mod.eval()
    compare(e_mod, t_mod, [rand(5, 2, 4)])
    e_mod.train()
    x = rand(5, 2, 4, requires_grad=False)
    first, second = e_mod(x)[0], e_mod(x)[0]
    assert not np.allclose(first.detach().numpy(), second.detach().numpy())
    e_mod.dropout = 0.0
    np.testing.assert_allclose(e_mod(x)[0].detach().numpy(),
                               t_mod.eval()(to_torch(x))[0].detach().numpy(), rtol=1e-6)


def _flat_outputs(out):
    """(output, h_n[, c_n]) as one flat tuple of tensors."""
    output, state = out
    output = output.data if isinstance(output, rnn_utils.PackedSequence) else output
    return (output,) + (tuple(state) if isinstance(state, tuple) else (state,))


@pytest.mark.parametrize("name,kwargs", [("RNN", {}), ("GRU", {}), ("LSTM", {}),
                                         ("LSTM", dict(proj_size=2))])
def test_gradcheck_and_double_backward(name, kwargs):
    mod = getattr(nn, name)(2, 3, bidirectional=True, **kwargs).double()
    x = rand(3, 2, 2)
    assert ember.autograd.gradcheck(lambda x: _flat_outputs(mod(x)), (x,))
    assert ember.autograd.gradgradcheck(lambda x: _flat_outputs(mod(x)), (x,))

    def packed(x):
        return _flat_outputs(mod(rnn_utils.pack_padded_sequence(x, [3, 1])))
    assert ember.autograd.gradcheck(packed, (x,))
    assert ember.autograd.gradgradcheck(packed, (x,))


class _Swapped:
    """Temporarily replace a module's parameter by a plain tensor (a functional call)."""

    def __init__(self, module, name, value):
        self.module, self.name, self.value = module, name, value

    def __enter__(self):
        self.saved = self.module._parameters[self.name]
        self.module._parameters[self.name] = self.value

    def __exit__(self, *exc):
        self.module._parameters[self.name] = self.saved


@pytest.mark.parametrize("name,param", [("GRU", "weight_hh_l0"), ("GRU", "bias_hh_l0"),
                                        ("LSTM", "weight_hh_l0"), ("LSTM", "bias_ih_l0"),
                                        ("RNN", "weight_hh_l0")])
def test_parameter_gradcheck_and_gradgradcheck(name, param):
    mod = getattr(nn, name)(2, 3).double()
    x = rand(3, 2, 2, requires_grad=False)
    h0 = rand(1, 2, 3, seed=1, requires_grad=False)
    state = (h0, h0 * 0.5) if name == "LSTM" else h0

    def fn(w):
        with _Swapped(mod, param, w):
            return _flat_outputs(mod(x, state))
    w = getattr(mod, param).detach().clone().requires_grad_()
    assert ember.autograd.gradcheck(fn, (w,))
    assert ember.autograd.gradgradcheck(fn, (w,))


def test_empty_batch_and_empty_sequence():
    e_mod, t_mod = twin("GRU", 2, 3, bidirectional=True)
    compare(e_mod, t_mod, [rand(3, 0, 2)])
    check_raises(lambda m, x: m.nn.LSTM(2, 3)(x), RuntimeError,
                 "Expected sequence length to be larger than 0 in RNN",
                 inputs=[ember.ones(0, 1, 2)])


def test_float32_and_states_are_used():
    e_mod, t_mod = twin("LSTM", 8, 16, num_layers=2, dtype=ember.float32)
    out = compare(e_mod, t_mod, [rand(7, 3, 8, dtype=ember.float32),
                                 (rand(2, 3, 16, dtype=ember.float32, seed=4),
                                  rand(2, 3, 16, dtype=ember.float32, seed=5))],
                  rtol=1e-4, atol=1e-5)
    assert out[0].dtype is ember.float32


# ---------------------------------------------------------------- cells

@pytest.mark.parametrize("name,kwargs", [("RNNCell", {}), ("RNNCell", dict(nonlinearity="relu")),
                                         ("LSTMCell", {}), ("GRUCell", {}),
                                         ("GRUCell", dict(bias=False))])
@pytest.mark.parametrize("batched", [True, False])
def test_cells(name, kwargs, batched):
    e_mod, t_mod = twin(name, 4, 5, **kwargs)
    x = rand(3, 4) if batched else rand(4)
    shape = (3, 5) if batched else (5,)
    state = rand(*shape, seed=1)
    if name == "LSTMCell":
        state = (state, rand(*shape, seed=2))
    compare(e_mod, t_mod, [x])
    compare(e_mod, t_mod, [x, state])


def test_cell_sequence_matches_layer():
    cell = nn.LSTMCell(3, 4).double()
    layer = nn.LSTM(3, 4).double()
    layer.load_state_dict({k + "_l0": v for k, v in cell.state_dict().items()})
    x = rand(5, 2, 3, requires_grad=False)
    h = c = ember.zeros(2, 4, dtype=ember.float64)
    for t in range(5):
        h, c = cell(x[t], (h, c))
    out, (h_n, c_n) = layer(x)
    np.testing.assert_allclose(h.detach().numpy(), h_n[0].detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(out[-1].detach().numpy(), h.detach().numpy(), rtol=1e-10)


# ---------------------------------------------------------------- construction, errors, reprs

@pytest.mark.parametrize("build", [
    lambda nn: nn.LSTM(10, 20, 2, batch_first=True, bidirectional=True, proj_size=5,
                       dropout=0.1),
    lambda nn: nn.RNN(10, 20, nonlinearity="relu", bias=False), lambda nn: nn.GRU(10, 20),
    lambda nn: nn.RNN(3, 4, 2, "relu"),
    lambda nn: nn.LSTMCell(10, 20), lambda nn: nn.GRUCell(10, 20, bias=False),
    lambda nn: nn.RNNCell(10, 20, nonlinearity="relu"),
])
def test_reprs_and_parameters(build):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        e_mod, t_mod = build(nn), build(torch.nn)
    assert repr(e_mod) == repr(t_mod)
    assert [(n, tuple(p.shape)) for n, p in e_mod.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in t_mod.named_parameters()]
    if hasattr(t_mod, "_flat_weights_names"):
        assert e_mod._flat_weights_names == t_mod._flat_weights_names
        assert [[tuple(p.shape) for p in ws] for ws in e_mod.all_weights] == \
            [[tuple(p.shape) for p in ws] for ws in t_mod.all_weights]


def test_default_initialisation_is_uniform():
    mod = nn.LSTM(30, 50)
    values = np.concatenate([p.detach().numpy().ravel() for p in mod.parameters()])
    bound = 1 / np.sqrt(50)
    assert values.min() >= -bound and values.max() <= bound
    assert values.min() < -0.9 * bound and values.max() > 0.9 * bound
    assert abs(values.mean()) < 0.01


@pytest.mark.parametrize("build,exc,match", [
    (lambda nn: nn.RNN(10, 20, nonlinearity="foo"), ValueError, "Unknown nonlinearity 'foo'"),
    (lambda nn: nn.LSTM(10, 20, proj_size=20), ValueError, "proj_size has to be smaller"),
    (lambda nn: nn.LSTM(10, 20, proj_size=-1), ValueError, "positive integer or zero"),
    (lambda nn: nn.GRU(10, 20, dropout=2), ValueError, r"dropout should be a number in range"),
    (lambda nn: nn.GRU(10, 0), ValueError, "hidden_size must be greater than zero"),
    (lambda nn: nn.GRU(10, 20, num_layers=0), ValueError, "num_layers must be greater than"),
    (lambda nn: nn.GRU(10, "a"), TypeError, "hidden_size should be of type int, got: str"),
    (lambda nn: nn.RNN(10, 20, proj_size=3), ValueError, "only supported for LSTM"),
    (lambda nn: nn.GRU(10, 20, proj_size=3), ValueError, "only supported for LSTM"),
])
def test_construction_errors(build, exc, match):
    check_raises(lambda m: build(m.nn), exc, match)


def test_dropout_warning_with_one_layer():
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.GRU(3, 4, dropout=0.5)


@pytest.mark.parametrize("call,exc,match", [
    (lambda m: m(ember.ones(3, 4, 5)), RuntimeError,
     "input.size\\(-1\\) must be equal to input_size. Expected 10, got 5"),
    (lambda m: m(ember.ones(3, 4, 5, 6)), ValueError, "LSTM: Expected input to be 2D or 3D, "
     "got 4D instead"),
    (lambda m: m(ember.ones(3, 4, 10), (ember.ones(1, 4, 20), ember.ones(2, 4, 20))),
     RuntimeError, r"Expected hidden\[0\] size \(2, 4, 20\), got \[1, 4, 20\]"),
    (lambda m: m(ember.ones(3, 4, 10), (ember.ones(2, 4, 20), ember.ones(2, 3, 20))),
     RuntimeError, r"Expected hidden\[1\] size \(2, 4, 20\), got \[2, 3, 20\]"),
    (lambda m: m(ember.ones(3, 10), (ember.ones(2, 4, 20), ember.ones(2, 4, 20))),
     RuntimeError, r"For unbatched 2-D input, hx and cx should also be 2-D but got "
     r"\(3-D, 3-D\) tensors"),
    (lambda m: m(ember.ones(3, 4, 10, dtype=ember.float64)), ValueError,
     "RNN input dtype .* does not match weight dtype"),
])
def test_lstm_forward_errors(call, exc, match):
    _both_raise(lambda lib: lib.nn.LSTM(10, 20, 2), call, exc, match)


def _both_raise(build, call, exc, match):
    """call(module) raises exc in both libraries (inputs are built in ember and converted)."""
    class Converter:
        def __init__(self, mod):
            self.mod = mod

        def __call__(self, *args):
            return self.mod(*[_torch_tree(a) for a in args])
    with pytest.raises(exc):
        call(Converter(build(torch)))
    with pytest.raises(exc, match=match):
        call(build(ember))


def _torch_tree(value):
    if isinstance(value, tuple):
        return tuple(_torch_tree(v) for v in value)
    return to_torch(value) if isinstance(value, ember.Tensor) else value


@pytest.mark.parametrize("build,call,exc,match", [
    (lambda lib: lib.nn.GRU(10, 20), lambda m: m(ember.ones(3, 10), ember.ones(2, 1, 20)),
     RuntimeError, "For unbatched 2-D input, hx should also be 2-D but got 3-D tensor"),
    (lambda lib: lib.nn.GRU(10, 20), lambda m: m(ember.ones(3, 4, 10), ember.ones(2, 4, 20)),
     RuntimeError, r"Expected hidden size \(1, 4, 20\), got \[2, 4, 20\]"),
    (lambda lib: lib.nn.RNN(10, 20), lambda m: m(ember.ones(3, 4, 10), ember.ones(4, 20)),
     RuntimeError, "For batched 3-D input, hx should also be 3-D but got 2-D tensor"),
    (lambda lib: lib.nn.LSTMCell(10, 20), lambda m: m(ember.ones(3, 5)), RuntimeError,
     "input has inconsistent input_size: got 5 expected 10"),
    (lambda lib: lib.nn.LSTMCell(10, 20), lambda m: m(ember.ones(3, 4, 10)), ValueError,
     "LSTMCell: Expected input to be 1D or 2D, got 3D instead"),
    (lambda lib: lib.nn.LSTMCell(10, 20),
     lambda m: m(ember.ones(3, 10), (ember.ones(4, 20), ember.ones(3, 20))), RuntimeError,
     "Input batch size 3 doesn't match hidden0 batch size 4"),
    (lambda lib: lib.nn.GRUCell(10, 20), lambda m: m(ember.ones(3, 10), ember.ones(3, 21)),
     RuntimeError, "hidden0 has inconsistent hidden_size: got 21, expected 20"),
    (lambda lib: lib.nn.RNNCell(10, 20), lambda m: m(ember.ones(10), ember.ones(4, 20)),
     RuntimeError, "hidden0 has inconsistent hidden_size: got 4, expected 20"),
    (lambda lib: lib.nn.RNNCell(10, 20, nonlinearity="foo"), lambda m: m(ember.ones(2, 10)),
     RuntimeError, "Unknown nonlinearity: foo"),
])
def test_other_forward_errors(build, call, exc, match):
    _both_raise(build, call, exc, match)


# ---------------------------------------------------------------- nn.utils.rnn

def test_pack_pad_roundtrip_and_gradients():
    def fn(lib, x):
        utils = lib.nn.utils.rnn
        packed = utils.pack_padded_sequence(x, lib.tensor([2, 5, 3]), enforce_sorted=False)
        padded, lengths = utils.pad_packed_sequence(packed, batch_first=True,
                                                    padding_value=-1.0, total_length=6)
        return packed.data, padded, lengths, packed.batch_sizes, packed.sorted_indices, \
            packed.unsorted_indices
    from parity import check
    check(fn, [(5, 3, 2)])
    check(lambda lib, x: lib.nn.utils.rnn.pack_padded_sequence(x, [4, 2], batch_first=True).data,
          [(2, 4, 3)])


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence(batch_first, side):
    from parity import check
    check(lambda lib, a, b, c: lib.nn.utils.rnn.pad_sequence(
        [a, b, c], batch_first=batch_first, padding_value=2.5, padding_side=side),
        [(2, 3), (4, 3), (1, 3)])
    check(lambda lib, a, b: lib.nn.utils.rnn.pad_sequence([a, b]), [(3,), (2,)])
    check(lambda lib, a, b: lib.nn.utils.rnn.pad_sequence([a, b]), [(3, 2), (2, 1)])


def test_pack_unpack_sequence_lists():
    from parity import check
    check(lambda lib, a, b, c: lib.nn.utils.rnn.pack_sequence([a, b, c], enforce_sorted=False),
          [(2, 3), (4, 3), (1, 3)])
    check(lambda lib, a, b: lib.nn.utils.rnn.unpack_sequence(
        lib.nn.utils.rnn.pack_sequence([a, b])), [(4, 2), (3, 2)])
    check(lambda lib, x: lib.nn.utils.rnn.unpad_sequence(x * 1, lib.tensor([3, 1])), [(3, 2, 2)])
    check(lambda lib, x: lib.nn.utils.rnn.unpad_sequence(x, lib.tensor([3, 1]), True), [(2, 3, 2)])


def test_packed_sequence_object():
    p = rnn_utils.pack_sequence([ember.ones(3, 2), ember.ones(1, 2)])
    assert p.sorted_indices is None and p.batch_sizes.tolist() == [2, 1, 1]
    assert p.to(ember.float64).data.dtype is ember.float64
    assert p.double().data.dtype is ember.float64 and p.float() is p
    assert not p.is_cuda
    data, sizes, _, _ = p
    assert data is p.data and sizes is p.batch_sizes
    q = rnn_utils.PackedSequence(ember.ones(3, 2), ember.tensor([2, 1]), ember.tensor([1, 0]))
    assert q.unsorted_indices.tolist() == [1, 0]
    assert repr(q).startswith("PackedSequence(data=")
    assert nn.utils.rnn is rnn_utils


@pytest.mark.parametrize("fn,exc,match", [
    (lambda lib, x: lib.nn.utils.rnn.pack_padded_sequence(x, [4, 2, 3]), RuntimeError,
     "must be sorted in decreasing order"),
    (lambda lib, x: lib.nn.utils.rnn.pack_padded_sequence(x, [4, 2, 0], enforce_sorted=False),
     RuntimeError, "Length of all samples has to be greater than 0"),
    (lambda lib, x: lib.nn.utils.rnn.pack_padded_sequence(x, [4, 2]), RuntimeError,
     r"Expected `len\(lengths\)` to be equal to batch_size, but got 2 \(batch_size=3\)"),
    (lambda lib, x: lib.nn.utils.rnn.pad_packed_sequence(
        lib.nn.utils.rnn.pack_padded_sequence(x, [4, 3, 2]), total_length=3), ValueError,
     "Expected total_length to be at least the length of the longest sequence"),
    (lambda lib, x: lib.nn.utils.rnn.pad_sequence([]), RuntimeError,
     "received an empty list of sequences"),
    (lambda lib, x: lib.nn.utils.rnn.pad_sequence([x[1, :, :1], x[0]]), RuntimeError,
     r"output with shape \[3, 1\] doesn't match the broadcast shape \[3, 2\]"),
    (lambda lib, x: lib.nn.utils.rnn.pad_sequence([x, x[0, :2]]), RuntimeError,
     r"The size of tensor a \(3\) must match the size of tensor b \(2\) at non-singleton "
     "dimension 1"),
    (lambda lib, x: lib.nn.utils.rnn.pad_sequence([x[0]], padding_side="mid"), RuntimeError,
     "Expected padding_side to be one of left or right, but got mid."),
])
def test_rnn_utils_errors(fn, exc, match):
    check_raises(fn, exc, match, inputs=[ember.ones(4, 3, 2)])
