"""Custom autograd Functions, each written once for both libraries (``m.autograd.Function``)
and run side by side with torch: values, gradients, node names, errors and messages."""
import gc
import warnings
import weakref

import pytest

from parity import assert_same, check, torch
import ember

LIBS = [torch, ember]


def both(fn, **kwargs):
    """fn(m) for m = torch and ember; the results must agree."""
    t_out = fn(torch)
    e_out = fn(ember)
    assert_same(e_out, t_out, **kwargs)
    return e_out


def same_error(fn, exc_type, normalize=lambda s: s):
    """fn(m) raises exc_type with the same message in both libraries."""
    messages = []
    for m in LIBS:
        with pytest.raises(exc_type) as info:
            fn(m)
        messages.append(normalize(str(info.value)))
    assert messages[1] == messages[0]
    return messages[1]


def leaf(m, values, dtype="float64"):
    return m.tensor(values, dtype=getattr(m, dtype), requires_grad=True)


# ---------------------------------------------------------------- function definitions

def exp_fn(m):
    class Exp(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad):
            (y,) = ctx.saved_tensors
            return grad * y
    return Exp


def mul_fn(m):
    class MulScale(m.autograd.Function):
        @staticmethod
        def forward(ctx, x, y, scale):
            ctx.save_for_backward(x, y)
            ctx.scale = scale
            return x * y * scale

        @staticmethod
        def backward(ctx, grad):
            x, y = ctx.saved_tensors
            gx = grad * y * ctx.scale if ctx.needs_input_grad[0] else None
            gy = grad * x * ctx.scale if ctx.needs_input_grad[1] else None
            return gx, gy, None
    return MulScale


def setup_context_fn(m):
    class Cube(m.autograd.Function):
        @staticmethod
        def forward(x, power=3):
            return x ** power

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, power = inputs
            ctx.save_for_backward(x)
            ctx.power = power

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * ctx.power * x ** (ctx.power - 1), None
    return Cube


def identity_fn(m):
    class Identity(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, grad):
            return grad * 2
    return Identity


def inplace_fn(m):
    class Double(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, grad):
            return grad * 2
    return Double


def multi_output_fn(m, materialize=True):
    class Split(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(materialize)
            doubled, tripled, index = x * 2, x * 3, x.argmax()
            ctx.mark_non_differentiable(tripled)
            return doubled, index, tripled, "tag"

        @staticmethod
        def backward(ctx, g_doubled, g_index, g_tripled, g_tag):
            ctx.received = [None if g is None else (tuple(g.shape), str(g.dtype)[-5:])
                            for g in (g_doubled, g_index, g_tripled, g_tag)]
            return None if g_doubled is None else g_doubled * 2
    return Split


# ---------------------------------------------------------------- values and gradients

def test_exp_values_grads_and_names():
    def run(m):
        x = leaf(m, [0.5, -1.0, 2.0])
        y = exp_fn(m).apply(x)
        names = (y.grad_fn.name(), type(y.grad_fn).__name__, y.requires_grad, y.is_leaf)
        y.sum().backward()
        return y, x.grad, names
    both(run)


def test_custom_function_parity_harness():
    check(lambda m, x, y: mul_fn(m).apply(x, y, 1.5), [(2, 3), (2, 3)])
    check(lambda m, x: exp_fn(m).apply(x), [(4,)])
    check(lambda m, x: setup_context_fn(m).apply(x), [(3,)])
    check(lambda m, x: setup_context_fn(m).apply(x, power=2), [()])
    check(lambda m, x: exp_fn(m).apply(x), [(0, 2)])


def test_needs_input_grad_and_non_tensor_inputs():
    def run(m):
        x = leaf(m, [1.0, 2.0])
        y = m.tensor([3.0, 4.0], dtype=m.float64)
        out = mul_fn(m).apply(x, y, 2.0)
        node = out.grad_fn
        out.sum().backward()
        return x.grad, node.needs_input_grad, len(node.next_functions), \
            node.next_functions[1][0] is None
    both(run)


def test_needs_input_grad_is_false_without_recording():
    def run(m):
        seen = []

        class Probe(m.autograd.Function):
            @staticmethod
            def forward(ctx, x, k):
                seen.append((ctx.needs_input_grad, m.is_grad_enabled()))
                return x * k

            @staticmethod
            def backward(ctx, grad):
                return grad, None
        x = leaf(m, [1.0])
        Probe.apply(x, 2)
        with m.no_grad():
            Probe.apply(x, 2)
        Probe.apply(x.detach(), 2)
        return seen
    both(run)


def test_setup_context_receives_defaults():
    def run(m):
        seen = []

        class Fn(m.autograd.Function):
            @staticmethod
            def forward(x, scale=2.0):
                return x * scale

            @staticmethod
            def setup_context(ctx, inputs, output):
                seen.append((len(inputs), inputs[1], m.is_grad_enabled()))
                ctx.scale = inputs[1]

            @staticmethod
            def backward(ctx, grad):
                return grad * ctx.scale, None
        x = leaf(m, [1.0, 2.0])
        Fn.apply(x).sum().backward()
        Fn.apply(x, scale=5.0).sum().backward()
        return x.grad, seen
    both(run)


def test_double_backward_through_custom_function():
    def run(m):
        x = leaf(m, [0.3, -0.7, 1.1])
        y = exp_fn(m).apply(x * x)
        (g,) = m.autograd.grad(y.sum(), x, create_graph=True)
        (h,) = m.autograd.grad((g * g).sum(), x)
        return g, h, g.grad_fn.name()
    both(run)


def test_gradgradcheck_custom_functions():
    x = ember.tensor([0.3, -0.7, 1.1], dtype=ember.float64, requires_grad=True)
    y = ember.tensor([1.5, 0.2, -0.4], dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradcheck(exp_fn(ember).apply, (x,))
    assert ember.autograd.gradgradcheck(exp_fn(ember).apply, (x,))
    assert ember.autograd.gradgradcheck(lambda a, b: mul_fn(ember).apply(a, b, 0.5), (x, y))
    assert ember.autograd.gradgradcheck(setup_context_fn(ember).apply, (x,))


# ---------------------------------------------------------------- inputs returned, in place

def test_input_returned_is_a_new_view():
    def run(m):
        x = leaf(m, [1.0, 2.0])
        y = identity_fn(m).apply(x)
        facts = (y is x, y._base is x, y.grad_fn.name(), x.grad_fn is None,
                 y.data_ptr() == x.data_ptr())
        y.sum().backward()
        plain = m.ones(2)
        z = identity_fn(m).apply(plain)
        with m.no_grad():
            w = identity_fn(m).apply(x)
        return x.grad, facts, (z is plain, z._base is plain, z.requires_grad), \
            (w is x, w.requires_grad, w.grad_fn is None)
    both(run)


def test_mark_dirty():
    def run(m):
        x = leaf(m, [1.0, 2.0, 3.0])
        b = x.clone()
        before = b._version
        out = inplace_fn(m).apply(b)
        facts = (out is b, b.grad_fn.name(), b._version - before)
        out.sum().backward()
        grad = x.grad.clone()
        x.grad = None
        base = x.clone()
        view = base[:2]
        inplace_fn(m).apply(view)
        base.sum().backward()
        plain = m.ones(3)
        inplace_fn(m).apply(plain)
        return grad, x.grad, base, facts, plain._version
    both(run)


def test_mark_dirty_errors():
    same_error(lambda m: inplace_fn(m).apply(leaf(m, [1.0])), RuntimeError)

    def not_returned(m):
        class Bad(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.mark_dirty(x)
                return x * 2

            @staticmethod
            def backward(ctx, grad):
                return grad
        Bad.apply(leaf(m, [1.0]).clone())
    same_error(not_returned, RuntimeError)

    def view_with_two_outputs(m):
        class Bad(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                x.mul_(2)
                ctx.mark_dirty(x)
                return x, x * 3

            @staticmethod
            def backward(ctx, g1, g2):
                return g1
        Bad.apply(leaf(m, [1.0, 2.0]).clone()[:1])
    same_error(view_with_two_outputs, RuntimeError)


# ---------------------------------------------------------------- outputs

@pytest.mark.parametrize("materialize", [True, False])
def test_non_differentiable_and_non_tensor_outputs(materialize):
    def run(m):
        x = leaf(m, [1.0, 3.0, 2.0])
        outs = multi_output_fn(m, materialize).apply(x)
        meta = [(o.requires_grad, o.output_nr, o.is_leaf) if isinstance(o, m.Tensor) else o
                for o in outs]
        node = outs[0].grad_fn
        outs[0].sum().backward()
        return x.grad, meta, node.received
    both(run)


def test_tuple_and_single_outputs():
    def run(m):
        class One(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return (x * 2,)

            @staticmethod
            def backward(ctx, grad):
                return grad * 2

        class Twice(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x, x

            @staticmethod
            def backward(ctx, g1, g2):
                return g1 + 2 * g2
        x = leaf(m, [1.0, 2.0])
        single = One.apply(x)
        a, b = Twice.apply(x)
        (a + b).sum().backward()
        return type(single).__name__, len(single), (a is b, a.output_nr, b.output_nr), x.grad
    both(run)


def test_unused_output_gradient_is_zeros_or_none():
    def run(m):
        class Pair(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2, x * 3

            @staticmethod
            def backward(ctx, g1, g2):
                return g1 * 2 + g2 * 3
        x = leaf(m, [1.0, 2.0])
        first, _ = Pair.apply(x)
        first.sum().backward()
        return x.grad
    both(run)


# ---------------------------------------------------------------- backward validation

def _bad_backward(m, returned):
    class Bad(m.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            return x * k

        @staticmethod
        def backward(ctx, grad):
            return returned(m, grad)
    return Bad.apply(leaf(m, [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), 2).sum().backward()


@pytest.mark.parametrize("returned,message", [
    (lambda m, g: g, r"function BadBackward returned an incorrect number of gradients "
                     r"\(expected 2, got 1\)"),
    (lambda m, g: (g, None, g), "incorrect number of gradients"),
    (lambda m, g: (g, g), "returned a gradient different than None at position 2"),
    (lambda m, g: (g[0], None), r"Function BadBackward returned an invalid gradient at index 0 "
                                r"- got \[3\] but expected shape compatible with \[2, 3\]"),
    (lambda m, g: (3, None), r"expected Variable or None \(got int\)"),
])
def test_backward_return_errors(returned, message):
    msg = same_error(lambda m: _bad_backward(m, returned), RuntimeError)
    assert pytest.importorskip("re").search(message, msg)


def test_backward_results_are_fitted():
    def run(m):
        class Fit(m.autograd.Function):
            @staticmethod
            def forward(ctx, x, y):
                return x * 2 + y

            @staticmethod
            def backward(ctx, grad):
                # Broadcast shapes are summed, extra Nones dropped, dtypes cast.
                return m.ones(4, 2, 3, dtype=m.float32), grad.sum(), None, None
        x = leaf(m, [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        y = leaf(m, 1.0)
        Fit.apply(x, y).sum().backward()
        z = m.ones(2, 3, dtype=m.float64)
        Fit.apply(z, y).sum().backward()  # no grad needed for z: its gradient is ignored
        return x.grad, y.grad
    both(run)


def test_vjp_alias_and_both_defined():
    def run(m):
        class V(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def vjp(ctx, grad):
                return grad * 2
        x = leaf(m, [1.0])
        V.apply(x).sum().backward()
        return x.grad, m.autograd.Function.vjp is m.autograd.Function.backward
    both(run)

    def both_defined(m):
        class V(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def vjp(ctx, grad):
                return grad

            @staticmethod
            def backward(ctx, grad):
                return grad
        V.apply(leaf(m, [1.0])).sum().backward()
    same_error(both_defined, RuntimeError)


def test_missing_methods_and_bad_saves():
    def no_forward(m):
        class F(m.autograd.Function):
            pass
        F.apply(leaf(m, [1.0]))
    same_error(no_forward, NotImplementedError)

    def no_backward(m):
        class F(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2
        F.apply(leaf(m, [1.0])).sum().backward()
    same_error(no_backward, NotImplementedError)

    def bad_save(m):
        class F(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x, 3)
                return x * 2
        F.apply(leaf(m, [1.0]))
    same_error(bad_save, TypeError)


def test_instantiating_and_calling_a_function():
    for m in LIBS:
        Exp = exp_fn(m)
        with pytest.warns(DeprecationWarning, match="should not be instantiated"):
            instance = Exp()
        with pytest.raises(RuntimeError, match="Legacy autograd function with non-static"):
            instance(leaf(m, [1.0]))


def test_once_differentiable():
    def make(m):
        class Exp(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x.exp()

            @staticmethod
            @m.autograd.function.once_differentiable
            def backward(ctx, grad):
                (x,) = ctx.saved_tensors
                return grad * x.exp()
        return Exp

    def first_order(m):
        x = leaf(m, [0.5, 1.0])
        make(m).apply(x).sum().backward()
        g, = m.autograd.grad(make(m).apply(x).sum(), x, create_graph=True)
        return x.grad, g.requires_grad

    both(first_order)

    def second_order(m):
        x = leaf(m, [0.5, 1.0])
        v = m.ones(2, dtype=m.float64, requires_grad=True)
        (g,) = m.autograd.grad(make(m).apply(x), x, v, create_graph=True)
        assert g.requires_grad and g.grad_fn.name() == "torch::autograd::Error"
        g.sum().backward()
    msg = same_error(second_order, RuntimeError)
    assert "@once_differentiable" in msg


def test_function_ctx_module_exports():
    assert ember.autograd.function.FunctionCtx is not None
    ctx = ember.autograd.function.FunctionCtx()
    x = ember.ones(2)
    ctx.save_for_backward(x, None)
    assert ctx.to_save == (x, None)
    Exp = exp_fn(ember)
    node = Exp.apply(ember.ones(2, requires_grad=True)).grad_fn
    assert isinstance(node, ember.autograd.function.FunctionCtx)
    assert isinstance(node, ember.autograd.graph.Node)
    assert Exp._backward_cls.__name__ == "ExpBackward" and node._forward_cls is Exp


def test_ctx_attributes_and_hooks_on_custom_nodes():
    def run(m):
        x = leaf(m, [1.0, 2.0])
        y = mul_fn(m).apply(x, x.detach(), 3.0)
        seen = []
        y.grad_fn.register_prehook(lambda go: seen.append(("pre", go[0].tolist())))
        y.grad_fn.register_hook(lambda gi, go: seen.append(("post", gi[0].tolist())) or
                                (gi[0] * 10, gi[1]))
        y.sum().backward()
        return y.grad_fn.scale, seen, x.grad
    both(run)


# ---------------------------------------------------------------- saved tensors

def test_saved_output_modified_in_place():
    def run(m):
        x = leaf(m, [1.0, 2.0])
        y = exp_fn(m).apply(x)
        y.add_(1)
        y.sum().backward()
    same_error(run, RuntimeError)


def test_saved_input_modified_in_place():
    def run(m):
        x = leaf(m, [1.0, 2.0])
        a = x * 1
        y = mul_fn(m).apply(a, a, 1.0)
        a.mul_(3)
        y.sum().backward()
    same_error(run, RuntimeError)


def test_saved_tensors_freed_after_backward():
    def run(m):
        x = leaf(m, [1.0, 2.0])
        y = exp_fn(m).apply(x)
        y.sum().backward(retain_graph=True)
        saved = y.grad_fn.saved_tensors
        facts = (saved[0].grad_fn is y.grad_fn, saved[0].requires_grad)
        y.sum().backward()
        return x.grad, facts
    both(run)
    same_error(lambda m: _backward_twice(m), RuntimeError)


def _backward_twice(m):
    x = leaf(m, [1.0, 2.0])
    y = exp_fn(m).apply(x)
    y.sum().backward()
    return y.grad_fn.saved_tensors


def test_saved_output_makes_no_reference_cycle():
    x = ember.ones(3, requires_grad=True)
    gc.collect()
    gc.disable()
    try:
        y = exp_fn(ember).apply(x)
        z = inplace_fn(ember).apply(y * 1)
        node_ref, y_ref, z_ref = weakref.ref(y.grad_fn), weakref.ref(y), weakref.ref(z.grad_fn)
        z.sum().backward()
        del y, z
        assert node_ref() is None and y_ref() is None and z_ref() is None
    finally:
        gc.enable()


# ---------------------------------------------------------------- anomaly mode

def test_anomaly_warns_with_forward_trace_for_custom_backward():
    for m in LIBS:
        class Boom(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, grad):
                raise ValueError("boom")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            detector = m.autograd.detect_anomaly()
        with detector:
            y = Boom.apply(leaf(m, [1.0]))  # the line the warning must show
            with pytest.warns(UserWarning, match="Error detected in BoomBackward") as record:
                with pytest.raises(ValueError, match="boom"):
                    y.sum().backward()
        text = "".join(str(w.message) for w in record)
        assert "y = Boom.apply(leaf(m, [1.0]))" in text
