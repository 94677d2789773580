"""Activation checkpointing: same gradients as without it, fewer tensors kept, torch's
warnings and errors."""
import warnings

import pytest

from parity import torch
import ember
from ember.amp import autocast_mode
from ember.autograd import graph
from ember.utils.checkpoint import CheckpointError, checkpoint, checkpoint_sequential

nn = ember.nn


def _kept(output):
    """(graph nodes, tensors held for backward) reachable from output's grad_fn."""
    nodes, kept, stack = set(), 0, [output.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or node in nodes:
            continue
        nodes.add(node)
        for saved in getattr(node, "_saved", ()):
            if isinstance(saved, graph._PackedTensor):
                kept += isinstance(saved.packed, ember.Tensor)
            elif saved is not None:
                kept += 1
        kept += getattr(node, "_out", None) is not None   # outputs saved by save_output
        stack.extend(nxt for nxt, _ in node.next_functions)
    return len(nodes), kept


def _net():
    ember.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Dropout(0.3), nn.Linear(16, 16),
                         nn.Sigmoid(), nn.Linear(16, 2))


def _grads(net, x, run):
    """Gradients of x and of every parameter, with the same dropout seed each time."""
    for p in net.parameters():
        p.grad = None
    x.grad = None
    ember.manual_seed(7)
    out = run(net, x)
    out.pow(2).sum().backward()
    return out, [x.grad] + [p.grad for p in net.parameters()]


@pytest.mark.parametrize("use_reentrant", [True, False])
def test_gradients_equal_the_plain_ones_with_dropout(use_reentrant):
    net, x = _net(), ember.randn(5, 4, requires_grad=True)
    plain_out, plain = _grads(net, x, lambda n, v: n(v))
    out, got = _grads(net, x, lambda n, v: checkpoint(n, v, use_reentrant=use_reentrant))
    assert ember.equal(out, plain_out)
    for a, b in zip(got, plain):
        assert ember.equal(a, b)


@pytest.mark.parametrize("use_reentrant", [True, False])
def test_forward_keeps_fewer_tensors(use_reentrant):
    net, x = _net(), ember.randn(5, 4, requires_grad=True)
    plain_nodes, plain_kept = _kept(net(x))
    nodes, kept = _kept(checkpoint(net, x, use_reentrant=use_reentrant))
    if use_reentrant:
        # One node (beside x's AccumulateGrad) stands for the whole function; it keeps
        # only the input.
        assert (nodes, kept) == (2, 1) and plain_nodes > 8
    else:
        # The graph is the plain one, but saved activations are only placeholders.
        # NOTE: ops that save their output (tanh, sigmoid) keep it outside the
        # saved-tensor hooks in ember for now, hence not zero.
        assert nodes == plain_nodes and kept <= plain_kept - 5


def test_checkpoint_sequential_matches_plain():
    net, x = _net(), ember.randn(5, 4, requires_grad=True)
    _, plain = _grads(net, x, lambda n, v: n(v))
    for use_reentrant in (True, False):
        _, got = _grads(net, x, lambda n, v: checkpoint_sequential(
            n, 3, v, use_reentrant=use_reentrant))
        for a, b in zip(got, plain):
            assert ember.equal(a, b)


def test_non_reentrant_reaches_parameters_when_inputs_need_no_grad():
    net, x = _net(), ember.randn(5, 4)
    _, plain = _grads(net, x, lambda n, v: n(v))
    _, got = _grads(net, x, lambda n, v: checkpoint(n, v, use_reentrant=False))
    for a, b in zip(got[1:], plain[1:]):
        assert ember.equal(a, b)


def test_reentrant_warns_when_no_input_requires_grad():
    for m in (torch, ember):
        layer = m.nn.Linear(2, 2)
        with pytest.warns(UserWarning, match="None of the inputs have requires_grad=True"):
            out = m.utils.checkpoint.checkpoint(layer, m.ones(1, 2), use_reentrant=True)
        assert not out.requires_grad


def test_non_reentrant_supports_autograd_grad_retain_graph_and_kwargs():
    x = ember.randn(3, requires_grad=True)
    w = ember.randn(3, requires_grad=True)

    def f(a, scale=1.0):
        return (a.sin() * w).exp() * scale
    out = checkpoint(f, x, use_reentrant=False, scale=2.0).sum()
    expected = ember.autograd.grad((f(x, scale=2.0)).sum(), (x, w))
    first = ember.autograd.grad(out, (x, w), retain_graph=True)
    second = ember.autograd.grad(out, (x, w))
    for a, b, c in zip(first, second, expected):
        assert ember.allclose(a, c) and ember.allclose(b, c)


def test_multiple_outputs_and_non_tensor_arguments():
    x = ember.randn(4, requires_grad=True)

    def f(a, power, flag):
        return a.pow(power), a.cos() if flag else a
    for use_reentrant in (True, False):
        x.grad = None
        p, c = checkpoint(f, x, 3, True, use_reentrant=use_reentrant)
        (p.sum() + c.sum()).backward()
        assert ember.allclose(x.grad, 3 * x.detach() ** 2 - x.detach().sin())


def test_autocast_state_is_replayed():
    x = ember.randn(3, 4, requires_grad=True)
    w = ember.randn(4, requires_grad=True)
    seen = []

    def f(a):
        seen.append(autocast_mode.is_autocast_enabled("cpu"))
        return a.sin() * w
    with autocast_mode.autocast("cpu"):
        out = checkpoint(f, x, use_reentrant=False)
    out.sum().backward()
    assert seen == [True, True]


def test_recomputation_mismatch_raises_checkpoint_error():
    calls = []

    def f(a):
        calls.append(1)
        return a.sin() if len(calls) == 1 else a.sin().sin()
    out = checkpoint(f, ember.randn(3, requires_grad=True), use_reentrant=False)
    with pytest.raises(CheckpointError, match="trying to save more tensors"):
        out.sum().backward()
    calls.clear()

    def g(a):
        calls.append(1)
        return a.sin() if len(calls) == 1 else a.sum().sin()
    out = checkpoint(g, ember.randn(3, requires_grad=True), use_reentrant=False)
    with pytest.raises(CheckpointError, match="different metadata"):
        out.sum().backward()


@pytest.mark.parametrize("call, exc", [
    (lambda m, f, x: m.utils.checkpoint.checkpoint(f, x, use_reentrant=True, foo=1),
     ValueError),
    (lambda m, f, x: m.utils.checkpoint.checkpoint(f, x, use_reentrant=True, debug=True),
     ValueError),
    (lambda m, f, x: m.utils.checkpoint.checkpoint_sequential([f], 1, x, use_reentrant=True,
                                                              bar=2), ValueError),
    (lambda m, f, x: m.utils.checkpoint.detach_variable([x]), RuntimeError),
])
def test_bad_arguments_raise_like_torch(call, exc):
    for m in (torch, ember):
        with pytest.raises(exc) as info:
            call(m, lambda v: v * 2, m.ones(2, requires_grad=True))
        if m is torch:
            expected = str(info.value)
    assert str(info.value) == expected


def test_missing_use_reentrant_warns_like_torch():
    for m in (torch, ember):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            m.utils.checkpoint.checkpoint(lambda v: v * 2, m.ones(2, requires_grad=True))
        texts = [str(w.message) for w in caught if "use_reentrant" in str(w.message)]
        if m is torch:
            expected = texts
    assert texts == expected and len(texts) == 1
