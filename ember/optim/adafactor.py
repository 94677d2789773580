"""Adafactor: Adam-like steps with a factored (row x column) second moment."""
import math

from .._tensor import Tensor
from ..ops._util import xp_of
from .optimizer import (Optimizer, bump, count_step, each_param_with_grad, fill_group_defaults,
                        new_step_counter, scalar)


class Adafactor(Optimizer):
    r"""Adafactor (torch.optim.Adafactor). Per parameter p with gradient g, at step t:

        g <- -g                                           if maximize
        b = t^beta2_decay                                 (1 - beta2_t)
        alpha = max(eps2, RMS(p)) * min(lr, 1 / sqrt(t))
        p <- p * (1 - lr * weight_decay)
        matrices (the last two dims factored):
            R <- R + b * (mean of g^2 over the last dim - R)
            C <- C + b * (mean of g^2 over the dim before - C)
            V  = R C / max(mean of R over its rows, eps1)
        vectors:
            V <- V + b * (g^2 - V)
        u = g / max(sqrt(V), eps1);   p <- p - alpha * u / max(1, RMS(u) / d)

    eps1 defaults to the machine epsilon of the parameters' dtype. State: 'step', and
    'row_var' (R), 'col_var' (C) for matrices or 'variance' (V) for vectors.
    """

    def __init__(self, params, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0,
                 weight_decay=0.0, *, foreach=None, maximize=False):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= scalar(lr):
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 >= beta2_decay:
            raise ValueError(f"beta2_decay should be <= 0 but is: {beta2_decay}")
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
        if not 0.0 <= eps[1]:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
        if not 1.0 <= d:
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {d}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight_decay should be >= 0 but is: {weight_decay}")
        defaults = dict(lr=lr, beta2_decay=beta2_decay, eps=eps, d=d,
                        weight_decay=weight_decay, foreach=foreach, maximize=maximize)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        fill_group_defaults(self, foreach=None)

    def step(self, closure=None):
        self._eps1 = {}
        return each_param_with_grad(self, closure, self._update)

    def _update(self, p, group):
        if p.is_complex():
            raise RuntimeError("Adafactor does not support complex parameters")
        lr, xp = scalar(group["lr"]), xp_of(p)
        # NOTE: torch fixes eps1 from the first parameter of the group it updates.
        eps1 = self._eps1.setdefault(id(group), group["eps"][0] if group["eps"][0] is not None
                                     else float(xp.finfo(p._data.dtype).eps))
        state = self._init_state(p)
        step = count_step(state)
        weight = step ** group["beta2_decay"]
        param, g = p._data, p.grad._data
        if group["maximize"]:
            g = -g
        rms = float(xp.linalg.norm(param.ravel())) / math.sqrt(param.size)
        alpha = max(group["eps"][1], rms) * min(lr, 1 / step ** 0.5)
        if group["weight_decay"] != 0:
            param *= 1 - lr * group["weight_decay"]
        if g.ndim > 1:
            row, col = state["row_var"]._data, state["col_var"]._data
            _lerp(row, (g * g).mean(axis=-1, keepdims=True), weight)
            _lerp(col, (g * g).mean(axis=-2, keepdims=True), weight)
            variance = row @ col
            variance /= xp.maximum(row.mean(axis=-2, keepdims=True), eps1)
        else:
            variance = state["variance"]._data
            _lerp(variance, g * g, weight)
            variance = variance.copy()
        update = 1 / xp.sqrt(xp.maximum(variance, eps1 * eps1))
        update *= g
        denom = max(1.0, float(xp.linalg.norm(update.ravel())) /
                    (update.size ** 0.5 * group["d"]))
        param -= update * (alpha / denom)
        bump(p, *state.values())

    def _init_state(self, p):
        state = self.state[p]
        if not state:
            state["step"] = new_step_counter()
            if p.grad.ndim > 1:
                state["row_var"] = p.grad.new_zeros(p.grad.shape[:-1] + (1,))
                state["col_var"] = p.grad.new_zeros(p.grad.shape[:-2] + (1,) +
                                                    p.grad.shape[-1:])
            else:
                state["variance"] = p.grad.new_zeros(p.grad.shape)
        return state


def _lerp(start, end, weight):
    """start <- start + weight * (end - start), in place, in torch's two-branch form."""
    if weight < 0.5:
        start += weight * (end - start)
    else:
        start[...] = end - (end - start) * (1 - weight)
