"""ember.nn.utils against torch.nn.utils: parameter vectors, parametrize (state_dict keys,
outputs, gradients, right_inverse, caching, removal), the parametrizations weight_norm /
spectral_norm / orthogonal, the legacy weight_norm / spectral_norm hooks, BatchNorm
fusion, functional_call (and ember.func), update_bn, and state_dicts crossing libraries."""
import copy
import pickle
import warnings

import numpy as np
import pytest

from parity import torch
import ember
import ember.func

RNG = np.random.default_rng(0)
W = RNG.standard_normal((3, 4))
B = RNG.standard_normal(3)
X = RNG.standard_normal((2, 4))


def linear(m, weight=W, bias=B):
    layer = m.nn.Linear(weight.shape[1], weight.shape[0]).double()
    layer.load_state_dict({"weight": m.tensor(weight), "bias": m.tensor(bias)})
    return layer


def state(module):
    return {k: v.detach().numpy() for k, v in module.state_dict().items()}


def to_ember(state_dict):
    return {k: ember.tensor(v.detach().numpy()) for k, v in state_dict.items()}


def assert_states_equal(e_module, t_module):
    e_state, t_state = state(e_module), state(t_module)
    assert list(e_state) == list(t_state)
    for key in t_state:
        np.testing.assert_allclose(e_state[key], t_state[key], rtol=1e-10, atol=1e-12,
                                   err_msg=key)


def run_both(make, inputs=X):
    """make(m) -> module; both modules' outputs and input-gradients of sum(out * w)."""
    results = []
    for m in (torch, ember):
        module = make(m)
        x = m.tensor(inputs, requires_grad=True)
        out = module(x)
        (out * m.tensor(np.arange(out.numel(), dtype=np.float64).reshape(out.shape))).sum() \
            .backward()
        grads = {n: p.grad.numpy() for n, p in module.named_parameters() if p.grad is not None}
        results.append((module, out.detach().numpy(), x.grad.numpy(), grads))
    (t_mod, t_out, t_gx, t_grads), (e_mod, e_out, e_gx, e_grads) = results
    np.testing.assert_allclose(e_out, t_out, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(e_gx, t_gx, rtol=1e-10, atol=1e-12)
    assert list(e_grads) == list(t_grads)
    for name in t_grads:
        np.testing.assert_allclose(e_grads[name], t_grads[name], rtol=1e-9, atol=1e-12,
                                   err_msg=name)
    return t_mod, e_mod


# ---------------------------------------------------------------- parameter vectors

def test_parameters_to_vector_and_back():
    for m in (torch, ember):
        layer = linear(m)
        vec = m.nn.utils.parameters_to_vector(layer.parameters())
        np.testing.assert_array_equal(vec.detach().numpy(), np.concatenate([W.ravel(), B]))
        assert vec.requires_grad
        m.nn.utils.vector_to_parameters(vec.detach() * 2, layer.parameters())
        np.testing.assert_array_equal(layer.weight.detach().numpy(), W * 2)
        with pytest.raises(TypeError, match="expected torch.Tensor, but got"):
            m.nn.utils.vector_to_parameters([1.0], layer.parameters())


# ---------------------------------------------------------------- parametrize

def symmetric(m):
    class Symmetric(m.nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).transpose(-1, -2)

        def right_inverse(self, A):
            return A.triu()
    return Symmetric()


def scaled(m, factor):
    class Scale(m.nn.Module):
        def forward(self, X):
            return X * factor

        def right_inverse(self, A):
            return A / factor
    return Scale()


def square(m):
    return linear(m, W[:, :3], B)


def test_register_parametrization_matches_torch():
    def make(m):
        layer = square(m)
        m.nn.utils.parametrize.register_parametrization(layer, "weight", symmetric(m))
        return layer
    t_mod, e_mod = run_both(make, X[:, :3])
    assert type(e_mod).__name__ == "ParametrizedLinear"
    assert repr(e_mod) == repr(t_mod)
    assert_states_equal(e_mod, t_mod)
    assert [n for n, _ in e_mod.named_parameters()] == [n for n, _ in t_mod.named_parameters()]
    for m, mod in ((torch, t_mod), (ember, e_mod)):
        P = m.nn.utils.parametrize
        assert P.is_parametrized(mod) and P.is_parametrized(mod, "weight")
        assert not P.is_parametrized(mod, "bias")
        assert P.type_before_parametrizations(mod) is m.nn.Linear
        assert isinstance(mod, m.nn.Linear)


def test_stacked_parametrizations_and_assignment():
    def make(m):
        layer = square(m)
        P = m.nn.utils.parametrize
        P.register_parametrization(layer, "weight", symmetric(m))
        P.register_parametrization(layer, "weight", scaled(m, 3.0))
        layer.weight = m.tensor(W[:, :3] + W[:, :3].T)   # goes through right_inverse
        return layer
    t_mod, e_mod = run_both(make, X[:, :3])
    assert_states_equal(e_mod, t_mod)
    assert repr(e_mod) == repr(t_mod)


def test_state_dicts_load_across_libraries():
    t_mod = square(torch)
    torch.nn.utils.parametrize.register_parametrization(t_mod, "weight", symmetric(torch))
    with torch.no_grad():
        t_mod.parametrizations.weight.original.mul_(1.5)
    e_mod = square(ember)
    ember.nn.utils.parametrize.register_parametrization(e_mod, "weight", symmetric(ember))
    e_mod.load_state_dict(to_ember(t_mod.state_dict()))
    np.testing.assert_allclose(e_mod(ember.tensor(X[:, :3])).detach().numpy(),
                               t_mod(torch.tensor(X[:, :3])).detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("leave_parametrized", [True, False])
def test_remove_parametrizations(leave_parametrized):
    modules = []
    for m in (torch, ember):
        layer = square(m)
        P = m.nn.utils.parametrize
        P.register_parametrization(layer, "weight", symmetric(m))
        weight_object = layer.parametrizations.weight.original
        P.remove_parametrizations(layer, "weight", leave_parametrized=leave_parametrized)
        assert type(layer) is m.nn.Linear and not hasattr(layer, "parametrizations")
        assert layer.weight is weight_object and isinstance(layer.weight, m.nn.Parameter)
        modules.append(layer)
    assert_states_equal(modules[1], modules[0])


def test_cached_computes_once():
    layer = square(ember)
    P = ember.nn.utils.parametrize
    calls = []

    class Counted(ember.nn.Module):
        def forward(self, X):
            calls.append(1)
            return X * 2
    P.register_parametrization(layer, "weight", Counted())
    calls.clear()
    with P.cached():
        first = layer.weight
        assert layer.weight is first
        layer(ember.tensor(X[:, :3]))
    assert len(calls) == 1
    layer.weight
    assert len(calls) == 2


def test_parametrize_errors_match_torch():
    for m in (torch, ember):
        P = m.nn.utils.parametrize
        layer = square(m)

        class Shrink(m.nn.Module):
            def forward(self, X):
                return X[:2]

        class ToFloat(m.nn.Module):
            def forward(self, X):
                return X.float()
        with pytest.raises(ValueError, match="may not change the shape"):
            P.register_parametrization(layer, "weight", Shrink())
        with pytest.raises(ValueError, match="may not change the dtype"):
            P.register_parametrization(layer, "weight", ToFloat())
        with pytest.raises(ValueError, match="does not have a parameter, a buffer, or a "
                                             "parametrized element with name 'nope'"):
            P.register_parametrization(layer, "nope", symmetric(m))
        with pytest.raises(ValueError, match="does not have a parametrization on weight"):
            P.remove_parametrizations(layer, "weight")
        P.register_parametrization(layer, "weight", Shrink(), unsafe=True)
        assert layer.weight.shape == (2, 3)
        P.register_parametrization(layer, "bias", scaled(m, 2.0))
        with pytest.raises(RuntimeError, match="Serialization of parametrized modules"):
            pickle.dumps(layer)
        clone = copy.deepcopy(layer)
        assert type(clone).__name__ == "ParametrizedLinear"
        np.testing.assert_array_equal(clone.bias.detach().numpy(), layer.bias.detach().numpy())


def test_transfer_parametrizations_and_params():
    for m in (torch, ember):
        P = m.nn.utils.parametrize
        source = square(m)
        P.register_parametrization(source, "weight", symmetric(m))
        target = m.nn.Linear(3, 3).double()
        P.transfer_parametrizations_and_params(source, target)
        assert target.parametrizations.weight.original is source.parametrizations.weight.original
        np.testing.assert_array_equal(target.weight.detach().numpy(),
                                      source.weight.detach().numpy())


# ---------------------------------------------------------------- weight norm

@pytest.mark.parametrize("dim", [0, 1, None, -1])
def test_weight_norm_parametrization(dim):
    t_mod, e_mod = run_both(lambda m: m.nn.utils.parametrizations.weight_norm(linear(m),
                                                                              dim=dim))
    assert_states_equal(e_mod, t_mod)
    assert repr(e_mod) == repr(t_mod)


def test_weight_norm_loads_legacy_checkpoints():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        legacy = torch.nn.utils.weight_norm(linear(torch))
    with torch.no_grad():
        legacy.weight_g.mul_(2.0)
    e_mod = ember.nn.utils.parametrizations.weight_norm(linear(ember))
    e_mod.load_state_dict(to_ember(legacy.state_dict()))
    np.testing.assert_allclose(e_mod(ember.tensor(X)).detach().numpy(),
                               legacy(torch.tensor(X)).detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("dim", [0, 1, None])
def test_legacy_weight_norm(dim):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_mod, e_mod = run_both(lambda m: m.nn.utils.weight_norm(linear(m), dim=dim))
    assert_states_equal(e_mod, t_mod)
    for m, mod in ((torch, t_mod), (ember, e_mod)):
        m.nn.utils.remove_weight_norm(mod)
        with pytest.raises(ValueError, match="weight_norm of 'weight' not found in"):
            m.nn.utils.remove_weight_norm(mod)
    assert_states_equal(e_mod, t_mod)


def test_legacy_weight_norm_warns_and_refuses_twice():
    for m in (torch, ember):
        with pytest.warns(FutureWarning, match="torch.nn.utils.weight_norm` is deprecated"):
            layer = m.nn.utils.weight_norm(linear(m))
        with pytest.raises(RuntimeError, match="Cannot register two weight_norm hooks"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                m.nn.utils.weight_norm(layer)


# ---------------------------------------------------------------- spectral norm

def spectral_pair(make_torch, make_ember):
    """Modules built in both libraries, the ember one loaded from torch's state_dict
    (the power iteration starts from random vectors)."""
    t_mod, e_mod = make_torch(), make_ember()
    assert list(e_mod.state_dict()) == list(t_mod.state_dict())
    e_mod.load_state_dict(to_ember(t_mod.state_dict()))
    return t_mod, e_mod


@pytest.mark.parametrize("dim,n_power_iterations", [(None, 1), (1, 3)])
def test_spectral_norm_parametrization(dim, n_power_iterations):
    def make(m):
        return lambda: m.nn.utils.parametrizations.spectral_norm(
            linear(m), n_power_iterations=n_power_iterations, dim=dim)
    t_mod, e_mod = spectral_pair(make(torch), make(ember))
    for mode in ("train", "train", "eval"):
        t_mod.train(mode == "train")
        e_mod.train(mode == "train")
        t_x, e_x = torch.tensor(X, requires_grad=True), ember.tensor(X, requires_grad=True)
        t_out, e_out = t_mod(t_x), e_mod(e_x)
        np.testing.assert_allclose(e_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-9)
        t_out.sum().backward()
        e_out.sum().backward()
        np.testing.assert_allclose(e_mod.parametrizations.weight.original.grad.numpy(),
                                   t_mod.parametrizations.weight.original.grad.numpy(),
                                   rtol=1e-8, atol=1e-12)
    assert_states_equal(e_mod, t_mod)
    assert repr(e_mod) == repr(t_mod)


def test_spectral_norm_of_a_conv_weight_and_a_vector():
    def conv(m):
        layer = m.nn.Conv2d(2, 3, 3).double()
        return m.nn.utils.parametrizations.spectral_norm(layer)
    t_mod, e_mod = spectral_pair(lambda: conv(torch), lambda: conv(ember))
    x = RNG.standard_normal((1, 2, 5, 5))
    np.testing.assert_allclose(e_mod(ember.tensor(x)).detach().numpy(),
                               t_mod(torch.tensor(x)).detach().numpy(), rtol=1e-9)
    for m in (torch, ember):
        layer = linear(m)
        m.nn.utils.parametrizations.spectral_norm(layer, "bias")
        np.testing.assert_allclose(layer.bias.detach().numpy(), B / np.linalg.norm(B))
        with pytest.raises(ValueError, match="has no parameter or buffer with name 'nope'"):
            m.nn.utils.parametrizations.spectral_norm(layer, "nope")


def test_legacy_spectral_norm():
    t_mod, e_mod = spectral_pair(lambda: torch.nn.utils.spectral_norm(linear(torch)),
                                 lambda: ember.nn.utils.spectral_norm(linear(ember)))
    for _ in range(3):
        np.testing.assert_allclose(e_mod(ember.tensor(X)).detach().numpy(),
                                   t_mod(torch.tensor(X)).detach().numpy(), rtol=1e-9)
    assert_states_equal(e_mod, t_mod)
    metadata = e_mod.state_dict()._metadata
    assert metadata[""]["spectral_norm"] == {"weight.version": 1}
    for m, mod in ((torch, t_mod), (ember, e_mod)):
        mod.eval()
        m.nn.utils.remove_spectral_norm(mod)
        if m is ember:
            assert not mod._state_dict_hooks and not mod._load_state_dict_pre_hooks
        with pytest.raises(ValueError, match="spectral_norm of 'weight' not found"):
            m.nn.utils.remove_spectral_norm(mod)
    assert_states_equal(e_mod, t_mod)


def test_legacy_spectral_norm_upgrades_version_0_checkpoints():
    t_mod = torch.nn.utils.spectral_norm(linear(torch))
    t_mod(torch.tensor(X))
    old = {k: v for k, v in t_mod.state_dict().items() if k != "weight_v"}
    old["weight"] = t_mod.weight.detach()
    results = []
    for m, module in ((torch, torch.nn.utils.spectral_norm(linear(torch))),
                      (ember, ember.nn.utils.spectral_norm(linear(ember)))):
        saved = {k: m.tensor(v.numpy()) for k, v in old.items()}
        module.load_state_dict(saved)
        module.eval()
        results.append(module(m.tensor(X)).detach().numpy())
    np.testing.assert_allclose(results[1], results[0], rtol=1e-8)


# ---------------------------------------------------------------- orthogonal

@pytest.mark.parametrize("shape,orthogonal_map,trivial", [
    ((4, 4), None, True), ((3, 5), None, True), ((5, 3), "householder", True),
    ((4, 4), "cayley", True), ((5, 3), "matrix_exp", True), ((3, 5), "cayley", True),
    ((5, 3), "householder", False), ((4, 4), "matrix_exp", False)])
def test_orthogonal(shape, orthogonal_map, trivial):
    weight = np.random.default_rng(1).standard_normal(shape)

    def make(m):
        layer = linear(m, weight, np.zeros(shape[0]))
        return m.nn.utils.parametrizations.orthogonal(layer, orthogonal_map=orthogonal_map,
                                                      use_trivialization=trivial)
    # A non-square base is completed with random columns: take torch's (state_dict).
    t_state = make(torch).state_dict()

    def make_loaded(m):
        module = make(m)
        module.load_state_dict(t_state if m is torch else to_ember(t_state))
        return module
    t_mod, e_mod = run_both(make_loaded, RNG.standard_normal((2, shape[1])))
    q = e_mod.weight.detach().numpy()
    gram = q @ q.T if shape[0] <= shape[1] else q.T @ q
    np.testing.assert_allclose(gram, np.eye(min(shape)), atol=1e-12)
    assert list(e_mod.state_dict()) == list(t_mod.state_dict())


@pytest.mark.parametrize("orthogonal_map,trivial", [("householder", False),
                                                    ("householder", True),
                                                    ("matrix_exp", True)])
def test_orthogonal_batched(orthogonal_map, trivial):
    value = np.random.default_rng(2).standard_normal((2, 5, 3))
    results = []
    for m in (torch, ember):
        module = m.nn.Module()
        module.weight = m.nn.Parameter(m.tensor(value))
        m.nn.utils.parametrizations.orthogonal(module, orthogonal_map=orthogonal_map,
                                               use_trivialization=trivial)
        if m is torch:
            t_state = module.state_dict()
        else:
            module.load_state_dict(to_ember(t_state))
        q = module.weight
        (q * m.tensor(value)).sum().backward()
        results.append((q.detach().numpy(),
                        module.parametrizations.weight.original.grad.numpy()))
    np.testing.assert_allclose(results[1][0], results[0][0], atol=1e-12)
    np.testing.assert_allclose(results[1][1], results[0][1], atol=1e-10)


def test_orthogonal_errors():
    for m in (torch, ember):
        with pytest.raises(ValueError, match="Expected a matrix or batch of matrices"):
            m.nn.utils.parametrizations.orthogonal(linear(m), "bias")
        with pytest.raises(ValueError, match='orthogonal_map has to be one of'):
            m.nn.utils.parametrizations.orthogonal(linear(m), orthogonal_map="qr")
        layer = m.nn.utils.parametrizations.orthogonal(linear(m), orthogonal_map="cayley",
                                                       use_trivialization=False)
        with pytest.raises(NotImplementedError, match="not possible to assign"):
            layer.weight = m.tensor(W)


# ---------------------------------------------------------------- fusion

def batchnorm(m, features, seed=5):
    rng = np.random.default_rng(seed)
    bn = m.nn.BatchNorm1d(features).double() if features else None
    bn.load_state_dict({"weight": m.tensor(rng.uniform(0.5, 2, features)),
                        "bias": m.tensor(rng.standard_normal(features)),
                        "running_mean": m.tensor(rng.standard_normal(features)),
                        "running_var": m.tensor(rng.uniform(0.5, 2, features)),
                        "num_batches_tracked": m.tensor(3)})
    return bn.eval()


def test_fuse_linear_bn_eval():
    outs = []
    for m in (torch, ember):
        layer, bn = linear(m).eval(), batchnorm(m, 3)
        fused = m.nn.utils.fuse_linear_bn_eval(layer, bn)
        np.testing.assert_allclose(fused(m.tensor(X)).detach().numpy(),
                                   bn(layer(m.tensor(X))).detach().numpy(), rtol=1e-10)
        outs.append(state(fused))
        with pytest.raises(AssertionError, match="Fusion only for eval!"):
            m.nn.utils.fuse_linear_bn_eval(layer.train(), bn)
    for key in outs[0]:
        np.testing.assert_allclose(outs[1][key], outs[0][key], rtol=1e-12)


@pytest.mark.parametrize("transpose", [False, True])
def test_fuse_conv_bn_eval(transpose):
    x = RNG.standard_normal((2, 2, 6, 6))
    outs = []
    for m in (torch, ember):
        m.manual_seed(0)
        conv = (m.nn.ConvTranspose2d(2, 3, 3) if transpose else m.nn.Conv2d(2, 3, 3)).double()
        rng = np.random.default_rng(7)
        conv.load_state_dict({"weight": m.tensor(rng.standard_normal(conv.weight.shape)),
                              "bias": m.tensor(rng.standard_normal(3))})
        conv.eval()
        bn = m.nn.BatchNorm2d(3).double()
        bn.load_state_dict({k: m.tensor(v.numpy() if hasattr(v, "numpy") else v)
                            for k, v in batchnorm(torch, 3).state_dict().items()})
        bn.eval()
        fused = m.nn.utils.fuse_conv_bn_eval(conv, bn, transpose=transpose)
        np.testing.assert_allclose(fused(m.tensor(x)).detach().numpy(),
                                   bn(conv(m.tensor(x))).detach().numpy(), rtol=1e-9,
                                   atol=1e-12)
        outs.append(state(fused))
    for key in outs[0]:
        np.testing.assert_allclose(outs[1][key], outs[0][key], rtol=1e-12)


# ---------------------------------------------------------------- functional_call

def mlp(m):
    model = m.nn.Sequential(m.nn.Linear(4, 3), m.nn.Tanh(), m.nn.Linear(3, 2)).double()
    rng = np.random.default_rng(2)
    model.load_state_dict({k: m.tensor(rng.standard_normal(tuple(v.shape)))
                           for k, v in model.state_dict().items()})
    return model


@pytest.mark.parametrize("form", ["func", "stateless"])
def test_functional_call_matches_torch(form):
    rng = np.random.default_rng(3)
    replacement = {"0.weight": rng.standard_normal((3, 4)), "2.bias": rng.standard_normal(2)}
    results = []
    for m in (torch, ember):
        model = mlp(m)
        params = {k: m.tensor(v, requires_grad=True) for k, v in replacement.items()}
        before = state(model)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            call = m.func.functional_call if form == "func" else \
                m.nn.utils.stateless.functional_call
            out = call(model, params, (m.tensor(X),))
        out.sum().backward()
        after = state(model)
        assert all(np.array_equal(before[k], after[k]) for k in before)
        assert model[0].weight.grad is None
        results.append((out.detach().numpy(), params["0.weight"].grad.numpy()))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-12)
    np.testing.assert_allclose(results[1][1], results[0][1], rtol=1e-12)


def test_functional_call_strict_tied_and_multiple_dicts():
    for m in (torch, ember):
        model = mlp(m)
        with pytest.raises(RuntimeError, match="Missing key\\(s\\): '0.bias', '2.bias', "
                                               "'2.weight'"):
            m.func.functional_call(model, {"0.weight": m.zeros(3, 4, dtype=m.float64)},
                                   (m.tensor(X),), strict=True)
        with pytest.raises(ValueError, match="appeared in multiple dictionaries"):
            m.func.functional_call(model, ({"0.bias": m.zeros(3)}, {"0.bias": m.zeros(3)}),
                                   (m.tensor(X),))
        out = m.func.functional_call(model, ({"0.bias": m.zeros(3, dtype=m.float64)},
                                             {"2.bias": m.ones(2, dtype=m.float64)}),
                                     m.tensor(X))
        assert out.shape == (2, 2)
        tied = m.nn.Sequential(m.nn.Linear(3, 3, bias=False), m.nn.Linear(3, 3, bias=False))
        tied[1].weight = tied[0].weight
        eye = m.eye(3)
        out = m.func.functional_call(tied, {"0.weight": eye * 2}, (m.ones(1, 3),))
        np.testing.assert_allclose(out.detach().numpy(), [[4.0, 4.0, 4.0]])
        out = m.func.functional_call(tied, {"0.weight": eye * 2}, (m.ones(1, 3),),
                                     tie_weights=False)
        assert not np.allclose(out.detach().numpy(), [[4.0, 4.0, 4.0]])


def test_func_grad_and_grad_and_value():
    def f(m):
        return lambda x, y: ((x * y).sin().sum(), x.detach())
    for m in (torch, ember):
        x, y = m.tensor(X), m.tensor(X[::-1].copy())
        g = m.func.grad(lambda a, b: (a * b).sin().sum())(x, y)
        np.testing.assert_allclose(g.numpy(), np.cos(X * X[::-1]) * X[::-1], rtol=1e-12)
        gx, gy = m.func.grad(lambda a, b: (a * b).sum(), argnums=(0, 1))(x, y)
        np.testing.assert_allclose(gx.numpy(), X[::-1])
        (grad, (value, aux)) = m.func.grad_and_value(f(m), has_aux=True)(x, y)
        np.testing.assert_allclose(value.numpy(), np.sin(X * X[::-1]).sum())
        with pytest.raises(RuntimeError, match="Expected f\\(\\*args\\) to return a scalar"):
            m.func.grad(lambda a: a * 2)(x)
        second = m.func.grad(m.func.grad(lambda a: a ** 3))(m.tensor(1.5, dtype=m.float64))
        assert float(second) == pytest.approx(9.0) and not second.requires_grad


# ---------------------------------------------------------------- update_bn

def test_update_bn_matches_torch():
    rng = np.random.default_rng(4)
    batches = [rng.standard_normal((5, 4)) for _ in range(3)]
    stats = []
    for m in (torch, ember):
        model = m.nn.Sequential(m.nn.Linear(4, 3), m.nn.BatchNorm1d(3)).double()
        model.load_state_dict({k: m.tensor(v.numpy()) for k, v in
                               mlp_state_for_bn().items()})
        model.eval()
        loader = [(m.tensor(b), m.zeros(5)) for b in batches]
        m.optim.swa_utils.update_bn(loader, model)
        assert not model.training and model[1].momentum == 0.1
        stats.append(state(model))
    for key in stats[0]:
        np.testing.assert_allclose(stats[1][key], stats[0][key], rtol=1e-10, err_msg=key)


def mlp_state_for_bn():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3)).double()
    return model.state_dict()


def test_averaged_model_with_buffers():
    rng = np.random.default_rng(6)
    results = []
    for m in (torch, ember):
        model = m.nn.Sequential(m.nn.Linear(4, 3), m.nn.BatchNorm1d(3)).double()
        model.load_state_dict({k: m.tensor(v.numpy()) for k, v in
                               mlp_state_for_bn().items()})
        averaged = m.optim.swa_utils.AveragedModel(
            model, multi_avg_fn=m.optim.swa_utils.get_ema_multi_avg_fn(0.9), use_buffers=True)
        for _ in range(4):
            model(m.tensor(rng.standard_normal((5, 4))))
            averaged.update_parameters(model)
        results.append(state(averaged))
        rng = np.random.default_rng(6)
    assert list(results[1]) == list(results[0])
    for key in results[0]:
        np.testing.assert_allclose(results[1][key], results[0][key], rtol=1e-10, err_msg=key)


def test_utils_namespace_matches_torch():
    assert set(torch.nn.utils.__all__) <= set(ember.nn.utils.__all__)
    assert set(torch.nn.utils.parametrize.__all__) <= set(ember.nn.utils.parametrize.__all__)
