"""Optimizer: the base class owning param_groups, per-parameter state and state_dict.

A subclass writes only its per-parameter update. Updates run on the parameters'
backend arrays in place (``_data``), outside autograd, bumping each tensor's version
as torch's in-place ops do; that keeps a step nearly allocation-free.
"""
import functools
import itertools
import warnings
from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from copy import deepcopy

from .. import _dtype as dtypes
from .._device import CPU
from .._tensor import Tensor
from ..autograd.grad_mode import enable_grad
from ..nn.modules.module import RemovableHandle, _typename


class _RequiredParameter:
    """Marks a default that every param group must supply (e.g. SGD's lr in old torch)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


def _hooked_step(step):
    """Wrap a subclass's step so that step pre/post hooks run around it."""
    @functools.wraps(step)
    def wrapper(self, *args, **kwargs):
        if not (self._optimizer_step_pre_hooks or self._optimizer_step_post_hooks) or \
                getattr(self, "_in_hooked_step", False):
            return step(self, *args, **kwargs)
        self._in_hooked_step = True
        try:
            for hook in tuple(self._optimizer_step_pre_hooks.values()):
                result = hook(self, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError("optimizer step pre-hook must return None or a "
                                           f"tuple of (new_args, new_kwargs), but got {result}.")
                    args, kwargs = result
            out = step(self, *args, **kwargs)
            for hook in tuple(self._optimizer_step_post_hooks.values()):
                hook(self, args, kwargs)
            return out
        finally:
            self._in_hooked_step = False
    return wrapper


class Optimizer:
    """Base class of all optimizers (torch.optim.Optimizer's API)."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "step" in cls.__dict__:
            cls.step = _hooked_step(cls.__dict__["step"])

    def __init__(self, params, defaults):
        self.defaults = defaults
        self._optimizer_step_pre_hooks = OrderedDict()
        self._optimizer_step_post_hooks = OrderedDict()
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            f"Tensors or dicts, but got {_typename(params)}")
        self.state = defaultdict(dict)
        self.param_groups = []
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state,
                "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.__dict__.setdefault("_optimizer_step_pre_hooks", OrderedDict())
        self.__dict__.setdefault("_optimizer_step_post_hooks", OrderedDict())
        self.defaults.setdefault("differentiable", False)

    def __repr__(self):
        text = type(self).__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"

    # ------------------------------------------------------------ param groups

    def add_param_group(self, param_group):
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        params = [p[1] if isinstance(p, tuple) else p for p in params]
        param_group["params"] = params
        if names:
            if len(names) != len(params):
                raise ValueError("all optimizer params should be with/without names. Some "
                                 "param names are missing")
            param_group["param_names"] = names
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + _typename(p))
            if not self.defaults.get("differentiable", None) and \
                    not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError("parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            param_group.setdefault(name, default)
        ids = [id(p) for p in params]
        if len(ids) != len(set(ids)):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in "
                          "future, this will cause an error; see "
                          "github.com/pytorch/pytorch/issues/40967 for more information",
                          stacklevel=3)
        seen = set()
        for group in self.param_groups:
            seen.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {'with' if names else 'without'} "
                                 "names to the optimizer")
        if not seen.isdisjoint(ids):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # ------------------------------------------------------------ stepping

    def zero_grad(self, set_to_none=True):
        for group in self.param_groups:
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                    continue
                if grad.grad_fn is not None:
                    grad.detach_()
                else:
                    grad.requires_grad_(False)
                grad._data.fill(0)
                grad._vc[0] += 1

    def step(self, closure=None):
        raise NotImplementedError

    def _closure_loss(self, closure):
        if closure is None:
            return None
        with enable_grad():
            return closure()

    def _params_with_grad(self, group):
        """The group's parameters that have a gradient (the others are skipped)."""
        for p in group["params"]:
            if p.grad is not None:
                if p.grad.is_sparse:
                    raise RuntimeError(f"{type(self).__name__} does not support sparse "
                                       "gradients")
                yield p

    def register_step_pre_hook(self, hook):
        """hook(optimizer, args, kwargs) -> None or (new_args, new_kwargs), before step."""
        handle = RemovableHandle(self._optimizer_step_pre_hooks)
        self._optimizer_step_pre_hooks[handle.id] = hook
        return handle

    def register_step_post_hook(self, hook):
        """hook(optimizer, args, kwargs), after step."""
        handle = RemovableHandle(self._optimizer_step_post_hooks)
        self._optimizer_step_post_hooks[handle.id] = hook
        return handle

    # ------------------------------------------------------------ state_dict

    def state_dict(self):
        """{'state': {index: {...}}, 'param_groups': [{..., 'params': [index, ...]}]}."""
        index_of = {}
        counter = itertools.count()
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                if id(p) not in index_of:
                    index_of[id(p)] = next(counter)
            packed["params"] = [index_of[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {(index_of[id(k)] if isinstance(k, Tensor) else k): v
                 for k, v in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        state_dict = state_dict.copy()
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match "
                             "the size of optimizer's group")
        params_by_index = dict(zip(
            itertools.chain.from_iterable(g["params"] for g in saved_groups),
            itertools.chain.from_iterable(g["params"] for g in groups)))
        state = defaultdict(dict)
        for key, value in state_dict["state"].items():
            if key in params_by_index:
                param = params_by_index[key]
                flags = _group_flags(key, saved_groups)
                state[param] = _cast_state(param, value, flags)
            else:
                state[key] = value
        new_groups = []
        for group, saved in zip(groups, saved_groups):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
            new_groups.append(saved)
        self.__setstate__({"state": state, "param_groups": new_groups})


def _group_flags(index, saved_groups):
    for group in saved_groups:
        if index in group["params"]:
            return bool(group.get("fused")), bool(group.get("capturable"))
    return False, False


def _cast_state(param, value, flags, key=None):
    """Move loaded state to the parameter's device (and float dtype), as torch does;
    'step' counters stay where they are unless the group is fused/capturable."""
    if isinstance(value, Tensor):
        if key == "step":
            return value.to(dtype=dtypes.float32, device=param.device) if any(flags) else value
        if param.is_floating_point():
            return value.to(dtype=param.dtype, device=param.device)
        return value.to(device=param.device)
    if isinstance(value, dict):
        return {k: _cast_state(param, v, flags, k) for k, v in value.items()}
    if isinstance(value, Iterable) and not isinstance(value, str):
        return type(value)(_cast_state(param, v, flags) for v in value)
    return value


# ---------------------------------------------------------------- helpers for subclasses

def scalar(value):
    """A hyper-parameter as a Python float (torch accepts 1-element tensors for lr/betas)."""
    return float(value.item()) if isinstance(value, Tensor) else value


def real_array(t):
    """t's array, complex viewed as interleaved (real, imag) pairs of reals (torch's
    view_as_real), so moment estimates treat both parts separately."""
    data = t._data
    return data.view(data.real.dtype) if t.is_complex() else data


def new_step_counter(value=0.0, device=CPU):
    """A per-parameter scalar state ('step', 'mu_product', 'eta'...): a 0-d tensor of
    torch's scalar dtype (float64 only when that is the default dtype), on the CPU
    unless the algorithm keeps it on the parameter's device."""
    dtype = dtypes.float64 if dtypes.get_default_dtype() is dtypes.float64 else dtypes.float32
    from ..ops.creation import full
    return full((), value, dtype=dtype, device=device)


def check_lr(lr):
    """torch's checks on a learning rate (a float or a 1-element tensor)."""
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= scalar(lr):
        raise ValueError(f"Invalid learning rate: {lr}")


def check_nonnegative(**values):
    """ValueError('Invalid <name> value: <value>') for the first negative one."""
    for name, value in values.items():
        if not 0.0 <= value:
            raise ValueError(f"Invalid {name} value: {value}")


def check_betas(betas):
    for i, beta in enumerate(betas):
        if not 0.0 <= scalar(beta) < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {beta}")


def check_adam_hyper(lr, betas, eps, weight_decay):
    """The checks torch's Adam-family constructors (Adam, Adamax, NAdam, RAdam) share,
    in their order: lr, eps, betas, weight_decay."""
    check_lr(lr)
    check_nonnegative(epsilon=eps)
    check_betas(betas)
    check_nonnegative(weight_decay=weight_decay)


def fill_group_defaults(optimizer, **defaults):
    """__setstate__ helper: give groups from older checkpoints the newer options."""
    for group in optimizer.param_groups:
        for key, value in defaults.items():
            group.setdefault(key, value)


def each_param_with_grad(optimizer, closure, update):
    """The common step: evaluate the closure, then update(p, group) per parameter."""
    loss = optimizer._closure_loss(closure)
    for group in optimizer.param_groups:
        for p in optimizer._params_with_grad(group):
            update(p, group)
    return loss


def init_state(optimizer, p, *buffers):
    """p's state; before its first step, torch's lazy initialisation: 'step' (a 0-d
    counter at 0), then one zero tensor shaped like p per name in buffers, in order."""
    state = optimizer.state[p]
    if not state:
        state["step"] = new_step_counter()
        for name in buffers:
            state[name] = p.detach().new_zeros(p.shape)
    return state


def count_step(state):
    """state['step'] <- state['step'] + 1, in its 0-d tensor; the new value as a float."""
    state["step"]._data += 1
    return float(state["step"]._data)


def param_and_grad(p, group, weight_decay, *, decoupled=False, lr=None):
    """p's array and its gradient's (as real_array views), prepared as torch does:

        g <- -g                             if group['maximize']
        p <- p * (1 - lr * weight_decay)    if decoupled and weight_decay != 0
        g <- g + weight_decay * p           elif weight_decay != 0

    p's array is updated in place; the gradient is never written (a changed g is new)."""
    param, g = real_array(p), real_array(p.grad)
    if group["maximize"]:
        g = -g
    if weight_decay != 0:
        if decoupled:
            param *= 1 - lr * weight_decay
        else:
            g = g + weight_decay * param
    return param, g


def bump(*tensors):
    """Record an in-place write (torch's version counter)."""
    for t in tensors:
        t._vc[0] += 1
