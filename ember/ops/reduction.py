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


TENSOR_METHODS = dict(sum=sum, mean=mean)

__all__ = ["sum", "mean"]
