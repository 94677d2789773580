"""Reductions: sum, mean, ..."""
from .. import _dtype as dtypes
from ..autograd.graph import Primitive
from ._util import cast, normalize_dims, write_out, xp_of


def _expand_back(grad, shape, dims, keepdim):
    """Broadcast a reduced gradient back over the reduced dims of ``shape``."""
    if not keepdim and dims:
        grad = grad.reshape([1 if i in dims else s for i, s in enumerate(shape)])
    return grad.expand(shape)


class Sum(Primitive):
    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        return x._data.sum(axis=dims, keepdims=keepdim)

    def name(self):
        return "SumBackward0" if self.dims == tuple(range(len(self.shape))) and \
            not self.keepdim else "SumBackward1"

    @staticmethod
    def backward(ctx, grad):
        return _expand_back(grad, ctx.shape, ctx.dims, ctx.keepdim)


def _sum_dtype(x, dtype):
    if dtype is not None:
        return dtype
    if x._dtype.category <= dtypes.INTEGRAL:
        return dtypes.int64
    return x._dtype


def sum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    dims = normalize_dims(dim, input.ndim) if not (isinstance(dim, (list, tuple)) and
                                                   len(dim) == 0) else \
        tuple(range(input.ndim))
    result = Sum.apply(cast(input, _sum_dtype(input, dtype)), dims, keepdim)
    return result if out is None else write_out(out, result)


class Mean(Primitive):
    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        count = 1
        for d in dims:
            count *= x.shape[d]
        ctx.count = count
        return xp_of(x).mean(x._data, axis=dims, keepdims=keepdim).astype(x._data.dtype,
                                                                          copy=False)

    def name(self):
        return "MeanBackward0" if self.dims == tuple(range(len(self.shape))) and \
            not self.keepdim else "MeanBackward1"

    @staticmethod
    def backward(ctx, grad):
        return _expand_back(grad / ctx.count, ctx.shape, ctx.dims, ctx.keepdim)


def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    if dtype is not None:
        input = cast(input, dtype)
    if not (input._dtype.is_floating_point or input._dtype.is_complex):
        from ._util import type_name
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a "
                           "floating point or complex dtype. Got: " + type_name(input._dtype))
    dims = normalize_dims(dim, input.ndim) if not (isinstance(dim, (list, tuple)) and
                                                   len(dim) == 0) else \
        tuple(range(input.ndim))
    result = Mean.apply(input, dims, keepdim)
    return result if out is None else write_out(out, result)


class Softmax(Primitive):
    # NOTE: a primitive: on every attention/classifier step, and its fused backward
    # (g - sum(g * y)) * y avoids the exp/sum/div chain of a composite.
    save_output = True

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        xp = xp_of(x)
        data = x._data
        shifted = data - data.max(axis=dim, keepdims=True)
        e = xp.exp(shifted)
        e /= e.sum(axis=dim, keepdims=True)
        return e

    @staticmethod
    def backward(ctx, grad):
        y = ctx.output()
        return (grad - (grad * y).sum(ctx.dim, keepdim=True)) * y


class LogSoftmax(Primitive):
    save_output = True

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        xp = xp_of(x)
        data = x._data
        shifted = data - data.max(axis=dim, keepdims=True)
        return shifted - xp.log(xp.exp(shifted).sum(axis=dim, keepdims=True))

    @staticmethod
    def backward(ctx, grad):
        y = ctx.output()
        return grad - y.exp() * grad.sum(ctx.dim, keepdim=True)


def _softmax_input(input, dim, dtype):
    from ._util import wrap_dim
    if dtype is not None:
        input = cast(input, dtype)
    elif not (input._dtype.is_floating_point or input._dtype.is_complex):
        from ._util import type_name
        raise RuntimeError(f'"softmax_lastdim_kernel_impl" not implemented for '
                           f"'{type_name(input._dtype)}'")
    if dim is None:
        # NOTE: torch's legacy implicit dim: 0 for 0-D, 1-D and 3-D input, else 1.
        dim = 0 if input.ndim in (0, 1, 3) else 1
    return input, wrap_dim(dim, input.ndim)


def softmax(input, dim=None, dtype=None, *, _stacklevel=3):
    input, dim = _softmax_input(input, dim, dtype)
    return Softmax.apply(input, dim)


def log_softmax(input, dim=None, dtype=None, *, _stacklevel=3):
    input, dim = _softmax_input(input, dim, dtype)
    return LogSoftmax.apply(input, dim)


TENSOR_METHODS = dict(sum=sum, mean=mean, softmax=softmax, log_softmax=log_softmax)

__all__ = ["sum", "mean", "softmax", "log_softmax"]
