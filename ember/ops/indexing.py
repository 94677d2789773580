"""Indexing: tensor[key] and tensor[key] = value, with torch's semantics.

A key is applied in two stages, as torch does. The basic stage (ints, slices, None,
Ellipsis) gives a view of the input; the advanced stage (integer tensors and lists,
bool masks) indexes that view with NumPy's advanced indexing, which copies. Splitting
them matters: torch selects with an int *before* advanced indexing, so ``x[0, :, [0, 1]]``
has shape (3, 2) for x of shape (2, 3, 4), where NumPy's single-stage rule gives (2, 3).
Where the advanced dims go within the second stage is the same in both libraries.
"""
import builtins
import warnings

from .. import _dtype as dtypes
from .._tensor import Tensor
from ..autograd.graph import Primitive
from ..autograd.grad_mode import state as grad_state
from ..backend import array_module_of, backend_for, cpu_backend
from ._util import (apply_inplace, broadcast_shapes, cast, check_inplace_allowed, sum_to,
                    type_name, xp_of)
from ..amp.autocast_mode import autocast_call, state as amp_state

host = cpu_backend.xp  # parsing Python lists of indices happens on the host
_FULL = builtins.slice(None)
_INDEX_DTYPE_ERROR = "tensors used as indices must be long, int, byte or bool tensors"


# ---------------------------------------------------------------- parsing keys

def _key_items(key):
    """The key as a tuple of items, with torch's rule for lists that act as tuples."""
    if type(key) is tuple:
        return key
    if type(key) is list and _list_is_tuple(key):
        warnings.warn(
            "Using a non-tuple sequence for multidimensional indexing is deprecated and will "
            "be changed in pytorch 2.9; use x[tuple(seq)] instead of x[seq]. In pytorch 2.9 "
            "this will be interpreted as tensor index, x[torch.tensor(seq)], which will "
            "result either in an error or a different result", UserWarning, stacklevel=5)
        return tuple(key)
    return (key,)


def _list_is_tuple(items):
    # NOTE: torch (like NumPy once did) reads a short list holding a tensor, a sequence,
    # a slice, None or Ellipsis as a tuple of indices: x[[[0, 1], [1, 2]]] is x[[0, 1], [1, 2]].
    if len(items) >= 32:
        return False
    return builtins.any(isinstance(i, (Tensor, list, tuple, builtins.slice)) or i is None or
                        i is Ellipsis for i in items)


def _item_array(x, item):
    """An index tensor/list/ndarray as an array on x's device (None when not one)."""
    if isinstance(item, Tensor):
        dtype = item._dtype
        if not (dtype.category == dtypes.INTEGRAL and dtype in (dtypes.int64, dtypes.int32,
                                                                 dtypes.uint8) or
                dtype is dtypes.bool):
            raise IndexError(_INDEX_DTYPE_ERROR)
        if dtype is dtypes.uint8:
            warnings.warn("indexing with dtype torch.uint8 is now deprecated, please use a "
                          "dtype torch.bool instead.", UserWarning, stacklevel=6)
        data = item._data
        if item._device is not x._device and item._device != x._device:
            data = _to_device(backend_for(item._device).to_numpy(data), x)
        return data.astype(bool) if dtype is dtypes.uint8 else data
    if isinstance(item, (list, tuple)):
        array = host.array(_plain_list(item))
        if array.dtype.kind != "b":
            # NOTE: torch reads any non-bool list as int64 indices, even floats.
            array = array.astype(host.int64)
        return _to_device(array, x)
    if isinstance(item, host.ndarray):
        if item.dtype.kind not in "biu":
            raise IndexError(_INDEX_DTYPE_ERROR)
        return _to_device(item if item.dtype.kind == "b" else item.astype(host.int64), x)
    return None


def _plain_list(items):
    return [i.tolist() if isinstance(i, Tensor) else
            (_plain_list(i) if isinstance(i, (list, tuple)) else i) for i in items]


def _to_device(array, x):
    return array if x._device.type == "cpu" else backend_for(x._device).from_numpy(array)


def _as_int(item):
    """A Python int for an int-like item (int, NumPy integer, 0-d integer tensor)."""
    if isinstance(item, str):
        raise TypeError("new(): invalid data type 'str'")  # torch tries tensor(item)
    if isinstance(item, Tensor):
        if item._data.ndim == 0 and item._dtype.category == dtypes.INTEGRAL:
            return builtins.int(item.item())
        return None
    try:
        return item.__index__()
    except (AttributeError, TypeError):
        raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or "
                         "byte Variables are valid indices (got "
                         f"{type(item).__name__})") from None


def _classify(x, item):
    """('none'|'ellipsis'|'slice'|'bool'|'int'|'array', value) for one key item."""
    if item is None:
        return "none", None
    if item is Ellipsis:
        return "ellipsis", None
    if isinstance(item, builtins.slice):
        return "slice", _checked_slice(item)
    if isinstance(item, (builtins.bool, host.bool_)):
        return "bool", builtins.bool(item)
    if isinstance(item, Tensor) and item._data.ndim == 0 and item._dtype is dtypes.bool:
        return "bool", builtins.bool(item.item())
    if isinstance(item, Tensor) and item._data.ndim == 0 and \
            item._dtype.category == dtypes.INTEGRAL and item._dtype is not dtypes.uint8:
        return "int", _as_int(item)
    array = _item_array(x, item)
    if array is None:
        return "int", _as_int(item)
    if array.ndim == 0 and array.dtype.kind == "b":
        return "bool", builtins.bool(array)
    return "array", array


def _checked_slice(item):
    step = None if item.step is None else item.step.__index__()
    if step is not None and step <= 0:
        raise ValueError("slice step cannot be zero" if step == 0 else
                         "step must be greater than zero")
    return builtins.slice(None if item.start is None else item.start.__index__(),
                          None if item.stop is None else item.stop.__index__(), step)


def _dims_used(kind, value):
    if kind in ("slice", "int"):
        return 1
    if kind == "array":
        return value.ndim if value.dtype.kind == "b" else 1
    return 0


def parse_key(x, key):
    """Split a key into (basic, advanced) NumPy keys.

    basic: None (nothing to do), or a tuple of ints/slices/None ending in Ellipsis (so it
    always gives an array view); advanced: None, or a tuple of slice(None) and integer
    arrays applied to the basic view (bool masks become their nonzero() index arrays, as
    in torch).
    """
    shape = x._data.shape
    if type(key) is Tensor and key._data.ndim and shape and \
            (key._dtype is dtypes.int64 or key._dtype is dtypes.int32) and \
            key._device is x._device:
        return None, (key._data,)  # x[index]: the common advanced case
    fast = _simple_key(shape, key)
    if fast is not None:
        return fast, None
    items = [_classify(x, item) for item in _key_items(key)]
    basic, advanced = _split_items(x, shape, items)
    if advanced is None:
        return basic, None
    if builtins.all(b is _FULL or b is Ellipsis for b in basic):
        basic = None
    return basic, _checked_advanced(x, advanced)


def _split_items(x, shape, items):
    """(basic key, advanced key or None) from classified key items."""
    ndim = len(shape)
    used = builtins.sum(_dims_used(kind, value) for kind, value in items)
    if ndim == 0 and builtins.any(kind == "int" for kind, _ in items):
        raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                         "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
    if used > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    basic, advanced = [], []
    dim = out_dim = 0  # the next dim of x, and of the basic view
    has_array = seen_ellipsis = False
    for kind, value in items:
        if kind == "int":
            if not -shape[dim] <= value < shape[dim]:
                raise IndexError(f"index {value} is out of bounds for dimension {out_dim} "
                                 f"with size {shape[dim]}")
            basic.append(value)
            dim += 1
            continue
        if kind in ("none", "bool"):
            basic.append(None)
            # NOTE: a bool (or 0-d bool tensor) adds a dim of size 1 indexed by [0] or [].
            advanced.append(_FULL if kind == "none" else
                            xp_of(x).zeros(1 if value else 0, dtype=host.int64))
            has_array = has_array or kind == "bool"
            out_dim += 1
            continue
        count = _dims_used(kind, value)
        if kind == "ellipsis":
            count = 0 if seen_ellipsis else ndim - used
            seen_ellipsis = True
        basic.extend([value] if kind == "slice" else [_FULL] * count)
        if kind == "array" and value.dtype.kind == "b":
            _check_mask(value, shape, dim)
            advanced.extend(value.nonzero())
        else:
            advanced.extend([value] if kind == "array" else [_FULL] * count)
        has_array = has_array or kind == "array"
        dim += count
        out_dim += count
    basic.append(Ellipsis)
    return tuple(basic), (advanced if has_array else None)


def _is_slice(item):
    """Advanced keys hold slice(None) for the dims they do not index."""
    return type(item) is builtins.slice


def _simple_key(shape, key):
    """The basic key for the common case of in-range ints and plain slices (else None)."""
    items = key if type(key) is tuple else (key,)
    if len(items) > len(shape):
        return None
    for dim, item in enumerate(items):
        kind = type(item)
        if kind is builtins.int:
            if not -shape[dim] <= item < shape[dim]:
                return None
        elif kind is not builtins.slice or not (
                (item.step is None or type(item.step) is builtins.int and item.step > 0) and
                (item.start is None or type(item.start) is builtins.int) and
                (item.stop is None or type(item.stop) is builtins.int)):
            return None
    return items + (Ellipsis,)


def _check_mask(mask, shape, dim):
    for j, size in enumerate(mask.shape):
        if dim + j >= len(shape) or size != shape[dim + j]:
            raise IndexError(f"The shape of the mask {list(mask.shape)} at index {j} does not "
                             f"match the shape of the indexed tensor {list(shape)} at index "
                             f"{dim + j}")


def _checked_advanced(x, advanced):
    arrays = [a for a in advanced if not _is_slice(a)]
    try:
        if len(arrays) > 1:
            broadcast_shapes(*(a.shape for a in arrays))
    except RuntimeError:
        shapes = ", ".join(str(list(a.shape)) for a in arrays)
        raise IndexError("shape mismatch: indexing tensors could not be broadcast together "
                         f"with shapes {shapes}") from None
    while advanced and _is_slice(advanced[-1]):
        advanced.pop()
    return tuple(advanced)


def check_bounds(shape, key):
    """torch's IndexError for out-of-range index arrays, if torch would raise one."""
    arrays = [(dim, k) for dim, k in enumerate(key) if not _is_slice(k)]
    # NOTE: torch's checks, in order: nothing indexed (an empty index); a dim of size 0
    # indexed; then bounds, only when some element is read.
    if builtins.any(k.size == 0 for _, k in arrays):
        return
    if 0 in shape:
        if builtins.any(shape[dim] == 0 for dim, _ in arrays):
            raise IndexError("index is out of bounds for dimension with size 0")
        return
    for ordinal, (dim, index) in enumerate(arrays):
        size = shape[dim]
        if index.min() < -size or index.max() >= size:
            bad = (index < -size) | (index >= size)
            raise IndexError(f"index {index[bad].flat[0]} is out of bounds for dimension "
                             f"{ordinal} with size {size}")


def index_shape(shape, key):
    """The shape of array[key] for an advanced key, without indexing."""
    positions = [i for i, k in enumerate(key) if not _is_slice(k)]
    middle = broadcast_shapes(*(key[i].shape for i in positions))
    rest = list(shape[len(key):])
    kept = [shape[i] for i, k in enumerate(key) if _is_slice(k)]
    adjacent = positions == list(builtins.range(positions[0], positions[-1] + 1))
    if adjacent:
        before = [shape[i] for i in builtins.range(positions[0])]
        after = [shape[i] for i in builtins.range(positions[-1] + 1, len(key))]
        return tuple(before) + tuple(middle) + tuple(after) + tuple(rest)
    return tuple(middle) + tuple(kept) + tuple(rest)


# ---------------------------------------------------------------- getitem

class BasicIndex(Primitive):
    """Basic indexing (ints, slices, None): a view."""

    @staticmethod
    def forward(ctx, x, key):
        ctx.key, ctx.shape = key, x.shape
        out = x._data[key]
        if None in key:
            out = _unsqueeze_strides(xp_of(x), x._data, key, out)
        return out

    def name(self):
        return "SelectBackward0" if builtins.any(type(k) is builtins.int for k in self.key) \
            else "SliceBackward0"

    @staticmethod
    def backward(ctx, grad):
        return IndexBackwardScatter.apply(grad, ctx.shape, ctx.key, False)

    @staticmethod
    def array_backward(ctx, grad):
        out = array_module_of(grad).xp.zeros(ctx.shape, dtype=grad.dtype)
        out[ctx.key] = grad
        return out


class Index(Primitive):
    """Advanced indexing (copies); its backward scatter-adds into zeros."""

    @staticmethod
    def forward(ctx, x, key):
        ctx.key, ctx.shape = key, x.shape
        return read_at(xp_of(x), x._data, key)

    @staticmethod
    def backward(ctx, grad):
        return IndexBackwardScatter.apply(grad, ctx.shape, ctx.key, True)

    @staticmethod
    def array_backward(ctx, grad):
        backend = array_module_of(grad)
        out = backend.xp.zeros(ctx.shape, dtype=grad.dtype)
        # grad has the shape of x[key]: no broadcast, and forward checked the bounds.
        if not _maybe_empty(ctx.shape, ctx.key):
            backend.scatter_add(out, ctx.key, grad)
        return out


def read_at(xp, data, key):
    """data[key] for an advanced key, with torch's checks of out-of-range indices."""
    # NOTE: NumPy checks every index; torch only those it reads, with its own messages.
    # Bounds are checked only when NumPy complains, off the hot path (CuPy wraps instead).
    if _maybe_empty(data.shape, key):
        check_bounds(data.shape, key)  # cheap: an empty result reads nothing
        return xp.empty(index_shape(data.shape, key), dtype=data.dtype)
    try:
        return data[key]
    except IndexError:
        check_bounds(data.shape, key)
        raise


def write_at(device, target, key, values, accumulate):
    """target[key] = values (or += with repeats summed) for an advanced key."""
    if _maybe_empty(target.shape, key):
        check_bounds(target.shape, key)
        return
    try:
        if accumulate:
            values = backend_for(device).xp.broadcast_to(values, index_shape(target.shape, key))
            backend_for(device).scatter_add(target, key, values)
        else:
            target[key] = values
    except IndexError:
        check_bounds(target.shape, key)
        raise


def _maybe_empty(shape, key):
    """Whether array[key] is empty (it is when a dim or an index array is)."""
    return 0 in shape or builtins.any(not _is_slice(k) and k.size == 0 for k in key)


class IndexBackwardScatter(Primitive):
    """zeros(shape) with grad added at key: the backward of indexing (and its own
    backward is indexing again, so double backward works)."""
    grad_fn_name = "IndexPutBackward0"

    @staticmethod
    def forward(ctx, grad, shape, key, accumulate):
        ctx.key, ctx.basic = key, not accumulate
        out = xp_of(grad).zeros(shape, dtype=grad._data.dtype)
        if accumulate:
            write_at(grad._device, out, key, grad._data, True)
        else:
            out[key] = grad._data
        return out

    @staticmethod
    def backward(ctx, grad):
        return (BasicIndex if ctx.basic else Index).apply(grad, ctx.key)


def _unsqueeze_strides(xp, data, key, out):
    # NOTE: NumPy gives a None dim stride 0; torch's unsqueeze gives it the extent of the
    # next input dim (size * stride), or 1 at the end. Size-1 strides show in stride().
    # Keys here end in their only Ellipsis (see parse_key).
    strides = []
    dim = 0
    for item in key:
        if item is None:
            strides.append(data.shape[dim] * data.strides[dim] if dim < data.ndim
                           else data.itemsize)
        elif item is Ellipsis:
            strides.extend(out.strides[len(strides):])
        else:
            if type(item) is not builtins.int:
                strides.append(out.strides[len(strides)])
            dim += 1
    return xp.lib.stride_tricks.as_strided(out, out.shape, tuple(strides))


def basic_view(x, key):
    """x[key] for a basic NumPy key, marked as a view of x."""
    out = BasicIndex.apply(x, key)
    return out._set_view_of(x, lambda t: BasicIndex.apply(t, key))


def getitem(self, key):
    basic, advanced = parse_key(self, key)
    out = self if basic is None else basic_view(self, basic)
    return out if advanced is None else Index.apply(out, advanced)


# ---------------------------------------------------------------- setitem and index_put

_CPP_NAMES = {"uint8": "uint8_t", "int8": "int8_t", "int16": "int16_t", "int32": "int",
              "int64": "int64_t", "float16": "double", "bfloat16": "double",
              "float32": "float", "float64": "double", "bool": "bool"}


def scalar_fits(value, dtype):
    """torch's overflow check for a Python scalar written into a tensor of ``dtype``."""
    if isinstance(value, builtins.int) and not -2 ** 63 <= value < 2 ** 64:
        raise ValueError("Overflow when unpacking long long")
    if dtype.is_complex or dtype is dtypes.bool or isinstance(value, builtins.bool):
        return value
    fits = True
    if isinstance(value, builtins.complex):
        fits = value.imag == 0
        value = value.real
    if dtype.category == dtypes.INTEGRAL:
        info = dtypes.iinfo(dtype)
        if isinstance(value, builtins.float):
            fits = fits and info.min <= value <= info.max
        else:
            low = -info.max if info.min == 0 else info.min  # NOTE: torch wraps -1 into uint8
            fits = fits and low <= value <= info.max
    elif dtype is dtypes.float32 and isinstance(value, builtins.float):
        fits = fits and not (abs(value) > 3.4028234663852886e38 and abs(value) != float("inf"))
    if not fits:
        raise RuntimeError(f"value cannot be converted to type {_CPP_NAMES[dtype.name]} "
                           "without overflow")
    return value


def _value_tensor(self, value):
    """The value of x[key] = value as a tensor of x's dtype on x's device."""
    if isinstance(value, Tensor):
        if value._device != self._device and value._data.ndim > 0:
            raise RuntimeError(f"expected device {self._device} but got device "
                               f"{value._device}")
        if value._device != self._device:
            from .conversion import to
            value = to(value, device=self._device)
        return cast(value, self._dtype)
    _check_scalar_type(self, value)
    if isinstance(value, host.generic):
        value = value.item()
    from .creation import tensor
    return tensor(scalar_fits(value, self._dtype), dtype=self._dtype, device=self._device)


def _check_scalar_type(self, value):
    if not isinstance(value, (builtins.int, builtins.float, builtins.complex, builtins.bool,
                              host.generic)):
        raise TypeError(f"can't assign a {_qualified(value)} to a {self.type()}")


def _qualified(value):
    kind = type(value)
    return kind.__name__ if kind.__module__ == "builtins" else \
        f"{kind.__module__.split('.')[0]}.{kind.__name__}"


def _strip_leading_ones(value):
    # NOTE: torch drops all leading size-1 dims of the value before broadcasting it.
    shape = value.shape
    lead = 0
    while lead < len(shape) and shape[lead] == 1:
        lead += 1
    return value if lead == 0 else value.reshape(shape[lead:])


def _check_value_shape(value, target_shape):
    shape = tuple(getattr(value, "shape", ()))
    if broadcast_shapes_or_none(shape, target_shape) != tuple(target_shape):
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(shape)} cannot be "
                           f"broadcast to indexing result of shape {list(target_shape)}")


def broadcast_shapes_or_none(*shapes):
    try:
        return broadcast_shapes(*shapes)
    except RuntimeError:
        return None


def setitem(self, key, value):
    basic, advanced = parse_key(self, key)
    if grad_state.enabled and (self._requires_grad or
                               isinstance(value, Tensor) and value._requires_grad):
        _setitem_recorded(self, basic, advanced, _strip_leading_ones(_value_tensor(self,
                                                                                   value)))
        return
    data = _value_data(self, value)
    view = self._data if basic is None else self._data[basic]
    if not getattr(view.flags, "writeable", True):
        view = _writable(self, view)
    if advanced is None:
        _copy_broadcast(self, view, data)
    else:
        _check_value_shape(data, index_shape(view.shape, advanced))
        write_at(self._device, view, advanced, data, False)
    self._vc[0] += 1


_OVERLAP_ERROR = ("unsupported operation: more than one element of the written-to tensor "
                  "refers to a single memory location. Please clone() the tensor before "
                  "performing the operation.")


def _writable(self, view):
    """A writable alias of a read-only view of an expanded tensor (NumPy marks broadcast
    arrays read-only); torch refuses only writes where elements share memory."""
    if builtins.any(stride == 0 and size > 1 for size, stride in zip(view.shape, view.strides)):
        raise RuntimeError(_OVERLAP_ERROR)
    root = (self._base if self._base is not None else self)._data
    backend = backend_for(self._device)
    offset = (backend.data_ptr(view) - backend.data_ptr(root)) // view.itemsize
    from .strided import _strided_array
    return _strided_array(backend.xp, root, view.shape,
                          [s // view.itemsize for s in view.strides], offset)


def _value_data(self, value):
    """The value of x[key] = value as an array (or NumPy scalar) for x's memory."""
    if not isinstance(value, Tensor):
        _check_scalar_type(self, value)
        value = value.item() if isinstance(value, host.generic) else value
        return host.asarray(scalar_fits(value, self._dtype)).astype(self._dtype.numpy)[()]
    if value._device != self._device:
        value = _value_tensor(self, value)
    data = value._data
    shape = data.shape
    lead = 0
    while lead < len(shape) and shape[lead] == 1:
        lead += 1
    return data.reshape(shape[lead:]) if lead else data


def _copy_broadcast(self, view, data):
    shape = getattr(data, "shape", ())
    if broadcast_shapes_or_none(shape, view.shape) != view.shape:
        from .shape import expand
        expand(Tensor._make(xp_of(self).asarray(data), self._device), view.shape)
    if shape:
        xp_of(self).copyto(view, data, casting="unsafe")
    else:
        view[...] = data


def _setitem_recorded(self, basic, advanced, value):
    if basic is not None and self._requires_grad and self.grad_fn is None:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                           "in-place operation.")
    check_inplace_allowed(self)
    target = self if basic is None else basic_view(self, basic)
    if advanced is None:
        from .conversion import copy_
        from .shape import expand
        expand(value, target.shape)  # torch's error for a value that does not fit
        copy_(target, value)
        return
    _check_value_shape(value, index_shape(target.shape, advanced))
    apply_inplace(target, _index_put_key, value, advanced, False)


def _index_put_key(input, value, key, accumulate):
    return IndexPut.apply(input, value, key, accumulate)


class IndexPut(Primitive):
    """out = x with out[key] = value (value broadcast to the indexed shape)."""

    @staticmethod
    def forward(ctx, x, value, key, accumulate):
        ctx.key, ctx.accumulate = key, accumulate
        ctx.value_shape = value.shape
        out = x._data.copy()
        write_at(x._device, out, key, value._data, accumulate)
        return out

    @staticmethod
    def backward(ctx, grad):
        g_x = g_value = None
        if ctx.needs_input_grad[0]:
            g_x = grad if ctx.accumulate else \
                IndexPut.apply(grad, grad.new_zeros(()), ctx.key, False)
        if ctx.needs_input_grad[1]:
            g_value = reduce_to(Index.apply(grad, ctx.key), ctx.value_shape)
        return g_x, g_value


def reduce_to(grad, shape):
    """sum_to that also accepts a target with extra leading size-1 dims."""
    extra = len(shape) - grad.ndim
    if extra <= 0:
        return sum_to(grad, shape)
    return sum_to(grad, shape[extra:]).reshape(shape)


def advanced_key(x, indices, op="index_put"):
    """A tuple of index tensors (bool masks allowed) as an advanced NumPy key."""
    key, dim = [], 0
    for i, index in enumerate(indices):
        if not isinstance(index, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 1, but got "
                            f"{type(index).__name__}")
        array = _item_array(x, index)
        if array.dtype.kind == "b":
            _check_mask(array, x.shape, dim)
            key.extend(array.nonzero() if array.ndim else
                       [xp_of(x).zeros(1 if array else 0, dtype=host.int64)])
            dim += array.ndim
        else:
            key.append(array)
            dim += 1
    if dim > x.ndim:
        raise IndexError(f"too many indices for tensor of dimension {x.ndim} (got {dim})")
    return _checked_advanced(x, key)


def _check_index_put(input, key, values):
    if values._dtype is not input._dtype:
        raise RuntimeError("Index put requires the source and destination dtypes match, got "
                           f"{type_name(input._dtype)} for the destination and "
                           f"{type_name(values._dtype)} for the source.")
    _check_value_shape(values, index_shape(input.shape, key))


def index_put(input, indices, values, accumulate=False):
    if amp_state.active:
        return autocast_call("index_put", index_put,
                             input, indices=indices, values=values, accumulate=accumulate)
    key = advanced_key(input, tuple(indices))
    _check_index_put(input, key, values)
    return IndexPut.apply(input, values, key, accumulate)


def index_put_(self, indices, values, accumulate=False):
    key = advanced_key(self, tuple(indices))
    _check_index_put(self, key, values)
    return apply_inplace(self, _index_put_key, values, key, accumulate)


# ---------------------------------------------------------------- writes through views

class CopySlices(Primitive):
    """The base of a view written in place: the viewed region now comes from value.

    The base's memory already holds the new values (the view shares it), so forward
    only returns it; backward routes the viewed region's gradient to value.
    """
    grad_fn_name = "torch::autograd::CopySlices"

    @staticmethod
    def forward(ctx, base, value, view_fn):
        ctx.view_fn = view_fn
        return base._data

    @staticmethod
    def backward(ctx, grad):
        mask = grad.new_ones(grad.shape)
        ctx.view_fn(mask)._data[...] = 0
        g_base = grad * mask if ctx.needs_input_grad[0] else None
        g_value = ctx.view_fn(grad) if ctx.needs_input_grad[1] else None
        return g_base, g_value


def copy_slices(base, view_fn, value):
    return CopySlices.apply(base, value, view_fn)


TENSOR_METHODS = dict(__getitem__=getitem, __setitem__=setitem, index_put=index_put,
                      index_put_=index_put_)

__all__ = ["index_put", "index_put_"]
