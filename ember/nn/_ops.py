"""Primitives private to nn: linear, gelu and binary cross entropy (see each NOTE)."""
import math

from .._tensor import Tensor
from ..autograd.grad_mode import state as grad_state
from ..autograd.graph import Primitive
from ..backend.special import special_fn
from ..ops._util import in_dtype, sum_array, type_name, xp_of
from ..amp.autocast_mode import autocast_call, state as amp_state


class Linear(Primitive):
    # NOTE: a primitive: it runs on every MLP/attention step, and one gemm with the bias
    # added in place replaces three dispatches (transpose, matmul, add); its backward is
    # two matmuls and a sum.

    @staticmethod
    def forward(ctx, x, weight, bias):
        ctx.save_for_backward(x, weight)
        ctx.x_ndim, ctx.has_bias = x.ndim, bias is not None
        data = x._data
        ctx.rows = math.prod(data.shape[:-1])
        out = data.reshape(ctx.rows, data.shape[-1]) @ weight._data.T
        if out.dtype != data.dtype:
            out = out.astype(data.dtype)  # NumPy multiplies bfloat16 into float32
        if bias is not None:
            out += bias._data
        return out.reshape(data.shape[:-1] + (weight.shape[0],))

    def name(self):
        if self.x_ndim == 2:
            return "AddmmBackward0" if self.has_bias else "MmBackward0"
        if self.x_ndim == 1 and not self.has_bias:
            return "SqueezeBackward4"
        return "ViewBackward0" if self.has_bias else "UnsafeViewBackward0"

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        needs = ctx.needs_input_grad
        flat = grad.reshape(ctx.rows, weight.shape[0])
        # NOTE: one 2-D GEMM on the flattened rows: NumPy runs an N-d @ 2-D product as
        # one GEMM per leading index (about 20% slower on a transformer's (B, T, C)).
        gx = flat.matmul(weight).reshape(x.shape) if needs[0] else None
        gw = flat.t().matmul(x.reshape(ctx.rows, weight.shape[1])) if needs[1] else None
        gb = flat.sum(0) if needs[2] else None
        return gx, gw, gb

    @staticmethod
    def array_backward(ctx, grad):
        if grad.dtype.kind == "c":
            return NotImplemented  # (the tensor path's matmuls handle complex as torch)
        x, weight = ctx.saved_arrays
        needs = ctx.needs_input_grad
        flat = grad.reshape(ctx.rows, weight.shape[0])
        gx = gw = gb = None
        if needs[0]:
            gx = in_dtype(flat @ weight, grad).reshape(x.shape)
        if needs[1]:
            gw = in_dtype(flat.T @ x.reshape(ctx.rows, weight.shape[1]), grad)
        if needs[2]:
            gb = sum_array(flat, (0,), False)
        return gx, gw, gb


def linear(input, weight, bias=None):
    if amp_state.active:
        return autocast_call("linear", linear, input, weight=weight, bias=bias)
    if input.dtype is not weight.dtype:
        raise RuntimeError("expected m1 and m2 to have the same dtype, but got: "
                           f"{type_name(input.dtype).lower()} != "
                           f"{type_name(weight.dtype).lower()}")
    if weight.ndim != 2 or input.ndim == 0:
        out = input.matmul(weight.t())
        return out if bias is None else out + bias
    if input.shape[-1] != weight.shape[1]:
        rows = math.prod(input.shape[:-1])
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x"
                           f"{input.shape[-1]} and {weight.shape[1]}x{weight.shape[0]})")
    if bias is not None and bias.shape != (weight.shape[0],):
        out_shape = list(input.shape[:-1]) + [weight.shape[0]]
        raise RuntimeError(f"The expanded size of the tensor ({weight.shape[0]}) must match "
                           f"the existing size ({bias.shape[-1] if bias.ndim else 1}) at "
                           f"non-singleton dimension {len(out_shape) - 1}.  Target sizes: "
                           f"{out_shape}.  Tensor sizes: {list(bias.shape)}")
    return Linear.apply(input, weight, bias)


def _clamped_log(xp, a):
    """max(log(a), -100) without a divide-by-zero warning at a == 0."""
    work = a if a.dtype.itemsize >= 4 else a.astype(xp.float32)
    tiny = xp.finfo(work.dtype).smallest_subnormal
    return xp.maximum(xp.log(xp.maximum(work, tiny)), -100).astype(a.dtype, copy=False)


class BinaryCrossEntropy(Primitive):
    """Unreduced, unweighted -(t log x + (1 - t) log(1 - x)), logs clamped at -100."""
    # NOTE: a primitive to keep torch's backward, (x - t) / max(x (1 - x), 1e-12): a
    # composite gives NaN gradients where a float32 sigmoid saturates to exactly 0 or 1.

    @staticmethod
    def forward(ctx, x, t):
        ctx.save_for_backward(x, t)
        xp = xp_of(x)
        xd, td = x._data, t._data
        return -(td * _clamped_log(xp, xd) + (1 - td) * _clamped_log(xp, 1 - xd))

    @staticmethod
    def backward(ctx, grad):
        x, t = ctx.saved_tensors
        gx = gt = None
        if ctx.needs_input_grad[0]:
            gx = grad * (x - t) / (x * (1 - x)).clamp(min=1e-12)
        if ctx.needs_input_grad[1]:
            # NOTE: unclamped, as torch's: +-inf where x is exactly 0 or 1.
            gt = grad * ((1 - x).log() - x.log())
        return gx, gt


_SQRT1_2 = 1 / math.sqrt(2)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)

# erf(z) ~= z * P(z^2) / Q(z^2) for |z| <= 4 (beyond 3.92, float32's erf is +-1).
# Coefficients (lowest degree first) of a rational least-squares fit with Lawson
# reweighting, made for ember: relative error 6e-9 in exact arithmetic; evaluated in
# float32, at most 3.8e-7 absolute (6 ulp), which leaves GELU's float32 error as small
# as torch's own (about 1.2e-6 absolute on [-6, 6]).
_ERF_P = (1.1283791692255063, 0.18532890676467162, 0.054163885821409394,
          0.003832208892293685, 0.00037228164334444274, 4.4891553554540775e-06,
          -1.2210922772926125e-08)
_ERF_Q = (1.0, 0.4975768617508221, 0.1138600581242122, 0.015402412086725074,
          0.00129408333685942, 6.124438172404496e-05)
# From here on float32's erf is exactly +-1 (1 - erf(z) is under half an ulp of 1).
_ERF_ONE = 3.9192059
# On the CPU, erf runs on blocks of this many elements: a block stays in the L2 cache
# through its ~25 passes (about 3x faster than whole-array passes on 1M elements).
_CDF_BLOCK = 1 << 16


def _horner(xp, s, coefficients, out):
    """sum_k c_k s^k for an array s, computed in out."""
    xp.multiply(s, coefficients[-1], out=out)
    out += coefficients[-2]
    for c in coefficients[-3::-1]:
        out *= s
        out += c
    return out


def _erf_float32(xp, z):
    """erf of a float32 array in about 25 array passes over four buffers.

    NOTE: SciPy's float32 erf takes about 12 ns per element (12 ms on a small
    transformer MLP's 1M activations, some 70x NumPy's tanh); GELU runs on every
    transformer step. The passes run in place on few buffers.
    """
    z = xp.clip(z, -_ERF_ONE, _ERF_ONE)
    s = z * z
    num = _horner(xp, s, _ERF_P, xp.empty_like(z))
    num *= z
    num /= _horner(xp, s, _ERF_Q, xp.empty_like(z))
    # Exactly +-1 where z was clipped, so that 1 + erf(z) is 0 there (GELU of -10 is
    # -0.0, of -inf nan): z / _ERF_ONE is exactly +-1 there (and xp.sign is slow).
    saturated = xp.abs(z, out=s) >= _ERF_ONE
    z /= _ERF_ONE
    xp.copyto(num, z, where=saturated)
    return num


def _std_normal_cdf(xp, data, on_cpu):
    """Phi(x) = (1 + erf(x / sqrt 2)) / 2 in data's dtype (float32 or wider)."""
    if data.dtype != xp.float32 or not on_cpu:
        # float64 keeps SciPy's accuracy; on a GPU, CuPy's erf is one fused kernel
        cdf = special_fn("erf", xp)(data * _SQRT1_2)
    else:
        flat = data.reshape(-1)
        cdf = xp.empty_like(flat)
        for start in range(0, flat.size, _CDF_BLOCK):
            stop = start + _CDF_BLOCK
            cdf[start:stop] = _erf_float32(xp, flat[start:stop] * _SQRT1_2)
        cdf = cdf.reshape(data.shape)
    cdf += 1
    cdf *= 0.5
    return cdf


class Gelu(Primitive):
    # NOTE: a primitive: it runs on every transformer MLP step, where the composite
    # 0.5 * x * (1 + erf(x / sqrt 2)) costs five dispatches forward and more backward.
    grad_fn_name = "GeluBackward0"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        data = x._data
        work = data if data.dtype.itemsize >= 4 else data.astype("float32")
        cdf = _std_normal_cdf(xp_of(x), work, x._device.type == "cpu")
        ctx.cdf = cdf
        return (work * cdf).astype(data.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        if grad_state.enabled:
            # create_graph: the same derivative, written with differentiable ops.
            cdf = (x * _SQRT1_2).erf() * 0.5 + 0.5
            pdf = (x * x * -0.5).exp() * _INV_SQRT_2PI
            return grad * (cdf + x * pdf)
        xp = xp_of(x)
        data = x._data if x._data.dtype.itemsize >= 4 else x._data.astype("float32")
        derivative = data * data
        derivative *= -0.5
        xp.exp(derivative, out=derivative)
        derivative *= _INV_SQRT_2PI
        derivative *= data
        derivative += ctx.cdf
        out = grad._data * derivative
        return Tensor._make(out.astype(grad._data.dtype, copy=False), grad._device)
