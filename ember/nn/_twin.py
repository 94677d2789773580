"""Formulas written once, run on two kinds of values.

nn's fused primitives (normalisation, RNN layers, attention) compute their backward
with one formula over a small namespace of operations:

- ``array_ops(xp)`` runs it on raw backend arrays: the plain backward, with no graph
  and no per-op dispatch (the training hot path);
- ``TENSOR_OPS`` runs the very same formula on ember tensors, so that under
  ``create_graph=True`` the gradient is itself differentiable (double backward).

Operators (``+ - * / @``, slicing, ``.T``) work on both kinds directly; the namespace
covers what is spelled differently (reductions, concatenation, activations). Its
``iadd``/``isub``/``imul``/``idiv`` return a op b: on arrays they reuse a's memory (the
formula owns a), on tensors they are the ordinary differentiable ops.
"""
from .._tensor import Tensor
from ..autograd.grad_mode import state as grad_state
from ..ops._util import sum_to
from ..ops.pointwise_base import where
from ..ops.shape import cat


def differentiable():
    """Whether the backward running now must build a graph (create_graph=True)."""
    return grad_state.enabled


class _ArrayOps:
    """The namespace over raw NumPy/CuPy arrays."""

    def __init__(self, xp):
        self.xp = xp

    def sigmoid(self, a):
        # 1 / (1 + exp(-a)): for very negative a, exp overflows to inf (silently: the
        # backend turns NumPy's warnings off) and the result is the right limit, 0.
        out = self.xp.negative(a)
        self.xp.exp(out, out=out)
        out += 1
        return self.xp.reciprocal(out, out=out)

    def tanh(self, a):
        return self.xp.tanh(a)

    def relu(self, a):
        return self.xp.maximum(a, 0)

    def positive(self, a):
        """1 where a > 0 else 0, in a's dtype (the derivative of relu at its output)."""
        return (a > 0).astype(a.dtype)

    def cat(self, parts, axis=0):
        return parts[0] if len(parts) == 1 else self.xp.concatenate(parts, axis)

    def sum(self, a, axes):
        """a summed over axes (kept as size-1 dims). Trailing axes of a contiguous array
        reduce through a matrix-vector product: BLAS is several times faster than NumPy's
        reduction loop along the last axis."""
        axes = tuple(sorted(d % a.ndim for d in axes)) if isinstance(axes, tuple) else \
            (axes % a.ndim,)
        tail = 0
        while tail < len(axes) and axes[-1 - tail] == a.ndim - 1 - tail:
            tail += 1
        if not tail or not a.flags.c_contiguous or a.dtype.kind != "f":
            return a.sum(axis=axes, keepdims=True)
        lead_shape = a.shape[:a.ndim - tail]
        size = a.size // max(1, _prod(lead_shape)) if a.size else 0
        flat = a.reshape(-1, size) @ self.xp.ones(size, dtype=a.dtype) if a.size else \
            self.xp.zeros(_prod(lead_shape), dtype=a.dtype)
        out = flat.reshape(lead_shape + (1,) * tail)
        rest = axes[:len(axes) - tail]
        return out.sum(axis=rest, keepdims=True) if rest else out

    def dot_sum(self, a, b, axes):
        """(a * b) summed over axes (kept as size-1 dims), without materialising a * b;
        a and b have the same shape."""
        letters = "abcdefghijklmnopqrstuvwxyz"[:a.ndim]
        axes = {d % a.ndim for d in ((axes,) if isinstance(axes, int) else axes)}
        kept = "".join(c for i, c in enumerate(letters) if i not in axes)
        out = self.xp.einsum(f"{letters},{letters}->{kept}", a, b)
        return out.reshape(tuple(1 if i in axes else n for i, n in enumerate(a.shape)))

    def rsqrt(self, a):
        return 1 / self.xp.sqrt(a)

    def mT(self, a):
        return a.swapaxes(-1, -2)

    @staticmethod
    def iadd(a, b):
        a += b
        return a

    @staticmethod
    def isub(a, b):
        a -= b
        return a

    @staticmethod
    def imul(a, b):
        a *= b
        return a

    @staticmethod
    def idiv(a, b):
        a /= b
        return a

    def iexp(self, a):
        return self.xp.exp(a, out=a)

    def amax(self, a, axis):
        return a.max(axis=axis, keepdims=True)

    def where(self, condition, a, b):
        return self.xp.where(condition, a, b)

    def isfinite(self, a):
        return self.xp.isfinite(a)

    def detach(self, a):
        return a

    def sum_to(self, a, shape):
        """a summed over its broadcast dims down to shape."""
        if a.shape == tuple(shape):
            return a
        lead = a.ndim - len(shape)
        axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape)
                                          if n == 1 and a.shape[lead + i] != 1)
        return a.sum(axis=axes, keepdims=True).reshape(shape)


class _TensorOps:
    """The same namespace over ember tensors (every step is recorded by autograd)."""

    @staticmethod
    def sigmoid(t):
        return t.sigmoid()

    @staticmethod
    def tanh(t):
        return t.tanh()

    @staticmethod
    def relu(t):
        return t.relu()

    @staticmethod
    def positive(t):
        return (t > 0).to(t.dtype)

    @staticmethod
    def cat(parts, axis=0):
        return parts[0] if len(parts) == 1 else cat(parts, axis)

    @staticmethod
    def sum(t, axes):
        return t.sum(axes, keepdim=True)

    @staticmethod
    def dot_sum(a, b, axes):
        return (a * b).sum(axes, keepdim=True)

    @staticmethod
    def rsqrt(t):
        return t.rsqrt()

    @staticmethod
    def mT(t):
        return t.transpose(-1, -2)

    @staticmethod
    def iadd(a, b):
        return a + b

    @staticmethod
    def isub(a, b):
        return a - b

    @staticmethod
    def imul(a, b):
        return a * b

    @staticmethod
    def idiv(a, b):
        return a / b

    @staticmethod
    def iexp(t):
        return t.exp()

    @staticmethod
    def amax(t, axis):
        return t.amax(axis, keepdim=True)

    @staticmethod
    def where(condition, a, b):
        return where(condition, a, b)

    @staticmethod
    def isfinite(t):
        return t.isfinite()

    @staticmethod
    def detach(t):
        return t.detach()

    @staticmethod
    def sum_to(t, shape):
        return sum_to(t, tuple(shape))


TENSOR_OPS = _TensorOps()


def _prod(shape):
    out = 1
    for n in shape:
        out *= n
    return out


def _count(shape, axes):
    """How many values each reduction over axes combines."""
    axes = (axes,) if isinstance(axes, int) else axes
    return _prod(shape[d] for d in axes)


_ARRAY_OPS = {}


def array_ops(xp):
    ops = _ARRAY_OPS.get(xp)
    if ops is None:
        ops = _ARRAY_OPS[xp] = _ArrayOps(xp)
    return ops


def wrap(array, like):
    """A backend array as a Tensor on like's device (None stays None)."""
    return None if array is None else Tensor._make(array, like._device)
