"""Fused normalisation primitives: y = (x - mean) / sqrt(var + eps) * w + b.

One formula serves layer_norm (statistics over the trailing dims, parameters shaped
like them), batch_norm (statistics over every dim but the channel, one parameter per
channel) and instance_norm (statistics over the spatial dims).
"""
from .. import _dtype as dtypes
from ..autograd.graph import Primitive
from ..ops._util import xp_of
from ._twin import TENSOR_OPS, _count, array_ops, differentiable, wrap

_LOW_PRECISION = (dtypes.float16, dtypes.bfloat16)


def _norm_grads(K, g, xhat, rstd, w, axes, wb_axes, needs):
    """Gradients of y = xhat * w + b for x, w and b (w may be None).

    With n values per statistic: dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat *
    xhat)), where dxhat = g * w.
    """
    gw = K.dot_sum(g, xhat, wb_axes) if needs[1] else None
    gb = K.sum(g, wb_axes) if needs[2] else None
    gx = None
    if needs[0]:
        gxhat = g * w if w is not None else g
        n = _count(xhat.shape, axes)
        gx = K.isub(gxhat - K.sum(gxhat, axes) / n, xhat * (K.dot_sum(gxhat, xhat, axes) / n))
        gx = K.imul(gx, rstd)
    return gx, gw, gb


def _statistics(K, data, axes, eps):
    """(xhat, rstd, mean, biased var) of data over axes (kept as size-1 dims)."""
    n = _count(data.shape, axes)
    mean = K.sum(data, axes) / n
    centered = data - mean
    var = K.dot_sum(centered, centered, axes) / n
    rstd = K.rsqrt(var + eps)
    return K.imul(centered, rstd), rstd, mean, var


class _Normalize(Primitive):
    """Shared forward/backward; subclasses name the node and may use the statistics."""

    @staticmethod
    def _forward(ctx, x, weight, bias, axes, param_view, eps):
        xp = xp_of(x)
        data = x._data
        if x._dtype in _LOW_PRECISION:
            data = data.astype(xp.float32)
        xhat, rstd, mean, var = _statistics(array_ops(xp), data, axes, eps)
        out = xhat if weight is None else xhat * weight._data.reshape(param_view)
        if bias is not None:
            out = out + bias._data.reshape(param_view) if out is xhat else \
                _add_inplace(out, bias._data.reshape(param_view))
        ctx.save_for_backward(x, weight)
        ctx.xhat, ctx.rstd = xhat, rstd
        ctx.axes, ctx.param_view, ctx.eps = axes, param_view, eps
        ctx.bias_shape = None if bias is None else bias.shape
        varying = _param_axes(data.ndim, param_view)
        ctx.wb_axes = tuple(i for i in range(data.ndim) if i not in varying)
        return out.astype(x._dtype.numpy, copy=False), mean, var

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        needs = ctx.needs_input_grad
        view = ctx.param_view
        if differentiable():
            K = TENSOR_OPS
            xhat, rstd, _, _ = _statistics(K, x, ctx.axes, ctx.eps)
            w = None if weight is None else weight.reshape(view)
            gx, gw, gb = _norm_grads(K, grad, xhat, rstd, w, ctx.axes, ctx.wb_axes, needs)
        else:
            K = array_ops(xp_of(x))
            g = grad._data
            if grad._dtype in _LOW_PRECISION:
                g = g.astype(K.xp.float32)
            w = None if weight is None else weight._data.reshape(view)
            gx, gw, gb = _norm_grads(K, g, ctx.xhat, ctx.rstd, w, ctx.axes, ctx.wb_axes,
                                     needs)
            gx = wrap(_as(gx, x), x)
            gw = wrap(_as(gw, weight), x)
            gb = wrap(_as(gb, x), x)
        if gw is not None:
            gw = gw.reshape(weight.shape)
        if gb is not None:
            gb = gb.reshape(ctx.bias_shape)
        return (gx, gw, gb) + (None,) * (len(needs) - 3)

    def _release(self):
        super()._release()
        self.xhat = self.rstd = None


def _param_axes(ndim, param_view):
    """The dims of x that the parameters vary along (the others are summed in dw, db)."""
    lead = ndim - len(param_view)
    return {lead + i for i, size in enumerate(param_view) if size != 1}


def _as(array, like):
    if array is None or like is None:
        return array
    return array.astype(like._dtype.numpy, copy=False)


def _add_inplace(out, other):
    out += other
    return out


class LayerNorm(_Normalize):
    # NOTE: a primitive: layer_norm runs several times per transformer step; the fused
    # forward makes two passes over x and the backward needs only xhat and rstd.
    grad_fn_name = "NativeLayerNormBackward0"

    @staticmethod
    def forward(ctx, x, weight, bias, axes, param_view, eps):
        return _Normalize._forward(ctx, x, weight, bias, axes, param_view, eps)[0]


class BatchNorm(_Normalize):
    # NOTE: a primitive for the same reason (every CNN step). Like torch's native kernel,
    # forward also updates the running statistics in place (one pass gives both).
    grad_fn_name = "NativeBatchNormBackward0"

    @staticmethod
    def forward(ctx, x, weight, bias, axes, param_view, eps, running_mean, running_var,
                momentum):
        out, mean, var = _Normalize._forward(ctx, x, weight, bias, axes, param_view, eps)
        if running_mean is not None or running_var is not None:
            _update_running(x, mean, var, running_mean, running_var, momentum)
        return out


def _update_running(x, mean, var, running_mean, running_var, momentum):
    """running = (1 - momentum) * running + momentum * batch (unbiased variance)."""
    count = x._data.size // max(mean.size, 1)
    for running, batch, scale in ((running_mean, mean, 1.0),
                                  (running_var, var, count / max(count - 1, 1))):
        if running is None:
            continue
        data = running._data
        update = batch.reshape(data.shape) * (momentum * scale)
        data *= 1 - momentum
        data += update.astype(data.dtype, copy=False)
        running._vc[0] += 1


def layer_norm(x, weight, bias, ndim, eps):
    """Normalise over the last ndim dims of x (parameters shaped like them)."""
    axes = tuple(range(x.ndim - ndim, x.ndim))
    view = tuple(x.shape[x.ndim - ndim:])
    return LayerNorm.apply(x, weight, bias, axes, view, eps)


def channel_norm(x, weight, bias, axes, eps, running_mean=None, running_var=None,
                 momentum=0.0):
    """Normalise over axes with one parameter per channel (dim 1): batch/instance norm."""
    view = (x.shape[1],) + (1,) * (x.ndim - 2)
    return BatchNorm.apply(x, weight, bias, axes, view, eps, running_mean, running_var,
                           momentum)
