"""Define-by-run autograd: backward, grad, grad modes, custom Functions, anomaly mode."""
import warnings
from collections.abc import Mapping

from . import anomaly_mode, grad_mode, graph  # noqa: F401
from .anomaly_mode import (detect_anomaly, is_anomaly_check_nan_enabled,  # noqa: F401
                           is_anomaly_enabled, set_anomaly_enabled, set_detect_anomaly)
from .engine import execute
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled,  # noqa: F401
                        is_inference_mode_enabled, no_grad, set_grad_enabled,
                        set_multithreading_enabled)
from .graph import GradientEdge, Node, accumulator_of  # noqa: F401


def _tensors_tuple(x):
    """torch's normalisation: a tensor (or edge) becomes a 1-tuple, else tuple(x)."""
    if isinstance(x, (graph.Tensor, GradientEdge)):
        return (x,)
    return tuple(x)


def _grads_tuple(grads, length):
    if grads is None:
        return (None,) * length
    if isinstance(grads, graph.Tensor):
        return (grads,)
    return tuple(grads)


def _size(shape):
    return "torch.Size([" + ", ".join(str(s) for s in shape) + "])"


def _make_grads(outputs, grads, batched=False):
    """Check the user's output gradients and create the implicit ones (torch's rules)."""
    new = []
    for i, (out, g) in enumerate(zip(outputs, grads)):
        if isinstance(g, graph.Tensor):
            g_shape = g.shape[1:] if batched else g.shape
            if g_shape != out.shape:
                if batched:
                    # NOTE: torch's message shows the shape of g[0] without its first dim.
                    g_shape = g.shape[2:]
                    raise RuntimeError(
                        "If `is_grads_batched=True`, we interpret the first dimension of each "
                        "grad_output as the batch dimension. The sizes of the remaining "
                        "dimensions are expected to match the shape of corresponding output, "
                        f"but a mismatch was detected: grad_output[{i}] has a shape of "
                        f"{_size(g_shape)} and output[{i}] has a shape of {_size(out.shape)}. "
                        "If you only want some tensors in `grad_output` to be considered "
                        "batched, consider using vmap.")
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                                   f"{_size(g_shape)} and output[{i}] has a shape of "
                                   f"{_size(out.shape)}.")
            if out.dtype.is_complex != g.dtype.is_complex:
                raise RuntimeError(
                    "For complex Tensors, both grad_output and output are required to have the "
                    f"same dtype. Mismatch in dtype: grad_output[{i}] has a dtype of "
                    f"{_dtype_name(g.dtype)} and output[{i}] has a dtype of "
                    f"{_dtype_name(out.dtype)}.")
            new.append(g)
        elif g is None:
            if not out.requires_grad:
                new.append(None)
                continue
            if out.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if not out.dtype.is_floating_point:
                raise RuntimeError("grad can be implicitly created only for real scalar "
                                   f"outputs but got {_dtype_name(out.dtype)}")
            new.append(graph.ones_like(out))
        else:
            raise TypeError("gradients can be either Tensors or None, but got "
                            f"{type(g).__name__}")
    # NOTE: like torch, extra gradients are ignored; too few is an error.
    if len(new) != len(outputs):
        raise RuntimeError(f"got {len(outputs)} tensors and {len(new)} gradients")
    return new


def _dtype_name(dtype):
    return "torch." + dtype.name


def _roots(outputs, grads):
    """(node, output_nr) per output, with the seed cast to the output's dtype."""
    roots, seeds = [], []
    for i, (out, g) in enumerate(zip(outputs, grads)):
        if isinstance(out, GradientEdge):
            roots.append((out.node, out.output_nr))
            seeds.append(g)
            continue
        if not out._requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not "
                               "have a grad_fn")
        node = out.grad_fn if out.grad_fn is not None else accumulator_of(out)
        roots.append((node, out._output_nr))
        if g is not None and (g._dtype is not out._dtype or g._device != out._device):
            g = g.to(dtype=out._dtype, device=out._device)
        seeds.append(g)
    return roots, seeds


def _edge_of(t):
    if isinstance(t, GradientEdge):
        return t.node, t.output_nr
    return (t.grad_fn, t._output_nr) if t.grad_fn is not None else (accumulator_of(t), 0)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False,
             grad_variables=None, inputs=None):
    """Accumulate d(tensors)/d(leaf) into the .grad of every leaf (or of ``inputs``)."""
    if grad_variables is not None:
        warnings.warn("`grad_variables` is deprecated. Use `grad_tensors` instead.",
                      FutureWarning, stacklevel=2)
        if grad_tensors is not None:
            raise RuntimeError("`grad_tensors` and `grad_variables` (deprecated) arguments both "
                               "passed to `backward()`. Please only use `grad_tensors`.")
        grad_tensors = grad_variables
    inputs = _inputs_tuple(inputs, "backward") if inputs is not None else None
    if inputs is not None and not inputs:
        raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    outputs = _tensors_tuple(tensors)
    grads = _make_grads(outputs, _grads_tuple(grad_tensors, len(outputs)))
    if retain_graph is None:
        retain_graph = create_graph
    roots, seeds = _roots(outputs, grads)
    if create_graph:
        warnings.warn(
            "Using backward() with create_graph=True will create a reference cycle between the "
            "parameter and its gradient which can cause a memory leak. We recommend using "
            "autograd.grad when creating the graph to avoid this. If you have to use this "
            "function, make sure to reset the .grad fields of your parameters to None after "
            "use to break the cycle and avoid the leak.", stacklevel=3)
    if inputs is None:
        execute(roots, seeds, retain_graph, create_graph)
        return
    _backward_to(roots, seeds, inputs, retain_graph, create_graph)


def _backward_to(roots, seeds, inputs, retain_graph, create_graph):
    """backward(inputs=...): accumulate only into the given tensors' .grad."""
    from ..ops.creation import detach_for_grad
    only, capture, nonleaf = set(), [], []
    for t in inputs:
        if isinstance(t, GradientEdge) or t.grad_fn is not None:
            capture.append(_edge_of(t))
            nonleaf.append(t)
        elif not t._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        else:
            only.add(accumulator_of(t))
    captured = execute(roots, seeds, retain_graph, create_graph, capture=capture or None,
                       only=only)
    for t, g in zip(nonleaf, captured):
        if g is None or isinstance(t, GradientEdge):
            continue
        if t.grad is None:
            t.grad = g if create_graph else detach_for_grad(g)
        else:
            t.grad = t.grad + g


def _inputs_tuple(inputs, caller):
    if isinstance(inputs, (graph.Tensor, GradientEdge)):
        return (inputs,)
    if type(inputs) is dict:
        return tuple(inputs.values())
    if isinstance(inputs, Mapping):
        raise TypeError(f"`inputs` argument to `{caller}()` must be a dict, not "
                        f"{type(inputs).__name__}. Other Mapping types are not supported.")
    return tuple(inputs)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Return d(outputs)/d(inputs) without touching any .grad."""
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when "
                         "materialize_grads=True, but got: allow_unused=False.")
    if allow_unused is None:
        allow_unused = materialize_grads
    outputs = _tensors_tuple(outputs)
    inputs_tuple = _inputs_tuple(inputs, "grad")
    if not inputs_tuple:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    if not only_inputs:
        warnings.warn("only_inputs argument is deprecated and is ignored now (defaults to "
                      "True). To accumulate gradient for other parts of the graph, please use "
                      "torch.autograd.backward.", FutureWarning, stacklevel=2)
    grads = _make_grads(outputs, _grads_tuple(grad_outputs, len(outputs)), is_grads_batched)
    if retain_graph is None:
        retain_graph = create_graph
    for t in inputs_tuple:
        if not isinstance(t, GradientEdge) and not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    if is_grads_batched:
        result = _batched_grad(outputs, inputs_tuple, grads, retain_graph, create_graph)
    else:
        result = _grad(outputs, inputs_tuple, grads, retain_graph, create_graph)
    result = _finish_grads(result, inputs_tuple, allow_unused, materialize_grads,
                           create_graph)
    if type(inputs) is dict:
        return dict(zip(inputs.keys(), result))
    return result


def _grad(outputs, inputs, grads, retain_graph, create_graph):
    roots, seeds = _roots(outputs, grads)
    return execute(roots, seeds, retain_graph, create_graph,
                   capture=[_edge_of(t) for t in inputs], accumulate=False)


def _batched_grad(outputs, inputs, grads, retain_graph, create_graph):
    """is_grads_batched: one vector-Jacobian product per row of the grad_outputs."""
    from ..ops.shape import stack
    sizes = {g.shape[0] for g in grads if g is not None}
    batch = sizes.pop() if sizes else 1
    rows = []
    for b in range(batch):
        row_grads = [g[b] if g is not None else None for g in grads]
        keep = retain_graph or b < batch - 1
        rows.append(_grad(outputs, inputs, row_grads, keep, create_graph))
    result = []
    for per_input in zip(*rows):
        if all(g is None for g in per_input):
            result.append(None)
            continue
        like = next(g for g in per_input if g is not None)
        result.append(stack([g if g is not None else like * 0 for g in per_input]))
    return result


def _finish_grads(result, inputs, allow_unused, materialize_grads, create_graph):
    from ..ops.creation import zeros_like
    out = []
    for i, (t, g) in enumerate(zip(inputs, result)):
        if g is None:
            if materialize_grads:
                if isinstance(t, GradientEdge):
                    raise RuntimeError("materialize_grads cannot be used when the given input "
                                       "is a GradientEdge")
                g = zeros_like(t, requires_grad=create_graph)
            elif not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {i} appears to not "
                                   "have been used in the graph. Set allow_unused=True if this "
                                   "is the desired behavior.")
        elif not create_graph and g._requires_grad:
            g = g.detach()
        out.append(g)
    return tuple(out)


from .function import Function, InplaceFunction, once_differentiable  # noqa: E402,F401
from . import function, functional  # noqa: E402,F401
from .gradcheck import GradcheckError, gradcheck, gradgradcheck  # noqa: E402,F401


class _VariableMeta(type):
    def __instancecheck__(cls, other):
        return isinstance(other, graph.Tensor)


class Variable(metaclass=_VariableMeta):
    """The pre-0.4 wrapper, kept as torch keeps it: every Tensor is a Variable, and
    Variable(t) returns a tensor sharing t's data."""

    def __new__(cls, data, requires_grad=False, volatile=False):
        if not isinstance(data, graph.Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        out = data.detach()
        out._vc = [0]
        if requires_grad:
            out.requires_grad_(True)
        return out
