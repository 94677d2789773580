"""Normalisation layers as functions: batch_norm, instance_norm, layer_norm, group_norm,
rms_norm, local_response_norm and normalize.

batch_norm (training) and layer_norm run the fused primitives of ``_norm_ops``; the
others are composites over them and ember ops.
"""
import math

from .. import _dtype as dtypes
from ..autograd.grad_mode import no_grad
from ..ops._util import write_out
from ._norm_ops import channel_norm, layer_norm as _layer_norm
from ..amp.autocast_mode import autocast_call, state as amp_state

__all__ = ["batch_norm", "instance_norm", "layer_norm", "group_norm", "rms_norm",
           "local_response_norm", "normalize"]


def _shape_text(shape):
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _check_channels(name, tensor, channels, count=None):
    if tensor is not None and tensor.numel() != channels:
        raise RuntimeError(f"{name} should contain {channels} elements not "
                           f"{tensor.numel() if count is None else count}")


def _affine_view(input, tensor):
    """A per-channel tensor shaped to broadcast against input (N, C, *)."""
    return tensor.reshape((-1,) + (1,) * (input.ndim - 2))


def _apply_running(input, running_mean, running_var, weight, bias, eps):
    """Evaluation-mode normalisation: x * scale + shift from the running statistics."""
    scale = (running_var + eps).rsqrt()
    if weight is not None:
        scale = scale * weight
    shift = -running_mean * scale
    if bias is not None:
        shift = shift + bias
    return input * _affine_view(input, scale) + _affine_view(input, shift)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-05):
    if momentum is None:
        raise TypeError("batch_norm(): argument 'momentum' (position 7) must be float, not "
                        "NoneType")
    if input.ndim < 2:
        # NOTE: torch's kernel sees no channels in a 1-D input.
        _check_channels("running_mean", running_mean, 0)
    channels = input.size(1)
    if training:
        size_prods = math.prod(input.shape) // channels if channels else 0
        if size_prods == 1:
            raise ValueError("Expected more than 1 value per channel when training, got "
                             f"input size {input.size()!r}")
    for name, tensor in (("running_mean", running_mean), ("running_var", running_var),
                         ("weight", weight), ("bias", bias)):
        _check_channels(name, tensor, channels)
    if not training:
        if running_mean is None or running_var is None:
            raise RuntimeError("running_mean must be defined in evaluation mode")
        return _apply_running(input, running_mean, running_var, weight, bias, eps)
    if input.numel() == 0:
        return input.clone()
    axes = (0,) + tuple(range(2, input.ndim))
    return channel_norm(input, weight, bias, axes, eps, running_mean, running_var, momentum)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-05):
    batch, channels = input.size(0), input.size(1)
    for name, tensor in (("running_mean", running_mean), ("running_var", running_var)):
        if tensor is not None and tensor.numel() != channels:
            # NOTE: torch reports the sizes of its batch-repeated statistics.
            _check_channels(name, tensor, batch * channels, batch * tensor.numel())
    _check_channels("weight", weight, channels)
    _check_channels("bias", bias, channels)
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise RuntimeError("Expected running_mean and running_var to be defined when "
                               "use_input_stats is false")
        return _apply_running(input, running_mean, running_var, weight, bias, eps)
    _check_spatial(input)
    axes = tuple(range(2, input.ndim))
    out = channel_norm(input, weight, bias, axes, eps)
    if running_mean is not None or running_var is not None:
        _update_instance_running(input, axes, running_mean, running_var, momentum)
    return out


def _check_spatial(input):
    if math.prod(input.shape[2:]) == 1:
        raise ValueError("Expected more than 1 spatial element when training, got input "
                         f"size {input.size()!r}")


def _update_instance_running(input, axes, running_mean, running_var, momentum):
    """torch's rule: each statistic is the batch average of the per-instance ones."""
    with no_grad():
        x = input.detach()
        if running_mean is not None:
            batch_mean = x.mean(axes).mean(0)
            running_mean.mul_(1 - momentum).add_(batch_mean.to(running_mean.dtype) * momentum)
        if running_var is not None:
            batch_var = x.var(axes, correction=1).mean(0)
            running_var.mul_(1 - momentum).add_(batch_var.to(running_var.dtype) * momentum)


def _normalized_ndim(name, input, normalized_shape, weight, bias, star_text):
    """Validate normalized_shape against input and the parameters; returns its length."""
    if isinstance(normalized_shape, int) or not hasattr(normalized_shape, "__iter__"):
        raise TypeError(f"{name}(): argument 'normalized_shape' (position 2) must be tuple "
                        f"of ints, not {type(normalized_shape).__name__}")
    shape = tuple(int(s) for s in normalized_shape)
    if not shape:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., "
                           "containing at least one element, but got normalized_shape = []")
    for label, tensor in (("weight", weight), ("bias", bias)):
        if tensor is not None and tuple(tensor.shape) != shape:
            raise RuntimeError(f"Expected {label} to be of same shape as normalized_shape, but "
                               f"got {label} of shape {_shape_text(tensor.shape)} and "
                               f"normalized_shape = {_shape_text(shape)}")
    if input.ndim < len(shape) or tuple(input.shape[input.ndim - len(shape):]) != shape:
        expected = ("[*, " if star_text else "[*") + _shape_text(shape)[1:]
        raise RuntimeError(f"Given normalized_shape={_shape_text(shape)}, expected input with "
                           f"shape {expected}, but got input of size{_shape_text(input.shape)}")
    return len(shape)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05):
    if amp_state.active:
        return autocast_call("layer_norm", layer_norm,
                             input, normalized_shape=normalized_shape, weight=weight, bias=bias, eps=eps)
    ndim = _normalized_ndim("layer_norm", input, normalized_shape, weight, bias, True)
    return _layer_norm(input, weight, bias, ndim, eps)


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """x / sqrt(mean(x^2) + eps) * weight over the trailing normalized_shape dims."""
    ndim = _normalized_ndim("rms_norm", input, normalized_shape, weight, None, False)
    if eps is None:
        eps = dtypes.finfo(input.dtype).eps
    dims = tuple(range(input.ndim - ndim, input.ndim))
    out = input * (input * input).mean(dims, keepdim=True).add(eps).rsqrt()
    return out if weight is None else out * weight


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-05):
    if amp_state.active:
        return autocast_call("group_norm", group_norm,
                             input, num_groups=num_groups, weight=weight, bias=bias, eps=eps)
    if input.ndim < 2:
        raise RuntimeError("Expected at least 2 dimensions for input tensor but received "
                           f"{input.ndim}")
    batch, channels = input.shape[0], input.shape[1]
    if channels % num_groups:
        raise RuntimeError("Expected number of channels in input to be divisible by "
                           f"num_groups, but got input of shape {_shape_text(input.shape)} and "
                           f"num_groups={num_groups}")
    for label, tensor in (("weight", weight), ("bias", bias)):
        if tensor is not None and (tensor.ndim != 1 or tensor.numel() != channels):
            raise RuntimeError(f"Expected {label} to be a vector of size equal to the number "
                               f"of channels in input, but got {label} of shape "
                               f"{_shape_text(tensor.shape)} and input of shape "
                               f"{_shape_text(input.shape)}")
    if input.numel() == 0:
        return input.clone()
    grouped = input.reshape(batch, num_groups, -1)
    out = _layer_norm(grouped, None, None, 1, eps).reshape(input.shape)
    if weight is not None:
        out = out * _affine_view(input, weight)
    if bias is not None:
        out = out + _affine_view(input, bias)
    return out


def local_response_norm(input, size, alpha=0.0001, beta=0.75, k=1.0):
    """x / (k + alpha * mean of x^2 over a window of ``size`` channels) ** beta."""
    if input.ndim < 3:
        # NOTE: torch's message keeps the indentation of its source line.
        raise ValueError("Expected 3D or higher dimensionality                          "
                         f"input (got {input.ndim} dimensions)")
    if input.numel() == 0:
        return input
    squares = input * input
    channels = input.shape[1]
    before, after = size // 2, (size - 1) // 2
    pad_shape = list(input.shape)
    pieces = []
    if before:
        pad_shape[1] = before
        pieces.append(squares.new_zeros(pad_shape))
    pieces.append(squares)
    if after:
        pad_shape[1] = after
        pieces.append(squares.new_zeros(pad_shape))
    from ..ops.shape import cat
    padded = cat(pieces, 1) if len(pieces) > 1 else squares
    window = padded.narrow(1, 0, channels)
    for shift in range(1, size):
        window = window + padded.narrow(1, shift, channels)
    div = (window * (alpha / size) + k).pow(beta)
    return input / div


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    if out is not None:
        return write_out(out, input / denom)
    return input / denom
