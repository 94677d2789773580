"""Distances and similarities: pairwise_distance, cosine_similarity, pdist, cdist,
normalize (as ember.nn.functional.*; cdist, pdist, cosine_similarity and
pairwise_distance are also torch-level functions).

All are composites of ember ops; the one shortcut kept from torch is cdist's Euclidean
path through a matrix product (|x|^2 - 2 x.y + |y|^2) for many rows.
"""
from ..autograd.grad_mode import no_grad
from ..ops._util import type_name
from ..ops.creation import ones_like, triu_indices
from ..ops.linalg_norms import vector_norm
from ..ops.shape import cat
from ..amp.autocast_mode import autocast_call, state as amp_state

__all__ = ["pairwise_distance", "cosine_similarity", "pdist", "cdist", "normalize"]


def _norm(x, p, dim, keepdim=False):
    """The p-norm along dim; p = 0 counts nonzeros (with a zero gradient, like torch)."""
    if p == 0:
        # NOTE: torch differentiates the 0-"norm" to zero; x * 0 keeps x in the graph.
        return (x != 0).to(x.dtype).sum(dim, keepdim=keepdim) + (x * 0).sum(dim, keepdim=keepdim)
    return x.norm(p, dim, keepdim=keepdim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """||x1 - x2 + eps||_p over the last dimension (of the broadcast shape)."""
    dim = max(x1.ndim, x2.ndim) - 1
    diff = x1 - x2 + eps
    if diff.ndim == 0:
        return diff.abs() if p != 0 else _norm(diff.reshape(1), p, 0)
    return _norm(diff, p, dim, keepdim)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """<x1, x2> / (max(||x1||, eps) max(||x2||, eps)), each input normalised first."""
    if amp_state.active:
        return autocast_call("cosine_similarity", cosine_similarity,
                             x1, x2=x2, dim=dim, eps=eps)
    dtype = _common_float(x1, x2)
    x1, x2 = x1.to(dtype), x2.to(dtype)
    shape = _broadcast(x1, x2)
    x1, x2 = x1.expand(shape), x2.expand(shape)
    norms = []
    for x in (x1, x2):
        norm = vector_norm(x, 2, dim=dim, keepdim=True).clone()
        # NOTE: torch clamps the norms without recording it: the gradient is that of
        # the unclamped norm, evaluated with the clamped value.
        with no_grad():
            norm.clamp_min_(eps)
        norms.append(norm)
    return ((x1 / norms[0]) * (x2 / norms[1])).sum(dim)


def _common_float(x1, x2):
    from .. import _dtype as dtypes
    dtype = dtypes.promote_types(x1.dtype, x2.dtype)
    if not dtype.is_floating_point:
        if x1.dtype.is_floating_point or x2.dtype.is_floating_point:
            return dtype
        raise RuntimeError(f"expected common dtype to be floating point, yet common dtype is "
                           f"{type_name(dtype)}")
    return dtype


def _broadcast(x1, x2):
    from ..ops._util import broadcast_shapes
    return broadcast_shapes(x1.shape, x2.shape)


def pdist(input, p=2):
    """The p-norm distance between every pair of rows i < j of a 2-D input, in the
    order of the upper triangle: shape (N * (N - 1) / 2,)."""
    if amp_state.active:
        return autocast_call("pdist", pdist, input, p=p)
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    rows, cols = triu_indices(input.shape[0], input.shape[0], 1, device=input.device)
    return _norm(input[rows] - input[cols], p, 1)


_COMPUTE_MODES = {"use_mm_for_euclid_dist_if_necessary": 0, "use_mm_for_euclid_dist": 1,
                  "donot_use_mm_for_euclid_dist": 2}


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """Distances between the rows of x1 (*, P, M) and of x2 (*, R, M): shape (*, P, R)."""
    if amp_state.active:
        return autocast_call("cdist", cdist, x1, x2=x2, p=p, compute_mode=compute_mode)
    if compute_mode not in _COMPUTE_MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    for name, x in (("X1", x1), ("X2", x2)):
        if x.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: "
                               f"{x.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: "
                           f"{x1.shape[-1]} X2: {x2.shape[-1]}")
    for name, x in (("X1", x1), ("X2", x2)):
        if not x.is_floating_point():
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: "
                               f"{type_name(x.dtype)}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    mode = _COMPUTE_MODES[compute_mode]
    rows1, rows2 = x1.shape[-2], x2.shape[-2]
    if p == 2 and (mode == 1 or (mode == 0 and (rows1 > 25 or rows2 > 25))):
        return _euclidean_by_matmul(x1, x2)
    return _norm(x1.unsqueeze(-2) - x2.unsqueeze(-3), p, -1)


def _euclidean_by_matmul(x1, x2):
    # One batched product of [-2 x1, |x1|^2, 1] and [x2, 1, |x2|^2] gives
    # |x1|^2 - 2 x1.x2 + |x2|^2 for every pair.
    x1_norm = (x1 * x1).sum(-1, keepdim=True)
    x2_norm = (x2 * x2).sum(-1, keepdim=True)
    left = cat([x1 * -2, x1_norm, ones_like(x1_norm)], -1)
    right = cat([x2, ones_like(x2_norm), x2_norm], -1)
    return left.matmul(right.transpose(-1, -2)).clamp_min(0).sqrt()


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """input / max(||input||_p along dim, eps)."""
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    if out is None:
        return input / denom
    from ..ops.arithmetic import div
    return div(input, denom, out=out)
