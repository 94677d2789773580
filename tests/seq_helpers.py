"""Helpers for the sequence/normalisation layer tests: the same module in ember and in
torch with the same weights, compared on outputs, input gradients and parameter
gradients."""
import numpy as np

from parity import assert_same, to_torch, torch
import ember
from ember.nn.utils.rnn import PackedSequence


def load_torch_weights(t_mod, e_mod):
    """Copy torch's parameters and buffers into the ember module (through NumPy)."""
    state = {k: ember.tensor(v.detach().numpy()) for k, v in t_mod.state_dict().items()}
    result = e_mod.load_state_dict(state)
    assert not result.missing_keys and not result.unexpected_keys


def twin(name, *args, dtype=ember.float64, module=None, **kwargs):
    """nn.<name>(*args, **kwargs) built in both libraries with torch's weights."""
    torch.manual_seed(0)
    t_mod = getattr(torch.nn, name)(*args, **kwargs).to(to_torch(dtype))
    e_mod = getattr(ember.nn, name)(*args, **kwargs).to(dtype)
    load_torch_weights(t_mod, e_mod)
    return e_mod, t_mod


def tensors_of(out):
    """The floating tensors of a nested output (tuples, lists, PackedSequence)."""
    if isinstance(out, (ember.Tensor, torch.Tensor)):
        return [out] if out.is_floating_point() else []
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in tensors_of(o)]
    return []


def as_torch(value, memo=None):
    """ember inputs (tensors, nested tuples, PackedSequence) as torch ones; memo maps
    an ember tensor used twice to one torch leaf."""
    memo = {} if memo is None else memo
    if isinstance(value, PackedSequence):
        return torch.nn.utils.rnn.PackedSequence(*[as_torch(v, memo) for v in value])
    if isinstance(value, ember.Tensor):
        if id(value) not in memo:
            memo[id(value)] = to_torch(value)
        return memo[id(value)]
    if isinstance(value, tuple):
        return tuple(as_torch(v, memo) for v in value)
    return value


def compare(e_mod, t_mod, inputs, rtol=1e-6, atol=1e-7, kwargs=None, seed=0, grads=True):
    """Call both modules on the same inputs; compare outputs and the gradients of a
    random projection of every floating output with respect to the inputs and the
    parameters. Returns the ember output."""
    kwargs = kwargs or {}
    memo = {}
    t_inputs = [as_torch(i, memo) for i in inputs]
    t_kwargs = {k: as_torch(v, memo) for k, v in kwargs.items()}
    t_out = t_mod(*t_inputs, **t_kwargs)
    e_out = e_mod(*inputs, **kwargs)
    e_flat, t_flat = tensors_of(e_out), tensors_of(t_out)
    assert len(e_flat) == len(t_flat)
    for e, t in zip(e_flat, t_flat):
        assert_same(e, t, rtol, atol)
    if not grads:
        return e_out
    rng = np.random.default_rng(seed)
    e_loss, t_loss = 0, 0
    for e, t in zip(e_flat, t_flat):
        if not t.requires_grad:
            continue
        projection = rng.standard_normal(tuple(t.shape))
        t_loss = t_loss + (t * torch.from_numpy(projection).to(t.dtype)).sum()
        e_loss = e_loss + (e * ember.tensor(projection, dtype=e.dtype)).sum()
    if isinstance(t_loss, int):
        return e_out
    e_leaves = list({id(i): i for i in tensors_of([inputs, list(kwargs.values())])
                     if i.requires_grad}.values())
    t_leaves = [memo[id(i)] for i in e_leaves]
    e_params = [p for p in e_mod.parameters() if p.requires_grad]
    t_params = [p for p in t_mod.parameters() if p.requires_grad]
    t_grads = torch.autograd.grad(t_loss, t_leaves + t_params, allow_unused=True)
    e_grads = ember.autograd.grad(e_loss, e_leaves + e_params, allow_unused=True)
    for i, (e, t) in enumerate(zip(e_grads, t_grads)):
        if t is None:
            assert e is None or not np.any(e.numpy()), f"gradient {i}: torch has none"
            continue
        assert e is not None, f"gradient {i}: ember has none"
        if t.is_sparse:  # ember's sparse=True embeddings produce dense gradients
            t = t.to_dense()
        assert_same(e, t, rtol, atol)
    return e_out


def rand(*shape, dtype=ember.float64, seed=0, requires_grad=True, low=-2.0, high=2.0):
    values = np.random.default_rng(seed).uniform(low, high, size=shape)
    return ember.tensor(values, dtype=dtype, requires_grad=requires_grad)
