"""The losses beyond the basic ones, distances and similarities, against torch: values,
gradients, float64 gradcheck, every reduction, module forms (repr, state_dict) and bad
input (the exception type, and the message where torch's names the problem)."""
import numpy as np
import pytest

from parity import check, random_array, to_torch, torch
import ember

REDUCTIONS = ["none", "mean", "sum"]


def F(m):
    return m.nn.functional


def torch_level(m, name):
    """torch.cdist / torch.pdist (ember: the F forms until the top level exports them)."""
    return getattr(m, name) if m is torch else getattr(ember.nn.functional, name)


def check_raises(fn, shapes=None, inputs=None):
    """fn(torch, ...) and fn(ember, ...) raise the same exception type (on the same
    random inputs of the given shapes, or on the given arrays)."""
    if inputs is None:
        rng = np.random.default_rng(0)
        inputs = [random_array(s, ember.float64, rng) for s in shapes]
    e_inputs = [ember.tensor(a) for a in inputs]
    with pytest.raises(Exception) as expected:
        fn(torch, *[to_torch(e) for e in e_inputs])
    with pytest.raises(expected.type):
        fn(ember, *e_inputs)


def signs(shape, seed=1):
    return np.where(np.random.default_rng(seed).random(shape) > 0.5, 1.0, -1.0)


def labels(shape, classes, seed=2):
    return np.random.default_rng(seed).integers(0, classes, size=shape)


# ---------------------------------------------------------------- likelihood losses

@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("log_input,full", [(True, False), (False, False), (True, True),
                                            (False, True)])
def test_poisson_nll_loss(reduction, log_input, full):
    rng = np.random.default_rng(0)
    x = rng.uniform(0.1, 2.0, (4, 5)) if not log_input else rng.uniform(-1, 1, (4, 5))
    # Targets away from 1, where Stirling's term switches on (and from 0).
    target = rng.choice([0.25, 0.5, 1.5, 2.5, 4.0], (4, 5))
    check(lambda m, a, t: F(m).poisson_nll_loss(a, t, log_input, full, reduction=reduction),
          inputs=[x, target])
    check(lambda m, a, t: m.nn.PoissonNLLLoss(log_input, full, reduction=reduction)(a, t),
          inputs=[x, target], grad=False)


def test_poisson_nll_loss_eps_and_shapes():
    check(lambda m, a, t: F(m).poisson_nll_loss(a, t, log_input=False, eps=0.5),
          shapes=[(3,), (3,)], low=0.0, high=1.0)
    check(lambda m, a, t: F(m).poisson_nll_loss(a, t, reduction="none"), shapes=[(), ()])
    check(lambda m, a, t: F(m).poisson_nll_loss(a, t), shapes=[(2, 3), (3,)])
    check_raises(lambda m, a, t: F(m).poisson_nll_loss(a, t, reduction="avg"),
                 shapes=[(3,), (3,)])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("var_shape", [(4, 3), (4, 1), (4,)])
def test_gaussian_nll_loss(reduction, var_shape):
    rng = np.random.default_rng(0)
    var = rng.uniform(0.1, 2.0, var_shape)
    check(lambda m, a, t, v: F(m).gaussian_nll_loss(a, t, v, reduction=reduction),
          inputs=[rng.standard_normal((4, 3)), rng.standard_normal((4, 3)), var])
    check(lambda m, a, t, v: m.nn.GaussianNLLLoss(full=True, eps=0.05, reduction=reduction)(
        a, t, v), inputs=[rng.standard_normal((4, 3)), rng.standard_normal((4, 3)), var])
    # Variances below eps are clamped outside autograd, as torch does (so no gradcheck).
    check(lambda m, a, t, v: F(m).gaussian_nll_loss(a, t, v, eps=0.5, reduction=reduction),
          inputs=[rng.standard_normal((4, 3)), rng.standard_normal((4, 3)), var],
          gradcheck=False)


def test_gaussian_nll_loss_float_var_and_errors():
    check(lambda m, a, t: F(m).gaussian_nll_loss(a, t, 0.7), shapes=[(3, 2), (3, 2)])
    for m in (torch, ember):
        x = m.zeros(4, 3)
        for var, message in [(m.ones(4, 2), "var is of incorrect size"),
                             (-m.ones(4, 3), "var has negative entry"),
                             (-1.0, "var has negative entry")]:
            with pytest.raises(ValueError, match=message):
                F(m).gaussian_nll_loss(x, x, var)
        with pytest.raises(ValueError, match="avg is not valid"):
            F(m).gaussian_nll_loss(x, x, m.ones(4, 3), reduction="avg")


# ---------------------------------------------------------------- margin losses

@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_margin_ranking_loss(reduction):
    y = signs((6,))
    check(lambda m, a, b, t: F(m).margin_ranking_loss(a, b, t, 0.3, reduction=reduction),
          inputs=[np.linspace(-1, 1, 6), np.cos(np.arange(6.0)), y])
    check(lambda m, a, b, t: m.nn.MarginRankingLoss(reduction=reduction)(a, b, t),
          inputs=[np.linspace(-1, 1, 6), np.cos(np.arange(6.0)), y])
    check_raises(lambda m, a, b, t: F(m).margin_ranking_loss(a, b, t), shapes=[(3,), (3,), (1, 3)])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_hinge_embedding_and_soft_margin(reduction):
    x = np.linspace(-2.13, 2.31, 12).reshape(3, 4)
    y = signs((3, 4))
    check(lambda m, a, t: F(m).hinge_embedding_loss(a, t, 0.7, reduction=reduction),
          inputs=[x, y])
    check(lambda m, a, t: m.nn.HingeEmbeddingLoss(reduction=reduction)(a, t), inputs=[x, y])
    check(lambda m, a: F(m).soft_margin_loss(a, m.tensor(y), reduction=reduction), inputs=[x])
    check(lambda m, a: m.nn.SoftMarginLoss(reduction=reduction)(a, m.tensor(y)), inputs=[x])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_soft_margin_loss(reduction):
    x = np.random.default_rng(0).standard_normal((4, 5))
    y = (np.random.default_rng(1).random((4, 5)) > 0.5).astype(np.float64)
    check(lambda m, a, t: F(m).multilabel_soft_margin_loss(a, t, reduction=reduction),
          inputs=[x, y])
    check(lambda m, a, t, w: m.nn.MultiLabelSoftMarginLoss(w, reduction=reduction)(a, t),
          inputs=[x, y, np.linspace(0.5, 2, 5)])
    check(lambda m, a, t: F(m).multilabel_soft_margin_loss(a, t), inputs=[x[0], y[0]])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p,margin", [(1, 1.0), (2, 0.5)])
def test_multi_margin_loss(reduction, p, margin):
    x = np.random.default_rng(0).standard_normal((5, 4))
    y = labels((5,), 4)
    check(lambda m, a, t: F(m).multi_margin_loss(a, t, p, margin, reduction=reduction),
          inputs=[x, y])
    weight = np.array([0.5, 1.0, 2.0, 1.5])
    check(lambda m, a, t: m.nn.MultiMarginLoss(p, margin, m.tensor(weight),
                                               reduction=reduction)(a, t), inputs=[x, y])
    check(lambda m, a, t: F(m).multi_margin_loss(a, t, p, margin, reduction=reduction),
          inputs=[x[0], np.array(2)])
    check(lambda m, a, t: F(m).multi_margin_loss(a, t, p, margin, reduction=reduction),
          inputs=[x[0], np.array([2])])


def test_multi_margin_loss_errors():
    x = np.zeros((3, 4))
    check_raises(lambda m, a, t: F(m).multi_margin_loss(a, t), inputs=[x, np.array([0, 5, 1])])
    check_raises(lambda m, a, t: F(m).multi_margin_loss(a, t), inputs=[x, np.array([0, 1])])
    check_raises(lambda m, a, t: F(m).multi_margin_loss(a, t, p=3), inputs=[x, np.array([0, 1, 1])])
    check_raises(lambda m, a, t: F(m).multi_margin_loss(a, t), inputs=[np.zeros((2, 3, 4)),
                                                                       np.array([0, 1])])
    for m in (torch, ember):
        with pytest.raises(RuntimeError, match="Expected target size \\[3\\], but got \\[2\\]"):
            F(m).multi_margin_loss(m.zeros(3, 4), m.tensor([0, 1]))
        with pytest.raises(ValueError, match="expected weight to be None or 1D"):
            m.nn.MultiMarginLoss(weight=m.ones(2, 2))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_margin_loss(reduction):
    x = np.random.default_rng(0).standard_normal((4, 5))
    y = np.array([[3, 0, -1, 1, 1], [0, 1, 2, 3, 4], [-1, 2, 2, 2, 2], [4, 4, 1, -1, 0]])
    check(lambda m, a, t: F(m).multilabel_margin_loss(a, t, reduction=reduction),
          inputs=[x, y])
    check(lambda m, a, t: m.nn.MultiLabelMarginLoss(reduction=reduction)(a, t), inputs=[x, y])
    check(lambda m, a, t: F(m).multilabel_margin_loss(a, t, reduction=reduction),
          inputs=[x[0], y[0]])


def test_multilabel_margin_loss_errors():
    check_raises(lambda m, a, t: F(m).multilabel_margin_loss(a, t),
                 inputs=[np.zeros((3, 4)), np.zeros((3, 2), dtype=np.int64)])
    check_raises(lambda m, a, t: F(m).multilabel_margin_loss(a, t),
                 inputs=[np.zeros((1, 4)), np.array([[0, 5, -1, 0]])])
    for m in (torch, ember):
        with pytest.raises(RuntimeError, match="inconsistent target size: \\[3, 2\\]"):
            F(m).multilabel_margin_loss(m.zeros(3, 4), m.zeros(3, 2, dtype=m.long))


# ---------------------------------------------------------------- embedding losses

@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cosine_embedding_loss(reduction):
    rng = np.random.default_rng(0)
    check(lambda m, a, b, t: F(m).cosine_embedding_loss(a, b, t, 0.2, reduction=reduction),
          inputs=[rng.standard_normal((5, 3)), rng.standard_normal((5, 3)), signs((5,))])
    check(lambda m, a, b, t: m.nn.CosineEmbeddingLoss(-0.5, reduction=reduction)(a, b, t),
          inputs=[rng.standard_normal((5, 3)), rng.standard_normal((5, 3)), signs((5,))])
    check(lambda m, a, b, t: F(m).cosine_embedding_loss(a, b, t, reduction=reduction),
          inputs=[rng.standard_normal(3), rng.standard_normal(3), np.array(-1.0)])
    for shapes in ([(5, 3), (5, 3), (5, 1)], [(5, 3), (5, 3), ()], [(3,), (3,), (3,)]):
        check_raises(lambda m, a, b, t: F(m).cosine_embedding_loss(a, b, t), shapes=shapes)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p,swap", [(2, False), (1, True), (3, False), (2, True)])
def test_triplet_margin_loss(reduction, p, swap):
    check(lambda m, a, b, c: F(m).triplet_margin_loss(a, b, c, 1.5, p, swap=swap,
                                                      reduction=reduction),
          shapes=[(4, 3), (4, 3), (4, 3)])
    check(lambda m, a, b, c: m.nn.TripletMarginLoss(p=p, swap=swap, reduction=reduction)(
        a, b, c), shapes=[(3,), (3,), (3,)])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_triplet_margin_with_distance_loss(reduction):
    def cosine_distance(m):
        return lambda x, y: 1.0 - F(m).cosine_similarity(x, y)
    check(lambda m, a, b, c: F(m).triplet_margin_with_distance_loss(
        a, b, c, reduction=reduction), shapes=[(4, 3), (4, 3), (4, 3)])
    check(lambda m, a, b, c: F(m).triplet_margin_with_distance_loss(
        a, b, c, distance_function=cosine_distance(m), margin=0.5, swap=True,
        reduction=reduction), shapes=[(4, 3), (4, 3), (4, 3)])
    check(lambda m, a, b, c: m.nn.TripletMarginWithDistanceLoss(
        distance_function=m.nn.PairwiseDistance(p=1), reduction=reduction)(a, b, c),
        shapes=[(4, 3), (4, 3), (4, 3)])


def test_triplet_errors():
    for m in (torch, ember):
        x = m.zeros(2, 3)
        with pytest.raises(ValueError, match="margin must be greater than 0, got 0"):
            F(m).triplet_margin_loss(x, x, x, margin=0)
        with pytest.raises(ValueError, match="margin must be greater than 0"):
            F(m).triplet_margin_with_distance_loss(x, x, x, margin=-1.0)
        with pytest.raises(RuntimeError, match="anchor 2D, positive 2D, and negative 1D"):
            F(m).triplet_margin_loss(x, x, m.zeros(3))
        with pytest.raises(ValueError, match="expected margin to be greater than 0"):
            m.nn.TripletMarginLoss(margin=0.0)


# ---------------------------------------------------------------- CTC

def ctc_inputs(seed=0, steps=12, batch=3, classes=5, longest=4):
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((steps, batch, classes))
    targets = rng.integers(1, classes, (batch, longest))
    return logits, targets


CTC_CASES = [([12, 10, 7], [4, 2, 3]), ([12, 12, 12], [4, 0, 1]), ([5, 3, 7], [4, 2, 3]),
             ([12, 9, 1], [1, 3, 0])]


@pytest.mark.parametrize("lengths", CTC_CASES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("zero_infinity", [False, True])
def test_ctc_loss_values_and_gradients(lengths, reduction, zero_infinity):
    logits, targets = ctc_inputs()
    inputs, target_lengths = lengths
    check(lambda m, x, t: F(m).ctc_loss(x.log_softmax(2), t, inputs, target_lengths,
                                        reduction=reduction, zero_infinity=zero_infinity),
          inputs=[logits, targets], gradcheck=zero_infinity or lengths != CTC_CASES[2])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_ctc_loss_forms(reduction):
    logits, targets = ctc_inputs(1, steps=8, batch=2, classes=4, longest=3)
    lengths = ([8, 6], [3, 2])
    concatenated = np.concatenate([targets[0, :3], targets[1, :2]])
    # Gradients with respect to log_probs itself follow torch's formula (exp(lp) - ...).
    check(lambda m, lp, t: F(m).ctc_loss(lp, t, *lengths, reduction=reduction),
          inputs=[logits, targets], gradcheck=False)
    check(lambda m, x, t, il, tl: F(m).ctc_loss(x.log_softmax(2), t, il, tl, blank=3,
                                                reduction=reduction),
          inputs=[logits, targets - 1, np.array(lengths[0]), np.array(lengths[1])])
    check(lambda m, x, t: m.nn.CTCLoss(reduction=reduction)(x.log_softmax(2), t, *lengths),
          inputs=[logits, concatenated])
    check(lambda m, x, t: F(m).ctc_loss(x.log_softmax(1), t, (8,), (3,), reduction=reduction),
          inputs=[logits[:, 0], targets[0]])
    check(lambda m, x, t: F(m).ctc_loss(x.log_softmax(2), t, *lengths, reduction=reduction),
          inputs=[logits.astype(np.float32), targets], grad=True, gradcheck=False, rtol=1e-4)


def test_ctc_loss_errors():
    logits, targets = ctc_inputs(steps=6, batch=2, classes=4, longest=3)
    cases = [([6, 5, 4], [3, 2], 0), ([7, 5], [3, 2], 0), ([6, 5], [4, 2], 0),
             ([6, 5], [3, -1], 0), ([6, 5], [3, 2], 4), ([6, 5], [3], 0)]
    for inputs, lengths, blank in cases:
        messages = []
        for m in (torch, ember):
            lp = m.tensor(logits).log_softmax(2)
            with pytest.raises(RuntimeError) as info:
                F(m).ctc_loss(lp, m.tensor(targets), inputs, lengths, blank=blank)
            messages.append(str(info.value))
        assert messages[1] == messages[0]
    with pytest.raises(ValueError, match="avg is not a valid value"):
        F(ember).ctc_loss(ember.zeros(6, 2, 4), ember.tensor(targets), [6, 5], [3, 2],
                          reduction="avg")


def test_ctc_loss_has_no_double_backward():
    logits, targets = ctc_inputs()
    for m in (torch, ember):
        lp = m.tensor(logits).log_softmax(2).detach().requires_grad_()
        loss = F(m).ctc_loss(lp, m.tensor(targets), [12, 10, 7], [4, 2, 3])
        (grad,) = m.autograd.grad(loss, lp, create_graph=True)
        with pytest.raises(RuntimeError, match="derivative for aten::_ctc_loss_backward"):
            grad.sum().backward()


# ---------------------------------------------------------------- K-dimensional nll / ce

@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_and_cross_entropy_with_k_dimensions(reduction):
    x = np.random.default_rng(0).standard_normal((2, 4, 3, 5))
    y = labels((2, 3, 5), 4)
    y[0, 0, 0] = -100
    check(lambda m, a, t: F(m).nll_loss(a.log_softmax(1), t, reduction=reduction),
          inputs=[x, y])
    weight = np.array([1.0, 2.0, 0.5, 1.5])
    check(lambda m, a, t: F(m).cross_entropy(a, t, m.tensor(weight), reduction=reduction,
                                             label_smoothing=0.1), inputs=[x, y])
    check(lambda m, a, t: m.nn.NLLLoss(m.tensor(weight), reduction=reduction)(a, t),
          inputs=[x, y])


# ---------------------------------------------------------------- distances

@pytest.mark.parametrize("p", [2, 1, 3, 1.5, float("inf")])
def test_distances(p):
    check(lambda m, a, b: F(m).pairwise_distance(a, b, p), shapes=[(4, 5), (4, 5)])
    check(lambda m, a, b: torch_level(m, "cdist")(a, b, p), shapes=[(3, 5), (4, 5)])
    check(lambda m, a, b: torch_level(m, "cdist")(a, b, p), shapes=[(2, 1, 3, 5), (4, 6, 5)])
    check(lambda m, a: torch_level(m, "pdist")(a, p), shapes=[(5, 3)])
    check(lambda m, a, b: m.nn.PairwiseDistance(p, eps=0.1, keepdim=True)(a, b),
          shapes=[(2, 3, 4), (3, 4)])


def test_distance_special_cases():
    cdist = torch_level
    check(lambda m, a, b: cdist(m, "cdist")(a, b), shapes=[(30, 5), (4, 5)])
    check(lambda m, a, b: cdist(m, "cdist")(a, b, compute_mode="use_mm_for_euclid_dist"),
          shapes=[(3, 5), (4, 5)])
    check(lambda m, a, b: cdist(m, "cdist")(a, b, compute_mode="donot_use_mm_for_euclid_dist"),
          shapes=[(30, 5), (4, 5)])
    check(lambda m, a, b: cdist(m, "cdist")(a, b, p=0), shapes=[(3, 5), (4, 5)])
    check(lambda m, a: cdist(m, "pdist")(a, 0), shapes=[(4, 3)])
    check(lambda m, a, b: F(m).pairwise_distance(a, b), shapes=[(4,), (4,)])
    check(lambda m, a, b: F(m).pairwise_distance(a, b), shapes=[(), ()])
    check(lambda m, a, b: F(m).pairwise_distance(a, b), shapes=[(3, 4), (4,)])


def test_distance_errors():
    for shapes in ([(4,), (5, 4)], [(3, 4), (5, 3)]):
        check_raises(lambda m, a, b: torch_level(m, "cdist")(a, b), shapes=shapes)
    check_raises(lambda m, a, b: torch_level(m, "cdist")(a, b, -1), shapes=[(3, 4), (5, 4)])
    check_raises(lambda m, a: torch_level(m, "pdist")(a), shapes=[(3,)])
    check_raises(lambda m, a: torch_level(m, "pdist")(a, -1), shapes=[(3, 2)])
    for m in (torch, ember):
        x = m.zeros(3, 4)
        with pytest.raises(ValueError, match="bad is not a valid value for compute_mode"):
            torch_level(m, "cdist")(x, x, compute_mode="bad")
        with pytest.raises(RuntimeError, match="X1 and X2 must have the same number of columns"):
            torch_level(m, "cdist")(x, m.zeros(2, 3))
        with pytest.raises(RuntimeError, match="cdist only supports floating-point dtypes, X1 "
                                               "got: Long"):
            torch_level(m, "cdist")(x.long(), x.long())


def test_cosine_similarity_and_normalize():
    check(lambda m, a, b: F(m).cosine_similarity(a, b), shapes=[(3, 4), (1, 4)])
    check(lambda m, a, b: F(m).cosine_similarity(a, b, 0), shapes=[(4,), (4,)])
    check(lambda m, a, b: m.nn.CosineSimilarity(dim=-1)(a, b), shapes=[(2, 3, 4), (3, 4)])
    # Norms below eps are clamped without recording it, as torch does (so no gradcheck).
    check(lambda m, a, b: F(m).cosine_similarity(a, b, -1, eps=0.5), shapes=[(2, 3, 4),
                                                                            (2, 3, 4)],
          low=-0.2, high=0.2, gradcheck=False)
    check(lambda m, a: F(m).normalize(a), shapes=[(3, 4)])
    check(lambda m, a: F(m).normalize(a, p=1, dim=0, eps=0.5), shapes=[(3, 4)], gradcheck=False)
    check_raises(lambda m, a, b: F(m).cosine_similarity(a, b), shapes=[(3, 4), (5, 4)])


def test_modules_print_and_keep_state_like_torch():
    pairs = [(lambda m: m.nn.PairwiseDistance(p=3, keepdim=True)),
             (lambda m: m.nn.CosineSimilarity(dim=0)),
             (lambda m: m.nn.TripletMarginWithDistanceLoss()),
             (lambda m: m.nn.MultiMarginLoss(weight=m.ones(3))),
             (lambda m: m.nn.MultiLabelSoftMarginLoss(weight=m.ones(3))),
             (lambda m: m.nn.CTCLoss(blank=2)), (lambda m: m.nn.GaussianNLLLoss())]
    for make in pairs:
        t_module, e_module = make(torch), make(ember)
        assert repr(e_module) == repr(t_module)
        assert list(e_module.state_dict()) == list(t_module.state_dict())
        public = {k: v for k, v in vars(t_module).items() if not k.startswith("_")}
        for key, value in public.items():
            if isinstance(value, (int, float, str, bool)):
                assert getattr(e_module, key) == value, key


def test_torch_level_distance_functions_are_exported():
    for name in ("cdist", "pdist", "cosine_similarity", "pairwise_distance"):
        assert getattr(ember, name) is getattr(ember.nn.functional, name)
