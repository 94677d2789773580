"""Shape ops that copy: stacking (hstack, vstack, ...), repeating (repeat, tile,
repeat_interleave), reordering (flip, roll, rot90) and combinatorics (block_diag,
cartesian_prod, combinations). All are composites of views, cat and indexing.
"""
import builtins
import itertools

from .. import _dtype as dtypes
from .._tensor import Tensor
from ..backend import backend_for, cpu_backend
from ._util import check_same_device, result_type, cast, type_name, wrap_dim, write_out
from .shape import _sizes, atleast_1d, atleast_2d, atleast_3d, cat, meshgrid, narrow, stack

host = cpu_backend.xp  # repeat counts are read on the host


# ---------------------------------------------------------------- stacking

def _stacker(name, prepare, dim_of):
    def fn(tensors, *, out=None):
        tensors = list(tensors)
        if not tensors:
            raise RuntimeError(f"{name} expects a non-empty TensorList")
        tensors = [prepare(t) for t in tensors]
        return cat(tensors, dim_of(tensors), out=out)
    fn.__name__ = name
    return fn


def _as_column(t):
    return t.reshape(t.numel(), 1) if t.ndim <= 1 else t


hstack = _stacker("hstack", atleast_1d, lambda ts: 0 if ts[0].ndim == 1 else 1)
vstack = _stacker("vstack", atleast_2d, lambda ts: 0)
row_stack = _stacker("row_stack", atleast_2d, lambda ts: 0)
dstack = _stacker("dstack", atleast_3d, lambda ts: 2)
column_stack = _stacker("column_stack", _as_column, lambda ts: 1)


# ---------------------------------------------------------------- repeating

def _copied(result, source):
    """torch's repeat-like ops always return new memory; a no-op layout is cloned."""
    shares = result._base is not None or result._data is source._data
    return result.clone() if shares else result


def repeat(self, *sizes):
    sizes = tuple(int(s) for s in _sizes(sizes))
    if len(sizes) < self.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    shape = (1,) * (len(sizes) - self.ndim) + tuple(self.shape)
    target = [r * s for r, s in zip(sizes, shape)]
    for size in target:
        if size < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {size}: "
                               f"{target}")
    # (s0, s1) -> (1, s0, 1, s1) -> expand to (r0, s0, r1, s1) -> (r0*s0, r1*s1)
    spread = [n for s in shape for n in (1, s)]
    expanded = [n for r, s in zip(sizes, shape) for n in (r, s)]
    result = self.reshape(spread).expand(expanded).reshape(target)
    return _copied(result, self)


def tile(input, dims):
    dims = tuple(dims)
    return repeat(input, (1,) * (input.ndim - len(dims)) + dims)


def _repeat_counts(repeats):
    """torch.repeat_interleave(repeats): each index i repeated repeats[i] times."""
    if repeats.ndim != 1:
        raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
    if repeats._dtype.category != dtypes.INTEGRAL:
        raise NotImplementedError(f"\"repeat_interleave_cpu\" not implemented for "
                                  f"'{type_name(repeats._dtype)}'")
    # NOTE: counted on the host: the output length depends on the data anyway.
    backend = backend_for(repeats._device)
    counts = backend.to_numpy(repeats._data)
    if counts.size and (counts < 0).any():
        raise RuntimeError("repeats can not be negative")
    index = host.repeat(host.arange(counts.size, dtype=counts.dtype), counts)
    return Tensor._make(backend.from_numpy(index), repeats._device)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    if repeats is None:
        return _repeat_counts(input)
    if dim is None:
        input, dim = input.reshape(-1), 0
    dim = wrap_dim(dim, input.ndim)
    size = input.shape[dim]
    if isinstance(repeats, Tensor) and repeats.numel() == 1 and repeats.ndim <= 1:
        repeats = int(repeats.item())
    if isinstance(repeats, int):
        if repeats < 0:
            raise RuntimeError("Repeats must be non-negative")
        total = size * repeats
        if output_size is not None and output_size != total:
            raise RuntimeError("allocated size does not match required size")
        expanded = list(input.shape)
        expanded.insert(dim + 1, repeats)
        target = list(input.shape)
        target[dim] = total
        return _copied(input.unsqueeze(dim + 1).expand(expanded).reshape(target), input)
    if repeats.ndim == 1 and repeats.shape[0] != size:
        raise RuntimeError(f"repeats must have the same size as input along dim, but got "
                           f"repeats.size(0) = {repeats.shape[0]} and input.size({dim}) = {size}")
    index = _repeat_counts(repeats)
    if output_size is not None and output_size != index.shape[0]:
        raise RuntimeError("allocated size does not match required size")
    from .scatter import index_select
    return index_select(input, dim, cast(index, dtypes.int64))


# ---------------------------------------------------------------- reordering

def _flip_dims(input, dims):
    wrapped = [wrap_dim(d, input.ndim) for d in dims]
    for d in wrapped:
        if wrapped.count(d) > 1:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return wrapped


def flip(input, dims):
    if isinstance(dims, int):
        raise TypeError("flip(): argument 'dims' (position 2) must be tuple of ints, not int")
    wrapped = _flip_dims(input, dims)
    if input.ndim == 0 or not wrapped:
        return input.clone()
    from .indexing import BasicIndex
    # NOTE: a negative-step basic index is a reversed view in NumPy (torch has no such
    # views); cloning it gives torch's flipped copy, with gradient for free.
    key = tuple(builtins.slice(None, None, -1) if d in wrapped else builtins.slice(None)
                for d in range(input.ndim)) + (Ellipsis,)
    return BasicIndex.apply(input, key).clone()


def _flip_method(self, *dims):
    return flip(self, _sizes(dims))


def fliplr(input):
    if input.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, (1,))


def flipud(input):
    if input.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, (0,))


def roll(input, shifts, dims=None):
    shifts = [shifts] if isinstance(shifts, int) else [int(s) for s in shifts]
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                               "dims:0")
        return roll(input.reshape(-1), shifts[0], 0).view(input.shape)
    dims = [dims] if isinstance(dims, int) else list(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                           f"dims:{len(dims)}")
    result = input
    for shift, dim in zip(shifts, dims):
        dim = wrap_dim(dim, input.ndim)
        size = input.shape[dim]
        if size == 0 or shift % size == 0:
            continue
        shift %= size
        result = cat([narrow(result, dim, size - shift, shift),
                      narrow(result, dim, 0, size - shift)], dim)
    return _copied(result, input)


def rot90(input, k=1, dims=(0, 1)):
    dims = list(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.ndim}")
    d0, d1 = wrap_dim(dims[0], input.ndim), wrap_dim(dims[1], input.ndim)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and "
                           f"dim1 = {d1}")
    k %= 4
    if k == 1:
        return flip(input, (d1,)).transpose(d0, d1)
    if k == 2:
        return flip(input, (d0, d1))
    if k == 3:
        return flip(input, (d0,)).transpose(d0, d1)
    return input.clone()


# ---------------------------------------------------------------- combinatorics

def block_diag(*tensors):
    for i, t in enumerate(tensors):
        if t.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer "
                               f"dimensions. Input {i} has {t.ndim} dimensions")
    if not tensors:
        from .creation import empty
        return empty(1, 0)
    check_same_device(*tensors)
    dtype = result_type(*tensors)
    blocks = [cast(t.reshape(1, -1) if t.ndim < 2 else t, dtype) for t in tensors]
    width = builtins.sum(b.shape[1] for b in blocks)
    rows, before = [], 0
    for b in blocks:
        height, cols = b.shape
        rows.append(cat([b.new_zeros(height, before), b,
                         b.new_zeros(height, width - before - cols)], 1))
        before += cols
    return cat(rows, 0)


def _check_vector(t):
    if t.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(t.shape)}")


def cartesian_prod(*tensors):
    for t in tensors:
        _check_vector(t)
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([g.reshape(-1) for g in grids], 1)


def combinations(input, r=2, with_replacement=False):
    _check_vector(input)
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return input.new_empty(0)
    pick = itertools.combinations_with_replacement if with_replacement else \
        itertools.combinations
    chosen = list(pick(range(input.shape[0]), r))
    from .creation import tensor
    index = tensor(chosen, dtype=dtypes.int64, device=input._device).reshape(len(chosen), r)
    return stack([input[index[:, i]] for i in range(r)], 1)


# ---------------------------------------------------------------- copies of views

def _copy_of(view_op):
    """torch's *_copy ops: the view op's result in new memory (with out=)."""
    def fn(*args, out=None, **kwargs):
        result = view_op(*args, **kwargs)
        if isinstance(result, tuple):
            return tuple(r.clone() for r in result)
        result = result.clone()
        return result if out is None else write_out(out, result)
    return fn


def _slice(input, dim=0, start=None, end=None, step=1):
    dim = wrap_dim(dim, input.ndim)
    return input[(builtins.slice(None),) * dim + (builtins.slice(start, end, step),)]


_COPIES = dict(
    view_copy=lambda input, size: input.view(size),
    expand_copy=lambda input, size, *, implicit=False: input.expand(size),
    permute_copy=lambda input, dims: input.permute(dims),
    transpose_copy=lambda input, dim0, dim1: input.transpose(dim0, dim1),
    t_copy=lambda input: input.t(),
    squeeze_copy=lambda input, dim=None: input.squeeze(dim),
    unsqueeze_copy=lambda input, dim: input.unsqueeze(dim),
    diagonal_copy=lambda input, offset=0, dim1=0, dim2=1: input.diagonal(offset, dim1, dim2),
    select_copy=lambda input, dim, index: input.select(dim, index),
    unbind_copy=lambda input, dim=0: input.unbind(dim),
    unfold_copy=lambda input, dimension, size, step: input.unfold(dimension, size, step),
    as_strided_copy=lambda input, size, stride, storage_offset=None: input.as_strided(
        size, stride, storage_offset),
    slice_copy=_slice, narrow_copy=lambda input, dim, start, length: input.narrow(
        dim, start, length),
    split_copy=lambda input, split_size, dim=0: input.split(split_size, dim),
    split_with_sizes_copy=lambda input, split_sizes, dim=0: input.split(list(split_sizes), dim),
    alias_copy=lambda input: input.view(input.shape), detach_copy=lambda input: input.detach(),
)
# ember.view_copy, ember.expand_copy, ...: one function per entry, exported below.
globals().update({name: _copy_of(op) for name, op in _COPIES.items()})


TENSOR_METHODS = dict(
    repeat=repeat, tile=tile, repeat_interleave=repeat_interleave, flip=_flip_method,
    fliplr=fliplr, flipud=flipud, roll=roll, rot90=rot90,
    narrow_copy=_copy_of(_COPIES["narrow_copy"]),
)

__all__ = ["hstack", "vstack", "row_stack", "dstack", "column_stack", "tile",
           "repeat_interleave", "flip", "fliplr", "flipud", "roll", "rot90", "block_diag",
           "cartesian_prod", "combinations", *_COPIES]
