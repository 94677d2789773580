"""RAdam: Adam with the variance of the adaptive learning rate rectified (Liu et al.)."""
import math

from ..ops._util import xp_of
from .optimizer import (Optimizer, bump, check_adam_hyper, count_step, each_param_with_grad,
                        fill_group_defaults, init_state, param_and_grad, real_array, scalar)


class RAdam(Optimizer):
    r"""RAdam (torch.optim.RAdam). Per parameter p with gradient g, at step t (from 1):

        g <- -g                                      if maximize
        p <- p * (1 - lr * weight_decay)             if decoupled_weight_decay
        g <- g + weight_decay * p                    elif weight_decay != 0
        m <- m + (1 - beta1) * (g - m)
        v <- beta2 * v + (1 - beta2) * g^2
        rho_inf = 2 / (1 - beta2) - 1
        rho_t   = rho_inf - 2 t beta2^t / (1 - beta2^t)
        m_hat   = m / (1 - beta1^t)
        if rho_t > 5:
            r = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
            p <- p - lr * m_hat * r * sqrt(1 - beta2^t) / (sqrt(v) + eps)
        else:
            p <- p - lr * m_hat

    State: 'step', 'exp_avg' (m), 'exp_avg_sq' (v).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False,
                 capturable=False, differentiable=False):
        check_adam_hyper(lr, betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        fill_group_defaults(self, foreach=None, maximize=False, differentiable=False,
                            decoupled_weight_decay=False, capturable=False)

    def step(self, closure=None):
        return each_param_with_grad(self, closure, self._update)

    def _update(self, p, group):
        lr, eps, weight_decay = scalar(group["lr"]), group["eps"], group["weight_decay"]
        beta1, beta2 = (scalar(b) for b in group["betas"])
        state = init_state(self, p, "exp_avg", "exp_avg_sq")
        xp = xp_of(p)
        step = count_step(state)
        param, g = param_and_grad(p, group, weight_decay,
                                  decoupled=group["decoupled_weight_decay"], lr=lr)
        m, v = real_array(state["exp_avg"]), real_array(state["exp_avg_sq"])
        m += (g - m) * (1 - beta1)
        v *= beta2
        v += (1 - beta2) * g * g
        correction2 = 1 - beta2 ** step
        update = m * (lr / (1 - beta1 ** step))
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2 ** step) / correction2
        if rho_t > 5.0:
            rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf /
                             ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            denom = xp.sqrt(v)
            denom += eps
            update *= math.sqrt(correction2) * rect
            update /= denom
        param -= update
        bump(p, state["step"], state["exp_avg"], state["exp_avg_sq"])
