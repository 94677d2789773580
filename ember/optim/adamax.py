"""Adamax: Adam with the infinity norm in place of the second moment."""
from ..ops._util import xp_of
from .optimizer import (Optimizer, bump, check_adam_hyper, count_step, each_param_with_grad,
                        fill_group_defaults, init_state, param_and_grad, real_array, scalar)


class Adamax(Optimizer):
    r"""Adamax (torch.optim.Adamax). Per parameter p with gradient g, at step t (from 1):

        g <- -g                                   if maximize
        g <- g + weight_decay * p                 if weight_decay != 0
        m <- m + (1 - beta1) * (g - m)
        u <- max(beta2 * u, |g| + eps)
        p <- p - lr / (1 - beta1^t) * m / u

    State: 'step', 'exp_avg' (m), 'exp_inf' (u).
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False):
        check_adam_hyper(lr, betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        fill_group_defaults(self, foreach=None, maximize=False, differentiable=False,
                            capturable=False)

    def step(self, closure=None):
        return each_param_with_grad(self, closure, self._update)

    def _update(self, p, group):
        lr, eps, weight_decay = scalar(group["lr"]), group["eps"], group["weight_decay"]
        beta1, beta2 = (scalar(b) for b in group["betas"])
        state = init_state(self, p, "exp_avg", "exp_inf")
        xp = xp_of(p)
        step = count_step(state)
        param, g = param_and_grad(p, group, weight_decay)
        m, u = real_array(state["exp_avg"]), real_array(state["exp_inf"])
        m += (g - m) * (1 - beta1)
        u *= beta2
        xp.maximum(u, xp.abs(g) + eps, out=u)
        update = m / u
        update *= lr / (1 - beta1 ** step)
        param -= update
        bump(p, state["step"], state["exp_avg"], state["exp_inf"])
