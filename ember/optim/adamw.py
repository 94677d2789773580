"""AdamW: Adam with decoupled weight decay (Loshchilov & Hutter)."""
from .adam import Adam


class AdamW(Adam):
    r"""AdamW (torch.optim.AdamW): Adam whose weight decay shrinks the parameter directly,

        p <- p * (1 - lr * weight_decay)

    before the Adam update, instead of adding weight_decay * p to the gradient. The rest
    of the update (moments, bias correction, amsgrad, maximize) is Adam's.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
