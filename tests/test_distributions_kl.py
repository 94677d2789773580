"""kl_divergence and register_kl against torch: every registered pair torch computes,
with gradients; dispatch to the most specific registration; errors."""
import warnings

import numpy as np
import pytest

from parity import check, torch
import ember
import ember.distributions  # noqa: F401  (until ember/__init__ imports it)

R = np.random.default_rng(1)


def pos(*shape, low=0.5, high=2.0):
    return R.uniform(low, high, size=shape)


def real(*shape):
    return R.uniform(-1.0, 1.0, size=shape)


def unit(*shape):
    return R.uniform(0.15, 0.85, size=shape)


def _mvn_params():
    a = R.standard_normal((3, 3))
    return [real(3), a @ a.T + 3 * np.eye(3)]


# name -> (constructor(m, *params), params): each family twice, with different values.
FAMILIES = {
    "Normal": (lambda m, a, b: m.distributions.Normal(a, b), lambda: [real(3), pos(3)]),
    "Laplace": (lambda m, a, b: m.distributions.Laplace(a, b), lambda: [real(3), pos(3)]),
    "Cauchy": (lambda m, a, b: m.distributions.Cauchy(a, b), lambda: [real(3), pos(3)]),
    "Gumbel": (lambda m, a, b: m.distributions.Gumbel(a, b), lambda: [real(3), pos(3)]),
    "Exponential": (lambda m, r: m.distributions.Exponential(r), lambda: [pos(3)]),
    "Gamma": (lambda m, a, b: m.distributions.Gamma(a, b), lambda: [pos(3), pos(3)]),
    "Beta": (lambda m, a, b: m.distributions.Beta(a, b), lambda: [pos(3), pos(3)]),
    "Uniform": (lambda m, a, b: m.distributions.Uniform(a * 0.1, 1 - b * 0.1),
                lambda: [unit(3), unit(3)]),
    "Pareto": (lambda m, s, a: m.distributions.Pareto(s, a),
               lambda: [pos(3), pos(3, low=2.5, high=4)]),
    "HalfNormal": (lambda m, s: m.distributions.HalfNormal(s), lambda: [pos(3)]),
    "LogNormal": (lambda m, a, b: m.distributions.LogNormal(a, b), lambda: [real(3), pos(3)]),
    "Dirichlet": (lambda m, c: m.distributions.Dirichlet(c), lambda: [pos(2, 4)]),
    "Bernoulli": (lambda m, p: m.distributions.Bernoulli(p), lambda: [unit(3)]),
    "Binomial": (lambda m, p: m.distributions.Binomial(4, p), lambda: [unit(3)]),
    "Geometric": (lambda m, p: m.distributions.Geometric(p), lambda: [unit(3)]),
    "Poisson": (lambda m, r: m.distributions.Poisson(r), lambda: [pos(3)]),
    "Categorical": (lambda m, p: m.distributions.Categorical(p), lambda: [pos(2, 4)]),
    "OneHotCategorical": (lambda m, x: m.distributions.OneHotCategorical(logits=x),
                          lambda: [real(2, 4)]),
    "ContinuousBernoulli": (lambda m, p: m.distributions.ContinuousBernoulli(p),
                            lambda: [unit(3)]),
    "MultivariateNormal": (lambda m, loc, c: m.distributions.MultivariateNormal(loc, c),
                           _mvn_params),
    "LowRankMultivariateNormal": (
        lambda m, loc, W, d: m.distributions.LowRankMultivariateNormal(loc, W, d),
        lambda: [real(3), real(3, 2), pos(3)]),
    "Independent": (lambda m, a, b: m.distributions.Independent(
        m.distributions.Normal(a, b), 1), lambda: [real(2, 3), pos(2, 3)]),
}
PARAMS = {name: (fam[1](), fam[1]()) for name, fam in FAMILIES.items()}


def _torch_kl_works(p_name, q_name):
    make_p, make_q = FAMILIES[p_name][0], FAMILIES[q_name][0]
    tp = make_p(torch, *[torch.tensor(a) for a in PARAMS[p_name][0]])
    tq = make_q(torch, *[torch.tensor(a) for a in PARAMS[q_name][1]])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.distributions.kl_divergence(tp, tq)
    except (NotImplementedError, RuntimeError, ValueError):
        return False
    return True


PAIRS = [(p, q) for p in FAMILIES for q in FAMILIES if _torch_kl_works(p, q)]


@pytest.mark.parametrize("p_name,q_name", PAIRS, ids=[f"{p}-{q}" for p, q in PAIRS])
def test_kl_parity(p_name, q_name):
    make_p, make_q = FAMILIES[p_name][0], FAMILIES[q_name][0]
    p_params, q_params = PARAMS[p_name][0], PARAMS[q_name][1]
    n = len(p_params)

    def fn(m, *params):
        return m.distributions.kl_divergence(make_p(m, *params[:n]), make_q(m, *params[n:]))

    inputs = list(p_params) + list(q_params)
    finite = bool(np.isfinite(fn(ember, *[ember.tensor(a) for a in inputs]).numpy()).all())
    symmetric = ("MultivariateNormal",)  # see test_distributions._gradcheck
    check(fn, inputs=inputs, atol=1e-6,
          gradcheck=finite and p_name not in symmetric and q_name not in symmetric)


def test_pairs_cover_the_families():
    names = {p for p, q in PAIRS if p == q}
    assert names >= set(FAMILIES) - {"LogNormal"}  # LogNormal goes through Transformed
    assert ("LogNormal", "LogNormal") in PAIRS and len(PAIRS) > 60


def test_kl_zero_for_same_distribution():
    for name, (make, params) in FAMILIES.items():
        args = [ember.tensor(a) for a in PARAMS[name][0]]
        kl = ember.distributions.kl_divergence(make(ember, *args), make(ember, *args))
        np.testing.assert_allclose(kl.numpy(), 0.0, atol=1e-9, err_msg=name)


def test_kl_infinite_support_mismatch():
    d = ember.distributions
    assert ember.isinf(d.kl_divergence(d.Normal(0.0, 1.0), d.Exponential(1.0))).all()
    assert d.kl_divergence(d.Uniform(0.0, 2.0), d.Uniform(0.5, 3.0)).item() == float("inf")
    kl = d.kl_divergence(d.Bernoulli(ember.tensor([0.0, 0.3])), d.Bernoulli(ember.tensor(
        [0.5, 1.0])))
    t = torch.distributions
    t_kl = t.kl_divergence(t.Bernoulli(torch.tensor([0.0, 0.3])),
                           t.Bernoulli(torch.tensor([0.5, 1.0])))
    np.testing.assert_allclose(kl.numpy(), t_kl.numpy())


def test_kl_not_implemented():
    d = ember.distributions
    with pytest.raises(NotImplementedError, match="No KL\\(p \\|\\| q\\) is implemented for p "
                                                  "type VonMises and q type Normal"):
        d.kl_divergence(d.VonMises(0.0, 1.0), d.Normal(0.0, 1.0))
    with pytest.raises(NotImplementedError, match="different exponential families"):
        d.kl_divergence(d.Dirichlet(ember.ones(2)), d.ContinuousBernoulli(0.5))


def test_register_kl_most_specific_wins():
    d = ember.distributions

    class MyNormal(d.Normal):
        pass

    class MyOtherNormal(d.Normal):
        pass

    assert d.kl_divergence(MyNormal(0.0, 1.0), d.Normal(1.0, 1.0)).item() == pytest.approx(0.5)

    @d.register_kl(MyNormal, d.Normal)
    def _kl_mine(p, q):
        return ember.tensor(42.0)

    try:
        assert d.kl_divergence(MyNormal(0.0, 1.0), d.Normal(1.0, 1.0)).item() == 42.0
        assert d.kl_divergence(MyNormal(0.0, 1.0), MyOtherNormal(1.0, 1.0)).item() == 42.0
        assert d.kl_divergence(d.Normal(0.0, 1.0), MyNormal(1.0, 1.0)).item() == \
            pytest.approx(0.5)

        @d.register_kl(d.Normal, MyOtherNormal)
        def _kl_other(p, q):
            return ember.tensor(7.0)

        with pytest.warns(RuntimeWarning, match="Ambiguous kl_divergence"):
            d.kl_divergence(MyNormal(0.0, 1.0), MyOtherNormal(1.0, 1.0))
    finally:
        from ember.distributions import kl
        kl._KL_REGISTRY.pop((MyNormal, d.Normal), None)
        kl._KL_REGISTRY.pop((d.Normal, MyOtherNormal), None)
        kl._KL_MEMOIZE.clear()
    with pytest.raises(TypeError):
        d.register_kl(int, d.Normal)


def test_kl_expfamily_bregman():
    # NOTE: like torch's, the Bregman KL detaches p's natural parameters (no gradient
    # to p): compared with torch, not gradchecked.
    for family in ("Poisson", "Exponential", "Bernoulli"):
        check(lambda m, a, b: m.distributions.kl._kl_expfamily_expfamily(
            getattr(m.distributions, family)(a), getattr(m.distributions, family)(b)),
            inputs=[unit(3), unit(3)], gradcheck=False)
    check(lambda m, a, b: m.distributions.kl._kl_expfamily_expfamily(
        m.distributions.Dirichlet(a), m.distributions.Dirichlet(b)), inputs=[pos(2, 3), pos(3)],
        gradcheck=False)
    check(lambda m, a, b: m.distributions.ExponentialFamily.entropy(
        m.distributions.Normal(a, b)), inputs=[pos(3), pos(3)], gradcheck=False)
    for family in ("Exponential", "Bernoulli"):
        check(lambda m, a: m.distributions.ExponentialFamily.entropy(
            getattr(m.distributions, family)(a)), inputs=[unit(3)], gradcheck=False)
