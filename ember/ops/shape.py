"""Shape ops. Views share memory with their input (NumPy views) and are marked with
``_set_view_of`` so that an in-place write through them can update the base's graph.
"""
import builtins
import math

from .._tensor import Size, Tensor
from ..autograd.graph import Primitive
from ._util import backend_of, check_same_device, normalize_dims, result_type, cast, \
    sum_to, wrap_dim, xp_of


def _view_result(out, base, replay):
    return out._set_view_of(base, replay)


# ---------------------------------------------------------------- view / reshape

def _infer_shape(shape, numel):
    """Resolve one -1 in a requested shape, with torch's error messages."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list, Size)):
        shape = shape[0]
    shape = [int(s) for s in shape]
    unknown = [i for i, s in enumerate(shape) if s == -1]
    if len(unknown) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for s in shape:
        if s != -1:
            if s < 0:
                raise RuntimeError(f"invalid shape dimension {s}")
            known *= s
    if unknown:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape[unknown[0]] = numel // known
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
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


def view(self, *shape):
    if len(shape) == 1 and not isinstance(shape[0], (int, tuple, list, Size)):
        from .._dtype import dtype as dtype_cls
        if isinstance(shape[0], dtype_cls):
            return view_as_dtype(self, shape[0])
    shape = _infer_shape(shape, self._data.size)
    if shape == self._data.shape:
        out = View.apply(self, shape)
    else:
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
    shape = input.shape
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


def transpose(input, dim0, dim1):
    ndim = input.ndim
    d0, d1 = wrap_dim(dim0, ndim), wrap_dim(dim1, ndim)
    out = Transpose.apply(input, d0, d1)
    return _view_result(out, input, lambda t: t.transpose(d0, d1))


class Permute(Primitive):
    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return x._data.transpose(dims)

    @staticmethod
    def backward(ctx, grad):
        inverse = [0] * len(ctx.dims)
        for i, d in enumerate(ctx.dims):
            inverse[d] = i
        return grad.permute(inverse)


def permute(input, *dims):
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = dims[0]
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


def t(input):
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                           f"{input.ndim}D")
    if input.ndim < 2:
        return input
    return transpose(input, 0, 1)


# ---------------------------------------------------------------- expand / squeeze

class Expand(Primitive):
    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        return xp_of(x).broadcast_to(x._data, shape)

    @staticmethod
    def backward(ctx, grad):
        return sum_to(grad, ctx.in_shape)


def expand(self, *sizes):
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = sizes[0]
    shape = self.shape
    if len(sizes) < len(shape):
        raise RuntimeError(f"expand({self.type()}{{{list(shape)}}}, size={list(sizes)}): the "
                           "number of sizes provided ({}) must be greater or equal to the number "
                           "of dimensions in the tensor ({})".format(len(sizes), len(shape)))
    offset = len(sizes) - len(shape)
    target = []
    for i, size in enumerate(sizes):
        size = int(size)
        if i < offset:
            if size < 0:
                raise RuntimeError(f"The expanded size of the tensor ({size}) isn't allowed in "
                                   "a leading, non-existing dimension 0")
            target.append(size)
            continue
        current = shape[i - offset]
        if size == -1:
            size = current
        elif current != 1 and size != current:
            raise RuntimeError(f"The expanded size of the tensor ({size}) must match the "
                               f"existing size ({current}) at non-singleton dimension {i}.  "
                               f"Target sizes: {list(sizes)}.  Tensor sizes: {list(shape)}")
        target.append(size)
    target = tuple(target)
    if target == shape:
        return _view_result(View.apply(self, target), self, lambda t: t.view(target))
    out = Expand.apply(self, target)
    return _view_result(out, self, lambda t: t.expand(target))


def expand_as(self, other):
    return expand(self, other.shape)


def broadcast_to(input, size):
    return expand(input, size)


def squeeze(input, dim=None):
    shape = input.shape
    if dim is None:
        new_shape = tuple(s for s in shape if s != 1)
    else:
        dims = normalize_dims(dim, input.ndim)
        new_shape = tuple(s for i, s in enumerate(shape) if not (i in dims and s == 1))
    return view(input, new_shape)


def unsqueeze(input, dim):
    ndim = input.ndim + 1
    dim = wrap_dim(dim, ndim)
    shape = input.shape
    return view(input, shape[:dim] + (1,) + shape[dim:])


# ---------------------------------------------------------------- cat / stack

class Cat(Primitive):
    @staticmethod
    def forward(ctx, dim, *tensors):
        ctx.dim = dim
        ctx.sizes = [t.shape[dim] for t in tensors]
        return xp_of(tensors[0]).concatenate([t._data for t in tensors], axis=dim)

    @staticmethod
    def backward(ctx, grad):
        return (None,) + tuple(grad.split(ctx.sizes, ctx.dim))


def cat(tensors, dim=0, *, out=None):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("torch.cat(): expected a non-empty list of Tensors")
    # NOTE: torch still accepts 1-D empty tensors of any dtype beside others.
    nonempty = [t for t in tensors if not (t.ndim == 1 and t.shape[0] == 0)] or tensors[:1]
    check_same_device(*nonempty)
    dtype = result_type(*nonempty)
    ref = nonempty[0]
    dim = wrap_dim(dim, ref.ndim)
    for i, t in enumerate(nonempty):
        if t.ndim != ref.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref.ndim} "
                               f"and {t.ndim}")
        for d in range(ref.ndim):
            if d != dim and t.shape[d] != ref.shape[d]:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {dim}. Expected size "
                    f"{ref.shape[d]} but got size {t.shape[d]} for tensor number {i} in the "
                    "list.")
    result = Cat.apply(dim, *[cast(t, dtype) for t in nonempty])
    if out is not None:
        from ._util import write_out
        return write_out(out, result)
    return result


concat = concatenate = cat


def stack(tensors, dim=0, *, out=None):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shape = tensors[0].shape
    for i, t in enumerate(tensors):
        if t.shape != shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(shape)} at entry 0 and {list(t.shape)} at entry {i}")
    dim = wrap_dim(dim, len(shape) + 1)
    return cat([unsqueeze(t, dim) for t in tensors], dim, out=out)


# ---------------------------------------------------------------- split / narrow

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
        from .. import ops
        pad_before = list(shape)
        pad_before[dim] = start
        pad_after = list(shape)
        pad_after[dim] = shape[dim] - start - length
        parts = []
        if start:
            parts.append(grad.new_zeros(pad_before))
        parts.append(grad)
        if pad_after[dim]:
            parts.append(grad.new_zeros(pad_after))
        return ops.shape.cat(parts, dim) if len(parts) > 1 else grad


def narrow(input, dim, start, length):
    dim = wrap_dim(dim, input.ndim)
    size = input.shape[dim]
    start = int(start)
    if start < 0:
        start += size
    if not (0 <= start <= size) or length < 0 or start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size "
                           f"({size}).")
    out = Narrow.apply(input, dim, start, length)
    return _view_result(out, input, lambda t: t.narrow(dim, start, length))


def split(tensor, split_size_or_sections, dim=0):
    dim = wrap_dim(dim, tensor.ndim)
    size = tensor.shape[dim]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step <= 0 and size:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                               f"dimension size of {size}")
        sizes = [builtins.min(step, size - s) for s in range(0, size, step)] if size else [0]
    else:
        sizes = list(split_size_or_sections)
        if builtins.sum(sizes) != size:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {size} "
                               f"(input tensor's size at dimension {dim}), but got "
                               f"split_sizes={sizes}")
    out, start = [], 0
    for length in sizes:
        out.append(narrow(tensor, dim, start, length))
        start += length
    return tuple(out)


def chunk(input, chunks, dim=0):
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
    size = input.shape[wrap_dim(dim, input.ndim)]
    step = -(-size // chunks) if size else 1
    return split(input, builtins.max(step, 1), dim) if size else (input,)


TENSOR_METHODS = dict(
    view=view, reshape=reshape, view_as=view_as, reshape_as=reshape_as, flatten=flatten,
    unflatten=unflatten, transpose=transpose, swapaxes=transpose, swapdims=transpose,
    permute=permute, t=t, expand=expand, expand_as=expand_as, broadcast_to=broadcast_to,
    squeeze=squeeze, unsqueeze=unsqueeze, narrow=narrow, split=split, chunk=chunk,
    T=property(lambda self: permute(self, tuple(reversed(range(self.ndim))))),
    mT=property(lambda self: transpose(self, -2, -1)),
)

__all__ = ["reshape", "flatten", "unflatten", "transpose", "swapaxes", "swapdims", "permute",
           "t", "broadcast_to", "squeeze", "unsqueeze", "cat", "concat", "concatenate",
           "stack", "narrow", "split", "chunk"]
swapaxes = swapdims = transpose
