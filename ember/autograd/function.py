"""Custom autograd Functions (``ember.autograd.Function``), written like torch's.

    class Exp(Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad):
            (y,) = ctx.saved_tensors
            return grad * y

Each subclass ``Foo`` gets a node class ``FooBackward``; the ``ctx`` that forward and
backward receive is that node, the ``grad_fn`` of the outputs. forward runs under
no_grad; backward runs with grad mode on when create_graph is, so a backward written
with ember ops supports double backward. Saved outputs are kept as bare arrays and
rebuilt on access, so an output saved for backward makes no reference cycle.
"""
import functools
import inspect
import warnings

from . import graph
from .anomaly_mode import record_forward_trace, state as anomaly
from .grad_mode import no_grad, state as grad_state
from .graph import FREED_MESSAGE, Node, accumulator_of, modified_message

__all__ = ["Function", "FunctionCtx", "BackwardCFunction", "once_differentiable"]


class FunctionCtx:
    """What forward/setup_context may call on ``ctx``."""

    def save_for_backward(self, *tensors):
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, graph.Tensor):
                raise TypeError("save_for_backward can only save variables, but argument "
                                f"{i} is of type {type(t).__name__}")
        self.to_save = tensors

    def save_for_forward(self, *tensors):
        for t in tensors:
            if t is not None and not isinstance(t, graph.Tensor):
                raise ValueError("save_for_forward expects all arguments to be tensors; you "
                                 f"should save non-tensors as attributes on ctx. Got "
                                 f"{type(t).__name__}")
        self.saved_for_forward = tensors

    def mark_dirty(self, *args):
        """Declare the inputs forward modified in place (they must be returned too)."""
        self.dirty_tensors = args

    def mark_shared_storage(self, *pairs):
        warnings.warn("mark_shared_storage is deprecated. Tensors with shared storages are "
                      "automatically tracked. Note that calls to `set_()` are not tracked",
                      DeprecationWarning, stacklevel=2)

    def mark_non_differentiable(self, *args):
        """Declare outputs that never require grad (backward still receives a zero grad)."""
        self.non_differentiable = args

    def set_materialize_grads(self, value):
        """Whether backward receives zeros (True, the default) or None for unused outputs."""
        self.materialize_grads = value


class _SavedOutput:
    """An output of the node saved for backward: kept as its array and rebuilt on use."""
    __slots__ = ("data", "device", "output_nr", "vc", "version")

    def __init__(self, tensor):
        self.data = tensor._data
        self.device = tensor._device
        self.output_nr = tensor._output_nr
        self.vc = tensor._vc
        self.version = tensor._vc[0]

    def unpack(self, node):
        t = graph.Tensor._make(self.data, self.device)
        t._vc = self.vc
        t.grad_fn = node
        t._output_nr = self.output_nr
        t._requires_grad = True
        if self.vc[0] != self.version:
            raise RuntimeError(modified_message(t, node, self.vc[0], self.version))
        return t


class BackwardCFunction(FunctionCtx, Node):
    """The node (and ctx) of one call of a custom Function."""

    _forward_cls = None
    materialize_grads = True
    to_save = ()
    dirty_tensors = ()
    non_differentiable = ()
    needs_input_grad = ()
    _saved = ()
    _input_meta = ()
    _out_info = ()

    @property
    def saved_tensors(self):
        if self._freed:
            raise RuntimeError(FREED_MESSAGE)
        return tuple(s.unpack(self) if type(s) is _SavedOutput else graph._unpack(self, s)
                     for s in self._saved)

    @property
    def saved_variables(self):
        warnings.warn("'saved_variables' is deprecated; use 'saved_tensors'", DeprecationWarning,
                      stacklevel=2)
        return self.saved_tensors

    def _release(self):
        self._freed = True
        self._saved = ()

    def apply(self, *grads):
        """Run the user's backward (or vjp) on these output gradients, unchecked."""
        return _user_backward(self._forward_cls)(self, *grads)

    def _run_backward(self, grad_outputs):
        grads = list(grad_outputs)
        if self.materialize_grads:
            from ..ops.creation import zeros
            for i, info in enumerate(self._out_info):
                if grads[i] is None and info is not None:
                    shape, dtype, device = info
                    grads[i] = zeros(shape, dtype=dtype, device=device)
        result = self.apply(*grads)
        if not isinstance(result, tuple):
            result = (result,)
        return self._validate(result)

    def _validate(self, result):
        """torch's checks of what backward returned: count, Nones, shapes, dtypes."""
        name = self.name()
        n = len(self._input_meta)
        if len(result) != n:
            if len(result) > n and all(r is None for r in result[n:]):
                result = result[:n]
            else:
                raise RuntimeError(f"function {name} returned an incorrect number of gradients "
                                   f"(expected {n}, got {len(result)})")
        grads = []
        for i, (g, meta) in enumerate(zip(result, self._input_meta)):
            if meta is None:
                if g is not None:
                    raise RuntimeError(f"function {name} returned a gradient different than None "
                                       f"at position {i + 1}, but the corresponding forward "
                                       "input was not a Variable")
                continue
            if g is not None and not isinstance(g, graph.Tensor):
                raise RuntimeError(f"expected Variable or None (got {type(g).__name__})")
            grads.append((g, meta))
        return tuple(_fit_gradient(name, j, g, meta) if nxt is not None and g is not None
                     else None
                     for j, ((g, meta), (nxt, _)) in enumerate(zip(grads, self.next_functions)))


def _fit_gradient(name, index, grad, meta):
    """Reduce a broadcast gradient to the input's shape and cast it to its dtype."""
    shape, dtype, device = meta
    if grad.shape != shape:
        if not _expandable(shape, grad.shape):
            raise RuntimeError(f"Function {name} returned an invalid gradient at index {index} - "
                               f"got {list(grad.shape)} but expected shape compatible with "
                               f"{list(shape)}")
        from ..ops._util import sum_to
        grad = sum_to(grad, shape)
    if grad._device != device:
        raise RuntimeError(f"Function {name} returned an invalid gradient at index {index} - "
                           f"expected device {device} but got {grad._device}")
    if grad._dtype is not dtype:
        grad = grad.to(dtype)
    return grad


def _expandable(shape, target):
    if len(shape) > len(target):
        return False
    return all(s == t or s == 1 for s, t in zip(reversed(shape), reversed(target)))


def _user_backward(cls):
    backward, vjp = cls.backward, cls.vjp
    if backward is not Function.backward and vjp is not Function.vjp:
        raise RuntimeError("Implementing both 'backward' and 'vjp' for a custom Function is not "
                           "allowed. You should only implement one of them.")
    return vjp if vjp is not Function.vjp else backward


class FunctionMeta(type):
    """Gives each Function subclass Foo its node class FooBackward."""

    def __init__(cls, name, bases, attrs):
        cls._backward_cls = type(name + "Backward", (BackwardCFunction,), {"_forward_cls": cls})
        cls._forward_signature = None
        super().__init__(name, bases, attrs)


class Function(metaclass=FunctionMeta):
    """Base class of custom differentiable operations; use ``Foo.apply(*args)``."""

    generate_vmap_rule = False

    def __init__(self, *args, **kwargs):
        warnings.warn(f"{self.__class__} should not be instantiated. Methods on autograd "
                      "functions are all static, so you should invoke them on the class itself. "
                      "Instantiating an autograd function will raise an error in a future "
                      "version of PyTorch.", DeprecationWarning, stacklevel=2)

    def __call__(self, *args, **kwargs):
        raise RuntimeError(
            "Legacy autograd function with non-static forward method is deprecated. Please use "
            "new-style autograd function with static forward method. (Example: "
            "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)")

    @staticmethod
    def forward(*args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward mode "
                                  "AD.")

    vjp = backward

    @staticmethod
    def jvp(ctx, *grad_inputs):
        raise NotImplementedError("You must implement the jvp function for custom "
                                  "autograd.Function to use it with forward mode AD.")

    @classmethod
    def apply(cls, *args, **kwargs):
        uses_setup = cls.setup_context is not Function.setup_context
        if uses_setup or kwargs:
            args, kwargs = _bind(cls, args, kwargs, defaults=uses_setup)
        ctx = cls._backward_cls()
        record = False
        if grad_state.enabled:
            for a in args:
                if isinstance(a, graph.Tensor) and a._requires_grad:
                    record = True
                    break
        # NOTE: as in torch, needs_input_grad ignores grad mode (True even under no_grad).
        ctx.needs_input_grad = tuple(isinstance(a, graph.Tensor) and a._requires_grad
                                     for a in args)
        prev = grad_state.enabled
        grad_state.enabled = False
        try:
            if uses_setup:
                outputs = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, outputs)
            else:
                outputs = cls.forward(ctx, *args, **kwargs)
        finally:
            grad_state.enabled = prev
        return _wrap_outputs(ctx, args, outputs, record)


def _bind(cls, args, kwargs, defaults):
    """Keyword arguments of apply, bound to forward's positional parameters."""
    sig = cls._forward_signature
    if sig is None:
        sig = cls._forward_signature = inspect.signature(cls.forward)
    if defaults:
        bound = sig.bind(*args, **kwargs)
        bound.apply_defaults()
        return tuple(bound.args), bound.kwargs
    bound = sig.bind(None, *args, **kwargs)
    return tuple(bound.args[1:]), bound.kwargs


# ---------------------------------------------------------------- wrapping outputs

def _connect(ctx, args):
    """Record ctx in the graph: its edges to the inputs and its input metadata."""
    edges, meta = [], []
    for a in args:
        if not isinstance(a, graph.Tensor):
            meta.append(None)
            continue
        meta.append((a.shape, a._dtype, a._device))
        if a._requires_grad:
            edges.append((a.grad_fn if a.grad_fn is not None else accumulator_of(a),
                          a._output_nr))
        else:
            edges.append((None, 0))
    ctx.next_functions = tuple(edges)
    ctx._input_meta = tuple(meta)
    ctx._seq = next(graph._sequence)
    if anomaly.enabled:
        record_forward_trace(ctx)


def _alias(t):
    """A new tensor viewing t's memory (what torch returns for an input passed through)."""
    out = graph.Tensor._make(t._data, t._device)
    return out._set_view_of(t, _identity)


def _identity(t):
    return t


def _wrap_outputs(ctx, args, outputs, record):
    is_tuple = isinstance(outputs, tuple)
    raw = outputs if is_tuple else (outputs,)
    inputs = {id(a) for a in args if isinstance(a, graph.Tensor)}
    dirty = {id(t) for t in ctx.dirty_tensors}
    for t in ctx.dirty_tensors:
        t._vc[0] += 1
    returned = {id(o) for o in raw if isinstance(o, graph.Tensor)}
    if not dirty <= returned:
        raise RuntimeError("Some elements marked as dirty during the forward method were not "
                           "returned as output. The inputs that are modified inplace must all "
                           "be outputs of the Function.")
    non_diff = {id(t) for t in ctx.non_differentiable}
    if record:
        _connect(ctx, args)
        ctx._num_outputs = len(raw)
    results, info = [], []
    for nr, o in enumerate(raw):
        if not isinstance(o, graph.Tensor):
            results.append(o)
            info.append(None)
            continue
        differentiable = record and id(o) not in non_diff and \
            (o._dtype.is_floating_point or o._dtype.is_complex)
        o = _set_history(ctx, o, nr, len(raw), id(o) in inputs, id(o) in dirty, differentiable)
        results.append(o)
        info.append((o.shape, o._dtype, o._device))
    if record:
        ctx._out_info = tuple(info)
        ctx._saved = tuple(_save(ctx, t) for t in ctx.to_save)
    # NOTE: these may hold the outputs, whose grad_fn is ctx: drop them (no cycles).
    for name in ("to_save", "dirty_tensors", "non_differentiable"):
        ctx.__dict__.pop(name, None)
    return tuple(results) if is_tuple else results[0]


def _set_history(ctx, o, nr, num_outputs, is_input, is_modified, differentiable):
    if not differentiable:
        if not o._requires_grad:
            return _alias(o) if is_input and not is_modified else o
        return o.detach()
    if is_modified:
        if o.grad_fn is None and o._requires_grad:
            raise RuntimeError("a leaf Variable that requires grad has been used in an in-place "
                               "operation.")
        if not is_input:
            warnings.warn("Only input Tensors should be given to ctx.mark_dirty(). If a Tensor "
                          "is not an input, there is no need to pass it to mark_dirty().",
                          stacklevel=4)
        if o._base is not None and num_outputs > 1:
            raise RuntimeError(_VIEW_MULTI_OUTPUT)
        _rebase(ctx, o, nr)
        return o
    if is_input:
        o = _alias(o)
    o.grad_fn = ctx
    o._output_nr = nr
    o._requires_grad = True
    return o


_VIEW_MULTI_OUTPUT = (
    "If your Function modifies inplace an input that is a view of another Tensor, your Function "
    "cannot return more than one Tensor. This is not supported by the current autograd engine. "
    "You should either make sure the input is not a view (using .clone() for example) or make "
    "your Function only return one Tensor (potentially splitting it into two Functions: one "
    "doing the inplace that returns a single Tensor and a second one that does the other "
    "operations). You can ask on the forum https://discuss.pytorch.org/ if you need help to do "
    "this change.")


def _rebase(ctx, o, nr):
    """o (an input forward modified in place) now comes out of ctx."""
    if o._base is None:
        o.grad_fn = ctx
        o._output_nr = nr
        o._requires_grad = True
        return
    # A view: its base's history must change too (torch's CopySlices).
    from ..ops._util import _rebase_history
    result = graph.Tensor._make(o._data, o._device)
    result.grad_fn = ctx
    result._output_nr = nr
    result._requires_grad = True
    _rebase_history(o, result)


def _save(ctx, t):
    if t is None:
        return None
    if t.grad_fn is ctx and not graph._saved_hooks:
        return _SavedOutput(t)
    return graph._save(t)


# ---------------------------------------------------------------- once_differentiable

class _DelayedError(Node):
    """Stands for a backward that cannot itself be differentiated; raises when reached."""

    _name = "torch::autograd::Error"

    def __init__(self, message, num_outputs):
        self.message = message
        self._num_outputs = num_outputs
        self._seq = next(graph._sequence)

    def _run_backward(self, grad_outputs):
        raise RuntimeError(self.message)


def once_differentiable(fn):
    """Decorate a backward that is not written with differentiable ops: it runs under
    no_grad, and differentiating its result (double backward) raises."""
    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with no_grad():
            outputs = fn(ctx, *args)
        if not grad_state.enabled:
            return outputs
        if not any(isinstance(a, graph.Tensor) and a._requires_grad for a in args):
            return outputs
        is_tuple = isinstance(outputs, tuple)
        outs = outputs if is_tuple else (outputs,)
        err = _DelayedError("trying to differentiate twice a function that was marked with "
                            "@once_differentiable", len(outs))
        wrapped = []
        for nr, o in enumerate(outs):
            if isinstance(o, graph.Tensor):
                o = o.detach()
                o.grad_fn = err
                o._output_nr = nr
                o._requires_grad = True
            wrapped.append(o)
        return tuple(wrapped)
    return wrapper


class InplaceFunction(Function):
    """A Function with an ``inplace`` flag (kept for compatibility)."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace
