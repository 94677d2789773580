"""Logical and bitwise ops (with the & | ^ ~ << >> operators) and the floating-point
classification tests isnan, isinf, isfinite, isposinf, isneginf, isreal, signbit.

None of these is differentiable: results are bool or integer.
"""
from .. import _dtype as dtypes
from .._tensor import Tensor
from ._util import broadcast_shapes, check_same_device, write_out, xp_of
from .pointwise_base import (inplace, not_implemented, require_integral, require_tensor,
                             tensor_operands)


def _make(data, like):
    return Tensor._make(xp_of(like).asarray(data), like._device)


# ---------------------------------------------------------------- logical

def _truth(t):
    return t._data if t._dtype is dtypes.bool else t._data != 0


def _logical(name, ufunc):
    def fn(input, other, *, out=None):
        require_tensor(input, name)
        require_tensor(other, name, "other", 2)
        check_same_device(input, other)
        broadcast_shapes(input.shape, other.shape)
        result = _make(getattr(xp_of(input), ufunc)(_truth(input), _truth(other)), input)
        return result if out is None else write_out(out, result)
    fn.__name__ = name
    return fn


logical_and = _logical("logical_and", "logical_and")
logical_or = _logical("logical_or", "logical_or")
logical_xor = _logical("logical_xor", "logical_xor")


def logical_not(input, *, out=None):
    require_tensor(input, "logical_not")
    result = _make(xp_of(input).logical_not(_truth(input)), input)
    return result if out is None else write_out(out, result)


# ---------------------------------------------------------------- bitwise

def _bitwise(name, kernel_name, kernel, takes_bool=True):
    def fn(input, other, *, out=None):
        a, b = tensor_operands(input, other)
        require_integral(a._dtype, kernel_name)
        if not takes_bool and a._dtype is dtypes.bool:
            raise not_implemented(kernel_name, a._dtype)
        result = _make(kernel(xp_of(a), a._data, b._data), a)
        return result if out is None else write_out(out, result)
    fn.__name__ = name
    return fn


def _left_shift(xp, a, b):
    # NOTE: torch's semantics: shifting by a negative amount or by the bit width or more
    # gives 0 (NumPy and C leave it undefined or platform-dependent).
    bits = a.dtype.itemsize * 8
    valid = (b >= 0) & (b < bits)
    shifted = xp.left_shift(a, xp.where(valid, b, 0).astype(a.dtype))
    return xp.where(valid, shifted, 0).astype(a.dtype)


def _right_shift(xp, a, b):
    # Out-of-range shifts fill with the sign bit: -1 for negative values, else 0.
    bits = a.dtype.itemsize * 8
    valid = (b >= 0) & (b < bits)
    shifted = xp.right_shift(a, xp.where(valid, b, 0).astype(a.dtype))
    return xp.where(valid, shifted, xp.where(a < 0, -1, 0)).astype(a.dtype)


bitwise_and = _bitwise("bitwise_and", "bitwise_and_cpu", lambda xp, a, b: xp.bitwise_and(a, b))
bitwise_or = _bitwise("bitwise_or", "bitwise_or_cpu", lambda xp, a, b: xp.bitwise_or(a, b))
bitwise_xor = _bitwise("bitwise_xor", "bitwise_xor_cpu", lambda xp, a, b: xp.bitwise_xor(a, b))
bitwise_left_shift = _bitwise("bitwise_left_shift", "lshift_cpu", _left_shift, False)
bitwise_right_shift = _bitwise("bitwise_right_shift", "rshift_cpu", _right_shift, False)


def bitwise_not(input, *, out=None):
    require_tensor(input, "bitwise_not")
    require_integral(input._dtype, "bitwise_not_cpu")
    result = _make(xp_of(input).invert(input._data), input)
    return result if out is None else write_out(out, result)


def _invert_operator(self):
    if self._dtype.category > dtypes.INTEGRAL:
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type "
                        "tensors")
    return bitwise_not(self)


def _reflected(fn):
    def method(self, other):
        return fn(other, self)
    return method


# ---------------------------------------------------------------- classification

def _classify(name, kernel, integral_value, complex_error=None):
    """A bool-valued test; integer and bool inputs give integral_value everywhere
    (or the kernel's answer when integral_value is None).
    """
    def fn(input, *, out=None):
        require_tensor(input, name)
        if complex_error and input._dtype.is_complex:
            raise complex_error
        xp = xp_of(input)
        data = input._data
        if integral_value is not None and input._dtype.category <= dtypes.INTEGRAL:
            values = xp.full(data.shape, integral_value, dtype=bool)
        else:
            if data.dtype.itemsize == 2 and data.dtype.kind != "i":
                data = data.astype(xp.float32)  # NumPy lacks some bfloat16 tests
            values = kernel(xp, data)
        result = _make(values, input)
        return result if out is None else write_out(out, result)
    fn.__name__ = name
    return fn


isnan = _classify("isnan", lambda xp, a: xp.isnan(a), False)
isinf = _classify("isinf", lambda xp, a: xp.isinf(a), False)
isfinite = _classify("isfinite", lambda xp, a: xp.isfinite(a), True)
isposinf = _classify("isposinf", lambda xp, a: a == xp.inf, False,
                     RuntimeError("isposinf does not support complex inputs."))
isneginf = _classify("isneginf", lambda xp, a: a == -xp.inf, False,
                     RuntimeError("isneginf does not support complex inputs."))
isreal = _classify("isreal", lambda xp, a: a.imag == 0 if a.dtype.kind == "c" else
                   xp.ones(a.shape, dtype=bool), True)
signbit = _classify("signbit", lambda xp, a: a < 0 if a.dtype.kind in "iub" else
                    xp.signbit(a), None,
                    NotImplementedError("signbit is not implemented for complex tensors."))


_FUNCTIONS = dict(
    logical_and=logical_and, logical_or=logical_or, logical_xor=logical_xor,
    logical_not=logical_not, bitwise_and=bitwise_and, bitwise_or=bitwise_or,
    bitwise_xor=bitwise_xor, bitwise_not=bitwise_not, bitwise_left_shift=bitwise_left_shift,
    bitwise_right_shift=bitwise_right_shift,
)
_TESTS = dict(isnan=isnan, isinf=isinf, isfinite=isfinite, isposinf=isposinf,
              isneginf=isneginf, isreal=isreal, signbit=signbit)

TENSOR_METHODS = dict(
    _FUNCTIONS, **_TESTS, **{name + "_": inplace(fn) for name, fn in _FUNCTIONS.items()},
    __and__=bitwise_and, __rand__=_reflected(bitwise_and), __iand__=inplace(bitwise_and),
    __or__=bitwise_or, __ror__=_reflected(bitwise_or), __ior__=inplace(bitwise_or),
    __xor__=bitwise_xor, __rxor__=_reflected(bitwise_xor), __ixor__=inplace(bitwise_xor),
    __lshift__=bitwise_left_shift, __rlshift__=_reflected(bitwise_left_shift),
    __ilshift__=inplace(bitwise_left_shift),
    __rshift__=bitwise_right_shift, __rrshift__=_reflected(bitwise_right_shift),
    __irshift__=inplace(bitwise_right_shift),
    __invert__=_invert_operator,
)

__all__ = list(_FUNCTIONS) + list(_TESTS)
