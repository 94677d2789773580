"""Argument parsing and torch's error messages for convolutions (shared by the
functional forms and the modules)."""
import builtins
import warnings

from ..ops._util import type_name


def dtype_mismatch(expected, found):
    return f"expected scalar type {type_name(expected)} but found {type_name(found)}"


def check_rank(input, nd, name):
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to "
                           f"{name}, but got input of size: {list(input.shape)}")


def expand_param(value, nd, name, given_nd=None):
    """An int or a sequence -> nd ints (a single element is repeated), as torch expands
    stride/padding/dilation/output_padding. An int first becomes ``given_nd`` ints (the
    op's own dims), so a weight of the wrong rank is reported as torch does."""
    if isinstance(value, int):
        values = (value,) * (given_nd or nd)
    else:
        values = tuple(int(v) for v in value)
        if len(values) == 1:
            return values * nd
    if len(values) != nd:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {nd} "
                           "values to match the convolution dimensions, but got "
                           f"{name}={list(values)}")
    return values


def same_padding(kernel, dilation, stride):
    """padding='same' as (lo, hi) per dim: the extra element of an odd total goes high."""
    if builtins.any(s != 1 for s in stride):
        raise RuntimeError("padding='same' is not supported for strided convolutions")
    pads = []
    for k, d in zip(kernel, dilation):
        total = d * (k - 1)
        pads.append((total // 2, total - total // 2))
    if builtins.any(lo != hi for lo, hi in pads):
        warnings.warn("Using padding='same' with even kernel lengths and odd dilation may require "
                      "a zero-padded copy of the input be created", stacklevel=4)
    return tuple(pads)


def conv_padding(padding, kernel, dilation, stride, nd, given_nd=None):
    """padding as an int, a sequence or 'same'/'valid' -> (lo, hi) per dim."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * nd
        if padding == "same":
            return same_padding(kernel, dilation, stride)
        raise RuntimeError(f"Invalid padding string: '{padding}'")
    return tuple((p, p) for p in expand_param(padding, nd, "padding", given_nd))


def check_dtypes(input, weight, bias):
    if bias is not None and bias.dtype is not input.dtype:
        raise RuntimeError(f"Input type ({type_name(input.dtype).lower()}) and bias type "
                           f"({type_name(bias.dtype).lower()}) should be the same")
    if weight.dtype is not input.dtype:
        raise RuntimeError(dtype_mismatch(input.dtype, weight.dtype))


def check_geometry(input, weight, stride, pads, dilation, groups, output_padding=None):
    """torch's check_shape_forward, up to the channel checks."""
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if builtins.any(p < 0 for pair in pads for p in pair):
        raise RuntimeError("negative padding is not supported")
    if output_padding is not None and builtins.any(p < 0 for p in output_padding):
        raise RuntimeError("negative output_padding is not supported")
    if builtins.any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if builtins.any(d <= 0 for d in dilation):
        raise RuntimeError(f"dilation should be greater than zero, but got {list(dilation)}")
    if weight.ndim != input.ndim:
        n = weight.ndim
        raise RuntimeError(f"Expected {n}-dimensional input for {n}-dimensional weight "
                           f"{list(weight.shape)}, but got {input.ndim}-dimensional input of "
                           f"size {list(input.shape)} instead")
    if weight.shape[0] < groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be at least {groups} at "
                           f"dimension 0, but got weight of size {list(weight.shape)} instead")
    if weight.shape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} "
                           f"at dimension 0, but got weight of size [{list(weight.shape)}] instead")


def check_conv_channels(input, weight, bias, groups, pads, dilation):
    channels = weight.shape[1] * groups
    if input.shape[1] != channels:
        raise RuntimeError(f"Given groups={groups}, weight of size {list(weight.shape)}, expected "
                           f"input{list(input.shape)} to have {channels} channels, but got "
                           f"{input.shape[1]} channels instead")
    _check_bias(weight, bias, weight.shape[0], "")
    padded = [s + lo + hi for s, (lo, hi) in zip(input.shape[2:], pads)]
    reach = [d * (k - 1) + 1 for k, d in zip(weight.shape[2:], dilation)]
    if builtins.any(p < r for p, r in zip(padded, reach)):
        raise RuntimeError("Calculated padded input size per channel: ("
                           + " x ".join(str(p) for p in padded) + "). Kernel size: ("
                           + " x ".join(str(r) for r in reach) + "). Kernel size can't be greater "
                           "than actual input size")


def check_transpose_channels(input, weight, bias, groups):
    if input.shape[1] != weight.shape[0]:
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected "
                           f"input{list(input.shape)} to have {weight.shape[0]} channels, but got "
                           f"{input.shape[1]} channels instead")
    _check_bias(weight, bias, weight.shape[1] * groups, "transposed=1, ")


def _check_bias(weight, bias, count, given):
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != count):
        raise RuntimeError(f"Given {given}weight of size {list(weight.shape)}, expected bias to be "
                           f"1-dimensional with {count} elements, but got bias of size "
                           f"{list(bias.shape)} instead")


_DIM_WORDS = {1: ("height", "width"), 2: ("height", "width"), 3: ("depth", "height", "width")}


def check_output_padding(output_padding, stride, dilation):
    if builtins.all(op < s or op < d for op, s, d in zip(output_padding, stride, dilation)):
        return
    names = _DIM_WORDS[len(stride)]
    parts = []
    for label, values, fill in (("output_padding", output_padding, 0), ("stride", stride, 1),
                                ("dilation", dilation, 1)):
        if len(stride) == 1:
            # NOTE: torch reports a 1-d transposed conv as a 2-d one of height 1.
            values = (fill,) + tuple(values)
        parts += [f"{label}_{n}: {v}" for n, v in zip(names, values)]
    raise RuntimeError("output padding must be smaller than either stride or dilation, but got "
                       + " ".join(parts))
