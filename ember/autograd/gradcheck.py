"""gradcheck and gradgradcheck: analytical gradients against finite differences."""
def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _differentiable_outputs(outputs):
    return [o for o in _as_tuple(outputs) if o is not None and o.requires_grad]


def _numerical_jacobian(fn, inputs, target, output_index, eps):
    """d outputs[output_index] / d target by central differences (rows: input elements)."""
    import numpy
    data = target._data
    flat = data.reshape(-1) if data.flags.c_contiguous else None
    if flat is None:
        raise ValueError("gradcheck inputs must be contiguous")
    columns = []
    for i in range(flat.size):
        original = flat[i].copy()
        # NOTE: grad mode stays on: gradgradcheck's function itself calls autograd.grad.
        flat[i] = original + eps
        plus = _as_tuple(fn(*inputs))[output_index].detach()._data.copy()
        flat[i] = original - eps
        minus = _as_tuple(fn(*inputs))[output_index].detach()._data.copy()
        flat[i] = original
        columns.append(((plus - minus) / (2 * eps)).reshape(-1))
    if not columns:
        return numpy.zeros((0, _as_tuple(fn(*inputs))[output_index].numel()))
    return numpy.stack(columns)


def _analytical_jacobian(fn, inputs, targets, output_index):
    import numpy
    from . import grad
    from ..ops.creation import zeros_like
    out = _as_tuple(fn(*inputs))[output_index]
    rows = {id(t): [] for t in targets}
    for j in range(out.numel()):
        seed = zeros_like(out)
        seed._data.reshape(-1)[j] = 1
        grads = grad(out, targets, seed, retain_graph=True, allow_unused=True)
        for t, g in zip(targets, grads):
            column = numpy.zeros(t.numel()) if g is None else \
                g.detach().cpu()._data.reshape(-1).astype(numpy.float64)
            rows[id(t)].append(column)
    return {k: numpy.stack(v, axis=1) if v else numpy.zeros((t.numel(), 0))
            for t in targets for k, v in [(id(t), rows[id(t)])]}


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
              check_batched_grad=False, check_batched_forward_grad=False,
              check_forward_ad=False, check_backward_ad=True, fast_mode=False, masked=None):
    """Compare backward's Jacobian with central finite differences (use float64)."""
    import numpy
    from .._tensor import Tensor
    inputs = _as_tuple(inputs)
    targets = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    outputs = _differentiable_outputs(func(*inputs))
    for index in range(len(_as_tuple(func(*inputs)))):
        if _as_tuple(func(*inputs))[index] is None or \
                not _as_tuple(func(*inputs))[index].requires_grad:
            continue
        analytical = _analytical_jacobian(func, inputs, targets, index)
        for t in targets:
            numerical = _numerical_jacobian(func, inputs, t, index, eps)
            ana = analytical[id(t)]
            if not numpy.allclose(ana, numerical, rtol=rtol, atol=atol):
                if raise_exception:
                    raise GradcheckError(
                        f"Jacobian mismatch for output {index} with respect to input "
                        f"{inputs.index(t) if t in inputs else '?'},\n"
                        f"numerical:{numerical}\nanalytical:{ana}\n")
                return False
    del outputs
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, **kwargs):
    """gradcheck of the function that maps inputs (and grad_outputs) to first gradients."""
    from . import grad
    from .._tensor import Tensor
    from ..ops.creation import tensor
    import numpy
    inputs = _as_tuple(inputs)
    outputs = _differentiable_outputs(func(*inputs))
    if grad_outputs is None:
        rng = numpy.random.default_rng(0)
        grad_outputs = tuple(
            tensor(rng.standard_normal(o.shape), dtype=o.dtype, requires_grad=True)
            for o in outputs)
    grad_outputs = _as_tuple(grad_outputs)
    n = len(inputs)

    def first_grads(*args):
        ins, gos = args[:n], args[n:]
        outs = _differentiable_outputs(func(*ins))
        targets = [t for t in ins if isinstance(t, Tensor) and t.requires_grad]
        grads = grad(outs, targets, gos, create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_grads, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)


class GradcheckError(RuntimeError):
    pass
