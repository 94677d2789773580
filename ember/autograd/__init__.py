"""Define-by-run autograd: backward, grad, grad modes."""
from .engine import execute
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled,  # noqa: F401
                        is_inference_mode_enabled, no_grad, set_grad_enabled)
from .graph import Node, accumulator_of

Function = None  # replaced below once ember.autograd.function exists


def _as_tuple(x):
    if x is None:
        return ()
    if isinstance(x, (tuple, list)):
        return tuple(x)
    return (x,)


def _root_grads(outputs, grad_outputs, create_graph):
    from ..ops.creation import ones_like
    grads = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if g is None:
            if not out._requires_grad:
                raise RuntimeError("element 0 of tensors does not require grad and does not "
                                   "have a grad_fn")
            if out.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if not out._dtype.is_floating_point:
                raise RuntimeError(f"grad can be implicitly created only for real scalar "
                                   f"outputs but got {out._dtype}")
            g = ones_like(out)
        elif not isinstance(g, type(out)) and not hasattr(g, "_data"):
            from ..ops.creation import full_like
            g = full_like(out, g)
        elif g.shape != out.shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                               f"{g.shape} and output[{i}] has a shape of {out.shape}.")
        grads.append(g)
    return grads


def _roots(outputs):
    roots = []
    for out in outputs:
        if not out._requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have "
                               "a grad_fn")
        node = out.grad_fn if out.grad_fn is not None else accumulator_of(out)
        roots.append((node, out._output_nr))
    return roots


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False,
             grad_variables=None, inputs=None):
    """Accumulate d(tensors)/d(leaf) into the .grad of every leaf (or of ``inputs``)."""
    outputs = _as_tuple(tensors)
    grads = _as_tuple(grad_tensors) or (None,) * len(outputs)
    if retain_graph is None:
        retain_graph = create_graph
    roots = _roots(outputs)
    root_grads = _root_grads(outputs, grads, create_graph)
    only = None
    if inputs is not None:
        inputs = _as_tuple(inputs)
        if not inputs:
            raise RuntimeError("'inputs' argument to backward() cannot be empty.")
        only = set()
        capture = []
        for t in inputs:
            if t.grad_fn is None:
                only.add(accumulator_of(t))
            else:
                capture.append((t.grad_fn, t._output_nr))
        captured = execute(roots, root_grads, retain_graph, create_graph,
                           capture=capture or None, only=only)
        for t, g in zip([t for t in inputs if t.grad_fn is not None], captured):
            if g is not None:
                t.grad = g if t.grad is None else t.grad + g
        return
    execute(roots, root_grads, retain_graph, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Return d(outputs)/d(inputs) without touching any .grad."""
    outputs = _as_tuple(outputs)
    single = not isinstance(inputs, (tuple, list))
    inputs = _as_tuple(inputs)
    grads = _as_tuple(grad_outputs) or (None,) * len(outputs)
    if allow_unused is None:
        allow_unused = materialize_grads
    if retain_graph is None:
        retain_graph = create_graph
    for t in inputs:
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    roots = _roots(outputs)
    root_grads = _root_grads(outputs, grads, create_graph)
    capture = [(t.grad_fn, t._output_nr) if t.grad_fn is not None else (accumulator_of(t), 0)
               for t in inputs]
    result = execute(roots, root_grads, retain_graph, create_graph, capture=capture,
                     accumulate=False)
    out = []
    for t, g in zip(inputs, result):
        if g is None:
            if materialize_grads:
                from ..ops.creation import zeros_like
                g = zeros_like(t)
            elif not allow_unused:
                raise RuntimeError("One of the differentiated Tensors appears to not have been "
                                   "used in the graph. Set allow_unused=True if this is the "
                                   "desired behavior.")
        elif not create_graph:
            g = g.detach()
        out.append(g)
    return tuple(out)


from .gradcheck import GradcheckError, gradcheck, gradgradcheck  # noqa: E402,F401
