"""ember.nn.functional: layers and losses as functions (``import ember.nn.functional as F``).

Activations are composites of ember ops; ``inplace=True`` variants compute the same
composite and write it back into the input (as torch does, the input then carries
the graph of the result).
"""
import math
import warnings

from .. import _dtype as dtypes
from ..ops.creation import arange
from ..ops._util import apply_inplace, type_name, xp_of
from . import _ops
from ._ctc import ctc_loss  # noqa: F401
from ._losses import *  # noqa: F401,F403
from ..amp.autocast_mode import autocast_call, state as amp_state

linear = _ops.linear


def _maybe_inplace(fn, input, inplace, *args):
    return apply_inplace(input, fn, *args) if inplace else fn(input, *args)


def bilinear(input1, input2, weight, bias=None):
    """y_k = x1 . A_k . x2 + b_k, for inputs of shape (*, in1) and (*, in2)."""
    if amp_state.active:
        return autocast_call("bilinear", bilinear,
                             input1, input2=input2, weight=weight, bias=bias)
    left = input1.unsqueeze(-2).unsqueeze(-2)        # (*, 1, 1, in1)
    right = input2.unsqueeze(-2).unsqueeze(-1)       # (*, 1, in2, 1)
    out = left.matmul(weight).matmul(right)          # (*, out, 1, 1)
    out = out.squeeze(-1).squeeze(-1)
    return out if bias is None else out + bias


# ---------------------------------------------------------------- activations

def relu(input, inplace=False):
    return input.relu_() if inplace else input.relu()


def relu_(input):
    return input.relu_()


def _hardtanh(x, min_val, max_val):
    # NOTE: torch's hardtanh passes no gradient at the bounds themselves (clamp does).
    inside = (x > min_val).logical_and(x < max_val)
    return x.where(inside, x.detach().clamp(min_val, max_val))


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _maybe_inplace(_hardtanh, input, inplace, min_val, max_val)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input, inplace=False):
    return hardtanh(input, 0.0, 6.0, inplace)


def _leaky_relu(x, negative_slope):
    return x.where(x > 0, x * negative_slope)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    return _maybe_inplace(_leaky_relu, input, inplace, negative_slope)


def leaky_relu_(input, negative_slope=0.01):
    return leaky_relu(input, negative_slope, inplace=True)


def _elu(x, alpha, scale=1.0):
    # exp of the clamped input: the unused branch never overflows (no inf * 0 in backward).
    out = x.where(x > 0, (x.clamp(max=0.0).exp() - 1) * alpha)
    return out if scale == 1.0 else out * scale


def elu(input, alpha=1.0, inplace=False):
    return _maybe_inplace(_elu, input, inplace, alpha)


def elu_(input, alpha=1.0):
    return elu(input, alpha, inplace=True)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input, inplace=False):
    return _maybe_inplace(_elu, input, inplace, _SELU_ALPHA, _SELU_SCALE)


def _celu(x, alpha):
    return x.where(x > 0, ((x / alpha).clamp(max=0.0).exp() - 1) * alpha)


def celu(input, alpha=1.0, inplace=False):
    return _maybe_inplace(_celu, input, inplace, alpha)


def _softplus_stable(z):
    """log(1 + exp(z)) = max(z, 0) + log1p(exp(-|z|)), finite for any z."""
    # NOTE: maximum (not clamp) splits the gradient at z == 0, giving sigmoid(0) = 0.5.
    return z.maximum(z.new_zeros(())) + (-z.abs()).exp().log1p()


def softplus(input, beta=1.0, threshold=20.0):
    if amp_state.active:
        return autocast_call("softplus", softplus, input, beta=beta, threshold=threshold)
    scaled = input * beta if beta != 1 else input
    soft = _softplus_stable(scaled)
    if beta != 1:
        soft = soft / beta
    return input.where(scaled > threshold, soft)


def logsigmoid(input):
    return -_softplus_stable(-input)


def gelu(input, approximate="none"):
    if approximate == "tanh":
        inner = (input + input * input * input * 0.044715) * math.sqrt(2 / math.pi)
        return input * 0.5 * (1 + inner.tanh())
    if approximate != "none":
        raise RuntimeError("approximate argument must be either none or tanh.")
    if not (input.is_floating_point()):
        raise RuntimeError(f'"GeluKernelImpl" not implemented for '
                           f"'{type_name(input.dtype)}'")
    return _ops.Gelu.apply(input)


def _silu(x):
    return x * x.sigmoid()


def silu(input, inplace=False):
    return _maybe_inplace(_silu, input, inplace)


def _mish(x):
    return x * softplus(x).tanh()


def mish(input, inplace=False):
    return _maybe_inplace(_mish, input, inplace)


def _hardsigmoid(x):
    return _hardtanh(x + 3, 0.0, 6.0) / 6


def hardsigmoid(input, inplace=False):
    return _maybe_inplace(_hardsigmoid, input, inplace)


def _hardswish(x):
    return x * _hardsigmoid(x)


def hardswish(input, inplace=False):
    return _maybe_inplace(_hardswish, input, inplace)


def softsign(input):
    return input / (1 + input.abs())


def tanhshrink(input):
    return input - input.tanh()


def _threshold(x, threshold, value):
    return x.where(x > threshold, value)


def threshold(input, threshold, value, inplace=False):
    return _maybe_inplace(_threshold, input, inplace, threshold, value)


def threshold_(input, threshold, value):
    return _maybe_inplace(_threshold, input, True, threshold, value)


def hardshrink(input, lambd=0.5):
    return input.where(input.abs() > lambd, 0.0)


def softshrink(input, lambd=0.5):
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    return (input - input.sign() * lambd).where(input.abs() > lambd, 0.0)


def glu(input, dim=-1):
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    size = input.shape[dim]
    if size % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension "
                           f"{dim % input.ndim} is size {size}")
    a, b = input.chunk(2, dim)
    return a * b.sigmoid()


def prelu(input, weight):
    if amp_state.active:
        return autocast_call("prelu", prelu, input, weight=weight)
    if weight.numel() != 1 and input.ndim >= 2:
        weight = weight.reshape([-1] + [1] * (input.ndim - 2))
    return input.where(input > 0, input * weight)


def sigmoid(input):
    return input.sigmoid()


def tanh(input):
    return input.tanh()


def _softmax_dim(name, dim, ndim, stacklevel):
    """torch's deprecated implicit dim (0 for 0-D, 1-D and 3-D input, else 1), warned."""
    if dim is not None:
        return dim
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the "
                  "call to include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    return input.softmax(_softmax_dim("softmax", dim, input.ndim, _stacklevel), dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    if amp_state.active:
        return autocast_call("softmin", softmin,
                             input, dim=dim, _stacklevel=_stacklevel, dtype=dtype)
    return (-input).softmax(_softmax_dim("softmin", dim, input.ndim, _stacklevel), dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    return input.log_softmax(_softmax_dim("log_softmax", dim, input.ndim, _stacklevel),
                             dtype)


# ---------------------------------------------------------------- dropout, one_hot

def dropout(input, p=0.5, training=True, inplace=False):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0 or input.numel() == 0:
        return input
    if p == 1:
        noise = input.new_zeros(())
    else:
        # torch's recipe: keep with probability 1 - p, scale the kept by 1 / (1 - p).
        noise = input.detach().new_empty(input.shape).bernoulli_(1 - p)
        noise.div_(1 - p)
    return input.mul_(noise) if inplace else input * noise


def one_hot(tensor, num_classes=-1):
    if tensor.dtype is not dtypes.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    data = tensor._data
    xp = xp_of(tensor)
    if num_classes == -1:
        if data.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(xp.max(data)) + 1
    if data.size:
        if int(xp.min(data)) < 0:
            raise RuntimeError("Class values must be non-negative.")
        if int(xp.max(data)) >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    classes = arange(num_classes, device=tensor.device)
    return (tensor.unsqueeze(-1) == classes).long()


# Functional forms written by topic in their own files.
from ._functional_conv import *  # noqa: E402,F401,F403
from ._functional_norm import *  # noqa: E402,F401,F403
from ._functional_attention import *  # noqa: E402,F401,F403
from ._functional_sparse import *  # noqa: E402,F401,F403
from ._functional_distance import *  # noqa: E402,F401,F403
