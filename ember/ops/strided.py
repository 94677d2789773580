"""Strided views and the ops built on them: as_strided, Tensor.unfold, diagonal, plus the
diagonal family (diag, diag_embed, diagflat, trace), the *_scatter ops, tril and triu.

A strided view reads x's memory at element positions ``offset + sum(i_k * stride_k)``,
made with NumPy's/CuPy's ``as_strided`` so that it shares memory. Its gradient adds the
output's gradient into those positions (positions may repeat, as in overlapping unfold
windows) and reads x's elements back out.
"""
import builtins

from .. import _dtype as dtypes
from .._tensor import Tensor
from ..autograd.graph import Primitive
from ._util import apply_inplace, wrap_dim, write_out, xp_of
from ..amp.autocast_mode import autocast_call, state as amp_state


def _positions(xp, size, stride, offset):
    """Element positions of a strided layout, as an int64 array of shape ``size``."""
    pos = xp.full(tuple(size), offset, dtype=xp.int64)
    for dim, (n, s) in enumerate(zip(size, stride)):
        shape = [1] * len(size)
        shape[dim] = n
        pos = pos + (xp.arange(n, dtype=xp.int64) * s).reshape(shape)
    return pos


def _contiguous_strides(shape):
    strides, step = [], 1
    for n in reversed(shape):
        strides.append(step)
        step *= builtins.max(n, 1)
    return tuple(reversed(strides))


def _strided_array(xp, data, size, stride, offset):
    """A view of data's memory: element ``offset`` onwards, with the given layout."""
    itemsize = data.itemsize
    if offset:
        # A 1-D window over raw memory, to move the start without NumPy resetting
        # the pointer of an empty result.
        data = xp.lib.stride_tricks.as_strided(data, (offset + 1,), (itemsize,))[offset:]
    return xp.lib.stride_tricks.as_strided(data, tuple(size),
                                           tuple(s * itemsize for s in stride))


class StridedView(Primitive):
    """out = x's elements at a strided layout; a view of x's memory.

    out_geom (size, stride, offset) places out's elements in a space of ``space``
    positions; in_geom places x's elements there too (None: x's own C-order positions).
    """
    # NOTE: a primitive: views cannot be composed from other ops, and the gradient
    # (scatter-add into positions) handles overlapping windows.

    @staticmethod
    def forward(ctx, x, make, out_geom, in_geom, space, name):
        ctx.x_shape, ctx.out_geom, ctx.in_geom, ctx.space = x.shape, out_geom, in_geom, space
        ctx.op_name = name
        return make(x._data)

    def name(self):
        return self.op_name

    @staticmethod
    def backward(ctx, grad):
        from .indexing import Index, IndexPut
        xp = xp_of(grad)
        pos = Tensor._make(_positions(xp, *ctx.out_geom).reshape(-1), grad._device)
        flat = IndexPut.apply(grad.new_zeros(ctx.space), grad.reshape(-1), (pos._data,), True)
        if ctx.in_geom is None:
            return flat.reshape(ctx.x_shape)
        return Index.apply(flat, (_positions(xp, *ctx.in_geom),))


def _logical_view(x, size, geometry, name, replay):
    """A strided view whose layout is ``geometry(strides) -> (out_strides, offset)``,
    applied to x's memory strides (forward) and to its C-order strides (backward)."""
    itemsize = x._data.itemsize
    memory = tuple(s // itemsize for s in x._data.strides)
    mem_stride, mem_offset = geometry(memory)
    log_stride, log_offset = geometry(_contiguous_strides(x.shape))
    xp = xp_of(x)
    make = (lambda data: _strided_array(xp, data, size, mem_stride, mem_offset))
    out = StridedView.apply(x, make, (size, log_stride, log_offset), None, x.numel(), name)
    return out._set_view_of(x, replay)


# ---------------------------------------------------------------- as_strided, unfold

def _storage_of(x):
    """(root array, x's storage offset, storage size in elements) for as_strided."""
    root = x._base if x._base is not None else x
    data = root._data
    extent = 0 if data.size == 0 else 1 + builtins.sum(
        (n - 1) * (s // data.itemsize) for n, s in zip(data.shape, data.strides))
    return data, x.storage_offset(), extent


def as_strided(input, size, stride, storage_offset=None):
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    if builtins.any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, "
                           f"got strides: {list(stride)}")
    data, own_offset, extent = _storage_of(input)
    offset = own_offset if storage_offset is None else int(storage_offset)
    if offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset}")
    numel = 1
    for n in size:
        numel *= n
    needed = 0 if numel == 0 else offset + 1 + builtins.sum(
        (n - 1) * s for n, s in zip(size, stride))
    if needed > extent:
        item = input._dtype.itemsize
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage "
                           f"offset {offset}, and itemsize {item} requiring a storage size of "
                           f"{needed * item} are out of bounds for storage of size "
                           f"{extent * item}")
    xp = xp_of(input)
    make = (lambda _: _strided_array(xp, data, size, stride, offset))
    in_stride = input.stride()
    in_geom = (input.shape, in_stride, own_offset)
    out = StridedView.apply(input, make, (size, stride, offset), in_geom, extent,
                            "AsStridedBackward0")
    return out._set_view_of(input, lambda t: as_strided(t, size, stride, offset))


def unfold(self, dimension, size, step):
    dim = wrap_dim(dimension, self.ndim)
    length = self.shape[dim] if self.ndim else 1
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {dim} is {length} but size "
                           f"is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if self.ndim == 0:
        out_size, geometry = (size,), (lambda strides: ((1,), 0))
    else:
        shape = list(self.shape)
        shape[dim] = (length - size) // step + 1
        out_size = tuple(shape) + (size,)

        def geometry(strides):
            out = list(strides)
            out[dim] = strides[dim] * step
            return tuple(out) + (strides[dim],), 0
    return _logical_view(self, out_size, geometry, "UnfoldBackward0",
                         lambda t: unfold(t, dimension, size, step))


# ---------------------------------------------------------------- diagonal family

def _diagonal_dims(ndim, dim1, dim2):
    d1, d2 = wrap_dim(dim1, ndim), wrap_dim(dim2, ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return d1, d2


def diagonal(input, offset=0, dim1=0, dim2=1):
    d1, d2 = _diagonal_dims(input.ndim, dim1, dim2)
    n1, n2 = input.shape[d1], input.shape[d2]
    length = builtins.max(0, builtins.min(n1, n2 - offset) if offset >= 0 else
                          builtins.min(n1 + offset, n2))
    start1, start2 = builtins.max(-offset, 0), builtins.max(offset, 0)
    rest = [i for i in range(input.ndim) if i not in (d1, d2)]
    size = tuple(input.shape[i] for i in rest) + (length,)

    def geometry(strides):
        start = start1 * strides[d1] + start2 * strides[d2] if length else 0
        return tuple(strides[i] for i in rest) + (strides[d1] + strides[d2],), start
    return _logical_view(input, size, geometry, "DiagonalBackward0",
                         lambda t: diagonal(t, offset, d1, d2))


def _scatter_into(input, src, view_of):
    """input with view_of(input) replaced by src (differentiable in both)."""
    out = input.clone()
    target = view_of(out)
    if src.shape != target.shape:
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size "
                           f"= {list(src.shape)}, slice size = {list(target.shape)}")
    target.copy_(src)
    return out


def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    return _scatter_into(input, src, lambda t: diagonal(t, offset, dim1, dim2))


def select_scatter(input, src, dim, index):
    return _scatter_into(input, src, lambda t: t.select(dim, index))


def slice_scatter(input, src, dim=0, start=None, end=None, step=1, *, out=None):
    dim = wrap_dim(dim, input.ndim)
    key = (builtins.slice(None),) * dim + (builtins.slice(start, end, step),)
    result = _scatter_into(input, src, lambda t: t[key])
    return result if out is None else write_out(out, result)


def as_strided_scatter(input, src, size, stride, storage_offset=None):
    return _scatter_into(input, src, lambda t: as_strided(t, size, stride, storage_offset))


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    ndim = input.ndim + 1
    d1, d2 = _diagonal_dims(ndim, dim1, dim2)
    n = input.shape[-1] + builtins.abs(offset)
    shape = list(input.shape[:-1])
    for d in sorted((d1, d2)):
        shape.insert(d, n)
    return diagonal_scatter(input.new_zeros(shape), input, offset, d1, d2)


def diag(input, diagonal=0, *, out=None):
    if input.ndim == 1:
        result = diag_embed(input, diagonal)
    elif input.ndim == 2:
        result = _diagonal(input, diagonal).clone()
    else:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")
    return result if out is None else write_out(out, result)


_diagonal = diagonal


def diagflat(input, offset=0):
    return diag_embed(input.reshape(-1), offset)


def trace(input):
    if amp_state.active:
        return autocast_call("trace", trace, input)
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    if input._dtype is dtypes.bool:
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")
    return diagonal(input).sum()


def _fill_diagonal(input, fill_value, wrap):
    if input.ndim < 2:
        raise RuntimeError("dimensions must larger than 1")
    shape = input.shape
    if input.ndim > 2 and builtins.any(n != shape[0] for n in shape):
        raise RuntimeError("all dimensions of input must be of equal length")
    step = builtins.sum(_contiguous_strides(shape))
    numel = input.numel()
    end = numel if wrap and input.ndim == 2 else builtins.min(shape) * step
    xp = xp_of(input)
    positions = xp.arange(0, builtins.min(end, numel), step, dtype=xp.int64)
    from .indexing import IndexPut, scalar_fits
    from .creation import tensor
    value = tensor(scalar_fits(fill_value, input._dtype), dtype=input._dtype,
                   device=input._device)
    return IndexPut.apply(input.reshape(-1), value, (positions,), False).view(shape)


def fill_diagonal_(self, fill_value, wrap=False):
    return apply_inplace(self, _fill_diagonal, fill_value, wrap)


# ---------------------------------------------------------------- tril / triu

def _triangle(name, lower):
    def fn(input, diagonal=0, *, out=None):
        if input.ndim < 2:
            raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
        xp = xp_of(input)
        rows, cols = input.shape[-2:]
        keep = xp.tri(rows, cols, diagonal, dtype=bool) if lower else \
            ~xp.tri(rows, cols, diagonal - 1, dtype=bool)
        from .pointwise import where
        result = where(Tensor._make(keep, input._device), input, input.new_zeros(()))
        return result if out is None else write_out(out, result)
    fn.__name__ = name
    return fn


tril = _triangle("tril", True)
triu = _triangle("triu", False)


def _inplace(fn):
    def method(self, *args, **kwargs):
        return apply_inplace(self, fn, *args, **kwargs)
    return method


def as_strided_(input, size, stride, storage_offset=None):
    from .shape import _inplace_view
    return _inplace_view(as_strided)(input, size, stride, storage_offset)


TENSOR_METHODS = dict(
    as_strided=as_strided, as_strided_=as_strided_, unfold=unfold, diagonal=diagonal,
    diagonal_scatter=diagonal_scatter, select_scatter=select_scatter,
    slice_scatter=slice_scatter, diag_embed=diag_embed, diag=diag, diagflat=diagflat,
    trace=trace, tril=tril, triu=triu, tril_=_inplace(tril), triu_=_inplace(triu),
    as_strided_scatter=as_strided_scatter, fill_diagonal_=fill_diagonal_,
)

__all__ = ["as_strided", "as_strided_", "as_strided_scatter", "diagonal", "diagonal_scatter",
           "select_scatter", "slice_scatter", "diag_embed", "diag", "diagflat", "trace", "tril",
           "triu"]
