"""Adam (with AMSGrad, L2 or decoupled weight decay)."""
import math

from .._tensor import Tensor
from ..ops._util import xp_of
from .optimizer import Optimizer, bump, new_step_counter, real_array, scalar
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
        _check_hyper(lr, betas, eps, weight_decay)
        _check_modes(foreach, differentiable, fused)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            for key, default in (("amsgrad", False), ("maximize", False), ("foreach", None),
                                 ("capturable", False), ("differentiable", False),
                                 ("decoupled_weight_decay", False), ("fused", None)):
                group.setdefault(key, default)

    def step(self, closure=None):
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            for p in self._params_with_grad(group):
                self._update(p, group)
        return loss

    def _init_state(self, p, amsgrad):
        state = self.state[p]
        if not state:
            state["step"] = new_step_counter()
            state["exp_avg"] = p.detach().new_zeros(p.shape)
            state["exp_avg_sq"] = p.detach().new_zeros(p.shape)
            if amsgrad:
                state["max_exp_avg_sq"] = p.detach().new_zeros(p.shape)
        return state

    def _update(self, p, group):
        lr, eps = scalar(group["lr"]), group["eps"]
        beta1, beta2 = (scalar(b) for b in group["betas"])
        weight_decay = scalar(group["weight_decay"])
        state = self._init_state(p, group["amsgrad"])
        xp = xp_of(p)
        step_t = state["step"]
        step_t._data += 1
        bump(step_t)
        step = float(step_t._data)

        param = real_array(p)
        g = real_array(p.grad)
        if group["maximize"]:
            g = -g
        if weight_decay != 0:
            if group["decoupled_weight_decay"]:
                param *= 1 - lr * weight_decay
            else:
                g = g + weight_decay * param
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
        bump(p, state["exp_avg"], state["exp_avg_sq"])


def _check_hyper(lr, betas, eps, weight_decay):
    if not 0.0 <= scalar(lr):
        raise ValueError(f"Invalid learning rate: {lr}")
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if not 0.0 <= scalar(betas[0]) < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= scalar(betas[1]) < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")
    both_floats = isinstance(betas[0], float) and isinstance(betas[1], float)
    both_tensors = isinstance(betas[0], Tensor) and isinstance(betas[1], Tensor)
    if not (both_floats or both_tensors):
        raise ValueError("betas must be either both floats or both Tensors")
