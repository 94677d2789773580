"""Activation checkpointing (torch.utils.checkpoint): trade compute for memory.

A checkpointed function keeps no intermediate activations for backward; backward
runs the function again to get them. Two ways, as in torch:

- use_reentrant=True: a custom autograd Function runs the function under no_grad (no
  graph at all is kept) and, in its backward, reruns it with grad on and calls
  ``autograd.backward`` on the recomputed outputs (a nested, "reentrant" backward).
- use_reentrant=False: the function runs normally, but every tensor an op saves for
  backward goes through saved-tensor hooks that keep only a placeholder. The first
  unpack in a backward pass reruns the function under recording hooks, and the
  placeholders resolve to the recomputed tensors.

Both rerun the function with the forward's RNG state (dropout masks match) and its
autocast state.
"""
import contextlib
import warnings
import weakref

from .. import _random
from .._tensor import Tensor
from ..amp.autocast_mode import autocast, state as autocast_state
from ..autograd import backward as autograd_backward
from ..autograd.engine import current_pass
from ..autograd.function import Function
from ..autograd.grad_mode import enable_grad, no_grad
from ..autograd.graph import saved_tensors_hooks

__all__ = ["checkpoint", "checkpoint_sequential", "CheckpointError", "CheckpointFunction",
           "check_backward_validity", "detach_variable", "noop_context_fn"]


class CheckpointError(RuntimeError):
    """The recomputation did not save the tensors the forward saved."""


def noop_context_fn():
    return contextlib.nullcontext(), contextlib.nullcontext()


def detach_variable(inputs):
    """Detached copies of a tuple's tensors, keeping their requires_grad."""
    if not isinstance(inputs, tuple):
        raise RuntimeError("Only tuple of tensors is supported. Got Unsupported input type: "
                           f"{type(inputs).__name__}")
    out = []
    for inp in inputs:
        if isinstance(inp, Tensor):
            x = inp.detach()
            x.requires_grad = inp.requires_grad
            inp = x
        out.append(inp)
    return tuple(out)


def check_backward_validity(inputs):
    if not any(inp.requires_grad for inp in inputs if isinstance(inp, Tensor)):
        warnings.warn("None of the inputs have requires_grad=True. Gradients will be None",
                      stacklevel=2)


# ---------------------------------------------------------------- forward state to replay

class _ForwardState:
    """The RNG and autocast state at the forward, replayed around the recomputation."""

    def __init__(self, args, preserve_rng_state):
        self.preserve = preserve_rng_state
        self.autocast = {dev: (autocast_state.enabled[dev], autocast_state.dtype[dev])
                         for dev in ("cpu", "cuda")}
        self.cache_enabled = autocast_state.cache_enabled
        if preserve_rng_state:
            self.cpu_rng = _random.default_generator.get_state()
            self.gpus = sorted({a.device.index or 0 for a in args
                                if isinstance(a, Tensor) and a.device.type == "cuda"})
            self.gpu_rngs = [_random.cuda_generator(i).get_state() for i in self.gpus]

    @contextlib.contextmanager
    def replay(self):
        with contextlib.ExitStack() as stack:
            if self.preserve:
                stack.enter_context(_forked_rng(self.gpus))
                _random.default_generator.set_state(self.cpu_rng)
                for index, rng in zip(self.gpus, self.gpu_rngs):
                    _random.cuda_generator(index).set_state(rng)
            for dev, (enabled, dtype) in self.autocast.items():
                stack.enter_context(autocast(dev, dtype=dtype, enabled=enabled,
                                             cache_enabled=self.cache_enabled))
            stack.enter_context(enable_grad())
            yield


@contextlib.contextmanager
def _forked_rng(gpus):
    """Restore the caller's CPU and GPU generators after the recomputation."""
    cpu = _random.default_generator.get_state()
    states = [(i, _random.cuda_generator(i).get_state()) for i in gpus]
    try:
        yield
    finally:
        _random.default_generator.set_state(cpu)
        for i, state in states:
            _random.cuda_generator(i).set_state(state)


# ---------------------------------------------------------------- use_reentrant=True

class CheckpointFunction(Function):
    @staticmethod
    def forward(ctx, run_function, preserve_rng_state, *args):
        check_backward_validity(args)
        ctx.run_function = run_function
        ctx.forward_state = _ForwardState(args, preserve_rng_state)
        ctx.inputs = [None if isinstance(a, Tensor) else a for a in args]
        ctx.tensor_indices = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        ctx.save_for_backward(*(a for a in args if isinstance(a, Tensor)))
        with no_grad():
            return run_function(*args)

    @staticmethod
    def backward(ctx, *grads):
        inputs = list(ctx.inputs)
        for index, tensor in zip(ctx.tensor_indices, ctx.saved_tensors):
            inputs[index] = tensor
        detached = detach_variable(tuple(inputs))
        with ctx.forward_state.replay():
            outputs = ctx.run_function(*detached)
        if isinstance(outputs, Tensor):
            outputs = (outputs,)
        pairs = [(o, g) for o, g in zip(outputs, grads)
                 if isinstance(o, Tensor) and o.requires_grad]
        if not pairs:
            raise RuntimeError("none of output has requires_grad=True, this checkpoint() is "
                               "not necessary")
        autograd_backward([o for o, _ in pairs], [g for _, g in pairs])
        return (None, None) + tuple(x.grad if isinstance(x, Tensor) else None
                                    for x in detached)


# ---------------------------------------------------------------- use_reentrant=False

class _Handle:
    """What a saved tensor becomes inside a checkpointed forward."""
    __slots__ = ("index", "__weakref__")

    def __init__(self, index):
        self.index = index


def _meta(t):
    return {"shape": tuple(t.shape), "dtype": t.dtype, "device": t.device}


class _Frame:
    """One checkpointed call: its saved-tensor metadata and, per backward pass, the
    tensors the recomputation saved."""

    def __init__(self, function, args, kwargs, forward_state, recompute_context):
        self.function, self.args, self.kwargs = function, args, kwargs
        self.forward_state = forward_state
        self.recompute_context = recompute_context
        self.metas = []
        # NOTE: keyed by the backward pass, so a retain_graph second pass recomputes
        # and a finished pass's tensors are dropped with it.
        self.recomputed = weakref.WeakKeyDictionary()
        self.outside_pass = None

    def pack(self, tensor):
        self.metas.append(_meta(tensor))
        return _Handle(len(self.metas) - 1)

    def unpack(self, handle):
        key = current_pass()
        saved = self.outside_pass if key is None else self.recomputed.get(key)
        if saved is None:
            saved = self._recompute()
            if key is None:
                self.outside_pass = saved
            else:
                self.recomputed[key] = saved
        return saved[handle.index]

    def _recompute(self):
        saved = []

        def record(tensor):
            if len(saved) >= len(self.metas):
                raise CheckpointError("torch.utils.checkpoint: trying to save more tensors "
                                      "during recomputation than during the original forward "
                                      "pass.")
            saved.append(tensor.detach())

        def never(_):
            raise CheckpointError("torch.utils.checkpoint: unpacking a tensor during the "
                                  "recomputation is not supported.")
        args = detach_variable(tuple(self.args))
        with self.forward_state.replay(), saved_tensors_hooks(record, never), \
                self.recompute_context:
            self.function(*args, **self.kwargs)
        self._check(saved)
        return saved

    def _check(self, saved):
        if len(saved) != len(self.metas):
            raise CheckpointError(
                "torch.utils.checkpoint: A different number of tensors was saved during the "
                f"original forward and recomputation.\nNumber of tensors saved during forward: "
                f"{len(self.metas)}\nNumber of tensors saved during recomputation: "
                f"{len(saved)}.")
        different = "".join(
            f"tensor at position {i}:\nsaved metadata: {meta}\nrecomputed metadata: "
            f"{_meta(t)}\n" for i, (meta, t) in enumerate(zip(self.metas, saved))
            if _meta(t) != meta)
        if different:
            raise CheckpointError("torch.utils.checkpoint: Recomputed values for the following "
                                  "tensors have different metadata than during the forward "
                                  f"pass.\n{different}.")


def _checkpoint_without_reentrant(function, preserve_rng_state, context_fn, args, kwargs):
    forward_context, recompute_context = context_fn()
    frame = _Frame(function, args, kwargs, _ForwardState(args, preserve_rng_state),
                   recompute_context)
    with saved_tensors_hooks(frame.pack, frame.unpack), forward_context:
        return function(*args, **kwargs)


# ---------------------------------------------------------------- public entry points

def checkpoint(function, *args, use_reentrant=None, context_fn=noop_context_fn,
               determinism_check="default", debug=False, early_stop=True, **kwargs):
    """function(*args, **kwargs), keeping no activations for backward (recomputed then).

    ``preserve_rng_state`` (default True) may be passed as a keyword. ember recomputes
    the whole function on the first unpack (``early_stop`` is accepted, not used) and
    always checks the recomputed tensors' shapes and dtypes.
    """
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. "
            "Starting in PyTorch 2.9, calling checkpoint without use_reentrant will raise an "
            "exception. use_reentrant=False is recommended, but if you need to preserve the "
            "current default behavior, you can pass use_reentrant=True. Refer to docs for "
            "more details on the differences between the two variants.", stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs and use_reentrant:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    if use_reentrant:
        if context_fn is not noop_context_fn or debug is not False:
            raise ValueError("Passing `context_fn` or `debug` is only supported when "
                             "use_reentrant=False.")
        return CheckpointFunction.apply(function, preserve, *args)
    return _checkpoint_without_reentrant(function, preserve, context_fn, args, kwargs)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """Run a sequence of modules/functions in ``segments`` chunks, checkpointing all but
    the last."""
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint.checkpoint_sequential: the use_reentrant parameter should "
            "be passed explicitly. In version 2.9 we will raise an exception if use_reentrant "
            "is not passed. use_reentrant=False is recommended, but if you need to preserve "
            "the current default behavior, you can pass use_reentrant=True. Refer to docs for "
            "more details on the differences between the two variants.", stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    from ..nn import Sequential
    if isinstance(functions, Sequential):
        functions = list(functions.children())

    def run_function(start, end):
        def forward(x):
            for j in range(start, end + 1):
                x = functions[j](x)
            return x
        return forward

    segment_size = len(functions) // segments
    end = -1
    for start in range(0, segment_size * (segments - 1), segment_size):
        end = start + segment_size - 1
        input = checkpoint(run_function(start, end), input, use_reentrant=use_reentrant,
                           preserve_rng_state=preserve)
    return run_function(end + 1, len(functions) - 1)(input)
