"""Adagrad: per-coordinate learning rates from the running sum of squared gradients."""
from ..ops._util import xp_of
from .optimizer import (Optimizer, bump, check_lr, check_nonnegative, count_step,
                        each_param_with_grad, fill_group_defaults, new_step_counter,
                        param_and_grad, real_array, scalar)
from .sgd import _check_modes


class Adagrad(Optimizer):
    r"""Adagrad (torch.optim.Adagrad). Per parameter p with gradient g, at step t (from 1):

        g <- -g                                  if maximize
        g <- g + weight_decay * p                if weight_decay != 0
        s <- s + g^2                             (s starts at initial_accumulator_value)
        p <- p - lr / (1 + (t - 1) * lr_decay) * g / (sqrt(s) + eps)

    State: 'step', 'sum' (s), created in the constructor for every parameter, as torch.
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0,
                 initial_accumulator_value=0, eps=1e-10, foreach=None, *, maximize=False,
                 differentiable=False, fused=None):
        check_lr(lr)
        check_nonnegative(lr_decay=lr_decay, weight_decay=weight_decay,
                          initial_accumulator_value=initial_accumulator_value)
        check_nonnegative(epsilon=eps)
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        _check_modes(foreach, differentiable, fused)
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                state["step"] = new_step_counter()
                init = initial_accumulator_value
                state["sum"] = p.detach().new_full(
                    p.shape, complex(init, init) if p.is_complex() else init)

    def __setstate__(self, state):
        super().__setstate__(state)
        fill_group_defaults(self, foreach=None, maximize=False, differentiable=False,
                            fused=None)

    def step(self, closure=None):
        return each_param_with_grad(self, closure, self._update)

    def _update(self, p, group):
        lr, eps, weight_decay = scalar(group["lr"]), group["eps"], group["weight_decay"]
        state = self.state[p]
        step = count_step(state)
        param, g = param_and_grad(p, group, weight_decay)
        total = real_array(state["sum"])
        total += g * g
        std = xp_of(p).sqrt(total)
        std += eps
        update = g / std
        update *= lr / (1 + (step - 1) * group["lr_decay"])
        param -= update
        bump(p, state["step"], state["sum"])
