"""Loss functions (re-exported by ember.nn.functional), with torch's reductions,
legacy ``size_average``/``reduce`` arguments and error messages.
"""
import math
import warnings

from .. import _dtype as dtypes
from ..autograd.grad_mode import no_grad
from ..ops.creation import arange, ones_like
from ..ops._util import broadcast_shapes, type_name, xp_of
from . import _ops
from ._cross_entropy import fused_cross_entropy
from ..amp.autocast_mode import autocast_call, state as amp_state

__all__ = ["l1_loss", "mse_loss", "smooth_l1_loss", "huber_loss", "kl_div",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "nll_loss",
           "cross_entropy", "poisson_nll_loss", "gaussian_nll_loss", "margin_ranking_loss",
           "hinge_embedding_loss", "soft_margin_loss", "multilabel_soft_margin_loss",
           "multi_margin_loss", "multilabel_margin_loss", "cosine_embedding_loss",
           "triplet_margin_loss", "triplet_margin_with_distance_loss"]


def legacy_get_string(size_average, reduce, emit_warning=True):
    """The reduction string the deprecated size_average/reduce pair stands for."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    result = "mean" if size_average and reduce else "sum" if reduce else "none"
    if emit_warning:
        warnings.warn("size_average and reduce args will be deprecated, please use "
                      f"reduction='{result}' instead.", stacklevel=3)
    return result


def _reduction_of(size_average, reduce, reduction):
    if size_average is not None or reduce is not None:
        return legacy_get_string(size_average, reduce)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss, reduction):
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def _warn_size(input, target):
    if target.shape != input.shape:
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input "
                      f"size ({input.shape}). This will likely lead to incorrect results due "
                      "to broadcasting. Please ensure they have the same size.", stacklevel=3)


def _pointwise_loss(elementwise, input, target, reduction, weight):
    _warn_size(input, target)
    loss = elementwise(input - target)
    if weight is None:
        return _reduce(loss, reduction)
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    loss = loss * weight
    if reduction == "mean":
        return loss.sum() / weight.sum()
    return _reduce(loss, reduction)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    if amp_state.active:
        return autocast_call("mse_loss", mse_loss,
                             input, target=target, size_average=size_average, reduce=reduce, reduction=reduction, weight=weight)
    reduction = _reduction_of(size_average, reduce, reduction)
    return _pointwise_loss(lambda d: d * d, input, target, reduction, weight)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    if amp_state.active:
        return autocast_call("l1_loss", l1_loss,
                             input, target=target, size_average=size_average, reduce=reduce, reduction=reduction, weight=weight)
    reduction = _reduction_of(size_average, reduce, reduction)
    return _pointwise_loss(lambda d: d.abs(), input, target, reduction, weight)


def _huber(diff, delta):
    # 0.5 d^2 inside |d| < delta, delta (|d| - 0.5 delta) outside.
    absolute = diff.abs()
    return (diff * diff * 0.5).where(absolute < delta, (absolute - 0.5 * delta) * delta)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    if amp_state.active:
        return autocast_call("smooth_l1_loss", smooth_l1_loss,
                             input, target=target, size_average=size_average, reduce=reduce, reduction=reduction, beta=beta)
    reduction = _reduction_of(size_average, reduce, reduction)
    if beta == 0:
        return l1_loss(input, target, reduction=reduction)
    return _pointwise_loss(lambda d: _huber(d, beta) / beta, input, target, reduction, None)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    if amp_state.active:
        return autocast_call("huber_loss", huber_loss,
                             input, target=target, reduction=reduction, delta=delta, weight=weight)
    reduction = _reduction_of(None, None, reduction)
    return _pointwise_loss(lambda d: _huber(d, delta), input, target, reduction, weight)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    if amp_state.active:
        return autocast_call("kl_div", kl_div,
                             input, target=target, size_average=size_average, reduce=reduce, reduction=reduction, log_target=log_target)
    if size_average is not None or reduce is not None:
        reduction = legacy_get_string(size_average, reduce)
    elif reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                      "support size.'batchmean' divides only by the batch size, and aligns with "
                      "the KL div math definition.'mean' will be changed to behave the same as "
                      "'batchmean' in the next major release.", stacklevel=2)
    elif reduction not in ("none", "sum", "batchmean"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = target.xlogy(target) - target * input
    if reduction == "batchmean":
        return loss.sum() / input.shape[0] if input.ndim else loss.sum()
    return _reduce(loss, reduction)


# ---------------------------------------------------------------- binary cross entropy

def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    if amp_state.active:
        return autocast_call("binary_cross_entropy", binary_cross_entropy,
                             input, target=target, weight=weight, size_average=size_average, reduce=reduce, reduction=reduction)
    reduction = _reduction_of(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(f"Using a target size ({target.shape}) that is different to the "
                         f"input size ({input.shape}) is deprecated. Please ensure they have "
                         "the same size.")
    data = input._data
    xp = xp_of(input)
    if data.size and not bool(xp.all((data >= 0) & (data <= 1))):
        raise RuntimeError("all elements of input should be between 0 and 1")
    loss = _ops.BinaryCrossEntropy.apply(input, target.to(input.dtype))
    if weight is not None:
        loss = loss * weight.expand(broadcast_shapes(target.shape, weight.shape))
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,
                                     reduce=None, reduction="mean", pos_weight=None):
    if amp_state.active:
        return autocast_call("binary_cross_entropy_with_logits", binary_cross_entropy_with_logits,
                             input, target=target, weight=weight, size_average=size_average, reduce=reduce, reduction=reduction, pos_weight=pos_weight)
    reduction = _reduction_of(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size "
                         f"({input.shape})")
    # softplus(-x) = max(-x, 0) + log1p(exp(-|x|)) never overflows.
    softplus_neg = (-input).maximum(input.new_zeros(())) + (-input.abs()).exp().log1p()
    if pos_weight is not None:
        softplus_neg = softplus_neg * ((pos_weight - 1) * target + 1)
    loss = (1 - target) * input + softplus_neg
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


# ---------------------------------------------------------------- nll / cross entropy

def _class_dim(input):
    return 0 if input.ndim == 1 else 1


def _check_nll_shapes(input, target, weight):
    if input.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.ndim})")
    if input.ndim >= 2 and target.ndim >= 1 and input.shape[0] != target.shape[0]:
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target "
                         f"batch_size ({target.shape[0]}).")
    if input.ndim <= 2 and target.ndim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if input.ndim > 2:
        expected = (input.shape[0],) + tuple(input.shape[2:])
        if tuple(target.shape) != expected:
            raise RuntimeError(f"Expected target size {list(expected)}, got "
                               f"{list(target.shape)}")
    if target.dtype not in (dtypes.int64, dtypes.uint8):
        raise RuntimeError("expected target dtype to be Long or Byte, but got "
                           f"{type_name(target.dtype)}")
    classes = input.shape[_class_dim(input)]
    if weight is not None and weight.numel() != classes:
        raise RuntimeError(f"weight tensor should be defined either for all {classes} classes "
                           f"or no classes but got weight tensor of shape: "
                           f"{list(weight.shape)}")


def _check_targets(target, classes, ignore_index):
    # NOTE: like torch on the CPU, out-of-range class indices raise (a host sync).
    xp = xp_of(target)
    data = target._data
    bad = ((data < 0) | (data >= classes)) & (data != ignore_index)
    if bool(xp.any(bad)):
        raise IndexError(f"Target {int(data[bad].ravel()[0])} is out of bounds.")


def _pick(values, target, dim):
    """values[..., target, ...] along dim (a one-hot select, 0 where target is no class)."""
    classes = values.shape[dim]
    index = arange(classes, device=values.device).reshape([classes] +
                                                          [1] * (values.ndim - dim - 1))
    return values.where(target.unsqueeze(dim) == index, 0.0).sum(dim)


def _pick_targets(values, target, valid, dim):
    """values[..., target, ...] along dim, 0 where the target is ignored (not valid)."""
    # NOTE: a gather (a scatter in backward) touches one value per target; a one-hot
    # select (_pick) reads and writes all N*C values, twice per step: 7M elements for a
    # language model's 10k-word vocabulary. Ignored targets read class 0, then the
    # where keeps a -inf there out of the loss.
    index = target.where(valid, 0).unsqueeze(dim)
    return values.gather(dim, index).squeeze(dim).where(valid, 0.0)


def _target_weights(target, weight, valid, dtype):
    """Each target's class weight, 0 where the target is ignored."""
    if weight is None:
        return valid.to(dtype)
    return weight[target.where(valid, 0)].where(valid, 0.0)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    if amp_state.active:
        return autocast_call("nll_loss", nll_loss,
                             input, target=target, weight=weight, size_average=size_average, ignore_index=ignore_index, reduce=reduce, reduction=reduction)
    reduction = _reduction_of(size_average, reduce, reduction)
    _check_nll_shapes(input, target, weight)
    dim = _class_dim(input)
    target = target.long()
    _check_targets(target, input.shape[dim], ignore_index)
    valid = target != ignore_index
    weights = _target_weights(target, weight, valid, input.dtype)
    # 0 - x rather than -x: an ignored target's loss is +0.0, as torch prints it.
    loss = 0.0 - _pick_targets(input, target, valid, dim) * weights
    if reduction == "mean":
        return loss.sum() / weights.sum()
    return _reduce(loss, reduction)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100,
                  reduce=None, reduction="mean", label_smoothing=0.0):
    if amp_state.active:
        return autocast_call("cross_entropy", cross_entropy,
                             input, target=target, weight=weight, size_average=size_average, ignore_index=ignore_index, reduce=reduce, reduction=reduction, label_smoothing=label_smoothing)
    reduction = _reduction_of(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: "
                           f"{label_smoothing}")
    dim = _class_dim(input)
    if label_smoothing == 0 and input.is_floating_point() and input.numel() and \
            not target.is_floating_point() and (weight is None or not weight.requires_grad):
        _check_nll_shapes(input, target, weight)
        target = target.long()
        _check_targets(target, input.shape[dim], ignore_index)
        return fused_cross_entropy(input, target, weight, ignore_index, reduction, dim)
    logp = input.log_softmax(dim)
    if target.is_floating_point() and target.shape == input.shape:
        return _soft_cross_entropy(logp, target, weight, reduction, label_smoothing, dim)
    nll = nll_loss(logp, target, weight, ignore_index=ignore_index, reduction=reduction)
    if label_smoothing == 0:
        return nll
    classes = input.shape[dim]
    valid = target != ignore_index
    if weight is not None:
        logp = logp * weight.reshape([classes] + [1] * (input.ndim - dim - 1))
    smooth = (-logp.sum(dim)).where(valid, 0.0)
    if reduction == "mean":
        smooth = smooth.sum() / _target_weights(target, weight, valid, input.dtype).sum()
    else:
        smooth = _reduce(smooth, reduction)
    return nll * (1 - label_smoothing) + smooth * (label_smoothing / classes)


def _soft_cross_entropy(logp, target, weight, reduction, label_smoothing, dim):
    """Cross entropy against class probabilities."""
    classes = logp.shape[dim]
    if label_smoothing > 0:
        target = target * (1 - label_smoothing) + label_smoothing / classes
    if weight is not None:
        logp = logp * weight.reshape([classes] + [1] * (logp.ndim - dim - 1))
    loss = -(logp * target).sum(dim)
    if reduction == "mean":
        count = logp.numel() // classes if classes else 0
        return loss.sum() / count
    return _reduce(loss, reduction)


# ---------------------------------------------------------------- likelihood losses

def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    """exp(x) - t x (log_input), else x - t log(x + eps); full adds Stirling's
    t log t - t + log(2 pi t) / 2 where t > 1."""
    if amp_state.active:
        return autocast_call("poisson_nll_loss", poisson_nll_loss,
                             input, target=target, log_input=log_input, full=full, size_average=size_average, eps=eps, reduce=reduce, reduction=reduction)
    reduction = _reduction_of(size_average, reduce, reduction)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        stirling = target.xlogy(target) - target + (target * (2 * math.pi)).log() * 0.5
        loss = loss + stirling.where(target > 1, 0.0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """(log(max(var, eps)) + (input - target)^2 / max(var, eps)) / 2 (+ log(2 pi) / 2)."""
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = var * ones_like(input)
    elif bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    if var.shape != input.shape:
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif not (input.ndim == var.ndim and
                  sum(v for i, v in zip(input.shape, var.shape) if i != v) == 1):
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    var = var.clone()
    # NOTE: clamped outside autograd, as torch: var's gradient ignores the clamp.
    with no_grad():
        var.clamp_(min=eps)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


# ---------------------------------------------------------------- margin losses

def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                        reduction="mean"):
    """max(0, -y (x1 - x2) + margin)."""
    if amp_state.active:
        return autocast_call("margin_ranking_loss", margin_ranking_loss,
                             input1, input2=input2, target=target, margin=margin, size_average=size_average, reduce=reduce, reduction=reduction)
    reduction = _reduction_of(size_average, reduce, reduction)
    if input1.ndim != input2.ndim or input1.ndim != target.ndim:
        raise RuntimeError("margin_ranking_loss : All input tensors should have same dimension "
                           f"but got sizes: input1: {input1.shape}, input2: {input2.shape}, "
                           f"target: {target.shape} ")
    return _reduce((-target * (input1 - input2) + margin).clamp_min(0), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction="mean"):
    """x where y = 1, max(0, margin - x) where y = -1 (both terms for other labels)."""
    if amp_state.active:
        return autocast_call("hinge_embedding_loss", hinge_embedding_loss,
                             input, target=target, margin=margin, size_average=size_average, reduce=reduce, reduction=reduction)
    reduction = _reduction_of(size_average, reduce, reduction)
    hinge = (margin - input).clamp_min(0).where(target != 1, 0.0)
    return _reduce(hinge + input.where(target != -1, 0.0), reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """log(1 + exp(-y x)) (torch's unguarded form: it overflows like torch's)."""
    if amp_state.active:
        return autocast_call("soft_margin_loss", soft_margin_loss,
                             input, target=target, size_average=size_average, reduce=reduce, reduction=reduction)
    reduction = _reduction_of(size_average, reduce, reduction)
    return _reduce((-input * target).exp().log1p(), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction="mean"):
    """Mean over classes of the binary logistic loss of each class."""
    if size_average is not None or reduce is not None:
        reduction = legacy_get_string(size_average, reduce)
    loss = -(target * _logsigmoid(input) + (1 - target) * _logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    classes = input.shape[input.ndim - 1]
    loss = loss.sum(input.ndim - 1) / classes
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    return _reduce(loss, reduction)


def _logsigmoid(x):
    return -((-x).maximum(x.new_zeros(())) + (-x.abs()).exp().log1p())


def _check_range(target, low, high, message):
    # NOTE: like torch on the CPU, bad class indices raise (a host sync).
    data = target._data
    if data.size and bool(xp_of(target).any((data < low) | (data >= high))):
        raise RuntimeError(message)


def _as_batch(input, target, name):
    """(N, C) input and (N, ...) target views; 1-D input is one sample."""
    if input.ndim > 2:
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch "
                           f"size, but got: {list(input.shape)}")
    if input.ndim <= 1:
        return input.reshape(1, -1), target.reshape(1, -1) if name == "multilabel" else \
            target.reshape(1)
    return input, target


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None,
                      reduce=None, reduction="mean"):
    """sum over j != y of max(0, margin - x[y] + x[j])^p (times weight[y]), over C."""
    if amp_state.active:
        return autocast_call("multi_margin_loss", multi_margin_loss,
                             input, target=target, p=p, margin=margin, weight=weight, size_average=size_average, reduce=reduce, reduction=reduction)
    reduction = _reduction_of(size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.ndim != 1:
        raise ValueError("weight must be one-dimensional")
    batch, batch_target = _as_batch(input, target, "multi")
    classes = batch.shape[1]
    if batch_target.numel() != batch.shape[0] or \
            (input.ndim == 2 and target.ndim != 1) or (input.ndim < 2 and target.ndim > 1):
        raise RuntimeError("multi_margin_loss: target tensor should be 1-D with size equal to "
                           "the number of input samples (batch size). Expected target size "
                           f"[{batch.shape[0]}], but got {list(target.shape)}. Input has shape "
                           f"{list(input.shape)}.")
    _check_range(batch_target, 0, classes, "target out of range")
    is_target = batch_target.unsqueeze(1) == arange(classes, device=input.device)
    picked = _pick(batch, batch_target.long(), 1).unsqueeze(1)
    z = (margin - picked + batch).clamp_min(0)
    z = (z if p == 1 else z * z).where(~is_target, 0.0)
    if weight is not None:
        z = z * weight[batch_target.long()].unsqueeze(1)
    loss = z.sum(1) / classes
    if input.ndim < 2:
        loss = loss.reshape(target.shape) if reduction == "none" else loss
    return _reduce(loss, reduction)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """For each target class y (read up to the first -1) and each non-target class i:
    max(0, 1 - (x[y] - x[i])), summed and divided by C."""
    if amp_state.active:
        return autocast_call("multilabel_margin_loss", multilabel_margin_loss,
                             input, target=target, size_average=size_average, reduce=reduce, reduction=reduction)
    reduction = _reduction_of(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise RuntimeError(f"inconsistent target size: {list(target.shape)} for input of size: "
                           f"{list(input.shape)}")
    batch, batch_target = _as_batch(input, target, "multilabel")
    classes = batch.shape[1]
    batch_target = batch_target.long()
    _check_range(batch_target, -1, classes, "argument #2 'target' is out of range")
    # Targets count up to the first -1 of each row.
    valid = (batch_target != -1).long().cumprod(1).bool()
    labels = batch_target.where(valid, 0)
    index = arange(classes, device=input.device)
    chosen = (labels.unsqueeze(2) == index).logical_and(valid.unsqueeze(2))   # (N, J, C)
    is_target = chosen.any(1)                                                 # (N, C)
    picked = _pick(batch.unsqueeze(1).expand(chosen.shape), labels, 2)        # (N, J)
    hinge = (1 - picked.unsqueeze(2) + batch.unsqueeze(1)).clamp_min(0)       # (N, J, C)
    keep = valid.unsqueeze(2).logical_and(is_target.logical_not().unsqueeze(1))
    loss = hinge.where(keep, 0.0).sum((1, 2)) / classes
    if input.ndim < 2:
        loss = loss.reshape(()) if reduction == "none" else loss
    return _reduce(loss, reduction)


# ---------------------------------------------------------------- embedding losses

def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                          reduction="mean"):
    """1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1."""
    if amp_state.active:
        return autocast_call("cosine_embedding_loss", cosine_embedding_loss,
                             input1, input2=input2, target=target, margin=margin, size_average=size_average, reduce=reduce, reduction=reduction)
    reduction = _reduction_of(size_average, reduce, reduction)
    if target.ndim not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if target.ndim == 1 and not (input1.ndim == 2 and input2.ndim == 2):
        raise RuntimeError("1D target tensor expects 2D input tensors, but found inputs with "
                           f"sizes {_sizes(input1)} and {_sizes(input2)}.")
    if target.ndim == 0 and not (input1.ndim == 1 and input2.ndim == 1):
        raise RuntimeError("0D target tensor expects 1D input tensors, but found inputs with "
                           f"sizes {_sizes(input1)} and {_sizes(input2)}.")
    dim = target.ndim
    # NOTE: torch's form: EPSILON = 1e-12 inside each squared magnitude.
    dot = (input1 * input2).sum(dim)
    magnitudes = ((input1 * input1).sum(dim) + 1e-12) * ((input2 * input2).sum(dim) + 1e-12)
    cos = dot / magnitudes.sqrt()
    positive = (1 - cos).where(target == 1, 0.0)
    negative = (cos - margin).clamp_min(0).where(target == -1, 0.0)
    return _reduce(positive + negative, reduction)


def _sizes(t):
    return "[" + ", ".join(str(s) for s in t.shape) + "]"


def _check_triplet_dims(anchor, positive, negative):
    if not (anchor.ndim == positive.ndim == negative.ndim):
        raise RuntimeError("The anchor, positive, and negative tensors are expected to have the "
                           f"same number of dimensions, but got: anchor {anchor.ndim}D, "
                           f"positive {positive.ndim}D, and negative {negative.ndim}D inputs")


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    """max(0, margin + d(a, p) - d(a, n)), d the pairwise p-distance (with swap,
    d(a, n) is replaced by min(d(a, n), d(p, n)))."""
    if amp_state.active:
        return autocast_call("triplet_margin_loss", triplet_margin_loss,
                             anchor, positive=positive, negative=negative, margin=margin, p=p, eps=eps, swap=swap, size_average=size_average, reduce=reduce, reduction=reduction)
    from ._functional_distance import pairwise_distance
    reduction = _reduction_of(size_average, reduce, reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _check_triplet_dims(anchor, positive, negative)
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = d_neg.minimum(pairwise_distance(positive, negative, p, eps))
    return _reduce((margin + d_pos - d_neg).clamp_min(0), reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin=1.0, swap=False, reduction="mean"):
    """triplet_margin_loss with any distance_function(x1, x2) (pairwise_distance by default)."""
    from ._functional_distance import pairwise_distance
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _check_triplet_dims(anchor, positive, negative)
    distance = distance_function if distance_function is not None else pairwise_distance
    d_pos = distance(anchor, positive)
    d_neg = distance(anchor, negative)
    if swap:
        d_neg = d_neg.minimum(distance(positive, negative))
    return _reduce((margin + d_pos - d_neg).clamp_min(0), reduction)
