"""Adam (with AMSGrad, L2 or decoupled weight decay)."""
import math

from .._tensor import Tensor
from ..ops._util import xp_of
from .optimizer import (Optimizer, bump, check_adam_hyper, count_step, each_param_with_grad,
                        fill_group_defaults, init_state, param_and_grad, real_array, scalar)
from .sgd import _check_modes


class Adam(Optimizer):
    r"""Adam (torch.optim.Adam). Per parameter p with gradient g, at step t (from 1):

        g <- -g                                     if maximize
        p <- p * (1 - lr * weight_decay)            if decoupled_weight_decay
        g <- g + weight_decay * p                   elif weight_decay != 0
        m <- m + (1 - beta1) * (g - m)
        v <- beta2 * v + (1 - beta2) * g^2
        v_max <- max(v_max, v)                      if amsgrad (then used in place of v)
        p <- p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

    State: 'step' (a 0-d tensor), 'exp_avg' (m), 'exp_avg_sq' (v), 'max_exp_avg_sq'.
    Complex parameters update their real and imaginary parts as separate reals.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        check_adam_hyper(lr, betas, eps, weight_decay)
        _check_betas_types(betas)
        _check_modes(foreach, differentiable, fused)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        fill_group_defaults(self, amsgrad=False, maximize=False, foreach=None,
                            capturable=False, differentiable=False,
                            decoupled_weight_decay=False, fused=None)

    def step(self, closure=None):
        return each_param_with_grad(self, closure, self._update)

    def _update(self, p, group):
        lr, eps = scalar(group["lr"]), group["eps"]
        beta1, beta2 = (scalar(b) for b in group["betas"])
        weight_decay = scalar(group["weight_decay"])
        buffers = ("exp_avg", "exp_avg_sq") + (("max_exp_avg_sq",) if group["amsgrad"] else ())
        state = init_state(self, p, *buffers)
        xp = xp_of(p)
        step = count_step(state)
        param, g = param_and_grad(p, group, weight_decay,
                                  decoupled=group["decoupled_weight_decay"], lr=lr)
        m, v = real_array(state["exp_avg"]), real_array(state["exp_avg_sq"])
        m += (g - m) * (1 - beta1)
        v *= beta2
        v += (1 - beta2) * g * g
        if group["amsgrad"]:
            v_max = real_array(state["max_exp_avg_sq"])
            xp.maximum(v_max, v, out=v_max)
            bump(state["max_exp_avg_sq"])
            v = v_max
        step_size = lr / (1 - beta1 ** step)
        denom = xp.sqrt(v)
        denom /= math.sqrt(1 - beta2 ** step)
        denom += eps
        denom = m / denom
        denom *= step_size
        param -= denom
        bump(p, state["step"], state["exp_avg"], state["exp_avg_sq"])


def _check_betas_types(betas):
    both_floats = isinstance(betas[0], float) and isinstance(betas[1], float)
    both_tensors = isinstance(betas[0], Tensor) and isinstance(betas[1], Tensor)
    if not (both_floats or both_tensors):
        raise ValueError("betas must be either both floats or both Tensors")
