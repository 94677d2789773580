"""Helpers shared by the op modules: backend lookup, promotion, broadcasting, dims,
in-place updates and ``out=``.
"""
import builtins
import numbers

from .. import _dtype as dtypes
from .._device import CPU
from .._tensor import Tensor, _wrap_dim
from ..autograd.grad_mode import state as grad_state
from ..backend import array_module_of, backend_for, cpu_backend

wrap_dim = _wrap_dim


def xp_of(t):
    """The array module (numpy or cupy) of a tensor."""
    return cpu_backend.xp if t._device is CPU or t._device.type == "cpu" \
        else backend_for(t._device).xp


def backend_of(t):
    return backend_for(t._device)


def is_scalar(value):
    return isinstance(value, (builtins.bool, numbers.Number)) and not isinstance(value, Tensor)


def check_same_device(*tensors):
    first = None
    for t in tensors:
        if not isinstance(t, Tensor):
            continue
        # NOTE: 0-d CPU tensors may join tensors on any device, as in torch.
        if t._device.type == "cpu" and t._data.ndim == 0:
            continue
        if first is None:
            first = t._device
        elif t._device != first:
            raise RuntimeError("Expected all tensors to be on the same device, but found at "
                               f"least two devices, {first} and {t._device}!")


def result_type(*operands):
    """torch.result_type over tensors and Python scalars."""
    dim, zero, scalars = [], [], []
    for op in operands:
        if isinstance(op, Tensor):
            (dim if op._data.ndim else zero).append(op._dtype)
        else:
            scalars.append(dtypes.scalar_dtype(op))
    return dtypes.result_type_of(dim, zero, scalars)


def cast(t, dtype):
    """Differentiable dtype cast (a no-op when the dtype already matches)."""
    if t._dtype is dtype:
        return t
    from .conversion import to_dtype
    return to_dtype(t, dtype)


def scalar_for(value, dtype):
    """A Python scalar as it combines with an array of ``dtype`` (torch wraps it)."""
    if dtype.category == dtypes.INTEGRAL and isinstance(value, builtins.bool):
        return int(value)
    return value


def as_tensor_like(value, like, dtype=None):
    """A scalar or sequence as a tensor on like's device (no grad)."""
    if isinstance(value, Tensor):
        return value
    from .creation import tensor
    return tensor(value, dtype=dtype, device=like._device)


def binary_operands(a, b):
    """Promote two operands (tensor or scalar) of a binary op to their result dtype.

    Returns (a, b, dtype) where each tensor operand is cast to ``dtype`` and each
    scalar stays a Python scalar (NumPy keeps scalars weak, as torch does).
    """
    a_tensor = isinstance(a, Tensor)
    b_tensor = isinstance(b, Tensor)
    if a_tensor and b_tensor:
        da, db = a._dtype, b._dtype
        if da is db:
            if a._device is not b._device:
                check_same_device(a, b)
            return a, b, da
        check_same_device(a, b)
        out = result_type(a, b)
        return cast(a, out), cast(b, out), out
    if a_tensor:
        if _keeps_dtype(a._dtype, b):
            return a, b, a._dtype
        b = python_scalar(b)
        out = result_type(a, b)
        return cast(a, out), b, out
    if b_tensor:
        if _keeps_dtype(b._dtype, a):
            return a, b, b._dtype
        a = python_scalar(a)
        out = result_type(a, b)
        return a, cast(b, out), out
    raise TypeError("expected at least one tensor operand")


def python_scalar(value):
    """A NumPy scalar (np.float32(2), np.int64(1), a 0-d array) as the Python scalar torch
    treats it as; anything else unchanged. NumPy would otherwise promote by the scalar's
    own dtype (float16 tensor * np.float32 -> float32), where torch keeps float16."""
    if type(value) in _PY_SCALARS or isinstance(value, Tensor) or \
            getattr(value, "ndim", None) != 0 or not hasattr(value, "item"):
        return value
    return value.item()


_PY_SCALARS = (int, float, bool, complex)


def wrapped_int(value, dtype):
    """A Python int as it acts on an integer dtype: wrapped modulo 2**bits, as in torch
    (NumPy refuses out-of-range Python ints instead)."""
    if type(value) is not int or dtype.category != dtypes.INTEGRAL:
        return value
    bits = dtype.itemsize * 8
    low = -(1 << (bits - 1)) if dtype.is_signed else 0
    if low <= value < low + (1 << bits):
        return value
    value &= (1 << bits) - 1
    return value - (1 << bits) if dtype.is_signed and value >= 1 << (bits - 1) else value


def _keeps_dtype(dtype, scalar):
    # Fast check of the common case: a float tensor with a real scalar, or an int
    # tensor with an int scalar, keeps the tensor's dtype.
    kind = type(scalar)
    if dtype.category == dtypes.FLOATING:
        return kind is float or kind is int
    if dtype.category == dtypes.INTEGRAL:
        return kind is int
    return False


def sum_to(grad, shape):
    """Sum a broadcast gradient back to ``shape`` (the reverse of broadcasting)."""
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    dims = list(range(lead))
    for i, size in enumerate(shape):
        if size == 1 and grad.shape[lead + i] != 1:
            dims.append(lead + i)
    if dims:
        grad = grad.sum(dim=dims, keepdim=True)
    if lead:
        grad = grad.reshape(shape)
    return grad


_HALF = (dtypes.float16.numpy, dtypes.bfloat16.numpy)


def acc_dtype(array):
    """The dtype to accumulate an array in: float32 for float16 and bfloat16 (as torch
    does), else its own (NumPy would widen small integers to int64)."""
    return dtypes.float32.numpy if array.dtype in _HALF else array.dtype


def sum_array(array, axes, keepdims):
    """array summed over axes in its own dtype (half precision accumulates in float32;
    NumPy alone would widen small integers to int64)."""
    dtype = array.dtype
    if dtype.kind in "fc" and dtype.itemsize >= 4:
        return array.sum(axis=axes, keepdims=keepdims)
    return array.sum(axis=axes, keepdims=keepdims, dtype=acc_dtype(array)).astype(
        dtype, copy=False)


# Array twins of the gradient helpers, for Primitive.array_backward.

def sum_to_array(grad, shape):
    """sum_to on a backend array: a broadcast gradient summed back to ``shape``."""
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, size in enumerate(shape)
                                      if size == 1 and grad.shape[lead + i] != 1)
    if axes:
        grad = sum_array(grad, axes, True)
    return grad.reshape(shape) if lead else grad


def grad_array_for(grad, like):
    """grad_for on arrays: reduced to like's shape, cast to like's dtype."""
    grad = sum_to_array(grad, like.shape)
    return grad if grad.dtype == like.dtype else grad.astype(like.dtype)


def expand_array(grad, shape):
    """A gradient broadcast to shape. Small results are materialised: NumPy's
    broadcast_to costs more (about 2 us) than filling a few elements."""
    if grad.shape == shape:
        return grad
    size = 1
    for s in shape:
        size *= s
    if size == grad.size:  # only size-1 dims are new: a reshape
        return grad.reshape(shape)
    if size > 4096:
        return array_module_of(grad).xp.broadcast_to(grad, shape)
    out = array_module_of(grad).xp.empty(shape, dtype=grad.dtype)
    out[...] = grad
    return out


def output_array(ctx):
    """ctx.output() as a bare array (save_output primitives), with the same checks:
    freed graph, output modified in place since forward."""
    if ctx._freed or ctx._out_version[0][0] != ctx._out_version[1]:
        ctx.output()  # raises torch's error
    return ctx._out


def in_dtype(result, grad):
    """An array_backward result in the gradient's dtype (NumPy widens bfloat16 by a
    Python float; torch keeps it)."""
    return result if result.dtype == grad.dtype else result.astype(grad.dtype)


def grad_for(grad, like):
    """A gradient reduced to like's shape and cast to like's dtype."""
    grad = sum_to(grad, like.shape)
    if grad._dtype is not like._dtype:
        grad = cast(grad, like._dtype)
    return grad


def normalize_dims(dim, ndim):
    """dim=None | int | sequence -> a sorted tuple of non-negative dims."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (builtins.int, Tensor)) and not isinstance(dim, (list, tuple)):
        return (wrap_dim(int(dim), ndim),)
    dims = tuple(sorted(wrap_dim(d, ndim) for d in dim))
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"dim {dims} appears multiple times in the list of dims")
    return dims


def broadcast_shapes(*shapes):
    """torch.broadcast_shapes, raising torch's RuntimeError on a mismatch."""
    ndim = builtins.max((len(s) for s in shapes), default=0)
    out = [1] * ndim
    for shape in shapes:
        offset = ndim - len(shape)
        for i, size in enumerate(shape):
            current = out[offset + i]
            if size == current or size == 1:
                continue
            if current == 1:
                out[offset + i] = size
            else:
                raise RuntimeError(
                    f"The size of tensor a ({current}) must match the size of tensor b ({size}) "
                    f"at non-singleton dimension {offset + i}")
    return tuple(out)


# ---------------------------------------------------------------- in-place and out=

def check_inplace_allowed(self):
    if not grad_state.enabled:
        return
    if self._requires_grad and self.grad_fn is None:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                           "operation.")
    base = self._base
    if base is not None and base._requires_grad and base.grad_fn is None:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                           "in-place operation.")


def inplace_source(self, *others):
    """The tensor an in-place op should compute from.

    When autograd records, the op's node may save its input; since the in-place
    write below overwrites self's memory, it computes from a copy that carries
    self's graph position instead.
    """
    if not grad_state.enabled:
        return self
    check_inplace_allowed(self)
    if not (self._requires_grad or any(isinstance(o, Tensor) and o._requires_grad
                                       for o in others)):
        return self
    alias = Tensor._make(self._data.copy(), self._device, self._requires_grad)
    alias.grad_fn = self.grad_fn
    alias._output_nr = self._output_nr
    return alias


def commit_inplace(self, result):
    """Write result into self's memory and make self stand for result in the graph."""
    if result.shape != self.shape:
        raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the broadcast "
                           f"shape {list(broadcast_shapes(self.shape, result.shape))}")
    if result._dtype is not self._dtype and not dtypes.can_cast(result._dtype, self._dtype):
        raise RuntimeError(f"result type {_type_name(result._dtype)} can't be cast to the "
                           f"desired output type {_type_name(self._dtype)}")
    if result._data is not self._data:
        target = self._data
        if not getattr(target.flags, "writeable", True):
            # An expanded tensor: NumPy marks broadcast views read-only, torch refuses
            # only writes where elements share memory.
            from .indexing import _writable
            target = _writable(self, target)
        xp_of(self).copyto(target, result._data, casting="unsafe")
    self._vc[0] += 1
    if result._requires_grad and grad_state.enabled:
        if result._dtype is not self._dtype:
            result = cast(result, self._dtype)
        _rebase_history(self, result)
    return self


def _rebase_history(self, result):
    self.grad_fn = result.grad_fn
    self._output_nr = result._output_nr
    self._requires_grad = True
    base = self._base
    if base is None:
        return
    # self is a view: its base now depends on result through the viewed region.
    from .indexing import copy_slices
    new_base = copy_slices(base, self._view_fn, result)
    base.grad_fn = new_base.grad_fn
    base._output_nr = 0
    base._requires_grad = True
    regenerated = self._view_fn(new_base)
    self.grad_fn = regenerated.grad_fn
    self._output_nr = regenerated._output_nr


def _type_name(dtype):
    return {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
            "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char",
            "uint8": "Byte", "bool": "Bool", "complex64": "ComplexFloat",
            "complex128": "ComplexDouble"}[dtype.name]


type_name = _type_name


def apply_inplace(self, fn, *args, **kwargs):
    """Run a functional op as an in-place update of self: self.op_(...)."""
    source = inplace_source(self, *args, *kwargs.values())
    return commit_inplace(self, fn(source, *args, **kwargs))


def write_out(out, result):
    """Implements out=: resize-free copy of result into out (torch's checks)."""
    if not isinstance(out, Tensor):
        raise TypeError(f"argument 'out' must be Tensor, not {type(out).__name__}")
    if grad_state.enabled and (result._requires_grad or out._requires_grad):
        raise RuntimeError("functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    if out._dtype is not result._dtype and not dtypes.can_cast(result._dtype, out._dtype):
        raise RuntimeError(f"result type {_type_name(result._dtype)} can't be cast to the "
                           f"desired output type {_type_name(out._dtype)}")
    if out.shape != result.shape:
        # NOTE: torch resizes out= tensors; ember can only do so without views.
        out._data = xp_of(result).empty(result.shape, dtype=out._dtype.numpy)
    xp_of(out).copyto(out._data, result._data, casting="unsafe")
    out._vc[0] += 1
    return out
