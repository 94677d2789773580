"""Fractional max pooling (Graham, 2014): windows of a fixed size placed at
pseudo-random, increasing offsets drawn from one uniform sample per (batch, channel, dim).

The offsets follow torch's generate_intervals exactly (computed in the input's dtype),
so torch and ember agree when given the same ``_random_samples``. Each window is read
with advanced indexing, one dim at a time, and reduced with max.
"""
import math

from .._tensor import Tensor
from ..ops._util import xp_of
from ..ops.indexing import Index
from ..ops.random import rand


def _intervals(xp, samples, n_in, n_out, k):
    """Window starts (…, n_out) for samples (…,), as torch's generate_intervals."""
    dtype = samples.dtype
    starts = xp.empty(samples.shape + (n_out,), dtype=xp.int64)
    if n_out > 1:
        alpha = dtype.type(n_in - k) / dtype.type(n_out - 1)
        steps = xp.arange(n_out - 1, dtype=dtype)
        first = (samples * alpha).astype(xp.int64)[..., None]
        starts[..., :-1] = ((steps + samples[..., None]) * alpha).astype(xp.int64) - first
    starts[..., -1] = n_in - k
    return starts


def _gather_dim(x, dim, index):
    """x (N, C, ...) -> x[n, c, ..., index[n, c, :], ...] along dim (index (N, C, L))."""
    xp = xp_of(x)
    n, c = x.shape[:2]
    key = [xp.arange(n).reshape((n,) + (1,) * (x.ndim - 1)),
           xp.arange(c).reshape((1, c) + (1,) * (x.ndim - 2))]
    for d in range(2, x.ndim):
        if d == dim:
            key.append(index.reshape(index.shape[:2] + (1,) * (d - 2) + (-1,)
                                      + (1,) * (x.ndim - 1 - d)))
        else:
            shape = [1] * x.ndim
            shape[d] = x.shape[d]
            key.append(xp.arange(x.shape[d]).reshape(shape))
    return Index.apply(x, tuple(key))


def _check_fits(nd, spatial, out, kernel):
    names = ("height", "width") if nd == 2 else ("time", "height", "width")
    for name, n_in, n_out, k in zip(names, spatial, out, kernel):
        # NOTE: torch's 3-d check is strict where its 2-d check is not.
        if n_out + k - 1 > n_in or (nd == 3 and n_out + k - 1 == n_in):
            where = "fractional_max_pool2d()" if nd == 2 else "fractional_max_pool3d_out()"
            raise RuntimeError(f"{where}: pool {name} {k} too large relative to input {name} "
                               f"{n_in}")


def _output_size(nd, spatial, output_size, output_ratio, name):
    if output_size is None and output_ratio is None:
        raise ValueError(f"{name} requires specifying either an output_size or an output_ratio")
    if output_size is None:
        ratio = (output_ratio,) * nd if isinstance(output_ratio, (int, float)) else \
            tuple(output_ratio)
        if len(ratio) > nd:
            raise ValueError(f"{name} requires output_ratio to either be a single Int or tuple "
                             "of Ints.")
        ratio = ratio * nd if len(ratio) == 1 else ratio
        return tuple(int(s * r) for s, r in zip(spatial, ratio))
    return (output_size,) * nd if isinstance(output_size, int) else tuple(output_size)


def _gather_windows(x, samples, spatial, out, kernel):
    """x (N, C, *spatial) -> (N, C, o_0 k_0, ..., o_{nd-1} k_{nd-1}) holding every window,
    and the flat input position of each of those elements."""
    xp = xp_of(x)
    nd = len(spatial)
    # NOTE: torch's sample order: 2-d uses (W, H), 3-d uses (T, H, W).
    order = (1, 0) if nd == 2 else tuple(range(nd))
    flat = None
    for i in range(nd):
        starts = _intervals(xp, samples._data[..., order[i]], spatial[i], out[i], kernel[i])
        index = (starts[..., None] + xp.arange(kernel[i])).reshape(starts.shape[:2] + (-1,))
        x = _gather_dim(x, 2 + i, index)
        positions = index.reshape(index.shape[:2] + (1,) * i + (-1,) + (1,) * (nd - 1 - i))
        flat = positions if flat is None else flat * spatial[i] + positions
    return x, flat


def _fractional_max_pool(nd, input, kernel_size, output_size, output_ratio, return_indices,
                         samples):
    name = f"fractional_max_pool{nd}d"
    kernel = (kernel_size,) * nd if isinstance(kernel_size, int) else tuple(kernel_size)
    spatial = input.shape[input.ndim - nd:]
    out = _output_size(nd, spatial, output_size, output_ratio, name)
    unbatched = input.ndim == nd + 1
    x = input.unsqueeze(0) if unbatched else input
    if samples is None:
        samples = rand(x.shape[0], x.shape[1], nd, dtype=input.dtype, device=input.device)
    _check_fits(nd, spatial, out, kernel)
    x, flat = _gather_windows(x, samples, spatial, out, kernel)
    n, c = x.shape[:2]
    split = tuple(s for pair in zip(out, kernel) for s in pair)
    perm = [0, 1] + [2 + 2 * i for i in range(nd)] + [3 + 2 * i for i in range(nd)]
    windows = x.reshape(n, c, *split).permute(*perm).reshape(n, c, *out, math.prod(kernel))
    values, which = windows.max(-1)
    result = values.squeeze(0) if unbatched else values
    if not return_indices:
        return result
    xp = xp_of(x)
    flat = flat.reshape((n, c) + split).transpose(perm).reshape((n, c) + out + (-1,))
    chosen = xp.take_along_axis(flat, which._data[..., None].astype(xp.int64), -1)[..., 0]
    indices = Tensor._make(xp.ascontiguousarray(chosen), input.device)
    return result, indices.squeeze(0) if unbatched else indices


def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None,
                          return_indices=False, _random_samples=None):
    return _fractional_max_pool(2, input, kernel_size, output_size, output_ratio,
                                return_indices, _random_samples)


def fractional_max_pool3d(input, kernel_size, output_size=None, output_ratio=None,
                          return_indices=False, _random_samples=None):
    return _fractional_max_pool(3, input, kernel_size, output_size, output_ratio,
                                return_indices, _random_samples)


def fractional_max_pool2d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None):
    return fractional_max_pool2d(input, kernel_size, output_size, output_ratio, True,
                                 _random_samples)


def fractional_max_pool3d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None):
    return fractional_max_pool3d(input, kernel_size, output_size, output_ratio, True,
                                 _random_samples)
