"""RMSprop (Hinton), with optional centering and momentum."""
from ..ops._util import xp_of
from .optimizer import (Optimizer, bump, check_lr, check_nonnegative, count_step,
                        each_param_with_grad, fill_group_defaults, new_step_counter,
                        param_and_grad, real_array, scalar)


class RMSprop(Optimizer):
    r"""RMSprop (torch.optim.RMSprop). Per parameter p with gradient g:

        g <- -g                                     if maximize
        g <- g + weight_decay * p                   if weight_decay != 0
        v <- alpha * v + (1 - alpha) * g^2
        if centered:
            a <- a + (1 - alpha) * (g - a)
            d  = sqrt(v - a^2) + eps
        else:
            d  = sqrt(v) + eps
        if momentum > 0:
            b <- momentum * b + g / d
            p <- p - lr * b
        else:
            p <- p - lr * g / d

    State: 'step', 'square_avg' (v), 'momentum_buffer' (b), 'grad_avg' (a).
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        check_lr(lr)
        check_nonnegative(epsilon=eps)
        check_nonnegative(momentum=momentum, weight_decay=weight_decay, alpha=alpha)
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                        maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        fill_group_defaults(self, momentum=0, centered=False, foreach=None, maximize=False,
                            differentiable=False, capturable=False)

    def step(self, closure=None):
        return each_param_with_grad(self, closure, self._update)

    def _init_state(self, p, group):
        state = self.state[p]
        if not state:
            state["step"] = new_step_counter()
            state["square_avg"] = p.detach().new_zeros(p.shape)
            if group["momentum"] > 0:
                state["momentum_buffer"] = p.detach().new_zeros(p.shape)
            if group["centered"]:
                state["grad_avg"] = p.detach().new_zeros(p.shape)
        return state

    def _update(self, p, group):
        lr, alpha, eps = scalar(group["lr"]), group["alpha"], group["eps"]
        weight_decay, momentum = group["weight_decay"], group["momentum"]
        state = self._init_state(p, group)
        xp = xp_of(p)
        count_step(state)
        param, g = param_and_grad(p, group, weight_decay)
        v = real_array(state["square_avg"])
        v *= alpha
        v += (1 - alpha) * g * g
        if group["centered"]:
            a = real_array(state["grad_avg"])
            a += (g - a) * (1 - alpha)
            denom = xp.sqrt(v - a * a)
        else:
            denom = xp.sqrt(v)
        denom += eps
        if momentum > 0:
            buf = real_array(state["momentum_buffer"])
            buf *= momentum
            buf += g / denom
            param -= lr * buf
        else:
            param -= lr * (g / denom)
        bump(p, *state.values())
