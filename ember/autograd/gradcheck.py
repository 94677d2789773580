"""gradcheck and gradgradcheck: analytical gradients against finite differences.

Every element of every input that requires grad is perturbed in place (through any
strides, so non-contiguous inputs work) and the central difference of every
differentiable output is compared with the rows backward computes. Complex inputs
and outputs follow torch's convention: for a seed ``g`` of output ``w`` backward
returns dL/dx + i dL/dy of L = Re(conj(g) w), checked for g = 1 and g = 1j.
``fast_mode`` runs the same (slow, exact) check.
"""
import warnings

import numpy

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]


class GradcheckError(RuntimeError):
    """Raised by gradcheck and gradgradcheck when a check fails."""


def _tensor_cls():
    from .._tensor import Tensor
    return Tensor


def _as_tuple(x):
    if isinstance(x, tuple):
        return x
    if isinstance(x, list):
        return tuple(x)
    return (x,)


def _differentiable_outputs(outputs):
    tensor = _tensor_cls()
    return tuple(o for o in _as_tuple(outputs) if isinstance(o, tensor) and o.requires_grad)


def _host(t):
    """A float64/complex128 NumPy copy of a tensor's values (a copy: outputs may be views
    of the inputs that the numerical check perturbs)."""
    array = t.detach().cpu()._data
    return numpy.array(array, dtype=numpy.complex128 if t.is_complex() else numpy.float64)


def _check_inputs(inputs):
    tensor = _tensor_cls()
    found = False
    for idx, inp in enumerate(inputs):
        if not (isinstance(inp, tensor) and inp.requires_grad):
            continue
        if inp.dtype.name not in ("float64", "complex128"):
            warnings.warn(f"Input #{idx} requires gradient and is not a double precision floating "
                          "point or complex. This check will likely fail if all the inputs are "
                          "not of double precision floating point or complex. ", stacklevel=3)
        if not all(st > 0 or sz <= 1 for st, sz in zip(inp.stride(), inp.shape)):
            raise RuntimeError(f"The {idx}th input has a dimension with stride 0. gradcheck only "
                               "supports inputs that are non-overlapping to be able to compute "
                               "the numerical gradients correctly. You should call .contiguous "
                               "on the input before passing it to gradcheck.")
        found = True
    if not found:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but "
                         "none of them have requires_grad=True.")


# ---------------------------------------------------------------- numerical side

def _output_values(func, inputs, indices):
    outs = _as_tuple(func(*inputs))
    return [_host(outs[i]).reshape(-1) for i in indices]


def _numerical_derivatives(func, inputs, target, indices, eps):
    """For each output index: (dw/dx, dw/dy or None) as (target.numel(), out.numel())."""
    data = target._data
    directions = [eps, eps * 1j] if target.is_complex() else [eps]
    columns = {d: [[] for _ in indices] for d in directions}
    for idx in numpy.ndindex(*data.shape):
        original = data[idx].copy()
        for d in directions:
            # NOTE: grad mode stays on: gradgradcheck's function itself calls autograd.grad.
            data[idx] = original + d
            plus = _output_values(func, inputs, indices)
            data[idx] = original - d
            minus = _output_values(func, inputs, indices)
            data[idx] = original
            for k, (p, m) in enumerate(zip(plus, minus)):
                columns[d][k].append((p - m) / (2 * eps))
    result = []
    for k, i in enumerate(indices):
        per_direction = []
        for d in directions:
            rows = columns[d][k]
            width = _output_width(func, inputs, i) if not rows else rows[0].size
            per_direction.append(numpy.stack(rows) if rows else numpy.zeros((0, width)))
        result.append((per_direction[0], per_direction[1] if len(directions) > 1 else None))
    return result


def _output_width(func, inputs, index):
    return _as_tuple(func(*inputs))[index].numel()


def _expected(derivs, seed, input_is_complex):
    """dL/dx (+ i dL/dy) of L = Re(conj(seed) * w) from the finite differences of w."""
    dx, dy = derivs
    expected = (numpy.conj(seed) * dx).real
    if input_is_complex:
        expected = expected + 1j * (numpy.conj(seed) * dy).real
    return expected


# ---------------------------------------------------------------- analytical side

def _analytical(out, targets, seed_value):
    """Rows of backward: column j holds the input gradients for a seed at out's element j."""
    from . import grad
    from ..ops.creation import zeros_like
    columns = [[] for _ in targets]
    for j in range(out.numel()):
        seed = zeros_like(out)
        seed._data.reshape(-1)[j] = seed_value
        grads = grad(out, targets, seed, retain_graph=True, allow_unused=True)
        for k, (t, g) in enumerate(zip(targets, grads)):
            if g is not None and g.shape != t.shape:
                raise GradcheckError("Analytical gradient has incorrect size")
            columns[k].append(numpy.zeros(t.numel(), dtype=numpy.complex128 if t.is_complex()
                                          else numpy.float64) if g is None
                              else _host(g).reshape(-1))
    return [numpy.stack(c, axis=1) if c else numpy.zeros((t.numel(), 0))
            for c, t in zip(columns, targets)]


def _mismatch_message(numerical, analytical, out_index, in_index, complex_part):
    from ..ops.creation import tensor
    prefix = f"While considering the {complex_part} part of complex outputs only, " \
        if complex_part else ""
    return (f"{prefix}Jacobian mismatch for output {out_index:d} with respect to input "
            f"{in_index:d},\nnumerical:{tensor(numerical)}\nanalytical:{tensor(analytical)}\n")


def _check_jacobians(func, inputs, outputs_all, eps, atol, rtol, check_grad_dtypes):
    tensor = _tensor_cls()
    target_idx = [i for i, t in enumerate(inputs) if isinstance(t, tensor) and t.requires_grad]
    targets = [inputs[i] for i in target_idx]
    out_idx = [i for i, o in enumerate(outputs_all) if isinstance(o, tensor) and o.requires_grad]
    numerical = {i: _numerical_derivatives(func, inputs, inputs[i], out_idx, eps)
                 for i in target_idx}
    for k, oi in enumerate(out_idx):
        out = outputs_all[oi]
        seeds = [(1.0, None), (1j, "imaginary")] if out.is_complex() else [(1.0, None)]
        for seed, part in seeds:
            analytical = _analytical(out, targets, seed)
            for ti, t, ana in zip(target_idx, targets, analytical):
                num = _expected(numerical[ti][k], seed, t.is_complex())
                if not numpy.allclose(ana, num, rtol=rtol, atol=atol):
                    label = part or ("real" if out.is_complex() else None)
                    raise GradcheckError(_mismatch_message(num, ana, oi, ti, label))
    if check_grad_dtypes:
        _check_grad_dtypes(outputs_all, targets)


def _check_grad_dtypes(outputs, targets):
    from . import grad
    from ..ops.creation import ones_like
    outs = _differentiable_outputs(outputs)
    grads = grad(outs, targets, [ones_like(o) for o in outs], retain_graph=True,
                 allow_unused=True)
    for g, t in zip(grads, targets):
        if g is not None and g.dtype is not t.dtype:
            raise GradcheckError("Gradient has dtype mismatch")


def _check_zero_grad_outputs(outputs, inputs):
    """A zero grad_output must give zero input gradients of the inputs' type and size."""
    from . import grad
    from ..ops.creation import zeros_like
    targets = [t for t in inputs if isinstance(t, _tensor_cls()) and t.requires_grad]
    outs = _differentiable_outputs(outputs)
    grads = grad(outs, targets, [zeros_like(o) for o in outs], retain_graph=True,
                 allow_unused=True)
    for g, t in zip(grads, targets):
        if g is None:
            continue
        if numpy.any(_host(g) != 0):
            raise GradcheckError("backward not multiplied by grad_output")
        if g.dtype is not t.dtype:
            raise GradcheckError("grad is incorrect type")
        if g.device != t.device:
            raise GradcheckError("grad is incorrect device")
        if g.shape != t.shape:
            raise GradcheckError("grad is incorrect size")


def _check_no_differentiable_outputs(func, inputs, outputs_all, eps):
    tensor = _tensor_cls()
    out_idx = [i for i, o in enumerate(outputs_all) if isinstance(o, tensor)]
    for i, t in enumerate(inputs):
        if not (isinstance(t, tensor) and t.requires_grad):
            continue
        for dx, dy in _numerical_derivatives(func, inputs, t, out_idx, eps):
            if numpy.any(dx != 0) or (dy is not None and numpy.any(dy != 0)):
                raise GradcheckError("Numerical gradient for function expected to be zero")


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
              check_batched_grad=False, check_batched_forward_grad=False,
              check_forward_ad=False, check_backward_ad=True, fast_mode=False, masked=None):
    """Compare backward's Jacobian with central finite differences (use float64)."""
    inputs = _as_tuple(inputs)
    _check_inputs(inputs)
    try:
        outputs_all = _as_tuple(func(*inputs))
        if not _differentiable_outputs(outputs_all):
            _check_no_differentiable_outputs(func, inputs, outputs_all, eps)
            return True
        if check_backward_ad:
            _check_jacobians(func, inputs, outputs_all, eps, atol, rtol, check_grad_dtypes)
            if check_undefined_grad:
                _check_zero_grad_outputs(outputs_all, inputs)
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def _random_grad_output(out, rng, noncontiguous):
    from ..ops.creation import tensor
    shape = tuple(out.shape)
    values = rng.uniform(-1, 1, size=shape)
    if out.is_complex():
        values = values + 1j * rng.uniform(-1, 1, size=shape)
    if not noncontiguous or out.numel() <= 1:
        return tensor(values, dtype=out.dtype, device=out.device, requires_grad=True)
    wide = tensor(numpy.stack([values, values], axis=-1), dtype=out.dtype, device=out.device)
    return wide[..., 0].requires_grad_()


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
                  check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False,
                  masked=False):
    """gradcheck of the map (inputs, grad_outputs) -> first-order input gradients."""
    from . import grad
    tensor = _tensor_cls()
    inputs = _as_tuple(inputs)
    if grad_outputs is None:
        rng = numpy.random.default_rng(0)
        outputs = _differentiable_outputs(func(*inputs))
        grad_outputs = tuple(_random_grad_output(o, rng, gen_non_contig_grad_outputs)
                             for o in outputs)
    grad_outputs = _as_tuple(grad_outputs)
    n = len(inputs)

    def first_grads(*args):
        ins, gos = args[:n], args[n:]
        outs = _differentiable_outputs(func(*ins))
        targets = [t for t in ins if isinstance(t, tensor) and t.requires_grad]
        grads = grad(outs, targets, gos, create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_grads, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol,
                     check_undefined_grad=check_undefined_grad,
                     check_grad_dtypes=check_grad_dtypes, fast_mode=fast_mode)
