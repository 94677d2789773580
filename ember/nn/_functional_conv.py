"""Spatial layers as functions: convolutions, fold/unfold, pooling, padding and
resampling (exported through ember.nn.functional).

The convolutions check their arguments with torch's messages, then run one primitive
of _conv_ops over a Window (the geometry of the sliding windows).
"""
import builtins

from ._conv_adaptive import (adaptive_avg_pool1d, adaptive_avg_pool2d,  # noqa: F401
                             adaptive_avg_pool3d, adaptive_max_pool1d,
                             adaptive_max_pool1d_with_indices, adaptive_max_pool2d,
                             adaptive_max_pool2d_with_indices, adaptive_max_pool3d,
                             adaptive_max_pool3d_with_indices, max_unpool1d, max_unpool2d,
                             max_unpool3d)
from ._conv_checks import (check_conv_channels, check_dtypes, check_geometry,
                           check_output_padding, check_rank, check_transpose_channels,
                           conv_padding, expand_param)
from ._conv_fractional import (fractional_max_pool2d,  # noqa: F401
                               fractional_max_pool2d_with_indices, fractional_max_pool3d,
                               fractional_max_pool3d_with_indices)
from ._conv_grid import affine_grid, grid_sample  # noqa: F401
from ._conv_ops import Conv, ConvTranspose, Fold, Unfold
from ._conv_pad import pad  # noqa: F401
from ._conv_pool import (avg_pool1d, avg_pool2d, avg_pool3d, lp_pool1d,  # noqa: F401
                         lp_pool2d, lp_pool3d, max_pool1d, max_pool1d_with_indices,
                         max_pool2d, max_pool2d_with_indices, max_pool3d,
                         max_pool3d_with_indices)
from ._conv_resample import (channel_shuffle, interpolate, native_channel_shuffle,  # noqa: F401
                             pixel_shuffle, pixel_unshuffle, upsample, upsample_bilinear,
                             upsample_nearest)
from ._conv_window import Window
from ..amp.autocast_mode import autocast_call, state as amp_state

__all__ = [
    "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
    "unfold", "fold", "pad",
    "max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices",
    "max_pool2d_with_indices", "max_pool3d_with_indices", "avg_pool1d", "avg_pool2d",
    "avg_pool3d", "lp_pool1d", "lp_pool2d", "lp_pool3d", "adaptive_avg_pool1d",
    "adaptive_avg_pool2d", "adaptive_avg_pool3d", "adaptive_max_pool1d", "adaptive_max_pool2d",
    "adaptive_max_pool3d", "adaptive_max_pool1d_with_indices",
    "adaptive_max_pool2d_with_indices", "adaptive_max_pool3d_with_indices", "max_unpool1d",
    "max_unpool2d", "max_unpool3d", "fractional_max_pool2d", "fractional_max_pool3d",
    "fractional_max_pool2d_with_indices", "fractional_max_pool3d_with_indices",
    "interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "grid_sample",
    "affine_grid", "pixel_shuffle", "pixel_unshuffle", "channel_shuffle",
    "native_channel_shuffle",
]


# ---------------------------------------------------------------- convolution

def _batched(input, nd):
    return input if input.ndim == nd + 2 else input.unsqueeze(0)


def _unbatched_like(out, input, nd):
    return out if input.ndim == nd + 2 else out.squeeze(0)


def _conv(nd, input, weight, bias, stride, padding, dilation, groups):
    check_rank(input, nd, f"conv{nd}d")
    x = _batched(input, nd)
    wd = weight.ndim - 2
    stride = expand_param(stride, wd, "stride", nd)
    dilation = expand_param(dilation, wd, "dilation", nd)
    pads = conv_padding(padding, weight.shape[2:], dilation, stride, wd, nd)
    check_geometry(x, weight, stride, pads, dilation, groups)
    check_conv_channels(x, weight, bias, groups, pads, dilation)
    check_dtypes(x, weight, bias)
    window = Window(x.shape[2:], weight.shape[2:], stride, dilation, pads)
    return _unbatched_like(Conv.apply(x, weight, bias, window, groups), input, nd)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    if amp_state.active:
        return autocast_call("conv1d", conv1d,
                             input, weight=weight, bias=bias, stride=stride, padding=padding, dilation=dilation, groups=groups)
    return _conv(1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    if amp_state.active:
        return autocast_call("conv2d", conv2d,
                             input, weight=weight, bias=bias, stride=stride, padding=padding, dilation=dilation, groups=groups)
    return _conv(2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    if amp_state.active:
        return autocast_call("conv3d", conv3d,
                             input, weight=weight, bias=bias, stride=stride, padding=padding, dilation=dilation, groups=groups)
    return _conv(3, input, weight, bias, stride, padding, dilation, groups)


def _conv_transpose(nd, input, weight, bias, stride, padding, output_padding, groups,
                    dilation):
    name = f"conv_transpose{nd}d"
    check_rank(input, nd, name)
    if isinstance(padding, str):
        raise TypeError(f"{name}(): argument 'padding' must be tuple of ints, not str")
    x = _batched(input, nd)
    wd = weight.ndim - 2
    stride = expand_param(stride, wd, "stride", nd)
    padding = expand_param(padding, wd, "padding", nd)
    output_padding = expand_param(output_padding, wd, "output_padding", nd)
    dilation = expand_param(dilation, wd, "dilation", nd)
    pads = tuple((p, p) for p in padding)
    check_geometry(x, weight, stride, pads, dilation, groups, output_padding)
    check_transpose_channels(x, weight, bias, groups)
    check_dtypes(x, weight, bias)
    check_output_padding(output_padding, stride, dilation)
    size = tuple((n - 1) * s - 2 * p + d * (k - 1) + op + 1 for n, s, p, d, k, op
                 in zip(x.shape[2:], stride, padding, dilation, weight.shape[2:], output_padding))
    if builtins.any(s <= 0 for s in size):
        raise RuntimeError("Given input size per channel: ("
                           + " x ".join(str(n) for n in x.shape[2:])
                           + "). Calculated output size per channel: ("
                           + " x ".join(str(s) for s in size) + "). Output size is too small")
    window = Window(size, weight.shape[2:], stride, dilation, pads, out=x.shape[2:])
    return _unbatched_like(ConvTranspose.apply(x, weight, bias, window, groups), input, nd)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    if amp_state.active:
        return autocast_call("conv_transpose1d", conv_transpose1d,
                             input, weight=weight, bias=bias, stride=stride, padding=padding, output_padding=output_padding, groups=groups, dilation=dilation)
    return _conv_transpose(1, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    if amp_state.active:
        return autocast_call("conv_transpose2d", conv_transpose2d,
                             input, weight=weight, bias=bias, stride=stride, padding=padding, output_padding=output_padding, groups=groups, dilation=dilation)
    return _conv_transpose(2, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    if amp_state.active:
        return autocast_call("conv_transpose3d", conv_transpose3d,
                             input, weight=weight, bias=bias, stride=stride, padding=padding, output_padding=output_padding, groups=groups, dilation=dilation)
    return _conv_transpose(3, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


# ---------------------------------------------------------------- fold / unfold

def _pair_arg(value, name):
    values = (value, value) if isinstance(value, int) else tuple(int(v) for v in value)
    if len(values) != 2:
        raise RuntimeError(f"It is expected {name} equals to 2, but got size {len(values)}")
    return values


def _check_block_args(kernel, dilation, padding, stride):
    for label, values, short, ok in (
            ("kernel size", kernel, "kernel", builtins.all(v > 0 for v in kernel)),
            ("stride", stride, "stride", builtins.all(v > 0 for v in stride)),
            ("dilation", dilation, "dilation", builtins.all(v > 0 for v in dilation))):
        if not ok:
            raise RuntimeError(f"{label} should be greater than zero, but got {short}_height: "
                               f"{values[0]} {short}_width: {values[1]}")
    if builtins.any(p < 0 for p in padding):
        raise RuntimeError(f"padding should be non-negative, but got pad_height: {padding[0]} "
                           f"pad_width: {padding[1]}")


def _block_args(kernel_size, dilation, padding, stride):
    args = (_pair_arg(kernel_size, "kernel_size"), _pair_arg(dilation, "dilation"),
            _pair_arg(padding, "padding"), _pair_arg(stride, "stride"))
    _check_block_args(*args)
    return args


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding blocks of (N, C, H, W) input as columns (N, C * prod(kernel_size), L)."""
    kernel, dilation, padding, stride = _block_args(kernel_size, dilation, padding, stride)
    if input.ndim not in (3, 4) or not builtins.all(input.shape[input.ndim - 3:]):
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and "
                           f"other non-zero dimensions for input, but got: {list(input.shape)}")
    x = input if input.ndim == 4 else input.unsqueeze(0)
    window = Window(x.shape[2:], kernel, stride, dilation, tuple((p, p) for p in padding))
    if builtins.any(o <= 0 for o in window.out):
        raise RuntimeError(f"Given input with spatial size {tuple(x.shape[2:])}, kernel_size="
                           f"{kernel}, dilation={dilation}, padding={padding}, calculated shape "
                           f"of the array of sliding blocks as {window.out}, but its components "
                           "must be at least one.")
    out = Unfold.apply(x, window)
    return out if input.ndim == 4 else out.squeeze(0)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """The adjoint of unfold: columns (N, C * prod(kernel_size), L) summed into
    (N, C, *output_size)."""
    size = _pair_arg(output_size, "output_size")
    kernel, dilation, padding, stride = _block_args(kernel_size, dilation, padding, stride)
    if input.ndim not in (2, 3) or not builtins.all(input.shape[input.ndim - 2:]):
        raise RuntimeError("Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch "
                           "size and non-zero dimensions for input, but got: "
                           f"{list(input.shape)}")
    x = input if input.ndim == 3 else input.unsqueeze(0)
    k = kernel[0] * kernel[1]
    if x.shape[1] % k:
        raise RuntimeError("Expected size of input's dimension 1 to be divisible by the product of "
                           f"kernel_size, but got input.size(1)={x.shape[1]} and "
                           f"kernel_size={kernel}.")
    window = Window(size, kernel, stride, dilation, tuple((p, p) for p in padding))
    blocks = [builtins.max(o, 0) for o in window.out]
    if x.shape[2] != blocks[0] * blocks[1]:
        raise RuntimeError(f"Given output_size={size}, kernel_size={kernel}, dilation={dilation}, "
                           f"padding={padding}, stride={stride}, expected size of input's "
                           "dimension 2 to match the calculated number of sliding blocks "
                           f"{blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, but got "
                           f"input.size(2)={x.shape[2]}.")
    out = Fold.apply(x, window, x.shape[1] // k)
    return out if input.ndim == 3 else out.squeeze(0)
