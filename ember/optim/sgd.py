"""Stochastic gradient descent, with momentum, dampening, Nesterov and weight decay."""
from .._tensor import Tensor
from ..ops._util import xp_of
from .optimizer import Optimizer, bump, each_param_with_grad, fill_group_defaults, scalar


class SGD(Optimizer):
    r"""SGD (torch.optim.SGD). Per parameter p with gradient g, at step t:

        g <- -g                                  if maximize
        g <- g + weight_decay * p                if weight_decay != 0
        if momentum != 0:
            b <- g                               at the first step
            b <- momentum * b + (1 - dampening) * g   afterwards
            g <- g + momentum * b                if nesterov, else g <- b
        p <- p - lr * g

    The momentum buffer b is ``state[p]['momentum_buffer']``.
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                 nesterov=False, *, maximize=False, foreach=None, differentiable=False,
                 fused=None):
        if scalar(lr) < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        _check_modes(foreach, differentiable, fused)
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize,
                        foreach=foreach, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        fill_group_defaults(self, nesterov=False, maximize=False, foreach=None,
                            differentiable=False, fused=False)

    def step(self, closure=None):
        return each_param_with_grad(self, closure, self._update)

    def _update(self, p, group):
        lr, momentum = scalar(group["lr"]), group["momentum"]
        weight_decay = scalar(group["weight_decay"])
        xp = xp_of(p)
        g = p.grad._data
        if group["maximize"]:
            g = -g
        if weight_decay != 0:
            g = g + weight_decay * p._data
        if momentum != 0:
            state = self.state[p]
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = Tensor._make(xp.array(g, copy=True),
                                                              p.device)
            else:
                buf._data *= momentum
                dampening = group["dampening"]
                # (1 - 0) * g would be a needless full-size temporary
                buf._data += g if dampening == 0 else (1 - dampening) * g
                bump(buf)
            g = g + momentum * buf._data if group["nesterov"] else buf._data
        p._data -= lr * g
        bump(p)


def _check_modes(foreach, differentiable, fused):
    # NOTE: ember has one implementation: foreach and fused are accepted and mean nothing.
    if fused and differentiable:
        raise RuntimeError("`fused` does not support `differentiable`")
    if fused and foreach:
        raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
    if differentiable:
        raise NotImplementedError("ember's optimizers do not support differentiable=True yet")
