"""cross_entropy with class-index targets as one fused primitive.

NOTE: a primitive: it ends nearly every classifier's training step, and the composite
(log_softmax, gather, where, mul, sum, div) records seven nodes with their temporaries,
where one log-softmax forward and a ``softmax - onehot`` backward do the work.
Label smoothing, probability targets and a weight that requires grad keep the
composite (see _losses.cross_entropy).
"""
from .._tensor import Tensor
from ..autograd.graph import Primitive
from ..ops._util import in_dtype, sum_array, xp_of
from ..ops.reduction import log_softmax_array


class CrossEntropy(Primitive):
    # torch's cross_entropy is log_softmax + nll_loss: its loss node is NllLoss's.
    grad_fn_name = "NllLossBackward0"

    @staticmethod
    def forward(ctx, x, target, weight, ignore_index, reduction, dim):
        ctx.save_for_backward(x)
        ctx.reduction, ctx.dim = reduction, dim
        xp = ctx.xp = xp_of(x)
        data = x._data
        logp = log_softmax_array(xp, data, dim)  # the values x.log_softmax(dim) has
        labels = target._data
        valid = labels != ignore_index
        # Ignored targets point at class 0 and get weight 0.
        index = xp.expand_dims(xp.where(valid, labels, 0), dim)
        if weight is None:
            weights = valid.astype(data.dtype)
        else:
            weights = xp.where(valid, weight._data[index.squeeze(dim)], 0).astype(data.dtype)
        picked = xp.where(valid, xp.take_along_axis(logp, index, axis=dim).squeeze(dim), 0)
        # 0 - x rather than -x: an ignored target's loss is +0.0, as torch prints it.
        loss = 0.0 - picked * weights
        ctx.logp, ctx.index, ctx.weights = logp, index, weights
        if reduction == "none":
            return in_dtype(loss, data)
        total = sum_array(loss, None, False)
        if reduction == "mean":
            ctx.count = sum_array(weights, None, False)
            total = total / ctx.count
        return in_dtype(xp.asarray(total), data)

    @staticmethod
    def _scale(ctx, grad):
        """The factor of each target's row: grad, spread over targets, times weight."""
        if ctx.reduction == "mean":
            grad = grad / ctx.count
        return grad * ctx.weights

    @staticmethod
    def backward(ctx, grad):
        # With ember ops on the saved input, so that the gradient is differentiable.
        (x,) = ctx.saved_tensors
        dim = ctx.dim
        onehot = Tensor._make(ctx.xp.zeros_like(ctx.logp), x._device)
        ctx.xp.put_along_axis(onehot._data, ctx.index, 1, axis=dim)
        weights = Tensor._make(ctx.weights, x._device)
        scale = weights * (grad / float(ctx.count) if ctx.reduction == "mean" else grad)
        # (exp of log_softmax rather than softmax: the very values array_backward uses)
        probs = x.log_softmax(dim).exp()
        return (probs - onehot) * scale.unsqueeze(dim), None, None, None, None, None

    @staticmethod
    def array_backward(ctx, grad):
        xp, dim = ctx.xp, ctx.dim
        out = xp.exp(ctx.logp)  # softmax, ours to work on in place
        at_target = xp.take_along_axis(out, ctx.index, axis=dim) - 1
        xp.put_along_axis(out, ctx.index, at_target, axis=dim)
        out *= xp.expand_dims(CrossEntropy._scale(ctx, grad), dim)
        return in_dtype(out, grad), None, None, None, None, None


def fused_cross_entropy(input, target, weight, ignore_index, reduction, dim):
    """The loss for checked, long class-index targets."""
    return CrossEntropy.apply(input, target, weight, ignore_index, reduction, dim)
