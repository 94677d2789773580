"""The autograd graph: Node, AccumulateGrad, and Primitive, the chokepoint of every op.

A Primitive's ``forward(ctx, *args)`` receives ember Tensors (and plain Python
arguments) and returns backend arrays; its ``backward(ctx, *grads)`` receives and
returns ember Tensors, written with ember ops, so double backward works through it.
``Primitive.apply`` is the one place where outputs are wrapped and the graph is
recorded; when grad mode is off or no input requires grad it records nothing.
"""
import itertools
import weakref

from .grad_mode import state as grad_state

_sequence = itertools.count()

# Set by ember._tensor at import (the graph layer sits below the Tensor class).
Tensor = None


class Node:
    """A node of the backward graph (what ``tensor.grad_fn`` returns)."""

    # Defaults as class attributes keep per-node construction cheap.
    _hooks = None
    _prehooks = None
    _retains = None
    _freed = False
    _num_outputs = 1
    _output_meta = None
    _name = None
    next_functions = ()

    def name(self):
        return self._name or type(self).__name__

    def __repr__(self):
        return f"<{self.name()} object at {hex(id(self))}>"

    def register_hook(self, hook):
        """hook(grad_inputs, grad_outputs) -> optional new grad_inputs."""
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return _RemovableHandle(self._hooks, hook)

    def register_prehook(self, hook):
        """hook(grad_outputs) -> optional new grad_outputs."""
        if self._prehooks is None:
            self._prehooks = []
        self._prehooks.append(hook)
        return _RemovableHandle(self._prehooks, hook)

    @property
    def metadata(self):
        if "_metadata" not in self.__dict__:
            self._metadata = {}
        return self._metadata

    # The engine calls this with one gradient per output; it returns one per entry
    # of next_functions.
    def _run_backward(self, grad_outputs):
        raise NotImplementedError


class _RemovableHandle:
    _next_id = itertools.count()

    def __init__(self, container, item):
        self._container = container
        self._item = item
        self.id = next(self._next_id)

    def remove(self):
        if isinstance(self._container, dict):
            self._container.pop(self._item, None)
        elif self._item in self._container:
            self._container.remove(self._item)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class AccumulateGrad(Node):
    """The node standing for a leaf tensor: it adds incoming gradients into .grad."""

    _name = "AccumulateGrad"

    def __init__(self, variable):
        self.variable = variable
        self._seq = next(_sequence)

    @property
    def _prehooks(self):
        # Hooks registered with tensor.register_hook on a leaf live on the tensor,
        # since this node is only weakly kept.
        return getattr(self.variable, "_leaf_hooks", None)

    def _run_backward(self, grad_outputs):
        from ..ops.creation import detach_for_grad
        grad = grad_outputs[0]
        var = self.variable
        if var.grad is None:
            # NOTE: torch stores a fresh tensor the first time (never the caller's),
            # unless create_graph is on, where the graph must stay attached.
            var.grad = grad if grad_state.enabled else detach_for_grad(grad)
        elif grad_state.enabled:
            var.grad = var.grad + grad
        else:
            var.grad._data += grad._data
            var.grad._bump_version()
        post_hooks = getattr(var, "_post_acc_hooks", None)
        if post_hooks:
            for hook in post_hooks:
                hook(var)
        return ()


def accumulator_of(tensor):
    """The single AccumulateGrad node of a leaf (kept weakly, as torch does)."""
    ref = tensor._accumulator
    node = ref() if ref is not None else None
    if node is None:
        node = AccumulateGrad(tensor)
        tensor._accumulator = weakref.ref(node)
    return node


class SavedTensor:
    __slots__ = ("tensor", "version")

    def __init__(self, tensor):
        self.tensor = tensor
        self.version = tensor._vc[0]


def _check_version(node, saved):
    t = saved.tensor
    if t._vc[0] != saved.version:
        shape = "[" + ", ".join(str(s) for s in t.shape) + "]"
        producer = t.grad_fn.name() if t.grad_fn is not None else "a leaf"
        raise RuntimeError(
            "one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: [{t.type()} {shape}], which is output {t._output_nr} of "
            f"{producer}, is at version {t._vc[0]}; expected version {saved.version} "
            f"instead (while running {node.name()}). Hint: the backtrace further above can "
            "point at the operation that failed to compute its gradient.")
    return t


_FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward.")


class Primitive(Node):
    """Base of every differentiable op. Subclasses define forward and backward.

    Class attributes a subclass may set:
      save_output  -- backward uses the output (``ctx.output()``), e.g. exp or tanh.
      grad_fn_name -- the torch name of its node when it differs from Name + Backward0.
    """

    save_output = False
    grad_fn_name = None
    _saved = ()

    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError

    def save_for_backward(self, *tensors):
        self._saved = tuple(None if t is None else SavedTensor(t) for t in tensors)

    @property
    def saved_tensors(self):
        if self._freed:
            raise RuntimeError(_FREED_MESSAGE)
        return tuple(None if s is None else _check_version(self, s) for s in self._saved)

    def output(self):
        """The forward output, attached to this node (as torch's saved outputs are)."""
        if self._freed:
            raise RuntimeError(_FREED_MESSAGE)
        counter, version = self._out_version
        if counter[0] != version:
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by "
                f"an inplace operation: output 0 of {self.name()} is at version {counter[0]}; "
                f"expected version {version} instead.")
        out = Tensor._make(self._out, self._out_device)
        out.grad_fn = self
        out._requires_grad = True
        return out

    def name(self):
        return self.grad_fn_name or type(self).__name__ + "Backward0"

    def _release(self):
        self._freed = True
        self._saved = ()
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
        out = cls.forward(ctx, *args, **kwargs)
        if device is None:
            for a in args:
                if isinstance(a, Tensor):
                    device = a._device
                    break
        make = Tensor._make
        if not record:
            if type(out) is tuple:
                return tuple(make(o, device) for o in out)
            return make(out, device)

        nexts = []
        needs = []
        positions = []
        for i, a in enumerate(args):
            if isinstance(a, Tensor):
                positions.append(i)
                if a._requires_grad:
                    fn = a.grad_fn
                    nexts.append((fn if fn is not None else accumulator_of(a), a._output_nr))
                    needs.append(True)
                    continue
                nexts.append((None, 0))
            needs.append(False)
        ctx.next_functions = tuple(nexts)
        ctx.needs_input_grad = tuple(needs)
        ctx._positions = positions
        ctx._seq = next(_sequence)

        if type(out) is tuple:
            outs = tuple(make(o, device) for o in out)
            ctx._num_outputs = len(outs)
            ctx._output_meta = tuple((o.shape, o.dtype, o._device) for o in outs)
            for nr, o in enumerate(outs):
                if o.dtype.is_floating_point or o.dtype.is_complex:
                    o.grad_fn = ctx
                    o._requires_grad = True
                    o._output_nr = nr
            return outs
        result = make(out, device)
        if result.dtype.is_floating_point or result.dtype.is_complex:
            result.grad_fn = ctx
            result._requires_grad = True
        if cls.save_output:
            ctx._out = out if type(out) is not tuple else None
            ctx._out_device = device
            ctx._out_version = (result._vc, result._vc[0])
        return result

    def _run_backward(self, grad_outputs):
        if self._output_meta is not None:
            from ..ops.creation import zeros
            grad_outputs = tuple(
                g if g is not None else zeros(shape, dtype=dtype, device=dev)
                for g, (shape, dtype, dev) in zip(grad_outputs, self._output_meta))
        grads = type(self).backward(self, *grad_outputs)
        if type(grads) is not tuple:
            grads = (grads,)
        positions = self._positions
        if len(positions) == len(grads):
            return grads
        return tuple(grads[i] for i in positions)
