"""Spatial transformers: grid_sample (bilinear, nearest; zeros/border/reflection padding)
and affine_grid, in 2D and 3D, as composites of ember ops.

Grid coordinates are differentiable ember tensors all the way to the interpolation
weights, so the grid gets its gradient from ordinary autograd; corner indices are
computed from detached floors and gathered with advanced indexing.
"""
import itertools
import math
import warnings

from .._tensor import Tensor
from ..ops._util import xp_of
from ..ops.creation import linspace, ones
from ..ops.shape import stack
from ._conv_checks import dtype_mismatch
from ..amp.autocast_mode import autocast_call, state as amp_state

_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to align_corners="
                  "False since 1.3.0. Please specify align_corners=True if the old behavior is "
                  "desired. See the documentation of grid_sample for details.")


def _unnormalize(coord, size, align_corners):
    """[-1, 1] -> input pixel coordinates (corner pixels' centres or edges at +-1)."""
    if align_corners:
        return (coord + 1) / 2 * (size - 1)
    return ((coord + 1) * size - 1) / 2


def _clip(coord, size):
    # NOTE: torch passes no gradient at the clip limits themselves (clamp would).
    inside = (coord > 0).logical_and(coord < size - 1)
    return coord.where(inside, coord.detach().clamp(0, size - 1))


def _reflect(coord, twice_low, twice_high):
    """Fold coord into [twice_low / 2, twice_high / 2] by reflecting at the ends."""
    if twice_low == twice_high:
        return coord * 0
    low = twice_low / 2
    span = (twice_high - twice_low) / 2
    coord = (coord - low).abs()
    extra = coord.fmod(span)
    flips = (coord.detach() / span).floor()
    even = flips.remainder(2) == 0
    return (extra + low).where(even, span - extra + low)


def _source_coordinate(coord, size, padding_mode, align_corners):
    coord = _unnormalize(coord, size, align_corners)
    if padding_mode == "border":
        return _clip(coord, size)
    if padding_mode == "reflection":
        coord = _reflect(coord, 0, 2 * (size - 1)) if align_corners else \
            _reflect(coord, -1, 2 * size - 1)
        return _clip(coord, size)
    return coord


def _gather(table, corner, sizes):
    """Values of table (N, P, C) at integer corners (one (N, L) tensor per dim), zero
    outside the input: -> ((N, L, C) values, (N, L) mask)."""
    valid = None
    flat = None
    for c, size in zip(corner, sizes):
        ok = (c >= 0).logical_and(c <= size - 1)
        valid = ok if valid is None else valid.logical_and(ok)
        c = c.nan_to_num(0.0).clamp(0, size - 1).long()
        flat = c if flat is None else flat * size + c
    batch = Tensor._make(xp_of(table).arange(flat.shape[0]).reshape(-1, 1), table.device)
    return table[batch, flat], valid


def _check_grid_args(input, grid, mode, padding_mode):
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError("nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' "
                         f"or 'bicubic', but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         f"'border', or 'reflection', but got: '{padding_mode}'")
    if input.ndim not in (4, 5) or grid.ndim != input.ndim:
        raise RuntimeError("grid_sampler(): expected 4D or 5D input and grid with same number of "
                           f"dimensions, but got input with sizes {list(input.shape)} and grid "
                           f"with sizes {list(grid.shape)}")
    nd = input.ndim - 2
    if grid.shape[0] != input.shape[0]:
        raise RuntimeError("grid_sampler(): expected grid and input to have same batch size, but "
                           f"got input with sizes {list(input.shape)} and grid with sizes "
                           f"{list(grid.shape)}")
    if grid.shape[-1] != nd:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {nd} in last dimension, "
                           f"but got grid with sizes {list(grid.shape)}")
    if input.dtype is not grid.dtype:
        raise RuntimeError(dtype_mismatch(input.dtype, grid.dtype))
    if mode == "bicubic":
        if nd != 2:
            raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
        raise NotImplementedError("ember: grid_sample(mode='bicubic') is not implemented")


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """Sample input (N, C, *in) at grid (N, *out, nd) locations in [-1, 1] -> (N, C, *out)."""
    if amp_state.active:
        return autocast_call("grid_sample", grid_sample,
                             input, grid=grid, mode=mode, padding_mode=padding_mode, align_corners=align_corners)
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    _check_grid_args(input, grid, mode, padding_mode)
    n, c = input.shape[:2]
    sizes = input.shape[2:]
    nd = len(sizes)
    out_spatial = grid.shape[1:-1]
    table = input.reshape(n, c, math.prod(sizes)).transpose(1, 2)
    flat_grid = grid.reshape(n, math.prod(out_spatial), nd)
    # grid's last axis is (x, y[, z]): x indexes the last input dim.
    coords = [_source_coordinate(flat_grid[..., nd - 1 - i], sizes[i], padding_mode,
                                 align_corners) for i in range(nd)]
    if mode == "nearest":
        corner = [x.detach().round() for x in coords]
        values, valid = _gather(table, corner, sizes)
        # NOTE: torch gives the grid a zero gradient (not none) in nearest mode.
        weight = 1 + sum((x - x.detach()) * 0 for x in coords)
        out = values * weight.where(valid, 0.0).unsqueeze(-1)
    else:
        floors = [x.detach().floor() for x in coords]
        out = None
        for bits in itertools.product((0, 1), repeat=nd):
            weight = None
            for i in reversed(range(nd)):      # torch multiplies x first, then y, then z
                part = coords[i] - floors[i] if bits[i] else floors[i] + 1 - coords[i]
                weight = part if weight is None else weight * part
            values, valid = _gather(table, [f + b for f, b in zip(floors, bits)], sizes)
            # where, not a product with the mask: a NaN coordinate then samples zero.
            term = values * weight.where(valid, 0.0).unsqueeze(-1)
            out = term if out is None else out + term
    return out.transpose(1, 2).reshape(n, c, *out_spatial)


def _base_axis(steps, align_corners, theta):
    if steps <= 1:
        return theta.new_zeros(1)
    axis = linspace(-1, 1, steps, dtype=theta.dtype, device=theta.device)
    return axis if align_corners else axis * ((steps - 1) / steps)


def affine_grid(theta, size, align_corners=None):
    """The sampling grid (N, *size[2:], nd) of the affine maps theta (N, nd, nd + 1)."""
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = tuple(size)
    if len(size) not in (4, 5):
        raise NotImplementedError("affine_grid only supports 4D and 5D sizes, for 2D and 3D "
                                  f"affine transforms, respectively. Got size {size}.")
    nd = len(size) - 2
    if theta.ndim != 3 or theta.shape[-2] != nd or theta.shape[-1] != nd + 1:
        form = "2D affine matrices of shape Nx2x3" if nd == 2 else \
            "3D affine matrices of shape Nx3x4"
        raise ValueError(f"Expected a batch of {form} for size {size}. Got {theta.shape}.")
    if min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    spatial = size[2:]
    if align_corners and min(spatial) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids "
                      "when align_corners=True. This is not an intended use case of affine_grid. "
                      "See the documentation of affine_grid for details.", stacklevel=2)
    # Coordinates in (x, y[, z]) order: x runs along the last spatial dim.
    axes = [_base_axis(s, align_corners, theta) for s in reversed(spatial)]
    columns = []
    for i, axis in enumerate(axes):
        shape = [1] * nd
        shape[nd - 1 - i] = axis.shape[0]
        columns.append(axis.reshape(shape).expand(*spatial))
    columns.append(ones(spatial, dtype=theta.dtype, device=theta.device))
    base = stack(columns, -1).reshape(1, math.prod(spatial), nd + 1)
    grid = base.matmul(theta.transpose(1, 2))
    return grid.reshape(size[0], *spatial, nd)
