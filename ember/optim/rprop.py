"""Rprop: resilient backpropagation, sign-based steps with adaptive sizes."""
from ..ops._util import xp_of
from .optimizer import (Optimizer, bump, check_lr, count_step, each_param_with_grad,
                        fill_group_defaults, new_step_counter, real_array, scalar)


class Rprop(Optimizer):
    r"""Rprop (torch.optim.Rprop). Per parameter p with gradient g and previous
    (masked) gradient g', elementwise:

        g <- -g                                      if maximize
        s <- clamp(s * eta_plus,  *step_sizes)       where g * g' > 0
        s <- clamp(s * eta_minus, *step_sizes)       where g * g' < 0 (and g <- 0 there)
        p <- p - sign(g) * s
        g' <- g

    State: 'step', 'prev' (g'), 'step_size' (s, starting at lr).
    """

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach,
                        maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        fill_group_defaults(self, foreach=None, maximize=False, differentiable=False,
                            capturable=False)

    def step(self, closure=None):
        return each_param_with_grad(self, closure, self._update)

    def _update(self, p, group):
        eta_minus, eta_plus = group["etas"]
        size_min, size_max = group["step_sizes"]
        state = self.state[p]
        if not state:
            lr = scalar(group["lr"])
            state["step"] = new_step_counter()
            state["prev"] = p.detach().new_zeros(p.shape)
            state["step_size"] = p.detach().new_full(
                p.shape, complex(lr, lr) if p.is_complex() else lr)
        xp = xp_of(p)
        count_step(state)
        param, g = real_array(p), real_array(p.grad)
        prev, size = real_array(state["prev"]), real_array(state["step_size"])
        g = -g if group["maximize"] else g.copy()
        agreement = g * prev
        factor = xp.where(agreement > 0, eta_plus, xp.where(agreement < 0, eta_minus, 1.0))
        size *= factor.astype(size.dtype, copy=False)
        xp.clip(size, size_min, size_max, out=size)
        # NOTE: after a sign change the gradient is forgotten: no step now, and the next
        # step is not shrunk again (torch masks where the factor equals eta_minus).
        g[factor == eta_minus] = 0
        param -= xp.sign(g) * size
        prev[...] = g
        bump(p, state["step"], state["prev"], state["step_size"])
