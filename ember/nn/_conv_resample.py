"""Resampling: interpolate (nearest, nearest-exact, linear, bilinear, bicubic, trilinear,
area), pixel_shuffle / pixel_unshuffle and channel_shuffle.

Interpolation is separable: each spatial dim is resampled in turn (last dim first, the
order torch's kernels combine them in) by gathering the source taps along that dim
and summing them with their weights. Source positions and weights follow torch's
coordinate rules exactly (area_pixel_compute_source_index and friends), computed in
the input's floating dtype as torch's kernels do.
"""
import math
import numbers
import warnings

from .._tensor import Tensor
from ..ops._util import xp_of
from ._conv_adaptive import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d
from ._conv_take import take
from ..amp.autocast_mode import autocast_call, state as amp_state

_MODES = "nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact"
_DIM_NAMES = {1: ("W",), 2: ("H", "W"), 3: ("D", "H", "W")}
_NEEDS_DIMS = {"linear": 3, "bilinear": 4, "trilinear": 5, "bicubic": 4}
_CUBIC_A = -0.75


# ---------------------------------------------------------------- source taps per dim

def _scale(dtype, n_in, n_out, align_corners, scale_factor):
    """torch's area_pixel_compute_scale: output step measured in input cells."""
    if align_corners:
        return dtype.type((n_in - 1) / (n_out - 1)) if n_out > 1 else dtype.type(0)
    if scale_factor is not None and scale_factor > 0:
        return dtype.type(1.0 / scale_factor)
    return dtype.type(n_in / n_out)


def _source(xp, dtype, scale, n_out, align_corners, cubic):
    """torch's area_pixel_compute_source_index for every output index."""
    dst = xp.arange(n_out, dtype=dtype)
    if align_corners:
        return scale * dst
    src = scale * (dst + dtype.type(0.5)) - dtype.type(0.5)
    return src if cubic else xp.maximum(src, dtype.type(0))


def _nearest_taps(xp, n_in, n_out, scale_factor, exact):
    """torch's nearest_idx / nearest_neighbor_exact_compute_source_index, in float32."""
    if n_out == 2 * n_in and not exact:
        return xp.arange(n_out) // 2
    f32 = xp.float32
    scale = f32(1.0 / scale_factor) if scale_factor is not None and scale_factor > 0 \
        else f32(n_in / n_out)
    dst = xp.arange(n_out, dtype=f32)
    src = xp.floor((dst + f32(0.5)) * scale if exact else dst * scale).astype(xp.int64)
    return xp.minimum(src, n_in - 1)


def _linear_taps(xp, dtype, n_in, n_out, align_corners, scale_factor):
    """(indices, weights) of the two taps per output (torch's
    compute_source_index_and_lambda)."""
    scale = _scale(dtype, n_in, n_out, align_corners, scale_factor)
    src = _source(xp, dtype, scale, n_out, align_corners, False)
    i0 = src.astype(xp.int64)
    i1 = i0 + (i0 < n_in - 1)
    l1 = xp.clip(src - i0.astype(dtype), 0, 1)
    return [i0, i1], [dtype.type(1) - l1, l1]


def _cubic_weights(t):
    a = _CUBIC_A

    def near(x):   # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):    # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def _cubic_taps(xp, dtype, n_in, n_out, align_corners, scale_factor):
    scale = _scale(dtype, n_in, n_out, align_corners, scale_factor)
    src = _source(xp, dtype, scale, n_out, align_corners, True)
    base = xp.floor(src)
    t = (src - base).astype(dtype)
    base = base.astype(xp.int64)
    indices = [xp.clip(base + k, 0, n_in - 1) for k in (-1, 0, 1, 2)]
    return indices, [w.astype(dtype) for w in _cubic_weights(t)]


def _resample_dim(x, dim, indices, weights):
    """sum_k x[..., indices[k], ...] * weights[k] along dim."""
    shape = [1] * x.ndim
    shape[dim] = -1
    out = None
    for index, weight in zip(indices, weights):
        tap = take(x, dim, index) * Tensor._make(weight.reshape(shape), x.device)
        out = tap if out is None else out + tap
    return out


def _copies_through(mode, n_in, n_out, align_corners, all_same):
    """Whether torch copies a dim unchanged (its identity shortcuts)."""
    if mode == "bicubic":
        return all_same
    if mode in ("nearest", "nearest-exact"):
        return n_in == n_out
    return n_in == n_out and not align_corners


def _interpolate(x, sizes, scales, mode, align_corners):
    xp = xp_of(x)
    nd = len(sizes)
    dtype = x._data.dtype if x._data.dtype.kind == "f" else xp.dtype(xp.float32)
    all_same = list(x.shape[x.ndim - nd:]) == list(sizes)
    for i in reversed(range(nd)):
        dim = x.ndim - nd + i
        n_in, n_out = x.shape[dim], sizes[i]
        scale = scales[i] if scales is not None else None
        if _copies_through(mode, n_in, n_out, align_corners, all_same):
            continue
        if mode in ("nearest", "nearest-exact"):
            index = _nearest_taps(xp, n_in, n_out, scale, mode == "nearest-exact")
            x = take(x, dim, index)
        elif mode == "bicubic":
            x = _resample_dim(x, dim, *_cubic_taps(xp, dtype, n_in, n_out, align_corners, scale))
        else:
            x = _resample_dim(x, dim, *_linear_taps(xp, dtype, n_in, n_out, align_corners,
                                                    scale))
    return x


# ---------------------------------------------------------------- interpolate

def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _output_plan(input, size, scale_factor, recompute_scale_factor, mode):
    """(output sizes, scale factors used for coordinates or None), as torch derives them."""
    dim = input.ndim - 2
    spatial = list(input.shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError("Input and output must have the same number of spatial "
                                 f"dimensions, but got input with spatial dimensions of {spatial} "
                                 f"and output size of {size}. Please provide input tensor in "
                                 "(N, C, d1, d2, ...,dK) format and output size in "
                                 "(o1, o2, ...,oK) format.")
            if not all(_is_int(s) for s in size):
                raise TypeError("expected size to be one of int or Tuple[int] or Tuple[int, int] "
                                "or Tuple[int, int, int], but got size with types "
                                f"{[type(s) for s in size]}")
            sizes = [int(s) for s in size]
        else:
            if not _is_int(size):
                raise TypeError(f"upsample_{mode}(): argument 'output_size' must be tuple of "
                                f"ints, not {type(size).__name__}")
            sizes = [int(size)] * dim
        if recompute_scale_factor:
            raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
        return sizes, None
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    if isinstance(scale_factor, (list, tuple)):
        if len(scale_factor) != dim:
            raise ValueError("Input and scale_factor must have the same number of spatial "
                             f"dimensions, but got input with spatial dimensions of {spatial} and "
                             f"scale_factor of shape {scale_factor}. Please provide input tensor "
                             "in (N, C, d1, d2, ...,dK) format and scale_factor in "
                             "(s1, s2, ...,sK) format.")
        scales = [float(s) for s in scale_factor]
    else:
        scales = [float(scale_factor)] * dim
    sizes = [math.floor(n * s) for n, s in zip(spatial, scales)]
    # NOTE: area always resamples by size; so does recompute_scale_factor=True.
    if recompute_scale_factor or mode == "area":
        return sizes, None
    return sizes, scales


def _check_mode_rank(input, mode):
    if mode not in ("nearest", "nearest-exact", "area", "linear", "bilinear", "bicubic",
                    "trilinear") or input.ndim not in (3, 4, 5) or \
            (mode == "bicubic" and input.ndim != 4):
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got "
                                  f"{input.ndim}D) for the modes: {_MODES} (got {mode})")
    needed = _NEEDS_DIMS.get(mode)
    if needed is not None and input.ndim != needed:
        raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs {needed}D "
                                  "input")


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial dims of (N, C, *spatial) input to ``size`` or by ``scale_factor``."""
    if amp_state.active:
        return autocast_call("interpolate", interpolate,
                             input, size=size, scale_factor=scale_factor, mode=mode, align_corners=align_corners, recompute_scale_factor=recompute_scale_factor, antialias=antialias)
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating "
                             "modes: linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    sizes, scales = _output_plan(input, size, scale_factor, recompute_scale_factor, mode)
    if antialias and not (mode in ("bilinear", "bicubic") and input.ndim == 4):
        raise ValueError("Anti-alias option is restricted to bilinear and bicubic modes and "
                         "requires a 4-D tensor as input")
    if antialias:
        raise NotImplementedError("ember: interpolate(antialias=True) is not implemented")
    _check_mode_rank(input, mode)
    spatial = input.shape[2:]
    if any(n <= 0 for n in spatial) or any(s <= 0 for s in sizes):
        names = _DIM_NAMES[len(sizes)]
        given = ", ".join(f"{n}: {v}" for n, v in zip(names, spatial))
        wanted = ", ".join(f"{n}: {v}" for n, v in zip(names, sizes))
        raise RuntimeError("Input and output sizes should be greater than 0, but got input "
                           f"({given}) output ({wanted})")
    if mode == "area":
        pool = (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[input.ndim - 3]
        return pool(input, sizes)
    return _interpolate(input, sizes, scales, mode, align_corners)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    warnings.warn("nn.functional.upsample is deprecated. Use nn.functional.interpolate "
                  "instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    warnings.warn("nn.functional.upsample_nearest is deprecated. Use "
                  "nn.functional.interpolate instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    warnings.warn("nn.functional.upsample_bilinear is deprecated. Use "
                  "nn.functional.interpolate instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# ---------------------------------------------------------------- shuffles

def pixel_shuffle(input, upscale_factor):
    """(*, C r^2, H, W) -> (*, C, H r, W r)."""
    r = int(upscale_factor)
    if input.ndim < 3:
        raise RuntimeError("pixel_shuffle expects input to have at least 3 dimensions, but got "
                           f"input with {input.ndim} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError("pixel_shuffle expects its input's 'channel' dimension to be "
                           "divisible by the square of upscale_factor, but input.size(-3)="
                           f"{c} is not divisible by {r * r}")
    n = len(lead)
    x = input.reshape(*lead, c // (r * r), r, r, h, w)
    x = x.permute(*range(n), n, n + 3, n + 1, n + 4, n + 2)
    return x.reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H r, W r) -> (*, C r^2, H, W)."""
    r = int(downscale_factor)
    if input.ndim < 3:
        raise RuntimeError("pixel_unshuffle expects input to have at least 3 dimensions, but "
                           f"got input with {input.ndim} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    *lead, c, h, w = input.shape
    for name, size, dim in (("height", h, -2), ("width", w, -1)):
        if size % r:
            raise RuntimeError(f"pixel_unshuffle expects {name} to be divisible by "
                               f"downscale_factor, but input.size({dim})={size} is not "
                               f"divisible by {r}")
    n = len(lead)
    x = input.reshape(*lead, c, h // r, r, w // r, r)
    x = x.permute(*range(n), n, n + 2, n + 4, n + 1, n + 3)
    return x.reshape(*lead, c * r * r, h // r, w // r)


def channel_shuffle(input, groups):
    """(N, C, *) -> the channels regrouped: channel g * (C/g) + i moves to i * g + g."""
    if input.ndim <= 2:
        raise RuntimeError("channel_shuffle expects input with > 2 dims, but got input with "
                           f"sizes {list(input.shape)}")
    groups = int(groups)
    if groups <= 0:
        raise RuntimeError("Number of groups to divide channels in must be positive. Value of "
                           f"groups:{groups}")
    n, c, *rest = input.shape
    if c % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels "
                           f"and {groups} groups.")
    x = input.reshape(n, groups, c // groups, *rest).transpose(1, 2)
    return x.reshape(n, c, *rest)


native_channel_shuffle = channel_shuffle
