"""The machinery shared by the pointwise ops: dtype rules, primitive factories for
unary and binary functions with closed-form derivatives, comparisons, where,
maximum/minimum and clamp.

Public names live in ``pointwise.py``, which gathers the pointwise modules.
"""
import contextlib

from .. import _dtype as dtypes
from .._tensor import Tensor
from ..autograd.graph import Primitive
from ._util import (apply_inplace, binary_operands, cast, check_same_device, grad_array_for,
                    grad_for, in_dtype, output_array, python_scalar, result_type,
                    sum_to_array, type_name, write_out, xp_of)
from ..backend import array_module_of
from ..amp.autocast_mode import autocast_call, state as amp_state

# ---------------------------------------------------------------- dtype rules

def _float_input(x):
    """Integer/bool inputs of float functions compute in the default float dtype."""
    if x._dtype.category <= dtypes.INTEGRAL:
        return cast(x, dtypes.get_default_dtype())
    return x


def not_implemented(kernel, dtype):
    """torch's error for a kernel that has no implementation for a dtype."""
    return NotImplementedError(f"\"{kernel}\" not implemented for '{type_name(dtype)}'")


def require_tensor(value, fn_name, arg="input", position=1):
    if not isinstance(value, Tensor):
        raise TypeError(f"{fn_name}(): argument '{arg}' (position {position}) must be Tensor, "
                        f"not {type(value).__name__}")


def require_integral(dtype, kernel):
    """Bitwise ops: bool and integer dtypes only."""
    if dtype.category > dtypes.INTEGRAL:
        raise not_implemented(kernel, dtype)


def run_kernel(kernel, xp, *arrays):
    """kernel(xp, *arrays) in the arrays' dtype; float16/bfloat16 compute in float32
    and round back, as torch's CPU kernels do (and as NumPy cannot for bfloat16).
    """
    dtype = arrays[0].dtype
    if dtype.itemsize == 2 and dtype.kind not in "iub":
        out = kernel(xp, *(a.astype(xp.float32) for a in arrays))
        return out.astype(dtype) if out.dtype == xp.float32 else out
    return kernel(xp, *arrays)


def quiet(xp):
    """Silence NumPy's floating-point warnings (torch is silent; CuPy never warns)."""
    return xp.errstate(all="ignore") if hasattr(xp, "errstate") else contextlib.nullcontext()


def zeros_for(like):
    return like.new_zeros(like.shape)


# ---------------------------------------------------------------- unary primitives

def unary_primitive(name, kernel, derivative=None, uses_output=False, array_derivative=None):
    """A primitive y = kernel(xp, array) with dy/dx = derivative(saved), where saved
    is the input (or the output when uses_output) as an ember Tensor.

    The gradient is grad * conj(dy/dx), torch's convention for complex inputs.
    derivative=None means the gradient is zero (floor, round...).
    array_derivative(xp, saved_array): the same derivative over the backend array, for
    the primitive's array_backward twin (none without it).
    """
    def forward(ctx, x):
        if derivative is not None and not uses_output:
            ctx.save_for_backward(x)
        return run_kernel(kernel, xp_of(x), x._data)

    def backward(ctx, grad):
        if derivative is None:
            return zeros_for(grad)
        d = derivative(ctx.output() if uses_output else ctx.saved_tensors[0])
        return grad * (d.conj() if d._dtype.is_complex else d)

    def array_backward(ctx, grad):
        saved = output_array(ctx) if uses_output else ctx.saved_arrays[0]
        xp = array_module_of(saved).xp
        d = array_derivative(xp, saved)
        if d.dtype.kind == "c":
            d = xp.conj(d)
        return in_dtype(grad * d, grad)

    namespace = {"forward": staticmethod(forward), "backward": staticmethod(backward),
                 "save_output": uses_output and derivative is not None,
                 "__module__": __name__}
    if array_derivative is not None:
        namespace["array_backward"] = staticmethod(array_backward)
    return type(name, (Primitive,), namespace)


def unary_function(primitive, name, complex_kernel=None):
    """The public function of a float-valued unary primitive: integer/bool inputs
    compute in the default float dtype. complex_kernel: the torch kernel name to report
    when complex input is unsupported.
    """
    def fn(input, *, out=None):
        if amp_state.active:
            return autocast_call(name, fn, input, out=out)
        require_tensor(input, name)
        x = _float_input(input)
        if complex_kernel is not None and x._dtype.is_complex:
            raise not_implemented(complex_kernel, x._dtype)
        result = primitive.apply(x)
        return result if out is None else write_out(out, result)
    fn.__name__ = fn.__qualname__ = name
    return fn


def inplace(fn):
    """Tensor.op_(...) from the functional op."""
    def method(self, *args, **kwargs):
        return apply_inplace(self, fn, *args, **kwargs)
    method.__name__ = fn.__name__ + "_"
    return method


class NotDifferentiable(Primitive):
    """Wraps a forward whose derivative torch does not implement: the output
    requires grad, and backward raises torch's error.
    """
    grad_fn_name = "NotImplemented"

    @staticmethod
    def forward(ctx, aten_name, kernel, *tensors):
        ctx.aten_name = aten_name
        return run_kernel(kernel, xp_of(tensors[0]), *(t._data for t in tensors))

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError(f"derivative for aten::{ctx.aten_name} is not implemented")


# ---------------------------------------------------------------- binary primitives

class BinaryPrimitive(Primitive):
    """z = kernel(xp, a, b) for two tensors of one dtype, broadcasting.

    Subclasses define ``kernel(xp, a, b)`` and ``gradients(ctx, grad, a, b)``, which
    returns the unreduced (grad_a, grad_b); broadcast dims are summed out here.
    """
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return run_kernel(type(ctx).kernel, xp_of(a), a._data, b._data)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        ga, gb = type(ctx).gradients(ctx, grad, a, b)
        need_a, need_b = ctx.needs_input_grad
        return (grad_for(ga, a) if need_a and ga is not None else None,
                grad_for(gb, b) if need_b and gb is not None else None)


def tensor_operands(input, other, float_result=False):
    """Promote two operands (tensors or scalars) and make both tensors.

    float_result: integer/bool results compute in the default float dtype (atan2,
    xlogy...). Scalars become 0-d tensors on the other operand's device.
    """
    a, b, dtype = binary_operands(input, other)
    if float_result and dtype.category <= dtypes.INTEGRAL:
        dtype = dtypes.get_default_dtype()
        a = cast(a, dtype) if isinstance(a, Tensor) else a
        b = cast(b, dtype) if isinstance(b, Tensor) else b
    if not isinstance(a, Tensor):
        a = scalar_tensor_like(a, dtype, b._device)
    if not isinstance(b, Tensor):
        b = scalar_tensor_like(b, dtype, a._device)
    return a, b


def scalar_tensor_like(value, dtype, device):
    """A 0-d tensor of a Python scalar in dtype; integers wrap around as in torch."""
    from .creation import tensor
    if dtype.category == dtypes.INTEGRAL and isinstance(value, int):
        bits = dtype.itemsize * 8
        value &= (1 << bits) - 1
        if dtype.is_signed and value >= 1 << (bits - 1):
            value -= 1 << bits
    return tensor(value, dtype=dtype, device=device)


_C_TYPES = {"uint8": "uint8_t", "int8": "int8_t", "int16": "int16_t", "int32": "int",
            "int64": "int64_t"}


def check_scalar_fits(value, dtype):
    """clamp and where reject Python ints that overflow an integer dtype (torch's error)."""
    if dtype.category == dtypes.INTEGRAL and isinstance(value, int):
        info = dtypes.iinfo(dtype)
        if not info.min <= value <= info.max:
            raise RuntimeError(f"value cannot be converted to type {_C_TYPES[dtype.name]} "
                               "without overflow")


# ---------------------------------------------------------------- comparisons

def _compare(ufunc_name, ordered):
    def fn(input, other, *, out=None):
        if not isinstance(input, Tensor):
            from .creation import tensor
            input = tensor(input)
        a, b, dtype = binary_operands(input, other)
        if ordered and dtype.is_complex:
            raise not_implemented(f"{fn.__name__}_cpu", dtype)
        xp = xp_of(a)
        data = getattr(xp, ufunc_name)(a._data, b._data if isinstance(b, Tensor) else b)
        result = Tensor._make(data, a._device)
        return result if out is None else write_out(out, result)
    fn.__name__ = {"equal": "eq", "not_equal": "ne", "less": "lt", "less_equal": "le",
                   "greater": "gt", "greater_equal": "ge"}[ufunc_name]
    return fn


eq = _compare("equal", False)
ne = _compare("not_equal", False)
lt = _compare("less", True)
le = _compare("less_equal", True)
gt = _compare("greater", True)
ge = _compare("greater_equal", True)


def _equal_operator(self, other):
    other = python_scalar(other)  # a NumPy scalar compares as its Python value
    if other is None or not (isinstance(other, (Tensor, int, float, complex, bool))):
        return False
    return eq(self, other)


def _not_equal_operator(self, other):
    other = python_scalar(other)  # a NumPy scalar compares as its Python value
    if other is None or not (isinstance(other, (Tensor, int, float, complex, bool))):
        return True
    return ne(self, other)


# ---------------------------------------------------------------- where

class Where(Primitive):
    @staticmethod
    def forward(ctx, condition, a, b):
        ctx.save_for_backward(condition)
        ctx.a_shape, ctx.b_shape = a.shape, b.shape
        return xp_of(a).where(condition._data, a._data, b._data)

    @staticmethod
    def backward(ctx, grad):
        (condition,) = ctx.saved_tensors
        zero = grad.new_zeros(())
        ga = grad_for(where(condition, grad, zero), _Shape(ctx.a_shape, grad._dtype)) \
            if ctx.needs_input_grad[1] else None
        gb = grad_for(where(condition, zero, grad), _Shape(ctx.b_shape, grad._dtype)) \
            if ctx.needs_input_grad[2] else None
        return None, ga, gb

    @staticmethod
    def array_backward(ctx, grad):
        (condition,) = ctx.saved_arrays
        xp = array_module_of(grad).xp
        zero = xp.zeros((), dtype=grad.dtype)
        need = ctx.needs_input_grad
        return (None,
                sum_to_array(xp.where(condition, grad, zero), ctx.a_shape) if need[1] else None,
                sum_to_array(xp.where(condition, zero, grad), ctx.b_shape) if need[2] else None)


class _Shape:
    """Shape and dtype standing in for a tensor in grad_for."""
    __slots__ = ("shape", "_dtype")

    def __init__(self, shape, dtype):
        self.shape, self._dtype = shape, dtype


def where(condition, input=None, other=None, *, out=None):
    if input is None and other is None:
        return condition.nonzero(as_tuple=True)
    if condition._dtype is not dtypes.bool:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a "
                           f"tensor with dtype {type_name(condition._dtype)}")
    from .creation import tensor
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        input = tensor(input, dtype=result_type(input, other), device=condition._device)
    for value, like in ((input, other), (other, input)):
        if isinstance(like, Tensor):
            check_scalar_fits(value, like._dtype)
    a, b = tensor_operands(input, other)
    check_same_device(condition, a, b)
    result = Where.apply(condition, a, b)
    return result if out is None else write_out(out, result)


# ---------------------------------------------------------------- maximum, minimum

class Maximum(BinaryPrimitive):
    kernel = staticmethod(lambda xp, a, b: xp.maximum(a, b))

    @staticmethod
    def gradients(ctx, grad, a, b):
        return _minmax_grads(grad, a, b, a < b, a > b)

    @staticmethod
    def array_backward(ctx, grad):
        a, b = ctx.saved_arrays
        return _minmax_array_grads(ctx, grad, a, b, a < b, a > b)


class Minimum(BinaryPrimitive):
    kernel = staticmethod(lambda xp, a, b: xp.minimum(a, b))

    @staticmethod
    def gradients(ctx, grad, a, b):
        return _minmax_grads(grad, a, b, a > b, a < b)

    @staticmethod
    def array_backward(ctx, grad):
        a, b = ctx.saved_arrays
        return _minmax_array_grads(ctx, grad, a, b, a > b, a < b)


def _minmax_grads(grad, a, b, a_loses, b_loses):
    # NOTE: torch's rule: ties split the gradient evenly; where either input is NaN
    # (no comparison holds) both inputs get the whole gradient.
    zero = grad.new_zeros(())
    shared = where(a == b, grad / 2, grad)
    return where(a_loses, zero, shared), where(b_loses, zero, shared)


def _minmax_array_grads(ctx, grad, a, b, a_loses, b_loses):
    """_minmax_grads over arrays, reduced to the inputs (BinaryPrimitive.backward's part)."""
    xp = array_module_of(grad).xp
    zero = xp.zeros((), dtype=grad.dtype)
    shared = xp.where(a == b, in_dtype(grad / 2, grad), grad)
    need_a, need_b = ctx.needs_input_grad
    return (grad_array_for(xp.where(a_loses, zero, shared), a) if need_a else None,
            grad_array_for(xp.where(b_loses, zero, shared), b) if need_b else None)


def _minmax(primitive, name):
    def fn(input, other, *, out=None):
        a, b = tensor_operands(input, other)
        if a._dtype.is_complex:
            raise RuntimeError(f"{name} not implemented for complex tensors.")
        result = primitive.apply(a, b)
        return result if out is None else write_out(out, result)
    fn.__name__ = name
    return fn


maximum = _minmax(Maximum, "maximum")
minimum = _minmax(Minimum, "minimum")


# ---------------------------------------------------------------- clamp

class Clamp(Primitive):
    """clamp with scalar bounds."""

    @staticmethod
    def forward(ctx, x, low, high):
        ctx.save_for_backward(x)
        ctx.low, ctx.high = low, high
        xp = xp_of(x)
        data = x._data
        if low is not None:
            data = xp.maximum(data, low)
        if high is not None:
            data = xp.minimum(data, high)
        return data.astype(x._data.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        keep = x == x  # True except NaN; torch passes the gradient at the bounds
        if ctx.low is not None:
            keep = keep & (x >= ctx.low)
        if ctx.high is not None:
            keep = keep & (x <= ctx.high)
        return grad * keep

    @staticmethod
    def array_backward(ctx, grad):
        (x,) = ctx.saved_arrays
        keep = x == x  # True except NaN; torch passes the gradient at the bounds
        if ctx.low is not None:
            keep &= x >= ctx.low
        if ctx.high is not None:
            keep &= x <= ctx.high
        # (a multiplication, as backward's, so that NaN gradients stay NaN)
        return grad * keep.astype(grad.dtype)


class ClampTensor(Primitive):
    """clamp with tensor bounds (either may be None).

    NOTE: a primitive, not maximum(minimum(...)): torch gives the whole gradient to x
    at ties with a bound, where maximum/minimum would split it.
    """
    grad_fn_name = "ClampBackward0"

    @staticmethod
    def forward(ctx, x, low, high):
        ctx.save_for_backward(x, low, high)
        xp = xp_of(x)
        data = x._data
        if low is not None:
            data = xp.maximum(data, low._data)
        if high is not None:
            data = xp.minimum(data, high._data)
        return data

    @staticmethod
    def backward(ctx, grad):
        x, low, high = ctx.saved_tensors
        zero = grad.new_zeros(())
        inside = x == x
        if low is not None:
            inside = inside & (x >= low)
        if high is not None:
            inside = inside & (x <= high)
        need = ctx.needs_input_grad
        gx = grad_for(where(inside, grad, zero), x) if need[0] else None
        glow = grad_for(where(x < low, grad, zero), low) \
            if low is not None and need[1] else None
        ghigh = grad_for(where(x > high, grad, zero), high) \
            if high is not None and need[2] else None
        return gx, glow, ghigh


def clamp(input, min=None, max=None, *, out=None):
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if input._dtype.is_complex:
        raise NotImplementedError("clamp is not supported for complex types")
    bounds = [v for v in (min, max) if v is not None]
    dtype = result_type(input, *bounds)
    if dtype is dtypes.bool:
        which = "" if len(bounds) == 2 else "_min" if max is None else "_max"
        raise not_implemented(f"clamp{which}_scalar_cpu", dtype)
    for bound in bounds:
        check_scalar_fits(bound, dtype)
    x = cast(input, dtype)
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        low, high = (None if v is None else cast(v, dtype) if isinstance(v, Tensor) else
                     scalar_tensor_like(v, dtype, input._device) for v in (min, max))
        check_same_device(x, low, high)
        result = ClampTensor.apply(x, low, high)
    else:
        result = Clamp.apply(x, min, max)
    return result if out is None else write_out(out, result)


def clamp_min(input, min, *, out=None):
    return clamp(input, min=min, out=out)


def clamp_max(input, max, *, out=None):
    return clamp(input, max=max, out=out)


clip = clamp

TENSOR_METHODS = dict(
    eq=eq, ne=ne, lt=lt, le=le, gt=gt, ge=ge, greater=gt, greater_equal=ge, less=lt,
    less_equal=le, not_equal=ne, eq_=inplace(eq), ne_=inplace(ne), lt_=inplace(lt),
    le_=inplace(le), gt_=inplace(gt), ge_=inplace(ge), greater_=inplace(gt),
    greater_equal_=inplace(ge), less_=inplace(lt), less_equal_=inplace(le),
    not_equal_=inplace(ne),
    __eq__=_equal_operator, __ne__=_not_equal_operator, __lt__=lt, __le__=le, __gt__=gt,
    __ge__=ge,
    where=lambda self, condition, other: where(condition, self, other),
    maximum=maximum, minimum=minimum, clamp=clamp, clip=clamp, clamp_min=clamp_min,
    clamp_max=clamp_max, clamp_=inplace(clamp), clip_=inplace(clamp),
    clamp_min_=inplace(clamp_min), clamp_max_=inplace(clamp_max),
)

__all__ = ["eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less",
           "less_equal", "not_equal", "where", "maximum", "minimum", "clamp", "clip",
           "clamp_min", "clamp_max"]
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne
