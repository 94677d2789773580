"""Adadelta: step sizes from running averages of squared gradients and squared updates."""
from ..ops._util import xp_of
from .optimizer import (Optimizer, bump, check_lr, check_nonnegative, count_step,
                        each_param_with_grad, fill_group_defaults, init_state, param_and_grad,
                        real_array, scalar)


class Adadelta(Optimizer):
    r"""Adadelta (torch.optim.Adadelta). Per parameter p with gradient g:

        g <- -g                                       if maximize
        g <- g + weight_decay * p                     if weight_decay != 0
        v <- rho * v + (1 - rho) * g^2
        d  = sqrt(u + eps) / sqrt(v + eps) * g
        u <- rho * u + (1 - rho) * d^2
        p <- p - lr * d

    State: 'step', 'square_avg' (v), 'acc_delta' (u).
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        check_nonnegative(epsilon=eps)
        check_nonnegative(weight_decay=weight_decay)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        fill_group_defaults(self, foreach=None, maximize=False, differentiable=False,
                            capturable=False)

    def step(self, closure=None):
        return each_param_with_grad(self, closure, self._update)

    def _update(self, p, group):
        lr, rho, eps = scalar(group["lr"]), group["rho"], group["eps"]
        weight_decay = group["weight_decay"]
        state = init_state(self, p, "square_avg", "acc_delta")
        xp = xp_of(p)
        count_step(state)
        param, g = param_and_grad(p, group, weight_decay)
        v, u = real_array(state["square_avg"]), real_array(state["acc_delta"])
        v *= rho
        v += (1 - rho) * g * g
        delta = xp.sqrt(u + eps)
        delta /= xp.sqrt(v + eps)
        delta *= g
        u *= rho
        u += (1 - rho) * delta * delta
        delta *= lr
        param -= delta
        bump(p, state["step"], state["square_avg"], state["acc_delta"])
