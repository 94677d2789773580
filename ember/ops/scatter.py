"""Gather/scatter and index/mask ops: gather, scatter, scatter_add, scatter_reduce,
index_select/add/copy/fill/reduce, masked_fill/scatter/select, take, take_along_dim,
nonzero.

gather and the scatters are primitives whose backward uses the other op of the pair;
the index_* and masked_* ops are composites over indexing (Index, IndexPut), where, and
scatter_reduce.
"""
import builtins

from .. import _dtype as dtypes
from .._tensor import Tensor
from ..autograd.graph import Primitive
from ..backend import array_module_of, backend_for, cpu_backend
from ._util import (apply_inplace, broadcast_shapes, cast, type_name, wrap_dim, write_out,
                    xp_of)
from .indexing import Index, IndexBackwardScatter, IndexPut, scalar_fits
from ..amp.autocast_mode import autocast_call, state as amp_state

host = cpu_backend.xp
_FULL = builtins.slice(None)  # a dim an advanced key does not index


def _out(result, out):
    return result if out is None else write_out(out, result)


def _inplace(fn):
    def method(self, *args, **kwargs):
        return apply_inplace(self, fn, *args, **kwargs)
    method.__name__ = fn.__name__ + "_"
    return method


# ---------------------------------------------------------------- shared checks

def _check_index_dtype(index, op, allowed=(dtypes.int64, dtypes.int32), error=RuntimeError):
    if index._dtype not in allowed:
        raise error(op(index))


def _check_range(index, size, dim, message=None, negative=False):
    """Out-of-range indices raise (CPU only: the check would sync the GPU)."""
    data = index._data if isinstance(index, Tensor) else index
    if not isinstance(data, host.ndarray) or data.size == 0:
        return
    low = -size if negative else 0
    bad = (data < low) | (data >= size)
    if bad.any():
        value = data[bad].flat[0]
        raise (message or _bounds_error)(value, size, dim)


def _bounds_error(value, size, dim):
    return RuntimeError(f"index {value} is out of bounds for dimension {dim} with size {size}")


def _scatter_key(xp, index, dim):
    """The advanced key addressing out[i0, ..., index[i], ...] for every position i."""
    key = []
    for d, n in enumerate(index.shape):
        if d == dim:
            key.append(index)
        else:
            shape = [1] * index.ndim
            shape[d] = n
            key.append(xp.arange(n).reshape(shape))
    return tuple(key)


def _leading(data, shape):
    """data[:shape[0], :shape[1], ...]: the part of src an index of ``shape`` reads."""
    return data[tuple(builtins.slice(0, n) for n in shape)]


def _check_gather_shapes(self, dim, index, src=None, op="gather"):
    if index.ndim != self.ndim and not (index.ndim <= 1 and self.ndim <= 1):
        noun = "input" if op == "gather" else "self"
        raise RuntimeError(f"Index tensor must have the same number of dimensions as {noun} "
                           "tensor")
    for d in range(index.ndim):
        too_big = d != dim and index.shape[d] > (self.shape[d] if self.ndim else 1)
        if src is not None:
            too_big = too_big or index.shape[d] > (src.shape[d] if src.ndim else 1)
        if too_big:
            if src is None:
                raise RuntimeError(f"Size does not match at dimension {d} expected index "
                                   f"{list(index.shape)} to be no larger than self "
                                   f"{list(self.shape)} apart from dimension {dim}")
            raise RuntimeError(f"Expected index {list(index.shape)} to be no larger than self "
                               f"{list(self.shape)} apart from dimension {dim} and to be no "
                               f"larger size than src {list(src.shape)}")


def _gather_args(self, dim, index, op):
    dim = wrap_dim(dim, self.ndim)
    _check_index_dtype(index, lambda i: f"{op}(): Expected dtype int32/int64 for index")
    return dim, index


def _flat_if_scalar(t):
    # NOTE: torch treats 0-d self/index/src of gather and scatter as 1-element vectors.
    return t.reshape(1) if isinstance(t, Tensor) and t.ndim == 0 else t


# ---------------------------------------------------------------- gather / scatter primitives

class Gather(Primitive):
    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.dim, ctx.index, ctx.shape = dim, index, x.shape
        _check_range(index, x.shape[dim], dim)
        return x._data[_scatter_key(xp_of(x), index._data, dim)]

    @staticmethod
    def backward(ctx, grad):
        return ScatterAdd.apply(grad.new_zeros(ctx.shape), ctx.dim, ctx.index, grad), None, None

    @staticmethod
    def array_backward(ctx, grad):
        # ScatterAdd.forward into zeros (the bounds were checked in forward).
        backend = array_module_of(grad)
        index = ctx.index._data
        out = backend.xp.zeros(ctx.shape, dtype=grad.dtype)
        backend.scatter_add(out, _scatter_key(backend.xp, index, ctx.dim),
                            _leading(grad, index.shape))
        return out, None, None


def _src_grad(grad, dim, index, src_shape):
    """gather(grad) at index, zero-padded to src's shape (src may exceed index)."""
    picked = Gather.apply(grad, dim, index)
    if picked.shape == tuple(src_shape):
        return picked
    key = tuple(builtins.slice(0, n) for n in picked.shape) + (Ellipsis,)
    return IndexBackwardScatter.apply(picked, tuple(src_shape), key, False)


class ScatterAdd(Primitive):
    @staticmethod
    def forward(ctx, x, dim, index, src):
        ctx.dim, ctx.index, ctx.src_shape = dim, index, src.shape
        _check_range(index, x.shape[dim], dim)
        out = x._data.copy()
        key = _scatter_key(xp_of(x), index._data, dim)
        backend_for(x._device).scatter_add(out, key, _leading(src._data, index.shape))
        return out

    @staticmethod
    def backward(ctx, grad):
        g_src = _src_grad(grad, ctx.dim, ctx.index, ctx.src_shape) \
            if ctx.needs_input_grad[-1] else None
        return grad, None, None, g_src


class Scatter(Primitive):
    """out = x with out[index position] = src (a tensor) or value (a scalar)."""

    @staticmethod
    def forward(ctx, x, dim, index, src):
        ctx.dim, ctx.index = dim, index
        ctx.src_shape = src.shape if isinstance(src, Tensor) else None
        _check_range(index, x.shape[dim], dim)
        out = x._data.copy()
        key = _scatter_key(xp_of(x), index._data, dim)
        out[key] = _leading(src._data, index.shape) if isinstance(src, Tensor) else src
        return out

    @staticmethod
    def backward(ctx, grad):
        g_x = Scatter.apply(grad, ctx.dim, ctx.index, 0) if ctx.needs_input_grad[0] else None
        g_src = None
        if ctx.src_shape is not None and ctx.needs_input_grad[-1]:
            g_src = _src_grad(grad, ctx.dim, ctx.index, ctx.src_shape)
        return g_x, None, None, g_src


# ---------------------------------------------------------------- gather / scatter API

def gather(input, dim, index, *, sparse_grad=False, out=None):
    dim, index = _gather_args(input, dim, index, "gather")
    _check_gather_shapes(input, dim, index)
    if input.ndim == 0:
        result = Gather.apply(input.reshape(1), 0, _flat_if_scalar(index)).reshape(index.shape)
    else:
        result = Gather.apply(input, dim, index)
    return _out(result, out)


def _scatter_operands(input, dim, index, src, op):
    dim, index = _gather_args(input, dim, index, "scatter")
    if isinstance(src, Tensor):
        if src._dtype is not input._dtype:
            raise RuntimeError(f"{op}(): Expected self.dtype to be equal to src.dtype")
        _check_gather_shapes(input, dim, index, src, op)
    else:
        _check_gather_shapes(input, dim, index, None, op)
    return dim, index


def _on_vector(fn, input, dim, index, src, *args):
    """Run a scatter on 0-d operands as 1-element vectors, as torch does."""
    if input.ndim == 0:
        result = fn(input.reshape(1), 0, _flat_if_scalar(index), _flat_if_scalar(src), *args)
        return result.reshape(())
    return fn(input, dim, index, src, *args)


def scatter(input, dim, index, src=None, value=None, *, reduce=None, out=None):
    if src is None:
        src = value
    if reduce is not None:
        if reduce not in ("add", "multiply"):
            raise RuntimeError("reduce argument must be either add or multiply.")
        if not isinstance(src, Tensor):
            src = _full_like_index(input, index, src)
        kind = "sum" if reduce == "add" else "prod"
        return scatter_reduce(input, dim, index, src, kind, out=out)
    dim, index = _scatter_operands(input, dim, index, src, "scatter")
    if not isinstance(src, Tensor):
        src = scalar_fits(src, input._dtype)
    return _out(_on_vector(Scatter.apply, input, dim, index, src), out)


def _full_like_index(input, index, value):
    from .creation import full
    return full(index.shape, scalar_fits(value, input._dtype), dtype=input._dtype,
                device=input._device)


def scatter_add(input, dim, index, src, *, out=None):
    if amp_state.active:
        return autocast_call("scatter_add", scatter_add,
                             input, dim=dim, index=index, src=src, out=out)
    dim, index = _scatter_operands(input, dim, index, src, "scatter")
    return _out(_on_vector(ScatterAdd.apply, input, dim, index, src), out)


# ---------------------------------------------------------------- scatter_reduce

_REDUCES = ("sum", "prod", "mean", "amax", "amin")
_UFUNCS = {"sum": "add", "mean": "add", "prod": "multiply", "amax": "maximum",
           "amin": "minimum"}


def _identity(reduce, dtype):
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dtype.kind == "b":
        return reduce == "amin"
    if dtype.kind in "iu":
        info = host.iinfo(dtype)
        return info.min if reduce == "amax" else info.max
    return -host.inf if reduce == "amax" else host.inf


def _ufunc_at(device, name, out, key, values):
    """ufunc.at(out, key, values): NumPy has it; CuPy has scatter_add (via the backend)
    but no general .at, so other reductions go round by round there."""
    backend = backend_for(device)
    if backend.xp is host:
        getattr(host, name).at(out, key, values)
    elif name == "add":
        backend.scatter_add(out, key, backend.xp.broadcast_to(values, out[key].shape))
    else:
        at_by_rounds(backend.xp, getattr(backend.xp, name), out, key, values)


def at_by_rounds(xp, ufunc, out, key, values):
    """ufunc.at through plain fancy indexing: each round applies the first remaining
    occurrence of every target position, so repeated targets are never lost."""
    arrays = xp.broadcast_arrays(*key, values)
    flat = xp.ravel_multi_index(tuple(a.reshape(-1) for a in arrays[:-1]), out.shape)
    vals = arrays[-1].reshape(-1)
    target = out.reshape(-1)
    while flat.size:
        unique, first = xp.unique(flat, return_index=True)
        target[unique] = ufunc(target[unique], vals[first])
        rest = xp.ones(flat.size, dtype=bool)
        rest[first] = False
        flat, vals = flat[rest], vals[rest]


class ScatterReduce(Primitive):
    # NOTE: a primitive: NumPy's ufunc.at reduces in one pass; the gradient rules for
    # prod (zeros) and amax/amin (ties share evenly) are torch's.

    @staticmethod
    def forward(ctx, x, dim, index, src, reduce, include_self):
        _check_range(index, x.shape[dim], dim)
        xp = xp_of(x)
        key = _scatter_key(xp, index._data, dim)
        values = _leading(src._data, index.shape)
        count = xp.zeros(x.shape, dtype=xp.int64)
        backend_for(x._device).scatter_add(count, key, xp.ones(index.shape, dtype=xp.int64))
        out = x._data.copy()
        if not include_self:
            out[key] = _identity(reduce, out.dtype)
        _ufunc_at(x._device, _UFUNCS[reduce], out, key, values)
        if reduce == "mean":
            total = xp.maximum(count + (1 if include_self else 0), 1)
            out = out // total if out.dtype.kind in "iub" else \
                (out / total).astype(out.dtype, copy=False)
        ctx.args = (dim, index, reduce, include_self, src.shape)
        ctx.count = count
        ctx.save_for_backward(x, src)
        ctx.out = out
        return out

    @staticmethod
    def backward(ctx, grad):
        x, src = ctx.saved_tensors
        dim, index, reduce, include_self, src_shape = ctx.args
        device = grad._device
        count = Tensor._make(ctx.count, device)
        # where the result involves x: include_self, or nothing was scattered there
        self_in = Tensor._make(ctx.count == 0, device) if not include_self else None
        src = Tensor._make(_leading(src._data, index.shape), device) if \
            src.shape != index.shape else src
        rule = _REDUCE_GRADS[reduce]
        g_x, g_src = rule(grad, x, src, dim, index, count, self_in, Tensor._make(ctx.out, device))
        if g_src is not None and g_src.shape != tuple(src_shape):
            key = tuple(builtins.slice(0, n) for n in g_src.shape) + (Ellipsis,)
            g_src = IndexBackwardScatter.apply(g_src, tuple(src_shape), key, False)
        return g_x, None, None, g_src


def _mask_self(g, self_in):
    from .pointwise import where
    return g if self_in is None else where(self_in, g, g.new_zeros(()))


def _sum_grads(grad, x, src, dim, index, count, self_in, result):
    return _mask_self(grad, self_in), Gather.apply(grad, dim, index)


def _mean_grads(grad, x, src, dim, index, count, self_in, result):
    total = count + (1 if self_in is None else 0)
    scaled = grad / (total + (total == 0))
    return _mask_self(scaled, self_in), Gather.apply(scaled, dim, index)


def _extreme_grads(grad, x, src, dim, index, count, self_in, result):
    # NOTE: ties share the gradient evenly among every element equal to the result. As in
    # torch, x counts among the ties wherever it equals the result, even where it was not
    # included (include_self=False); its own share is then dropped.
    from .pointwise import where
    self_hit = x == result
    src_hit = src == Gather.apply(result, dim, index)
    ties = ScatterAdd.apply(self_hit.to(grad.dtype), dim, index, src_hit.to(grad.dtype))
    share = grad / (ties + (ties == 0))
    zero = grad.new_zeros(())
    g_x = _mask_self(where(self_hit, share, zero), self_in)
    return g_x, where(src_hit, Gather.apply(share, dim, index), zero)


def _prod_grads(grad, x, src, dim, index, count, self_in, result):
    # NOTE: with zeros among the factors, d(prod)/d(factor) is the product of the other
    # factors: nonzero only where at most one factor is zero, as torch computes.
    from .pointwise import where
    one, zero = grad.new_ones(()), grad.new_zeros(())
    x_in = x if self_in is None else where(self_in, x, one)
    x_zero, src_zero = x_in == 0, src == 0
    zeros = ScatterAdd.apply(x_zero.to(grad.dtype), dim, index, src_zero.to(grad.dtype))
    x_safe, src_safe = where(x_zero, one, x_in), where(src_zero, one, src)
    nonzero_prod = ScatterReduce.apply(x_safe, dim, index, src_safe, "prod", True)

    def factor_grad(value_zero, value_safe, prod, zero_count):
        others = where(value_zero, where(zero_count == 1, prod, zero),
                       where(zero_count == 0, prod / value_safe, zero))
        return others
    g_x = grad * factor_grad(x_zero, x_safe, nonzero_prod, zeros)
    g_src = Gather.apply(grad, dim, index) * factor_grad(
        src_zero, src_safe, Gather.apply(nonzero_prod, dim, index),
        Gather.apply(zeros, dim, index))
    return _mask_self(g_x, self_in), g_src


_REDUCE_GRADS = {"sum": _sum_grads, "mean": _mean_grads, "prod": _prod_grads,
                 "amax": _extreme_grads, "amin": _extreme_grads}


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True, out=None):
    if reduce not in _REDUCES:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got "
                           f"{reduce}")
    dim, index = _scatter_operands(input, dim, index, src, "scatter")
    result = _on_vector(ScatterReduce.apply, input, dim, index, src, reduce, include_self)
    return _out(result, out)


# ---------------------------------------------------------------- index_* ops

def _dim_key(dim, index_data):
    return (_FULL,) * dim + (index_data,)


def _vector_index(index, message, error=IndexError):
    if index.ndim > 1:
        raise error(message)
    return index.reshape(-1)


def index_select(input, dim, index, *, out=None):
    dim = wrap_dim(dim, input.ndim)
    _check_index_dtype(index, lambda i: "index_select(): Expected dtype int32 or int64 for "
                                        "index")
    index = _vector_index(index, "index_select(): Index is supposed to be a vector")
    size = input.shape[dim] if input.ndim else 1
    _check_range(index, size, dim, lambda v, n, d: RuntimeError(
        f"INDICES element is out of DATA bounds, id={v} axis_dim={n}"))
    if input.ndim == 0:
        return _out(Index.apply(input.reshape(1), (index._data,)).reshape(()), out)
    return _out(Index.apply(input, _dim_key(dim, index._data)), out)


def _check_source(op, input, dim, index, source):
    if source._dtype is not input._dtype:
        raise RuntimeError(f"{op}(): self ({type_name(input._dtype)}) and source "
                           f"({type_name(source._dtype)}) must have the same scalar type")
    count = source.shape[dim] if source.ndim else 1
    if index.numel() != count:
        raise RuntimeError(f"{op}(): Number of indices ({index.numel()}) should be equal to "
                           f"source.size(dim): ({count}), for dim: {dim}")
    if source.ndim and input.ndim and (source.ndim != input.ndim or builtins.any(
            s != t for d, (s, t) in enumerate(zip(source.shape, input.shape)) if d != dim)):
        raise RuntimeError("source tensor shape must match self tensor shape, excluding the "
                           f"specified dimension. Got self.shape = {list(input.shape)} "
                           f"source.shape = {list(source.shape)}")


def _index_prepare(op, input, dim, index):
    dim = wrap_dim(dim, input.ndim)
    _check_index_dtype(index, lambda i: f"{op}(): Expected dtype int32/int64 for index but "
                                        f"got: {type_name(i._dtype)}")
    index = _vector_index(index, f"{op}(): Index is supposed to be a vector, but got dim: "
                                 f"{index.ndim} with type: {type_name(index._dtype)} and "
                                 f"size: {list(index.shape)}")
    return dim, index


def index_add(input, dim, index, source, *, alpha=1, out=None):
    dim, index = _index_prepare("index_add_", input, dim, index)
    _check_source("index_add_", input, dim, index, source)
    _check_range(index, input.shape[dim] if input.ndim else 1, dim)
    if alpha != 1:
        source = source * alpha
    if input.ndim == 0:
        return _out(IndexPut.apply(input.reshape(1), source.reshape(-1), (index._data,),
                                   True).reshape(()), out)
    return _out(IndexPut.apply(input, source, _dim_key(dim, index._data), True), out)


def index_copy(input, dim, index, source, *, out=None):
    if amp_state.active:
        return autocast_call("index_copy", index_copy,
                             input, dim=dim, index=index, source=source, out=out)
    dim = wrap_dim(dim, input.ndim)
    if index.ndim > 1:
        raise IndexError(f"index_copy_(): Index should have dimension 1 or 0 (got "
                         f"{index.ndim})")
    _check_index_dtype(index, lambda i: f"index_copy_(): Expected a long tensor for index, but "
                                        f"got {type_name(i._dtype)}", allowed=(dtypes.int64,))
    index = index.reshape(-1)
    if source._dtype is not input._dtype:
        raise RuntimeError("index_copy_(): self and source expected to have the same dtype, but "
                           f"got (self) {type_name(input._dtype)} and (source) "
                           f"{type_name(source._dtype)}")
    count = source.shape[dim] if source.ndim else 1
    if index.numel() != count:
        raise IndexError(f"index_copy_(): Number of indices ({index.numel()}) should be equal "
                         f"to source.size(dim) ({count})")
    _check_range(index, input.shape[dim] if input.ndim else 1, dim, lambda v, n, d: IndexError(
        f"index_copy_(): index {v} is out of bounds for dimension {d} with size {n}"))
    if input.ndim == 0:
        return _out(IndexPut.apply(input.reshape(1), source.reshape(-1), (index._data,),
                                   False).reshape(()), out)
    return _out(IndexPut.apply(input, source, _dim_key(dim, index._data), False), out)


def index_fill(input, dim, index, value):
    dim = wrap_dim(dim, input.ndim)
    _check_index_dtype(index, lambda i: "index_fill_(): Expected dtype int64 for index.",
                       allowed=(dtypes.int64,), error=IndexError)
    index = _vector_index(index, "Index has to be a vector/scalar", RuntimeError)
    value = _fill_value(input, value, "index_fill_")
    size = input.shape[dim] if input.ndim else 1
    _check_range(index, size, dim, lambda v, n, d: IndexError(
        f"index {v} is out of bounds for dimension {d} with size {n}"), negative=True)
    # NOTE: each position once: torch's gradient of value counts a repeated index once.
    xp = xp_of(index)
    index = Tensor._make(xp.unique(index._data % builtins.max(size, 1)), index._device)
    if input.ndim == 0:
        return IndexPut.apply(input.reshape(1), value, (index._data,), False).reshape(())
    return IndexPut.apply(input, value, _dim_key(dim, index._data), False)


def _fill_value(input, value, op):
    """A fill value as a 0-d tensor of input's dtype (a 0-d tensor keeps its gradient)."""
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"{op} only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value.ndim} dimension(s).")
        return cast(value, input._dtype)
    from .creation import tensor
    return tensor(scalar_fits(value, input._dtype), dtype=input._dtype, device=input._device)


def index_reduce(input, dim, index, source, reduce, *, include_self=True, out=None):
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError("index_reduce(): Expected reduce to be one of prod, mean, amax or "
                           f"amin but got {reduce}.")
    dim, index = _index_prepare("index_reduce_", input, dim, index)
    _check_source("index_reduce_", input, dim, index, source)
    _check_range(index, input.shape[dim] if input.ndim else 1, dim,
                 lambda v, n, d: IndexError("index out of range in self"))
    if input.ndim == 0:
        input, source, dim = input.reshape(1), source.reshape(1), 0
    shape = [1] * source.ndim
    shape[dim] = index.numel()
    spread = Tensor._make(xp_of(index).broadcast_to(index._data.reshape(shape), source.shape),
                          index._device)
    result = ScatterReduce.apply(input, dim, spread, source, reduce, include_self)
    return _out(result.reshape(()) if result.shape != input.shape else result, out)


# ---------------------------------------------------------------- masked ops

_C_NAMES = {"uint8": "unsigned char", "int8": "signed char", "int16": "short int",
            "int32": "int", "int64": "long int", "float16": "c10::Half",
            "bfloat16": "c10::BFloat16", "float32": "float", "float64": "double",
            "complex64": "c10::complex<float>", "complex128": "c10::complex<double>"}


def masked_fill(input, mask, value):
    if mask._dtype is not dtypes.bool:
        raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{_C_NAMES[mask._dtype.name]}")
    value = _fill_value(input, value, "masked_fill_")
    broadcast_shapes(mask.shape, input.shape)
    from .pointwise import where
    return where(mask, value, input)


def masked_scatter(input, mask, source):
    if mask._dtype is not dtypes.bool:
        raise RuntimeError("masked_scatter_ only supports boolean masks, but got mask with "
                           f"dtype {type_name(mask._dtype)}")
    if source._dtype is not input._dtype:
        raise RuntimeError("masked_scatter: expected self and source to have same dtypes but "
                           f"got{type_name(input._dtype)} and {type_name(source._dtype)}")
    shape = broadcast_shapes(mask.shape, input.shape)
    if not shape:
        return masked_scatter(input.reshape(1), mask.reshape(1), source).reshape(())
    key = xp_of(mask).broadcast_to(mask._data, shape).nonzero()
    count = int(key[0].size)
    if source.numel() < count:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    return IndexPut.apply(input.expand(shape), source.reshape(-1)[:count], key, False)


def masked_select(input, mask, *, out=None):
    if mask._dtype is not dtypes.bool:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    shape = broadcast_shapes(mask.shape, input.shape)
    mask_data = xp_of(mask).broadcast_to(mask._data, shape)
    if not shape:
        mask_data = mask_data.reshape(1)
        input = input.reshape(1)
    return _out(Index.apply(input.expand(mask_data.shape), mask_data.nonzero()), out)


# ---------------------------------------------------------------- take / nonzero

def take(input, index, *, out=None):
    _check_index_dtype(index, lambda i: "take(): Expected a long tensor for index, but got "
                                        f"{type_name(i._dtype)}", allowed=(dtypes.int64,))
    numel = input.numel()
    if numel == 0 and index.numel():
        raise IndexError("take(): tried to take from an empty tensor")
    _check_range(index, numel, 0, lambda v, n, d: IndexError(
        f"out of range: tried to access index {v} on a tensor of {n} elements."), negative=True)
    return _out(Index.apply(input.reshape(-1), (index._data,)), out)


def put(input, index, source, accumulate=False):
    if index._dtype is not dtypes.int64:
        raise RuntimeError("put_(): Expected a long tensor for index, but got "
                           f"{type_name(index._dtype)}")
    if source._dtype is not input._dtype:
        raise RuntimeError("put_(): self and source expected to have the same dtype, but got "
                           f"self.dtype = {type_name(input._dtype)} and source.dtype = "
                           f"{type_name(source._dtype)}")
    if source.numel() != index.numel():
        raise IndexError("put_(): Expected source and index to have the same number of "
                         f"elements, but got source.numel() = {source.numel()}, "
                         f"index.numel() = {index.numel()}")
    numel = input.numel()
    _check_range(index, numel, 0, lambda v, n, d: IndexError(
        f"out of range: tried to access index {v} on a tensor of {n} elements."), negative=True)
    flat = IndexPut.apply(input.reshape(-1), source.reshape(-1), (index._data.reshape(-1),),
                          accumulate)
    return flat.view(input.shape)


def take_along_dim(input, indices, dim=None, *, out=None):
    if indices._dtype is not dtypes.int64:
        raise RuntimeError("torch.take_along_dim(): dtype of indices should be Long but got "
                           f"{type_name(indices._dtype)}")
    if dim is None:
        return _out(gather(input.reshape(-1), 0, indices.reshape(-1)), out)
    if input.ndim != indices.ndim:
        raise RuntimeError("torch.take_along_dim(): input and indices should have the same "
                           f"number of dimensions, but got {input.ndim} dimensions for input, "
                           f"and {indices.ndim} dimensions for indices")
    dim = wrap_dim(dim, input.ndim)
    rest = broadcast_shapes(*(tuple(s for d, s in enumerate(t.shape) if d != dim)
                              for t in (input, indices)))

    def spread(t):
        shape = list(rest)
        shape.insert(dim, t.shape[dim])
        return t.expand(shape)
    return _out(gather(spread(input), dim, spread(indices)), out)


def nonzero(input, *, out=None, as_tuple=False):
    xp = xp_of(input)
    data = input._data if input.ndim else input._data.reshape(1)
    found = data.nonzero()
    if as_tuple:
        return tuple(Tensor._make(f.astype(xp.int64, copy=False), input._device) for f in found)
    if input.ndim == 0:
        coords = xp.zeros((len(found[0]), 0), dtype=xp.int64)
    else:
        # NOTE: torch's result is laid out column-major (stride (1, n)).
        coords = xp.stack(found).astype(xp.int64, copy=False).T
    return _out(Tensor._make(coords, input._device), out)


def nonzero_static(input, *, size, fill_value=-1):
    found = nonzero(input)
    if found.shape[0] >= size:
        return found[:size].contiguous()
    from .creation import full
    pad = full((size - found.shape[0], found.shape[1]), fill_value, dtype=dtypes.int64,
               device=input._device)
    from .shape import cat
    return cat([found, pad])


def argwhere(input):
    return nonzero(input)


TENSOR_METHODS = dict(
    gather=gather, scatter=scatter, scatter_add=scatter_add, scatter_reduce=scatter_reduce,
    scatter_=_inplace(scatter), scatter_add_=_inplace(scatter_add),
    scatter_reduce_=_inplace(scatter_reduce),
    index_select=index_select, index_add=index_add, index_copy=index_copy,
    index_fill=index_fill, index_reduce=index_reduce, index_add_=_inplace(index_add),
    index_copy_=_inplace(index_copy), index_fill_=_inplace(index_fill),
    index_reduce_=_inplace(index_reduce),
    masked_fill=masked_fill, masked_scatter=masked_scatter, masked_select=masked_select,
    masked_fill_=_inplace(masked_fill), masked_scatter_=_inplace(masked_scatter),
    take=take, take_along_dim=take_along_dim, nonzero=nonzero, argwhere=argwhere,
    nonzero_static=nonzero_static, put=put, put_=_inplace(put),
)

__all__ = ["gather", "scatter", "scatter_add", "scatter_reduce", "index_select", "index_add",
           "index_copy", "index_fill", "index_reduce", "masked_fill", "masked_scatter",
           "masked_select", "take", "take_along_dim", "nonzero", "nonzero_static", "argwhere",
           "put"]
