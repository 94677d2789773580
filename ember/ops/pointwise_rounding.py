"""Rounding and integer-style division: floor, ceil, trunc, round, frac, fmod,
remainder, div(rounding_mode=...), floor_divide, and the % and // operators.

Rounding has a zero gradient everywhere, as in torch. Integer division by zero
raises torch's RuntimeError("ZeroDivisionError"); float division by zero follows
IEEE (inf/nan).
"""
from .. import _dtype as dtypes
from .._tensor import Tensor
from ..autograd.graph import Primitive
from ._util import write_out, xp_of
from .pointwise_base import (BinaryPrimitive, NotDifferentiable, inplace, not_implemented,
                             quiet, require_tensor, run_kernel, tensor_operands,
                             unary_primitive, zeros_for)


def _rounding_kernel(np_name):
    def kernel(xp, a):
        # Integers are already whole: a copy, in their own dtype.
        return a.copy() if a.dtype.kind in "iu" else getattr(xp, np_name)(a)
    return kernel


# NOTE: NumPy's rint rounds half to even, like torch's nearbyint.
Floor = unary_primitive("Floor", _rounding_kernel("floor"))
Ceil = unary_primitive("Ceil", _rounding_kernel("ceil"))
Trunc = unary_primitive("Trunc", _rounding_kernel("trunc"))
Round = unary_primitive("Round", _rounding_kernel("rint"))


def _rounding(primitive, name, complex_message):
    def fn(input, *, out=None):
        require_tensor(input, name)
        if input._dtype is dtypes.bool:
            raise not_implemented(f"{name}_vml_cpu", input._dtype)
        if input._dtype.is_complex:
            if complex_message:
                raise NotImplementedError(f"{name} is not supported for complex inputs")
            raise not_implemented(f"{name}_vml_cpu", input._dtype)
        result = primitive.apply(input)
        return result if out is None else write_out(out, result)
    fn.__name__ = name
    return fn


floor = _rounding(Floor, "floor", True)
ceil = _rounding(Ceil, "ceil", True)
trunc = _rounding(Trunc, "trunc", True)
_round_half_even = _rounding(Round, "round", False)
fix = trunc


class RoundDecimals(Primitive):
    grad_fn_name = "RoundBackward1"

    @staticmethod
    def forward(ctx, x, decimals):
        def kernel(xp, a):
            # torch's formula, so that results match bit for bit.
            if decimals >= 0:
                scale = float(10 ** decimals)
                return xp.rint(a * scale) / scale
            scale = float(10 ** -decimals)
            return xp.rint(a / scale) * scale
        return run_kernel(kernel, xp_of(x), x._data)

    @staticmethod
    def backward(ctx, grad):
        return zeros_for(grad)


def round(input, *, decimals=0, out=None):
    if decimals == 0:
        return _round_half_even(input, out=out)
    require_tensor(input, "round")
    if not input._dtype.is_floating_point:
        raise not_implemented("round_cpu", input._dtype)
    result = RoundDecimals.apply(input, int(decimals))
    return result if out is None else write_out(out, result)


def frac(input, *, out=None):
    require_tensor(input, "frac")
    if not input._dtype.is_floating_point:
        raise not_implemented("frac_cpu", input._dtype)
    result = input - trunc(input)
    return result if out is None else write_out(out, result)


# ---------------------------------------------------------------- division kernels

def _check_divisor(b):
    if b._dtype.category <= dtypes.INTEGRAL and bool(xp_of(b).any(b._data == 0)):
        raise RuntimeError("ZeroDivisionError")


def _trunc_div_kernel(xp, a, b):
    if a.dtype.kind not in "iu":
        return xp.trunc(a / b)
    floor = a // b
    # Integer floor division rounds toward -inf; step back toward 0 when inexact.
    return xp.where((a % b != 0) & ((a < 0) != (b < 0)), floor + 1, floor)


def _floor_div_kernel(xp, a, b):
    if a.dtype.kind in "iu":
        return a // b
    with quiet(xp):  # division by zero is defined (inf/nan) and silent in torch
        return _floor_div_float(xp, a, b)


def _floor_div_float(xp, a, b):
    # torch's (and CPython's) float floor division: exact via fmod, rounded to whole.
    mod = xp.fmod(a, b)
    div = (a - mod) / b
    div = xp.where((mod != 0) & ((b < 0) != (mod < 0)), div - 1, div)
    whole = xp.floor(div)
    whole = xp.where(div - whole > 0.5, whole + 1, whole)
    signed_zero = xp.copysign(xp.zeros_like(div), a / b)
    return xp.where(b == 0, a / b, xp.where(div != 0, whole, signed_zero))


def _remainder_kernel(xp, a, b):
    if a.dtype.kind in "iu":
        return xp.remainder(a, b)
    # torch's formula (its signed zeros differ from NumPy's remainder).
    mod = xp.fmod(a, b)
    return xp.where((mod != 0) & ((b < 0) != (mod < 0)), mod + b, mod)


_DIV_KERNELS = {"trunc": _trunc_div_kernel, "floor": _floor_div_kernel}


class RoundedDiv(Primitive):
    """div with rounding_mode: its gradient is zero, as in torch."""
    grad_fn_name = "DivBackward2"

    @staticmethod
    def forward(ctx, a, b, mode):
        ctx.shapes = a.shape, b.shape
        return run_kernel(_DIV_KERNELS[mode], xp_of(a), a._data, b._data)

    @staticmethod
    def backward(ctx, grad):
        return tuple(grad.new_zeros(shape) for shape in ctx.shapes)


def _division_operands(input, other, kernel):
    a, b = tensor_operands(input, other)
    if a._dtype is dtypes.bool or a._dtype.is_complex:
        raise not_implemented(kernel, a._dtype)
    _check_divisor(b)
    return a, b


def _rounded_div(input, other, rounding_mode):
    """div(input, other, rounding_mode='trunc' | 'floor') (called by arithmetic.div)."""
    if rounding_mode not in _DIV_KERNELS:
        raise RuntimeError("div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                           f"but found '{rounding_mode}'")
    a, b = _division_operands(input, other, f"div_{rounding_mode}_cpu")
    return RoundedDiv.apply(a, b, rounding_mode)


def floor_divide(input, other, *, out=None):
    a, b = _division_operands(input, other, "div_floor_cpu")
    result = NotDifferentiable.apply("floor_divide", _floor_div_kernel, a, b)
    return result if out is None else write_out(out, result)


# ---------------------------------------------------------------- fmod, remainder

class Fmod(BinaryPrimitive):
    kernel = staticmethod(lambda xp, a, b: xp.fmod(a, b))

    @staticmethod
    def gradients(ctx, grad, a, b):
        return grad, -grad * _rounded_div(a, b, "trunc")


class Remainder(BinaryPrimitive):
    kernel = staticmethod(_remainder_kernel)

    @staticmethod
    def gradients(ctx, grad, a, b):
        return grad, -grad * _rounded_div(a, b, "floor")


def fmod(input, other, *, out=None):
    require_tensor(input, "fmod")
    a, b = _division_operands(input, other, "fmod_cpu")
    result = Fmod.apply(a, b)
    return result if out is None else write_out(out, result)


def remainder(input, other, *, out=None):
    a, b = _division_operands(input, other, "remainder_cpu")
    if not isinstance(input, Tensor):
        # NOTE: torch has no derivative for remainder(Scalar, Tensor).
        result = NotDifferentiable.apply("remainder", _remainder_kernel, a, b)
    else:
        result = Remainder.apply(a, b)
    return result if out is None else write_out(out, result)


def _reflected(fn):
    def method(self, other):
        return fn(other, self)
    return method


_FUNCTIONS = dict(floor=floor, ceil=ceil, trunc=trunc, fix=fix, round=round, frac=frac,
                  fmod=fmod, remainder=remainder, floor_divide=floor_divide)

TENSOR_METHODS = dict(
    _FUNCTIONS, **{name + "_": inplace(fn) for name, fn in _FUNCTIONS.items()},
    __mod__=remainder, __rmod__=_reflected(remainder), __imod__=inplace(remainder),
    __floordiv__=floor_divide, __rfloordiv__=_reflected(floor_divide),
    __ifloordiv__=inplace(floor_divide),
)

__all__ = list(_FUNCTIONS)
