"""Loss functions (re-exported by ember.nn.functional), with torch's reductions,
legacy ``size_average``/``reduce`` arguments and error messages.
"""
import warnings

from .. import _dtype as dtypes
from ..ops.creation import arange
from ..ops._util import broadcast_shapes, type_name, xp_of
from . import _ops


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
    reduction = _reduction_of(size_average, reduce, reduction)
    return _pointwise_loss(lambda d: d * d, input, target, reduction, weight)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    reduction = _reduction_of(size_average, reduce, reduction)
    return _pointwise_loss(lambda d: d.abs(), input, target, reduction, weight)


def _huber(diff, delta):
    # 0.5 d^2 inside |d| < delta, delta (|d| - 0.5 delta) outside.
    absolute = diff.abs()
    return (diff * diff * 0.5).where(absolute < delta, (absolute - 0.5 * delta) * delta)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    reduction = _reduction_of(size_average, reduce, reduction)
    if beta == 0:
        return l1_loss(input, target, reduction=reduction)
    return _pointwise_loss(lambda d: _huber(d, beta) / beta, input, target, reduction, None)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    reduction = _reduction_of(None, None, reduction)
    return _pointwise_loss(lambda d: _huber(d, delta), input, target, reduction, weight)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
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


def _target_weights(target, weight, valid, dtype):
    """Each target's class weight, 0 where the target is ignored."""
    if weight is None:
        return valid.to(dtype)
    return weight[target.where(valid, 0)].where(valid, 0.0)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    reduction = _reduction_of(size_average, reduce, reduction)
    _check_nll_shapes(input, target, weight)
    dim = _class_dim(input)
    target = target.long()
    _check_targets(target, input.shape[dim], ignore_index)
    valid = target != ignore_index
    weights = _target_weights(target, weight, valid, input.dtype)
    loss = -_pick(input, target, dim) * weights
    if reduction == "mean":
        return loss.sum() / weights.sum()
    return _reduce(loss, reduction)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100,
                  reduce=None, reduction="mean", label_smoothing=0.0):
    reduction = _reduction_of(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: "
                           f"{label_smoothing}")
    dim = _class_dim(input)
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
