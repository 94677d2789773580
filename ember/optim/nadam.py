"""NAdam: Adam with Nesterov momentum (Dozat), with torch's momentum-decay schedule."""
from ..ops._util import xp_of
from .optimizer import (Optimizer, bump, check_adam_hyper, check_nonnegative, count_step,
                        each_param_with_grad, fill_group_defaults, new_step_counter,
                        param_and_grad, real_array, scalar)


class NAdam(Optimizer):
    r"""NAdam (torch.optim.NAdam). Per parameter p with gradient g, at step t (from 1):

        g <- -g                                        if maximize
        p <- p * (1 - lr * weight_decay)               if decoupled_weight_decay
        g <- g + weight_decay * p                      elif weight_decay != 0
        mu_t = beta1 * (1 - 0.5 * 0.96^(t * momentum_decay))
        P <- P * mu_t                                  (the product of all mu so far)
        m <- m + (1 - beta1) * (g - m)
        v <- beta2 * v + (1 - beta2) * g^2
        d  = sqrt(v / (1 - beta2^t)) + eps
        p <- p - lr * (1 - mu_t) / (1 - P) * g / d
               - lr * mu_{t+1} / (1 - P * mu_{t+1}) * m / d

    State: 'step', 'mu_product' (P, a 0-d tensor of the scalar dtype, like torch),
    'exp_avg' (m), 'exp_avg_sq' (v).
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False):
        check_adam_hyper(lr, betas, eps, weight_decay)
        check_nonnegative(momentum_decay=momentum_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        fill_group_defaults(self, maximize=False, foreach=None, capturable=False,
                            differentiable=False, decoupled_weight_decay=False)

    def step(self, closure=None):
        return each_param_with_grad(self, closure, self._update)

    def _update(self, p, group):
        lr, eps, weight_decay = scalar(group["lr"]), group["eps"], group["weight_decay"]
        beta1, beta2 = (scalar(b) for b in group["betas"])
        state = self.state[p]
        if not state:
            state["step"] = new_step_counter()
            state["mu_product"] = new_step_counter(1.0)
            state["exp_avg"] = p.detach().new_zeros(p.shape)
            state["exp_avg_sq"] = p.detach().new_zeros(p.shape)
        xp = xp_of(p)
        step = count_step(state)
        param, g = param_and_grad(p, group, weight_decay,
                                  decoupled=group["decoupled_weight_decay"], lr=lr)
        decay = group["momentum_decay"]
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * decay))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * decay))
        # NOTE: the product lives in a 0-d tensor of the scalar dtype (float32 by
        # default), so it is rounded like torch's at every step.
        state["mu_product"]._data *= mu
        mu_product = float(state["mu_product"]._data)
        m, v = real_array(state["exp_avg"]), real_array(state["exp_avg_sq"])
        m += (g - m) * (1 - beta1)
        v *= beta2
        v += (1 - beta2) * g * g
        denom = xp.sqrt(v / (1 - beta2 ** step))
        denom += eps
        param += g / denom * (-lr * (1.0 - mu) / (1.0 - mu_product))
        param += m / denom * (-lr * mu_next / (1.0 - mu_product * mu_next))
        bump(p, state["step"], state["mu_product"], state["exp_avg"], state["exp_avg_sq"])
