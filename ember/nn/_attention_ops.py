"""Fused attention: softmax(q k^T * scale + mask) v over the last two dims.

Rows whose every score is masked (-inf) give zeros (torch's CPU kernels do the same),
never NaN.
"""
from ..autograd.graph import Primitive
from ..ops._util import broadcast_shapes, xp_of
from ._twin import TENSOR_OPS, array_ops, differentiable, wrap


def _probabilities(K, q, k, mask, scale):
    """softmax(q k^T * scale + mask) along the last dim, 0 on fully masked rows."""
    scores = K.imul(q @ K.mT(k), scale)
    if mask is not None:
        # In place unless the mask broadcasts scores to a larger shape.
        fits = broadcast_shapes(tuple(scores.shape), tuple(mask.shape)) == tuple(scores.shape)
        scores = K.iadd(scores, mask) if fits else scores + mask
    top = K.detach(K.amax(scores, -1))
    top = K.where(K.isfinite(top), top, 0.0)
    e = K.iexp(K.isub(scores, top))
    total = K.sum(e, -1)
    return K.idiv(e, K.where(total == 0, 1.0, total))


def _attention_grads(K, q, k, v, p, keep, scale, grad):
    """Gradients (dq, dk, dv, dmask) of out = (p * keep) v."""
    dropped = p if keep is None else p * keep
    dv = K.mT(dropped) @ grad
    dp = grad @ K.mT(v)
    if keep is not None:
        dp = K.imul(dp, keep)
    ds = K.imul(K.isub(dp, K.dot_sum(dp, p, -1)), p)
    scaled = ds * scale
    return scaled @ k, K.mT(scaled) @ q, dv, ds


class Attention(Primitive):
    """(q, k, v, mask, keep, scale) -> out. mask: an additive float tensor (or None);
    keep: dropout's 0 or 1/(1-p) per probability (or None)."""
    # NOTE: a primitive: scores, mask, softmax and dropout happen in place on one
    # (..., L, S) buffer, and the backward needs only the probabilities.

    @staticmethod
    def forward(ctx, q, k, v, mask, keep, scale):
        K = array_ops(xp_of(q))
        p = _probabilities(K, q._data, k._data, None if mask is None else mask._data, scale)
        ctx.p, ctx.scale = p, scale
        ctx.save_for_backward(q, k, v, mask, keep)
        return (p if keep is None else p * keep._data) @ v._data

    @staticmethod
    def backward(ctx, grad):
        q, k, v, mask, keep = ctx.saved_tensors
        if differentiable():
            K = TENSOR_OPS
            p = _probabilities(K, q, k, mask, ctx.scale)
            grads = _attention_grads(K, q, k, v, p, keep, ctx.scale, grad)
        else:
            K = array_ops(xp_of(q))
            grads = _attention_grads(K, q._data, k._data, v._data, ctx.p,
                                     None if keep is None else keep._data, ctx.scale,
                                     grad._data)
        out = []
        for g, target, needed in zip(grads, (q, k, v, mask), ctx.needs_input_grad):
            g = K.sum_to(g, target.shape) if needed else None
            out.append(g if K is TENSOR_OPS else wrap(g, q))
        return tuple(out) + (None, None)

    def _release(self):
        super()._release()
        self.p = None
