"""Module backward hooks and global module hooks against torch: what full backward
hooks and pre-hooks receive (grad_input / grad_output tuples with None for non-tensors),
replacing gradients, modules whose inputs need no gradient, several inputs/outputs,
order with prepend, removal, errors; the global forward/backward/registration hooks; the
legacy register_backward_hook; and that a module without hooks takes the fast path."""
import warnings

import numpy as np
import pytest

from parity import torch
import ember

RNG = np.random.default_rng(0)
W = RNG.standard_normal((3, 4))
B = RNG.standard_normal(3)
X = RNG.standard_normal((2, 4))
G = np.arange(6.0).reshape(2, 3)


def linear(m):
    layer = m.nn.Linear(4, 3).double()
    layer.load_state_dict({"weight": m.tensor(W), "bias": m.tensor(B)})
    return layer


def arrays(values):
    return tuple(None if v is None else v.detach().numpy().copy() for v in values)


def assert_logs_equal(e_log, t_log):
    assert [entry[0] for entry in e_log] == [entry[0] for entry in t_log]
    for e_entry, t_entry in zip(e_log, t_log):
        for e_part, t_part in zip(e_entry[1:], t_entry[1:]):
            assert len(e_part) == len(t_part)
            for e, t in zip(e_part, t_part):
                assert (e is None) == (t is None)
                if t is not None:
                    np.testing.assert_allclose(e, t, rtol=1e-12)


def run_linear(m, hook_result=None, pre_result=None, x_grad=True, prepend=False):
    layer = linear(m)
    log = []

    def hook(module, grad_input, grad_output):
        assert module is layer
        log.append(("hook", arrays(grad_input), arrays(grad_output)))
        return hook_result(grad_input) if hook_result else None

    def pre_hook(module, grad_output):
        log.append(("pre", arrays(grad_output)))
        return pre_result(grad_output) if pre_result else None

    def second_hook(module, grad_input, grad_output):
        log.append(("second", arrays(grad_input), arrays(grad_output)))

    layer.register_full_backward_hook(hook)
    layer.register_full_backward_hook(second_hook, prepend=prepend)
    layer.register_full_backward_pre_hook(pre_hook)
    x = m.tensor(X, requires_grad=x_grad)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = layer(x)
        (out * m.tensor(G)).sum().backward()
    return log, (x.grad.numpy() if x_grad else None), layer.weight.grad.numpy(), out


@pytest.mark.parametrize("kwargs", [
    dict(), dict(prepend=True), dict(hook_result=lambda gi: tuple(g * 2 for g in gi)),
    dict(pre_result=lambda go: (go[0] * 3,)), dict(x_grad=False),
    dict(x_grad=False, pre_result=lambda go: (go[0] - 1,))])
def test_full_backward_hooks_match_torch(kwargs):
    t_log, t_gx, t_gw, t_out = run_linear(torch, **kwargs)
    e_log, e_gx, e_gw, e_out = run_linear(ember, **kwargs)
    assert_logs_equal(e_log, t_log)
    if t_gx is not None:
        np.testing.assert_allclose(e_gx, t_gx, rtol=1e-12)
    np.testing.assert_allclose(e_gw, t_gw, rtol=1e-12)
    assert e_out.grad_fn.name() == t_out.grad_fn.name() == "BackwardHookFunctionBackward"


def two_in_two_out(m):
    class Mix(m.nn.Module):
        def forward(self, a, scale, b):
            return a * b * scale, a.sum(), 7
    return Mix()


def test_several_inputs_and_outputs_with_non_tensors():
    results = []
    for m in (torch, ember):
        module = two_in_two_out(m)
        log = []
        module.register_full_backward_pre_hook(lambda mod, go: log.append(("pre", arrays(go))))
        module.register_full_backward_hook(
            lambda mod, gi, go: log.append(("hook", arrays(gi), arrays(go))))
        a = m.tensor(X, requires_grad=True)
        b = m.tensor(X * 2)          # needs no gradient: its grad_input is zeros
        product, total, seven = module(a, 0.5, b)
        assert seven == 7
        (product.sum() + total * 3).backward()
        results.append((log, a.grad.numpy()))
    assert_logs_equal(results[1][0], results[0][0])
    np.testing.assert_allclose(results[1][1], results[0][1])


def test_hooks_fire_once_per_call_and_can_be_removed():
    for m in (torch, ember):
        layer = linear(m)
        calls = []
        handle = layer.register_full_backward_hook(lambda *a: calls.append("hook"))
        pre = layer.register_full_backward_pre_hook(lambda *a: calls.append("pre"))
        x = m.tensor(X, requires_grad=True)
        (layer(x).sum() + layer(x).sum()).backward()
        assert calls == ["pre", "hook", "pre", "hook"]
        handle.remove()
        pre.remove()
        layer(x).sum().backward()
        assert len(calls) == 4
        assert not layer._backward_hooks and not layer._backward_pre_hooks


def test_hook_errors_match_torch():
    for m in (torch, ember):
        layer = linear(m)
        layer.register_full_backward_hook(lambda mod, gi, go: (gi[0], gi[0]))
        with pytest.raises(RuntimeError, match="Backward hook returned an invalid number of "
                                               "grad_input, got 2, but expected 1"):
            layer(m.tensor(X, requires_grad=True)).sum().backward()
        layer = linear(m)
        layer.register_full_backward_pre_hook(lambda mod, go: (go[0], go[0]))
        with pytest.raises(RuntimeError, match="Backward pre hook returned an invalid number"):
            layer(m.tensor(X, requires_grad=True)).sum().backward()
        layer = linear(m)
        layer.register_backward_hook(lambda *a: None)
        with pytest.raises(RuntimeError, match="Cannot use both regular backward hooks and "
                                               "full backward hooks"):
            layer.register_full_backward_hook(lambda *a: None)


def test_no_input_needs_grad_warns_like_torch():
    for m in (torch, ember):
        layer = linear(m)
        seen = []
        layer.register_full_backward_hook(lambda mod, gi, go: seen.append(gi))
        with pytest.warns(UserWarning, match="Full backward hook is firing when gradients are "
                                             "computed with respect to module outputs"):
            layer(m.tensor(X)).sum().backward()
        assert seen == [(None,)]


def test_hooks_inside_a_sequential_see_the_chain():
    results = []
    for m in (torch, ember):
        model = m.nn.Sequential(linear(m), m.nn.Tanh(), m.nn.Linear(3, 2).double())
        with m.no_grad():
            model[2].weight.copy_(m.tensor(W[:2, :3]))
            model[2].bias.copy_(m.tensor(B[:2]))
        log = []
        for i, layer in enumerate(model):
            layer.register_full_backward_hook(
                lambda mod, gi, go, i=i: log.append((f"hook{i}", arrays(gi), arrays(go))))
        model.register_full_backward_hook(
            lambda mod, gi, go: log.append(("model", arrays(gi), arrays(go))))
        x = m.tensor(X, requires_grad=True)
        model(x).pow(2).sum().backward()
        results.append(log)
    assert_logs_equal(results[1], results[0])


def test_legacy_backward_hook_sees_the_last_node():
    for m in (torch, ember):
        layer = m.nn.Tanh()
        seen = []
        layer.register_backward_hook(lambda mod, gi, go: seen.append((gi, go)))
        x = m.tensor(X, requires_grad=True)
        layer(x).sum().backward()
        (grad_input,), (grad_output,) = seen[0]
        np.testing.assert_allclose(grad_input.numpy(), 1 - np.tanh(X) ** 2)
        np.testing.assert_allclose(grad_output.numpy(), np.ones_like(X))


def test_legacy_backward_hook_warns_on_multiple_nodes():
    for m in (torch, ember):
        model = m.nn.Sequential(linear(m), m.nn.Tanh())
        model.register_backward_hook(lambda *a: None)
        with pytest.warns(FutureWarning, match="forward contains multiple autograd Nodes"):
            model(m.tensor(X, requires_grad=True))


# ---------------------------------------------------------------- global hooks

def module_api(m):
    return m.nn.modules.module


def test_global_forward_hooks_run_before_the_modules_own():
    for m in (torch, ember):
        api = module_api(m)
        layer = linear(m)
        order = []
        layer.register_forward_pre_hook(lambda mod, args: order.append("own pre"))
        layer.register_forward_hook(lambda mod, args, out: order.append("own"))
        handles = [
            api.register_module_forward_pre_hook(lambda mod, args: order.append("global pre")),
            api.register_module_forward_hook(lambda mod, args, out: order.append("global")),
            api.register_module_forward_hook(lambda mod, args, kwargs, out: out * 0,
                                             with_kwargs=True)]
        try:
            out = layer(m.tensor(X))
        finally:
            for handle in handles:
                handle.remove()
        if m is ember:
            assert not ember.nn.modules._hooks.active_call_hooks
        assert order == ["global pre", "own pre", "global", "own"]
        assert float(out.abs().sum()) == 0
        assert float(layer(m.tensor(X)).abs().sum()) > 0


def test_global_full_backward_hooks():
    results = []
    for m in (torch, ember):
        api = module_api(m)
        model = m.nn.Sequential(linear(m), m.nn.Tanh())
        log = []
        handles = [
            api.register_module_full_backward_pre_hook(
                lambda mod, go: log.append(("pre " + type(mod).__name__, arrays(go)))),
            api.register_module_full_backward_hook(
                lambda mod, gi, go: log.append((type(mod).__name__, arrays(gi), arrays(go))))]
        try:
            model(m.tensor(X, requires_grad=True)).sum().backward()
        finally:
            for handle in handles:
                handle.remove()
        results.append(log)
    assert_logs_equal(results[1], results[0])


def test_always_call_hooks_run_when_forward_raises():
    for m in (torch, ember):
        api = module_api(m)

        class Broken(m.nn.Module):
            def forward(self, x):
                raise ValueError("broken")
        module = Broken()
        seen = []
        module.register_forward_hook(lambda mod, args, out: seen.append(("own", out)),
                                     always_call=True)
        handle = api.register_module_forward_hook(
            lambda mod, args, out: seen.append(("global", out)), always_call=True)
        try:
            with pytest.raises(ValueError, match="broken"):
                module(m.zeros(1))
        finally:
            handle.remove()
        assert seen == [("global", None), ("own", None)]


def test_registration_hooks():
    for m in (torch, ember):
        api = module_api(m)
        seen = []
        handles = [
            api.register_module_parameter_registration_hook(
                lambda mod, name, p: seen.append(("param", name))),
            api.register_module_buffer_registration_hook(
                lambda mod, name, b: seen.append(("buffer", name))),
            api.register_module_module_registration_hook(
                lambda mod, name, sub: seen.append(("module", name)))]
        try:
            module = m.nn.Module()
            module.register_buffer("stats", m.zeros(2))
            module.child = m.nn.Identity()
            module.add_module("other", m.nn.Identity())
            module.weight = m.nn.Parameter(m.zeros(2))
        finally:
            for handle in handles:
                handle.remove()
        assert seen == [("buffer", "stats"), ("module", "child"), ("module", "other"),
                        ("param", "weight")]
        replaced = api.register_module_buffer_registration_hook(lambda mod, name, b: b + 1)
        try:
            module.register_buffer("ones", m.zeros(2))
        finally:
            replaced.remove()
        assert float(module.ones.sum()) == 2


def test_no_hooks_means_forward_is_called_directly():
    layer = linear(ember)
    calls = []
    layer._call_with_hooks = lambda *a: calls.append(a)   # must not be reached
    layer(ember.tensor(X))
    assert calls == []
    layer.register_full_backward_pre_hook(lambda *a: None)
    layer(ember.tensor(X))
    assert len(calls) == 1
