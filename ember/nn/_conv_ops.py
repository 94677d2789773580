"""Convolution primitives: Conv, its input gradient ConvTranspose, its weight gradient
ConvWeight, and Unfold/Fold.

Every convolution of an input x (N, C, *size) with a weight w (O, C/g, *kernel) is one
im2col (a strided view copied into columns (N, g, K*C/g, L)) and one batched matmul with
the weight as a matrix (g, O/g, K*C/g). The three primitives are the three bilinear
maps of one convolution geometry (a Window and a group count), and each one's backward
is written with the other two, so gradients of any order exist:

    Conv(x, w)         -> y        dx = ConvTranspose(dy, w)   dw = ConvWeight(x, dy)
    ConvTranspose(y, w) -> x       dy = Conv(dx, w)            dw = ConvWeight(dx, y)
    ConvWeight(x, y)   -> w        dx = ConvTranspose(y, dw)   dy = Conv(x, dw)

A transposed convolution layer is ConvTranspose used forward.
"""
import math

from ..autograd.graph import Primitive
from ..ops._util import xp_of
from ._conv_window import col2im, im2col

# ConvWeight sums a batch of per-sample products; it does so in chunks so that the
# temporary stays below this many elements.
_WEIGHT_GRAD_CHUNK = 1 << 22
# On the CPU, ConvTranspose builds at most this many column elements at a time.
_COLUMNS_CHUNK = 1 << 20


def _weight_matrix(w, groups):
    """(O, C/g, *kernel) -> (g, O/g, K*C/g), kernel positions outer as in im2col."""
    o, cg = w.shape[:2]
    nd = w.ndim - 2
    w = w.reshape((groups, o // groups, cg) + w.shape[2:])
    w = w.transpose((0, 1) + tuple(range(3, 3 + nd)) + (2,))
    return w.reshape(groups, o // groups, -1)


def _weight_from_matrix(m, groups, kernel, cg):
    """The inverse of _weight_matrix."""
    og = m.shape[1]
    nd = len(kernel)
    m = m.reshape((groups, og) + tuple(kernel) + (cg,))
    m = m.transpose((0, 1, 2 + nd) + tuple(range(2, 2 + nd)))
    return m.reshape((groups * og, cg) + tuple(kernel))


def _bias_shape(nd):
    return (-1,) + (1,) * nd


def _spatial_dims(nd):
    return [0] + list(range(2, 2 + nd))


class Conv(Primitive):
    """y = conv(x, w) + b over a Window (padding, stride, dilation) with groups."""
    # NOTE: a primitive: it is the CNN hot path; im2col plus one batched matmul replaces
    # K shifted products, and its columns are kept for the weight gradient (no second
    # im2col in backward).
    grad_fn_name = "ConvolutionBackward0"

    @staticmethod
    def forward(ctx, x, weight, bias, window, groups):
        xp = xp_of(x)
        cols = im2col(xp, window, x._data, groups)
        out = xp.matmul(_weight_matrix(weight._data, groups), cols)
        out = out.reshape((x.shape[0], weight.shape[0]) + window.out)
        if bias is not None:
            out += bias._data.reshape(_bias_shape(window.nd))
        ctx.save_for_backward(x, weight)
        ctx.window, ctx.groups = window, groups
        ctx.cols = cols if weight._requires_grad else None
        return out

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        needs = ctx.needs_input_grad
        window, groups = ctx.window, ctx.groups
        # NOTE: the weight gradient first, then the columns are dropped before the input
        # gradient builds its own columns of the same size, which lowers the peak memory
        # (lenet_adam's benchmark: 158 -> 117 MiB). A second backward (retain_graph)
        # rebuilds them.
        cols, ctx.cols = ctx.cols, None
        gw = ConvWeight.apply(x, grad, window, groups, weight.shape[2:], cols) \
            if needs[1] else None
        del cols
        gx = ConvTranspose.apply(grad, weight, None, window, groups) if needs[0] else None
        gb = grad.sum(_spatial_dims(window.nd)) if needs[2] else None
        return gx, gw, gb

    def _release(self):
        super()._release()
        self.cols = None


class ConvTranspose(Primitive):
    """x = conv_transpose(y, w) + b: the adjoint of Conv in its input, y (N, O, *out)
    -> x (N, C, *size) over the same Window."""
    # NOTE: a primitive: the transposed-conv layer and the input gradient of every conv;
    # one batched matmul and col2im (K strided adds) instead of a scatter per element.
    grad_fn_name = "ConvolutionBackward0"

    @staticmethod
    def forward(ctx, y, weight, bias, window, groups):
        xp = xp_of(y)
        n, o = y.shape[:2]
        rows = y._data.reshape(n, groups, o // groups, math.prod(window.out))
        wm_t = _weight_matrix(weight._data, groups).transpose(0, 2, 1)
        channels = weight.shape[1] * groups
        # NOTE: on the CPU, a few samples at a time: col2im's strided adds then read
        # columns that are still in cache (lenet_adam: 4 ms of 64 per step); a GPU
        # takes the whole batch in one product.
        step = n
        if y._device.type == "cpu":
            per_sample = wm_t.shape[0] * wm_t.shape[1] * rows.shape[3]
            step = max(1, _COLUMNS_CHUNK // max(1, per_sample))
        if step >= n:
            out = col2im(xp, window, xp.matmul(wm_t, rows), channels, groups, y._data.dtype)
        else:
            out = xp.empty((n, channels) + window.size, dtype=y._data.dtype)
            for start in range(0, n, step):
                cols = xp.matmul(wm_t, rows[start:start + step])
                out[start:start + step] = col2im(xp, window, cols, channels, groups,
                                                 y._data.dtype)
        if bias is not None:
            out += bias._data.reshape(_bias_shape(window.nd))
        ctx.save_for_backward(y, weight)
        ctx.window, ctx.groups = window, groups
        return out

    @staticmethod
    def backward(ctx, grad):
        y, weight = ctx.saved_tensors
        needs = ctx.needs_input_grad
        window, groups = ctx.window, ctx.groups
        gy = Conv.apply(grad, weight, None, window, groups) if needs[0] else None
        gw = ConvWeight.apply(grad, y, window, groups, weight.shape[2:], None) \
            if needs[1] else None
        gb = grad.sum(_spatial_dims(window.nd)) if needs[2] else None
        return gy, gw, gb


class ConvWeight(Primitive):
    """w = the weight gradient of Conv: sum over the batch and windows of y times x's
    columns; x (N, C, *size), y (N, O, *out) -> (O, C/g, *kernel)."""
    # NOTE: a primitive: the weight gradient of every conv, a batched matmul against
    # the columns Conv already built.
    grad_fn_name = "ConvolutionBackwardBackward0"

    @staticmethod
    def forward(ctx, x, y, window, groups, kernel, cols=None):
        xp = xp_of(x)
        if cols is None:
            cols = im2col(xp, window, x._data, groups)
        n, o = y.shape[:2]
        rows = y._data.reshape(n, groups, o // groups, math.prod(window.out))
        # NOTE: cols @ rows^T (then transposed) rather than rows @ cols^T: the same
        # products, but BLAS runs this orientation about 20% faster on im2col's layout.
        rows_t = rows.transpose(0, 1, 3, 2)
        chunk = max(1, _WEIGHT_GRAD_CHUNK // max(1, groups * (o // groups) * cols.shape[2]))
        total = None
        for start in range(0, n, chunk):
            part = xp.matmul(cols[start:start + chunk], rows_t[start:start + chunk]).sum(0)
            total = part if total is None else total + part
        if total is None:
            total = xp.zeros((groups, cols.shape[2], o // groups), dtype=y._data.dtype)
        total = total.transpose(0, 2, 1)
        ctx.save_for_backward(x, y)
        ctx.window, ctx.groups = window, groups
        return _weight_from_matrix(total, groups, kernel, x.shape[1] // groups)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        needs = ctx.needs_input_grad
        window, groups = ctx.window, ctx.groups
        gx = ConvTranspose.apply(y, grad, None, window, groups) if needs[0] else None
        gy = Conv.apply(x, grad, None, window, groups) if needs[1] else None
        return gx, gy


class Unfold(Primitive):
    """x (N, C, *size) -> (N, C*K, L): every window's values, channels outer."""
    # NOTE: a primitive: one strided copy (im2col with one group per channel); its
    # adjoint Fold adds back with K strided adds.
    grad_fn_name = "Im2ColBackward0"

    @staticmethod
    def forward(ctx, x, window):
        n, c = x.shape[:2]
        ctx.window, ctx.channels = window, c
        cols = im2col(xp_of(x), window, x._data, c)
        return cols.reshape(n, c * window.numel, math.prod(window.out))

    @staticmethod
    def backward(ctx, grad):
        return Fold.apply(grad, ctx.window, ctx.channels)


class Fold(Primitive):
    """cols (N, C*K, L) -> (N, C, *size), summing values that land on one position."""
    # NOTE: a primitive: the adjoint of Unfold (see there).
    grad_fn_name = "Col2ImBackward0"

    @staticmethod
    def forward(ctx, cols, window, channels):
        ctx.window = window
        n = cols.shape[0]
        data = cols._data.reshape(n, channels, window.numel, math.prod(window.out))
        return col2im(xp_of(cols), window, data, channels, channels, data.dtype)

    @staticmethod
    def backward(ctx, grad):
        return Unfold.apply(grad, ctx.window)
