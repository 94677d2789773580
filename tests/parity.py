"""Differential testing against PyTorch (the test-only oracle).

    check(lambda m, x, y: m.add(x, y), shapes=[(2, 3), (3,)])

runs the function once with ``m = ember`` and once with ``m = torch`` on the same
random inputs, and compares values, dtypes and shapes of the outputs and the gradients
of a random projection of the outputs with respect to every floating input.
"""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import ember  # noqa: E402

TORCH_DTYPES = {
    ember.bool: torch.bool, ember.uint8: torch.uint8, ember.int8: torch.int8,
    ember.int16: torch.int16, ember.int32: torch.int32, ember.int64: torch.int64,
    ember.float16: torch.float16, ember.bfloat16: torch.bfloat16,
    ember.float32: torch.float32, ember.float64: torch.float64,
    ember.complex64: torch.complex64, ember.complex128: torch.complex128,
}
EMBER_DTYPES = {v: k for k, v in TORCH_DTYPES.items()}


def to_torch(x, requires_grad=None):
    if isinstance(x, ember.Tensor):
        array = x.detach().numpy()
        if x.dtype is ember.bfloat16:
            t = torch.from_numpy(array.astype(np.float32).copy()).to(torch.bfloat16)
        else:
            t = torch.from_numpy(array.copy())
        if requires_grad if requires_grad is not None else x.requires_grad:
            t.requires_grad_(True)
        return t
    if isinstance(x, ember.dtype):
        return TORCH_DTYPES[x]
    if isinstance(x, (list, tuple)):
        return type(x)(to_torch(v, requires_grad) for v in x)
    return x


def to_numpy(x):
    if isinstance(x, torch.Tensor):
        x = x.detach()
        if x.dtype == torch.bfloat16:
            x = x.float()
        return x.numpy(force=True)
    if isinstance(x, ember.Tensor):
        x = x.detach()
        if x.dtype is ember.bfloat16:
            x = x.float()
        return x.numpy()
    return np.asarray(x)


def random_array(shape, dtype=ember.float64, rng=None, low=-2.0, high=2.0):
    rng = rng if rng is not None else np.random.default_rng(0)
    if dtype is ember.bool:
        return rng.random(shape) > 0.5
    if dtype.category == 1:  # integral
        lo = 0 if dtype is ember.uint8 else -5
        return rng.integers(lo, 6, size=shape).astype(dtype.numpy)
    values = rng.uniform(low, high, size=shape)
    if dtype.is_complex:
        values = values + 1j * rng.uniform(low, high, size=shape)
    if dtype is ember.bfloat16:
        return values.astype(np.float32)
    return values.astype(dtype.numpy)


def assert_same(e_out, t_out, rtol=1e-5, atol=1e-6, check_dtype=True):
    """Compare an ember result with a torch result (tensors, tuples, scalars)."""
    if isinstance(t_out, (tuple, list)):
        assert isinstance(e_out, (tuple, list)), f"expected a sequence, got {type(e_out)}"
        assert len(e_out) == len(t_out), f"length {len(e_out)} != torch's {len(t_out)}"
        for e, t in zip(e_out, t_out):
            assert_same(e, t, rtol, atol, check_dtype)
        return
    if isinstance(t_out, torch.Tensor):
        assert isinstance(e_out, ember.Tensor), f"expected a Tensor, got {type(e_out)}"
        assert tuple(e_out.shape) == tuple(t_out.shape), \
            f"shape {tuple(e_out.shape)} != torch's {tuple(t_out.shape)}"
        if check_dtype:
            assert TORCH_DTYPES[e_out.dtype] == t_out.dtype, \
                f"dtype {e_out.dtype} != torch's {t_out.dtype}"
        np.testing.assert_allclose(to_numpy(e_out), to_numpy(t_out), rtol=rtol, atol=atol,
                                   equal_nan=True)
        return
    if isinstance(t_out, torch.Size):
        assert tuple(e_out) == tuple(t_out)
        return
    if isinstance(t_out, float):
        np.testing.assert_allclose(e_out, t_out, rtol=rtol, atol=atol)
        return
    assert e_out == t_out, f"{e_out!r} != torch's {t_out!r}"


def _flat_tensors(out):
    if isinstance(out, (tuple, list)):
        result = []
        for o in out:
            result.extend(_flat_tensors(o))
        return result
    return [out]


def check(fn, shapes=None, dtype=ember.float64, inputs=None, grad=True, rtol=1e-5,
          atol=1e-6, check_dtype=True, seed=0, low=-2.0, high=2.0, gradcheck=None):
    """Run fn(ember, *ember_inputs) and fn(torch, *torch_inputs) and compare.

    shapes: list of input shapes (random values of ``dtype``), or inputs: list of NumPy
    arrays / Python values to use as they are. Float inputs require grad when grad=True.
    gradcheck: run ember.autograd.gradcheck in float64 too (default: when dtype is
    float64 and grad is on).
    """
    rng = np.random.default_rng(seed)
    if inputs is None:
        inputs = [random_array(s, dtype, rng, low, high) for s in shapes]
    e_in, t_in = [], []
    for value in inputs:
        if isinstance(value, np.ndarray):
            want_grad = grad and value.dtype.kind in "fc"
            e_dtype = dtype if (value.dtype == np.float32 and dtype is ember.bfloat16) else \
                ember._dtype.from_numpy_dtype(value.dtype)
            e = ember.tensor(value, dtype=e_dtype, requires_grad=want_grad)
            e_in.append(e)
            t_in.append(to_torch(e, want_grad))
        else:
            e_in.append(value)
            t_in.append(to_torch(value))
    t_out = fn(torch, *t_in)
    e_out = fn(ember, *e_in)
    assert_same(e_out, t_out, rtol, atol, check_dtype)
    if not grad:
        return e_out
    t_outs = [o for o in _flat_tensors(t_out)
              if isinstance(o, torch.Tensor) and o.requires_grad]
    e_outs = [o for o in _flat_tensors(e_out)
              if isinstance(o, ember.Tensor) and o.requires_grad]
    assert len(t_outs) == len(e_outs), "a different number of outputs require grad"
    if not t_outs:
        return e_out
    t_loss = 0
    e_loss = 0
    for t, e in zip(t_outs, e_outs):
        projection = rng.standard_normal(tuple(t.shape))
        t_proj = torch.from_numpy(projection).to(t.dtype)
        e_proj = ember.tensor(projection, dtype=e.dtype)
        t_loss = t_loss + (t * t_proj).real.sum() if t.is_complex() else \
            t_loss + (t * t_proj).sum()
        e_loss = e_loss + (e * e_proj).real.sum() if e.is_complex() else \
            e_loss + (e * e_proj).sum()
    t_grad_in = [t for t in t_in if isinstance(t, torch.Tensor) and t.requires_grad]
    e_grad_in = [e for e in e_in if isinstance(e, ember.Tensor) and e.requires_grad]
    t_grads = torch.autograd.grad(t_loss, t_grad_in, allow_unused=True)
    e_grads = ember.autograd.grad(e_loss, e_grad_in, allow_unused=True)
    for i, (e, t) in enumerate(zip(e_grads, t_grads)):
        if t is None:
            assert e is None or not np.any(to_numpy(e)), f"grad {i}: torch has none"
            continue
        assert e is not None, f"grad {i}: ember has none, torch has one"
        assert_same(e, t, rtol, atol, check_dtype)
    if gradcheck is None:
        gradcheck = dtype is ember.float64
    if gradcheck and e_grad_in:
        def as_fn(*args):
            return fn(ember, *args)
        assert ember.autograd.gradcheck(as_fn, tuple(e_in))
    return e_out


def check_raises(fn, exc_type, match=None, inputs=()):
    """fn(torch, ...) and fn(ember, ...) raise the same exception type."""
    with pytest.raises(exc_type):
        fn(torch, *[to_torch(i) for i in inputs])
    with pytest.raises(exc_type, match=match):
        fn(ember, *inputs)
