"""The autograd graph: Node, AccumulateGrad, and Primitive, the chokepoint of every op.

A Primitive's ``forward(ctx, *args)`` receives ember Tensors (and plain Python
arguments) and returns backend arrays; its ``backward(ctx, *grads)`` receives and
returns ember Tensors, written with ember ops, so double backward works through it.
A primitive may add ``array_backward``, the same formula on raw arrays, which the
engine runs when no graph is built (see engine.execute_arrays).
``Primitive.apply`` is the one place where outputs are wrapped and the graph is
recorded; when grad mode is off or no input requires grad it records nothing.

Ownership runs one way, so the common path makes no reference cycles: a tensor owns
its ``grad_fn``, a node owns its saved tensors and ``next_functions``, a leaf owns its
``AccumulateGrad``, which refers back to it weakly; a node keeps its own outputs as
bare arrays.
"""
import itertools
import re
import sys
import weakref
from typing import NamedTuple

from .._device import CPU
from ..backend import cpu_backend, device_of_array
from .anomaly_mode import record_forward_trace, state as anomaly
from .grad_mode import state as grad_state

_sequence = itertools.count()
_ndarray = cpu_backend.xp.ndarray
_FLOATING = 2  # dtype categories >= this (floating, complex) can carry gradients

# Set by the layers above at import (the graph layer sits below them): the Tensor
# class, and ops.creation.detach_for_grad for AccumulateGrad.
Tensor = None
detach_for_grad = None
ones_like = None


class Node:
    """A node of the backward graph (what ``tensor.grad_fn`` returns)."""

    # Defaults as class attributes keep per-node construction cheap.
    _hooks = None
    _prehooks = None
    _tensor_prehooks = None
    _retains = None
    _hooked = False  # set once any of the four above is: the engine checks only this
    _freed = False
    _num_outputs = 1
    _output_meta = None
    _name = None
    _seq = 0
    _is_accumulator = False
    next_functions = ()

    def _release(self):
        pass

    def name(self):
        return self._name or type(self).__name__

    def short_name(self):
        """The name torch prints (without the "torch::autograd::" namespace)."""
        return self.name().rpartition("::")[2]

    def __repr__(self):
        return f"<{self.short_name()} object at {hex(id(self))}>"

    def register_hook(self, fn):
        """fn(grad_inputs, grad_outputs) -> optional new grad_inputs, after the node ran."""
        if self._hooks is None:
            self._hooks = []
        self._hooked = True
        self._hooks.append(fn)
        return RemovableHandle(self._hooks, fn)

    def register_prehook(self, fn):
        """fn(grad_outputs) -> optional new grad_outputs, before the node runs."""
        if self._prehooks is None:
            self._prehooks = []
        self._hooked = True
        self._prehooks.append(fn)
        return RemovableHandle(self._prehooks, fn)

    @property
    def metadata(self):
        meta = self.__dict__.get("_metadata")
        if meta is None:
            meta = self._metadata = {}
        return meta

    def _sequence_nr(self):
        return self._seq

    def __call__(self, *grads):
        """Run this node's backward function directly, as torch allows."""
        result = self._run_backward(list(grads))
        return result[0] if len(result) == 1 else tuple(result)

    # The engine calls this with one gradient per output; it returns one per entry
    # of next_functions.
    def _run_backward(self, grad_outputs):
        raise NotImplementedError

    def _run_backward_arrays(self, grad_outputs):
        """_run_backward over backend arrays (the engine's mode when no graph is built).
        By default the gradients are wrapped as tensors for _run_backward and unwrapped
        after; Primitive runs its array_backward twin directly instead."""
        return _unwrap(self._run_backward([_wrap(g) for g in grad_outputs]))


class RemovableHandle:
    """What register_hook returns: ``.remove()`` unregisters (also as a context manager)."""
    _next_id = itertools.count()

    def __init__(self, container, item):
        self._container = container
        self._item = item
        self.id = next(self._next_id)

    def remove(self):
        if isinstance(self._container, dict):
            self._container.pop(self._item, None)
        else:
            for i, entry in enumerate(self._container):
                if entry is self._item:
                    del self._container[i]
                    break

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


_RemovableHandle = RemovableHandle


class AccumulateGrad(Node):
    """The node standing for a leaf tensor: it adds incoming gradients into .grad."""

    _name = "torch::autograd::AccumulateGrad"

    # torch's sequence number for these nodes: the highest, so that a leaf's gradient
    # is accumulated as soon as its consumers have all run.
    _seq = 2 ** 64 - 1

    def __init__(self, variable):
        self._variable = weakref.ref(variable)

    _is_accumulator = True

    @property
    def variable(self):
        """The leaf (None once nothing else keeps it: its gradient has no reader)."""
        return self._variable()

    def register_tensor_hook(self, hook):
        """tensor.register_hook on the leaf: the hook lives here, as in torch, so it
        runs even when the graph outlives every other reference to the leaf."""
        if self._tensor_prehooks is None:
            self._tensor_prehooks = []
        self._hooked = True
        self._tensor_prehooks.append(hook)
        return RemovableHandle(self._tensor_prehooks, hook)

    def _run_backward(self, grad_outputs):
        grad = grad_outputs[0]
        var = self._variable()
        if var is None:
            return ()
        if var.grad is None:
            # NOTE: torch stores a fresh tensor the first time (never the caller's);
            # under create_graph a clone, which keeps the graph attached.
            var.grad = grad.clone() if grad_state.enabled else detach_for_grad(grad)
        elif grad_state.enabled:
            var.grad = var.grad + grad
        else:
            var.grad._data += grad._data
            var.grad._bump_version()
        post_hooks = var._post_acc_hooks
        if post_hooks:
            for hook in tuple(post_hooks):
                hook(var)
        return ()

    def _accumulate_array(self, grad):
        """_run_backward for the engine's array mode (no graph built), given a gradient
        array that the engine no longer references itself."""
        var = self._variable()
        if var is None:
            return
        if var.grad is None:
            # References: the engine's caller frame, this frame's, getrefcount's argument.
            if sys.getrefcount(grad) > 3 or getattr(grad, "base", None) is not None or \
                    not grad.flags.c_contiguous:
                grad = grad.copy()
            var.grad = _wrap(grad)
        else:
            data = var.grad._data
            if data.size <= 64:
                # NOTE: NumPy's in-place ufunc (data += grad) spends ~0.5 us checking
                # operand overlap; for a few elements a temporary is cheaper.
                data[...] = data + grad
            else:
                data += grad
            var.grad._vc[0] += 1
        post_hooks = var._post_acc_hooks
        if post_hooks:
            for hook in tuple(post_hooks):
                hook(var)


def _wrap(array):
    if array is None:
        return None
    if type(array) is _ndarray:
        return Tensor._make(array, CPU)
    return Tensor._make(array, device_of_array(array))


def _unwrap(tensors):
    return tuple(t._data if t is not None else None for t in tensors)


def accumulator_of(tensor):
    """The single AccumulateGrad node of a leaf. The leaf owns it and it refers back
    weakly (torch has it the other way round; this way it is not rebuilt every step)."""
    node = tensor._accumulator
    if node is None:
        node = tensor._accumulator = AccumulateGrad(tensor)
    return node


# ---------------------------------------------------------------- saved tensors

class SavedTensor:
    __slots__ = ("tensor", "version")

    def __init__(self, tensor):
        self.tensor = tensor
        self.version = tensor._vc[0]


class _PackedTensor:
    """A tensor saved through saved_tensors_hooks: only the packed value is kept."""
    __slots__ = ("packed", "unpack")

    def __init__(self, tensor, pack, unpack):
        self.packed = pack(tensor)
        self.unpack = unpack


def _save(tensor):
    if tensor is None:
        return None
    if _saved_hooks:
        pack, unpack = _saved_hooks[-1]
        return _PackedTensor(tensor, pack, unpack)
    return SavedTensor(tensor)


def _unpack(node, saved):
    if saved is None:
        return None
    if type(saved) is _PackedTensor:
        return saved.unpack(saved.packed)
    t = saved.tensor
    if t._vc[0] != saved.version:
        raise RuntimeError(modified_message(t, t.grad_fn, t._vc[0], saved.version))
    return t


def _short_name(node):
    # NOTE: torch's version-counter message names the op without "Backward0".
    return re.sub(r"Backward\d*$", "", node.name())


def modified_message(tensor, producer, version, expected):
    """torch's error for a saved tensor modified in place before backward used it."""
    shape = "[" + ", ".join(str(s) for s in tensor.shape) + "]"
    where = f", which is output {tensor._output_nr} of {_short_name(producer)}," \
        if producer is not None else ""
    if anomaly.enabled:
        hint = ("Hint: the backtrace further above shows the operation that failed to compute "
                "its gradient. The variable in question was changed in there or anywhere later. "
                "Good luck!")
    else:
        hint = ("Hint: enable anomaly detection to find the operation that failed to compute "
                "its gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False).")
    return ("one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: [{tensor.type()} {shape}]{where} is at version {version}; "
            f"expected version {expected} instead. {hint}")


FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward.")
_FREED_MESSAGE = FREED_MESSAGE


# ---------------------------------------------------------------- primitives

def _broadcast_message(args):
    """torch's message for the first pair of tensor arguments that cannot broadcast."""
    shapes = [a._data.shape for a in args if isinstance(a, Tensor)]
    for i, first in enumerate(shapes):
        for second in shapes[i + 1:]:
            ndim = max(len(first), len(second))
            for d in range(1, ndim + 1):
                x = first[-d] if d <= len(first) else 1
                y = second[-d] if d <= len(second) else 1
                if x != y and x != 1 and y != 1:
                    return (f"The size of tensor a ({x}) must match the size of tensor b ({y}) "
                            f"at non-singleton dimension {ndim - d}")
    return "shapes cannot be broadcast together: " + ", ".join(str(list(s)) for s in shapes)


class Primitive(Node):
    """Base of every differentiable op. Subclasses define forward and backward.

    Class attributes a subclass may set:
      save_output  -- backward uses the output (``ctx.output()``), e.g. exp or tanh.
      grad_fn_name -- the torch name of its node when it differs from Name + Backward0.
    """

    save_output = False
    grad_fn_name = None
    moves_device = False  # True: forward sets ctx.out_device (device copies)
    # Optional twin of backward over raw backend arrays: array_backward(ctx, grad_array)
    # returns arrays (or None) in backward's convention. It runs whenever no graph is
    # being built (create_graph=False, the training hot path) and may return
    # NotImplemented to defer to backward; backward stays the reference, and under
    # create_graph=True the only path, so double backward is unchanged.
    array_backward = None
    _positions = None  # of the tensor arguments, when they are not the leading ones
    _saved = ()
    _packed = False
    _not_recording = False

    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError

    def save_for_backward(self, *tensors):
        if self._not_recording:
            return
        if _saved_hooks:
            self._saved = tuple(_save(t) for t in tensors)
            self._packed = True
            return
        # Hot path: the tensors themselves, and their versions to check in backward.
        self._saved = tensors
        versions = []
        for t in tensors:
            versions.append(t._vc[0] if t is not None else 0)
        self._versions = versions

    @property
    def saved_tensors(self):
        if self._freed:
            raise RuntimeError(FREED_MESSAGE)
        if self._packed:
            return tuple(_unpack(self, s) for s in self._saved)
        saved = self._saved
        for t, version in zip(saved, self._versions):
            if t is not None and t._vc[0] != version:
                raise RuntimeError(modified_message(t, t.grad_fn, t._vc[0], version))
        return saved

    @property
    def saved_arrays(self):
        """The saved tensors' backend arrays (None stays None), for array_backward."""
        if self._freed or self._packed:
            return tuple(t._data if t is not None else None for t in self.saved_tensors)
        arrays = []
        for t, version in zip(self._saved, self._versions):
            if t is None:
                arrays.append(None)
                continue
            if t._vc[0] != version:
                raise RuntimeError(modified_message(t, t.grad_fn, t._vc[0], version))
            arrays.append(t._data)
        return arrays

    def output(self):
        """The forward output, attached to this node (as torch's saved outputs are)."""
        if self._freed:
            raise RuntimeError(FREED_MESSAGE)
        out = Tensor._make(self._out, self._out_device)
        counter, version = self._out_version
        if counter[0] != version:
            raise RuntimeError(modified_message(out, self, counter[0], version))
        out._vc = counter
        out.grad_fn = self
        out._requires_grad = True
        return out

    def name(self):
        return self.grad_fn_name or type(self).__name__ + "Backward0"

    def _release(self):
        self._freed = True
        if self._saved:
            self._saved = ()
        if self.save_output:
            self._out = None

    @classmethod
    def apply(cls, *args, **kwargs):
        # Hot path: keep it lean. Decide whether to record before running forward.
        record = False
        device = None
        if grad_state.enabled:
            for a in args:
                if isinstance(a, Tensor):
                    device = a._device
                    if a._requires_grad:
                        record = True
                        break
        ctx = cls.__new__(cls)
        if not record:
            ctx._not_recording = True  # forward's save_for_backward has nothing to keep
        try:
            out = cls.forward(ctx, *args, **kwargs)
        except ValueError as exc:
            # NumPy's broadcasting error, reworded as torch's (free when nothing fails).
            if "could not be broadcast" in str(exc):
                raise RuntimeError(_broadcast_message(args)) from None
            raise
        if device is None:
            for a in args:
                if isinstance(a, Tensor):
                    device = a._device
                    break
        if cls.moves_device:
            device = ctx.out_device
        make = Tensor._make
        if not record:
            if type(out) is tuple:
                return tuple(make(o, device) for o in out)
            return make(out, device)

        nexts = []
        needs = []
        positions = None  # of the tensor arguments; None while they are the leading ones
        for i, a in enumerate(args):
            if isinstance(a, Tensor):
                if positions is not None:
                    positions.append(i)
                elif len(nexts) != i:  # a tensor after a non-tensor: list them all
                    positions = [j for j in range(i) if isinstance(args[j], Tensor)] + [i]
                if a._requires_grad:
                    fn = a.grad_fn
                    if fn is None:  # a leaf: its AccumulateGrad
                        fn = a._accumulator
                        if fn is None:
                            fn = accumulator_of(a)
                    nexts.append((fn, a._output_nr))
                    needs.append(True)
                    continue
                nexts.append((None, 0))
            needs.append(False)
        ctx.next_functions = tuple(nexts)
        ctx.needs_input_grad = needs  # (a list here: indexed like torch's tuple)
        if positions is not None:
            ctx._positions = positions
        ctx._seq = next(_sequence)
        if anomaly.enabled:
            record_forward_trace(ctx)

        if type(out) is tuple:
            outs = tuple(make(o, device) for o in out)
            ctx._num_outputs = len(outs)
            ctx._output_meta = tuple((o.shape, o.dtype, o._device) for o in outs)
            for nr, o in enumerate(outs):
                if o._dtype.category >= _FLOATING:
                    o.grad_fn = ctx
                    o._requires_grad = True
                    o._output_nr = nr
            return outs
        result = make(out, device, False, None, ctx)
        if cls.save_output:
            ctx._out = out
            ctx._out_device = device
            ctx._out_version = (result._vc, result._vc[0])
        return result

    def _run_backward_arrays(self, grad_outputs):
        array_backward = self.array_backward
        if array_backward is not None and self._output_meta is None:
            grads = array_backward(self, grad_outputs[0])
            if grads is not NotImplemented:
                if type(grads) is not tuple:
                    return (grads,)  # the gradient of the one tensor argument
                if len(grads) == len(self.next_functions):
                    return grads
                return self._tensor_grads(grads)
        return _unwrap(self._run_backward([_wrap(g) for g in grad_outputs]))

    def _run_backward(self, grad_outputs):
        cls = type(self)
        if self._output_meta is not None:
            from ..ops.creation import zeros
            grad_outputs = tuple(
                g if g is not None else zeros(shape, dtype=dtype, device=dev)
                for g, (shape, dtype, dev) in zip(grad_outputs, self._output_meta))
        grads = cls.backward(self, *grad_outputs)
        if type(grads) is not tuple:
            grads = (grads,)
        return self._tensor_grads(grads)

    def _tensor_grads(self, grads):
        """backward's gradients (one per argument, or one per tensor argument) reduced
        to one per tensor argument, the order of next_functions."""
        count = len(self.next_functions)
        if len(grads) == count:
            return grads
        positions = self._positions
        if positions is None:
            return grads[:count]
        return tuple(grads[i] for i in positions)


# ---------------------------------------------------------------- torch.autograd.graph API

class GradientEdge(NamedTuple):
    """A place in the graph: (node, output_nr); usable as an input of autograd.grad."""
    node: Node
    output_nr: int


def get_gradient_edge(tensor):
    if not tensor._requires_grad:
        raise RuntimeError("It is not possible to get the gradient edge for a Tensor that does "
                           "not require gradients")
    node = tensor.grad_fn if tensor.grad_fn is not None else accumulator_of(tensor)
    return GradientEdge(node, tensor._output_nr)


def increment_version(tensor):
    """Mark tensors as modified in place (e.g. after writing their memory directly)."""
    for t in (tensor,) if isinstance(tensor, Tensor) else tensor:
        t._vc[0] += 1


_saved_hooks = []
_hooks_disabled = []


class saved_tensors_hooks:
    """Inside this context, tensors saved for backward go through pack_hook(tensor) and
    come back through unpack_hook(packed) when backward needs them."""

    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self):
        if _hooks_disabled:
            raise RuntimeError(_hooks_disabled[-1])
        _saved_hooks.append((self.pack_hook, self.unpack_hook))

    def __exit__(self, *exc):
        _saved_hooks.pop()


class save_on_cpu(saved_tensors_hooks):
    """Saved tensors live in host memory until backward moves them back."""

    def __init__(self, pin_memory=False, device_type="cuda"):
        def pack(tensor):
            return tensor._device, tensor.detach().cpu()

        def unpack(packed):
            device, tensor = packed
            return tensor.to(device)
        super().__init__(pack, unpack)


class disable_saved_tensors_hooks:
    """Entering saved_tensors_hooks inside this context raises error_message."""

    def __init__(self, error_message):
        self.error_message = error_message

    def __enter__(self):
        if _saved_hooks:
            raise RuntimeError(self.error_message)
        _hooks_disabled.append(self.error_message)

    def __exit__(self, *exc):
        _hooks_disabled.pop()

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self:
                return fn(*args, **kwargs)
        return wrapper


class _MultiHandle(RemovableHandle):
    def __init__(self, handles):
        self.handles = handles
        self.id = next(self._next_id)

    def remove(self):
        for handle in self.handles:
            handle.remove()


def register_multi_grad_hook(tensors, fn, *, mode="all"):
    """fn(grads) once the gradients of all ``tensors`` of one backward pass are computed
    (mode="all"; None for tensors the pass does not reach), or fn(grad) with the first
    one (mode="any")."""
    if mode not in ("all", "any"):
        raise ValueError(f"Expects mode to be one of ('all', 'any') but got {mode}")
    tensors = tuple(tensors)
    from .engine import current_pass
    state = {}

    def make_hook(index):
        def hook(grad):
            task = current_pass()
            if state.get("task") is not task:
                state.update(task=task, grads=[None] * len(tensors), fired=False,
                             expected=_reached(task, tensors))
            if mode == "any":
                if not state["fired"]:
                    state["fired"] = True
                    fn(grad)
                return None
            state["grads"][index] = grad
            state["expected"].discard(index)
            if not state["expected"]:
                fn(tuple(state["grads"]))
            return None
        return hook

    return _MultiHandle(tuple(t.register_hook(make_hook(i)) for i, t in enumerate(tensors)
                              if t.requires_grad))


def _reached(task, tensors):
    """Indices of the tensors whose gradient this backward pass will compute."""
    reached = set()
    for i, t in enumerate(tensors):
        if not t.requires_grad:
            continue
        node = t.grad_fn if t.grad_fn is not None else t._accumulator
        if node is not None and node in task.reachable:
            reached.add(i)
    return reached
