"""Binary (and ternary) elementwise math: atan2, hypot, fmax/fmin, copysign, xlogy,
logaddexp, heaviside, lerp, addcmul/addcdiv, float_power, ldexp, nan_to_num, and the
closeness tests isclose/allclose/equal.

NOTE: the binary functions with a NumPy kernel (atan2, hypot, fmax, copysign,
logaddexp...) are primitives: the kernel is exact where a composite would round,
overflow or give NaN gradients at special points.
"""
from .. import _dtype as dtypes
from .._tensor import Tensor
from ..autograd.graph import Primitive
from ._util import apply_inplace, cast, grad_for, type_name, write_out, xp_of
from .pointwise_base import (BinaryPrimitive, NotDifferentiable, inplace, not_implemented,
                             quiet, require_tensor, run_kernel, tensor_operands, where)
from .pointwise_unary import exp, exp2
from ..amp.autocast_mode import autocast_call, state as amp_state


def _binary(primitive, name, float_result=False, floating_only=False, tensors_only=True,
            complex_ok=False):
    """The public function of a BinaryPrimitive.

    float_result: integer inputs compute in the default float dtype; floating_only:
    integer inputs are rejected; complex_ok: complex inputs are accepted; tensors_only:
    ``other`` may not be a Python scalar.
    """
    def fn(input, other, *, out=None):
        require_tensor(input, name)
        if tensors_only:
            require_tensor(other, name, "other", 2)
        a, b = tensor_operands(input, other, float_result)
        dtype = a._dtype
        if (dtype.is_complex and not complex_ok) or \
                (floating_only and not (dtype.is_floating_point or dtype.is_complex)):
            raise not_implemented(f"{name}_cpu", dtype)
        result = primitive.apply(a, b)
        return result if out is None else write_out(out, result)
    fn.__name__ = name
    return fn


class Atan2(BinaryPrimitive):
    kernel = staticmethod(lambda xp, a, b: xp.arctan2(a, b))

    @staticmethod
    def gradients(ctx, grad, a, b):
        norm = a * a + b * b
        # NOTE: at a = b = 0 torch's gradient is 0, not NaN.
        zero = norm == 0
        scale = where(zero, grad.new_zeros(()), grad / where(zero, norm.new_ones(()), norm))
        return scale * b, scale * -a


class Hypot(BinaryPrimitive):
    kernel = staticmethod(lambda xp, a, b: xp.hypot(a, b))

    @staticmethod
    def gradients(ctx, grad, a, b):
        scale = grad / hypot(a, b)
        return scale * a, scale * b


class Fmax(BinaryPrimitive):
    kernel = staticmethod(lambda xp, a, b: xp.fmax(a, b))

    @staticmethod
    def gradients(ctx, grad, a, b):
        # NOTE: ties go wholly to the first input (not split as in maximum).
        return _pick(grad, (a >= b) | b.isnan())


class Fmin(BinaryPrimitive):
    kernel = staticmethod(lambda xp, a, b: xp.fmin(a, b))

    @staticmethod
    def gradients(ctx, grad, a, b):
        return _pick(grad, (a <= b) | b.isnan())


def _pick(grad, first):
    zero = grad.new_zeros(())
    return where(first, grad, zero), where(first, zero, grad)


class Copysign(BinaryPrimitive):
    kernel = staticmethod(lambda xp, a, b: xp.copysign(a, b))

    @staticmethod
    def gradients(ctx, grad, a, b):
        is_zero = a == 0
        ratio = copysign(a, b) / where(is_zero, a.new_ones(()), a)
        return grad * where(is_zero, ratio.new_zeros(()), ratio), b.new_zeros(b.shape)


def _xlogy_kernel(xp, x, y):
    with quiet(xp):  # log(0) and 0 * inf in the branch that where drops
        out = xp.where(x == 0, 0, x * xp.log(y))
    return xp.where(xp.isnan(y), xp.nan, out).astype(x.dtype, copy=False)


class Xlogy(BinaryPrimitive):
    """x * log(y), 0 where x == 0 (unless y is NaN).

    NOTE: a primitive: the composite's gradient is NaN at x = 0, y = 0 where torch's is 0.
    """
    kernel = staticmethod(_xlogy_kernel)

    @staticmethod
    def gradients(ctx, grad, a, b):
        # torch's rule: log(y) (as xlogy, so 0 where grad is 0), except 0 at x = 0, y <= 0.
        ga = where((a == 0) & (b <= 0), grad.new_zeros(()), xlogy(grad, b))
        return ga, grad * a / b


def _logaddexp_kernel(xp, a, b):
    if a.dtype.kind != "c":
        return xp.logaddexp(a, b)
    # Complex: factor out the operand with the larger real part.
    first = a.real >= b.real
    high, low = xp.where(first, a, b), xp.where(first, b, a)
    return high + xp.log1p(xp.exp(low - high))


class Logaddexp(BinaryPrimitive):
    kernel = staticmethod(_logaddexp_kernel)

    @staticmethod
    def gradients(ctx, grad, a, b):
        return grad / (exp(b - a) + 1).conj(), grad / (exp(a - b) + 1).conj()


class Logaddexp2(BinaryPrimitive):
    kernel = staticmethod(lambda xp, a, b: xp.logaddexp2(a, b))

    @staticmethod
    def gradients(ctx, grad, a, b):
        return grad / (exp2(b - a) + 1), grad / (exp2(a - b) + 1)


atan2 = _binary(Atan2, "atan2", float_result=True)
arctan2 = atan2
hypot = _binary(Hypot, "hypot", floating_only=True)
copysign = _binary(Copysign, "copysign", float_result=True, tensors_only=False)
_xlogy_tensor = _binary(Xlogy, "xlogy", float_result=True, tensors_only=False)
logaddexp = _binary(Logaddexp, "logaddexp", floating_only=True, complex_ok=True)
logaddexp2 = _binary(Logaddexp2, "logaddexp2", floating_only=True)


def _fmax_fmin(primitive, name):
    def fn(input, other, *, out=None):
        require_tensor(input, name)
        require_tensor(other, name, "other", 2)
        a, b = tensor_operands(input, other)
        if a._dtype.is_complex:
            raise RuntimeError(f"{name} not implemented for complex tensors.")
        result = primitive.apply(a, b)
        return result if out is None else write_out(out, result)
    fn.__name__ = name
    return fn


fmax = _fmax_fmin(Fmax, "fmax")
fmin = _fmax_fmin(Fmin, "fmin")


def xlogy(input, other, *, out=None):
    """x * log(y), 0 where x == 0; either argument may be a Python scalar."""
    if isinstance(input, Tensor):
        return _xlogy_tensor(input, other, out=out)
    require_tensor(other, "xlogy", "other", 2)
    result = Xlogy.apply(*tensor_operands(input, other, float_result=True))
    return result if out is None else write_out(out, result)


def _heaviside_kernel(xp, x, values):
    return xp.where(x == 0, values, (x > 0).astype(x.dtype))


def heaviside(input, values, *, out=None):
    require_tensor(input, "heaviside")
    require_tensor(values, "heaviside", "values", 2)
    if input._dtype.is_complex or values._dtype.is_complex:
        raise RuntimeError("heaviside is not yet implemented for complex tensors.")
    if input._dtype is not values._dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    result = NotDifferentiable.apply("heaviside", _heaviside_kernel, input, values)
    return result if out is None else write_out(out, result)


def ldexp(input, other, *, out=None):
    """input * 2 ** other (torch's definition)."""
    require_tensor(input, "ldexp")
    require_tensor(other, "ldexp", "other", 2)
    result = input * (2.0 ** other)
    return result if out is None else write_out(out, result)


# ---------------------------------------------------------------- lerp

class Lerp(Primitive):
    """start + weight * (end - start), weight a scalar or a tensor."""

    @staticmethod
    def forward(ctx, start, end, weight):
        tensor_weight = isinstance(weight, Tensor)
        ctx.save_for_backward(start, end, weight if tensor_weight else None)
        ctx.weight = None if tensor_weight else weight

        def kernel(xp, s, e, w=weight):
            # torch's two-sided form is exact at weight 0 and weight 1.
            diff = e - s
            if not tensor_weight:
                return s + w * diff if abs(w) < 0.5 else e - diff * (1 - w)
            return xp.where(xp.abs(w) < 0.5, s + w * diff, e - diff * (1 - w))
        arrays = (start._data, end._data) + ((weight._data,) if tensor_weight else ())
        return run_kernel(kernel, xp_of(start), *arrays)

    def name(self):
        return "LerpBackward0" if self.weight is not None else "LerpBackward1"

    @staticmethod
    def backward(ctx, grad):
        start, end, weight = ctx.saved_tensors
        w = weight if weight is not None else ctx.weight
        conj = _conj_of
        need = ctx.needs_input_grad
        gs = grad_for(grad * conj(1 - w), start) if need[0] else None
        ge = grad_for(grad * conj(w), end) if need[1] else None
        gw = grad_for(grad * conj(end - start), weight) \
            if weight is not None and need[2] else None
        return gs, ge, gw


def _conj_of(value):
    if isinstance(value, Tensor):
        return value.conj() if value._dtype.is_complex else value
    return value.conjugate() if isinstance(value, complex) else value


def lerp(input, end, weight, *, out=None):
    require_tensor(input, "lerp")
    require_tensor(end, "lerp", "end", 2)
    dtype = input._dtype
    for name, other in (("end", end), ("weight", weight)):
        if isinstance(other, Tensor) and other._dtype is not dtype:
            raise RuntimeError(f"expected dtype {_short(dtype)} for `{name}` but got dtype "
                               f"{_short(other._dtype)}")
    if not (dtype.is_floating_point or dtype.is_complex):
        kind = "tensor" if isinstance(weight, Tensor) else "scalar"
        raise not_implemented(f"lerp_kernel_{kind}", dtype)
    result = Lerp.apply(input, end, weight)
    return result if out is None else write_out(out, result)


def _short(dtype):
    return {"float32": "float", "float64": "double", "float16": "c10::Half",
            "bfloat16": "c10::BFloat16", "complex64": "c10::complex<float>",
            "complex128": "c10::complex<double>"}.get(dtype.name, dtype.name)


# ---------------------------------------------------------------- addcmul, addcdiv

def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 * tensor2 (torch's order of operations)."""
    if amp_state.active:
        return autocast_call("addcmul", addcmul,
                             input, tensor1=tensor1, tensor2=tensor2, value=value, out=out)
    if tensor1._dtype is dtypes.bool and tensor2._dtype is dtypes.bool and \
            input._dtype is dtypes.bool:
        raise not_implemented("addcmul_cpu_out", dtypes.bool)
    product = (tensor1 if value == 1 else tensor1 * value) * tensor2
    result = input + product
    return result if out is None else write_out(out, result)


def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 / tensor2 (torch's order of operations)."""
    if amp_state.active:
        return autocast_call("addcdiv", addcdiv,
                             input, tensor1=tensor1, tensor2=tensor2, value=value, out=out)
    if tensor1._dtype.category <= dtypes.INTEGRAL and tensor2._dtype.category <= dtypes.INTEGRAL:
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future  release "
            "addcdiv will perform a true division of tensor1 and tensor2. The historic addcdiv "
            "behavior can be implemented as (input + value * torch.trunc(tensor1 / tensor2))"
            ".to(input.dtype) for integer inputs and as (input + value * tensor1 / tensor2) "
            "for float inputs. The future addcdiv behavior is just the latter implementation: "
            "(input + value * tensor1 / tensor2), for all dtypes.")
    quotient = (tensor1 if value == 1 else tensor1 * value) / tensor2
    result = input + quotient
    return result if out is None else write_out(out, result)


# ---------------------------------------------------------------- float_power

def _float_power_dtype(input, exponent):
    complex_ = any(isinstance(v, complex) or (isinstance(v, Tensor) and v._dtype.is_complex)
                   for v in (input, exponent))
    return dtypes.complex128 if complex_ else dtypes.float64


def float_power(input, exponent, *, out=None):
    """pow computed in double precision (float64, or complex128 for complex inputs)."""
    dtype = _float_power_dtype(input, exponent)
    base = cast(input, dtype) if isinstance(input, Tensor) else input
    power = cast(exponent, dtype) if isinstance(exponent, Tensor) else exponent
    if not isinstance(base, Tensor):
        base = complex(base) if dtype.is_complex else float(base)
    result = base ** power
    return result if out is None else write_out(out, result)


def _float_power_inplace(self, exponent):
    dtype = _float_power_dtype(self, exponent)
    if self._dtype is not dtype:
        raise RuntimeError(f"the base given to float_power_ has dtype {type_name(self._dtype)} "
                           f"but the operation's result requires dtype {type_name(dtype)}")
    return apply_inplace(self, float_power, exponent)


# ---------------------------------------------------------------- nan_to_num

class NanToNum(Primitive):
    """NOTE: a primitive: one kernel replaces both parts of complex values."""

    @staticmethod
    def forward(ctx, x, nan, posinf, neginf):
        ctx.save_for_backward(x)
        xp = xp_of(x)
        data = x._data
        if data.dtype.itemsize == 2 and data.dtype.kind not in "iub":
            wide = xp.nan_to_num(data.astype(xp.float32), nan=nan, posinf=posinf,
                                 neginf=neginf)
            return wide.astype(data.dtype)
        return xp.nan_to_num(data, nan=nan, posinf=posinf, neginf=neginf)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x.isfinite()


def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    require_tensor(input, "nan_to_num")
    if input._dtype.category <= dtypes.INTEGRAL:
        result = input.clone()
    else:
        info = dtypes.finfo(input._dtype)
        result = NanToNum.apply(input, float(nan),
                                info.max if posinf is None else float(posinf),
                                info.min if neginf is None else float(neginf))
    return result if out is None else write_out(out, result)


# ---------------------------------------------------------------- closeness

def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    require_tensor(input, "isclose")
    require_tensor(other, "isclose", "other", 2)
    if input._dtype is not other._dtype:
        raise RuntimeError(f"{type_name(input._dtype)} did not match "
                           f"{type_name(other._dtype)}")
    if rtol < 0:
        raise RuntimeError(f"rtol must be greater than or equal to zero, but got {rtol}")
    if atol < 0:
        raise RuntimeError(f"atol must be greater than or equal to zero, but got {atol}")
    xp = xp_of(input)
    a, b = input._data, other._data
    close = a == b
    if equal_nan and (input._dtype.is_floating_point or input._dtype.is_complex):
        close = close | (xp.isnan(a) & xp.isnan(b))
    if rtol or atol:
        if input._dtype is dtypes.bool:
            a = a.astype(dtypes.get_default_dtype().numpy)
            b = b.astype(a.dtype)
        with quiet(xp):
            allowed = atol + xp.abs(rtol * b)
            actual = xp.abs(a - b)
            close = close | (xp.isfinite(actual) & (actual <= allowed))
    return Tensor._make(xp.asarray(close), input._device)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    close = isclose(input, other, rtol, atol, equal_nan)
    return bool(xp_of(close).all(close._data))


def equal(input, other):
    """True when both have the same shape and the same values."""
    require_tensor(input, "equal")
    require_tensor(other, "equal", "other", 2)
    if input.shape != other.shape:
        return False
    return bool(xp_of(input).all(input._data == other._data))


_FUNCTIONS = dict(atan2=atan2, arctan2=atan2, hypot=hypot, copysign=copysign, fmax=fmax,
                  fmin=fmin, logaddexp=logaddexp, logaddexp2=logaddexp2, ldexp=ldexp,
                  lerp=lerp, addcmul=addcmul, addcdiv=addcdiv, nan_to_num=nan_to_num)

TENSOR_METHODS = dict(
    _FUNCTIONS, **{name + "_": inplace(fn) for name, fn in _FUNCTIONS.items()},
    xlogy=xlogy, xlogy_=inplace(xlogy), heaviside=heaviside, heaviside_=inplace(heaviside),
    float_power=float_power, float_power_=_float_power_inplace,
    isclose=isclose, allclose=allclose, equal=equal,
)
for _name in ("fmax_", "fmin_", "logaddexp_", "logaddexp2_"):  # torch has no such methods
    del TENSOR_METHODS[_name]

__all__ = list(_FUNCTIONS) + ["xlogy", "heaviside", "float_power", "isclose", "allclose",
                              "equal"]
