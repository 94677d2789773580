"""Adaptive pooling (output size given, windows computed) and max_unpool.

Output cell i of a pooled dim of size n -> m covers input [floor(i n / m), ceil((i+1) n / m)).
Both adaptive pools are separable, so they run one dim at a time: the average as a
regular AvgPool when every window has the same size, else as a product with an
averaging matrix; the max as a gather of each window (short windows repeat their last
element) and a max over it.
"""
import builtins
import math

from .. import _dtype as dtypes
from .._tensor import Tensor
from ..ops._util import type_name, xp_of
from ..ops.creation import zeros
from ..ops.indexing import IndexPut
from ._conv_pool import AvgPool
from ._conv_take import take
from ._conv_window import Window
from ..amp.autocast_mode import autocast_call, state as amp_state


def _ranges(n, m):
    return [((i * n) // m, -((-(i + 1) * n) // m)) for i in range(m)]


def _output_size(input, nd, output_size, name):
    size = input.shape[input.ndim - nd:]
    values = (output_size,) * nd if output_size is None or isinstance(output_size, int) \
        else tuple(output_size)
    if len(values) != nd:
        if nd == 1:
            raise RuntimeError(f"{name}() argument 'output_size' should contain one int (got "
                               f"{len(values)})")
        if name == "adaptive_max_pool2d":
            raise RuntimeError("adaptive_max_pool2d(): internal error: output_size.size() must "
                               "be 2")
        raise RuntimeError(f"{name}: output_size must be {nd}")
    values = tuple(s if v is None else int(v) for s, v in zip(size, values))
    if builtins.any(v < 0 for v in values):
        if name.startswith("adaptive_avg") and nd > 1:
            raise RuntimeError(f"{name}: elements of output_size must be greater than or equal "
                               "to 0 but received {" + ", ".join(str(v) for v in values) + "}")
        shape = list(input.shape[:input.ndim - nd]) + list(values)
        bad = next(v for v in values if v < 0)
        raise RuntimeError(f"Trying to create tensor with negative dimension {bad}: {shape}")
    return values


def _check_input(input, nd, name):
    if nd == 1:
        if input.ndim not in (2, 3):
            raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.ndim}-dimensional "
                               f"tensor for argument #1 'self' (while checking arguments for "
                               f"{name})")
    elif input.ndim not in (nd + 1, nd + 2):
        colon = ":" if "max" in name else ""
        raise RuntimeError(f"{name}(): Expected {nd + 1}D or {nd + 2}D tensor, but got{colon} "
                           f"{list(input.shape)}")
    for dim in range(1 if input.ndim == nd + 2 else 0, input.ndim):
        if input.shape[dim] == 0:
            raise RuntimeError(f"{name}(): Expected input to have non-zero size for non-batch "
                               f"dimensions, but input has sizes {list(input.shape)} with "
                               f"dimension {dim} being empty")


# ---------------------------------------------------------------- average

def _averaging_matrix(input, n, m):
    """(m, n): row i averages input cells [start_i, end_i)."""
    xp = xp_of(input)
    rows = xp.zeros((m, n), dtype=input._data.dtype)
    for i, (start, end) in enumerate(_ranges(n, m)):
        rows[i, start:end] = 1.0 / (end - start)
    return Tensor._make(rows, input.device)


def _adaptive_avg(input, nd, output_size, name):
    _check_input(input, nd, name)
    out = _output_size(input, nd, output_size, name)
    size = input.shape[input.ndim - nd:]
    if builtins.all(o == 1 for o in out):
        dims = list(range(input.ndim - nd, input.ndim))
        return input.mean(dims, keepdim=True)
    if builtins.all(o > 0 and s % o == 0 for s, o in zip(size, out)):
        kernel = tuple(s // o for s, o in zip(size, out))
        window = Window(size, kernel, kernel, (1,) * nd, ((0, 0),) * nd, out)
        return AvgPool.apply(input, window, float(math.prod(kernel)))
    x = input
    for i, (n, m) in enumerate(zip(size, out)):
        dim = input.ndim - nd + i
        x = x.transpose(dim, -1).matmul(_averaging_matrix(input, n, m).t()).transpose(dim, -1)
    return x


def adaptive_avg_pool1d(input, output_size):
    return _adaptive_avg(input, 1, output_size, "adaptive_avg_pool1d")


def adaptive_avg_pool2d(input, output_size):
    return _adaptive_avg(input, 2, output_size, "adaptive_avg_pool2d")


def adaptive_avg_pool3d(input, output_size):
    if amp_state.active:
        return autocast_call("adaptive_avg_pool3d", adaptive_avg_pool3d,
                             input, output_size=output_size)
    return _adaptive_avg(input, 3, output_size, "adaptive_avg_pool3d")


# ---------------------------------------------------------------- max

def _max_along(x, dim, m, flat):
    """Adaptive max over one dim; flat holds each element's flat input position and is
    carried to the chosen elements."""
    xp = xp_of(x)
    n = x.shape[dim]
    ranges = _ranges(n, m)
    width = builtins.max((e - s for s, e in ranges), default=1)
    index = [builtins.min(s + j, e - 1) for s, e in ranges for j in range(width)]
    windows = take(x, dim, xp.asarray(index, dtype=xp.int64)).unflatten(dim, (m, width))
    values, which = windows.max(dim + 1)
    shape = [1] * x.ndim
    shape[dim] = m
    starts = xp.asarray([s for s, _ in ranges], dtype=xp.int64).reshape(shape)
    chosen = starts + which._data
    flat = xp.take_along_axis(xp.broadcast_to(flat, x.shape), chosen, axis=dim)
    return values, flat


def _adaptive_max(input, nd, output_size, return_indices, name):
    _check_input(input, nd, name)
    out = _output_size(input, nd, output_size, name)
    xp = xp_of(input)
    size = input.shape[input.ndim - nd:]
    flat = xp.arange(math.prod(size), dtype=xp.int64).reshape((1,) * (input.ndim - nd) + size)
    x = input
    if 0 in out or input.numel() == 0:
        shape = input.shape[:input.ndim - nd] + out
        values = input.flatten()[:0].reshape(shape)     # empty, still in input's graph
        return (values, zeros(shape, dtype=dtypes.int64, device=input.device)) \
            if return_indices else values
    for i in reversed(range(nd)):
        x, flat = _max_along(x, input.ndim - nd + i, out[i], flat)
    if return_indices:
        return x, Tensor._make(xp.ascontiguousarray(flat), input.device)
    return x


def adaptive_max_pool1d(input, output_size, return_indices=False):
    return _adaptive_max(input, 1, output_size, return_indices, "adaptive_max_pool1d")


def adaptive_max_pool2d(input, output_size, return_indices=False):
    return _adaptive_max(input, 2, output_size, return_indices, "adaptive_max_pool2d")


def adaptive_max_pool3d(input, output_size, return_indices=False):
    if amp_state.active:
        return autocast_call("adaptive_max_pool3d", adaptive_max_pool3d,
                             input, output_size=output_size, return_indices=return_indices)
    return _adaptive_max(input, 3, output_size, return_indices, "adaptive_max_pool3d")


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=False):
    return adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=False):
    return adaptive_max_pool2d(input, output_size, True)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=False):
    return adaptive_max_pool3d(input, output_size, True)


# ---------------------------------------------------------------- max_unpool

def _as_tuple(value, nd):
    return (value,) * nd if isinstance(value, int) else tuple(value)


def _unpool_output_size(input, kernel, stride, padding, output_size):
    nd = len(kernel)
    spatial = input.shape[input.ndim - nd:]
    default = [(spatial[d] - 1) * stride[d] + kernel[d] - 2 * padding[d] for d in range(nd)]
    if output_size is None:
        return tuple(default)
    output_size = list(output_size)
    if len(output_size) == nd + 2:
        output_size = output_size[2:]
    if len(output_size) != nd:
        raise ValueError(f"output_size should be a sequence containing {nd} or {nd + 2} "
                         f"elements, but it has a length of '{len(output_size)}'")
    for d in range(nd):
        low, high = default[d] - stride[d], default[d] + stride[d]
        if not low < output_size[d] < high:
            raise ValueError(f'invalid output_size "{tuple(output_size)}" (dim {d} must be '
                             f"between {low} and {high})")
    return tuple(output_size)


def _max_unpool(nd, input, indices, kernel_size, stride, padding, output_size):
    kernel = _as_tuple(kernel_size, nd)
    stride = kernel if stride is None else _as_tuple(stride, nd)
    padding = _as_tuple(padding, nd)
    size = _unpool_output_size(input, kernel, stride, padding, output_size)
    if nd == 1:
        # NOTE: torch unpools 1-d input as 2-d input of width 1 (and reports it so).
        out = _unpool(2, input.unsqueeze(-1), indices.unsqueeze(-1), size + (1,))
        return out.squeeze(-1)
    return _unpool(nd, input, indices, size)


def _unpool(nd, input, indices, size):
    """Scatter input into zeros of spatial size ``size`` at the flat ``indices``."""
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"Input to max_unpooling{nd}d should be a {nd + 1}d or {nd + 2}d "
                           f"Tensor, but got a tensor with {input.ndim} dimensions.")
    if indices.dtype is not dtypes.int64:
        raise RuntimeError("elements in indices should be type int64 but got: "
                           f"{type_name(indices.dtype)}")
    if indices.shape != input.shape:
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor "
                           f"({list(input.shape)}) but got indices tensor with shape: "
                           f"{list(indices.shape)}")
    lead = input.shape[:input.ndim - nd]
    plane = math.prod(size)
    rows = math.prod(lead)
    xp = xp_of(input)
    index = indices._data.reshape(rows, -1)
    if index.size:
        low, high = int(index.min()), int(index.max())
        if low < 0 or high >= plane:
            raise RuntimeError(f"Found an invalid max index: {high if high >= plane else low} "
                               "(output volumes are of size "
                               + "x".join(str(s) for s in size) + ")")
    positions = (xp.arange(rows, dtype=xp.int64)[:, None] * plane + index).reshape(-1)
    flat = IndexPut.apply(input.new_zeros(rows * plane), input.reshape(-1), (positions,), False)
    return flat.reshape(*lead, *size)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _max_unpool(1, input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    if amp_state.active:
        return autocast_call("max_unpool2d", max_unpool2d,
                             input, indices=indices, kernel_size=kernel_size, stride=stride, padding=padding, output_size=output_size)
    return _max_unpool(2, input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    if amp_state.active:
        return autocast_call("max_unpool3d", max_unpool3d,
                             input, indices=indices, kernel_size=kernel_size, stride=stride, padding=padding, output_size=output_size)
    return _max_unpool(3, input, indices, kernel_size, stride, padding, output_size)
