"""Shape ops that return views. Views share memory with their input (NumPy views) and are
marked with ``_set_view_of`` so that an in-place write through them can update the base's
graph. Ops that copy (stacking, repeating, flipping) live in ``rearrange.py``; strided
views (diagonal, unfold, as_strided) in ``strided.py``.
"""
import builtins
import math
import warnings

from .._tensor import Size, Tensor
from ..autograd.graph import Primitive
from ._util import (backend_of, check_inplace_allowed, check_same_device, result_type, cast,
                    sum_to, sum_to_array, wrap_dim, write_out, xp_of)
from ..backend import array_module_of
from ..amp.autocast_mode import autocast_call, state as amp_state


def _view_result(out, base, replay):
    return out._set_view_of(base, replay)


def _sizes(args):
    """f(2, 3), f((2, 3)) and f([2, 3]) all mean the sizes (2, 3)."""
    if len(args) == 1 and isinstance(args[0], (tuple, list, Size)):
        return tuple(args[0])
    return args


# ---------------------------------------------------------------- view / reshape

def _infer_shape(shape, numel):
    """Resolve one -1 in a requested shape, with torch's error messages."""
    shape = [int(s) for s in _sizes(shape)]
    unknown = [i for i, s in enumerate(shape) if s == -1]
    if len(unknown) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for i, s in enumerate(shape):
        if s < -1:
            raise RuntimeError(f"invalid shape dimension {s} at index {i} of shape {shape}")
        if s != -1:
            known *= s
    if unknown:
        if known == 0:
            raise RuntimeError(f"cannot reshape tensor of 0 elements into shape {shape} because "
                               "the unspecified dimension size -1 can be any value and is "
                               "ambiguous")
        if numel % known:
            raise RuntimeError(f"shape '{shape}' is invalid for input of size {numel}")
        shape[unknown[0]] = numel // known
    elif known != numel:
        raise RuntimeError(f"shape '{shape}' is invalid for input of size {numel}")
    return tuple(shape)


class View(Primitive):
    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        out = backend_of(x).reshape_view(x._data, shape)
        if out is None:
            raise RuntimeError(
                "view size is not compatible with input tensor's size and stride (at least "
                "one dimension spans across two contiguous subspaces). Use .reshape(...) "
                "instead.")
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.in_shape)

    @staticmethod
    def array_backward(ctx, grad):
        return grad.reshape(ctx.in_shape)


class Reshape(Primitive):
    """A reshape that had to copy (non-viewable layout)."""
    grad_fn_name = "ViewBackward0"  # NOTE: torch reports reshape-copies as views of a clone

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        return x._data.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.in_shape)

    @staticmethod
    def array_backward(ctx, grad):
        return grad.reshape(ctx.in_shape)


def view(self, *shape):
    if len(shape) == 1 and not isinstance(shape[0], (int, tuple, list, Size)):
        from .._dtype import dtype as dtype_cls
        if isinstance(shape[0], dtype_cls):
            return view_as_dtype(self, shape[0])
    shape = _infer_shape(shape, self._data.size)
    out = View.apply(self, shape)
    return _view_result(out, self, lambda t: t.view(shape))


def view_as_dtype(self, dtype):
    if dtype.itemsize != self._dtype.itemsize:
        raise RuntimeError("view(dtype) with a different element size is not supported")
    return Tensor._make(self._data.view(dtype.numpy), self._device)


def reshape(self, *shape):
    shape = _infer_shape(shape, self._data.size)
    viewed = backend_of(self).reshape_view(self._data, shape)
    if viewed is not None:
        return view(self, shape)
    return Reshape.apply(self, shape)


def view_as(self, other):
    return view(self, other.shape)


def reshape_as(self, other):
    return reshape(self, other.shape)


def ravel(input):
    return reshape(input, (-1,))


def flatten(input, start_dim=0, end_dim=-1):
    if input.ndim == 0:
        return reshape(input, (1,))
    start = wrap_dim(start_dim, input.ndim)
    end = wrap_dim(end_dim, input.ndim)
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if start == end:
        return input
    shape = input.shape
    return reshape(input, shape[:start] + (math.prod(shape[start:end + 1]),) + shape[end + 1:])


def unflatten(input, dim, sizes):
    dim = wrap_dim(dim, input.ndim)
    sizes = [int(s) for s in sizes]
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    shape = input.shape
    known = math.prod(s for s in sizes if s != -1)
    if (-1 not in sizes and known != shape[dim]) or (-1 in sizes and
                                                     (known == 0 or shape[dim] % known)):
        raise RuntimeError(f"unflatten: Provided sizes {sizes} don't multiply up to the size of "
                           f"dim {dim} ({shape[dim]}) in the input tensor")
    sizes = _infer_shape(tuple(sizes), shape[dim])
    return view(input, shape[:dim] + tuple(sizes) + shape[dim + 1:])


# ---------------------------------------------------------------- transpose / permute

class Transpose(Primitive):
    @staticmethod
    def forward(ctx, x, dim0, dim1):
        ctx.dims = (dim0, dim1)
        return x._data.swapaxes(dim0, dim1)

    @staticmethod
    def backward(ctx, grad):
        return grad.transpose(*ctx.dims)

    @staticmethod
    def array_backward(ctx, grad):
        return grad.swapaxes(*ctx.dims)


def _alias(input):
    """A view of all of input (torch returns one where an op changes nothing)."""
    shape = input.shape
    return _view_result(View.apply(input, shape), input, lambda t: t.view(shape))


def transpose(input, dim0, dim1):
    ndim = input.ndim
    d0, d1 = wrap_dim(dim0, ndim), wrap_dim(dim1, ndim)
    if ndim == 0:
        return _alias(input)
    out = Transpose.apply(input, d0, d1)
    return _view_result(out, input, lambda t: t.transpose(d0, d1))


class Permute(Primitive):
    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return x._data.transpose(dims)

    @staticmethod
    def backward(ctx, grad):
        return grad.permute(_inverse(ctx.dims))

    @staticmethod
    def array_backward(ctx, grad):
        return grad.transpose(_inverse(ctx.dims))


def _inverse(dims):
    """The permutation that undoes dims."""
    inverse = [0] * len(dims)
    for i, d in enumerate(dims):
        inverse[d] = i
    return inverse


def permute(input, *dims):
    dims = _sizes(dims)
    ndim = input.ndim
    if len(dims) != ndim:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does "
                           f"not match the length of the desired ordering of dimensions i.e. "
                           f"input.dim() = {ndim} is not equal to len(dims) = {len(dims)}")
    dims = tuple(wrap_dim(d, ndim) for d in dims)
    if len(set(dims)) != ndim:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    out = Permute.apply(input, dims)
    return _view_result(out, input, lambda t: t.permute(dims))


def movedim(input, source, destination):
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims) "
                           f"should contain the same number of dims as destination ({dst} dims)")
    ndim = input.ndim
    src_dims = [wrap_dim(d, ndim) for d in src]
    dst_dims = [wrap_dim(d, ndim) for d in dst]
    for name, given, dims in (("source", src, src_dims), ("destination", dst, dst_dims)):
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({given})")
    order = [None] * ndim
    for s, d in zip(src_dims, dst_dims):
        order[d] = s
    rest = iter(d for d in range(ndim) if d not in src_dims)
    return permute(input, [next(rest) if o is None else o for o in order])


moveaxis = movedim


def t(input):
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                           f"{input.ndim}D")
    if input.ndim < 2:
        return _alias(input)
    return transpose(input, 0, 1)


def _reversed_dims(self):
    if self.ndim == 0:
        warnings.warn("Tensor.T is deprecated on 0-D tensors. This function is the identity in "
                      "these cases.", UserWarning, stacklevel=2)
    elif self.ndim != 2:
        warnings.warn("The use of `x.T` on tensors of dimension other than 2 to reverse their "
                      "shape is deprecated and it will throw an error in a future release. "
                      "Consider `x.mT` to transpose batches of matrices or `x.permute(*torch."
                      "arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a tensor.",
                      UserWarning, stacklevel=2)
    return permute(self, tuple(reversed(range(self.ndim))))


def _conj(x):
    return x.conj() if x.is_complex() else x


def _matrix_transpose(name):
    def fn(self):
        if self.ndim < 2:
            raise RuntimeError(f"tensor.{name} is only supported on matrices or batches of "
                               f"matrices. Got {self.ndim}-D tensor.")
        out = transpose(self, -2, -1)
        return _conj(out) if name != "mT" else out
    return fn


def _hermitian(self):
    if self.ndim not in (0, 2):
        hint = " For batches of matrices, consider using tensor.mH" if self.ndim > 2 else ""
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got "
                           f"{self.ndim}-D tensor.{hint}")
    return _conj(self if self.ndim == 0 else transpose(self, 0, 1))


_mT, _mH, adjoint = _matrix_transpose("mT"), _matrix_transpose("mH"), \
    _matrix_transpose("adjoint()")


# ---------------------------------------------------------------- expand / squeeze

class Expand(Primitive):
    @staticmethod
    def forward(ctx, x, shape):
        data = x._data
        ctx.in_shape = data.shape
        if math.prod(shape) == data.size and data.flags.c_contiguous:
            # Only size-1 dims are added: a reshape view, much cheaper than broadcast_to.
            return data.reshape(shape)
        return xp_of(x).broadcast_to(data, shape)

    @staticmethod
    def backward(ctx, grad):
        return sum_to(grad, ctx.in_shape)

    @staticmethod
    def array_backward(ctx, grad):
        return sum_to_array(grad, ctx.in_shape)


def expand(self, *sizes):
    sizes = [int(s) for s in _sizes(sizes)]
    shape = self.shape
    if len(sizes) < len(shape):
        raise RuntimeError(f"expand({self.type()}{{{list(shape)}}}, size={sizes}): the number "
                           f"of sizes provided ({len(sizes)}) must be greater or equal to the "
                           f"number of dimensions in the tensor ({len(shape)})")
    offset = len(sizes) - len(shape)
    target = []
    for i, size in enumerate(sizes):
        if i < offset:
            if size < 0:
                raise RuntimeError(f"The expanded size of the tensor ({size}) isn't allowed in "
                                   f"a leading, non-existing dimension {i}")
            target.append(size)
            continue
        current = shape[i - offset]
        if size == -1:
            size = current
        elif current != 1 and size != current:
            raise RuntimeError(f"The expanded size of the tensor ({size}) must match the "
                               f"existing size ({current}) at non-singleton dimension {i}.  "
                               f"Target sizes: {sizes}.  Tensor sizes: {list(shape)}")
        target.append(size)
    target = tuple(target)
    if target == shape:
        return _alias(self)
    out = Expand.apply(self, target)
    return _view_result(out, self, lambda t: t.expand(target))


def expand_as(self, other):
    return expand(self, other.shape)


def broadcast_to(input, size):
    return expand(input, size)


def broadcast_shapes(*shapes):
    """torch.broadcast_shapes: the shape the given shapes (or ints) broadcast to."""
    shapes = [(s,) if isinstance(s, int) else tuple(s) for s in shapes]
    result = [1] * builtins.max((len(s) for s in shapes), default=0)
    for index, shape in enumerate(shapes):
        for i in range(-1, -len(shape) - 1, -1):
            size = shape[i]
            if size < 0:
                raise ValueError("Attempting to broadcast a dimension with negative length!")
            if size == 1 or size == result[i]:
                continue
            if result[i] != 1:
                raise RuntimeError(f"Attempting to broadcast a dimension of length {size} at "
                                   f"{i}! Mismatching argument at index {index} had {shape}; "
                                   f"but expected shape should be broadcastable to {result}")
            result[i] = size
    return Size(result)


def broadcast_tensors(*tensors):
    if len(tensors) == 1:
        return tuple(tensors)
    from ._util import broadcast_shapes as broadcast_pair
    shape = broadcast_pair(*(t.shape for t in tensors))
    return tuple(expand(t, shape) for t in tensors)


def squeeze(input, dim=None):
    shape = input.shape
    if dim is None:
        new_shape = tuple(s for s in shape if s != 1)
    else:
        dims = [dim] if isinstance(dim, int) else list(dim)
        wrapped = [wrap_dim(d, input.ndim) for d in dims]
        for d in wrapped:
            if wrapped.count(d) > 1:
                raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        new_shape = tuple(s for i, s in enumerate(shape) if not (i in wrapped and s == 1))
    return view(input, new_shape)


def unsqueeze(input, dim):
    ndim = input.ndim + 1
    dim = wrap_dim(dim, ndim)
    shape = input.shape
    return view(input, shape[:dim] + (1,) + shape[dim:])


def _atleast(ndim_target, make):
    def fn(*tensors):
        if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
            return tuple(fn(t) for t in tensors[0])
        if len(tensors) != 1:
            return tuple(fn(t) for t in tensors)
        x = tensors[0]
        return x if x.ndim >= ndim_target else make(x)
    return fn


atleast_1d = _atleast(1, lambda x: reshape(x, (1,)))
atleast_2d = _atleast(2, lambda x: reshape(x, (1,) * (2 - x.ndim) + x.shape))
atleast_3d = _atleast(3, lambda x: reshape(x, {0: (1, 1, 1), 1: (1,) + x.shape + (1,),
                                              2: x.shape + (1,)}[x.ndim]))


def meshgrid(*tensors, indexing=None):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError('torch.meshgrid: indexing must be one of "xy" or "ij", but '
                           f"received: {indexing}")
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for t_ in tensors:
        if t_.ndim > 1:
            raise RuntimeError("torch.meshgrid: Expected 0D or 1D tensor in the tensor list but "
                               f"got: {t_}")
        if t_._dtype is not tensors[0]._dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    check_same_device(*tensors)
    # NOTE: 'xy' is 'ij' with the first two inputs (and outputs) swapped, as in torch.
    swap = indexing == "xy" and len(tensors) >= 2
    if swap:
        tensors = (tensors[1], tensors[0]) + tuple(tensors[2:])
    sizes = tuple(t_.numel() for t_ in tensors)
    grids = []
    for i, t_ in enumerate(tensors):
        shape = [1] * len(tensors)
        shape[i] = sizes[i]
        grids.append(expand(reshape(t_, shape), sizes))
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


# ---------------------------------------------------------------- cat / stack

class Cat(Primitive):
    @staticmethod
    def forward(ctx, dim, skip, *tensors):
        ctx.dim = dim
        ctx.sizes = [None if s else t.shape[dim] for s, t in zip(skip, tensors)]
        return xp_of(tensors[0]).concatenate([t._data for s, t in zip(skip, tensors)
                                              if not s], axis=dim)

    @staticmethod
    def backward(ctx, grad):
        parts = iter(grad.split([s for s in ctx.sizes if s is not None], ctx.dim))
        return (None, None) + tuple(grad.new_zeros(0) if s is None else next(parts)
                                    for s in ctx.sizes)

    @staticmethod
    def array_backward(ctx, grad):
        # One gradient per tensor argument: slices of grad along dim. (needs_input_grad
        # also counts dim and skip: tensor i is argument i + 2.)
        needs = ctx.needs_input_grad
        key = [builtins.slice(None)] * grad.ndim
        grads = []
        start = 0
        for i, size in enumerate(ctx.sizes):
            if size is None:  # a skipped empty 1-D tensor
                grads.append(array_module_of(grad).xp.zeros(0, dtype=grad.dtype)
                             if needs[i + 2] else None)
                continue
            if needs[i + 2]:
                key[ctx.dim] = builtins.slice(start, start + size)
                grads.append(grad[tuple(key)])
            else:
                grads.append(None)
            start += size
        return tuple(grads)


def cat(tensors, dim=0, *, out=None):
    if amp_state.active:
        return autocast_call("cat", cat, tensors, dim=dim, out=out)
    tensors = list(tensors)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, t_ in enumerate(tensors):
        if t_.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be "
                               "concatenated")
    check_same_device(*tensors)
    dtype = result_type(*tensors)
    # NOTE: torch still accepts 1-D empty tensors beside tensors of any rank.
    ref = next((t_ for t_ in tensors if not (t_.ndim == 1 and t_.shape[0] == 0)), tensors[0])
    skip = tuple(t_.ndim == 1 and t_.shape[0] == 0 and ref.ndim != 1 for t_ in tensors)
    dim = wrap_dim(dim, ref.ndim)
    for i, t_ in enumerate(tensors):
        if skip[i]:
            continue
        if t_.ndim != ref.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref.ndim} "
                               f"and {t_.ndim}")
        for d in range(ref.ndim):
            if d != dim and t_.shape[d] != ref.shape[d]:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {dim}. Expected size "
                    f"{ref.shape[d]} but got size {t_.shape[d]} for tensor number {i} in the "
                    "list.")
    result = Cat.apply(dim, skip, *[cast(t_, dtype) for t_ in tensors])
    return result if out is None else write_out(out, result)


concat = concatenate = cat


def stack(tensors, dim=0, *, out=None):
    if amp_state.active:
        return autocast_call("stack", stack, tensors, dim=dim, out=out)
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shape = tensors[0].shape
    for i, t_ in enumerate(tensors):
        if t_.shape != shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(shape)} at entry 0 and {list(t_.shape)} at entry {i}")
    dim = wrap_dim(dim, len(shape) + 1)
    return cat([unsqueeze(t_, dim) for t_ in tensors], dim, out=out)


# ---------------------------------------------------------------- select / narrow / split

def _slice_view(input, dim, start, stop):
    """input[..., start:stop, ...] at dim (Python slice rules), as a view."""
    from .indexing import basic_view
    return basic_view(input, (builtins.slice(None),) * dim + (builtins.slice(start, stop),
                                                               Ellipsis))


class Narrow(Primitive):
    grad_fn_name = "SliceBackward0"

    @staticmethod
    def forward(ctx, x, dim, start, length):
        ctx.args = (x.shape, dim, start, length)
        index = [builtins.slice(None)] * x.ndim
        index[dim] = builtins.slice(start, start + length)
        return x._data[tuple(index)]

    @staticmethod
    def backward(ctx, grad):
        shape, dim, start, length = ctx.args
        before = list(shape)
        before[dim] = start
        after = list(shape)
        after[dim] = shape[dim] - start - length
        parts = [grad.new_zeros(before)] if start else []
        parts.append(grad)
        if after[dim]:
            parts.append(grad.new_zeros(after))
        return cat(parts, dim) if len(parts) > 1 else grad

    @staticmethod
    def array_backward(ctx, grad):
        shape, dim, start, length = ctx.args
        if length == shape[dim]:
            return grad
        out = array_module_of(grad).xp.zeros(shape, dtype=grad.dtype)
        index = [builtins.slice(None)] * len(shape)
        index[dim] = builtins.slice(start, start + length)
        out[tuple(index)] = grad
        return out


def narrow(input, dim, start, length):
    dim = wrap_dim(dim, input.ndim)
    size = input.shape[dim]
    start, length = int(start), int(length)
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], "
                         f"but got {start})")
    if start < 0:
        start += size
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size "
                           f"({size}).")
    out = Narrow.apply(input, dim, start, length)
    return _view_result(out, input, lambda t: t.narrow(dim, start, length))


def select(input, dim, index):
    if input.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    dim = wrap_dim(dim, input.ndim)
    index = int(index)
    size = input.shape[dim]
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(input.shape)} at dimension {dim}")
    from .indexing import basic_view
    return basic_view(input, (builtins.slice(None),) * dim + (index, Ellipsis))


def unbind(input, dim=0):
    if input.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    dim = wrap_dim(dim, input.ndim)
    return tuple(select(input, dim, i) for i in range(input.shape[dim]))


def split(tensor, split_size_or_sections, dim=0):
    dim = wrap_dim(dim, tensor.ndim)
    size = tensor.shape[dim]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got "
                               f"split_size={step}")
        if step == 0 and size:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                               f"dimension size of {size}")
        sizes = [builtins.min(step, size - s) for s in range(0, size, step)] if size else [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if builtins.sum(sizes) != size:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {size} "
                               f"(input tensor's size at dimension {dim}), but got "
                               f"split_sizes={sizes}")
    out, start = [], 0
    for length in sizes:
        out.append(narrow(tensor, dim, start, length))
        start += length
    return tuple(out)


def split_with_sizes(input, split_sizes, dim=0):
    return split(input, list(split_sizes), dim)


def chunk(input, chunks, dim=0):
    if input.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    dim = wrap_dim(dim, input.ndim)
    size = input.shape[dim]
    if size == 0:
        return split(input, [0] * chunks, dim)
    return split(input, -(-size // chunks), dim)


def tensor_split(input, indices_or_sections=None, dim=0, *, sections=None, indices=None):
    if input.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a "
                           "tensor with 0 dims")
    arg = next(a for a in (indices_or_sections, sections, indices) if a is not None)
    if isinstance(arg, Tensor):
        from .. import _dtype as dtypes
        if arg._dtype is not dtypes.int64:
            from ._util import type_name
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to have dtype "
                               f"of long, but got {type_name(arg._dtype)}")
        if arg.ndim > 1:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to be a "
                               "zero-dimensional or one-dimensional tensor, but got a tensor "
                               f"with {arg.ndim} dims")
        arg = arg.item() if arg.ndim == 0 else arg.tolist()
    dim = wrap_dim(dim, input.ndim)
    if isinstance(arg, int):
        if arg <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {arg}")
        size = input.shape[dim]
        base, extra = divmod(size, arg)
        bounds = [0]
        for i in range(arg):
            bounds.append(bounds[-1] + base + (1 if i < extra else 0))
        return tuple(_slice_view(input, dim, a, b) for a, b in zip(bounds, bounds[1:]))
    # NOTE: indices follow Python slice rules (negative wrap, clamp), as in torch.
    bounds = [0] + [int(i) for i in arg] + [None]
    return tuple(_slice_view(input, dim, a, b) for a, b in zip(bounds, bounds[1:]))


def _directional_split(name, dim_of, min_ndim):
    def fn(input, indices_or_sections):
        if input.ndim < min_ndim:
            raise RuntimeError(f"torch.{name} requires a tensor with at least {min_ndim} "
                               f"dimension, but got a tensor with {input.ndim} dimensions!")
        dim = dim_of(input)
        if isinstance(indices_or_sections, int):
            size = input.shape[dim]
            if indices_or_sections == 0 or size % indices_or_sections:
                raise RuntimeError(f"torch.{name} attempted to split along dimension {dim}, "
                                   f"but the size of the dimension {size} is not divisible by "
                                   f"the split_size {indices_or_sections}!")
        return tensor_split(input, indices_or_sections, dim)
    fn.__name__ = name
    return fn


hsplit = _directional_split("hsplit", lambda x: 0 if x.ndim == 1 else 1, 1)
vsplit = _directional_split("vsplit", lambda x: 0, 2)
dsplit = _directional_split("dsplit", lambda x: 2, 3)


# ---------------------------------------------------------------- in-place shape changes

def resize_(self, *sizes, memory_format=None):
    """Give self a new shape; its first elements keep their values (new ones are
    uninitialised). Shrinking keeps self's memory, as torch keeps its storage."""
    if self._requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    shape = tuple(int(s) for s in _sizes(sizes))
    numel = math.prod(shape)
    flat = self._data.reshape(-1)
    if numel > flat.size:
        grown = xp_of(self).empty(numel, dtype=flat.dtype)
        grown[:flat.size] = flat
        flat = grown
    self._data = flat[:numel].reshape(shape)
    self._vc[0] += 1
    return self


def resize_as_(self, the_template, memory_format=None):
    return resize_(self, the_template.shape)



def _inplace_view(op):
    """x.t_(), x.squeeze_()...: x itself takes the view's shape and graph position."""
    def method(self, *args, **kwargs):
        check_inplace_allowed(self)
        out = op(self, *args, **kwargs)
        self._data = out._data
        if out.grad_fn is not None:
            self.grad_fn, self._output_nr = out.grad_fn, out._output_nr
        if self._base is not None:
            self._view_fn = out._view_fn
        self._vc[0] += 1
        return self
    method.__name__ = op.__name__ + "_"
    return method


TENSOR_METHODS = dict(
    view=view, reshape=reshape, view_as=view_as, reshape_as=reshape_as, flatten=flatten,
    unflatten=unflatten, transpose=transpose, swapaxes=transpose, swapdims=transpose,
    permute=permute, movedim=movedim, moveaxis=movedim, t=t, adjoint=adjoint,
    T=property(_reversed_dims), mT=property(_mT), mH=property(_mH), H=property(_hermitian),
    expand=expand, expand_as=expand_as, broadcast_to=broadcast_to, squeeze=squeeze,
    unsqueeze=unsqueeze, narrow=narrow, select=select, unbind=unbind, split=split,
    chunk=chunk, tensor_split=tensor_split, hsplit=hsplit, vsplit=vsplit, dsplit=dsplit,
    t_=_inplace_view(t), transpose_=_inplace_view(transpose),
    swapaxes_=_inplace_view(transpose), swapdims_=_inplace_view(transpose),
    squeeze_=_inplace_view(squeeze), unsqueeze_=_inplace_view(unsqueeze),
    ravel=ravel, split_with_sizes=split_with_sizes, unsafe_split=split,
    unsafe_split_with_sizes=split_with_sizes, unsafe_chunk=chunk, resize_=resize_,
    resize_as_=resize_as_,
)

__all__ = ["reshape", "flatten", "unflatten", "transpose", "swapaxes", "swapdims", "permute",
           "movedim", "moveaxis", "t", "adjoint", "broadcast_to", "broadcast_shapes",
           "broadcast_tensors", "squeeze", "unsqueeze", "atleast_1d", "atleast_2d",
           "atleast_3d", "meshgrid", "cat", "concat", "concatenate", "stack", "narrow",
           "select", "unbind", "split", "chunk", "tensor_split", "hsplit", "vsplit", "dsplit",
           "ravel", "split_with_sizes", "unsafe_split", "unsafe_split_with_sizes",
           "unsafe_chunk", "resize_as_"]
swapaxes = swapdims = transpose
# NOTE: torch's unsafe_* variants skip view tracking for speed; ember's views are cheap.
unsafe_split, unsafe_split_with_sizes, unsafe_chunk = split, split_with_sizes, chunk
