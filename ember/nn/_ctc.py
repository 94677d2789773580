"""Connectionist temporal classification loss (Graves et al. 2006), in log space.

The forward variable alpha and the backward variable beta run over the extended label
sequence l' = (blank, l1, blank, l2, ..., blank) of each sample, vectorised over the
batch (one time step per iteration). Exported as ember.nn.functional.ctc_loss.
"""
import contextlib

from .._tensor import Tensor
from ..autograd.graph import Primitive
from ..autograd.grad_mode import state as grad_state
from ..ops.creation import tensor
from ..ops._util import xp_of
from ..amp.autocast_mode import autocast_call, state as amp_state

_NEG_INF = float("-inf")


def _logsumexp(xp, *arrays):
    """Elementwise log(sum(exp(a))) of same-shaped arrays, -inf where all are -inf."""
    top = arrays[0]
    for a in arrays[1:]:
        top = xp.maximum(top, a)
    safe = xp.where(xp.isneginf(top), 0.0, top)
    total = sum(xp.exp(a - safe) for a in arrays)
    with _quiet(xp):
        return xp.log(total) + safe


def _quiet(xp):
    """Silence NumPy's log(0) warnings: -inf is the intended log of an impossible path."""
    errstate = getattr(xp, "errstate", None)
    return errstate(divide="ignore", invalid="ignore") if errstate else contextlib.nullcontext()


def _shift(xp, a, k):
    """a shifted right by k along the last axis, -inf filled (a[..., s - k])."""
    out = xp.full_like(a, _NEG_INF)
    out[..., k:] = a[..., :a.shape[-1] - k]
    return out


class _Lattice:
    """The extended labels of every sample and the masks the recursions need."""

    def __init__(self, xp, targets, input_lengths, target_lengths, blank):
        n = len(target_lengths)
        self.width = 2 * int(max(target_lengths, default=0)) + 1
        labels = xp.full((n, self.width), blank, dtype=xp.int64)
        for b in range(n):
            labels[b, 1:2 * target_lengths[b]:2] = targets[b][:target_lengths[b]]
        self.labels = labels
        positions = xp.arange(self.width)
        self.valid = positions[None, :] < (2 * xp.asarray(target_lengths) + 1)[:, None]
        # l'(s) may be reached from s - 2 when it is a label differing from l'(s - 2).
        skip = xp.zeros((n, self.width), dtype=bool)
        skip[:, 2:] = (labels[:, 2:] != blank) & (labels[:, 2:] != labels[:, :-2])
        self.skip = skip
        self.input_lengths = xp.asarray(input_lengths)
        self.target_lengths = xp.asarray(target_lengths)


def _emissions(xp, log_probs, lattice):
    """log p(l'(s) at time t): shape (T, N, S')."""
    index = xp.broadcast_to(lattice.labels[None], (log_probs.shape[0],) + lattice.labels.shape)
    return xp.take_along_axis(log_probs, index, axis=2)


def _alpha(xp, emit, lattice):
    steps, n, width = emit.shape
    alpha = xp.full((steps, n, width), _NEG_INF, dtype=emit.dtype)
    first = xp.full((n, width), _NEG_INF, dtype=emit.dtype)
    first[:, 0] = emit[0, :, 0]
    if width > 1:
        first[:, 1] = xp.where(lattice.target_lengths > 0, emit[0, :, 1], _NEG_INF)
    alpha[0] = first
    for t in range(1, steps):
        prev = alpha[t - 1]
        from_skip = xp.where(lattice.skip, _shift(xp, prev, 2), _NEG_INF)
        alpha[t] = xp.where(lattice.valid,
                            _logsumexp(xp, prev, _shift(xp, prev, 1), from_skip) + emit[t],
                            _NEG_INF)
    return alpha


def _nll(xp, alpha, lattice):
    n = alpha.shape[1]
    rows = xp.arange(n)
    last_t = xp.maximum(lattice.input_lengths - 1, 0)
    end = 2 * lattice.target_lengths
    final = alpha[last_t, rows]
    at_end = final[rows, end]
    before_end = xp.where(end > 0, final[rows, xp.maximum(end - 1, 0)], _NEG_INF)
    return -_logsumexp(xp, at_end, before_end)


def _beta(xp, emit, lattice):
    steps, n, width = emit.shape
    beta = xp.full((steps, n, width), _NEG_INF, dtype=emit.dtype)
    end = 2 * lattice.target_lengths
    positions = xp.arange(width)[None, :]
    start = xp.where((positions == end[:, None]) | (positions == end[:, None] - 1), 0.0,
                     _NEG_INF)
    # skip[s + 2] says whether s + 2 may be reached from s.
    skip_from = xp.zeros_like(lattice.skip)
    skip_from[:, :-2] = lattice.skip[:, 2:]
    nxt = xp.full((n, width), _NEG_INF, dtype=emit.dtype)
    for t in range(steps - 1, -1, -1):
        later = _logsumexp(xp, nxt, _unshift(xp, nxt, 1),
                           xp.where(skip_from, _unshift(xp, nxt, 2), _NEG_INF))
        last = (lattice.input_lengths - 1 == t)[:, None]
        inside = (lattice.input_lengths - 1 > t)[:, None]
        rest = xp.where(last, start, xp.where(inside, later, _NEG_INF))
        beta[t] = xp.where(lattice.valid, rest + emit[t], _NEG_INF)
        nxt = beta[t]
    return beta


def _unshift(xp, a, k):
    """a[..., s + k], -inf filled."""
    out = xp.full_like(a, _NEG_INF)
    out[..., :a.shape[-1] - k] = a[..., k:]
    return out


def _occupancy(xp, alpha, beta, lattice, classes):
    """log sum over s with l'(s) = c of alpha * beta: shape (T, N, C)."""
    both = alpha + beta
    top = both.max(axis=2, keepdims=True)
    top = xp.where(xp.isneginf(top), 0.0, top)
    weights = xp.exp(both - top)
    onehot = (lattice.labels[:, :, None] == xp.arange(classes)[None, None, :])
    summed = xp.einsum("tns,nsc->tnc", weights, onehot.astype(weights.dtype))
    with _quiet(xp):
        return xp.log(summed) + top


class CtcLoss(Primitive):
    """Per-sample negative log likelihood of the targets (shape (N,))."""
    # NOTE: a primitive: the loss is a dynamic program over time; its gradient comes from
    # the forward-backward recursions, as torch's, in the form torch uses:
    # exp(log_probs) - occupancy / likelihood (the gradient of the logits when
    # log_probs is a log_softmax output).

    @staticmethod
    def forward(ctx, log_probs, lattice, zero_infinity):
        xp = xp_of(log_probs)
        lp = log_probs._data
        emit = _emissions(xp, lp, lattice)
        alpha = _alpha(xp, emit, lattice)
        nll = _nll(xp, alpha, lattice)
        ctx.lattice, ctx.zero_infinity = lattice, zero_infinity
        ctx.alpha, ctx.emit, ctx.nll = alpha, emit, nll
        ctx.save_for_backward(log_probs)
        if zero_infinity:
            nll = xp.where(xp.isinf(nll), 0.0, nll)
        return nll.astype(lp.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (log_probs,) = ctx.saved_tensors
        xp = xp_of(log_probs)
        lp = log_probs._data
        lattice = ctx.lattice
        beta = _beta(xp, ctx.emit, lattice)
        occupancy = _occupancy(xp, ctx.alpha, beta, lattice, lp.shape[2])
        nll = ctx.nll[None, :, None]
        with _quiet(xp):
            result = xp.exp(lp) - xp.exp(occupancy + nll - lp)
        steps = xp.arange(lp.shape[0])[:, None, None]
        result = xp.where(steps < lattice.input_lengths[None, :, None], result, 0.0)
        if ctx.zero_infinity:
            result = xp.where(xp.isinf(nll), 0.0, result)
        result = result * grad._data[None, :, None]
        out = Tensor._make(result.astype(lp.dtype, copy=False), grad.device)
        if grad_state.enabled and (grad.requires_grad or log_probs.requires_grad):
            out = _NoDoubleBackward.apply(out, grad, log_probs)
        return out, None, None


class _NoDoubleBackward(Primitive):
    """Passes the CTC gradient through; differentiating it raises torch's error."""

    @staticmethod
    def forward(ctx, value, *anchors):
        return value._data

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("derivative for aten::_ctc_loss_backward is not implemented")


def _as_lengths(lengths):
    if hasattr(lengths, "tolist"):
        values = lengths.tolist()
        return [values] if isinstance(values, int) else [int(v) for v in values]
    return [int(v) for v in lengths]


def _check_lengths(input_lengths, target_lengths, targets, steps, batch, batched_targets):
    if len(input_lengths) != batch:
        raise RuntimeError("input_lengths must be of size batch_size")
    if len(target_lengths) != batch:
        raise RuntimeError("target_lengths must be of size batch_size")
    where = " (while checking arguments for ctc_loss_allocate_outputs)"
    for name, values in (("input_lengths", input_lengths), ("target_lengths", target_lengths)):
        for v in values:
            if v < 0:
                raise RuntimeError(f"Expected {name} to have value at least 0, but got value "
                                   f"{v}{where}")
    for v in input_lengths:
        if v > steps:
            raise RuntimeError(f"Expected input_lengths to have value at most {steps}, but got "
                               f"value {v}{where}")
    longest = max(target_lengths, default=0)
    if batched_targets and targets.shape[1] < longest:
        raise RuntimeError(f"Expected tensor to have size at least {longest} at dimension 1, but "
                           f"got size {targets.shape[1]} for argument #2 'targets'{where}")
    if not batched_targets and targets.shape[0] < sum(target_lengths):
        raise RuntimeError(f"Expected tensor to have size at least {sum(target_lengths)} at "
                           f"dimension 0, but got size {targets.shape[0]} for argument #2 "
                           f"'targets'{where}")


def _split_targets(targets, target_lengths, batched):
    """Each sample's target labels as a host list of ints."""
    values = targets.detach().long().tolist()
    if batched:
        return values
    out, start = [], 0
    for length in target_lengths:
        out.append(values[start:start + length])
        start += length
    return out


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    if amp_state.active:
        return autocast_call("ctc_loss", ctc_loss,
                             log_probs, targets=targets, input_lengths=input_lengths, target_lengths=target_lengths, blank=blank, reduction=reduction, zero_infinity=zero_infinity)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    unbatched = log_probs.ndim == 2
    if unbatched:
        log_probs = log_probs.unsqueeze(1)
        targets = targets.unsqueeze(0)
    steps, batch, classes = log_probs.shape
    inputs = _as_lengths(input_lengths)
    lengths = _as_lengths(target_lengths)
    if not 0 <= blank < classes:
        raise RuntimeError("blank must be in label range")
    batched_targets = targets.ndim == 2
    _check_lengths(inputs, lengths, targets, steps, batch, batched_targets)
    xp = xp_of(log_probs)
    host = _split_targets(targets, lengths, batched_targets)
    lattice = _Lattice(xp, [xp.asarray(t, dtype=xp.int64) for t in host], inputs, lengths,
                       blank)
    loss = CtcLoss.apply(log_probs, lattice, zero_infinity)
    if reduction == "mean":
        divisor = tensor(lengths, dtype=loss.dtype, device=loss.device).clamp_min(1)
        return (loss / divisor).mean()
    if reduction == "sum":
        return loss.sum()
    return loss.squeeze(0) if unbatched else loss

