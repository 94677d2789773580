"""ASGD: averaged stochastic gradient descent (Polyak & Juditsky)."""
from .optimizer import (Optimizer, bump, check_lr, check_nonnegative, count_step,
                        each_param_with_grad, fill_group_defaults, new_step_counter,
                        param_and_grad, real_array, scalar)


class ASGD(Optimizer):
    r"""ASGD (torch.optim.ASGD). Per parameter p with gradient g, at step t (from 1):

        g <- -g                                    if maximize
        g <- g + weight_decay * p                  if weight_decay != 0
        p <- p * (1 - lambd * eta) - eta * g
        ax <- ax + mu * (p - ax)                   (ax <- p while mu == 1)
        eta <- lr / (1 + lambd * lr * t)^alpha
        mu  <- 1 / max(1, t - t0)

    State: 'step', 'eta', 'mu' (0-d tensors of the scalar dtype on p's device, read
    back as floats, so their rounding is torch's), 'ax' (the average).
    """

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0,
                 foreach=None, maximize=False, differentiable=False, capturable=False):
        check_lr(lr)
        check_nonnegative(weight_decay=weight_decay)
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
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
        lr, lambd = scalar(group["lr"]), group["lambd"]
        weight_decay = group["weight_decay"]
        state = self.state[p]
        if not state:
            state["step"] = new_step_counter(device=p.device)
            state["eta"] = new_step_counter(lr, device=p.device)
            state["mu"] = new_step_counter(1.0, device=p.device)
            state["ax"] = p.detach().new_zeros(p.shape)
        step = count_step(state)
        param, g = param_and_grad(p, group, weight_decay)
        eta = float(state["eta"]._data)
        param *= 1 - lambd * eta
        param -= eta * g
        ax = real_array(state["ax"])
        if float(state["mu"]._data) != 1:
            ax += (param - ax) * state["mu"]._data
        else:
            ax[...] = param
        state["eta"]._data[...] = lr / ((1 + lambd * lr * step) ** group["alpha"])
        state["mu"]._data[...] = 1 / max(1, step - group["t0"])
        bump(p, *state.values())
