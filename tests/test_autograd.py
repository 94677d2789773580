"""Autograd against torch: backward/grad and their errors, graph nodes and hooks, grad
modes, anomaly mode, version counters, memory, gradcheck."""
import gc
import re
import warnings
import weakref

import numpy as np
import pytest

from parity import assert_same, torch
import ember

LIBS = [torch, ember]


def both(fn, **kwargs):
    t_out = fn(torch)
    e_out = fn(ember)
    assert_same(e_out, t_out, **kwargs)
    return e_out


def same_error(fn, exc_type=RuntimeError):
    """fn(m) raises exc_type with exactly torch's message."""
    messages = []
    for m in LIBS:
        with pytest.raises(exc_type) as info:
            fn(m)
        messages.append(str(info.value))
    assert messages[1] == messages[0]
    return messages[1]


def leaf(m, values, dtype="float64"):
    return m.tensor(values, dtype=getattr(m, dtype), requires_grad=True)


def quad(m):
    """A leaf x and y = x * x * 3 (a fresh graph each call)."""
    x = leaf(m, [1.0, 2.0, 3.0])
    return x, x * x * 3


# ---------------------------------------------------------------- backward / grad errors

@pytest.mark.parametrize("fn", [
    lambda m: quad(m)[1].backward(),
    lambda m: m.ones(3).sum().backward(),
    lambda m: m.autograd.grad([quad(m)[1].sum(), m.ones(1).sum()], quad(m)[0]),
    lambda m: m.autograd.grad(quad(m)[1].sum(), []),
    lambda m: quad(m)[1].sum().backward(inputs=[]),
    lambda m: m.autograd.grad(quad(m)[1].sum(), [m.ones(2)]),
    lambda m: m.autograd.grad(quad(m)[1].sum(), [m.ones(2, requires_grad=True)]),
    lambda m: m.autograd.grad(*quad(m)[::-1], m.ones(2, dtype=m.float64)),
    lambda m: m.autograd.grad([quad(m)[1]] * 2, quad(m)[0], [m.ones(3, dtype=m.float64)]),
    lambda m: m.autograd.grad(*quad(m)[::-1], m.ones(3, dtype=m.complex128)),
    lambda m: m.autograd.grad(quad(m)[1][0], quad(m)[0], m.ones(1, dtype=m.float64)),
    lambda m: (quad(m)[1] * 1j).sum().backward(),
    lambda m: m.autograd.grad(*quad(m)[::-1], is_grads_batched=True,
                              grad_outputs=m.ones(2, 2, dtype=m.float64)),
    lambda m: m.autograd.backward([quad(m)[1].sum()] * 2, [m.ones(())]),
    lambda m: quad(m)[1].sum().backward(inputs=[m.ones(2)]),
])
def test_runtime_error_messages(fn):
    same_error(fn)


def test_type_and_value_errors():
    same_error(lambda m: quad(m)[1].backward(2.0), TypeError)
    same_error(lambda m: m.autograd.grad(3, quad(m)[0]), TypeError)
    same_error(lambda m: m.autograd.grad(quad(m)[1].sum(), quad(m)[0], allow_unused=False,
                                         materialize_grads=True), ValueError)


def test_second_backward_error_and_retain_graph():
    same_error(lambda m: [y.sum().backward() for y in [quad(m)[1]] * 2])

    def run(m):
        x, y = quad(m)
        loss = y.exp().sum()
        loss.backward(retain_graph=True)
        loss.backward()
        y = x * x * x
        (g,) = m.autograd.grad(y.sum(), x, create_graph=True)  # retain_graph defaults to True
        (g2,) = m.autograd.grad(y.sum(), x)
        return x.grad, g, g2
    both(run)


def test_nodes_not_run_are_not_freed():
    def run(m):
        a, b = leaf(m, [1.0, 2.0]), leaf(m, [3.0])
        z = a.exp().sum() + (b * b).sum()
        (ga,) = m.autograd.grad(z, a)
        (gb,) = m.autograd.grad(z, b)  # b's branch did not run the first time
        return ga, gb
    both(run)


def test_grad_results():
    def run(m):
        x, y = quad(m)
        unused = leaf(m, [1.0])
        results = [
            m.autograd.grad(y.sum(), x, retain_graph=True),
            m.autograd.grad(y.sum(), (x, unused), allow_unused=True, retain_graph=True),
            m.autograd.grad(y.sum(), [x, unused], materialize_grads=True, retain_graph=True),
            m.autograd.grad(y, x, m.ones(3, dtype=m.float32), retain_graph=True),  # cast
            m.autograd.grad(y.sum(), x, [None], retain_graph=True),
            m.autograd.grad(y.sum(), x, m.tensor(2.0, dtype=m.float64), retain_graph=True),
            m.autograd.grad(x, x, m.ones(3, dtype=m.float64)),
            m.autograd.grad(x.sum(), x),
            m.autograd.grad(y, x, m.eye(3, dtype=m.float64), is_grads_batched=True,
                            retain_graph=True),
        ]
        as_dict = m.autograd.grad(y.sum(), {"x": x}, retain_graph=True)
        (g,) = m.autograd.grad((y * x).sum(), x, create_graph=True)
        (plain,) = m.autograd.grad((y * x).sum(), x)
        return results, sorted(as_dict), as_dict["x"], (g.requires_grad, plain.requires_grad)
    both(run)


def test_backward_variants():
    def run(m):
        x, y = quad(m)
        w = leaf(m, [0.5, 0.5, 0.5])
        z = (y * w).exp()
        m.autograd.backward([z.sum(), (w * w).sum()], [m.tensor(2.0, dtype=m.float64), None])
        grads = [x.grad.clone(), w.grad.clone()]
        x.grad = w.grad = None
        y2 = x * w
        y2.sum().backward(inputs=[x])
        only_x = (x.grad.clone(), w.grad)
        h = x * 2
        out = (h * h).sum()
        out.backward(inputs=[h])
        nonleaf = (h.grad, x.grad)
        x.backward(m.ones(3, dtype=m.float64))  # a leaf as its own root
        return grads, only_x, nonleaf, x.grad
    both(run)


def test_create_graph_backward_warns():
    for m in LIBS:
        x, y = quad(m)
        with pytest.warns(UserWarning, match="reference cycle between the parameter"):
            y.sum().backward(create_graph=True)
        assert x.grad.requires_grad


# ---------------------------------------------------------------- higher order

def test_gradient_penalty():
    def run(m):
        rng = np.random.default_rng(0)
        w1 = m.tensor(rng.standard_normal((4, 3)), requires_grad=True)
        w2 = m.tensor(rng.standard_normal((3, 1)), requires_grad=True)
        inp = m.tensor(rng.standard_normal((5, 4)), requires_grad=True)
        out = ((inp @ w1).tanh() @ w2).sum()
        (g,) = m.autograd.grad(out, inp, create_graph=True)
        penalty = ((g * g).sum(1).sqrt() - 1) ** 2
        loss = out + 10 * penalty.mean()
        loss.backward()
        return w1.grad, w2.grad, inp.grad
    both(run, rtol=1e-10, atol=1e-12)


def test_hessian_vector_product_and_third_order():
    def run(m):
        x = leaf(m, [0.3, -1.2, 0.8])
        v = m.tensor([1.0, 0.5, -2.0], dtype=m.float64)
        f = (x.exp() * x.sigmoid()).sum() + (x ** 3).sum()
        (g,) = m.autograd.grad(f, x, create_graph=True)
        (hv,) = m.autograd.grad(g, x, v, create_graph=True)
        (third,) = m.autograd.grad(hv.sum(), x)
        return g, hv, third
    both(run, rtol=1e-10)


# ---------------------------------------------------------------- graph nodes

def test_node_api():
    def run(m):
        x = leaf(m, [1.0, 2.0])
        w = leaf(m, [3.0, 4.0])
        y = (x * w).exp()
        node = y.grad_fn
        mul, nr = node.next_functions[0]
        acc = [n for n, _ in mul.next_functions]
        return (node.name(), mul.name(), nr, [a.name() for a in acc], acc[0].variable is x,
                node.metadata, isinstance(node, m.autograd.graph.Node),
                isinstance(acc[0], m.autograd.graph.Node), len(mul.next_functions))
    both(run)


def test_node_call_runs_backward():
    def run(m):
        x = leaf(m, [1.0, 2.0])
        y = x.exp()
        return y.grad_fn(m.ones(2, dtype=m.float64))
    both(run)


def test_tensor_hooks_order_and_return_values():
    def run(m):
        x = leaf(m, [1.0, 2.0])
        y = x * 2
        seen = []
        y.register_hook(lambda g: seen.append(("first", g.tolist())))
        y.register_hook(lambda g: g * 10)
        y.register_hook(lambda g: seen.append(("third", g.tolist())) or g + 1)
        y.retain_grad()
        x.register_hook(lambda g: seen.append(("leaf", g.tolist())))
        handle = x.register_hook(lambda g: g * 0)
        handle.remove()
        x.register_post_accumulate_grad_hook(lambda t: seen.append(("post", t.grad.tolist())))
        (y * y).sum().backward()
        return seen, y.grad, x.grad, y.retains_grad, x.retains_grad
    both(run)


def test_node_hooks():
    def run(m):
        x = leaf(m, [1.0, 2.0])
        y = x * 3
        seen = []
        h1 = y.grad_fn.register_prehook(lambda go: seen.append(("pre", go[0].tolist())))
        y.grad_fn.register_prehook(lambda go: (go[0] * 2,))
        y.grad_fn.register_hook(lambda gi, go: seen.append(("post", gi[0].tolist(),
                                                            go[0].tolist())))
        y.sum().backward(retain_graph=True)
        h1.remove()
        y.sum().backward()
        return seen, x.grad
    both(run)


def test_hook_errors():
    same_error(lambda m: m.ones(2).register_hook(lambda g: g))
    same_error(lambda m: m.ones(2).retain_grad())
    same_error(lambda m: quad(m)[1].register_post_accumulate_grad_hook(lambda t: None))


def test_gradient_edge_and_multi_grad_hook():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    z = (y * y).sum()
    edge = ember.autograd.graph.get_gradient_edge(y)
    assert edge.node is y.grad_fn and edge.output_nr == 0
    (g,) = ember.autograd.grad(z, edge, retain_graph=True)
    np.testing.assert_allclose(g.numpy(), 2 * y.detach().numpy())
    seen = []
    a = ember.tensor([1.0], requires_grad=True)
    b = ember.tensor([2.0], requires_grad=True)
    c = ember.tensor([3.0], requires_grad=True)
    ember.autograd.graph.register_multi_grad_hook(
        (a, b, c), lambda grads: seen.append([None if g is None else g.item() for g in grads]))
    (a * 2 + b * 3).sum().backward()
    assert seen == [[2.0, 3.0, None]]


def test_saved_tensors_hooks():
    packed = []

    def pack(t):
        packed.append(t.shape)
        return t.detach() * 1

    def run(m):
        x = leaf(m, [1.0, 2.0])
        with m.autograd.graph.saved_tensors_hooks(pack, lambda t: t * 2):
            y = (x * x).sum()
        y.backward()
        return x.grad
    both(run)
    assert len(packed) == 4
    with ember.autograd.graph.disable_saved_tensors_hooks("no hooks here"):
        with pytest.raises(RuntimeError, match="no hooks here"):
            with ember.autograd.graph.saved_tensors_hooks(pack, pack):
                pass


# ---------------------------------------------------------------- grad modes

def test_grad_mode_context_managers_and_decorators():
    def run(m):
        seen = []
        x = leaf(m, [1.0])

        @m.no_grad
        def bare():
            return m.is_grad_enabled()

        @m.no_grad()
        def called():
            return (x * 2).requires_grad

        @m.enable_grad
        def enabled():
            return m.is_grad_enabled()

        @m.set_grad_enabled(False)
        def disabled():
            return m.is_grad_enabled()

        @m.inference_mode
        def inference():
            return m.is_grad_enabled(), m.is_inference_mode_enabled()

        @m.inference_mode(False)
        def not_inference():
            return m.is_grad_enabled(), m.is_inference_mode_enabled()

        @m.no_grad()
        def gen():
            for _ in range(2):
                yield m.is_grad_enabled()
        seen += [bare(), called(), disabled(), m.is_grad_enabled(), inference(),
                 not_inference(), list(gen())]
        with m.no_grad():
            seen.append(enabled())
            with m.enable_grad():
                seen.append((x * 2).requires_grad)
            with m.inference_mode(False):
                seen.append(m.is_grad_enabled())
            seen.append((x * 2).requires_grad)
        m.set_grad_enabled(False)
        seen.append(m.is_grad_enabled())
        m.set_grad_enabled(True)
        with m.set_grad_enabled(False):
            seen.append(m.is_grad_enabled())
        with m.inference_mode():
            seen.append((m.is_grad_enabled(), m.is_inference_mode_enabled()))
            with m.enable_grad():
                seen.append((m.is_grad_enabled(), m.is_inference_mode_enabled()))
        seen.append((m.is_grad_enabled(), m.is_inference_mode_enabled()))
        seen.append(m.autograd.grad_mode.no_grad is m.no_grad)
        return seen
    both(run)


def test_grad_mode_errors_and_class_decoration():
    same_error(lambda m: m.set_grad_enabled(1), TypeError)
    for m in LIBS:
        class Plain:
            def __init__(self):
                self.enabled = m.is_grad_enabled()
        with pytest.warns(FutureWarning, match="Decorating classes is deprecated"):
            made = m.no_grad()(Plain)
        assert made().enabled is False


def test_grad_mode_restored_after_exception():
    for m in LIBS:
        with pytest.raises(ValueError):
            with m.no_grad():
                raise ValueError
        assert m.is_grad_enabled()


# ---------------------------------------------------------------- anomaly mode

def anomaly_flags(m):
    """torch has is_anomaly_enabled at the top level; ember has it in ember.autograd."""
    owner = m if m is torch else m.autograd
    return owner.is_anomaly_enabled, owner.is_anomaly_check_nan_enabled


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_anomaly_nan_detection():
    for m in LIBS:
        is_enabled, check_nan_enabled = anomaly_flags(m)
        x = m.tensor([0.0, 1.0], requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            detector = m.autograd.detect_anomaly()
        with detector:
            assert is_enabled()
            y = x.sqrt() * 0  # the forward line the warning names
            with pytest.warns(UserWarning, match="Error detected in MulBackward0") as record:
                with pytest.raises(RuntimeError, match=re.escape(
                        "Function 'MulBackward0' returned nan values in its 0th output.")):
                    (y * float("inf")).sum().backward()
            assert "y = x.sqrt() * 0" in "".join(str(w.message) for w in record)
            assert isinstance(y.grad_fn.metadata["traceback_"], list)
        assert not is_enabled()
        with m.autograd.set_detect_anomaly(True, check_nan=False):
            assert check_nan_enabled() is False
            (x.sqrt() * 0 * float("inf")).sum().backward()
        m.autograd.set_detect_anomaly(True)
        assert is_enabled()
        m.autograd.set_detect_anomaly(False)
        assert not is_enabled() and "traceback_" not in \
            (x * 2).grad_fn.metadata


def test_detect_anomaly_warns_on_enable():
    for m in LIBS:
        with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
            with m.autograd.detect_anomaly():
                pass


# ---------------------------------------------------------------- version counters

def _modified_saved_input(m):
    x = leaf(m, [1.0, 2.0])
    b = x * 2
    c = b * b
    b.add_(1)
    c.sum().backward()


def _modified_saved_output(m):
    x = leaf(m, [1.0, 2.0])
    b = x.exp()
    b.mul_(2)
    b.sum().backward()


def _modified_saved_leaf(m):
    x = leaf(m, [1.0, 2.0])
    c = x * x
    with m.no_grad():
        x.mul_(2)
    c.sum().backward()


def _modified_sigmoid_output(m):
    x = leaf(m, [1.0, 2.0], "float32")
    b = x.sigmoid()
    c = b.sigmoid()
    b.mul_(2)
    c.sum().backward()


@pytest.mark.parametrize("fn", [_modified_saved_input, _modified_saved_output,
                                _modified_saved_leaf, _modified_sigmoid_output])
def test_modified_saved_tensor_messages(fn):
    msg = same_error(fn)
    assert "modified by an inplace operation" in msg


def test_modified_saved_tensor_hint_in_anomaly_mode():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with ember.autograd.detect_anomaly(), torch.autograd.detect_anomaly():
            msg = same_error(_modified_saved_output)
    assert "the backtrace further above shows the operation" in msg


def test_inplace_on_leaf_and_detach_semantics():
    same_error(lambda m: leaf(m, [1.0]).add_(1))

    def run(m):
        x = leaf(m, [1.0, 2.0])
        d = x.detach()
        d.add_(1)  # shares x's version counter and memory
        y = x * 2
        y.detach_()
        return x, x._version, d.requires_grad, (y.requires_grad, y.grad_fn is None, y.is_leaf)
    both(run)


def test_data_has_its_own_version_counter():
    def run(m):
        x = leaf(m, [1.0, 2.0])
        c = x * x
        x.data.mul_(2)  # invisible to autograd, as in torch
        c.sum().backward()
        return x.grad, x._version
    both(run)


def test_inplace_on_view_of_leaf_raises():
    same_error(lambda m: leaf(m, [1.0, 2.0])[:1].add_(1))


# ---------------------------------------------------------------- memory

def test_training_loop_frees_graphs():
    rng = np.random.default_rng(0)
    w = ember.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    b = ember.zeros(3, dtype=ember.float64, requires_grad=True)
    data = ember.tensor(rng.standard_normal((8, 4)))
    gc.collect()
    gc.disable()
    try:
        refs = []
        for _ in range(3):
            h = (data @ w + b).tanh()
            h.retain_grad()
            h.register_hook(lambda g: g * 1)
            loss = (h * h).mean() + (w * w).sum() * 0.01
            loss.backward()
            refs += [weakref.ref(loss.grad_fn), weakref.ref(h), weakref.ref(h.grad_fn),
                     weakref.ref(h.grad)]
            with ember.no_grad():
                w -= 0.1 * w.grad
            w.grad = None
            b.grad = None
            del h, loss
            assert all(r() is None for r in refs), "a graph outlived its step"
        assert w.grad_fn is None and w._version == 3
    finally:
        gc.enable()


def test_nodes_release_saved_tensors_after_backward():
    x = ember.ones(1000, requires_grad=True)
    gc.disable()
    try:
        saved = x * 2
        ref = weakref.ref(saved)
        y = (saved * saved).sum()
        del saved
        assert ref() is not None  # kept by MulBackward0
        y.backward()
        assert ref() is None  # released with the node's saved tensors
    finally:
        gc.enable()


# ---------------------------------------------------------------- gradcheck

def test_gradcheck_passes_on_hard_inputs():
    base = ember.tensor([[0.5, 1.0, 2.0], [1.5, -1.0, 0.3]], dtype=ember.float64)
    x = base.t().requires_grad_()  # non-contiguous
    assert not x.is_contiguous()
    gradcheck = ember.autograd.gradcheck
    assert gradcheck(lambda a: (a * a).exp(), (x,))
    assert gradcheck(lambda a, k: (a * a * k, a.sum() * 3, (a > 0).long()), (x, 2.0))
    assert ember.autograd.gradgradcheck(lambda a: (a * a * a, a.sum() * a), x)
    assert ember.autograd.gradgradcheck(lambda a: a * a * a, x, gen_non_contig_grad_outputs=True)
    z = ember.tensor([1 + 2j, 0.5 - 1j], dtype=ember.complex128, requires_grad=True)
    assert gradcheck(lambda a: a * a, (z,))
    assert gradcheck(lambda a: (a * a.conj()).real, (z,))
    assert gradcheck(lambda a, r: a * r, (z, ember.tensor([0.5, 2.0], dtype=ember.float64,
                                                          requires_grad=True)))
    assert gradcheck(lambda a: (a > 0).long(), (x,))  # no differentiable output


def test_gradcheck_failures():
    def make(m):
        class Wrong(m.autograd.Function):
            @staticmethod
            def forward(ctx, a):
                return a * 2

            @staticmethod
            def backward(ctx, g):
                return g * 3
        return Wrong

    for m in LIBS:
        error_type = __import__(m.__name__ + ".autograd.gradcheck",
                                fromlist=["GradcheckError"]).GradcheckError
        x = m.tensor([1.0, 2.0], dtype=m.float64, requires_grad=True)
        with pytest.raises(error_type,
                           match="Jacobian mismatch for output 0 with respect to input 0,\n"
                                 "numerical:") as info:
            m.autograd.gradcheck(make(m).apply, (x,))
        assert isinstance(info.value, RuntimeError)
        assert m.autograd.gradcheck(make(m).apply, (x,), raise_exception=False) is False
        with pytest.raises(ValueError, match="at least one input tensor to require gradient"):
            m.autograd.gradcheck(lambda a: a * 2, (x.detach(),))
        with pytest.warns(UserWarning, match="is not a double precision"):
            m.autograd.gradcheck(lambda a: a * 2, (m.ones(2, requires_grad=True),),
                                 eps=1e-3, atol=1e-2, rtol=1e-2)
        Wrong = make(m)

        class Square(m.autograd.Function):
            """Right first derivative, wrong second one (its backward uses Wrong)."""
            @staticmethod
            def forward(ctx, a):
                ctx.save_for_backward(a)
                return a * a

            @staticmethod
            def backward(ctx, g):
                (a,) = ctx.saved_tensors
                return Wrong.apply(g * a)
        assert m.autograd.gradcheck(Square.apply, (x,))
        with pytest.raises(error_type, match="Jacobian mismatch for output 0 with respect to "
                                             "input 0"):
            m.autograd.gradgradcheck(Square.apply, (x,))


# ---------------------------------------------------------------- leaves and their AccumulateGrad

def _accumulator(leaf):
    return (leaf * 1).grad_fn.next_functions[0][0]


def test_leaf_keeps_one_accumulator_across_graphs():
    w = ember.randn(3, requires_grad=True)
    first = _accumulator(w)
    gc.collect()
    assert _accumulator(w) is first
    assert first.name() == "torch::autograd::AccumulateGrad"
    assert first.variable is w


def test_leaf_and_accumulator_make_no_cycle():
    # The leaf owns its node, which refers back weakly: freeing the leaf needs no gc.
    gc.disable()
    try:
        w = ember.randn(3, requires_grad=True)
        (w * 2).sum().backward()
        leaf_ref, node_ref = weakref.ref(w), weakref.ref(_accumulator(w))
        del w
        assert leaf_ref() is None and node_ref() is None
    finally:
        gc.enable()


def test_leaf_hook_runs_when_only_the_graph_keeps_the_leaf():
    # torch keeps tensor hooks of a leaf on its AccumulateGrad: they run even when the
    # caller dropped the leaf; the gradient itself then has no reader.
    seen = []

    def make():
        x = ember.ones(3, requires_grad=True)
        x.register_hook(lambda g: seen.append(g.clone()))
        return (x * 3).sum()
    make().backward()
    assert len(seen) == 1 and seen[0].tolist() == [3.0, 3.0, 3.0]
