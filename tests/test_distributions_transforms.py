"""Transforms, TransformedDistribution, constraints and biject_to/transform_to against
torch."""
import numpy as np
import pytest

from parity import assert_same, check, to_torch, torch
import ember
import ember.distributions  # noqa: F401  (until ember/__init__ imports it)

R = np.random.default_rng(2)


def T(m):
    return m.distributions.transforms


def C(m):
    return m.distributions.constraints


# (id, transform(m, *params), params, x in the domain)
TRANSFORMS = [
    ("Exp", lambda m: T(m).ExpTransform(), [], R.uniform(-2, 2, (2, 3))),
    ("Power", lambda m, e: T(m).PowerTransform(e), [R.uniform(0.5, 2, 3)],
     R.uniform(0.5, 2, (2, 3))),
    ("Sigmoid", lambda m: T(m).SigmoidTransform(), [], R.uniform(-3, 3, (2, 3))),
    ("Softplus", lambda m: T(m).SoftplusTransform(), [], R.uniform(-3, 3, (2, 3))),
    ("Tanh", lambda m: T(m).TanhTransform(), [], R.uniform(-2, 2, (2, 3))),
    ("Affine", lambda m, a, b: T(m).AffineTransform(a, b), [R.uniform(-1, 1, 3),
                                                          R.uniform(-2, -0.5, 3)],
     R.uniform(-2, 2, (2, 3))),
    ("Affine-number", lambda m: T(m).AffineTransform(1.5, -2.0), [], R.uniform(-2, 2, (4,))),
    ("Affine-event", lambda m, b: T(m).AffineTransform(0.5, b, event_dim=1),
     [R.uniform(0.5, 2, 3)], R.uniform(-2, 2, (2, 3))),
    ("StickBreaking", lambda m: T(m).StickBreakingTransform(), [], R.uniform(-1, 1, (2, 3))),
    ("Compose", lambda m, a: T(m).ComposeTransform([
        T(m).AffineTransform(a, 2.0), T(m).ExpTransform(), T(m).PowerTransform(0.5)]),
     [R.uniform(-1, 1, 3)], R.uniform(-1, 1, (2, 3))),
    ("Compose-vector", lambda m: T(m).ComposeTransform([
        T(m).TanhTransform(), T(m).StickBreakingTransform()]), [], R.uniform(-1, 1, (2, 3))),
    ("Independent", lambda m: T(m).IndependentTransform(T(m).SigmoidTransform(), 1), [],
     R.uniform(-2, 2, (2, 3))),
    ("Reshape", lambda m: T(m).ReshapeTransform((2, 3), (3, 2)), [], R.uniform(-2, 2, (4, 2, 3))),
    ("Cat", lambda m: T(m).CatTransform([T(m).ExpTransform(), T(m).TanhTransform()], dim=-1,
                                        lengths=[1, 2]), [], R.uniform(-2, 2, (2, 3))),
    ("Stack", lambda m: T(m).StackTransform([T(m).ExpTransform(), T(m).SigmoidTransform()],
                                            dim=0), [], R.uniform(-2, 2, (2, 3))),
    ("CorrCholesky", lambda m: T(m).CorrCholeskyTransform(), [], R.uniform(-1, 1, (2, 3))),
    ("Inverse-Exp", lambda m: T(m).ExpTransform().inv, [], R.uniform(0.5, 2, (2, 3))),
    ("Inverse-Sigmoid", lambda m: T(m).SigmoidTransform().inv, [], R.uniform(0.1, 0.9, (3,))),
    ("CDF", lambda m, a: T(m).CumulativeDistributionTransform(m.distributions.Normal(a, 2.0)),
     [R.uniform(-1, 1, 3)], R.uniform(-2, 2, (2, 3))),
]


def _inputs(case):
    return [np.asarray(p, dtype=np.float64) for p in case[2]] + [case[3]]


@pytest.mark.parametrize("case", TRANSFORMS, ids=[c[0] for c in TRANSFORMS])
def test_forward_inverse_logdet(case):
    make = case[1]
    check(lambda m, *a: make(m, *a[:-1])(a[-1]), inputs=_inputs(case))
    check(lambda m, *a: make(m, *a[:-1]).inv(make(m, *a[:-1])(a[-1])), inputs=_inputs(case),
          gradcheck=False)
    check(lambda m, *a: make(m, *a[:-1]).log_abs_det_jacobian(a[-1], make(m, *a[:-1])(a[-1])),
          inputs=_inputs(case), atol=1e-6)


@pytest.mark.parametrize("case", TRANSFORMS, ids=[c[0] for c in TRANSFORMS])
def test_properties(case):
    params = [ember.tensor(p) for p in _inputs(case)[:-1]]
    e, t = case[1](ember, *params), case[1](torch, *to_torch(params))
    assert repr(e.domain) == repr(t.domain) and repr(e.codomain) == repr(t.codomain)
    assert e.bijective == t.bijective
    assert e.domain.event_dim == t.domain.event_dim
    assert e.codomain.event_dim == t.codomain.event_dim
    shape = ember.Size(case[3].shape)
    assert tuple(e.forward_shape(shape)) == tuple(t.forward_shape(torch.Size(shape)))
    y_shape = t.forward_shape(torch.Size(shape))
    assert tuple(e.inverse_shape(ember.Size(y_shape))) == tuple(t.inverse_shape(y_shape))
    if case[0] in ("Exp", "Sigmoid", "Tanh", "Affine-number", "Compose", "Inverse-Exp"):
        assert_same(e.sign, t.sign)
    assert e.inv.inv is e


def test_transform_reprs_and_equality():
    for m in (ember, torch):
        compose = T(m).ComposeTransform([T(m).ExpTransform(), T(m).AffineTransform(0.0, 2.0)])
        assert compose.inv.inv is compose
        assert T(m).ExpTransform() == T(m).ExpTransform()
        assert T(m).ExpTransform().inv == T(m).ExpTransform().inv
        assert T(m).AffineTransform(1.0, 2.0) == T(m).AffineTransform(1.0, 2.0)
        assert T(m).AffineTransform(1.0, 2.0) != T(m).AffineTransform(1.0, 3.0)
    for make in (lambda m: T(m).ComposeTransform([T(m).ExpTransform(),
                                                  T(m).SigmoidTransform().inv]),
                 lambda m: T(m).IndependentTransform(T(m).ExpTransform(), 2),
                 lambda m: T(m).identity_transform, lambda m: T(m).ExpTransform().inv):
        assert repr(make(ember)) == repr(make(torch))
    with pytest.raises(TypeError):
        hash(T(ember).ExpTransform())  # torch's transforms are unhashable too


def test_cache():
    x = ember.randn(3)
    t = T(ember).ExpTransform(cache_size=1)
    y = t(x)
    assert t(x) is y and t.inv(y) is x
    assert T(ember).ExpTransform().with_cache(1)._cache_size == 1
    compose = T(ember).ComposeTransform([T(ember).ExpTransform(), T(ember).TanhTransform()],
                                        cache_size=1)
    assert all(p._cache_size == 1 for p in compose.parts)
    with pytest.raises(ValueError, match="cache_size must be 0 or 1"):
        T(ember).ExpTransform(cache_size=2)
    with pytest.raises(ValueError, match="in_shape, out_shape have different numbers"):
        T(ember).ReshapeTransform((2,), (3,))


def test_compose_event_dims():
    for m in (ember, torch):
        compose = T(m).ComposeTransform([T(m).ExpTransform(), T(m).StickBreakingTransform()])
        assert compose.domain.event_dim == 1 and compose.codomain.event_dim == 1
    e = T(ember).ComposeTransform([T(ember).ExpTransform(), T(ember).StickBreakingTransform()])
    t = T(torch).ComposeTransform([T(torch).ExpTransform(), T(torch).StickBreakingTransform()])
    assert repr(e.domain) == repr(t.domain)


TRANSFORMED = [
    ("affine-exp", lambda m, a, b: m.distributions.TransformedDistribution(
        m.distributions.Normal(a, b), [T(m).AffineTransform(0.5, 2.0), T(m).ExpTransform()]),
     [R.uniform(-1, 1, 3), R.uniform(0.5, 2, 3)], R.uniform(0.5, 3, (2, 3))),
    ("sigmoid", lambda m, a, b: m.distributions.TransformedDistribution(
        m.distributions.Normal(a, b), T(m).SigmoidTransform()),
     [R.uniform(-1, 1, 3), R.uniform(0.5, 2, 3)], R.uniform(0.1, 0.9, (3,))),
    ("decreasing", lambda m, a, b: m.distributions.TransformedDistribution(
        m.distributions.Normal(a, b), [T(m).AffineTransform(1.0, -3.0)]),
     [R.uniform(-1, 1, 3), R.uniform(0.5, 2, 3)], R.uniform(-2, 2, (3,))),
    ("stick-breaking", lambda m, a, b: m.distributions.TransformedDistribution(
        m.distributions.Normal(a, b), T(m).StickBreakingTransform()),
     [R.uniform(-1, 1, 3), R.uniform(0.5, 2, 3)],
     np.array([[0.1, 0.2, 0.3, 0.4], [0.25, 0.25, 0.25, 0.25]])),
    ("broadcast-affine", lambda m, a, s: m.distributions.TransformedDistribution(
        m.distributions.Normal(a, 1.0), T(m).AffineTransform(0.0, s)),
     [np.array(0.3), R.uniform(0.5, 2, (2, 3))], R.uniform(-2, 2, (2, 3))),
]


@pytest.mark.parametrize("case", TRANSFORMED, ids=[c[0] for c in TRANSFORMED])
def test_transformed_distribution(case):
    make = case[1]
    inputs = [np.asarray(p, dtype=np.float64) for p in case[2]] + [case[3]]
    # A finite difference of one entry of a simplex value leaves the simplex.
    check(lambda m, *a: make(m, *a[:-1]).log_prob(a[-1]), inputs=inputs, atol=1e-6,
          gradcheck=case[0] != "stick-breaking")
    if case[0] != "stick-breaking":
        check(lambda m, *a: make(m, *a[:-1]).cdf(a[-1]), inputs=inputs, atol=1e-6)
        check(lambda m, *a: make(m, *a).icdf(m.tensor([0.2, 0.6, 0.9], dtype=m.float64)),
              inputs=inputs[:-1], atol=1e-6)
    e = make(ember, *[ember.tensor(p) for p in inputs[:-1]])
    t = make(torch, *[torch.tensor(p) for p in inputs[:-1]])
    assert tuple(e.batch_shape) == tuple(t.batch_shape)
    assert tuple(e.event_shape) == tuple(t.event_shape)
    assert repr(e.support) == repr(t.support)
    assert e.has_rsample and tuple(e.rsample((2,)).shape) == tuple(t.rsample((2,)).shape)
    assert tuple(e.expand((4,) + tuple(e.batch_shape)).sample().shape) == \
        tuple(t.expand((4,) + tuple(t.batch_shape)).sample().shape)


# ---------------------------------------------------------------- constraints

CONSTRAINTS = [
    lambda m: C(m).real, lambda m: C(m).positive, lambda m: C(m).nonnegative,
    lambda m: C(m).greater_than(1.5), lambda m: C(m).greater_than_eq(-1),
    lambda m: C(m).less_than(0.5), lambda m: C(m).interval(-1.0, 2.0),
    lambda m: C(m).half_open_interval(0.0, 1.0), lambda m: C(m).unit_interval,
    lambda m: C(m).simplex, lambda m: C(m).boolean, lambda m: C(m).integer_interval(0, 3),
    lambda m: C(m).nonnegative_integer, lambda m: C(m).positive_integer,
    lambda m: C(m).real_vector, lambda m: C(m).independent(C(m).positive, 2),
    lambda m: C(m).lower_cholesky, lambda m: C(m).lower_triangular,
    lambda m: C(m).positive_definite, lambda m: C(m).positive_semidefinite,
    lambda m: C(m).symmetric, lambda m: C(m).square, lambda m: C(m).corr_cholesky,
    lambda m: C(m).one_hot, lambda m: C(m).multinomial(4),
    lambda m: C(m).cat([C(m).positive, C(m).real], dim=-1, lengths=[1, 2]),
    lambda m: C(m).stack([C(m).positive, C(m).unit_interval, C(m).real], dim=-1),
    lambda m: C(m).MixtureSameFamilyConstraint(C(m).positive),
]

VALUES = [np.array([[1.0, 0.0, 0.0], [0.5, 0.2, 0.3], [2.0, -1.0, 0.5]]),
          np.array([[[1.0, 0.0, 0.0], [0.5, 1.0, 0.0], [0.2, 0.3, 2.0]]]),
          np.array([[2.0, 1.0, 0.0], [1.0, 2.0, 0.0], [0.0, 0.0, 1.0]]),
          np.array([[1.0, 0.0, 0.0], [0.6, 0.8, 0.0], [0.0, 0.6, 0.8]]),
          np.array([[0.0, 1.0, 3.0], [1.0, 1.0, 2.0], [4.0, 0.0, 0.0]])]


@pytest.mark.parametrize("make", CONSTRAINTS)
def test_constraints(make):
    e, t = make(ember), make(torch)
    assert repr(e) == repr(t)
    assert e.is_discrete == t.is_discrete and e.event_dim == t.event_dim
    for value in VALUES:
        assert_same(e.check(ember.tensor(value)), t.check(torch.tensor(value)))


def test_dependent_constraints():
    d = ember.distributions
    assert d.constraints.is_dependent(d.Uniform.support)
    assert d.constraints.is_dependent(d.constraints.dependent)
    assert not d.constraints.is_dependent(d.constraints.real)
    assert d.Binomial.support.is_discrete and d.Binomial.support.event_dim == 0
    with pytest.raises(ValueError, match="Cannot determine validity of dependent constraint"):
        d.constraints.dependent.check(ember.zeros(1))
    with pytest.raises(NotImplementedError, match="cannot be determined statically"):
        d.constraints.dependent.event_dim
    support = d.Uniform(ember.zeros(2), ember.ones(2)).support
    assert repr(support) == repr(torch.distributions.Uniform(torch.zeros(2),
                                                             torch.ones(2)).support)


@pytest.mark.parametrize("registry", ["biject_to", "transform_to"])
@pytest.mark.parametrize("make", [
    lambda m: C(m).real, lambda m: C(m).positive, lambda m: C(m).greater_than(1.5),
    lambda m: C(m).less_than(-0.5), lambda m: C(m).interval(-1.0, 2.0),
    lambda m: C(m).unit_interval, lambda m: C(m).simplex, lambda m: C(m).real_vector,
    lambda m: C(m).independent(C(m).positive, 1), lambda m: C(m).corr_cholesky,
    lambda m: C(m).lower_cholesky, lambda m: C(m).positive_definite,
    lambda m: C(m).cat([C(m).positive, C(m).real], dim=-1, lengths=[1, 2]),
])
def test_constraint_registry(registry, make):
    e_constraint, t_constraint = make(ember), make(torch)
    try:
        t_transform = getattr(torch.distributions, registry)(t_constraint)
    except NotImplementedError:
        with pytest.raises(NotImplementedError, match="Cannot transform"):
            getattr(ember.distributions, registry)(e_constraint)
        return
    e_transform = getattr(ember.distributions, registry)(e_constraint)
    assert type(e_transform).__name__ == type(t_transform).__name__
    size = 3 if e_constraint.event_dim < 2 else None
    x = R.uniform(-1, 1, (2, 3, 3) if size is None else (2, 3))
    y = e_transform(ember.tensor(x))
    assert_same(y, t_transform(torch.tensor(x)), atol=1e-6)
    assert bool(e_constraint.check(y).all())
