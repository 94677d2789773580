"""ember.autograd.functional against torch.autograd.functional: values, result structure
(tensors vs tuples), create_graph, strict mode and error messages."""
import numpy as np
import pytest

from parity import assert_same, torch
import ember

LIBS = [torch, ember]
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated")


def both(fn, **kwargs):
    t_out = fn(torch)
    e_out = fn(ember)
    assert_same(e_out, t_out, **kwargs)
    return e_out


def inputs(m):
    x = m.tensor([0.5, 1.0, 2.0], dtype=m.float64)
    y = m.tensor([[1.0, -1.0], [0.5, 2.0]], dtype=m.float64)
    return x, y


def cubic(m):
    return lambda a: (a ** 3).sum()


def mixed(m):
    return lambda a, b: (a[:2] * b.sum(0)).exp()


def two_outputs(m):
    return lambda a, b: (a.sum() * b, a * 2)


def scalar_of_two(m):
    return lambda a, b: (a[:2] * b.sum(0)).exp().sum() + (a ** 2).sum()


@pytest.mark.parametrize("case", [
    lambda m, F: F.jacobian(cubic(m), inputs(m)[0]),
    lambda m, F: F.jacobian(mixed(m), inputs(m)),
    lambda m, F: F.jacobian(two_outputs(m), inputs(m)),
    lambda m, F: F.jacobian(lambda a: a * 2, inputs(m)[0]),
    lambda m, F: F.jacobian(lambda a: a.sum(), m.tensor(2.0, dtype=m.float64)),
    lambda m, F: F.jacobian(lambda a, b: a * 2, inputs(m)),
    lambda m, F: F.jacobian(cubic(m), inputs(m)[0], vectorize=True),
    lambda m, F: F.jacobian(cubic(m), inputs(m)[0], vectorize=True, strategy="forward-mode"),
    lambda m, F: F.hessian(cubic(m), inputs(m)[0]),
    lambda m, F: F.hessian(scalar_of_two(m), inputs(m)),
    lambda m, F: F.vjp(mixed(m), inputs(m), m.ones(2, dtype=m.float64)),
    lambda m, F: F.vjp(cubic(m), inputs(m)[0]),
    lambda m, F: F.vjp(lambda a, b: (a * 2).sum(), inputs(m)),
    lambda m, F: F.jvp(mixed(m), inputs(m), (m.ones(3, dtype=m.float64),
                                             m.ones(2, 2, dtype=m.float64))),
    lambda m, F: F.jvp(lambda a: a * 2, inputs(m)[0], m.ones(3, dtype=m.float64)),
    lambda m, F: F.jvp(lambda a: a.exp(), m.tensor([0.5], dtype=m.float64)),
    lambda m, F: F.hvp(cubic(m), inputs(m)[0], m.ones(3, dtype=m.float64)),
    lambda m, F: F.vhp(cubic(m), inputs(m)[0], m.ones(3, dtype=m.float64)),
    lambda m, F: F.hvp(scalar_of_two(m), inputs(m), inputs(m)),
    lambda m, F: F.vhp(scalar_of_two(m), inputs(m), inputs(m)),
])
def test_values_and_structure(case):
    both(lambda m: case(m, m.autograd.functional), rtol=1e-10)


def test_results_do_not_require_grad_without_create_graph():
    def run(m):
        x = inputs(m)[0].requires_grad_()
        F = m.autograd.functional
        results = [F.jacobian(cubic(m), x), F.hessian(cubic(m), x), F.vjp(cubic(m), x)[1],
                   F.hvp(cubic(m), x, x)[1]]
        return [r.requires_grad for r in results]
    both(run)


def test_create_graph():
    def run(m):
        x = inputs(m)[0].requires_grad_()
        F = m.autograd.functional
        h = F.hessian(cubic(m), x, create_graph=True)
        (gh,) = m.autograd.grad(h.sum(), x)
        out, v = F.vjp(lambda a: a.exp(), x, m.ones(3, dtype=m.float64), create_graph=True)
        (gv,) = m.autograd.grad(v.sum(), x)
        _, hv = F.hvp(cubic(m), x, m.ones(3, dtype=m.float64), create_graph=True)
        (gh2,) = m.autograd.grad(hv.sum(), x)
        _, jv = F.jvp(lambda a: a.exp() * a, x,
                      m.ones(3, dtype=m.float64), create_graph=True)
        (gj,) = m.autograd.grad(jv.sum(), x)
        return h.requires_grad, gh, out.requires_grad, gv, gh2, gj
    both(run, rtol=1e-10)


def test_jacobian_matches_finite_differences():
    x = ember.tensor(np.random.default_rng(0).standard_normal(4))
    fn = lambda a: (a.tanh() * a.sum()).exp()  # noqa: E731
    jac = ember.autograd.functional.jacobian(fn, x).numpy()
    eps = 1e-6
    numeric = np.stack([(fn(x + eps * e).numpy() - fn(x - eps * e).numpy()) / (2 * eps)
                        for e in ember.eye(4, dtype=ember.float64)], axis=1)
    np.testing.assert_allclose(jac, numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("case,exc", [
    (lambda m, F: F.jacobian(cubic(m), 3), TypeError),
    (lambda m, F: F.jacobian(cubic(m), (inputs(m)[0], 3)), TypeError),
    (lambda m, F: F.jacobian(lambda a: 3, inputs(m)[0]), TypeError),
    (lambda m, F: F.vjp(mixed(m), inputs(m)), RuntimeError),
    (lambda m, F: F.vjp(mixed(m), inputs(m), m.ones(3, dtype=m.float64)), RuntimeError),
    (lambda m, F: F.vjp(mixed(m), inputs(m), (m.ones(2), m.ones(2))), RuntimeError),
    (lambda m, F: F.vjp(two_outputs(m), inputs(m), (m.ones(2), m.ones(2))), RuntimeError),
    (lambda m, F: F.jvp(mixed(m), inputs(m), m.ones(3)), RuntimeError),
    (lambda m, F: F.jvp(mixed(m), inputs(m)), RuntimeError),
    (lambda m, F: F.jacobian(lambda a, b: a * 2, inputs(m), strict=True), RuntimeError),
    (lambda m, F: F.jacobian(lambda a: a.detach(), inputs(m)[0], strict=True), RuntimeError),
    (lambda m, F: F.jacobian(cubic(m), inputs(m)[0], strategy="foo"), AssertionError),
    (lambda m, F: F.jacobian(cubic(m), inputs(m)[0], strategy="forward-mode"),
     NotImplementedError),
    (lambda m, F: F.jacobian(cubic(m), inputs(m)[0], strategy="forward-mode",
                             create_graph=True), NotImplementedError),
    (lambda m, F: F.jacobian(cubic(m), inputs(m)[0], vectorize=True, strict=True),
     RuntimeError),
    (lambda m, F: F.hessian(lambda a: a * 2, inputs(m)[0]), RuntimeError),
    (lambda m, F: F.hessian(lambda a: (a, a), inputs(m)[0]), RuntimeError),
    (lambda m, F: F.hessian(lambda a: (a * 2).sum(), inputs(m)[0], strict=True), RuntimeError),
    (lambda m, F: F.hessian(cubic(m), inputs(m)[0], outer_jacobian_strategy="x"),
     AssertionError),
    (lambda m, F: F.vhp(lambda a: a * 2, inputs(m)[0], inputs(m)[0]), RuntimeError),
    (lambda m, F: F.hvp(lambda a: (a * 2).sum(), inputs(m)[0], inputs(m)[0], strict=True),
     RuntimeError),
    (lambda m, F: F.vhp(lambda a: (a * 2).sum(), inputs(m)[0], inputs(m)[0], strict=True),
     RuntimeError),
    (lambda m, F: F.jvp(lambda a: a.detach(), inputs(m)[0], inputs(m)[0], strict=True),
     RuntimeError),
    (lambda m, F: F.vjp(lambda a, b: (a * 2).sum(), inputs(m), strict=True), RuntimeError),
    (lambda m, F: F.hvp(lambda a: (a ** 2).sum(), inputs(m)[0]), RuntimeError),
])
def test_errors(case, exc):
    messages = []
    for m in LIBS:
        with pytest.raises(exc) as info:
            case(m, m.autograd.functional)
        messages.append(str(info.value))
    assert messages[1] == messages[0]
