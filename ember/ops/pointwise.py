"""Elementwise math: unary functions, comparisons, where, maximum/minimum, clamp.

Unary ops are small primitives; integer inputs of float-valued functions (exp, sqrt,
...) are promoted to the default float dtype first, as torch does.
"""
from .. import _dtype as dtypes
from .._tensor import Tensor
from ..autograd.graph import Primitive
from ._util import (apply_inplace, binary_operands, cast, check_same_device, grad_for,
                    result_type, write_out, xp_of)


def _float_input(x):
    """Integer/bool inputs of float functions compute in the default float dtype."""
    if x._dtype.category <= dtypes.INTEGRAL:
        return cast(x, dtypes.get_default_dtype())
    return x


def _unary(primitive, promote=True):
    def fn(input, *, out=None):
        result = primitive.apply(_float_input(input) if promote else input)
        return result if out is None else write_out(out, result)
    fn.__name__ = primitive.__name__.lower()
    return fn


class Exp(Primitive):
    save_output = True

    @staticmethod
    def forward(ctx, x):
        return xp_of(x).exp(x._data)

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.output()


class Log(Primitive):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp_of(x).log(x._data)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / x


class Sqrt(Primitive):
    save_output = True

    @staticmethod
    def forward(ctx, x):
        return xp_of(x).sqrt(x._data)

    @staticmethod
    def backward(ctx, grad):
        return grad / (2 * ctx.output())


class Tanh(Primitive):
    save_output = True

    @staticmethod
    def forward(ctx, x):
        return xp_of(x).tanh(x._data)

    @staticmethod
    def backward(ctx, grad):
        out = ctx.output()
        return grad * (1 - out * out)


class Sigmoid(Primitive):
    save_output = True

    @staticmethod
    def forward(ctx, x):
        xp = xp_of(x)
        data = x._data
        # NOTE: the two-branch form never overflows exp for large |x|.
        e = xp.exp(-xp.abs(data))
        return xp.where(data >= 0, 1 / (1 + e), e / (1 + e)).astype(data.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        out = ctx.output()
        return grad * out * (1 - out)


class Relu(Primitive):
    save_output = True

    @staticmethod
    def forward(ctx, x):
        return xp_of(x).maximum(x._data, 0)

    @staticmethod
    def backward(ctx, grad):
        # NOTE: the gradient at exactly 0 is 0, as in torch.
        return grad * (ctx.output() > 0)


class Abs(Primitive):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp_of(x).abs(x._data)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x.sgn() if x.is_complex() else grad * x.sign()


class Sign(Primitive):
    @staticmethod
    def forward(ctx, x):
        return xp_of(x).sign(x._data)

    @staticmethod
    def backward(ctx, grad):
        return grad * 0


exp = _unary(Exp)
log = _unary(Log)
sqrt = _unary(Sqrt)
tanh = _unary(Tanh)
sigmoid = _unary(Sigmoid)
relu = _unary(Relu, promote=False)
abs = _unary(Abs, promote=False)
sign = _unary(Sign, promote=False)


def sgn(input, *, out=None):
    if not input.is_complex():
        return sign(input, out=out)
    magnitude = abs(input)
    result = where(magnitude == 0, input.new_zeros(()), input / magnitude)
    return result if out is None else write_out(out, result)


# ---------------------------------------------------------------- comparisons

def _compare(ufunc_name, symbol):
    def fn(input, other, *, out=None):
        if not isinstance(input, Tensor):
            from .creation import tensor
            input = tensor(input)
        a, b, _ = binary_operands(input, other)
        xp = xp_of(a)
        data = getattr(xp, ufunc_name)(a._data, b._data if isinstance(b, Tensor) else b)
        result = Tensor._make(data, a._device)
        return result if out is None else write_out(out, result)
    fn.__name__ = ufunc_name
    return fn


eq = _compare("equal", "==")
ne = _compare("not_equal", "!=")
lt = _compare("less", "<")
le = _compare("less_equal", "<=")
gt = _compare("greater", ">")
ge = _compare("greater_equal", ">=")


def _equal_operator(self, other):
    if other is None or not (isinstance(other, (Tensor, int, float, complex, bool))):
        return False
    return eq(self, other)


def _not_equal_operator(self, other):
    if other is None or not (isinstance(other, (Tensor, int, float, complex, bool))):
        return True
    return ne(self, other)


# ---------------------------------------------------------------- where, max/min, clamp

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
                           f"tensor with dtype {_type(condition)}")
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        dtype = result_type(input, other)
        from .creation import tensor
        input = tensor(input, dtype=dtype, device=condition._device)
    a, b, dtype = binary_operands(input, other)
    from .creation import tensor
    if not isinstance(a, Tensor):
        a = tensor(a, dtype=dtype, device=b._device)
    if not isinstance(b, Tensor):
        b = tensor(b, dtype=dtype, device=a._device)
    check_same_device(condition, a, b)
    result = Where.apply(condition, a, b)
    return result if out is None else write_out(out, result)


def _type(t):
    from ._util import type_name
    return type_name(t._dtype)


class Maximum(Primitive):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return xp_of(a).maximum(a._data, b._data)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return _minmax_grads(ctx, grad, a, b, a > b)


class Minimum(Primitive):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return xp_of(a).minimum(a._data, b._data)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return _minmax_grads(ctx, grad, a, b, a < b)


def _minmax_grads(ctx, grad, a, b, a_wins):
    # NOTE: at ties the gradient is split evenly between both inputs, as in torch.
    tie = a == b
    half = grad / 2
    zero = grad.new_zeros(())
    ga = grad_for(where(a_wins, grad, where(tie, half, zero)), a) \
        if ctx.needs_input_grad[0] else None
    gb = grad_for(where(a_wins, zero, where(tie, half, grad)), b) \
        if ctx.needs_input_grad[1] else None
    return ga, gb


def _tensor_pair(input, other):
    a, b, dtype = binary_operands(input, other)
    if not isinstance(b, Tensor):
        from .creation import tensor
        b = tensor(b, dtype=dtype, device=a._device)
    return a, b


def maximum(input, other, *, out=None):
    result = Maximum.apply(*_tensor_pair(input, other))
    return result if out is None else write_out(out, result)


def minimum(input, other, *, out=None):
    result = Minimum.apply(*_tensor_pair(input, other))
    return result if out is None else write_out(out, result)


class Clamp(Primitive):
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


def clamp(input, min=None, max=None, *, out=None):
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        result = input
        if min is not None:
            result = maximum(result, min)
        if max is not None:
            result = minimum(result, max)
    else:
        scalars = [v for v in (min, max) if v is not None]
        dtype = result_type(input, *scalars)
        result = Clamp.apply(cast(input, dtype), min, max)
    return result if out is None else write_out(out, result)


clip = clamp


def clamp_min(input, min):
    return clamp(input, min=min)


def clamp_max(input, max):
    return clamp(input, max=max)


def _inplace_unary(fn):
    def method(self, *args, **kwargs):
        return apply_inplace(self, fn, *args, **kwargs)
    return method


TENSOR_METHODS = dict(
    exp=exp, log=log, sqrt=sqrt, tanh=tanh, sigmoid=sigmoid, relu=relu, abs=abs,
    absolute=abs, sign=sign, sgn=sgn,
    exp_=_inplace_unary(exp), log_=_inplace_unary(log), sqrt_=_inplace_unary(sqrt),
    tanh_=_inplace_unary(tanh), sigmoid_=_inplace_unary(sigmoid), relu_=_inplace_unary(relu),
    abs_=_inplace_unary(abs), sign_=_inplace_unary(sign),
    eq=eq, ne=ne, lt=lt, le=le, gt=gt, ge=ge, greater=gt, greater_equal=ge, less=lt,
    less_equal=le, not_equal=ne,
    __eq__=_equal_operator, __ne__=_not_equal_operator, __lt__=lt, __le__=le, __gt__=gt,
    __ge__=ge, __abs__=abs,
    where=lambda self, condition, other: where(condition, self, other),
    maximum=maximum, minimum=minimum, clamp=clamp, clip=clamp, clamp_min=clamp_min,
    clamp_max=clamp_max, clamp_=_inplace_unary(clamp), clip_=_inplace_unary(clamp),
)

__all__ = ["exp", "log", "sqrt", "tanh", "sigmoid", "relu", "abs", "absolute", "sign", "sgn",
           "eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less",
           "less_equal", "not_equal", "where", "maximum", "minimum", "clamp", "clip",
           "clamp_min", "clamp_max"]
absolute = abs
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne
