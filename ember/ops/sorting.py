"""Sorting and order statistics: sort, argsort, topk, kthvalue, median, mode, quantile,
searchsorted and bucketize.

Indices are computed on the arrays (they carry no gradient); values are then taken
from the input with ``take_along_dim``, so gradients flow back to the chosen elements.
"""
import math

from .. import _dtype as dtypes
from .._tensor import Tensor
from ._util import type_name, wrap_dim, write_out, xp_of
from .reduction import (SelectReduce, check_nonempty_dims, return_type, select_along,
                        single_dim, take_along_dim, wrap_array, write_out_tuple)
from .scan import accumulate
from ..amp.autocast_mode import autocast_call, state as amp_state


def argsort_array(xp, data, axis, descending=False):
    """A stable argsort; descending keeps equal elements in their original order.

    NaN sorts as the largest value (last ascending, first descending), as in torch.
    """
    if not descending:
        return xp.argsort(data, axis=axis, kind="stable")
    # Sorting the reversed array and reversing the result gives a descending order
    # whose ties come in the original order; then map positions back.
    size = data.shape[axis]
    order = xp.argsort(xp.flip(data, axis=axis), axis=axis, kind="stable")
    return (size - 1) - xp.flip(order, axis=axis)


def _sort_indices(input, dim, descending):
    xp = xp_of(input)
    if input.ndim == 0:
        return xp.zeros((), dtype=xp.int64)
    return argsort_array(xp, input._data, dim, descending).astype(xp.int64, copy=False)


def _first(xp, index, dim, count):
    """The first ``count`` entries of index along dim."""
    return xp.take(index, xp.arange(count), axis=dim)


# ---------------------------------------------------------------- sort, topk

sort_type = return_type("sort", ["values", "indices"])
topk_type = return_type("topk", ["values", "indices"])
kthvalue_type = return_type("kthvalue", ["values", "indices"])
median_type = return_type("median", ["values", "indices"])
nanmedian_type = return_type("nanmedian", ["values", "indices"])
mode_type = return_type("mode", ["values", "indices"])


def _check_sortable(input, name):
    if input.is_complex():
        raise RuntimeError(f"{name}(): input tensor must be of non-complex type")


def sort(input, dim=-1, descending=False, stable=False, *, out=None):
    _check_sortable(input, "sort")
    dim = single_dim(dim, input.ndim)
    index = _sort_indices(input, dim, descending)
    values = take_along_dim(input, index, dim)
    return write_out_tuple(out, sort_type(values, wrap_array(index, input)))


def argsort(input, dim=-1, descending=False, stable=False):
    _check_sortable(input, "argsort")
    dim = single_dim(dim, input.ndim)
    return wrap_array(_sort_indices(input, dim, descending), input)


def msort(input, *, out=None):
    result = sort(input, 0).values
    return result if out is None else write_out(out, result)


def topk(input, k, dim=-1, largest=True, sorted=True, *, out=None):
    _check_sortable(input, "topk")
    dim = single_dim(dim, input.ndim)
    size = input.shape[dim] if input.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError("selected index k out of range")
    index = _sort_indices(input, dim, descending=largest)
    if input.ndim:
        index = _first(xp_of(input), index, dim, k)
    values = take_along_dim(input, index, dim)
    return write_out_tuple(out, topk_type(values, wrap_array(index, input)))


# ---------------------------------------------------------------- order statistics

def _ranked(input, dim, keepdim, rank_of, result_type, name, out):
    """The element of each row whose position in sorted order is rank_of(...).

    rank_of(xp, sorted_rows, n) returns the rank per row (with size 1 along dim).
    """
    dim = single_dim(dim, input.ndim)
    xp = xp_of(input)
    if input.ndim == 0:
        index = xp.zeros((), dtype=xp.int64)
        return write_out_tuple(out, result_type(input.clone(), wrap_array(index, input)))
    check_nonempty_dims(name, input, (dim,), full=False)
    order = _sort_indices(input, dim, descending=False)
    if input.numel() == 0:
        rank = xp.zeros(_kept(input.shape, dim), dtype=xp.int64)
    else:
        ordered = xp.take_along_axis(input._data, order, axis=dim)
        rank = rank_of(xp, ordered, input.shape[dim], dim)
    index = xp.take_along_axis(order, rank, axis=dim)
    return write_out_tuple(out, result_type(*select_along(input, index, dim, keepdim)))


def _kept(shape, dim):
    return tuple(1 if i == dim else s for i, s in enumerate(shape))


def kthvalue(input, k, dim=-1, keepdim=False, *, out=None):
    dim_index = single_dim(dim, input.ndim)
    size = input.shape[dim_index] if input.ndim else 1
    if not 1 <= k <= size:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension "
                           f"{dim_index}")

    def rank_of(xp, ordered, n, axis):
        return xp.full(_kept(ordered.shape, axis), k - 1, dtype=xp.int64)
    return _ranked(input, dim, keepdim, rank_of, kthvalue_type, "kthvalue", out)


def _count_not_nan(xp, ordered, axis):
    return (ordered == ordered).sum(axis=axis, keepdims=True)


def _median_rank(xp, ordered, n, axis):
    # NOTE: torch's median is the lower median; with a NaN in the row it is NaN
    # (NaN sorts last, so its first NaN sits at the count of the others).
    valid = _count_not_nan(xp, ordered, axis)
    return xp.where(valid < n, valid, (n - 1) // 2).astype(xp.int64)


def _nanmedian_rank(xp, ordered, n, axis):
    valid = _count_not_nan(xp, ordered, axis)
    return xp.maximum(valid - 1, 0) // 2


def _median_all(xp, data, dims, keepdim, ignore_nan=False):
    flat = xp.sort(data.reshape(-1))
    if flat.size == 0:
        return xp.full((), float("nan"), dtype=data.dtype)
    rank = _nanmedian_rank(xp, flat, flat.size, 0) if ignore_nan else \
        _median_rank(xp, flat, flat.size, 0)
    return flat[rank.reshape(())]


def _nanmedian_all(xp, data, dims, keepdim):
    return _median_all(xp, data, dims, keepdim, ignore_nan=True)


def _check_median_dtype(input, name):
    if input._dtype is dtypes.bool or input.is_complex():
        raise NotImplementedError(f'"{name}_cpu" not implemented for '
                                  f"'{type_name(input._dtype)}'")


def median(input, dim=None, keepdim=False, *, out=None):
    _check_median_dtype(input, "median")
    if dim is None:
        # The full reduction's gradient is split among all elements equal to it.
        result = SelectReduce.apply(input, tuple(range(input.ndim)), False, _median_all,
                                    "MedianBackward0")
        return result if out is None else write_out(out, result)
    return _ranked(input, dim, keepdim, _median_rank, median_type, "median", out)


def nanmedian(input, dim=None, keepdim=False, *, out=None):
    _check_median_dtype(input, "nanmedian")
    if dim is None:
        result = SelectReduce.apply(input, tuple(range(input.ndim)), False, _nanmedian_all,
                                    "NanmedianBackward0")
        return result if out is None else write_out(out, result)
    return _ranked(input, dim, keepdim, _nanmedian_rank, nanmedian_type, "nanmedian", out)


def _mode_rank(xp, ordered, n, axis):
    """The sorted position ending the longest run of equal values (the earliest, so
    the smallest value, among equally long runs)."""
    shape = [1] * ordered.ndim
    shape[axis] = n
    positions = xp.arange(n).reshape(shape)
    previous = xp.roll(ordered, 1, axis=axis)
    starts = (ordered != previous) | (positions == 0)
    run_start = accumulate(xp, xp.maximum, xp.where(starts, positions, 0), axis)
    run_length = positions - run_start
    return xp.expand_dims(run_length.argmax(axis=axis), axis).astype(xp.int64)


def mode(input, dim=-1, keepdim=False, *, out=None):
    # NOTE: the index is the last occurrence of the mode, as torch returns.
    return _ranked(input, dim, keepdim, _mode_rank, mode_type, "mode", out)


# ---------------------------------------------------------------- quantile

_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile_q(input, q, name):
    """q as an array of the input's dtype (1-D), and whether it was a scalar."""
    xp = xp_of(input)
    if isinstance(q, Tensor):
        if q.ndim > 1:
            raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
        if q._dtype is not input._dtype:
            raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
        values = q._data
        if values.size and not bool(((values >= 0) & (values <= 1)).all()):
            raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
        return values.reshape(-1), q.ndim == 0
    if not 0 <= q <= 1:
        raise RuntimeError(f"{name}() q must be in the range [0, 1] but got {q}")
    return xp.asarray([q], dtype=input._data.dtype), True


def _quantile_ranks(xp, ordered, q, interpolation, ignore_nan):
    """Fractional sorted positions of each q per row: shape (*rows, len(q))."""
    n = ordered.shape[-1]
    valid = (ordered == ordered).sum(axis=-1, keepdims=True)
    if ignore_nan:
        ranks = q * (valid - 1).astype(q.dtype)
        ranks = xp.where(ranks < 0, 0, ranks)
    else:
        # A row holding NaN gives NaN: point at its last element (NaN sorts last).
        ranks = xp.where(valid < n, n - 1, q * (n - 1)).astype(q.dtype)
    if interpolation == "lower":
        ranks = xp.floor(ranks)
    elif interpolation == "higher":
        ranks = xp.ceil(ranks)
    elif interpolation == "nearest":
        ranks = xp.round(ranks)
    return ranks


def _lerp(start, end, weight):
    """torch.lerp's formula (exact at both ends), weight a constant tensor."""
    from .pointwise import where
    step = end - start
    low = wrap_array(weight._data < 0.5, weight)
    return where(low, start + weight * step, end - step * (1 - weight))


def _quantile(input, q, dim, keepdim, interpolation, ignore_nan, name, out):
    if input._dtype not in (dtypes.float32, dtypes.float64):
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, "
                           f"midpoint or nearest, but got {interpolation}")
    if input.numel() == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    q_values, q_scalar = _quantile_q(input, q, name)
    xp = xp_of(input)
    if dim is None:
        rows = input.reshape(1, -1)
        out_shape = (1,) * input.ndim if keepdim else ()
    else:
        dim = single_dim(dim, input.ndim)
        moved = input.reshape(1) if input.ndim == 0 else \
            input.permute([d for d in range(input.ndim) if d != dim] + [dim])
        rows = moved.reshape(-1, moved.shape[-1])
        kept = list(input.shape)
        if kept:
            kept[dim] = 1
        out_shape = tuple(kept) if keepdim else \
            tuple(s for i, s in enumerate(input.shape) if i != dim)
    ordered = sort(rows, -1).values
    ranks = _quantile_ranks(xp, ordered._data, q_values, interpolation, ignore_nan)
    below = xp.floor(ranks).astype(xp.int64)
    result = take_along_dim(ordered, below, 1)
    if interpolation in ("linear", "midpoint"):
        above = xp.ceil(ranks).astype(xp.int64)
        weight = xp.full(ranks.shape, 0.5, dtype=ranks.dtype) if interpolation == "midpoint" \
            else (ranks - below).astype(ranks.dtype)
        result = _lerp(result, take_along_dim(ordered, above, 1), wrap_array(weight, input))
    # rows x q -> q x rows, then the output shape (q first unless q is a scalar).
    result = result.t().reshape((q_values.size,) + out_shape)
    if q_scalar:
        result = result.reshape(out_shape)
    return result if out is None else write_out(out, result)


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    if amp_state.active:
        return autocast_call("quantile", quantile,
                             input, q=q, dim=dim, keepdim=keepdim, interpolation=interpolation, out=out)
    return _quantile(input, q, dim, keepdim, interpolation, False, "quantile", out)


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    if amp_state.active:
        return autocast_call("nanquantile", nanquantile,
                             input, q=q, dim=dim, keepdim=keepdim, interpolation=interpolation, out=out)
    return _quantile(input, q, dim, keepdim, interpolation, True, "nanquantile", out)


# ---------------------------------------------------------------- searchsorted, bucketize

def _batched_searchsorted(xp, boundaries, values, right):
    """searchsorted per row: boundaries (*B, n) and values (*B, m), both sorted by row.

    Values and boundaries are sorted together (stably, so ties put boundaries first
    for side='right' and values first for side='left'); a value's position there,
    minus its rank among the values, counts the boundaries before it.
    """
    n, m = boundaries.shape[-1], values.shape[-1]
    b = boundaries.reshape(-1, n)
    v = values.reshape(-1, m)
    common = xp.result_type(b, v)
    parts = [b, v] if right else [v, b]
    merged = xp.concatenate([p.astype(common) for p in parts], axis=1)
    position = xp.argsort(xp.argsort(merged, axis=1, kind="stable"), axis=1, kind="stable")
    position = position[:, n:] if right else position[:, :m]
    rank = xp.argsort(xp.argsort(v, axis=1, kind="stable"), axis=1, kind="stable")
    return (position - rank).reshape(values.shape)


def _search_side(right, side):
    if side is None:
        return bool(right)
    if side not in ("left", "right"):
        raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but "
                           f"got {side}")
    if right and side == "left":
        raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, "
                           "got side of left while right was True")
    return side == "right"


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None,
                 out=None, sorter=None):
    right = _search_side(right, side)
    xp = xp_of(sorted_sequence)
    boundaries = sorted_sequence._data
    if sorter is not None:
        boundaries = xp.take_along_axis(boundaries, sorter._data, axis=-1)
    scalar = not isinstance(input, Tensor)
    values = xp.asarray(input) if scalar else input._data
    if boundaries.ndim == 0 or (boundaries.ndim > 1 and (
            scalar or boundaries.shape[:-1] != values.shape[:-1])):
        raise RuntimeError(
            "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
            "dimensions of boundaries tensor and input value tensor must match, but we got "
            f"boundaries tensor {list(boundaries.shape)} and input value tensor "
            f"{list(values.shape)}")
    if boundaries.ndim == 1:
        result = xp.searchsorted(boundaries, values, side="right" if right else "left")
    else:
        result = _batched_searchsorted(xp, boundaries, values, right)
    result = xp.asarray(result, dtype=xp.int32 if out_int32 else xp.int64)
    result = wrap_array(result, sorted_sequence)
    return result if out is None else write_out(out, result)


def bucketize(input, boundaries, *, out_int32=False, right=False, out=None):
    if boundaries.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got "
                           f"dim({boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right, out=out)


# ---------------------------------------------------------------- unique

def _run_starts(xp, rows):
    """True where a row differs from the previous one (rows: (n, k) array)."""
    starts = xp.ones(rows.shape[0], dtype=bool)
    if rows.shape[0] > 1:
        starts[1:] = (rows[1:] != rows[:-1]).any(axis=1)
    return starts


def _unique_rows(input, dim, sort_first, return_inverse, return_counts):
    """unique / unique_consecutive over elements (dim None) or slices along dim."""
    xp = xp_of(input)
    data = input._data
    if dim is None:
        moved = data.reshape(-1)
    else:
        dim = wrap_dim(dim, input.ndim)
        moved = xp.moveaxis(data, dim, 0)
        if moved.size == 0 and moved.shape[0] > 0:
            raise RuntimeError("There are 0 sized dimensions, and they aren't selected, so "
                               "unique cannot be applied")
    rows = moved.reshape(moved.shape[0], math.prod(moved.shape[1:]))
    if sort_first:
        # lexsort's last key is the primary one: column 0 of the rows.
        order = xp.argsort(rows[:, 0], kind="stable") if rows.shape[1] == 1 else \
            xp.lexsort(rows.T[::-1])
    else:
        order = xp.arange(rows.shape[0])
    ordered = rows[order]
    starts = _run_starts(xp, ordered)
    values = moved[order][starts]
    if dim is not None:
        values = xp.moveaxis(values, 0, dim)
    results = [wrap_array(values, input)]
    if return_inverse:
        inverse = xp.empty(rows.shape[0], dtype=xp.int64)
        inverse[order] = xp.cumsum(starts) - 1
        results.append(wrap_array(inverse.reshape(data.shape if dim is None else -1), input))
    if return_counts:
        bounds = xp.concatenate([xp.flatnonzero(starts), xp.asarray([rows.shape[0]])])
        results.append(wrap_array(xp.diff(bounds).astype(xp.int64), input))
    return results[0] if len(results) == 1 else tuple(results)


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    # NOTE: the output is always sorted (torch's sorted=False may return any order).
    return _unique_rows(input, dim, True, return_inverse, return_counts)


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    return _unique_rows(input, dim, False, return_inverse, return_counts)


# ---------------------------------------------------------------- counting

def bincount(input, weights=None, minlength=0):
    if input._dtype.category != dtypes.INTEGRAL:
        raise NotImplementedError(f'"bincount_cpu" not implemented for '
                                  f"'{type_name(input._dtype)}'")
    xp = xp_of(input)
    data = input._data
    if input.ndim != 1 or (data.size and bool((data < 0).any())):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if weights is None:
        counts = xp.bincount(data, minlength=minlength).astype(xp.int64)
        return wrap_array(counts, input)
    if weights.ndim != 1 or weights.shape[0] != data.shape[0]:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    # NOTE: torch keeps float32 weights as float32 and sums any other weights in float64.
    dtype = dtypes.float32 if weights._dtype is dtypes.float32 else dtypes.float64
    counts = xp.bincount(data, weights=weights._data.astype(xp.float64), minlength=minlength)
    return wrap_array(counts.astype(dtype.numpy), input)


histogram_type = return_type("histogram", ["hist", "bin_edges"])


def _check_histogram_input(input, name):
    if not input._dtype.is_floating_point:
        raise NotImplementedError(f'"{name}" not implemented for \'{type_name(input._dtype)}\'')


def _fused_multiply_add(a, b, c):
    """a + b * c rounded once, in float64 (error-free product and sum, Dekker/Knuth)."""
    product = b * c
    split = 134217729.0  # 2**27 + 1 cuts a double into two 26-bit halves

    def halves(v):
        t = split * v
        high = t - (t - v)
        return high, v - high
    (bh, bl), (ch, cl) = halves(b), halves(c)
    product_error = ((bh * ch - product) + bh * cl + bl * ch) + bl * cl
    total = a + product
    back = total - a
    sum_error = (a - (total - back)) + (product - back)
    return total + (sum_error + product_error)


def _linspace(xp, start, end, count, dtype):
    """torch's linspace, to the bit: filled from both ends toward the middle, with the
    step in the output dtype and start + step * i rounded once (torch's kernels use a
    fused multiply-add)."""
    start, end = xp.asarray(start, dtype=dtype), xp.asarray(end, dtype=dtype)
    step = (end - start) / xp.asarray(count - 1, dtype=dtype) if count > 1 else end - start
    start, end, step = (v.astype(xp.float64) for v in (start, end, step))
    i = xp.arange(count, dtype=xp.float64)
    values = xp.where(i < count // 2, _fused_multiply_add(start, step, i),
                      _fused_multiply_add(end, -step, count - 1 - i))
    return values.astype(dtype)


def _bin_positions(xp, values, edges, bins, local_search):
    """Bin index of each value by linear interpolation on evenly spaced edges.

    With local_search the guess is corrected against the neighbouring edges, as
    torch.histogram does (histc does not).
    """
    low, high = edges[0], edges[-1]
    position = ((values - low) * bins / (high - low)).astype(xp.int64)
    if local_search:
        lowest = xp.maximum(position - 1, 0)
        highest = xp.minimum(position + 2, bins + 1)
        count = xp.zeros_like(position)
        for offset in range(3):
            k = lowest + offset
            count += (k < highest) & (edges[xp.minimum(k, bins)] <= values)
        position = lowest + count - 1
    return xp.minimum(position, bins - 1)


def _histogram_counts(xp, values, edges, weights, linear, dtype):
    bins = edges.shape[0] - 1
    inside = (values >= edges[0]) & (values <= edges[-1])
    values = values[inside]
    if linear is None:
        position = xp.minimum(xp.searchsorted(edges, values, side="right") - 1, bins - 1)
    else:
        position = _bin_positions(xp, values, edges, bins, local_search=linear)
    if weights is not None:
        weights = weights[inside].astype(xp.float64)
    return xp.bincount(position, weights=weights, minlength=bins).astype(dtype)


def histc(input, bins=100, min=0, max=0, *, out=None):
    _check_histogram_input(input, "histogram_cpu")
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for "
                           "dimension 0")
    xp = xp_of(input)
    data = input._data.reshape(-1)
    low, high = float(min), float(max)
    if low == high and data.size:
        low, high = float(data.min()), float(data.max())
    if low == high:
        low, high = low - 1, high + 1
    if low > high:
        raise RuntimeError("torch.histc: max must be larger than min")
    if not (math.isfinite(low) and math.isfinite(high)):
        raise RuntimeError(f"torch.histc: range of [{low}, {high}] is not finite")
    edges = _linspace(xp, low, high, bins + 1, data.dtype)
    result = wrap_array(_histogram_counts(xp, data, edges, None, False, data.dtype), input)
    return result if out is None else write_out(out, result)


def histogram(input, bins, *, range=None, weight=None, density=False, out=None):
    _check_histogram_input(input, "histogramdd")
    xp = xp_of(input)
    data = input._data.reshape(-1)
    weights = None if weight is None else weight._data.reshape(-1)
    if isinstance(bins, Tensor):
        edges, linear = bins._data, None
    else:
        if bins <= 0:
            raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for "
                               "dimension 0")
        if range is not None:
            low, high = float(range[0]), float(range[1])
        else:
            low, high = (float(data.min()), float(data.max())) if data.size else (0.0, 0.0)
        if low > high:
            raise RuntimeError(f"torch.histogramdd: min should not exceed max, but got min "
                               f"{low:g} max {high:g} for dimension 0")
        if low == high:
            low, high = low - 0.5, high + 0.5
        edges, linear = _linspace(xp, low, high, bins + 1, data.dtype), True
    hist = _histogram_counts(xp, data, edges, weights, linear, data.dtype)
    if density:
        hist = (hist / (hist.sum() * xp.diff(edges))).astype(data.dtype)
    result = histogram_type(wrap_array(hist, input), wrap_array(edges.copy(), input))
    return write_out_tuple(out, result)


TENSOR_METHODS = dict(
    sort=sort, argsort=argsort, msort=msort, topk=topk, kthvalue=kthvalue, median=median,
    nanmedian=nanmedian, mode=mode, quantile=quantile, nanquantile=nanquantile,
    unique=unique, unique_consecutive=unique_consecutive, bincount=bincount, histc=histc,
    histogram=histogram,
)

__all__ = ["sort", "argsort", "msort", "topk", "kthvalue", "median", "nanmedian", "mode",
           "quantile", "nanquantile", "searchsorted", "bucketize", "unique",
           "unique_consecutive", "bincount", "histc", "histogram"]
