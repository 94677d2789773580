"""Linear algebra against torch: products, einsum, solvers, decompositions, norms,
their gradients (float64 gradcheck, double backward), batching and bad input.

Decompositions whose factors are unique only up to signs or phases (eigh, eig, svd)
are compared through gauge-invariant quantities: LAPACK builds (torch's MKL,
NumPy's OpenBLAS) pick different signs.
"""
import math
import warnings

import numpy as np
import pytest

from parity import check, check_raises, to_torch
import ember
import ember.linalg

INF = math.inf


def spd(m, a):
    """A well-conditioned symmetric positive-definite matrix made from a."""
    n = a.shape[-1]
    return a @ a.mT + n * m.eye(n, dtype=a.dtype)


def sym(m, a):
    return a + a.mT


def reconstruct_svd(m, a, full=False):
    u, s, vh = m.linalg.svd(a, full_matrices=full)
    k = s.shape[-1]
    return (u[..., :k] * s.unsqueeze(-2)) @ vh[..., :k, :]


def rand(*shape, seed=0, dtype=np.float64):
    return np.random.default_rng(seed).uniform(-2, 2, shape).astype(dtype)


# ---------------------------------------------------------------- products

@pytest.mark.parametrize("fn,shapes", [
    (lambda m, a, b: m.mm(a, b), [(2, 3), (3, 4)]),
    (lambda m, a, b: m.mm(a, b), [(0, 3), (3, 4)]),
    (lambda m, a, b: m.mm(a, b), [(2, 0), (0, 4)]),
    (lambda m, a, b: a.mm(b), [(1, 1), (1, 5)]),
    (lambda m, a, b: m.bmm(a, b), [(2, 3, 4), (2, 4, 5)]),
    (lambda m, a, b: m.bmm(a, b), [(0, 3, 4), (0, 4, 5)]),
    (lambda m, a, b: m.mv(a, b), [(2, 3), (3,)]),
    (lambda m, a, b: m.dot(a, b), [(3,), (3,)]),
    (lambda m, a, b: m.dot(a, b), [(0,), (0,)]),
    (lambda m, a, b: m.vdot(a, b), [(4,), (4,)]),
    (lambda m, a, b: m.inner(a, b), [(2, 3), (4, 3)]),
    (lambda m, a, b: m.inner(a, b), [(3,), (3,)]),
    (lambda m, a, b: m.inner(a, b), [(), (2, 3)]),
    (lambda m, a, b: m.outer(a, b), [(2,), (3,)]),
    (lambda m, a, b: m.ger(a, b), [(0,), (3,)]),
    (lambda m, a, b: a.matmul(b), [(2, 1, 2, 3), (4, 3, 2)]),
    (lambda m, a, b: a @ b, [(3,), (2, 3, 4)]),
])
def test_products(fn, shapes):
    check(fn, shapes)


@pytest.mark.parametrize("fn,shapes", [
    (lambda m, c, a, b: m.addmm(c, a, b), [(2, 4), (2, 3), (3, 4)]),
    (lambda m, c, a, b: m.addmm(c, a, b, beta=0.5, alpha=-2), [(4,), (2, 3), (3, 4)]),
    (lambda m, c, a, b: m.addmm(c, a, b, beta=0), [(1, 4), (2, 3), (3, 4)]),
    (lambda m, c, a, b: m.baddbmm(c, a, b, alpha=3), [(2, 3, 5), (2, 3, 4), (2, 4, 5)]),
    (lambda m, c, a, b: m.baddbmm(c, a, b, beta=2), [(5,), (2, 3, 4), (2, 4, 5)]),
    (lambda m, c, a, b: m.addbmm(c, a, b, beta=0.5), [(3, 5), (2, 3, 4), (2, 4, 5)]),
    (lambda m, c, a, b: m.addmv(c, a, b, beta=2, alpha=0.5), [(2,), (2, 3), (3,)]),
    (lambda m, c, a, b: m.addmv(c, a, b), [(), (2, 3), (3,)]),
    (lambda m, c, a, b: m.addr(c, a, b, alpha=2), [(2, 3), (2,), (3,)]),
    (lambda m, c, a, b: c.addmm(a, b, alpha=2), [(2, 4), (2, 3), (3, 4)]),
])
def test_scaled_products(fn, shapes):
    check(fn, shapes)


@pytest.mark.parametrize("fn,shapes", [
    (lambda m, c, a, b: c.clone().addmm_(a, b, beta=2), [(2, 4), (2, 3), (3, 4)]),
    (lambda m, c, a, b: c.clone().baddbmm_(a, b), [(2, 3, 5), (2, 3, 4), (2, 4, 5)]),
    (lambda m, c, a, b: c.clone().addbmm_(a, b, alpha=2), [(3, 5), (2, 3, 4), (2, 4, 5)]),
    (lambda m, c, a, b: c.clone().addmv_(a, b), [(2,), (2, 3), (3,)]),
    (lambda m, c, a, b: c.clone().addr_(a, b, beta=0.5), [(2, 3), (2,), (3,)]),
])
def test_inplace_products(fn, shapes):
    check(fn, shapes)


def test_beta_zero_ignores_nan_input():
    c = np.full((2, 2), np.nan)
    check(lambda m, c, a, b: m.addmm(c, a, b, beta=0), inputs=[c, rand(2, 3), rand(3, 2)],
          gradcheck=False)


def test_integer_products_and_out():
    ints = [np.arange(6).reshape(2, 3), np.arange(12).reshape(3, 4)]
    check(lambda m, a, b: m.mm(a, b), inputs=ints, grad=False)
    check(lambda m, a, b: m.dot(a, b), inputs=[np.arange(3), np.arange(3)], grad=False)
    check(lambda m, a, b: m.mm(a, b, out=m.empty(2, 4, dtype=a.dtype)), inputs=ints,
          grad=False)


def test_float32_products():
    check(lambda m, a, b: m.bmm(a, b), [(2, 3, 4), (2, 4, 5)], dtype=ember.float32)
    check(lambda m, a, b: m.einsum("ij,jk->ki", a, b), [(3, 4), (4, 5)], dtype=ember.float32)


def test_product_grad_fn_names():
    a = ember.ones(2, 3, requires_grad=True)
    b = ember.ones(2, 3, 4, requires_grad=True)
    assert ember.mm(a, a.t()).grad_fn.name() == "MmBackward0"
    assert ember.bmm(b.transpose(1, 2), b).grad_fn.name() == "BmmBackward0"


@pytest.mark.parametrize("fn,shapes", [
    (lambda m, a, b: m.tensordot(a, b), [(2, 3, 4), (3, 4, 5)]),
    (lambda m, a, b: m.tensordot(a, b, dims=1), [(2, 3), (3, 4)]),
    (lambda m, a, b: m.tensordot(a, b, dims=0), [(2, 3), (4,)]),
    (lambda m, a, b: m.tensordot(a, b, dims=([1, 0], [0, 2])), [(2, 3, 4), (3, 4, 2)]),
    (lambda m, a, b: m.tensordot(a, b, dims=([1], [0])), [(2, 1), (3, 4)]),
    (lambda m, a, b: m.tensordot(a, b, dims=([], [])), [(2,), (3,)]),
    (lambda m, a, b: m.tensordot(a, b, dims=m.tensor([[0], [1]])), [(3, 2), (4, 3)]),
    (lambda m, a, b: m.kron(a, b), [(2, 3), (4, 5)]),
    (lambda m, a, b: m.kron(a, b), [(2, 3), (2, 1, 4)]),
    (lambda m, a, b: a.kron(b), [(3,), ()]),
    (lambda m, a, b: m.linalg.cross(a, b), [(2, 3), (1, 3)]),
    (lambda m, a, b: m.linalg.cross(a, b, dim=0), [(3, 2), (3, 2)]),
    (lambda m, a, b: m.cross(a, b, dim=1), [(4, 3), (4, 3)]),
    (lambda m, a, b: a.cross(b, -2), [(2, 3, 1), (2, 3, 4)]),
])
def test_tensordot_kron_cross(fn, shapes):
    check(fn, shapes)


def test_cross_default_dim_is_first_of_size_3():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(lambda m, a, b: m.cross(a, b), [(3, 4), (3, 4)])


@pytest.mark.parametrize("equation,shapes", [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("iji->j", [(2, 3, 2)]),
    ("ij->", [(2, 3)]),
    ("ij->ji", [(2, 3)]),
    ("i,j->ij", [(2,), (3,)]),
    ("i,i->", [(3,), (3,)]),
    ("i,i->i", [(3,), (1,)]),
    ("...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 2)]),
    ("...ij,jk", [(3, 4), (4, 2)]),
    ("i...->...i", [(2, 3, 4)]),
    ("...,...", [(2, 3), (3,)]),
    ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),
    ("abc,cd,de->abe", [(2, 3, 4), (4, 5), (5, 2)]),
    ("ij,ij,ij->i", [(2, 3), (2, 3), (2, 3)]),
    ("ab,cd->", [(2, 3), (4, 5)]),
    ("Ba,aC", [(2, 3), (3, 4)]),
    (" i j , j k -> i k ", [(2, 3), (3, 4)]),
    ("ij,jk->ik", [(2, 0), (0, 4)]),
    ("", [()]),
])
def test_einsum(equation, shapes):
    check(lambda m, *ops: m.einsum(equation, *ops), shapes)


def test_einsum_list_and_sublist_forms():
    check(lambda m, a, b: m.einsum("ij,jk", [a, b]), [(2, 3), (3, 4)])
    check(lambda m, a, b: m.einsum(a, [0, 1], b, [1, 27]), [(2, 3), (3, 4)])
    check(lambda m, a, b: m.einsum(a, [27, 1], b, [1, 0], [0, 27]), [(2, 3), (3, 4)])
    check(lambda m, a: m.einsum(a, [0, Ellipsis]), [(2, 3, 4)])
    check(lambda m, a, b: m.einsum("ij,jk", a, b),
          inputs=[np.arange(6).reshape(2, 3), np.arange(6).reshape(3, 2)], grad=False)


def test_einsum_double_backward():
    a = ember.tensor(rand(2, 3), requires_grad=True)
    b = ember.tensor(rand(3, 3, seed=1), requires_grad=True)
    assert ember.autograd.gradgradcheck(lambda a, b: ember.einsum("ij,jj,kj->ik", a, b, a),
                                        (a, b))


@pytest.mark.parametrize("fn,shapes", [
    (lambda m, a, b, c: m.linalg.multi_dot([a, b, c]), [(2, 3), (3, 4), (4, 5)]),
    (lambda m, a, b, c, d: m.linalg.multi_dot([a, b, c, d]), [(3,), (3, 5), (5, 2), (2,)]),
    (lambda m, a, b: m.linalg.multi_dot((a, b)), [(3,), (3,)]),
    (lambda m, a, b, c: m.chain_matmul(a, b, c), [(2, 3), (3, 4), (4, 1)]),
])
def test_multi_dot(fn, shapes):
    check(fn, shapes)


@pytest.mark.parametrize("n", [1, 2, 3, 5, -1, -2])
def test_matrix_power(n):
    check(lambda m, a: m.linalg.matrix_power(spd(m, a) / 3, n), [(2, 3, 3)])
    check(lambda m, a: a.matrix_power(n), [(3, 3)], low=0.5, high=1.0)


def test_matrix_power_zero_and_integers():
    check(lambda m, a: m.matrix_power(a, 0), [(2, 3, 3)])
    check(lambda m, a: m.linalg.matrix_power(a, 3), inputs=[np.arange(9).reshape(3, 3)],
          grad=False)


@pytest.mark.parametrize("fn,inputs,exc,match", [
    (lambda m, a, b: m.mm(a, b), [(2, 3), (4, 5)], RuntimeError,
     r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)"),
    (lambda m, a, b: m.matmul(a, b), [(2, 2, 3), (4, 3, 5)], RuntimeError,
     "The size of tensor a \\(2\\) must match the size of tensor b \\(4\\) at non-singleton "
     "dimension 0"),
    (lambda m, a, b: m.mm(a, b.double()), [(2, 3), (3, 5)], RuntimeError,
     "expected m1 and m2 to have the same dtype, but got: float != double"),
    (lambda m, a, b: m.mm(a, b), [(2, 3, 1), (3, 5)], RuntimeError, "self must be a matrix"),
    (lambda m, a, b: m.mm(a, b), [(2, 3), (3,)], RuntimeError, "mat2 must be a matrix"),
    (lambda m, a, b: m.bmm(a, b), [(2, 3), (3, 5)], RuntimeError, "batch1 must be a 3D"),
    (lambda m, a, b: m.bmm(a, b), [(2, 2, 3), (2, 4, 5)], RuntimeError,
     r"batch2 tensor to be: \[2, 3\] but got: \[2, 4\]"),
    (lambda m, a, b: m.mv(a, b), [(2, 3), (4,)], RuntimeError,
     r"size mismatch, got input \(2\), mat \(2x3\), vec \(4\)"),
    (lambda m, a, b: m.dot(a, b), [(3,), (4,)], RuntimeError,
     r"expected tensor \[3\] and src \[4\]"),
    (lambda m, a, b: m.dot(a, b), [(3, 1), (3,)], RuntimeError,
     "1D tensors expected, but got 2D and 1D tensors"),
    (lambda m, a, b: m.dot(a, b.double()), [(3,), (3,)], RuntimeError,
     "expected both vectors to have same dtype, but found Float and Double"),
    (lambda m, a, b: m.inner(a, b), [(2, 3), (4, 4)], RuntimeError,
     r"last dimension must match on both input tensors but got shapes \[2, 3\] and \[4, 4\]"),
    (lambda m, a, b: m.outer(a, b), [(2, 3), (4,)], RuntimeError,
     "outer: Expected 1-D argument self, but got 2-D"),
    (lambda m, c, a, b: m.addmm(c, a, b), [(3, 5), (2, 3), (3, 5)], RuntimeError,
     "The expanded size of the tensor"),
    (lambda m, c, a, b: m.addmm(c.double(), a, b), [(2, 2), (2, 3), (3, 2)], RuntimeError,
     "self and mat2 must have the same dtype"),
    (lambda m, a, b: m.tensordot(a, b, dims=1), [(2, 3), (4, 5)], RuntimeError,
     "first has size 3 in dim -1 and second has size 4 in dim 0"),
    (lambda m, a, b: m.tensordot(a, b, dims=-1), [(2, 3), (3, 5)], RuntimeError,
     "tensordot expects dims >= 0, but got dims=-1"),
    (lambda m, a, b: m.tensordot(a, b, dims=([1], [1, 0])), [(2, 3), (3, 5)], RuntimeError,
     "both dimension lists should have same length"),
    (lambda m, a, b: m.linalg.cross(a, b), [(2, 4), (2, 4)], RuntimeError,
     "linalg.cross: inputs dimension -1 must have length 3. Got 4 and 4"),
    (lambda m, a, b: m.linalg.cross(a, b), [(2, 3), (4, 1, 3)], RuntimeError,
     "inputs must have the same number of dimensions"),
    (lambda m, a, b: m.linalg.multi_dot([a, b]), [(2, 3), (4, 4)], RuntimeError,
     r"tensors 0 and 1 with shapes \[2, 3\] and \[4, 4\] cannot be multiplied"),
    (lambda m, a: m.linalg.multi_dot([a]), [(2, 3)], RuntimeError,
     "expected at least 2 tensors but got 1"),
    (lambda m, a, b, c: m.linalg.multi_dot([a, b, c]), [(2, 3), (3, 4, 5), (3,)],
     RuntimeError, "tensor 1 must be 2D but got 3D"),
    (lambda m, a: m.linalg.matrix_power(a, 2), [(2, 3)], RuntimeError,
     "A must be batches of square matrices, but they are 2 by 3 matrices"),
])
def test_product_errors(fn, inputs, exc, match):
    check_raises(fn, exc, match, inputs=[ember.zeros(*s) for s in inputs])


@pytest.mark.parametrize("equation,shapes,match", [
    ("ij,jk->ik", [(2, 3), (4, 5)], "subscript j has size 4 for operand 1 which does not "
                                    "broadcast with previously seen size 3"),
    ("ij,jk", [(2, 3)], "fewer operands were provided than specified in the equation"),
    ("ij", [(2, 3), (2,)], "more operands were provided than specified in the equation"),
    ("ij->ik", [(2, 3)], "output subscript k does not appear in the equation"),
    ("ij", [(2, 3, 4)], r"number of subscripts in the equation \(2\) does not match the number "
                        r"of dimensions \(3\) for operand 0 and no ellipsis was given"),
    ("ii->i", [(2, 3)], "subscript i is repeated for operand 0 but the sizes don't match"),
    ("i->ii", [(2,)], "output subscript i appears more than once in the output"),
    ("i1", [(2, 2)], "invalid subscript given at index 1"),
    ("i.j", [(2, 3, 2)], "found '.' for operand 0 that is not part of any ellipsis"),
    ("...ij,...jk", [(2, 2, 3), (5, 3, 4)], "dimension 0 covered by ellipsis in operand 1"),
])
def test_einsum_errors(equation, shapes, match):
    check_raises(lambda m, *ops: m.einsum(equation, *ops), RuntimeError, match,
                 inputs=[ember.zeros(*s) for s in shapes])


def test_einsum_dtype_mismatch():
    check_raises(lambda m, a, b: m.einsum("i,i", a, b.double()), RuntimeError,
                 "expected scalar type Float but found Double",
                 inputs=[ember.zeros(2), ember.zeros(2)])


# ---------------------------------------------------------------- inverse, solve, det

@pytest.mark.parametrize("fn,shapes", [
    (lambda m, a: m.linalg.inv(a), [(3, 3)]),
    (lambda m, a: m.linalg.inv(a), [(2, 3, 3)]),
    (lambda m, a: m.inverse(spd(m, a)), [(1, 1)]),
    (lambda m, a: a.inverse(), [(2, 1, 2, 2)]),
    (lambda m, a: m.linalg.inv_ex(a), [(2, 3, 3)]),
    (lambda m, a: m.linalg.det(a), [(3, 3)]),
    (lambda m, a: m.linalg.det(a), [(2, 4, 4)]),
    (lambda m, a: a.det(), [(1, 1)]),
    (lambda m, a: m.linalg.slogdet(a), [(2, 3, 3)]),
    (lambda m, a: m.slogdet(a), [(3, 3)]),
    (lambda m, a: m.logdet(spd(m, a)), [(2, 3, 3)]),
    (lambda m, a, b: m.linalg.solve(a, b), [(3, 3), (3, 2)]),
    (lambda m, a, b: m.linalg.solve(a, b), [(2, 3, 3), (3,)]),
    (lambda m, a, b: m.linalg.solve(a, b), [(2, 3, 3), (2, 3)]),
    (lambda m, a, b: m.linalg.solve(a, b), [(3, 3), (4, 3, 1)]),
    (lambda m, a, b: m.linalg.solve(a, b, left=False), [(3, 3), (2, 4, 3)]),
    (lambda m, a, b: m.linalg.solve_ex(a, b), [(2, 3, 3), (3, 2)]),
    (lambda m, a: m.linalg.matrix_exp(a), [(3, 3)]),
    (lambda m, a: m.matrix_exp(a * 4), [(2, 3, 3)]),
    (lambda m, a: a.matrix_exp(), [(1, 1)]),
])
def test_inverse_solve_det(fn, shapes):
    check(fn, shapes)


@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("unit", [True, False])
def test_solve_triangular(upper, left, unit):
    b_shape = (2, 3, 2) if left else (2, 2, 3)
    check(lambda m, a, b: m.linalg.solve_triangular(a + 4 * m.eye(3, dtype=a.dtype), b,
                                                    upper=upper, left=left, unitriangular=unit),
          [(3, 3), b_shape])


@pytest.mark.parametrize("fn,shapes", [
    (lambda m, b, a: m.triangular_solve(b, a + 4 * m.eye(3, dtype=a.dtype)), [(2, 3, 2), (3, 3)]),
    (lambda m, b, a: b.triangular_solve(a + 4 * m.eye(3, dtype=a.dtype), upper=False,
                                        transpose=True), [(3, 2), (2, 3, 3)]),
    (lambda m, b, a: m.triangular_solve(b, a, unitriangular=True), [(3, 1), (3, 3)]),
    (lambda m, b, a: m.cholesky_solve(b, m.linalg.cholesky(spd(m, a))), [(3, 2), (2, 3, 3)]),
    (lambda m, b, a: m.cholesky_solve(b, m.linalg.cholesky(spd(m, a), upper=True), True),
     [(3, 2), (3, 3)]),
    (lambda m, a: m.cholesky_inverse(m.linalg.cholesky(spd(m, a))), [(2, 3, 3)]),
])
def test_triangular_and_cholesky_solves(fn, shapes):
    check(fn, shapes)


def test_singular_det_and_its_gradient():
    # The gradient of det at a singular matrix is its adjugate (finite, through the SVD).
    singular = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])
    check(lambda m, a: m.linalg.det(a), inputs=[singular], gradcheck=False)
    check(lambda m, a: m.linalg.det(a), inputs=[np.zeros((2, 2, 2))], gradcheck=False)
    check(lambda m, a: m.logdet(a), inputs=[-np.eye(3)], gradcheck=False)


@pytest.mark.parametrize("fn", [
    lambda m, a: m.linalg.inv(a),
    lambda m, a: m.linalg.det(a),
    lambda m, a: m.linalg.solve(a, a[..., :1]),
    lambda m, a: m.linalg.solve_triangular(a, a[..., :2], upper=True),
    lambda m, a: m.linalg.matrix_exp(a),
    lambda m, a: m.linalg.slogdet(a)[1],
])
def test_solver_double_backward(fn):
    a = ember.tensor(rand(3, 3) + 3 * np.eye(3), requires_grad=True)
    assert ember.autograd.gradgradcheck(lambda a: fn(ember, a), (a,))


def test_empty_matrices():
    for fn in [lambda m, a: m.linalg.inv(a), lambda m, a: m.linalg.det(a),
               lambda m, a: m.linalg.slogdet(a), lambda m, a: m.linalg.cholesky(a),
               lambda m, a: m.linalg.eigvalsh(a), lambda m, a: m.linalg.matrix_exp(a),
               lambda m, a: m.linalg.svdvals(a), lambda m, a: m.linalg.pinv(a)]:
        for shape in [(0, 0), (2, 0, 0)]:
            check(fn, [shape], grad=False)
    check(lambda m, a: m.linalg.qr(a), [(0, 3)], grad=False)
    check(lambda m, a: m.linalg.matrix_norm(a, 2), [(0, 3)], grad=False)
    check(lambda m, a, b: m.linalg.solve(a, b), [(0, 0), (0, 2)], grad=False)


# ---------------------------------------------------------------- failures and bad input

def _raises_linalg_error(fn, array, match):
    check_raises(lambda m, a: fn(m, a), RuntimeError, match, inputs=[ember.tensor(array)])
    with pytest.raises(ember.linalg.LinAlgError):
        fn(ember, ember.tensor(array))


SINGULAR = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 1.0]])


@pytest.mark.parametrize("fn,array,match", [
    (lambda m, a: m.linalg.inv(a), SINGULAR,
     "linalg.inv: The diagonal element 2 is zero, the inversion could not be completed"),
    (lambda m, a: m.linalg.inv(a), np.stack([np.eye(3), SINGULAR]),
     r"linalg.inv: \(Batch element 1\): The diagonal element 2 is zero"),
    (lambda m, a: m.inverse(a), np.zeros((1, 2, 2)),
     r"\(Batch element 0\): The diagonal element 1 is zero"),
    (lambda m, a: m.linalg.solve(a, a), SINGULAR,
     "torch.linalg.solve: The solver failed because the input matrix is singular."),
    (lambda m, a: m.linalg.solve(a, a[0]), np.stack([np.eye(3), SINGULAR]),
     r"torch.linalg.solve: \(Batch element 1\): The solver failed"),
    (lambda m, a: m.cholesky(a, upper=True), -np.eye(2),
     "^cholesky: The factorization could not be completed"),
    (lambda m, a: m.linalg.cholesky(a), -np.eye(3),
     r"linalg.cholesky: The factorization could not be completed because the input is not "
     r"positive-definite \(the leading minor of order 1 is not positive-definite\)."),
    (lambda m, a: m.linalg.cholesky(a), np.stack([np.eye(3), np.diag([1.0, -1.0, 1.0])]),
     r"\(Batch element 1\): .*the leading minor of order 2 is not positive-definite"),
    (lambda m, a: m.linalg.inv_ex(a, check_errors=True), SINGULAR, "linalg.inv_ex: The diag"),
    (lambda m, a: m.linalg.cholesky_ex(a, check_errors=True), -np.eye(2),
     "linalg.cholesky_ex: The factorization"),
    (lambda m, a: m.linalg.solve_ex(a, a, check_errors=True), SINGULAR,
     "torch.linalg.solve_ex: The solver failed"),
])
def test_linalg_errors(fn, array, match):
    _raises_linalg_error(fn, array, match)


def test_ex_variants_report_info():
    batch = np.stack([np.eye(3), SINGULAR])
    for fn in [lambda m, a: m.linalg.inv_ex(a).info,
               lambda m, a: m.linalg.solve_ex(a, a).info,
               lambda m, a: m.linalg.cholesky_ex(a).info,
               lambda m, a: m.linalg.cholesky_ex(-a, upper=True).info]:
        check(fn, inputs=[batch], grad=False)


def test_linalg_error_is_runtime_error():
    assert issubclass(ember.linalg.LinAlgError, RuntimeError)


@pytest.mark.parametrize("fn,shapes,match", [
    (lambda m, a: m.linalg.inv(a), [(2, 3)],
     "linalg.inv: A must be batches of square matrices, but they are 2 by 3 matrices"),
    (lambda m, a: m.linalg.inv(a), [(3,)],
     "linalg.inv: The input tensor A must have at least 2 dimensions."),
    (lambda m, a: m.linalg.det(a.half()), [(3, 3)],
     "linalg.det: Low precision dtypes not supported. Got Half"),
    (lambda m, a: m.linalg.inv(a.long()), [(3, 3)],
     "linalg.inv: Expected a floating point or complex tensor as input. Got Long"),
    (lambda m, a: m.linalg.svd(a.long()), [(3, 2)], "linalg.svd: Expected a floating point"),
    (lambda m, a: m.linalg.eigh(a), [(2, 3)], "linalg.eigh: A must be batches of square"),
    (lambda m, a: m.linalg.eigh(a, UPLO="X"), [(2, 2)],
     "Expected UPLO argument to be 'L' or 'U', but got X"),
    (lambda m, a: m.linalg.qr(a, mode="foo"), [(3, 3)],
     "qr received unrecognized mode 'foo'"),
    (lambda m, a, b: m.linalg.solve(a, b), [(3, 3), (4, 2)],
     r"linalg.solve: Incompatible shapes of A and B for the equation AX = B \(3x3 and 4x2\)"),
    (lambda m, a, b: m.linalg.solve(a, b), [(3, 3), (4,)],
     r"equation AX = B \(3x3 and 4x1\)"),
    (lambda m, a, b: m.linalg.solve(a, b, left=False), [(3, 3), (3, 4)],
     r"equation XA = B \(3x3 and 3x4\)"),
    (lambda m, a, b: m.linalg.solve(a, b, left=False), [(3, 3), (3,)],
     r"equation XA = B \(3x3 and 3x1\)"),
    (lambda m, a, b: m.linalg.solve(a, b.double()), [(3, 3), (3, 2)],
     "linalg.solve: Expected A and B to have the same dtype, but found A of type Float and "
     "B of type Double instead"),
    (lambda m, a, b: m.linalg.solve_triangular(a, b, upper=True), [(3, 3), (3,)],
     "linalg.solve_triangular: The input tensor B must have at least 2 dimensions."),
    (lambda m, a, b: m.linalg.solve_triangular(a, b, upper=True), [(3, 3), (4, 2)],
     r"Incompatible shapes of A and B for the equation AX = B \(3x3 and 4x2\)"),
    (lambda m, a: m.linalg.pinv(a), [(3,)],
     r"linalg.pinv\(Float\{\[3\]\}\): expected a tensor with 2 or more dimensions"),
    (lambda m, a: m.linalg.matrix_exp(a), [(3, 2)],
     "linalg.matrix_exp: A must be batches of square matrices"),
    (lambda m, a, b: m.linalg.lstsq(a, b), [(3, 2), (4, 2)],
     r"torch.linalg.lstsq: input.size\(-2\) should match other.size\(-2\)"),
    (lambda m, a, b: m.linalg.lstsq(a, b, driver="foo"), [(3, 2), (3, 2)],
     "parameter `driver` should be one of"),
    (lambda m, a: m.linalg.svd(a, driver="gesvd"), [(3, 2)],
     "keyword argument `driver=` is only supported on CUDA inputs"),
    (lambda m, a, b: m.linalg.lstsq(a, b), [(3,), (3,)],
     "torch.linalg.lstsq: input must have at least 2 dimensions."),
])
def test_bad_input(fn, shapes, match):
    check_raises(fn, RuntimeError, match, inputs=[ember.ones(*s) for s in shapes])


def test_qr_backward_errors():
    for mode, shape, match in [("r", (3, 3), "which is not computed when mode='r'"),
                               ("complete", (4, 3), "not differentiable when mode='complete'")]:
        check_raises(lambda m, a: m.linalg.qr(a, mode=mode)[1].sum().backward(), RuntimeError,
                     match, inputs=[ember.tensor(rand(*shape), requires_grad=True)])


# ---------------------------------------------------------------- decompositions

@pytest.mark.parametrize("fn,shapes", [
    (lambda m, a: m.linalg.cholesky(spd(m, a)), [(3, 3)]),
    (lambda m, a: m.linalg.cholesky(spd(m, a), upper=True), [(2, 3, 3)]),
    (lambda m, a: m.cholesky(spd(m, a)), [(1, 1)]),
    (lambda m, a: a.cholesky(upper=True), [(1, 1)]),
    (lambda m, a: m.linalg.cholesky_ex(spd(m, a)), [(2, 2, 2)]),
    (lambda m, a: m.linalg.qr(a), [(4, 3)]),
    (lambda m, a: m.linalg.qr(a), [(3, 5)]),
    (lambda m, a: m.linalg.qr(a), [(2, 3, 3)]),
    (lambda m, a: m.linalg.qr(a, mode="complete"), [(2, 3, 5)]),
    (lambda m, a: m.qr(a), [(4, 2)]),
    (lambda m, a: a.qr(some=False)[0], [(2, 4)]),
    (lambda m, a: m.linalg.eigvalsh(sym(m, a)), [(3, 3)]),
    (lambda m, a: m.linalg.eigh(sym(m, a))[0], [(2, 3, 3)]),
    (lambda m, a: m.linalg.eigh(sym(m, a))[1] ** 2, [(3, 3)]),
    (lambda m, a: (lambda l, v: (v * l.exp().unsqueeze(-2)) @ v.mT)(*m.linalg.eigh(sym(m, a))),
     [(2, 3, 3)]),
    (lambda m, a: m.linalg.svdvals(a), [(2, 4, 3)]),
    (lambda m, a: m.linalg.svd(a)[1], [(3, 5)]),
    (lambda m, a: reconstruct_svd(m, a), [(4, 3)]),
    (lambda m, a: reconstruct_svd(m, a, full=True), [(2, 3, 5)]),
    (lambda m, a: m.linalg.svd(a, full_matrices=False)[0] ** 2, [(4, 3)]),
    (lambda m, a: m.linalg.svd(a, full_matrices=False)[2] ** 2, [(3, 4)]),
    (lambda m, a: m.linalg.svd(a, full_matrices=False)[2] ** 2, [(4, 3)]),
    (lambda m, a: m.linalg.svd(a)[0][..., :2] ** 2, [(4, 2)]),
    (lambda m, a: (lambda u, s, v: u[..., :1] * v[..., :1].mT)(*m.svd(a)), [(2, 3, 4)]),
    (lambda m, a: m.svd(a, compute_uv=False), [(2, 4, 3)]),
    (lambda m, a: m.linalg.eigvals(a), [(3, 3)]),
    (lambda m, a: m.linalg.eig(a)[0], [(2, 4, 4)]),
    (lambda m, a: m.linalg.eig(a)[1].abs(), [(3, 3)]),
])
def test_decompositions(fn, shapes):
    check(fn, shapes)


def test_decompositions_reconstruct():
    a = ember.tensor(rand(2, 4, 3))
    u, s, vh = ember.linalg.svd(a)
    assert u.shape == (2, 4, 4) and s.shape == (2, 3) and vh.shape == (2, 3, 3)
    np.testing.assert_allclose(reconstruct_svd(ember, a).numpy(), a.numpy(), atol=1e-12)
    h = sym(ember, ember.tensor(rand(3, 3)))
    values, vectors = ember.linalg.eigh(h)
    np.testing.assert_allclose((vectors * values.unsqueeze(-2) @ vectors.mT).numpy(),
                               h.numpy(), atol=1e-12)
    values, vectors = ember.linalg.eig(ember.tensor(rand(3, 3)))
    assert values.dtype is ember.complex128 and vectors.dtype is ember.complex128
    rebuilt = vectors @ (values.unsqueeze(-1) * ember.linalg.inv(vectors))
    np.testing.assert_allclose(rebuilt.numpy(), rand(3, 3), atol=1e-12)


def test_decomposition_double_backward():
    a = ember.tensor(rand(3, 3), requires_grad=True)
    for fn in [lambda a: ember.linalg.cholesky(spd(ember, a)),
               lambda a: ember.linalg.qr(a)[0] + ember.linalg.qr(a)[1],
               lambda a: ember.linalg.eigh(sym(ember, a))[0],
               lambda a: ember.linalg.svdvals(a)]:
        assert ember.autograd.gradgradcheck(fn, (a,))


def test_float32_decompositions():
    for fn in [lambda m, a: m.linalg.cholesky(spd(m, a)), lambda m, a: m.linalg.qr(a),
               lambda m, a: m.linalg.svdvals(a), lambda m, a: m.linalg.eigvalsh(sym(m, a)),
               lambda m, a: m.linalg.inv(spd(m, a)), lambda m, a: m.linalg.det(a)]:
        check(fn, [(2, 3, 3)], dtype=ember.float32, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("fn", [
    lambda m, a: m.linalg.inv(a),
    lambda m, a: m.linalg.det(a),
    lambda m, a: m.linalg.slogdet(a),
    lambda m, a: m.linalg.solve(a, a[..., 0]),
    lambda m, a: m.linalg.cholesky(a @ a.mH + 3 * m.eye(3, dtype=a.dtype)),
    lambda m, a: m.linalg.qr(a),
    lambda m, a: m.linalg.eigvalsh(a @ a.mH),
    lambda m, a: m.linalg.svdvals(a),
    lambda m, a: m.linalg.eigvals(a),
    lambda m, a: m.linalg.matrix_exp(a),
    lambda m, a: m.linalg.pinv(a[..., :2]),
    lambda m, a: m.linalg.solve_triangular(a + 3 * m.eye(3, dtype=a.dtype), a, upper=False),
    lambda m, a: m.linalg.vector_norm(a, 3),
    lambda m, a: m.linalg.matrix_norm(a, "nuc"),
    lambda m, a: m.vdot(a[0], a[1]),
    lambda m, a: reconstruct_svd(m, a),
])
def test_complex(fn):
    check(fn, [(3, 3)], dtype=ember.complex128)


# ---------------------------------------------------------------- pinv, lstsq, rank, cond

@pytest.mark.parametrize("fn,shapes", [
    (lambda m, a: m.linalg.pinv(a), [(4, 3)]),
    (lambda m, a: m.linalg.pinv(a), [(2, 3, 5)]),
    (lambda m, a: m.linalg.pinv(spd(m, a), hermitian=True), [(3, 3)]),
    (lambda m, a: m.pinverse(a), [(3, 4)]),
    (lambda m, a, b: m.linalg.lstsq(a, b).solution, [(4, 3), (4, 2)]),
    (lambda m, a, b: m.linalg.lstsq(a, b), [(2, 3, 4), (2, 3, 2)]),
    (lambda m, a, b: m.linalg.lstsq(a, b), [(2, 4, 2), (2, 4)]),
    (lambda m, a, b: m.linalg.lstsq(a, b, driver="gelsd"), [(4, 3), (4, 2)]),
    (lambda m, a, b: m.linalg.lstsq(a, b, driver="gelss"), [(4, 3), (4,)]),
    (lambda m, a, b: m.linalg.lstsq(a, b, driver="gels"), [(2, 4, 3), (1, 4, 1)]),
    (lambda m, a: m.linalg.cond(a), [(3, 3)]),
    (lambda m, a: m.linalg.cond(a, -2), [(2, 4, 3)]),
])
def test_pinv_lstsq_cond(fn, shapes):
    check(fn, shapes)


def test_values_only():
    # Gradients of these differ from finite differences in torch too (truncated
    # spectra, a triangle read, or a non-differentiable mode), so only values and
    # torch's gradients are compared.
    check(lambda m, a: m.linalg.pinv(a, rtol=0.3), [(4, 3)], gradcheck=False)
    check(lambda m, a: m.linalg.pinv(a, atol=1.0), [(2, 4, 3)], gradcheck=False)
    check(lambda m, a: m.linalg.eigvalsh(a, UPLO="U"), [(2, 4, 4)], gradcheck=False)
    check(lambda m, a: m.linalg.qr(a, mode="complete"), [(4, 3)], grad=False)
    check(lambda m, a: m.linalg.qr(a, mode="r"), [(4, 3)], grad=False)
    for p in ["fro", "nuc", INF, -INF, 1, -1]:
        check(lambda m, a: m.linalg.cond(a, p), [(2, 3, 3)], grad=False)


def test_rank_deficient():
    rank2 = rand(4, 2) @ rand(2, 3, seed=1)
    check(lambda m, a: m.linalg.matrix_rank(a), inputs=[rank2], grad=False)
    check(lambda m, a, b: m.linalg.lstsq(a, b), inputs=[rank2, rand(4, 2)], grad=False)
    check(lambda m, a, b: m.linalg.lstsq(a, b, driver="gelsd"), inputs=[rank2, rand(4, 2)],
          grad=False)
    check(lambda m, a: m.linalg.pinv(a), inputs=[rank2], grad=False)


@pytest.mark.parametrize("fn", [
    lambda m, a: m.linalg.matrix_rank(a),
    lambda m, a: m.linalg.matrix_rank(a, hermitian=True),
    lambda m, a: m.linalg.matrix_rank(a, atol=1.0, rtol=0.1),
    lambda m, a: m.linalg.matrix_rank(a, 0.5),
    lambda m, a: m.linalg.matrix_rank(a, rtol=0.4),
])
def test_matrix_rank(fn):
    check(fn, inputs=[rand(2, 3, 3)], grad=False)


def test_tensor_equations():
    check(lambda m, a: m.linalg.tensorinv(a, ind=2), [(4, 2, 8)])
    check(lambda m, a, b: m.linalg.tensorsolve(a, b), [(2, 3, 6), (2, 3)])
    check(lambda m, a, b: m.linalg.tensorsolve(a, b, dims=(0,)), [(6, 2, 3), (2, 3)])
    check_raises(lambda m, a: m.linalg.tensorinv(a, ind=0), RuntimeError,
                 "Expected a strictly positive integer for 'ind'", inputs=[ember.ones(2, 2)])


# ---------------------------------------------------------------- norms

@pytest.mark.parametrize("ord", [2, 1, INF, -INF, 0, 3, 0.5, -1])
@pytest.mark.parametrize("dim,keepdim", [(None, False), (1, False), ((0, 2), True)])
def test_vector_norm(ord, dim, keepdim):
    check(lambda m, a: m.linalg.vector_norm(a, ord, dim, keepdim), [(2, 3, 4)])


@pytest.mark.parametrize("ord", ["fro", "nuc", INF, -INF, 1, -1, 2, -2])
def test_matrix_norm(ord):
    check(lambda m, a: m.linalg.matrix_norm(a, ord), [(2, 3, 4)])
    check(lambda m, a: m.linalg.matrix_norm(a, ord, dim=(2, 0), keepdim=True), [(3, 2, 4)])
    check(lambda m, a: m.linalg.norm(a, ord), [(3, 3)])


@pytest.mark.parametrize("fn,shapes", [
    (lambda m, a: m.linalg.norm(a), [(2, 3, 4)]),
    (lambda m, a: m.linalg.norm(a, 3), [(5,)]),
    (lambda m, a: m.linalg.norm(a, dim=1, keepdim=True), [(2, 3)]),
    (lambda m, a: m.linalg.norm(a, -INF, dim=(0, 1)), [(2, 3, 4)]),
    (lambda m, a: m.linalg.vector_norm(a), [()]),
    (lambda m, a: m.linalg.vector_norm(a, dim=()), [(2, 3)]),
    (lambda m, a: m.linalg.vector_norm(a, dtype=m.float64), [(2, 3)]),
    (lambda m, a: m.linalg.vector_norm(a, 2, dim=0), [(0, 3)]),
    (lambda m, a: m.linalg.vector_norm(a, INF, dim=1), [(0, 3)]),
])
def test_norm_variants(fn, shapes):
    check(fn, shapes)


def test_norm_gradients_at_zero():
    for ord in [2, 1, 3, 0.5, INF, -1]:
        check(lambda m, a: m.linalg.vector_norm(a, ord), inputs=[np.zeros(3)], gradcheck=False)
    check(lambda m, a: m.linalg.vector_norm(a, INF), inputs=[np.array([1.0, -3.0, 3.0, 0.5])],
          gradcheck=False)
    check(lambda m, a: m.linalg.vector_norm(a, 0.5), inputs=[np.array([0.0, 1.0, 2.0])],
          gradcheck=False)


def test_vecdot_and_diagonal():
    check(lambda m, a, b: m.linalg.vecdot(a, b), [(3,), (2, 3)])
    check(lambda m, a, b: m.linalg.vecdot(a, b, dim=0), [(3, 2), (3, 2)])
    check(lambda m, a: m.linalg.diagonal(a, offset=1), [(2, 3, 4)])
    check(lambda m, a: m.linalg.diagonal(a, offset=-1, dim1=2, dim2=0), [(2, 3, 4)])
    check(lambda m, a: m.linalg.diagonal(a, offset=5), [(2, 3, 4)])


@pytest.mark.parametrize("fn,inputs,match", [
    (lambda m, a: m.linalg.vector_norm(a.long()), [(3,)],
     "linalg.vector_norm: Expected a floating point or complex tensor as input. Got Long"),
    (lambda m, a: m.linalg.vector_norm(a, INF), [(0, 3)],
     "cannot compute the inf norm on an empty tensor"),
    (lambda m, a: m.linalg.vector_norm(a, -INF, dim=0), [(0, 3)],
     "cannot compute the -inf norm on the dimension 0"),
    (lambda m, a: m.linalg.vector_norm(a.double(), dtype=m.float32), [(3,)],
     "should be convertible without narrowing to the specified dtype"),
    (lambda m, a: m.linalg.vector_norm(a, dtype=m.complex64), [(3,)],
     "dtype should be real for real inputs"),
    (lambda m, a: m.linalg.matrix_norm(a), [(3,)],
     "linalg.matrix_norm: The input tensor A must have at least 2 dimensions."),
    (lambda m, a: m.linalg.matrix_norm(a, 3), [(3, 3)], "linalg.matrix_norm: Order 3 not "),
    (lambda m, a: m.linalg.matrix_norm(a, dim=(0, -2)), [(3, 3)],
     r"dims must be different. Got \(0, -2\)"),
    (lambda m, a: m.linalg.matrix_norm(a.half(), 2), [(3, 3)],
     "Low precision dtypes not supported. Got Half"),
    (lambda m, a: m.linalg.norm(a, 2), [(3, 3, 3)],
     "If dim is not specified but ord is, the input must be 1D or 2D. Got 3D."),
    (lambda m, a: m.linalg.norm(a, dim=(0, 1, 2)), [(3, 3, 3)],
     r"If dim is specified, it must be of length 1 or 2. Got \[0, 1, 2\]"),
    (lambda m, a: m.linalg.norm(a, "fro", dim=0), [(3, 3)], "dim must be a 2-tuple. Got 0"),
    (lambda m, a, b: m.linalg.vecdot(a, b.double()), [(3,), (3,)],
     "linalg.vecdot: Expected x and y to have the same dtype"),
    (lambda m, a: m.linalg.cond(a, "foo"), [(3, 3)], "invalid norm type: foo"),
    (lambda m, a: m.linalg.cond(a, 1), [(3, 2)],
     r"linalg.cond\(ord=1\): A must be batches of square matrices"),
])
def test_norm_errors(fn, inputs, match):
    check_raises(fn, RuntimeError, match, inputs=[ember.ones(*s) for s in inputs])


def test_named_results():
    a = ember.tensor(rand(3, 3))
    assert ember.linalg.slogdet(a).logabsdet.shape == ()
    assert ember.linalg.eigh(a).eigenvectors.shape == (3, 3)
    assert ember.linalg.svd(a).Vh.shape == (3, 3)
    assert ember.linalg.qr(a).R.shape == (3, 3)
    assert ember.linalg.lstsq(a, a).rank.dtype is ember.int64
    assert ember.linalg.inv_ex(a).info.dtype is ember.int32
    assert ember.svd(a).V.shape == (3, 3)
    assert to_torch(ember.linalg.matrix_rank(a)).item() == 3


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_solve_gradient_reaches_the_whole_factor(upper):
    # torch treats the factor as a full matrix: the unused triangle gets gradient too.
    factor = np.linalg.cholesky(spd(np, np.random.RandomState(3).randn(2, 3, 3)))
    factor = np.swapaxes(factor, -1, -2) if upper else factor
    # No gradcheck: the forward reads one triangle only, so finite differences see zero
    # gradient in the other, where torch's (and ember's) analytic gradient is not.
    check(lambda m, b, f: m.cholesky_solve(b, f, upper),
          inputs=[np.random.RandomState(4).randn(3, 2), factor], gradcheck=False)


@pytest.mark.parametrize("b_shape,a_shape,dtype", [
    ((3,), (3, 3), "float32"), ((3, 2), (3,), "float32"), ((3, 2), (2, 3), "float32"),
    ((2, 2), (3, 3), "float32"), ((3, 2), (3, 3), "mixed"), ((3, 2), (3, 3), "float16"),
    ((3, 2), (3, 3), "int64")])
def test_cholesky_solve_errors(b_shape, a_shape, dtype):
    torch = pytest.importorskip("torch")

    def fn(m):
        b_dtype = m.float32 if dtype == "mixed" else getattr(m, dtype)
        a_dtype = m.float64 if dtype == "mixed" else getattr(m, dtype)
        return m.cholesky_solve(m.ones(b_shape, dtype=b_dtype), m.ones(a_shape, dtype=a_dtype))
    with pytest.raises(Exception) as expected:
        fn(torch)
    with pytest.raises(type(expected.value)) as got:
        fn(ember)
    assert str(got.value) == str(expected.value)
