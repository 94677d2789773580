"""Stochastic weight averaging and EMA of models (torch.optim.swa_utils).

AveragedModel keeps a deep copy of a model whose parameters (and, with use_buffers,
buffers) are a running average of the model's; SWALR anneals each group's lr to a
fixed SWA lr; update_bn recomputes BatchNorm statistics for the averaged weights.
"""
import itertools
import math
import warnings
from copy import deepcopy

from .. import _dtype as dtypes
from ..autograd.grad_mode import no_grad
from ..nn.modules.module import Module
from ..ops.creation import tensor
from .lr_scheduler import LRScheduler, _format_param

__all__ = ["AveragedModel", "update_bn", "SWALR", "get_ema_multi_avg_fn",
           "get_swa_multi_avg_fn", "get_ema_avg_fn", "get_swa_avg_fn"]


def _is_float(t):
    return t.is_floating_point() or t.is_complex()


def _check_decay(decay):
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in "
                         "[0,1] range.")


def get_ema_multi_avg_fn(decay=0.999):
    """In place, for lists of tensors: ema <- decay * ema + (1 - decay) * current."""
    _check_decay(decay)

    @no_grad()
    def ema_update(ema_params, current_params, _):
        for ema, current in zip(ema_params, current_params):
            if _is_float(ema_params[0]):
                ema.lerp_(current, 1 - decay)
            else:
                ema.copy_(ema * decay + current * (1 - decay))
    return ema_update


def get_swa_multi_avg_fn():
    """In place, for lists of tensors: avg <- avg + (current - avg) / (n + 1)."""
    @no_grad()
    def swa_update(averaged_params, current_params, num_averaged):
        # NOTE: like torch, 1 / (n + 1) is computed in the default float dtype when n is
        # a tensor (its rounding shows in float64 averages).
        weight = 1 / (num_averaged + 1)
        for avg, current in zip(averaged_params, current_params):
            if _is_float(averaged_params[0]):
                avg.lerp_(current, float(weight))
            elif hasattr(num_averaged, "dim"):
                avg.add_((current - avg) / (num_averaged + 1))
            else:
                avg.add_(current - avg, alpha=weight)
    return swa_update


def get_ema_avg_fn(decay=0.999):
    """Per tensor, returning the new average: decay * ema + (1 - decay) * current."""
    _check_decay(decay)

    @no_grad()
    def ema_update(ema_param, current_param, num_averaged):
        return decay * ema_param + (1 - decay) * current_param
    return ema_update


def get_swa_avg_fn():
    """Per tensor, returning the new average: avg + (current - avg) / (n + 1)."""
    @no_grad()
    def swa_update(averaged_param, current_param, num_averaged):
        return averaged_param + (current_param - averaged_param) / (num_averaged + 1)
    return swa_update


class AveragedModel(Module):
    """A copy of ``model`` (as ``self.module``) holding the average of the weights passed
    to ``update_parameters``: SWA's equal average by default, or avg_fn (per tensor) /
    multi_avg_fn (per list) such as EMA. ``n_averaged`` counts the updates."""

    def __init__(self, model, device=None, avg_fn=None, multi_avg_fn=None, use_buffers=False):
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", tensor(0, dtype=dtypes.int64, device=device))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def _pairs(self, model):
        if self.use_buffers:
            return zip(itertools.chain(self.module.parameters(), self.module.buffers()),
                       itertools.chain(model.parameters(), model.buffers()))
        return zip(self.parameters(), model.parameters())

    @no_grad()
    def update_parameters(self, model):
        averaged, current = [], []
        first = int(self.n_averaged) == 0
        for p_avg, p_model in self._pairs(model):
            p_model = p_model.detach().to(p_avg.device)
            averaged.append(p_avg.detach())
            current.append(p_model)
            if first:
                p_avg.detach().copy_(p_model)
        if not first:
            self._average(averaged, current)
        if not self.use_buffers:
            for b_avg, b_model in zip(self.module.buffers(), model.buffers()):
                b_avg.detach().copy_(b_model.detach().to(b_avg.device))
        self.n_averaged += 1

    def _average(self, averaged, current):
        if self.avg_fn is not None:
            for p_avg, p_model in zip(averaged, current):
                p_avg.copy_(self.avg_fn(p_avg, p_model, self.n_averaged.to(p_avg.device)))
            return
        # Tensors are averaged in groups of one device and dtype, as torch's foreach does.
        groups = {}
        for p_avg, p_model in zip(averaged, current):
            key = (str(p_avg.device), p_avg.dtype)
            groups.setdefault(key, ([], [], p_avg.device))
            groups[key][0].append(p_avg)
            groups[key][1].append(p_model)
        for group_avg, group_model, device in groups.values():
            n_averaged = self.n_averaged.to(device)
            if self.multi_avg_fn is not None:
                self.multi_avg_fn(group_avg, group_model, n_averaged)
            elif device.type == "cuda":
                get_swa_multi_avg_fn()(group_avg, group_model, n_averaged)
            else:
                # NOTE: torch has no foreach kernels on the CPU: it averages tensor by
                # tensor with an exact division there (no float32-rounded weight).
                for p_avg, p_model in zip(group_avg, group_model):
                    p_avg.copy_(get_swa_avg_fn()(p_avg, p_model, n_averaged))


@no_grad()
def update_bn(loader, model, device=None):
    """One pass over ``loader`` in train mode with cumulative BatchNorm statistics
    (momentum None), to recompute running mean/var for averaged weights."""
    from ..nn.modules.batchnorm import _BatchNorm
    momenta = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    for batch in loader:
        if isinstance(batch, (list, tuple)):
            batch = batch[0]
        if device is not None:
            batch = batch.to(device)
        model(batch)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's lr from its value to swa_lr over anneal_epochs steps
    ('cos' or 'linear'), then hold it at swa_lr."""

    def __init__(self, optimizer, swa_lr, anneal_epochs=10, anneal_strategy="cos",
                 last_epoch=-1):
        for value, group in zip(_format_param("swa_lr", optimizer, swa_lr),
                                optimizer.param_groups):
            group["swa_lr"] = value
        if anneal_strategy not in ["cos", "linear"]:
            raise ValueError("anneal_strategy must be one of 'cos' or 'linear', instead got "
                             f"{anneal_strategy}")
        self._set_anneal_func(anneal_strategy)
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got "
                             f"{anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t):
        return t

    @staticmethod
    def _cosine_anneal(t):
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr, swa_lr, alpha):
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def get_lr(self):
        if not self._get_lr_called_within_step:
            warnings.warn("To get the last learning rate computed by the scheduler, please use "
                          "`get_last_lr()`.", UserWarning, stacklevel=2)
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        groups = self.optimizer.param_groups
        # Recover the lr before annealing from the current one, then anneal it further.
        prev_alpha = self.anneal_func(max(0, min(1, (step - 1) / max(1, self.anneal_epochs))))
        prev_lrs = [self._get_initial_lr(g["lr"], g["swa_lr"], prev_alpha) for g in groups]
        alpha = self.anneal_func(max(0, min(1, step / max(1, self.anneal_epochs))))
        return [g["swa_lr"] * alpha + lr * (1 - alpha) for g, lr in zip(groups, prev_lrs)]

    def _set_anneal_func(self, anneal_strategy):
        self._anneal_strategy = anneal_strategy
        self.anneal_func = self._cosine_anneal if anneal_strategy == "cos" else \
            self._linear_anneal

    def state_dict(self):
        return {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "anneal_func")}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)
        self._set_anneal_func(self._anneal_strategy)
