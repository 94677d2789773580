"""Arithmetic: + - * / ** and unary minus, with torch's promotion, as primitives.

Binary primitives take (Tensor, Tensor-or-scalar) already promoted to one dtype by
``binary_operands``; their backward reduces broadcast gradients with ``grad_for``.
"""
from .. import _dtype as dtypes
from .._tensor import Tensor
from ..autograd.graph import Primitive
from ._util import (apply_inplace, binary_operands, grad_array_for, grad_for, in_dtype,
                    sum_to, sum_to_array, write_out, wrapped_int, xp_of)
from ..amp.autocast_mode import autocast_call, state as amp_state


class _Binary(Primitive):
    """Shared shape bookkeeping: backward gradients are reduced to input shapes."""

    @staticmethod
    def _remember(ctx, a, b):
        ctx.a_shape = a._data.shape
        if isinstance(b, Tensor):
            ctx.b_shape = b._data.shape


def _reduce(grad, shape):
    return sum_to(grad, shape)


class Add(_Binary):
    @staticmethod
    def forward(ctx, a, b, alpha=1):
        ctx.alpha = alpha
        if isinstance(b, Tensor):
            ctx.a_shape, ctx.b_shape = a._data.shape, b._data.shape  # (_remember, inlined)
            if alpha == 1:
                return a._data + b._data
            return _like(a._data + b._data * alpha, a)
        ctx.a_shape = a._data.shape
        return _like(a._data + (b if alpha == 1 else b * alpha), a)

    @staticmethod
    def backward(ctx, grad):
        ga = _reduce(grad, ctx.a_shape) if ctx.needs_input_grad[0] else None
        gb = None
        if ctx.needs_input_grad[1]:
            gb = _reduce(grad if ctx.alpha == 1 else grad * ctx.alpha, ctx.b_shape)
        return ga, gb

    @staticmethod
    def array_backward(ctx, grad):
        if ctx.alpha != 1:
            return NotImplemented
        needs = ctx.needs_input_grad
        shape = grad.shape
        return (None if not needs[0] else grad if shape == ctx.a_shape else
                sum_to_array(grad, ctx.a_shape),
                None if not needs[1] else grad if shape == ctx.b_shape else
                sum_to_array(grad, ctx.b_shape))


class Sub(_Binary):
    @staticmethod
    def forward(ctx, a, b, alpha=1):
        _Binary._remember(ctx, a, b)
        ctx.alpha = alpha
        if isinstance(b, Tensor):
            if alpha == 1:
                return a._data - b._data
            return _like(a._data - b._data * alpha, a)
        return _like(a._data - (b if alpha == 1 else b * alpha), a)

    @staticmethod
    def backward(ctx, grad):
        ga = _reduce(grad, ctx.a_shape) if ctx.needs_input_grad[0] else None
        gb = None
        if ctx.needs_input_grad[1]:
            gb = _reduce(-grad if ctx.alpha == 1 else grad * (-ctx.alpha), ctx.b_shape)
        return ga, gb

    @staticmethod
    def array_backward(ctx, grad):
        if ctx.alpha != 1:
            return NotImplemented
        need_a, need_b = ctx.needs_input_grad[:2]
        return (sum_to_array(grad, ctx.a_shape) if need_a else None,
                sum_to_array(-grad, ctx.b_shape) if need_b else None)


class RSub(_Binary):
    """scalar - tensor."""
    grad_fn_name = "RsubBackward1"

    @staticmethod
    def forward(ctx, a, scalar, alpha=1):
        ctx.alpha = alpha
        return _like(scalar - a._data * alpha if alpha != 1 else scalar - a._data, a)

    @staticmethod
    def backward(ctx, grad):
        return -grad if ctx.alpha == 1 else grad * (-ctx.alpha)

    @staticmethod
    def array_backward(ctx, grad):
        return -grad if ctx.alpha == 1 else NotImplemented


class Mul(_Binary):
    scalar = None  # the Python scalar operand, when b is one

    @staticmethod
    def forward(ctx, a, b):
        if isinstance(b, Tensor):
            ctx.save_for_backward(a, b)
            return a._data * b._data
        ctx.scalar = b
        return _like(a._data * b, a)

    @staticmethod
    def backward(ctx, grad):
        if ctx.scalar is not None:
            return grad * ctx.scalar, None
        a, b = ctx.saved_tensors
        ga = grad_for(grad * b.conj() if b.is_complex() else grad * b, a) \
            if ctx.needs_input_grad[0] else None
        gb = grad_for(grad * a.conj() if a.is_complex() else grad * a, b) \
            if ctx.needs_input_grad[1] else None
        return ga, gb

    @staticmethod
    def array_backward(ctx, grad):
        scalar = ctx.scalar
        if grad.dtype.kind == "c" or isinstance(scalar, complex):
            return NotImplemented  # the tensor backward conjugates
        if scalar is not None:
            return in_dtype(grad * scalar, grad), None
        # (Real gradient: neither operand is complex, or the product would be.)
        a, b = ctx.saved_arrays
        needs = ctx.needs_input_grad
        ga = gb = None
        if needs[0]:
            ga = grad * b
            if ga.shape != a.shape or ga.dtype != a.dtype:
                ga = grad_array_for(ga, a)
        if needs[1]:
            gb = grad * a
            if gb.shape != b.shape or gb.dtype != b.dtype:
                gb = grad_array_for(gb, b)
        return ga, gb


class Div(_Binary):
    scalar = None  # the Python scalar operand, when b is one

    @staticmethod
    def forward(ctx, a, b):
        if isinstance(b, Tensor):
            ctx.save_for_backward(a, b)
            return a._data / b._data
        ctx.scalar = b
        return _like(a._data / b, a)

    @staticmethod
    def backward(ctx, grad):
        if ctx.scalar is not None:
            return grad / _conj(ctx.scalar), None
        a, b = ctx.saved_tensors
        ga = grad_for(grad / _conj(b), a) if ctx.needs_input_grad[0] else None
        gb = grad_for(-grad * _conj(a / (b * b)), b) if ctx.needs_input_grad[1] else None
        return ga, gb

    @staticmethod
    def array_backward(ctx, grad):
        scalar = ctx.scalar
        if grad.dtype.kind == "c" or isinstance(scalar, complex):
            return NotImplemented  # the tensor backward conjugates
        if scalar is not None:
            return in_dtype(grad / scalar, grad), None
        # (Real gradient: neither operand is complex, or the quotient would be.)
        a, b = ctx.saved_arrays
        needs = ctx.needs_input_grad
        return (grad_array_for(grad / b, a) if needs[0] else None,
                grad_array_for(-grad * (a / (b * b)), b) if needs[1] else None)


class RDiv(Primitive):
    """scalar / tensor."""
    grad_fn_name = "DivBackward0"

    @staticmethod
    def forward(ctx, a, scalar):
        ctx.save_for_backward(a)
        ctx.scalar = scalar
        return _like(scalar / a._data, a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return -grad * _conj(ctx.scalar / (a * a))

    @staticmethod
    def array_backward(ctx, grad):
        (a,) = ctx.saved_arrays
        if grad.dtype.kind == "c" or isinstance(ctx.scalar, complex):
            return NotImplemented
        return in_dtype(-grad * (ctx.scalar / (a * a)), grad)


class Neg(Primitive):
    @staticmethod
    def forward(ctx, x):
        if x._dtype is dtypes.bool:
            raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. "
                               "If you are trying to invert a mask, use the `~` or "
                               "`logical_not()` operator instead.")
        return -x._data

    @staticmethod
    def backward(ctx, grad):
        return -grad

    @staticmethod
    def array_backward(ctx, grad):
        return -grad


class Pow(_Binary):
    """tensor ** scalar (PowBackward0) and tensor ** tensor (PowBackward1)."""

    @staticmethod
    def forward(ctx, a, b):
        xp = xp_of(a)
        if isinstance(b, Tensor):
            ctx.save_for_backward(a, b)
            ctx.scalar = None
            return _int_pow_check(xp, a._data, b._data)
        ctx.save_for_backward(a)
        ctx.scalar = b
        return _like(_int_pow_check(xp, a._data, b), a)

    def name(self):
        return "PowBackward0" if self.scalar is not None else "PowBackward1"

    @staticmethod
    def backward(ctx, grad):
        if ctx.scalar is not None:
            (a,) = ctx.saved_tensors
            if ctx.scalar == 0:
                return grad * 0, None
            return grad * _conj(ctx.scalar * a ** (ctx.scalar - 1)), None
        a, b = ctx.saved_tensors
        ga = gb = None
        if ctx.needs_input_grad[0]:
            # NOTE: torch defines d/da a**b as 0 where b == 0 (even at a == 0).
            ga = grad_for(_masked_where_zero(b, grad * _conj(b * a ** (b - 1))), a)
        if ctx.needs_input_grad[1]:
            out = a ** b
            # NOTE: d/db a**b = a**b * log(a), taken as 0 where a == 0 and b >= 0.
            log_a = a.log()
            # (a complex b counts as >= 0 when it is real and >= 0, as in torch)
            b_nonneg = ((b.imag == 0) & (b.real >= 0)) if b.is_complex() else b >= 0
            gb = grad_for(_zero_where((a == 0) & b_nonneg, grad * _conj(out * log_a)), b)
        return ga, gb

    @staticmethod
    def array_backward(ctx, grad):
        scalar = ctx.scalar
        if scalar is None or grad.dtype.kind == "c" or isinstance(scalar, complex):
            return NotImplemented  # tensor ** tensor, complex: the tensor backward
        if scalar == 0:
            return grad * 0, None
        (a,) = ctx.saved_arrays
        # Each step in grad's dtype, as the tensor backward's ops keep it.
        slope = in_dtype(scalar * in_dtype(a ** (scalar - 1), grad), grad)
        return grad * slope, None


class RPow(Primitive):
    """scalar ** tensor."""
    grad_fn_name = "PowBackward2"
    save_output = True

    @staticmethod
    def forward(ctx, a, scalar):
        ctx.scalar = scalar
        return _like(_int_pow_check(xp_of(a), scalar, a._data), a)

    @staticmethod
    def backward(ctx, grad):
        import math
        if ctx.scalar == 0:
            return grad * 0
        import cmath
        log_s = cmath.log(ctx.scalar) if isinstance(ctx.scalar, complex) or ctx.scalar < 0 \
            else math.log(ctx.scalar)
        return grad * _conj(ctx.output() * log_s)


def _like(result, a):
    # NOTE: NumPy widens bfloat16 with a Python float to float32; torch keeps bfloat16.
    return result if result.dtype == a._data.dtype else result.astype(a._data.dtype)


def _conj(value):
    """Complex gradients use the conjugate derivative (torch's convention)."""
    if isinstance(value, Tensor):
        return value.conj() if value.is_complex() else value
    return value.conjugate() if isinstance(value, complex) else value


def _int_pow_check(xp, base, exponent):
    if getattr(exponent, "dtype", None) is not None and exponent.dtype.kind in "iu" and \
            (exponent < 0).any() and getattr(base, "dtype", None) is not None and \
            base.dtype.kind in "iu":
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    if isinstance(exponent, int) and exponent < 0 and getattr(base, "dtype", xp.float64).kind in "iu":
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    return xp.power(base, exponent)


def _zero_where(mask, value):
    from .pointwise import where
    return where(mask, value.new_zeros(()), value)


def _masked_where_zero(b, value):
    return _zero_where(b == 0, value)


# ---------------------------------------------------------------- public functions

def add(input, other, *, alpha=1, out=None):
    if isinstance(other, Tensor) and isinstance(input, Tensor) and alpha == 1 and \
            out is None and input._dtype is other._dtype and input._device is other._device:
        return Add.apply(input, other, 1)  # the hot case: no promotion, no checks
    if not isinstance(input, Tensor):
        input, other = other, input
    a, b, dtype = binary_operands(input, other)
    b = wrapped_int(b, dtype)  # NOTE: torch wraps out-of-range ints; NumPy refuses them
    result = Add.apply(a, b, alpha)
    return result if out is None else write_out(out, result)


def sub(input, other, *, alpha=1, out=None):
    if not isinstance(input, Tensor):
        return rsub(other, input, alpha=alpha)
    if input._dtype is dtypes.bool or getattr(other, "_dtype", None) is dtypes.bool:
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or "
                           "`logical_not()` operator instead.")
    a, b, dtype = binary_operands(input, other)
    b = wrapped_int(b, dtype)  # NOTE: torch wraps out-of-range ints; NumPy refuses them
    result = Sub.apply(a, b, alpha)
    return result if out is None else write_out(out, result)


def rsub(input, other, *, alpha=1):
    """other - alpha * input."""
    if isinstance(other, Tensor):
        return sub(other, input, alpha=alpha)
    a, b, dtype = binary_operands(input, other)
    b = wrapped_int(b, dtype)  # NOTE: torch wraps out-of-range ints; NumPy refuses them
    return RSub.apply(a, b, alpha)


def mul(input, other, *, out=None):
    if isinstance(other, Tensor) and isinstance(input, Tensor) and out is None and \
            input._dtype is other._dtype and input._device is other._device:
        return Mul.apply(input, other)  # the hot case: no promotion, no checks
    if not isinstance(input, Tensor):
        input, other = other, input
    a, b, dtype = binary_operands(input, other)
    b = wrapped_int(b, dtype)  # NOTE: torch wraps out-of-range ints; NumPy refuses them
    result = Mul.apply(a, b)
    return result if out is None else write_out(out, result)


def _true_div_dtype(a, b):
    a, b, dtype = binary_operands(a, b)
    if dtype.category <= dtypes.INTEGRAL:
        from ._util import cast
        target = dtypes.get_default_dtype()
        a = cast(a, target) if isinstance(a, Tensor) else a
        b = cast(b, target) if isinstance(b, Tensor) else b
    return a, b


def div(input, other, *, rounding_mode=None, out=None):
    if rounding_mode is not None:
        from .pointwise import _rounded_div
        result = _rounded_div(input, other, rounding_mode)
        return result if out is None else write_out(out, result)
    if not isinstance(input, Tensor):
        a, b = _true_div_dtype(other, input)
        result = RDiv.apply(a, b)
    else:
        a, b = _true_div_dtype(input, other)
        result = Div.apply(a, b)
    return result if out is None else write_out(out, result)


def true_divide(input, other, *, out=None):
    return div(input, other, out=out)


def neg(input, *, out=None):
    result = Neg.apply(input)
    return result if out is None else write_out(out, result)


def pow(input, exponent, *, out=None):
    if amp_state.active:
        return autocast_call("pow", pow, input, exponent=exponent, out=out)
    if not isinstance(input, Tensor):
        a, b, _ = binary_operands(exponent, input)
        result = RPow.apply(a, b)
    else:
        a, b, _ = binary_operands(input, exponent)
        result = Pow.apply(a, b)
    return result if out is None else write_out(out, result)


# ---------------------------------------------------------------- operators

def _reflected(fn):
    def method(self, other):
        return fn(other, self)
    return method


def _inplace(fn):
    def method(self, other, **kwargs):
        return apply_inplace(self, fn, other, **kwargs)
    return method


def _rtruediv(self, other):
    return div(other, self)


TENSOR_METHODS = dict(
    add=add, sub=sub, subtract=sub, mul=mul, multiply=mul, div=div, divide=div,
    true_divide=true_divide, neg=neg, negative=neg, pow=pow,
    add_=_inplace(add), sub_=_inplace(sub), subtract_=_inplace(sub), mul_=_inplace(mul),
    multiply_=_inplace(mul), div_=_inplace(div), divide_=_inplace(div),
    true_divide_=_inplace(true_divide), pow_=_inplace(pow),
    neg_=lambda self: apply_inplace(self, neg), negative_=lambda self: apply_inplace(self, neg),
    __add__=add, __radd__=add, __iadd__=_inplace(add),
    __sub__=sub, __rsub__=_reflected(sub), __isub__=_inplace(sub),
    __mul__=mul, __rmul__=mul, __imul__=_inplace(mul),
    __truediv__=div, __rtruediv__=_rtruediv, __itruediv__=_inplace(div),
    __pow__=pow, __rpow__=_reflected(pow), __ipow__=_inplace(pow),
    __neg__=neg,
)

__all__ = ["add", "sub", "subtract", "rsub", "mul", "multiply", "div", "divide", "true_divide",
           "neg", "negative", "pow"]
subtract, multiply, divide, negative = sub, mul, div, neg
