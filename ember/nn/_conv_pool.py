"""Windowed pooling: max_pool, avg_pool, lp_pool and max_unpool in 1, 2 and 3 dims.

Pools read each kernel position of every window at once through one strided slice of
the padded input (K slices for K kernel positions), so a pool is K vectorised passes
over the output; their backward adds the gradient back through the same slices.
"""
import builtins
import math

from ..autograd.graph import Primitive
from ..ops._util import xp_of
from ._conv_window import Window
from ..amp.autocast_mode import autocast_call, state as amp_state

_WORDS = {1: "one", 2: "two", 3: "three"}
_DIM_NAMES = {1: ("W",), 2: ("H", "W"), 3: ("T", "H", "W")}


# ---------------------------------------------------------------- primitives

def _lowest(xp, dtype):
    return -math.inf if dtype.kind in "fc" else xp.iinfo(dtype).min


def _smallest_int(xp, count):
    return xp.int8 if count < 128 else xp.int16 if count < 32768 else xp.int32


class MaxPool(Primitive):
    """The max of every window, first maximum on ties, NaN propagating; with
    ``with_indices`` also each maximum's flat position in the input's pooled dims."""
    # NOTE: a primitive: K compare-and-select passes instead of materialising the
    # windows, and the kernel position of each maximum (one small int per output) is all
    # backward needs.

    @staticmethod
    def forward(ctx, x, window, with_indices):
        xp = xp_of(x)
        data = x._data
        padded = window.padded(xp, data, _lowest(xp, data.dtype))
        nan_aware = data.dtype.kind in "fc" and builtins.bool(xp.isnan(data).any())
        best = arg = None
        for j, position in enumerate(window.positions()):
            view = padded[(Ellipsis,) + window.slices(position)]
            if best is None:
                best = view.copy()
                arg = xp.zeros(best.shape, dtype=_smallest_int(xp, window.numel))
                continue
            # NOTE: torch's rule: a later value wins if greater, or if it is NaN.
            take = view > best
            if nan_aware:
                take |= view != view
            xp.maximum(best, view, out=best)
            # Arithmetic select: a masked write (where/copyto) is several times slower.
            arg += take * (arg.dtype.type(j) - arg)
        ctx.arg, ctx.window = arg, window
        if with_indices:
            return best, _flat_indices(xp, window, arg)
        return best

    def name(self):
        return f"MaxPool{self.window.nd}DWithIndicesBackward0"

    @staticmethod
    def backward(ctx, grad, grad_indices=None):
        return MaxPoolScatter.apply(grad, ctx.arg, ctx.window)


def _flat_indices(xp, window, arg):
    """Flat positions (over the pooled dims) of the kernel positions in ``arg``."""
    nd = window.nd
    lead = arg.ndim - nd
    flat = xp.zeros(arg.shape, dtype=xp.int64)
    rest = arg.astype(xp.int64)
    for i in reversed(range(nd)):
        k, size = window.kernel[i], window.size[i]
        along = rest % k
        rest = rest // k
        shape = [1] * arg.ndim
        shape[lead + i] = window.out[i]
        start = xp.arange(window.out[i], dtype=xp.int64).reshape(shape) * window.stride[i] \
            - window.pad[i][0]
        # NOTE: a window of -inf only can pick a padded position: torch reports the
        # first real position of the window instead, which clamping gives.
        coord = xp.clip(start + along * window.dilation[i], 0, size - 1)
        flat += coord * math.prod(window.size[i + 1:])
    return flat


class MaxPoolScatter(Primitive):
    """Each gradient added at the input position its window's maximum came from."""
    # NOTE: a primitive: the adjoint of WindowGather, as K masked strided writes.
    grad_fn_name = "MaxPoolBackwardBackward0"

    @staticmethod
    def forward(ctx, grad, arg, window):
        ctx.arg, ctx.window = arg, window
        xp = xp_of(grad)
        g = grad._data
        lead = g.shape[:g.ndim - window.nd]
        padded = xp.zeros(lead + window.padded_size, dtype=g.dtype)
        disjoint = builtins.all(st >= d * (k - 1) + 1 for st, d, k
                                in zip(window.stride, window.dilation, window.kernel))
        # g * mask is exact and much faster than a masked write, unless g holds inf/NaN.
        finite = g.dtype.kind not in "fc" or builtins.bool(xp.isfinite(g).all())
        for j, position in enumerate(window.positions()):
            chosen = arg == j
            part = g * chosen if finite else xp.where(chosen, g, 0)
            target = (Ellipsis,) + window.slices(position)
            if disjoint:
                padded[target] = part
            else:
                padded[target] += part
        return window.cropped(padded)

    @staticmethod
    def backward(ctx, grad):
        return WindowGather.apply(grad, ctx.arg, ctx.window)


class WindowGather(Primitive):
    """Per window, the input value at the kernel position given by ``arg``."""
    # NOTE: a primitive: the second derivative of max pooling (adjoint of MaxPoolScatter).

    @staticmethod
    def forward(ctx, x, arg, window):
        ctx.arg, ctx.window = arg, window
        xp = xp_of(x)
        padded = window.padded(xp, x._data, 0)
        out = xp.zeros(arg.shape, dtype=x._data.dtype)
        for j, position in enumerate(window.positions()):
            xp.copyto(out, padded[(Ellipsis,) + window.slices(position)], where=arg == j)
        return out

    @staticmethod
    def backward(ctx, grad):
        return MaxPoolScatter.apply(grad, ctx.arg, ctx.window)


def _window_sum(xp, window, data):
    padded = window.padded(xp, data, 0)
    total = None
    for position in window.positions():
        view = padded[(Ellipsis,) + window.slices(position)]
        if total is None:
            total = view.copy()
        else:
            total += view
    return total


class AvgPool(Primitive):
    """The sum of every window divided by ``divisor`` (a number, or an array over the
    output's pooled dims)."""
    # NOTE: a primitive: K strided adds instead of materialising the windows; it is
    # linear, so backward is its adjoint and double backward is itself.

    @staticmethod
    def forward(ctx, x, window, divisor):
        ctx.window, ctx.divisor = window, divisor
        data = x._data
        total = _window_sum(xp_of(x), window, data)
        if data.dtype.kind in "fc":
            return total / divisor
        # NOTE: integer pooling truncates, as torch's integer division does.
        return (total / divisor).astype(data.dtype)

    def name(self):
        return f"AvgPool{self.window.nd}DBackward0"

    @staticmethod
    def backward(ctx, grad):
        return AvgPoolAdjoint.apply(grad, ctx.window, ctx.divisor)


class AvgPoolAdjoint(Primitive):
    """The gradient of AvgPool: each window's value / divisor added over its window."""
    # NOTE: a primitive: the adjoint of AvgPool (see there).
    grad_fn_name = "AvgPoolBackwardBackward0"

    @staticmethod
    def forward(ctx, grad, window, divisor):
        ctx.window, ctx.divisor = window, divisor
        xp = xp_of(grad)
        g = grad._data / divisor
        lead = g.shape[:g.ndim - window.nd]
        padded = xp.zeros(lead + window.padded_size, dtype=grad._data.dtype)
        for position in window.positions():
            padded[(Ellipsis,) + window.slices(position)] += g
        return window.cropped(padded)

    @staticmethod
    def backward(ctx, grad):
        return AvgPool.apply(grad, ctx.window, ctx.divisor)


# ---------------------------------------------------------------- argument checks

def _ints(value, nd, name, arg, kind):
    """kernel_size/stride/padding/dilation as nd ints, with torch's message per op."""
    values = (value,) * nd if isinstance(value, int) else tuple(int(v) for v in value)
    if len(values) == 1:
        values = values * nd
    if len(values) == nd:
        return values
    if nd == 1 and kind == "avg":
        raise RuntimeError(f"{name}() argument '{arg}' should contain one int (got "
                           f"{len(values)})")
    if nd == 1:
        form = {"kernel_size": "must be an int, list of ints or tuple of ints",
                "stride": "must be None, an int, list of ints, or tuple of ints",
                }.get(arg, "must be an int, list of ints, or tuple of ints")
        raise RuntimeError(f"{name}() {arg} {form} of size 1 but got size {len(values)}")
    words = _WORDS[nd]
    if arg == "stride":
        either = "must be omitted" if kind == "avg" and nd == 3 else "must either be omitted"
        raise RuntimeError(f"{name}: stride {either}, a single int, or a tuple of {words} ints")
    if arg == "dilation":
        raise RuntimeError(f"{name}: dilation must be either a single int, or a tuple of "
                           f"{words} ints")
    either = "must be" if kind == "avg" and nd == 3 and arg == "kernel_size" else \
        "must either be"
    raise RuntimeError(f"{name}: {arg} {either} a single int, or a tuple of {words} ints")


def _named(prefix, values, nd):
    return " ".join(f"{prefix}{n}: {v}" for n, v in zip(_DIM_NAMES[nd], values))


def _pool_out_size(size, k, s, p, d, ceil_mode):
    span = size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)
    out = span // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def _check_values(nd, kernel, stride, padding, dilation, name):
    if nd == 1 and name == "max_pool1d":
        for arg, values, ok in (("kernel_size", kernel, kernel[0] > 0),
                                ("stride", stride, stride[0] > 0),
                                ("dilation", dilation, dilation[0] > 0)):
            if not ok:
                raise RuntimeError(f"max_pool1d() {arg} must be greater than zero, but got "
                                   f"{values[0]}")
        if padding[0] < 0:
            raise RuntimeError(f"max_pool1d() padding must be non-negative, but got {padding[0]}")
        if padding[0] > kernel[0] // 2:
            raise RuntimeError("max_pool1d() padding should be at most half of kernel size, "
                               f"but got padding={padding[0]} and kernel_size={kernel[0]}")
        return
    if builtins.any(s == 0 for s in stride):
        raise RuntimeError("stride should not be zero")
    if builtins.any(p < 0 for p in padding):
        raise RuntimeError(f"pad must be non-negative, but got pad: {padding[0]}")
    if builtins.any(k <= 0 for k in kernel):
        raise RuntimeError("kernel size should be greater than zero, but got "
                           + _named("k", kernel, nd))
    if builtins.any(s <= 0 for s in stride):
        raise RuntimeError("stride should be greater than zero, but got "
                           + _named("d", stride, nd))
    if builtins.any(d <= 0 for d in dilation):
        raise RuntimeError("dilation should be greater than zero, but got "
                           + _named("dilation", dilation, nd))


def _check_padding_half(kernel, padding, dilation):
    for k, p, d in zip(kernel, padding, dilation):
        if p > ((k - 1) * d + 1) // 2:
            raise RuntimeError("pad should be at most half of effective kernel size, but got "
                               f"pad={p}, kernel_size={k} and dilation={d}")


def pool_window(x, nd, kernel, stride, padding, dilation, ceil_mode, name, kind):
    """Check torch's pooling arguments and return the Window over x's last nd dims."""
    kernel = _ints(kernel, nd, name, "kernel_size", kind)
    stride = kernel if stride is None or (not isinstance(stride, int) and len(stride) == 0) \
        else _ints(stride, nd, name, "stride", kind)
    padding = _ints(padding, nd, name, "padding", kind)
    dilation = _ints(dilation, nd, name, "dilation", kind)
    _check_values(nd, kernel, stride, padding, dilation, name)
    _check_rank(x, nd, name, kind)
    if name != "max_pool1d":
        _check_padding_half(kernel, padding, dilation)
    if name == "max_pool2d" and builtins.any(p > k // 2 for p, k in zip(padding, kernel)):
        raise RuntimeError("pad should be smaller than or equal to half of kernel size, but got "
                           f"padW = {padding[1]}, padH = {padding[0]}, kW = {kernel[1]}, "
                           f"kH = {kernel[0]}")
    size = x.shape[x.ndim - nd:]
    out = tuple(_pool_out_size(*args, ceil_mode)
                for args in zip(size, kernel, stride, padding, dilation))
    if builtins.any(o <= 0 for o in out):
        if name == "max_pool1d":
            raise RuntimeError(f"max_pool1d() Invalid computed output size: {out[0]}")
        # NOTE: torch runs avg_pool1d as a 2-d pool of height 1, and reports it so.
        lead = (x.shape[x.ndim - nd - 1],) + ((1,) if name == "avg_pool1d" else ())
        given = "x".join(str(v) for v in lead + tuple(size))
        calc = "x".join(str(v) for v in lead + out)
        raise RuntimeError(f"Given input size: ({given}). Calculated output size: ({calc}). "
                           "Output size is too small")
    return Window(size, kernel, stride, dilation, tuple((p, p) for p in padding), out)


def _check_rank(x, nd, name, kind):
    if nd == 1 and name == "max_pool1d":
        if x.ndim not in (2, 3) or not builtins.all(x.shape[-2:]):
            raise RuntimeError("max_pool1d: Expected 2D or 3D (batch mode) tensor with optional "
                               f"0 dim batch size for input, but got:{list(x.shape)}")
        return
    if nd == 1:
        if x.ndim not in (2, 3):
            raise RuntimeError(f"Expected 2 to 3 dimensions, but got {x.ndim}-dimensional tensor "
                               f"for argument #1 'self' (while checking arguments for {name})")
        return
    if x.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"non-empty {nd + 1}D or {nd + 2}D (batch mode) tensor expected for "
                           "input")
    if not builtins.all(x.shape[x.ndim - nd - 1:]):
        raise RuntimeError(f"Expected {nd + 1}D or {nd + 2}D (batch mode) tensor with optional 0 "
                           f"dim batch size for input, but got:{list(x.shape)}")


# ---------------------------------------------------------------- max pooling

def _max_pool(nd, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    name = f"max_pool{nd}d"
    window = pool_window(input, nd, kernel_size, stride, padding, dilation, ceil_mode, name,
                         "max")
    return MaxPool.apply(input, window, builtins.bool(return_indices))


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    return _max_pool(1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    return _max_pool(2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    if amp_state.active:
        return autocast_call("max_pool3d", max_pool3d,
                             input, kernel_size=kernel_size, stride=stride, padding=padding, dilation=dilation, ceil_mode=ceil_mode, return_indices=return_indices)
    return _max_pool(3, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    return _max_pool(1, input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    return _max_pool(2, input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    return _max_pool(3, input, kernel_size, stride, padding, dilation, ceil_mode, True)


# ---------------------------------------------------------------- average pooling

def _avg_divisor(xp, window, count_include_pad, divisor_override, dtype):
    """torch's divisor per output position: the window clipped to the padded input
    (count_include_pad) or to the input itself."""
    if divisor_override is not None:
        if divisor_override == 0:
            raise RuntimeError("divisor must be not zero")
        return float(divisor_override)
    counts = []
    for size, k, st, (lo, _), out in zip(window.size, window.kernel, window.stride,
                                         window.pad, window.out):
        start = [o * st - lo for o in range(out)]
        end = [builtins.min(s + k, size + lo) for s in start]
        if count_include_pad:
            counts.append([e - s for s, e in zip(start, end)])
        else:
            counts.append([builtins.min(e, size) - builtins.max(s, 0)
                           for s, e in zip(start, end)])
    if builtins.all(c == [window.kernel[i]] * len(c) for i, c in enumerate(counts)):
        return float(window.numel)
    divisor = None
    for i, c in enumerate(counts):
        shape = [1] * window.nd
        shape[i] = len(c)
        axis = xp.asarray(c, dtype=dtype).reshape(shape)
        divisor = axis if divisor is None else divisor * axis
    return divisor


def _avg_pool(nd, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override, name):
    window = pool_window(input, nd, kernel_size, stride, padding, 1, ceil_mode, name, "avg")
    data = input._data
    dtype = data.dtype if data.dtype.kind == "f" else "float64"
    divisor = _avg_divisor(xp_of(input), window, count_include_pad, divisor_override, dtype)
    return AvgPool.apply(input, window, divisor)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    return _avg_pool(1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None,
                     "avg_pool1d")


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    return _avg_pool(2, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override, "avg_pool2d")


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    if amp_state.active:
        return autocast_call("avg_pool3d", avg_pool3d,
                             input, kernel_size=kernel_size, stride=stride, padding=padding, ceil_mode=ceil_mode, count_include_pad=count_include_pad, divisor_override=divisor_override)
    return _avg_pool(3, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override, "avg_pool3d")


# ---------------------------------------------------------------- power-average pooling

def _lp_pool(nd, input, norm_type, kernel_size, stride, ceil_mode):
    kernel = (kernel_size,) * nd if isinstance(kernel_size, int) else tuple(kernel_size)
    pool = (avg_pool1d, avg_pool2d, avg_pool3d)[nd - 1]
    out = pool(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    # NOTE: torch's formula: sign(out) * relu(|out|) keeps the gradient finite at 0.
    return (out.sign() * out.abs().relu()).mul(math.prod(kernel)).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _lp_pool(1, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _lp_pool(2, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _lp_pool(3, input, norm_type, kernel_size, stride, ceil_mode)
