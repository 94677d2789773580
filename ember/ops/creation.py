"""Tensor creation: tensor, as_tensor, from_numpy, zeros/ones/empty/full, arange, ..."""
import builtins
import math
import sys

from .. import _dtype as dtypes
from .._device import CPU, as_device, canonical
from .._tensor import Tensor
from ..backend import backend_for, cpu_backend

np = cpu_backend.xp  # host-side parsing of Python data only; device arrays use backend xp


def _device_of(device):
    device = as_device(device)
    return CPU if device is None or device.type == "cpu" else canonical(device)


def _place(array, device):
    """Move a NumPy array to the device's backend."""
    if device is CPU or device.type == "cpu":
        return array
    be = backend_for(device)
    with be.xp.cuda.Device(device.index):
        return be.from_numpy(array)


def _finish(t, requires_grad):
    if requires_grad:
        t.requires_grad_(True)
    return t


def parse_size(size):
    """zeros(2, 3), zeros((2, 3)) and zeros([2, 3]) all mean shape (2, 3)."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    shape = tuple(int(s) for s in size)
    for s in shape:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: "
                               f"{list(shape)}")
    return shape


def _infer_dtype(array):
    """dtype torch infers for Python data that NumPy parsed as ``array``."""
    kind = array.dtype.kind
    if kind == "b":
        return dtypes.bool
    if kind in "iu":
        return dtypes.int64
    if kind == "f":
        return dtypes.get_default_dtype()
    if kind == "c":
        return dtypes.default_complex_dtype()
    raise TypeError(f"Could not infer dtype of {array.dtype}")


def _to_numpy_data(data):
    if isinstance(data, Tensor):
        return data.detach().cpu()._data, data._dtype
    if isinstance(data, np.ndarray):
        return data, dtypes.from_numpy_dtype(data.dtype)
    if isinstance(data, np.generic):
        return np.asarray(data), dtypes.from_numpy_dtype(data.dtype)
    if isinstance(data, (list, tuple)) and _contains_tensor(data):
        data = _tensors_to_lists(data)
        array = np.array(data)
        return array, dtypes.from_numpy_dtype(array.dtype)
    try:
        array = np.array(data)
    except ValueError as exc:
        raise ValueError(f"expected sequence of equal lengths: {exc}") from None
    if array.dtype == object:
        raise TypeError(f"Could not infer dtype of {type(data).__name__}")
    return array, _infer_dtype(array)


def _contains_tensor(data):
    for item in data:
        if isinstance(item, Tensor):
            return True
        if isinstance(item, (list, tuple)) and _contains_tensor(item):
            return True
    return False


def _tensors_to_lists(data):
    out = []
    for item in data:
        if isinstance(item, Tensor):
            out.append(item.detach().cpu()._data)
        elif isinstance(item, (list, tuple)):
            out.append(_tensors_to_lists(item))
        else:
            out.append(item)
    return out


def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """Copy data (nested lists, scalars, arrays, tensors) into a new tensor."""
    array, inferred = _to_numpy_data(data)
    dtype = dtype or inferred
    array = np.array(array, dtype=dtype.numpy, copy=True)
    return _finish(Tensor._make(_place(array, _device_of(device)), _device_of(device)),
                   requires_grad)


def as_tensor(data, dtype=None, device=None):
    """Like tensor, but shares memory with a tensor or NumPy array when it can."""
    if isinstance(data, Tensor):
        from .conversion import to
        return to(data, device=device, dtype=dtype)
    if isinstance(data, np.ndarray) and (dtype is None or dtype.numpy == data.dtype):
        t = from_numpy(data)
        return t if device is None else t.to(device)
    return tensor(data, dtype=dtype, device=device)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    if copy:
        return tensor(obj, dtype=dtype, device=device, requires_grad=requires_grad)
    return _finish(as_tensor(obj, dtype=dtype, device=device), requires_grad)


def from_numpy(array):
    """A tensor sharing memory with a NumPy array."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    dtypes.from_numpy_dtype(array.dtype)
    if any(s < 0 for s in array.strides):
        raise ValueError("At least one stride in the given numpy array is negative, and "
                         "tensors with negative strides are not currently supported. (You "
                         "can probably work around this by making a copy of your array  "
                         "with array.copy().) ")
    return Tensor._make(array, CPU)


def scalar_tensor(value, dtype=None, device=None, requires_grad=False):
    return full((), value, dtype=dtype or dtypes.get_default_dtype(), device=device,
                requires_grad=requires_grad)


def _filled(shape, fill, dtype, device, requires_grad):
    device = _device_of(device)
    dtype = dtype or dtypes.get_default_dtype()
    xp = backend_for(device).xp
    if device is CPU:
        array = xp.full(shape, fill, dtype=dtype.numpy) if fill is not None else \
            xp.empty(shape, dtype=dtype.numpy)
    else:
        with xp.cuda.Device(device.index):
            array = xp.full(shape, fill, dtype=dtype.numpy) if fill is not None else \
                xp.empty(shape, dtype=dtype.numpy)
    return _finish(Tensor._make(array, device), requires_grad)


def _create_out(result, out):
    if out is None:
        return result
    from ._util import write_out
    return write_out(out, result)


def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False):
    return _create_out(_filled(parse_size(size), 0, dtype, device, requires_grad), out)


def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         pin_memory=False):
    return _create_out(_filled(parse_size(size), 1, dtype, device, requires_grad), out)


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, memory_format=None):
    # NOTE: ember's empty is zero-filled: uninitialised memory is never worth a NaN hunt.
    return _create_out(_filled(parse_size(size), 0, dtype, device, requires_grad), out)


def _fill_dtype(fill_value):
    if isinstance(fill_value, Tensor):
        return fill_value._dtype
    return dtypes.scalar_dtype(fill_value)


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None,
         requires_grad=False, pin_memory=False):
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    dtype = dtype or _fill_dtype(fill_value)
    return _create_out(_filled(parse_size((size,) if isinstance(size, int) else (size,)),
                               fill_value, dtype, device, requires_grad), out)


def _like(input, dtype, device):
    return dtype or input._dtype, input._device if device is None else device


def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    dtype, device = _like(input, dtype, device)
    return _filled(tuple(input.shape), 0, dtype, device, requires_grad)


def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    if dtype is None and device is None and not requires_grad:
        # The common case (backward's implicit seed) without the general path's checks.
        xp = backend_for(input._device).xp
        return Tensor._make(xp.ones(input._data.shape, input._data.dtype), input._device)
    dtype, device = _like(input, dtype, device)
    return _filled(tuple(input.shape), 1, dtype, device, requires_grad)


def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    dtype, device = _like(input, dtype, device)
    return _filled(tuple(input.shape), 0, dtype, device, requires_grad)


def full_like(input, fill_value, *, dtype=None, layout=None, device=None,
              requires_grad=False, memory_format=None):
    dtype, device = _like(input, dtype, device)
    return _filled(tuple(input.shape), fill_value, dtype, device, requires_grad)


def empty_strided(size, stride, *, dtype=None, layout=None, device=None,
                  requires_grad=False, pin_memory=False):
    base = _filled(tuple(size), 0, dtype, device, requires_grad)
    return base.as_strided(size, stride) if tuple(size) else base


def _number(value):
    return value.item() if isinstance(value, Tensor) else value


def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False):
    start, end, step = _number(start), _number(end), _number(step)
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) / step < 0:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    if dtype is None:
        is_float = any(isinstance(v, float) for v in (start, end, step))
        dtype = dtypes.get_default_dtype() if is_float else dtypes.int64
    length = builtins.max(0, math.ceil((end - start) / step))
    # NOTE: values are start + i * step computed in double, as torch does.
    array = (start + np.arange(length, dtype=np.float64) * step) \
        if dtype.is_floating_point or isinstance(step, float) or isinstance(start, float) \
        else start + np.arange(length, dtype=np.int64) * step
    array = array.astype(dtype.numpy)
    device = _device_of(device)
    return _create_out(_finish(Tensor._make(_place(array, device), device), requires_grad),
                       out)


def range(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
          requires_grad=False):
    """Deprecated torch.range: like arange but includes end."""
    start, end, step = _number(start), _number(end), _number(step)
    dtype = dtype or dtypes.get_default_dtype()
    count = int(math.floor((end - start) / step)) + 1
    array = (start + np.arange(count, dtype=np.float64) * step).astype(dtype.numpy)
    device = _device_of(device)
    return _create_out(_finish(Tensor._make(_place(array, device), device), requires_grad),
                       out)


def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    start, end = _number(start), _number(end)
    dtype = dtype or dtypes.get_default_dtype()
    steps = int(steps)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    # NOTE: torch fills the first half from start and the second half from end.
    idx = np.arange(steps, dtype=np.float64)
    step = (end - start) / (steps - 1) if steps > 1 else 0.0
    half = steps // 2
    array = np.where(idx < half, start + step * idx, end - step * (steps - 1 - idx))
    if dtype.category == dtypes.INTEGRAL:
        array = np.trunc(array)
    array = array.astype(dtype.numpy)
    device = _device_of(device)
    return _create_out(_finish(Tensor._make(_place(array, device), device), requires_grad),
                       out)


def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None,
             device=None, requires_grad=False):
    exponents = linspace(start, end, steps, dtype=dtypes.float64)
    dtype = dtype or dtypes.get_default_dtype()
    array = np.power(base, exponents._data).astype(dtype.numpy)
    device = _device_of(device)
    return _create_out(_finish(Tensor._make(_place(array, device), device), requires_grad),
                       out)


def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    if n < 0 or (m is not None and m < 0):
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    dtype = dtype or dtypes.get_default_dtype()
    array = np.eye(n, n if m is None else m, dtype=dtype.numpy)
    device = _device_of(device)
    return _create_out(_finish(Tensor._make(_place(array, device), device), requires_grad),
                       out)


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    rows, cols = np.tril_indices(row, offset, col)
    array = np.stack([rows, cols]).astype((dtype or dtypes.int64).numpy)
    device = _device_of(device)
    return Tensor._make(_place(array, device), device)


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    rows, cols = np.triu_indices(row, offset, col)
    array = np.stack([rows, cols]).astype((dtype or dtypes.int64).numpy)
    device = _device_of(device)
    return Tensor._make(_place(array, device), device)


def detach_for_grad(grad):
    """A tensor for .grad that owns its memory: the array is reused only when no other
    tensor can see it (torch steals the buffer in the same case), else copied."""
    data = grad._data
    # References to the array: grad._data, this frame's `data`, getrefcount's argument;
    # to the tensor: the caller's list and local, this frame's argument, getrefcount's.
    # More means someone else (the caller of backward, a hook) can still see it.
    if sys.getrefcount(data) > 3 or sys.getrefcount(grad) > 4 or data.base is not None \
            or not data.flags.c_contiguous:
        data = data.copy()
    return Tensor._make(data, grad._device)


from ..autograd import graph as _graph  # noqa: E402

_graph.detach_for_grad = detach_for_grad
_graph.ones_like = ones_like

TENSOR_METHODS = {}


def _new_factory(fn, takes_size=True):
    def method(self, *args, dtype=None, device=None, requires_grad=False, **kwargs):
        dtype = dtype or self._dtype
        device = self._device if device is None else device
        return fn(*args, dtype=dtype, device=device, requires_grad=requires_grad, **kwargs)
    method.__name__ = "new_" + fn.__name__
    return method


def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    return tensor(data, dtype=dtype or self._dtype,
                  device=self._device if device is None else device,
                  requires_grad=requires_grad)


TENSOR_METHODS.update(
    new_zeros=_new_factory(zeros), new_ones=_new_factory(ones),
    new_empty=_new_factory(empty), new_full=_new_factory(full), new_tensor=new_tensor,
)

__all__ = ["tensor", "as_tensor", "asarray", "from_numpy", "scalar_tensor", "zeros", "ones",
           "empty", "full", "zeros_like", "ones_like", "empty_like", "full_like",
           "empty_strided", "arange", "range", "linspace", "logspace", "eye",
           "tril_indices", "triu_indices"]
