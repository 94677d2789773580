"""Complex numbers: real/imag views, view_as_real/view_as_complex, conj, angle, polar,
complex.

real, imag and view_as_real/view_as_complex are views sharing memory with their
input, as in torch. NOTE: ember has no lazy conjugate bit: conj() of a complex tensor
materialises the conjugate (a new tensor), and is_conj() is always False.
"""
import math

from .. import _dtype as dtypes
from ..autograd.graph import Primitive
from ._util import (apply_inplace, broadcast_shapes, cast, check_same_device, sum_to,
                    type_name, write_out, xp_of)
from .pointwise_base import _float_input, require_tensor, run_kernel, where
from ..amp.autocast_mode import autocast_call, state as amp_state

_COMPLEX_OF = {dtypes.float32: dtypes.complex64, dtypes.float64: dtypes.complex128}


# ---------------------------------------------------------------- real, imag

class Real(Primitive):
    @staticmethod
    def forward(ctx, x):
        ctx.dtype = x._dtype
        return x._data.real

    @staticmethod
    def backward(ctx, grad):
        return cast(grad, ctx.dtype)


class Imag(Primitive):
    @staticmethod
    def forward(ctx, x):
        ctx.dtype = x._dtype
        return x._data.imag

    @staticmethod
    def backward(ctx, grad):
        return cast(grad, ctx.dtype) * 1j


def real(input):
    require_tensor(input, "real")
    if not input._dtype.is_complex:
        return input
    return Real.apply(input)._set_view_of(input, real)


def imag(input):
    require_tensor(input, "imag")
    if not input._dtype.is_complex:
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return Imag.apply(input)._set_view_of(input, imag)


def _set_real(self, value):
    real(self).copy_(value)


def _set_imag(self, value):
    imag(self).copy_(value)


# ---------------------------------------------------------------- view_as_real / complex

class ViewAsReal(Primitive):
    @staticmethod
    def forward(ctx, x):
        data = x._data
        # A trailing axis of length 1 always has unit stride, so the dtype view is legal.
        return data.reshape(data.shape + (1,)).view(data.real.dtype) if data.ndim == 0 else \
            data[..., None].view(data.real.dtype)

    @staticmethod
    def backward(ctx, grad):
        return complex(grad[..., 0], grad[..., 1])


class ViewAsComplex(Primitive):
    @staticmethod
    def forward(ctx, x):
        data = x._data
        return data.view(_COMPLEX_OF[x._dtype].numpy)[..., 0]

    @staticmethod
    def backward(ctx, grad):
        from .shape import stack
        return stack((real(grad), imag(grad)), dim=-1)


def view_as_real(input):
    require_tensor(input, "view_as_real")
    if not input._dtype.is_complex:
        raise RuntimeError("view_as_real is only supported for complex tensors")
    return ViewAsReal.apply(input)._set_view_of(input, view_as_real)


def view_as_complex(input):
    if amp_state.active:
        return autocast_call("view_as_complex", view_as_complex, input)
    require_tensor(input, "view_as_complex")
    if input._dtype not in _COMPLEX_OF:
        raise RuntimeError("view_as_complex is only supported for half, float and double "
                           f"tensors, but got a tensor of scalar type: "
                           f"{type_name(input._dtype)}")
    if input.ndim == 0:
        raise RuntimeError("Input tensor must have one or more dimensions")
    if input.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    if input.numel() == 0:
        # Empty tensors may have any strides; they view as an empty complex tensor.
        input = input.contiguous()
    strides = input.stride()
    if strides[-1] != 1:
        raise RuntimeError("Tensor must have a last dimension with stride 1")
    if any(s % 2 for s, n in zip(strides[:-1], input.shape[:-1]) if n > 1):
        raise RuntimeError("Tensor must have a stride divisible by 2 for all but last dimension")
    if input.storage_offset() % 2:
        raise RuntimeError("Tensor must have a storage_offset divisible by 2")
    return ViewAsComplex.apply(input)._set_view_of(input, view_as_complex)


# ---------------------------------------------------------------- complex, polar

class Complex(Primitive):
    @staticmethod
    def forward(ctx, re, im):
        ctx.shapes = re.shape, im.shape
        shape = broadcast_shapes(re.shape, im.shape)
        out = xp_of(re).empty(shape, _COMPLEX_OF[re._dtype].numpy)
        out.real = re._data
        out.imag = im._data
        return out

    @staticmethod
    def backward(ctx, grad):
        return sum_to(real(grad), ctx.shapes[0]), sum_to(imag(grad), ctx.shapes[1])


def _check_real_pair(a, b):
    if a._dtype not in _COMPLEX_OF or b._dtype not in _COMPLEX_OF:
        raise RuntimeError("Expected both inputs to be Half, Float or Double tensors but got "
                           f"{type_name(a._dtype)} and {type_name(b._dtype)}")
    if a._dtype is not b._dtype:
        raise RuntimeError(f"Expected object of scalar type {type_name(a._dtype)} but got "
                           f"scalar type {type_name(b._dtype)} for second argument")
    check_same_device(a, b)


def complex(real, imag, *, out=None):
    """real + i imag, from two float tensors of one dtype."""
    require_tensor(real, "complex", "real")
    require_tensor(imag, "complex", "imag", 2)
    _check_real_pair(real, imag)
    result = Complex.apply(real, imag)
    return result if out is None else write_out(out, result)


def polar(abs, angle, *, out=None):
    """abs * (cos(angle) + i sin(angle))."""
    if amp_state.active:
        return autocast_call("polar", polar, abs, angle=angle, out=out)
    require_tensor(abs, "polar", "abs")
    require_tensor(angle, "polar", "angle", 2)
    _check_real_pair(abs, angle)
    result = complex(abs * angle.cos(), abs * angle.sin())
    return result if out is None else write_out(out, result)


# ---------------------------------------------------------------- conj, angle

class Conj(Primitive):
    grad_fn_name = "ConjPhysicalBackward0"

    @staticmethod
    def forward(ctx, x):
        return xp_of(x).conj(x._data)

    @staticmethod
    def backward(ctx, grad):
        return conj(grad)


def conj_physical(input, *, out=None):
    require_tensor(input, "conj_physical")
    result = Conj.apply(input) if input._dtype.is_complex else input
    return result if out is None else write_out(out, result)


def conj(input):
    return conj_physical(input)


def resolve_conj(input):
    return input


def resolve_neg(input):
    return input


def is_conj(input):
    return False


def is_neg(input):
    return False


def _conj_physical_inplace(self):
    return apply_inplace(self, conj_physical) if self._dtype.is_complex else self


def _angle_kernel(xp, a):
    if a.dtype.kind == "c":
        return xp.angle(a)
    # torch: pi for negative values, 0 otherwise, NaN stays NaN.
    return xp.where(xp.isnan(a), a, xp.where(a < 0, math.pi, 0.0)).astype(a.dtype)


class Angle(Primitive):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return run_kernel(_angle_kernel, xp_of(x), x._data)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        if not x._dtype.is_complex:
            return grad.new_zeros(grad.shape)
        # d angle = (x dy - y dx) / |z|^2, i.e. grad * i z / |z|^2; 0 at z = 0.
        norm = real(x * conj(x))
        is_zero = norm == 0
        scaled = grad / where(is_zero, norm.new_ones(()), norm)
        return where(is_zero, x.new_zeros(()), scaled * x * 1j)


def angle(input, *, out=None):
    require_tensor(input, "angle")
    result = Angle.apply(_float_input(input))
    return result if out is None else write_out(out, result)


TENSOR_METHODS = dict(
    real=property(real, _set_real), imag=property(imag, _set_imag),
    conj=conj, conj_physical=conj_physical, conj_physical_=_conj_physical_inplace,
    resolve_conj=resolve_conj, resolve_neg=resolve_neg, is_conj=is_conj, is_neg=is_neg,
    angle=angle,
)

__all__ = ["real", "imag", "view_as_real", "view_as_complex", "complex", "polar", "conj",
           "conj_physical", "resolve_conj", "resolve_neg", "is_conj", "is_neg", "angle"]
