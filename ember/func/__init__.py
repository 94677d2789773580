"""ember.func: torch.func's functional_call, grad and grad_and_value (no vmap yet)."""
from ..autograd import grad as _autograd_grad
from ..autograd.grad_mode import enable_grad, is_grad_enabled
from .._tensor import Tensor
from ..nn.utils.stateless import _functional_call

__all__ = ["functional_call", "grad", "grad_and_value"]


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *,
                    tie_weights=True, strict=False):
    """module(*args, **kwargs) with its parameters and buffers taken from the dict (or
    tuple of dicts, whose keys must not repeat)."""
    if isinstance(parameter_and_buffer_dicts, dict):
        merged = parameter_and_buffer_dicts
    elif isinstance(parameter_and_buffer_dicts, (list, tuple)):
        seen, repeated = set(), set()
        for d in parameter_and_buffer_dicts:
            repeated |= seen & set(d)
            seen |= set(d)
        if repeated:
            raise ValueError(f"{repeated} appeared in multiple dictionaries; behavior of "
                             "functional call is ambiguous")
        merged = {k: v for d in parameter_and_buffer_dicts for k, v in d.items()}
    else:
        raise ValueError(f"Expected parameter_and_buffer_dicts to be a dict, or a list/tuple "
                         f"of dicts, but got {type(parameter_and_buffer_dicts)}")
    return _functional_call(module, merged, args, kwargs, tie_weights=tie_weights,
                            strict=strict)


def _prepare(args, argnums):
    """The positional arguments at argnums as tensors to differentiate with respect to:
    a fresh leaf, or (when the argument itself requires grad) an alias still attached
    to it, so an outer differentiation sees through."""
    positions = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    if not positions:
        raise RuntimeError("grad_and_value(f)(*args): Expected argnums to be a non-empty "
                           "tuple")
    args = list(args)
    for i in positions:
        if i >= len(args) or i < -len(args):
            raise RuntimeError(f"Got argnums={argnums}, but only {len(args)} positional "
                               "inputs")
        if not isinstance(args[i], Tensor):
            raise RuntimeError(f"Expected argnums ({i}) to select Tensors, got "
                               f"{type(args[i]).__name__}")
        arg = args[i]
        args[i] = arg.view_as(arg) if arg.requires_grad else arg.detach().requires_grad_(True)
    return args, positions


def grad_and_value(func, argnums=0, has_aux=False):
    """A function returning (gradient of func's scalar output w.r.t. args[argnums],
    func's output) -- or (gradient, (output, aux)) with has_aux."""
    def wrapper(*args, **kwargs):
        # The result stays differentiable only when an argument already required grad.
        outer = is_grad_enabled() and any(isinstance(a, Tensor) and a.requires_grad
                                          for a in args)
        with enable_grad():
            args, positions = _prepare(args, argnums)
            output = func(*args, **kwargs)
            aux = None
            if has_aux:
                if not (isinstance(output, tuple) and len(output) == 2):
                    raise RuntimeError("grad_and_value(f)(*args): output of function f should "
                                       "be a tuple: (output, aux) if has_aux is True")
                output, aux = output
            if not isinstance(output, Tensor) or output.ndim != 0:
                dims = output.ndim if isinstance(output, Tensor) else None
                raise RuntimeError("grad_and_value(f)(*args): Expected f(*args) to return a "
                                   f"scalar Tensor, got tensor with {dims} dims. Maybe you "
                                   "wanted to use the vjp or jacrev APIs instead?")
            grads = _autograd_grad(output, [args[i] for i in positions], allow_unused=True,
                                   create_graph=outer)
        grads = tuple(g if g is not None else args[i].new_zeros(args[i].shape)
                      for g, i in zip(grads, positions))
        result = grads[0] if isinstance(argnums, int) else grads
        value = output if outer else output.detach()
        return (result, (value, aux)) if has_aux else (result, value)
    return wrapper


def grad(func, argnums=0, has_aux=False):
    """A function returning the gradient of func's scalar output w.r.t. args[argnums]
    (and func's aux output with has_aux)."""
    with_value = grad_and_value(func, argnums, has_aux)

    def wrapper(*args, **kwargs):
        result, value = with_value(*args, **kwargs)
        return (result, value[1]) if has_aux else result
    return wrapper
