"""Adamax: Adam with the infinity norm in place of the second moment."""
from ..ops._util import xp_of
from .optimizer import (Optimizer, bump, check_betas, check_lr, check_nonnegative,
                        each_param_with_grad, fill_group_defaults, new_step_counter,
                        real_array, scalar)


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
        check_lr(lr)
        check_nonnegative(epsilon=eps)
        check_betas(betas)
        check_nonnegative(weight_decay=weight_decay)
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
        state = self.state[p]
        if not state:
            state["step"] = new_step_counter()
            state["exp_avg"] = p.detach().new_zeros(p.shape)
            state["exp_inf"] = p.detach().new_zeros(p.shape)
        xp = xp_of(p)
        state["step"]._data += 1
        step = float(state["step"]._data)
        param, g = real_array(p), real_array(p.grad)
        if group["maximize"]:
            g = -g
        if weight_decay != 0:
            g = g + weight_decay * param
        m, u = real_array(state["exp_avg"]), real_array(state["exp_inf"])
        m += (g - m) * (1 - beta1)
        u *= beta2
        xp.maximum(u, xp.abs(g) + eps, out=u)
        update = m / u
        update *= lr / (1 - beta1 ** step)
        param -= update
        bump(p, state["step"], state["exp_avg"], state["exp_inf"])
