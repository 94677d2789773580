"""Module hooks beyond the forward ones: the global hooks that apply to every module
(``ember.nn.modules.module.register_module_*``) and full backward hooks
(register_full_backward_hook / _pre_hook).

For full backward hooks, the module's tensor inputs and tensor outputs each pass
through an identity autograd Function. The node on the outputs sees grad_output first
(pre-hooks run there and may replace it); the node on the inputs then sees grad_input,
and the hooks run with both (they may replace grad_input). As in torch, a module whose
inputs need no gradient has its hooks called at the output node, with grad_input all
None.
"""
import warnings
from collections import OrderedDict

from ..._tensor import Tensor
from ...autograd.function import Function
from ...ops.creation import zeros
from ...autograd.grad_mode import is_grad_enabled


# ---------------------------------------------------------------- global hooks

# The names of the non-empty global hook registries that act on module calls: one
# truth test on the no-hooks fast path of Module.__call__ instead of four.
active_call_hooks = set()


class _CallHooks(OrderedDict):
    """A global registry of call hooks that keeps active_call_hooks up to date."""

    def __init__(self, name):
        super().__init__()
        self.name = name

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        active_call_hooks.add(self.name)

    def __delitem__(self, key):
        super().__delitem__(key)
        if not self:
            active_call_hooks.discard(self.name)

    def pop(self, *args):
        value = super().pop(*args)
        if not self:
            active_call_hooks.discard(self.name)
        return value

    def clear(self):
        super().clear()
        active_call_hooks.discard(self.name)


_global_buffer_registration_hooks = OrderedDict()
_global_module_registration_hooks = OrderedDict()
_global_parameter_registration_hooks = OrderedDict()
_global_backward_pre_hooks = _CallHooks("backward_pre")
_global_backward_hooks = _CallHooks("backward")
_global_forward_pre_hooks = _CallHooks("forward_pre")
_global_forward_hooks = _CallHooks("forward")
_global_forward_hooks_always_called = OrderedDict()
_global_forward_hooks_with_kwargs = OrderedDict()
# Whether the global backward hooks are full ones (True), legacy ones (False) or none.
_global_is_full_backward_hook = None


def _register(registry, hook, *extra):
    from .module import RemovableHandle
    handle = RemovableHandle(registry, extra_dict=list(extra) or None)
    registry[handle.id] = hook
    return handle


def register_module_buffer_registration_hook(hook):
    """hook(module, name, buffer) -> None or a replacement, on every register_buffer."""
    return _register(_global_buffer_registration_hooks, hook)


def register_module_module_registration_hook(hook):
    """hook(module, name, submodule) -> None or a replacement, on every child added."""
    return _register(_global_module_registration_hooks, hook)


def register_module_parameter_registration_hook(hook):
    """hook(module, name, param) -> None or a replacement, on every register_parameter."""
    return _register(_global_parameter_registration_hooks, hook)


def register_module_forward_pre_hook(hook):
    """hook(module, args) before every module's forward (after nothing, before its own)."""
    return _register(_global_forward_pre_hooks, hook)


def register_module_forward_hook(hook, *, with_kwargs=False, always_call=False):
    """hook(module, args, output) after every module's forward (before its own)."""
    handle = _register(_global_forward_hooks, hook, _global_forward_hooks_always_called,
                       _global_forward_hooks_with_kwargs)
    if with_kwargs:
        _global_forward_hooks_with_kwargs[handle.id] = True
    if always_call:
        _global_forward_hooks_always_called[handle.id] = True
    return handle


def register_module_backward_hook(hook):
    """A legacy (non-full) backward hook on every module."""
    global _global_is_full_backward_hook
    if _global_is_full_backward_hook is True:
        raise RuntimeError("Cannot use both regular backward hooks and full backward hooks as a "
                           "global Module hook. Please use only one of them.")
    _global_is_full_backward_hook = False
    return _register(_global_backward_hooks, hook)


def register_module_full_backward_pre_hook(hook):
    """hook(module, grad_output) on every module, before its grad_input is computed."""
    return _register(_global_backward_pre_hooks, hook)


def register_module_full_backward_hook(hook):
    """hook(module, grad_input, grad_output) on every module."""
    global _global_is_full_backward_hook
    if _global_is_full_backward_hook is False:
        raise RuntimeError("Cannot use both regular backward hooks and full backward hooks as a "
                           "global Module hook. Please use only one of them.")
    _global_is_full_backward_hook = True
    return _register(_global_backward_hooks, hook)


# ---------------------------------------------------------------- running hooks

def run_forward_pre_hooks(module, args, kwargs):
    for hook_id, hook in (*_global_forward_pre_hooks.items(),
                          *module._forward_pre_hooks.items()):
        if hook_id in module._forward_pre_hooks_with_kwargs:
            result = hook(module, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError("forward pre-hook must return None or a tuple of "
                                       f"(new_args, new_kwargs), but got {result}.")
                args, kwargs = result
        else:
            result = hook(module, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
    return args, kwargs


def run_forward_hooks(module, args, kwargs, result, called):
    """The global then the module's forward hooks; records always_call ones in called."""
    for hook_id, hook in (*_global_forward_hooks.items(), *module._forward_hooks.items()):
        if hook_id in module._forward_hooks_always_called or \
                hook_id in _global_forward_hooks_always_called:
            called.add(hook_id)
        if hook_id in module._forward_hooks_with_kwargs or \
                hook_id in _global_forward_hooks_with_kwargs:
            hook_result = hook(module, args, kwargs, result)
        else:
            hook_result = hook(module, args, result)
        if hook_result is not None:
            result = hook_result
    return result


def run_always_called_hooks(module, args, kwargs, result, called):
    """After forward raised: the always_call forward hooks that did not run yet (their own
    errors are only warned about)."""
    for hook_id, hook in _global_forward_hooks.items():
        if hook_id in _global_forward_hooks_always_called and hook_id not in called:
            try:
                hook_result = hook(module, args, result)
                result = result if hook_result is None else hook_result
            except Exception as e:
                warnings.warn("global module forward hook with ``always_call=True`` raised "
                              "an exception that was silenced as another error was raised "
                              f"in forward: {e}", stacklevel=3)
    for hook_id, hook in module._forward_hooks.items():
        if hook_id in module._forward_hooks_always_called and hook_id not in called:
            try:
                if hook_id in module._forward_hooks_with_kwargs:
                    hook_result = hook(module, args, kwargs, result)
                else:
                    hook_result = hook(module, args, result)
                result = result if hook_result is None else hook_result
            except Exception as e:
                warnings.warn("module forward hook with ``always_call=True`` raised an "
                              "exception that was silenced as another error was raised in "
                              f"forward: {e}", stacklevel=3)


def attach_legacy_backward_hooks(module, args, result, hooks):
    """register_backward_hook's hooks go on the node of the first output tensor."""
    var = result
    while not isinstance(var, Tensor):
        if isinstance(var, dict):
            var = next(v for v in var.values() if isinstance(v, Tensor))
        else:
            var = var[0]
    node = var.grad_fn
    if node is None:
        return
    for hook in hooks:
        node.register_hook(_bind_module(hook, module))
    _warn_legacy_backward_hook(args, result, node)


class WithoutModule:
    """A load_state_dict pre-hook that does not take the module (``.hook`` is the user's)."""

    def __init__(self, hook):
        self.hook = hook

    def __call__(self, module, *args):
        return self.hook(*args)


def _bind_module(hook, module):
    def node_hook(grad_inputs, grad_outputs):
        return hook(module, grad_inputs, grad_outputs)
    return node_hook


def _warn_legacy_backward_hook(inputs, result, node):
    """torch's warnings where a legacy backward hook cannot see the module's gradients."""
    def tensors(value):
        if isinstance(value, Tensor):
            return (value,)
        if isinstance(value, tuple) and all(isinstance(v, Tensor) for v in value):
            return value
        return None
    advice = "Please use register_full_backward_hook to get the documented behavior."
    outputs = tensors(result)
    if outputs is None:
        warnings.warn("Using non-full backward hooks on a Module that does not return a single "
                      "Tensor or a tuple of Tensors is deprecated and will be removed in future "
                      "versions. This hook will be missing some of the grad_output. " + advice,
                      FutureWarning, stacklevel=4)
        return
    inputs = tensors(inputs)
    if inputs is None:
        warnings.warn("Using non-full backward hooks on a Module that does not take as input a "
                      "single Tensor or a tuple of Tensors is deprecated and will be removed in "
                      "future versions. This hook will be missing some of the grad_input. " +
                      advice, FutureWarning, stacklevel=4)
        return
    out_nodes = {o.grad_fn for o in outputs if o.grad_fn is not None}
    if not out_nodes or (len(out_nodes) == 1 and node not in out_nodes):
        warnings.warn("Using a non-full backward hook when outputs are nested in python data "
                      "structure is deprecated and will be removed in future versions. This "
                      "hook will be missing some grad_output.", FutureWarning, stacklevel=4)
    elif len(out_nodes) > 1:
        warnings.warn("Using a non-full backward hook when outputs are generated by different "
                      "autograd Nodes is deprecated and will be removed in future versions. "
                      "This hook will be missing some grad_output. " + advice, FutureWarning,
                      stacklevel=4)
    elif {i.grad_fn for i in inputs if i.grad_fn is not None} != \
            {n for n, _ in node.next_functions}:
        warnings.warn("Using a non-full backward hook when the forward contains multiple "
                      "autograd Nodes is deprecated and will be removed in future versions. "
                      "This hook will be missing some grad_input. " + advice, FutureWarning,
                      stacklevel=4)


def registered_module(parent, name, module):
    """module after the global module-registration hooks (which may replace it)."""
    for hook in _global_module_registration_hooks.values():
        output = hook(parent, name, module)
        if output is not None:
            module = output
    return module


# ---------------------------------------------------------------- full backward hooks

class BackwardHookFunction(Function):
    """Identity on its tensor arguments; marks a point of the graph to hook."""

    @staticmethod
    def forward(ctx, *args):
        ctx.mark_non_differentiable(*[a for a in args if not a.requires_grad])
        return args

    @staticmethod
    def backward(ctx, *grads):
        return grads


def _pack(indices, values, size):
    """values placed at indices of a size-long tuple, None elsewhere."""
    out = [None] * size
    for i, value in zip(indices, values):
        out[i] = value
    return tuple(out)


class BackwardHook:
    """Wires one call of a module to its full backward hooks and pre-hooks."""

    def __init__(self, module, user_hooks, user_pre_hooks):
        self.module = module
        self.user_hooks = user_hooks
        self.user_pre_hooks = user_pre_hooks
        self.grad_outputs = None
        self.n_outputs = -1
        self.output_indices = None
        self.n_inputs = -1
        self.input_indices = None

    def _through_identity(self, args, on_node):
        """Pass the tensors of args through BackwardHookFunction; on_node(node) hooks it.
        Returns (new args, indices of the tensors), or (args, None) when nothing needs
        a gradient."""
        indices = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        tensors = [args[i] for i in indices]
        if not (is_grad_enabled() and any(t.requires_grad for t in tensors)):
            return args, None
        passed = BackwardHookFunction.apply(*tensors)
        if not passed:
            raise RuntimeError("Cannot set Module backward hook for a Module with no input "
                               "Tensors.")
        nodes = [t.grad_fn for t in passed if t.grad_fn is not None and
                 t.grad_fn.name() == "BackwardHookFunctionBackward"]
        if not nodes:
            raise RuntimeError("Error while setting up backward hooks. Please open an issue "
                               "with a code sample to reproduce this.")
        on_node(nodes[0], tensors)
        new_args = list(args)
        for i, t in zip(indices, passed):
            new_args[i] = t
        return (tuple(new_args) if type(args) is tuple else type(args)(*new_args)), indices

    # ------------------------------------------------------------ inputs

    def setup_input_hook(self, args):
        result, indices = self._through_identity(args, self._hook_inputs)
        self.n_inputs = len(args)
        self.input_indices = indices
        return result

    def _hook_inputs(self, node, tensors):
        # NOTE: like torch, an input that needs no gradient gets zeros, not None.
        meta = [(t.shape, t.dtype, t.device) for t in tensors]

        def hook(grad_input, _):
            if self.grad_outputs is None:
                # The gradient reached the inputs without passing the outputs (e.g. in a
                # double backward): nothing to report.
                return None
            grad_input = [g if g is not None else zeros(shape, dtype=dtype, device=device)
                          for g, (shape, dtype, device) in zip(grad_input, meta)]
            result = _pack(self.input_indices, grad_input, self.n_inputs)
            for user_hook in self.user_hooks:
                out = user_hook(self.module, result, self.grad_outputs)
                if out is None:
                    continue
                if len(out) != len(result):
                    raise RuntimeError("Backward hook returned an invalid number of grad_input, "
                                       f"got {len(out)}, but expected {len(result)}")
                result = out
            self.grad_outputs = None
            return tuple(result[i] for i in self.input_indices)
        node.register_hook(hook)

    # ------------------------------------------------------------ outputs

    def setup_output_hook(self, outputs):
        is_tuple = isinstance(outputs, tuple)
        args = outputs if is_tuple else (outputs,)
        result, indices = self._through_identity(args, self._hook_outputs)
        self.n_outputs = len(args)
        self.output_indices = indices
        return result if is_tuple else result[0]

    def _hook_outputs(self, node, tensors):
        def hook(_, grad_output):
            self.grad_outputs = _pack(self.output_indices, grad_output, self.n_outputs)
            self._run_pre_hooks()
            local = self.grad_outputs
            if self.input_indices is None:
                self._call_without_input_grads()
            if local is not None:
                return tuple(local[i] for i in self.output_indices)
            return None
        node.register_hook(hook)

    def _run_pre_hooks(self):
        expected = len(self.grad_outputs)
        for user_pre_hook in self.user_pre_hooks:
            out = user_pre_hook(self.module, self.grad_outputs)
            if out is None:
                continue
            if len(out) != expected:
                raise RuntimeError("Backward pre hook returned an invalid number of "
                                   f"grad_output, got {len(out)}, but expected {expected}")
            self.grad_outputs = out

    def _call_without_input_grads(self):
        # No input needs a gradient: the hooks run here, with grad_input all None.
        warnings.warn("Full backward hook is firing when gradients are computed with respect "
                      "to module outputs since no inputs require gradients. See "
                      "https://docs.pytorch.org/docs/main/generated/torch.nn.Module.html"
                      "#torch.nn.Module.register_full_backward_hook for more details.",
                      stacklevel=5)
        grad_inputs = _pack([], [], self.n_inputs)
        for user_hook in self.user_hooks:
            out = user_hook(self.module, grad_inputs, self.grad_outputs)
            if out is not None and not (isinstance(out, tuple) and
                                        all(el is None for el in out)):
                raise RuntimeError("Backward hook for Modules where no input requires gradient "
                                   "should always return None or None for all gradients.")
        self.grad_outputs = None
