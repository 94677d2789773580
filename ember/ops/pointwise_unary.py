"""Unary elementwise math: exponentials and logarithms, powers, trigonometric and
hyperbolic functions, sigmoid/logit, sinc, relu, abs and sign.

Each function with a NumPy kernel is a small primitive from ``unary_primitive``
(NOTE: primitives because the array library's kernel is faster and more accurate
than any composite; the derivative sits beside the kernel). Integer and bool inputs
compute in the default float dtype, as in torch.
"""
import math

from .. import _dtype as dtypes
from ..autograd.graph import Primitive
from ._util import output_array, write_out, xp_of
from .pointwise_base import (_float_input, inplace, not_implemented, quiet, require_tensor,
                             run_kernel, unary_function, unary_primitive, where)

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


def _sigmoid_kernel(xp, a):
    if a.dtype.kind == "c":
        return 1 / (1 + xp.exp(-a))
    # NOTE: the two-branch form never overflows exp for large |x|.
    e = xp.exp(-xp.abs(a))
    return xp.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)


def _sinc_kernel(xp, a):
    zero = a == 0
    px = xp.where(zero, 1, a) * math.pi
    with quiet(xp):  # inf / inf for infinite inputs gives NaN, as in torch
        return xp.where(zero, 1, xp.sin(px) / px).astype(a.dtype, copy=False)


def _sinc_derivative(x):
    px = x * math.pi
    d = (px * px.cos() - px.sin()) / (px * x)
    return where(x == 0, d.new_zeros(()), d)


# Each entry: primitive name, kernel, derivative (of the input, or of the output when
# uses_output is True), and the same derivative over backend arrays for array_backward.
Exp = unary_primitive("Exp", lambda xp, a: xp.exp(a), lambda y: y, True,
                      lambda xp, y: y)
Exp2 = unary_primitive("Exp2", lambda xp, a: xp.exp2(a), lambda y: y * _LN2, True,
                       lambda xp, y: y * _LN2)
Expm1 = unary_primitive("Expm1", lambda xp, a: xp.expm1(a), lambda y: y + 1, True,
                        lambda xp, y: y + 1)
Log = unary_primitive("Log", lambda xp, a: xp.log(a), lambda x: 1 / x,
                      array_derivative=lambda xp, x: 1 / x)
Log2 = unary_primitive("Log2", lambda xp, a: xp.log2(a), lambda x: 1 / (x * _LN2),
                       array_derivative=lambda xp, x: 1 / (x * _LN2))
Log10 = unary_primitive("Log10", lambda xp, a: xp.log10(a), lambda x: 1 / (x * _LN10),
                        array_derivative=lambda xp, x: 1 / (x * _LN10))
Log1p = unary_primitive("Log1p", lambda xp, a: xp.log1p(a), lambda x: 1 / (x + 1),
                        array_derivative=lambda xp, x: 1 / (x + 1))
Sqrt = unary_primitive("Sqrt", lambda xp, a: xp.sqrt(a), lambda y: 0.5 / y, True,
                       lambda xp, y: 0.5 / y)
Rsqrt = unary_primitive("Rsqrt", lambda xp, a: 1 / xp.sqrt(a), lambda y: y * y * y * -0.5,
                        True, lambda xp, y: y * y * y * -0.5)
Reciprocal = unary_primitive("Reciprocal", lambda xp, a: 1 / a, lambda y: -(y * y), True,
                             lambda xp, y: -(y * y))
Sin = unary_primitive("Sin", lambda xp, a: xp.sin(a), lambda x: x.cos(),
                      array_derivative=lambda xp, x: xp.cos(x))
Cos = unary_primitive("Cos", lambda xp, a: xp.cos(a), lambda x: -x.sin(),
                      array_derivative=lambda xp, x: -xp.sin(x))
Tan = unary_primitive("Tan", lambda xp, a: xp.tan(a), lambda y: y * y + 1, True,
                      lambda xp, y: y * y + 1)
Asin = unary_primitive("Asin", lambda xp, a: xp.arcsin(a), lambda x: (1 - x * x).rsqrt(),
                       array_derivative=lambda xp, x: 1 / xp.sqrt(1 - x * x))
Acos = unary_primitive("Acos", lambda xp, a: xp.arccos(a), lambda x: -(1 - x * x).rsqrt(),
                       array_derivative=lambda xp, x: -1 / xp.sqrt(1 - x * x))
Atan = unary_primitive("Atan", lambda xp, a: xp.arctan(a), lambda x: 1 / (x * x + 1),
                       array_derivative=lambda xp, x: 1 / (x * x + 1))
Sinh = unary_primitive("Sinh", lambda xp, a: xp.sinh(a), lambda x: x.cosh(),
                       array_derivative=lambda xp, x: xp.cosh(x))
Cosh = unary_primitive("Cosh", lambda xp, a: xp.cosh(a), lambda x: x.sinh(),
                       array_derivative=lambda xp, x: xp.sinh(x))
Tanh = unary_primitive("Tanh", lambda xp, a: xp.tanh(a), lambda y: 1 - y * y, True,
                       lambda xp, y: 1 - y * y)
Asinh = unary_primitive("Asinh", lambda xp, a: xp.arcsinh(a), lambda x: (x * x + 1).rsqrt(),
                        array_derivative=lambda xp, x: 1 / xp.sqrt(x * x + 1))
Acosh = unary_primitive("Acosh", lambda xp, a: xp.arccosh(a), lambda x: (x * x - 1).rsqrt(),
                        array_derivative=lambda xp, x: 1 / xp.sqrt(x * x - 1))
Atanh = unary_primitive("Atanh", lambda xp, a: xp.arctanh(a), lambda x: 1 / (1 - x * x),
                        array_derivative=lambda xp, x: 1 / (1 - x * x))
Sigmoid = unary_primitive("Sigmoid", _sigmoid_kernel, lambda y: y * (1 - y), True,
                          lambda xp, y: y * (1 - y))
Sinc = unary_primitive("Sinc", _sinc_kernel, _sinc_derivative)
# NOTE: floor/ceil/trunc/round have zero gradient everywhere, as in torch.
Sign = unary_primitive("Sign", lambda xp, a: a.copy() if a.dtype.kind == "b" else
                       # (x > 0) - (x < 0): torch's sign(NaN) is 0, NumPy's NaN.
                       (a > 0).astype(a.dtype) - (a < 0).astype(a.dtype))

exp = unary_function(Exp, "exp")
exp2 = unary_function(Exp2, "exp2")
expm1 = unary_function(Expm1, "expm1")
log = unary_function(Log, "log")
log2 = unary_function(Log2, "log2")
log10 = unary_function(Log10, "log10")
log1p = unary_function(Log1p, "log1p")
sqrt = unary_function(Sqrt, "sqrt")
rsqrt = unary_function(Rsqrt, "rsqrt")
reciprocal = unary_function(Reciprocal, "reciprocal")
sin = unary_function(Sin, "sin")
cos = unary_function(Cos, "cos")
tan = unary_function(Tan, "tan")
asin = unary_function(Asin, "asin")
acos = unary_function(Acos, "acos")
atan = unary_function(Atan, "atan")
sinh = unary_function(Sinh, "sinh")
cosh = unary_function(Cosh, "cosh")
tanh = unary_function(Tanh, "tanh")
asinh = unary_function(Asinh, "asinh")
acosh = unary_function(Acosh, "acosh")
atanh = unary_function(Atanh, "atanh")
sigmoid = unary_function(Sigmoid, "sigmoid")
sinc = unary_function(Sinc, "sinc")
arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh


# ---------------------------------------------------------------- relu, abs, sign

class Relu(Primitive):
    save_output = True

    @staticmethod
    def forward(ctx, x):
        return xp_of(x).maximum(x._data, 0)

    @staticmethod
    def backward(ctx, grad):
        # NOTE: the gradient at exactly 0 is 0, as in torch.
        return grad * (ctx.output() > 0)

    @staticmethod
    def array_backward(ctx, grad):
        # (a multiplication, as backward's, so that NaN gradients stay NaN)
        return grad * (output_array(ctx) > 0).astype(grad.dtype)


def relu(input):
    require_tensor(input, "relu")
    if input._dtype is dtypes.bool:
        raise RuntimeError("Boolean inputs not supported for relu")
    if input._dtype.is_complex:
        raise NotImplementedError("clamp is not supported for complex types")
    return Relu.apply(input)


class Abs(Primitive):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp_of(x).abs(x._data)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x.sgn() if x._dtype.is_complex else grad * x.sign()

    @staticmethod
    def array_backward(ctx, grad):
        (x,) = ctx.saved_arrays
        if x.dtype.kind == "c":
            return NotImplemented
        # torch's sign: (x > 0) - (x < 0), so 0 at NaN (NumPy's sign gives NaN)
        return grad * ((x > 0).astype(grad.dtype) - (x < 0).astype(grad.dtype))


def abs(input, *, out=None):
    require_tensor(input, "abs")
    if input._dtype is dtypes.bool:
        raise not_implemented("abs_cpu", input._dtype)
    result = Abs.apply(input)
    return result if out is None else write_out(out, result)


def sign(input, *, out=None):
    require_tensor(input, "sign")
    if input._dtype.is_complex:
        raise NotImplementedError("Unlike NumPy, torch.sign is not intended to support "
                                  "complex numbers. Please use torch.sgn instead.")
    result = Sign.apply(input)
    return result if out is None else write_out(out, result)


def sgn(input, *, out=None):
    """x / |x| for complex x (0 at 0); sign(x) for real x."""
    if not input._dtype.is_complex:
        return sign(input, out=out)
    magnitude = abs(input)
    is_zero = magnitude == 0
    # The safe denominator keeps the unselected branch (and its gradient) finite.
    safe = where(is_zero, magnitude.new_ones(()), magnitude)
    result = where(is_zero, input.new_zeros(()), input / safe)
    return result if out is None else write_out(out, result)


def positive(input):
    if input._dtype is dtypes.bool:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


def square(input, *, out=None):
    # NOTE: complex squares use x * x: arithmetic's Pow backward lacks the conjugate
    # that torch's complex gradient convention needs.
    result = input * input if input._dtype.is_complex else input.pow(2)
    return result if out is None else write_out(out, result)


# ---------------------------------------------------------------- logit, deg2rad

class Logit(Primitive):
    """log(z / (1 - z)) with z = x clamped into [eps, 1 - eps] when eps is given.

    NOTE: a primitive for torch's gradient: NaN outside [0, 1] without eps, and 0
    outside [eps, 1 - eps] with it.
    """

    @staticmethod
    def forward(ctx, x, eps):
        ctx.save_for_backward(x)
        ctx.eps = eps

        def kernel(xp, a):
            z = a if eps is None else xp.clip(a, eps, 1 - eps)
            return xp.log(z / (1 - z))
        return run_kernel(kernel, xp_of(x), x._data)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        d = grad / (x * (1 - x))
        if ctx.eps is None:
            return where((x < 0) | (x > 1), d.new_full((), math.nan), d)
        return where((x < ctx.eps) | (x > 1 - ctx.eps), d.new_zeros(()), d)


def logit(input, eps=None, *, out=None):
    require_tensor(input, "logit")
    x = _float_input(input)
    if x._dtype.is_complex:
        raise not_implemented("logit_cpu", x._dtype)
    result = Logit.apply(x, None if eps is None else float(eps))
    return result if out is None else write_out(out, result)


def _angle_conversion(name, primitive_name, factor):
    # NOTE: a primitive so that float16/bfloat16 scale in float32, as torch does.
    primitive = unary_primitive(primitive_name, lambda xp, a: a * factor,
                                lambda x: x.new_full((), factor),
                                array_derivative=lambda xp, x: xp.full((), factor, x.dtype))

    def fn(input, *, out=None):
        require_tensor(input, name)
        if input._dtype.is_complex:
            raise RuntimeError(f"{name} is not supported for complex tensors.")
        result = primitive.apply(_float_input(input))
        return result if out is None else write_out(out, result)
    fn.__name__ = name
    return fn


deg2rad = _angle_conversion("deg2rad", "Deg2Rad", math.pi / 180)
rad2deg = _angle_conversion("rad2deg", "Rad2Deg", 180 / math.pi)


_FUNCTIONS = dict(
    exp=exp, exp2=exp2, expm1=expm1, log=log, log2=log2, log10=log10, log1p=log1p,
    sqrt=sqrt, rsqrt=rsqrt, reciprocal=reciprocal, square=square, sin=sin, cos=cos,
    tan=tan, asin=asin, acos=acos, atan=atan, sinh=sinh, cosh=cosh, tanh=tanh,
    asinh=asinh, acosh=acosh, atanh=atanh, arcsin=asin, arccos=acos, arctan=atan,
    arcsinh=asinh, arccosh=acosh, arctanh=atanh, sigmoid=sigmoid, sinc=sinc, relu=relu,
    abs=abs, absolute=abs, sign=sign, sgn=sgn, logit=logit, deg2rad=deg2rad,
    rad2deg=rad2deg,
)
absolute = abs

TENSOR_METHODS = dict(_FUNCTIONS, positive=positive, __pos__=positive, __abs__=abs,
                      **{name + "_": inplace(fn) for name, fn in _FUNCTIONS.items()})

__all__ = list(_FUNCTIONS) + ["positive"]
