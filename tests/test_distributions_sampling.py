"""Samples: their distribution (Kolmogorov-Smirnov against the CDF, moments within a
few standard errors, frequencies of discrete values), seeding, and the gradients of
reparameterised samples (pathwise derivatives of expectations, the implicit Gamma
gradient against finite differences of torch's incomplete gamma)."""
import math

import numpy as np
import pytest

from parity import torch
import ember
import ember.distributions  # noqa: F401  (until ember/__init__ imports it)

D = ember.distributions
N = 4000
SIGMAS = 5.0  # tolerance in standard errors: a fixed seed, and failures are real bugs


@pytest.fixture(autouse=True)
def seeded():
    ember.manual_seed(1234)


def t64(*values):
    return ember.tensor(values, dtype=ember.float64)


def _ks_distance(samples, cdf_values):
    """sup |F_n - F| per batch column, samples of shape (N, batch)."""
    order = np.argsort(samples, axis=0)
    cdf_sorted = np.take_along_axis(cdf_values, order, axis=0)
    n = samples.shape[0]
    upper = np.arange(1, n + 1)[:, None] / n - cdf_sorted
    lower = cdf_sorted - np.arange(0, n)[:, None] / n
    return np.maximum(upper.max(0), lower.max(0))


CONTINUOUS_WITH_CDF = [
    lambda: D.Normal(t64(0.0, 1.5, -2.0), t64(1.0, 0.3, 2.0)),
    lambda: D.Laplace(t64(0.0, 1.5, -2.0), t64(1.0, 0.3, 2.0)),
    lambda: D.Cauchy(t64(0.0, 1.5, -2.0), t64(1.0, 0.3, 2.0)),
    lambda: D.Exponential(t64(0.5, 1.0, 4.0)),
    lambda: D.Uniform(t64(-1.0, 0.0, 2.0), t64(1.0, 0.1, 5.0)),
    lambda: D.Gamma(t64(0.3, 1.0, 7.5), t64(1.0, 2.0, 0.5)),
    lambda: D.Chi2(t64(1.0, 3.0, 10.0)),
    lambda: D.Gumbel(t64(0.0, 1.5, -2.0), t64(1.0, 0.3, 2.0)),
    lambda: D.HalfNormal(t64(1.0, 0.3, 2.0)),
    lambda: D.HalfCauchy(t64(1.0, 0.3, 2.0)),
    lambda: D.LogNormal(t64(0.0, 1.5, -2.0), t64(1.0, 0.3, 2.0)),
    lambda: D.ContinuousBernoulli(t64(0.2, 0.5, 0.9)),
    lambda: D.Pareto(t64(1.0, 0.5, 2.0), t64(1.0, 3.0, 5.0)),
    lambda: D.Weibull(t64(1.0, 0.5, 2.0), t64(0.7, 1.0, 3.0)),
    lambda: D.Kumaraswamy(t64(0.5, 1.0, 3.0), t64(2.0, 1.0, 0.5)),
    lambda: D.RelaxedBernoulli(t64(0.5), t64(0.2, 0.5, 0.9)),
    lambda: D.GeneralizedPareto(t64(0.0, 1.0, -1.0), t64(1.0, 0.5, 2.0), t64(-0.3, 0.0, 0.4)),
]


@pytest.mark.parametrize("make", CONTINUOUS_WITH_CDF)
def test_samples_match_cdf(make):
    d = make()
    samples = d.sample((N,))
    assert samples.shape == (N, 3) and samples.dtype is ember.float64
    if isinstance(d, D.RelaxedBernoulli):  # no closed-form CDF: check its logit instead
        # L = (logit U + logits) / temperature, so P(L <= l) = sigmoid(l T - logits).
        base = d.base_dist
        logit_samples = samples.log() - (-samples).log1p()
        cdf = ember.sigmoid(logit_samples * base.temperature - base.logits)
    else:
        cdf = d.cdf(samples)
    distance = _ks_distance(samples.numpy(), cdf.numpy())
    assert (distance < 1.95 / math.sqrt(N)).all(), distance  # p ~ 1e-3 each


MOMENTS = [
    lambda: D.Normal(t64(0.0, 1.5, -2.0), t64(1.0, 0.3, 2.0)),
    lambda: D.Gamma(t64(0.3, 1.0, 7.5), t64(1.0, 2.0, 0.5)),
    lambda: D.Beta(t64(0.5, 1.0, 4.0), t64(2.0, 1.0, 0.7)),
    lambda: D.StudentT(t64(6.0, 9.0, 12.0), t64(0.0, 1.0, -1.0), t64(1.0, 0.5, 2.0)),
    lambda: D.InverseGamma(t64(5.0, 6.0, 9.0), t64(1.0, 2.0, 0.5)),
    lambda: D.FisherSnedecor(t64(5.0, 10.0, 20.0), t64(12.0, 15.0, 30.0)),
    lambda: D.Exponential(t64(0.5, 1.0, 4.0)),
    lambda: D.Laplace(t64(0.0, 1.5, -2.0), t64(1.0, 0.3, 2.0)),
    lambda: D.Dirichlet(t64(0.5, 1.0, 4.0)),
    lambda: D.Dirichlet(ember.tensor([[0.3, 0.3, 0.3], [5.0, 2.0, 1.0]], dtype=ember.float64)),
    lambda: D.MultivariateNormal(t64(1.0, -1.0), ember.tensor([[2.0, 0.6], [0.6, 0.5]],
                                                              dtype=ember.float64)),
    lambda: D.LowRankMultivariateNormal(t64(1.0, -1.0, 0.0),
                                        ember.tensor([[1.0], [0.5], [-1.0]], dtype=ember.float64),
                                        t64(0.5, 1.0, 0.2)),
    lambda: D.Independent(D.Gamma(t64(2.0, 3.0), t64(1.0, 2.0)), 1),
    lambda: D.MixtureSameFamily(D.Categorical(t64(0.3, 0.7)),
                                D.Normal(t64(-2.0, 1.0), t64(0.5, 1.0))),
    lambda: D.Bernoulli(t64(0.1, 0.5, 0.9)),
    lambda: D.Binomial(t64(3.0, 10.0, 40.0), t64(0.2, 0.5, 0.9)),
    lambda: D.Poisson(t64(0.5, 3.0, 20.0)),
    lambda: D.Geometric(t64(0.1, 0.5, 0.9)),
    lambda: D.NegativeBinomial(t64(2.0, 5.0, 0.5), t64(0.3, 0.5, 0.8)),
    lambda: D.Multinomial(10, t64(0.2, 0.3, 0.5)),
    lambda: D.OneHotCategorical(t64(0.2, 0.3, 0.5)),
    lambda: D.LogisticNormal(t64(0.0, 1.0), t64(1.0, 0.5)),
]


@pytest.mark.parametrize("make", MOMENTS)
def test_sample_moments(make):
    d = make()
    x = d.sample((N,)).numpy().reshape(N, -1)
    mean = d.mean.detach().numpy().reshape(-1) if not isinstance(d, D.LogisticNormal) else \
        x.mean(0)
    centered = x - x.mean(0)
    var_hat = (centered ** 2).mean(0)
    assert (np.abs(x.mean(0) - mean) < SIGMAS * np.sqrt(var_hat / N) + 1e-12).all()
    if isinstance(d, D.LogisticNormal):
        np.testing.assert_allclose(x.sum(-1), 1.0)
        return
    var = d.variance.detach().numpy().reshape(-1)
    var_se = np.sqrt(((centered ** 2 - var_hat) ** 2).mean(0) / N)
    assert (np.abs(var_hat - var) < SIGMAS * var_se + 1e-12).all(), (var_hat, var)


def test_lkj_and_wishart_samples():
    d = D.LKJCholesky(3, t64(0.5, 2.0))
    L = d.sample((N,))
    assert L.shape == (N, 2, 3, 3) and bool(D.constraints.corr_cholesky.check(L).all())
    corr = (L @ L.mT).numpy()
    # Off-diagonal correlations are symmetric around 0 with variance 1 / (2 eta + 2).
    eta = np.array([0.5, 2.0])[:, None, None]
    assert (np.abs(corr.mean(0) - np.eye(3)) < SIGMAS * np.sqrt(1 / (2 * eta + 2) / N)).all()
    assert np.isfinite(d.log_prob(L).numpy()).all()
    cov = ember.tensor([[2.0, 0.5, 0.0], [0.5, 1.0, 0.2], [0.0, 0.2, 0.5]], dtype=ember.float64)
    w = D.Wishart(t64(4.0, 9.0), cov)
    x = w.sample((N,)).numpy()
    se = np.sqrt(w.variance.numpy() / N)
    assert (np.abs(x.mean(0) - w.mean.numpy()) < SIGMAS * se).all()


def test_multivariate_covariance():
    cov = np.array([[2.0, 0.6, -0.3], [0.6, 0.5, 0.1], [-0.3, 0.1, 1.0]])
    for d in (D.MultivariateNormal(t64(0.0, 0.0, 0.0), ember.tensor(cov)),
              D.MultivariateNormal(t64(0.0, 0.0, 0.0),
                                   precision_matrix=ember.tensor(np.linalg.inv(cov))),
              D.MultivariateNormal(t64(0.0, 0.0, 0.0),
                                   scale_tril=ember.tensor(np.linalg.cholesky(cov)))):
        x = d.sample((N,)).numpy()
        se = np.sqrt((np.outer(np.diag(cov), np.diag(cov)) + cov ** 2) / N)
        assert (np.abs(np.cov(x.T, bias=True) - cov) < SIGMAS * se).all()
        np.testing.assert_allclose(d.covariance_matrix.numpy(), cov, atol=1e-12)


@pytest.mark.parametrize("make,support", [
    (lambda: D.Bernoulli(t64(0.1, 0.5, 0.9)), range(2)),
    (lambda: D.Binomial(t64(3.0, 10.0, 40.0), t64(0.2, 0.5, 0.9)), range(41)),
    (lambda: D.Poisson(t64(0.5, 3.0, 20.0)), range(60)),
    (lambda: D.Geometric(t64(0.1, 0.5, 0.9)), range(80)),
    (lambda: D.NegativeBinomial(t64(2.0, 5.0, 0.5), t64(0.3, 0.5, 0.8)), range(80)),
    (lambda: D.Categorical(ember.tensor([[0.1, 0.2, 0.7], [0.5, 0.5, 0.0], [1.0, 1.0, 1.0]],
                                        dtype=ember.float64)), range(3)),
])
def test_discrete_frequencies(make, support):
    d = make()
    d._validate_args = False  # scores values beyond some members' support: probability 0
    x = d.sample((N,))
    for k in support:
        value = ember.full(tuple(d.batch_shape), float(k), dtype=ember.float64)
        if isinstance(d, D.Categorical):
            value = value.long()
        p = d.log_prob(value).exp().numpy()
        freq = (x == k).double().mean(0).numpy()
        assert (np.abs(freq - p) < SIGMAS * np.sqrt(p * (1 - p) / N) + 1e-9).all(), (k, freq, p)


def test_von_mises_circular_moments():
    loc, kappa = t64(0.5, -2.5, 3.0), t64(0.1, 2.0, 30.0)
    d = D.VonMises(loc, kappa)
    x = d.sample((N,))
    assert bool(((x >= -math.pi) & (x < math.pi)).all())
    cos_mean = ember.cos(x - loc).mean(0).numpy()
    sin_mean = ember.sin(x - loc).mean(0).numpy()
    expected = 1 - d.variance.numpy()  # I1(kappa) / I0(kappa)
    assert (np.abs(cos_mean - expected) < SIGMAS * np.sqrt(0.5 / N)).all()
    assert (np.abs(sin_mean) < SIGMAS * np.sqrt(0.5 / N)).all()
    assert D.VonMises(0.0, ember.tensor(1.0)).sample((3,)).dtype is ember.float32


def test_relaxed_one_hot_categorical():
    probs = t64(0.2, 0.3, 0.5)
    x = D.RelaxedOneHotCategorical(t64(0.05), probs).sample((N,))
    np.testing.assert_allclose(x.sum(-1).numpy(), 1.0, atol=1e-12)
    freq = np.bincount(x.argmax(-1).numpy(), minlength=3) / N  # argmax ~ Categorical(probs)
    assert (np.abs(freq - probs.numpy()) < SIGMAS * np.sqrt(0.25 / N)).all()


def test_seeding_repeats_draws():
    for make in (lambda: D.Normal(0.0, 1.0), lambda: D.Gamma(t64(0.5, 2.0), 1.0),
                 lambda: D.Categorical(ember.ones(4)), lambda: D.Dirichlet(ember.ones(3))):
        ember.manual_seed(7)
        a = make().sample((5,))
        ember.manual_seed(7)
        assert bool((make().sample((5,)) == a).all())


# ---------------------------------------------------------------- pathwise gradients

def test_normal_rsample_gradient():
    loc = ember.tensor([0.5, -1.0], dtype=ember.float64, requires_grad=True)
    scale = ember.tensor([1.0, 2.0], dtype=ember.float64, requires_grad=True)
    D.Normal(loc, scale).rsample((N,)).mean(0).sum().backward()
    np.testing.assert_allclose(loc.grad.numpy(), 1.0, rtol=1e-6)
    assert (np.abs(scale.grad.numpy()) < SIGMAS / math.sqrt(N)).all()


def _per_sample_grads(make, params):
    """d sample_i / d param for N independent samples (one parameter copy each)."""
    leaves = [ember.full((N,), p, dtype=ember.float64, requires_grad=True) for p in params]
    make(*leaves).rsample().sum().backward()
    return [leaf.grad.numpy() for leaf in leaves]


def _assert_mean_close(values, expected):
    se = values.std() / math.sqrt(len(values))
    assert abs(values.mean() - expected) < SIGMAS * se, (values.mean(), expected, se)


@pytest.mark.parametrize("alpha,rate", [(0.2, 1.0), (1.0, 2.0), (3.5, 0.5), (50.0, 3.0)])
def test_gamma_rsample_gradient(alpha, rate):
    g_alpha, g_rate = _per_sample_grads(D.Gamma, [alpha, rate])
    _assert_mean_close(g_alpha, 1 / rate)            # d E[x] / d alpha
    _assert_mean_close(g_rate, -alpha / rate ** 2)   # d E[x] / d rate


@pytest.mark.parametrize("a,b", [(0.5, 2.0), (3.0, 1.5)])
def test_beta_rsample_gradient(a, b):
    g_a, g_b = _per_sample_grads(D.Beta, [a, b])
    _assert_mean_close(g_a, b / (a + b) ** 2)
    _assert_mean_close(g_b, -a / (a + b) ** 2)


def test_dirichlet_rsample_gradient():
    conc = ember.tensor([[1.5, 0.5, 3.0]], dtype=ember.float64).expand(N, 3).clone()
    conc.requires_grad_(True)
    x = D.Dirichlet(conc).rsample()
    x[:, 0].sum().backward()
    total = 5.0
    expected = [(total - 1.5) / total ** 2, -1.5 / total ** 2, -1.5 / total ** 2]
    for j in range(3):
        _assert_mean_close(conc.grad[:, j].numpy(), expected[j])


def test_student_t_and_chi2_rsample_gradients():
    g_df, g_loc, g_scale = _per_sample_grads(D.StudentT, [5.0, 0.5, 2.0])
    np.testing.assert_allclose(g_loc, 1.0)
    _assert_mean_close(g_scale, 0.0)  # E[x] = loc for df > 1
    _assert_mean_close(g_df, 0.0)
    (g_k,) = _per_sample_grads(D.Chi2, [3.0])
    _assert_mean_close(g_k, 1.0)


def test_standard_gamma_gradient_is_the_implicit_derivative():
    """dx/dalpha = -(dP/dalpha)(alpha, x) / p(alpha, x), with dP/dalpha by a central
    difference of torch's regularized incomplete gamma."""
    alpha = ember.tensor([0.05, 0.4, 1.0, 2.5, 12.0, 150.0] * 50, dtype=ember.float64,
                         requires_grad=True)
    x = D.Gamma(alpha, 1.0).rsample()
    x.sum().backward()
    a_t = torch.tensor(alpha.detach().numpy())
    x_t = torch.tensor(x.detach().numpy())
    h = 1e-6 * a_t
    dP = (torch.special.gammainc(a_t + h, x_t) - torch.special.gammainc(a_t - h, x_t)) / (2 * h)
    pdf = torch.exp((a_t - 1) * x_t.log() - x_t - torch.lgamma(a_t))
    np.testing.assert_allclose(alpha.grad.numpy(), (-dP / pdf).numpy(), rtol=1e-5)


def test_gamma_sampler_keeps_tiny_samples_positive():
    x = D.Gamma(ember.full((1000,), 1e-3), 1.0).sample()
    assert x.dtype is ember.float32 and bool((x > 0).all())


def test_rsample_gradients_flow_for_reparameterised_families():
    for make, n in [(D.Laplace, 2), (D.Exponential, 1), (D.Uniform, 2), (D.Cauchy, 2),
                    (D.LogNormal, 2), (D.HalfNormal, 1), (D.Kumaraswamy, 2), (D.Weibull, 2),
                    (D.Pareto, 2), (D.ContinuousBernoulli, 1), (D.FisherSnedecor, 2),
                    (D.InverseGamma, 2)]:
        values = [0.6, 1.6] if make is D.Uniform else [0.6, 0.7]
        params = [ember.tensor([v], dtype=ember.float64, requires_grad=True)
                  for v in values[:n]]
        d = make(*params)
        assert d.has_rsample
        d.rsample((3,)).sum().backward()
        assert all(p.grad is not None and np.isfinite(p.grad.numpy()).all() for p in params)
    logits = ember.tensor([0.1, 0.2, -0.3], requires_grad=True)
    D.RelaxedOneHotCategorical(ember.tensor(0.5), logits=logits).rsample().max().backward()
    assert logits.grad is not None
    loc = ember.tensor([0.5, -1.0], requires_grad=True)
    D.MultivariateNormal(loc, ember.eye(2)).rsample((4,)).sum().backward()
    np.testing.assert_allclose(loc.grad.numpy(), 4.0)
    st = D.OneHotCategoricalStraightThrough(logits=ember.zeros(3, requires_grad=True))
    assert st.rsample().requires_grad
