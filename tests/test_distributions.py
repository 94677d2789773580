"""ember.distributions against torch.distributions: log_prob, entropy, moments, cdf/icdf
and their gradients (float64, plus gradcheck), shapes, expand, validation errors."""
import math

import numpy as np
import pytest

from parity import assert_same, check, to_torch, torch
import ember
import ember.distributions  # noqa: F401  (until ember/__init__ imports it)

R = np.random.default_rng(0)


def pos(*shape, low=0.5, high=2.0):
    return R.uniform(low, high, size=shape)


def real(*shape):
    return R.uniform(-1.5, 1.5, size=shape)


def unit(*shape):
    return R.uniform(0.1, 0.9, size=shape)


def simplex(*shape):
    p = R.uniform(0.2, 1.0, size=shape)
    return p / p.sum(-1, keepdims=True)


def spd(n, batch=()):
    a = R.standard_normal(batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def tril(n, batch=()):
    a = np.tril(R.uniform(-0.5, 0.5, size=batch + (n, n)), -1)
    return a + np.eye(n) * R.uniform(0.5, 1.5, size=batch + (n,))[..., None, :]


def _corr(n):
    cov = spd(n)
    d = np.sqrt(np.diag(cov))
    return cov / np.outer(d, d)


# (id, constructor(m, *params), params, value to score, methods)
STATS = ("mean", "variance", "stddev", "entropy")
CASES = [
    ("Normal", lambda m, a, b: m.distributions.Normal(a, b), [real(3), pos(2, 1)],
     real(4, 2, 3), STATS + ("mode", "cdf", "icdf")),
    ("Normal-scalar-num", lambda m: m.distributions.Normal(0.5, 2.0), [], real(5), ("log_prob",)),
    ("Laplace", lambda m, a, b: m.distributions.Laplace(a, b), [real(3), pos(3)], real(2, 3),
     STATS + ("mode", "cdf", "icdf")),
    ("Cauchy", lambda m, a, b: m.distributions.Cauchy(a, b), [real(3), pos(3)], real(2, 3),
     ("mode", "entropy", "cdf", "icdf")),
    ("Exponential", lambda m, r: m.distributions.Exponential(r), [pos(2, 3)], pos(2, 3),
     STATS + ("cdf", "icdf")),
    ("Uniform", lambda m, lo, hi: m.distributions.Uniform(lo, lo + hi),
     [R.uniform(-2.0, -1.5, 3), pos(3, low=3, high=4)], real(2, 3), STATS + ("icdf",)),
    ("Gamma", lambda m, a, b: m.distributions.Gamma(a, b), [pos(3, low=0.7, high=3), pos(3)],
     pos(2, 3), STATS + ("mode",)),
    ("Chi2", lambda m, k: m.distributions.Chi2(k), [pos(3, low=1, high=4)], pos(3), STATS),
    ("Beta", lambda m, a, b: m.distributions.Beta(a, b), [pos(3, low=1.1, high=3), pos(3)],
     unit(2, 3), STATS + ("mode",)),
    ("Dirichlet", lambda m, c: m.distributions.Dirichlet(c), [pos(2, 4, low=1.1, high=3)],
     simplex(3, 2, 4), STATS + ("mode",)),
    ("StudentT", lambda m, df, a, b: m.distributions.StudentT(df, a, b),
     [pos(3, low=2.5, high=5), real(3), pos(3)], real(2, 3), STATS + ("mode",)),
    ("Gumbel", lambda m, a, b: m.distributions.Gumbel(a, b), [real(3), pos(3)], real(2, 3),
     STATS + ("mode", "cdf", "icdf")),
    ("HalfNormal", lambda m, s: m.distributions.HalfNormal(s), [pos(3)], pos(2, 3),
     STATS + ("cdf", "icdf")),
    ("HalfCauchy", lambda m, s: m.distributions.HalfCauchy(s), [pos(3)], pos(2, 3),
     ("entropy", "cdf", "icdf")),
    ("LogNormal", lambda m, a, b: m.distributions.LogNormal(a, b), [real(3), pos(3)],
     pos(2, 3), STATS + ("mode", "cdf", "icdf")),
    ("Pareto", lambda m, s, a: m.distributions.Pareto(s, a), [pos(3), pos(3, low=2.5, high=4)],
     pos(2, 3, low=2.1, high=4), STATS + ("mode",)),
    ("Weibull", lambda m, s, c: m.distributions.Weibull(s, c), [pos(3), pos(3, low=1.2, high=3)],
     pos(2, 3), STATS + ("mode",)),
    ("Kumaraswamy", lambda m, a, b: m.distributions.Kumaraswamy(a, b),
     [pos(3, low=1.2, high=3), pos(3, low=1.2, high=3)], unit(2, 3), STATS),
    ("InverseGamma", lambda m, a, b: m.distributions.InverseGamma(a, b),
     [pos(3, low=2.5, high=4), pos(3)], pos(2, 3), STATS + ("mode",)),
    ("FisherSnedecor", lambda m, a, b: m.distributions.FisherSnedecor(a, b),
     [pos(3, low=3, high=6), pos(3, low=5, high=8)], pos(2, 3), ("mean", "variance", "mode")),
    ("VonMises", lambda m, a, k: m.distributions.VonMises(a, k),
     [real(4), np.array([0.3, 2.0, 15.0, 40.0])], real(2, 4), ("mean", "mode")),
    ("ContinuousBernoulli", lambda m, p: m.distributions.ContinuousBernoulli(p),
     [np.array([0.1, 0.3, 0.7, 0.95])], unit(2, 4), STATS + ("cdf", "icdf")),
    ("ContinuousBernoulli-logits", lambda m, x: m.distributions.ContinuousBernoulli(logits=x),
     [real(4)], unit(2, 4), STATS + ("cdf", "icdf")),
    ("RelaxedBernoulli", lambda m, t, p: m.distributions.RelaxedBernoulli(t, probs=p),
     [pos(), unit(3)], unit(2, 3), ()),
    ("RelaxedOneHotCategorical",
     lambda m, t, x: m.distributions.RelaxedOneHotCategorical(t, logits=x),
     [pos(), real(2, 4)], simplex(3, 2, 4), ()),
    ("LogisticNormal", lambda m, a, b: m.distributions.LogisticNormal(a, b), [real(3), pos(3)],
     simplex(2, 4), ()),
    ("MultivariateNormal-cov", lambda m, loc, c: m.distributions.MultivariateNormal(loc, c),
     [real(2, 3), spd(3)], real(4, 2, 3), ("mean", "variance", "entropy")),
    ("MultivariateNormal-tril",
     lambda m, loc, L: m.distributions.MultivariateNormal(loc, scale_tril=L),
     [real(3), tril(3, (2,))], real(4, 1, 3), ("variance", "entropy")),
    ("MultivariateNormal-prec",
     lambda m, loc, P: m.distributions.MultivariateNormal(loc, precision_matrix=P),
     [real(3), spd(3, (2,))], real(2, 3), ("variance", "entropy")),
    ("LowRankMultivariateNormal",
     lambda m, loc, W, d: m.distributions.LowRankMultivariateNormal(loc, W, d),
     [real(2, 3), real(3, 2), pos(3)], real(4, 2, 3), ("variance", "entropy")),
    # float32: torch's GeneralizedPareto compares with a float32 zero, failing in float64.
    ("GeneralizedPareto", lambda m, a, b, c: m.distributions.GeneralizedPareto(a, b, c),
     [R.uniform(-2.0, -1.5, 3), pos(3), np.array([-0.2, 0.1, 0.4])], R.uniform(-1, 0, (2, 3)),
     STATS + ("mode", "cdf", "icdf"), np.float32),
    ("LKJCholesky", lambda m, c: m.distributions.LKJCholesky(3, c), [pos(2)],
     np.stack([np.linalg.cholesky(_corr(3)) for _ in range(2)]), ()),
    ("Wishart", lambda m, df, c: m.distributions.Wishart(df, c), [pos(2, low=3.5, high=6),
                                                               spd(3)],
     np.stack([spd(3) for _ in range(2)]), ("mean", "variance", "mode", "entropy")),
    # tril(): torch's cholesky_solve also sends gradient to the unused upper triangle.
    ("Wishart-tril", lambda m, L: m.distributions.Wishart(4.5, scale_tril=L.tril()),
     [tril(3)], spd(3), ("entropy", "variance")),
    ("Independent", lambda m, a, b: m.distributions.Independent(m.distributions.Normal(a, b), 1),
     [real(2, 3), pos(3)], real(2, 3), STATS),
]

# Discrete distributions: values are fixed counts (no gradient to them).
DISCRETE = [
    ("Bernoulli", lambda m, p: m.distributions.Bernoulli(p), [unit(3)], [[0., 1., 1.]],
     STATS + ("mode",)),
    ("Bernoulli-logits", lambda m, x: m.distributions.Bernoulli(logits=x), [real(2, 3)],
     [[1., 0., 1.]], STATS),
    ("Binomial", lambda m, p: m.distributions.Binomial(5, p), [unit(3)], [[0., 3., 5.]],
     STATS + ("mode",)),
    ("Binomial-logits", lambda m, x: m.distributions.Binomial(
        m.tensor([2., 4., 7.], dtype=x.dtype), logits=x), [real(3)], [[2., 1., 7.]],
     ("mean", "variance")),
    ("Categorical", lambda m, p: m.distributions.Categorical(p), [pos(2, 4)], [[0, 3], [2, 1]],
     ("entropy", "mode")),
    ("Categorical-logits", lambda m, x: m.distributions.Categorical(logits=x), [real(2, 4)],
     [[0, 3], [2, 1]], ("entropy",)),
    ("OneHotCategorical", lambda m, x: m.distributions.OneHotCategorical(logits=x), [real(2, 3)],
     [[1., 0., 0.], [0., 0., 1.]], ("entropy", "mean", "variance", "mode")),
    ("Multinomial", lambda m, p: m.distributions.Multinomial(6, p), [simplex(2, 3)],
     [[1., 2., 3.], [6., 0., 0.]], ("mean", "variance", "entropy")),
    ("Poisson", lambda m, r: m.distributions.Poisson(r), [pos(3)], [[0., 2., 5.]],
     ("mean", "variance", "mode")),
    ("Geometric", lambda m, p: m.distributions.Geometric(p), [unit(3)], [[0., 2., 5.]],
     STATS + ("mode",)),
    ("Geometric-logits", lambda m, x: m.distributions.Geometric(logits=x), [real(3)],
     [[0., 2., 5.]], STATS),
    ("NegativeBinomial", lambda m, n, p: m.distributions.NegativeBinomial(n, p),
     [pos(3, low=1, high=4), unit(3)], [[0., 2., 5.]], ("mean", "variance", "mode")),
    ("NegativeBinomial-logits", lambda m, n, x: m.distributions.NegativeBinomial(n, logits=x),
     [pos(3, low=1, high=4), real(3)], [[0., 2., 5.]], ("mean", "variance")),
]


def _stat(d, method, value):
    if method in ("log_prob", "cdf", "icdf"):
        return getattr(d, method)(value)
    if method == "entropy":
        return d.entropy()
    return getattr(d, method)


def _value(m, value, method, dtype):
    if method == "icdf":
        return m.tensor(R_ICDF, dtype=dtype)
    array = np.asarray(value)
    return m.tensor(array, dtype=dtype if array.dtype.kind == "f" else m.int64)


R_ICDF = np.array([0.1, 0.35, 0.8])


def _case_fn(make, method, value):
    def fn(m, *params):
        d = make(m, *params)
        v = _value(m, value, method, params[0].dtype if params else m.float64)
        if method == "icdf":
            v = v.reshape((3,) + (1,) * len(d.batch_shape))
        return _stat(d, method, v)
    return fn


def _params(case):
    dtype = case[5] if len(case) > 5 else np.float64
    return [np.array(p, dtype=dtype) for p in case[2]]


def _gradcheck(case):
    # NOTE: a finite difference of one entry of a covariance / precision / Cholesky
    # factor leaves the constraint (symmetry, triangularity), as in torch; the
    # gradients are still compared with torch's.
    return not case[0].startswith(("MultivariateNormal", "LKJ", "Wishart")) and \
        len(case) == 5  # float64 only


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_log_prob(case):
    check(_case_fn(case[1], "log_prob", case[3]), inputs=_params(case), atol=1e-6,
          gradcheck=_gradcheck(case))


@pytest.mark.parametrize("case,method", [(c, m) for c in CASES for m in c[4]],
                         ids=[f"{c[0]}-{m}" for c in CASES for m in c[4]])
def test_statistics(case, method):
    check(_case_fn(case[1], method, case[3]), inputs=_params(case), atol=1e-6,
          gradcheck=_gradcheck(case))


@pytest.mark.parametrize("case", DISCRETE, ids=[c[0] for c in DISCRETE])
def test_discrete_log_prob(case):
    check(_case_fn(case[1], "log_prob", case[3]), inputs=_params(case), atol=1e-6)


@pytest.mark.parametrize("case,method", [(c, m) for c in DISCRETE for m in c[4]],
                         ids=[f"{c[0]}-{m}" for c in DISCRETE for m in c[4]])
def test_discrete_statistics(case, method):
    check(_case_fn(case[1], method, case[3]), inputs=_params(case), atol=1e-6)


def test_gamma_cdf():
    # d cdf / d concentration is not implemented (as in torch): gradient to x only.
    x = pos(2, 3)
    check(lambda m, v: m.distributions.Gamma(m.tensor([0.7, 2.0, 9.0], dtype=m.float64),
                                             m.tensor(1.5, dtype=m.float64)).cdf(v),
          inputs=[x * 4])
    a = ember.tensor([2.0], dtype=ember.float64, requires_grad=True)
    with pytest.raises(NotImplementedError, match="igamma: input"):
        ember.distributions.Gamma(a, 1.0).cdf(ember.tensor([1.0])).sum().backward()


def test_bernoulli_half_probability_gradient():
    # logits of p = 0.5 are exactly 0, where a naive |x| formulation has a kink.
    check(lambda m, p: m.distributions.Bernoulli(p).log_prob(m.tensor([1.0, 0.0],
                                                                       dtype=m.float64)),
          inputs=[np.array([0.5, 0.5])])


def test_categorical_normalises():
    check(lambda m, p: m.distributions.Categorical(p).probs, inputs=[pos(2, 3)])
    check(lambda m, x: m.distributions.Categorical(logits=x).logits, inputs=[real(2, 3)])
    check(lambda m, x: m.distributions.Categorical(logits=x).probs, inputs=[real(2, 3)])
    check(lambda m, p: m.distributions.Categorical(p).logits, inputs=[pos(2, 3)])
    check(lambda m, p: m.distributions.Bernoulli(p).logits, inputs=[unit(3)])


def test_enumerate_support():
    for make in (lambda m: m.distributions.Bernoulli(m.full((2, 3), 0.3)),
                 lambda m: m.distributions.Categorical(m.ones(2, 4)),
                 lambda m: m.distributions.OneHotCategorical(m.ones(2, 3)),
                 lambda m: m.distributions.Binomial(3, m.full((2,), 0.4))):
        for expand in (True, False):
            assert_same(make(ember).enumerate_support(expand),
                        make(torch).enumerate_support(expand))
        assert make(ember).has_enumerate_support
    check(lambda m, p: m.distributions.Binomial(4, p).entropy(), inputs=[unit(3)])


# ---------------------------------------------------------------- shapes

SHAPED = [
    lambda m: m.distributions.Normal(m.zeros(2, 1), m.ones(3)),
    lambda m: m.distributions.Normal(0.0, 1.0),
    lambda m: m.distributions.Gamma(m.ones(3), 2.0),
    lambda m: m.distributions.Dirichlet(m.ones(2, 4)),
    lambda m: m.distributions.Categorical(logits=m.zeros(5, 3)),
    lambda m: m.distributions.OneHotCategorical(m.ones(3)),
    lambda m: m.distributions.Multinomial(4, m.ones(2, 3)),
    lambda m: m.distributions.MultivariateNormal(m.zeros(2, 3), m.eye(3)),
    lambda m: m.distributions.LowRankMultivariateNormal(m.zeros(3), m.ones(2, 3, 1), m.ones(3)),
    lambda m: m.distributions.Independent(m.distributions.Normal(m.zeros(2, 3), 1.0), 2),
    lambda m: m.distributions.LogNormal(m.zeros(4), 1.0),
    lambda m: m.distributions.Binomial(m.tensor([3.0, 5.0]), m.tensor([0.2, 0.6])),
    lambda m: m.distributions.MixtureSameFamily(
        m.distributions.Categorical(m.ones(2, 3)), m.distributions.Normal(m.zeros(2, 3), 1.0)),
    lambda m: m.distributions.RelaxedOneHotCategorical(m.tensor(0.5), m.ones(2, 3)),
    lambda m: m.distributions.TransformedDistribution(
        m.distributions.Normal(m.zeros(4), 1.0),
        [m.distributions.transforms.StickBreakingTransform()]),
    lambda m: m.distributions.LKJCholesky(3, m.ones(2)),
    lambda m: m.distributions.Wishart(m.full((2,), 4.0), m.eye(3)),
    lambda m: m.distributions.GeneralizedPareto(0.0, m.ones(3), 0.2),
]


@pytest.mark.filterwarnings("ignore:Singular sample detected")  # torch's Wishart always warns
@pytest.mark.parametrize("make", SHAPED)
@pytest.mark.parametrize("sample_shape", [(), (5,), (2, 3)])
def test_shapes(make, sample_shape):
    d, t = make(ember), make(torch)
    assert tuple(d.batch_shape) == tuple(t.batch_shape)
    assert tuple(d.event_shape) == tuple(t.event_shape)
    sample = d.sample(sample_shape)
    t_sample = t.sample(sample_shape)
    assert tuple(sample.shape) == tuple(t_sample.shape)
    assert to_torch(sample.dtype) == t_sample.dtype
    assert tuple(d.log_prob(sample).shape) == tuple(t.log_prob(to_torch(sample)).shape)
    expanded = d.expand((4,) + tuple(d.batch_shape))
    t_expanded = t.expand((4,) + tuple(t.batch_shape))
    assert tuple(expanded.batch_shape) == tuple(t_expanded.batch_shape)
    assert tuple(expanded.sample(sample_shape).shape) == \
        tuple(t_expanded.sample(sample_shape).shape)
    assert type(expanded) is type(d) and expanded._validate_args == d._validate_args


def test_expand_shares_parameters_and_values():
    loc = ember.tensor([0.5, -1.0], dtype=ember.float64, requires_grad=True)
    d = ember.distributions.Normal(loc, 2.0).expand((3, 2))
    assert d.loc.shape == (3, 2) and d.loc.stride() == (0, 1)  # a view, not a copy
    lp = d.log_prob(ember.zeros(3, 2, dtype=ember.float64))
    lp.sum().backward()
    t_loc = torch.tensor([0.5, -1.0], dtype=torch.float64, requires_grad=True)
    torch.distributions.Normal(t_loc, 2.0).expand((3, 2)).log_prob(
        torch.zeros(3, 2, dtype=torch.float64)).sum().backward()
    assert_same(loc.grad, t_loc.grad)


def test_sample_dtype_and_no_grad():
    loc = ember.zeros(3, requires_grad=True)
    d = ember.distributions.Normal(loc, 1.0)
    assert d.sample().dtype is ember.float32 and not d.sample().requires_grad
    assert d.rsample().requires_grad
    assert ember.distributions.Normal(ember.zeros(2, dtype=ember.float64), 1.0) \
        .sample().dtype is ember.float64
    assert ember.distributions.Categorical(ember.ones(3)).sample((4,)).dtype is ember.int64
    assert ember.distributions.Bernoulli(ember.full((3,), 0.5)).sample().dtype is ember.float32


def test_repr():
    for make in (lambda m: m.distributions.Normal(0.0, 1.0),
                 lambda m: m.distributions.Normal(m.zeros(3), 1.0),
                 lambda m: m.distributions.Categorical(logits=m.zeros(2)),
                 lambda m: m.distributions.Independent(m.distributions.Normal(m.zeros(2), 1.0), 1),
                 lambda m: m.distributions.Beta(1.0, 2.0),
                 lambda m: m.distributions.MixtureSameFamily(
                     m.distributions.Categorical(m.ones(2)),
                     m.distributions.Normal(m.zeros(2), 1.0))):
        assert repr(make(ember)) == repr(make(torch)).replace("torch.Size", "ember.Size")


def test_lazy_probs_logits():
    logits = ember.tensor([0.2, -0.3, 1.0], requires_grad=True)
    d = ember.distributions.Categorical(logits=logits)
    assert "probs" not in d.__dict__
    with ember.no_grad():
        probs = d.probs  # computed with grad enabled even under no_grad, like torch
    assert probs.requires_grad and "probs" in d.__dict__
    assert isinstance(type(d).__dict__["probs"], ember.distributions.utils.lazy_property)


def test_reinforce():
    logits = ember.tensor([[0.1, 0.5, -0.2], [1.0, -1.0, 0.0]], requires_grad=True)
    d = ember.distributions.Categorical(logits=logits)
    action = d.sample()
    assert action.shape == (2,) and action.dtype is ember.int64
    loss = -(d.log_prob(action) * ember.tensor([1.0, 2.0])).sum()
    loss.backward()
    t_logits = to_torch(logits.detach(), True)
    t = torch.distributions.Categorical(logits=t_logits)
    (-(t.log_prob(to_torch(action)) * torch.tensor([1.0, 2.0])).sum()).backward()
    assert_same(logits.grad, t_logits.grad)


# ---------------------------------------------------------------- validation

def _same_error(make, exc=ValueError):
    with pytest.raises(exc) as t_err:
        make(torch)
    with pytest.raises(exc) as e_err:
        make(ember)
    assert str(e_err.value) == str(t_err.value).replace("torch.Size", "ember.Size")


@pytest.mark.parametrize("make", [
    lambda m: m.distributions.Normal(0.0, -1.0),
    lambda m: m.distributions.Normal(m.zeros(2), m.tensor([1.0, 0.0])),
    lambda m: m.distributions.Normal(m.tensor([math.nan]), 1.0),
    lambda m: m.distributions.Gamma(m.tensor([1.0, -2.0]), 1.0),
    lambda m: m.distributions.Bernoulli(m.tensor([0.5, 1.5])),
    lambda m: m.distributions.Categorical(m.tensor([0.5, -0.5])),
    lambda m: m.distributions.Uniform(2.0, 1.0),
    lambda m: m.distributions.Dirichlet(m.tensor([1.0, 0.0])),
    lambda m: m.distributions.MultivariateNormal(m.zeros(2), m.tensor([[1.0, 2.0], [2.0, 1.0]])),
    lambda m: m.distributions.Binomial(m.tensor([2.5]), m.tensor([0.5])),
    lambda m: m.distributions.Geometric(m.tensor([0.0, 0.5])),
    lambda m: m.distributions.Categorical(m.ones(3), logits=m.ones(3)),
    lambda m: m.distributions.Categorical(m.tensor(1.0)),
    lambda m: m.distributions.MultivariateNormal(m.zeros(2)),
    lambda m: m.distributions.Independent(m.distributions.Normal(m.zeros(2), 1.0), 2),
    lambda m: m.distributions.Exponential(1.0).log_prob(m.tensor(-1.0)),
    lambda m: m.distributions.Normal(m.zeros(3), 1.0).log_prob(m.zeros(2)),
    lambda m: m.distributions.Dirichlet(m.ones(3)).log_prob(m.ones(2)),
    lambda m: m.distributions.Categorical(m.ones(3)).log_prob(m.tensor([3])),
    lambda m: m.distributions.Bernoulli(0.5).log_prob(m.tensor(0.5)),
    lambda m: m.distributions.Poisson(2.0).log_prob(m.tensor(1.5)),
    lambda m: m.distributions.Normal(0.0, 1.0).log_prob(1.0),
    lambda m: m.distributions.MixtureSameFamily(m.distributions.Categorical(m.ones(2)),
                                                m.distributions.Normal(m.zeros(3), 1.0)),
    lambda m: m.distributions.LKJCholesky(1),
    lambda m: m.distributions.Wishart(m.tensor(1.5), m.eye(3)),
])
def test_validation_errors(make):
    _same_error(make)


def test_validation_switches():
    ember.distributions.Normal(0.0, -1.0, validate_args=False)
    d = ember.distributions.Exponential(1.0, validate_args=False)
    assert d.log_prob(ember.tensor(-1.0)).item() == pytest.approx(1.0)
    assert ember.distributions.Distribution._validate_args is True
    ember.distributions.Distribution.set_default_validate_args(False)
    try:
        ember.distributions.Normal(0.0, -1.0)
        with pytest.raises(ValueError):
            ember.distributions.Normal(0.0, -1.0, validate_args=True)
    finally:
        ember.distributions.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        ember.distributions.Normal(0.0, -1.0)
    with pytest.raises(ValueError):
        ember.distributions.Distribution.set_default_validate_args("yes")


def test_not_implemented():
    _same_error(lambda m: m.distributions.Poisson(1.0).entropy(), NotImplementedError)
    _same_error(lambda m: m.distributions.Gamma(1.0, 1.0).enumerate_support(),
                NotImplementedError)
    _same_error(lambda m: m.distributions.Binomial(m.tensor([1.0, 2.0]), m.tensor([0.5, 0.5]))
                .entropy(), NotImplementedError)
    _same_error(lambda m: m.distributions.Multinomial(m.tensor(3), m.ones(2)),
                NotImplementedError)
    _same_error(lambda m: m.distributions.Wishart(4.0, m.eye(3), scale_tril=m.eye(3)),
                AssertionError)
    assert not ember.distributions.Poisson(1.0).has_rsample
    with pytest.raises(NotImplementedError):
        ember.distributions.Poisson(1.0).rsample()


@pytest.mark.parametrize("make,value", [
    (lambda m, w, a, b: m.distributions.MixtureSameFamily(
        m.distributions.Categorical(logits=w), m.distributions.Normal(a, b)), real(4, 2)),
    (lambda m, w, a, b: m.distributions.MixtureSameFamily(
        m.distributions.Categorical(logits=w), m.distributions.Independent(
            m.distributions.Normal(a.unsqueeze(-1).expand(2, 3, 4), b.unsqueeze(-1)), 1)),
     real(5, 2, 4)),
])
def test_mixture_same_family(make, value):
    params = [real(2, 3), real(2, 3), pos(2, 3)]
    check(lambda m, *p: make(m, *p).log_prob(m.tensor(value)), inputs=params)
    check(lambda m, *p: make(m, *p).mean, inputs=params)
    check(lambda m, *p: make(m, *p).variance, inputs=params)
    if value.ndim == 2:
        check(lambda m, *p: make(m, *p).cdf(m.tensor(value)), inputs=params)
