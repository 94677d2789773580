"""The core: promotion, autograd engine basics, views and in-place updates."""
import numpy as np
import pytest

from parity import check, check_raises, to_torch, torch
import ember


@pytest.mark.parametrize("shapes", [[(3,), (3,)], [(2, 3), (3,)], [(2, 1), (1, 4)],
                                    [(), (2,)], [(0, 3), (3,)]])
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div"])
def test_binary_broadcasting(op, shapes):
    check(lambda m, a, b: getattr(m, op)(a, b), shapes, low=0.5, high=2.0)


@pytest.mark.parametrize("expr", [
    lambda m, x: x * 2.5, lambda m, x: 2.5 - x, lambda m, x: 1.5 / x, lambda m, x: x ** 3,
    lambda m, x: 2 ** x, lambda m, x: -x + x.exp() * x.log().tanh(),
    lambda m, x: x.sqrt().sigmoid(), lambda m, x: m.relu(x - 1.2),
])
def test_scalar_expressions(expr):
    check(expr, [(2, 3)], low=0.5, high=2.0)


@pytest.mark.parametrize("a_dtype,b", [
    (ember.int64, 2.5), (ember.float16, 1.0), (ember.uint8, 3), (ember.bool, 1),
    (ember.int32, True), (ember.int8, 2.0),
])
def test_scalar_promotion(a_dtype, b):
    check(lambda m, x: x * b, inputs=[np.ones(3, dtype=a_dtype.numpy)], grad=False)


@pytest.mark.parametrize("da,db", [
    (ember.uint8, ember.int8), (ember.int32, ember.float16), (ember.float16, ember.bfloat16),
    (ember.int64, ember.float32), (ember.bool, ember.int16), (ember.float32, ember.complex128),
])
def test_tensor_promotion(da, db):
    a = ember.ones(2, dtype=da)
    b = ember.ones(2, dtype=db)
    assert (a + b).dtype is ember.promote_types(da, db)
    assert to_torch(ember.promote_types(da, db)) == torch.promote_types(to_torch(da),
                                                                        to_torch(db))


def test_zero_dim_does_not_upcast():
    a = ember.ones(3, dtype=ember.float32)
    assert (a + ember.tensor(1.0, dtype=ember.float64)).dtype is ember.float32
    assert (ember.ones(3, dtype=ember.int32) + ember.tensor(1.5)).dtype is ember.float32


def test_int_true_division_gives_float():
    assert (ember.tensor([3, 4]) / 2).dtype is ember.float32


def test_matmul_ranks():
    for sa, sb in [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
                   ((5, 2, 3), (3, 4)), ((5, 2, 3), (1, 3, 4)), ((3,), (5, 3, 4))]:
        check(lambda m, a, b: m.matmul(a, b), [sa, sb])


def test_views_share_memory_and_grad():
    check(lambda m, x: x.view(6, 2).t()[1:, ::2].reshape(-1), [(3, 4)])
    check(lambda m, x: x.transpose(0, 1).unsqueeze(0).expand(2, 4, 3).sum(0), [(3, 4)])
    x = ember.zeros(3, 4)
    v = x[1]
    v.add_(1)
    assert x.sum().item() == 4
    assert v._base is x and v.storage_offset() == 4 and x.t().stride() == (1, 4)


def test_view_incompatible_layout():
    check_raises(lambda m, x: x.t().view(12), RuntimeError, "view size is not compatible",
                 inputs=[ember.zeros(3, 4)])


def test_inplace_on_view_flows_to_base():
    def fn(m, w):
        x = m.zeros(3, 4, dtype=w.dtype)
        x[1] = w * 2
        x[:, 0].mul_(w[:3] * 3)
        y = x.t()
        y[2, 1:] += w[1:3]
        return x * x
    check(fn, [(4,)])


def test_leaf_inplace_error():
    w = ember.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        w.add_(1)
    with ember.no_grad():
        w.add_(1)
    assert w.requires_grad and w._version == 1


def test_modified_saved_tensor_error():
    a = ember.ones(3, requires_grad=True)
    b = a * 2
    c = b * b
    b.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        c.sum().backward()


def test_backward_twice_error_and_retain():
    a = ember.ones(3, requires_grad=True)
    y = (a.exp() * a).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(a.grad.numpy(), 2 * 2 * np.e * np.ones(3), rtol=1e-6)
    z = (a.exp()).sum()
    z.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        z.backward()


def test_grad_accumulates_and_hooks():
    a = ember.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    a.register_hook(lambda g: seen.append(g.clone()) or g * 10)
    (a * a).sum().backward()
    (a * 3).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [20 + 30, 40 + 30])
    assert len(seen) == 2


def test_higher_order():
    x = ember.tensor([0.5, 1.5], dtype=ember.float64, requires_grad=True)
    y = (x ** 3).sum()
    (g,) = ember.autograd.grad(y, x, create_graph=True)
    (h,) = ember.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(h.numpy(), 6 * x.detach().numpy())


def test_shared_grad_arrays_are_not_aliased():
    a = ember.ones(3, requires_grad=True)
    b = ember.ones(3, requires_grad=True)
    (a + b).sum().backward()
    a.grad.mul_(5)
    assert b.grad.sum().item() == 3


def test_device_mismatch_message():
    assert not ember.cuda.is_available()
    with pytest.raises((RuntimeError, AssertionError), match="CUDA"):
        ember.ones(2).cuda()
