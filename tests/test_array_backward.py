"""backward()'s array loop against the general tensor loop.

A plain ``loss.backward()`` runs ``engine.execute_arrays``: gradients flow as backend
arrays and primitives with an ``array_backward`` twin run it instead of their
tensor-level ``backward``. ``autograd.grad`` runs ``engine._execute_tensors`` on the
tensor-level backward. These tests hold the two paths to the same gradients, the same
hook behaviour and order, and check that ``.grad`` keeps the computed array without a
copy, yet never shares memory with another tensor. No torch needed.
"""
import operator
import tracemalloc

import numpy as np
import pytest

import ember
import ember.nn  # noqa: F401  (its fused primitives join the subclass walk below)
from ember.autograd import engine
from ember.autograd.graph import Primitive

DTYPES = [ember.float32, ember.float64, ember.float16, ember.bfloat16, ember.complex64]
HALF = (ember.float16, ember.bfloat16)
INPLACE_MESSAGE = "one of the variables needed for gradient computation has been modified " \
                  "by an inplace operation"
FREED_MESSAGE = "Trying to backward through the graph a second time"


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


TWINS = sorted({c for c in _subclasses(Primitive) if "array_backward" in c.__dict__},
               key=lambda c: c.__qualname__)


@pytest.fixture
def twin_log(monkeypatch):
    """Records (node class, ran) for every array_backward call (ran: not NotImplemented)."""
    log = []
    for cls in TWINS:
        def spy(ctx, grad, _fn=cls.__dict__["array_backward"].__func__):
            result = _fn(ctx, grad)
            log.append((type(ctx), result is not NotImplemented))
            return result
        monkeypatch.setattr(cls, "array_backward", staticmethod(spy))
    return log


@pytest.fixture
def tensor_loop(monkeypatch):
    """Counts runs of the general tensor loop (backward() should not need it)."""
    calls = []
    real = engine._execute_tensors

    def spy(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)
    monkeypatch.setattr(engine, "_execute_tensors", spy)
    return calls


def _values(rng, shape, dtype):
    values = np.asarray(rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape))
    if dtype.is_complex:
        values = values + 1j * np.asarray(rng.uniform(-1.0, 1.0, shape))
    return values


def _loss(out, seed=99):
    """A weighted sum, so that the gradients are not all ones."""
    weights = ember.tensor(_values(np.random.RandomState(seed), out.shape, out.dtype),
                           dtype=out.dtype)
    loss = (out * weights).sum()
    return loss.real if loss.is_complex() else loss


def _numpy(t):
    return np.asarray(t.detach().numpy(), dtype=np.complex128 if t.is_complex() else np.float64)


def _assert_same(got, want, dtype=ember.float64):
    assert (got is None) == (want is None)
    if got is None:
        return
    assert got.dtype == want.dtype and got.shape == want.shape
    assert type(got.numpy()) is np.ndarray and got.is_contiguous()
    if dtype in HALF:
        np.testing.assert_allclose(_numpy(got), _numpy(want), rtol=2e-2, atol=2e-2)
    else:
        np.testing.assert_array_equal(_numpy(got), _numpy(want))


# ---------------------------------------------------------------- 1. path equivalence

BINARY = {"add": (operator.add, "Add"), "sub": (operator.sub, "Sub"),
          "mul": (operator.mul, "Mul"), "div": (operator.truediv, "Div"),
          "rsub": (ember.rsub, "Sub"),  # b - a
          "add_alpha": (lambda a, b: ember.add(a, b, alpha=2.5), "Add"),
          "sub_alpha": (lambda a, b: ember.sub(a, b, alpha=3), "Sub")}
BROADCAST = [((3, 1, 4), (2, 4)), ((5,), ()), ((), ()), ((0, 3), (0, 3)), ((0, 3), (3,))]
SCALAR = {"mul_int": (lambda a: a * 3, "Mul"), "mul_float": (lambda a: a * 2.5, "Mul"),
          "mul_bool": (lambda a: a * True, "Mul"), "div_int": (lambda a: a / 3, "Div"),
          "div_float": (lambda a: a / 0.5, "Div"), "rdiv_float": (lambda a: 2.5 / a, "RDiv"),
          "rdiv_int": (lambda a: 3 / a, "RDiv"), "rdiv_bool": (lambda a: True / a, "RDiv"),
          "rsub_float": (lambda a: 1.5 - a, "RSub"), "rsub_int": (lambda a: 2 - a, "RSub"),
          "rsub_bool": (lambda a: True - a, "RSub"),
          "rsub_alpha": (lambda a: ember.rsub(a, 2.0, alpha=2), "RSub"),
          "add_int": (lambda a: a + 1, "Add"), "add_bool": (lambda a: a + True, "Add"),
          "sub_float": (lambda a: a - 0.5, "Sub"),
          "add_alpha": (lambda a: ember.add(a, 2, alpha=3), "Add"), "neg": (operator.neg, "Neg")}
# Ops checked without naming a twin (most have one now; see section 1b).
OTHER = {"exp": lambda a: a.exp(), "tanh": lambda a: a.tanh(), "sigmoid": lambda a: a.sigmoid(),
         "relu": lambda a: a.relu(), "log_abs": lambda a: a.abs().log(),
         "sqrt_abs": lambda a: a.abs().sqrt(), "pow": lambda a: a ** 2,
         "matmul": lambda a: a @ a.t(), "reshape": lambda a: a.reshape(3, 2),
         "transpose": lambda a: a.t(), "expand": lambda a: a[:1].expand(4, 3),
         "index": lambda a: a[[1, 1, 0]], "cat": lambda a: ember.cat([a, 2 * a], 1),
         "clone": lambda a: a.clone(), "max": lambda a: a.max(1).values}

CASES = {}  # name -> (fn, input shapes, twin expected to be consulted, real dtypes only)
for name, (fn, twin) in BINARY.items():
    for sa, sb in BROADCAST:
        CASES[f"{name}-{sa}-{sb}"] = (fn, (sa, sb), twin, False)
for name, (fn, twin) in SCALAR.items():
    CASES[name] = (fn, ((2, 3),), twin, False)
CASES["neg-0d"] = (operator.neg, ((),), "Neg", False)
for op in ("sum", "mean"):
    for dim in (None, 1, -1, (0, 2), (-1, 0)):
        for keepdim in (False, True):
            CASES[f"{op}-{dim}-{keepdim}"] = (
                lambda a, op=op, dim=dim, keepdim=keepdim: getattr(a, op)(dim, keepdim=keepdim),
                ((2, 3, 4),), op.capitalize(), False)
    CASES[f"{op}-0d"] = (lambda a, op=op: getattr(a, op)(), ((),), op.capitalize(), False)
    CASES[f"{op}-empty"] = (lambda a, op=op: getattr(a, op)(1), ((0, 3),), op.capitalize(), False)
CASES["sum-empty-all"] = (lambda a: a.sum(), ((0, 3),), "Sum", False)
CASES["sum-empty-dim"] = (lambda a: a.sum(0, keepdim=True), ((0, 3),), "Sum", False)
for name, fn in OTHER.items():
    CASES[name] = (fn, ((2, 3),), None, True)


# ---------------------------------------------------------------- 1b. more twins' cases
#
# The twins of the shape, linalg, pointwise, indexing, conversion and softmax primitives.
# Each entry: name -> (fn, input shapes, twin expected to be consulted, real dtypes only);
# broadcasting, negative dims, non-contiguous (transposed) inputs and vectors included.

def _index(values, dtype=ember.int64):
    return ember.tensor(values, dtype=dtype)


_GATHER_INDEX = _index(np.random.RandomState(3).randint(0, 3, (2, 5)))  # repeats
_MASK = _index([[True, False, True], [False, False, True]], ember.bool)
_CONDITION = _index([True, False, True], ember.bool)

# 0 and NaN entries: abs's gradient there is 0, as torch's sign gives.
_NAN_AND_ZERO = ember.tensor([[1.0, 0.0, float("nan")], [1.0, 1.0, 1.0]])

MORE = {
    # powers by a Python scalar (tensor ** tensor keeps the tensor backward), abs
    "pow-2": (lambda a: a ** 2, ((2, 3),), "Pow"),
    "pow-half": (lambda a: a.abs() ** 0.5, ((2, 3),), "Pow"),
    "pow-int-neg": (lambda a: (a.abs() + 1) ** -3, ((2, 3),), "Pow"),
    "pow-0": (lambda a: a ** 0, ((2, 3),), "Pow"),
    "pow-tensor": (lambda a, b: a.abs() ** b, ((2, 3), (3,)), None),
    "abs": (lambda a: a.abs(), ((2, 3),), "Abs"),
    "abs-nan-and-zero": (lambda a: (a * _NAN_AND_ZERO).abs(), ((2, 3),), "Abs"),
    # views and copies of the shape
    "view": (lambda a: a.view(3, -1), ((2, 3),), "View"),
    "view-unsqueeze": (lambda a: a.unsqueeze(-1).squeeze(0), ((1, 3),), "View"),
    "reshape-copy": (lambda a: a.transpose(0, -1).reshape(-1), ((2, 3, 4),), "Reshape"),
    "flatten": (lambda a: a.flatten(1), ((2, 3, 4),), "View"),
    "transpose-neg": (lambda a: a.transpose(-1, 0), ((2, 3, 4),), "Transpose"),
    "t": (lambda a: a.t() * 2, ((2, 3),), "Transpose"),
    "permute": (lambda a: a.permute(2, 0, 1), ((2, 3, 4),), "Permute"),
    "permute-neg": (lambda a: a.t().unsqueeze(0).permute(-1, -3, -2), ((2, 3),), "Permute"),
    "expand": (lambda a: a.expand(5, 2, 4, 3), ((2, 1, 3),), "Expand"),
    "expand-transposed": (lambda a: a.t().expand(2, 3, 2), ((2, 3),), "Expand"),
    "expand-as": (lambda a, b: a.expand_as(b) * b, ((3,), (2, 3)), "Expand"),
    "narrow": (lambda a: a.narrow(1, 1, 2), ((2, 3),), "Narrow"),
    "narrow-neg": (lambda a: a.narrow(-1, 0, 2), ((2, 3, 4),), "Narrow"),
    "narrow-all": (lambda a: a.narrow(0, 0, 2), ((2, 3),), "Narrow"),
    "split": (lambda a: ember.cat(a.split(1, -1)[::-1], 0), ((2, 3),), "Narrow"),
    "chunk-transposed": (lambda a: a.t().chunk(2, 0)[1], ((2, 3),), "Narrow"),
    # one part does not require grad
    "cat3": (lambda a, b: ember.cat([a, b.detach(), b * 2], -1), ((2, 3), (2, 4)), "Cat"),
    "cat-dim0": (lambda a, b, c: ember.cat([a, b, c], 0), ((1, 3), (2, 3), (3, 3)), "Cat"),
    "cat-skipped-empty": (lambda a, b: ember.cat([a, b, a], 0), ((2, 3), (0,)), "Cat"),
    "stack": (lambda a, b: ember.stack([a, b.t()], 1), ((2, 3), (3, 2)), "Cat"),
    # matmul: every rank combination, batch broadcasting, a transposed operand
    "matmul-2d": (lambda a, b: a @ b, ((2, 3), (3, 4)), "Matmul"),
    "matmul-batch-broadcast": (lambda a, b: a @ b, ((2, 1, 3, 4), (5, 4, 2)), "Matmul"),
    "matmul-2d-batch": (lambda a, b: a @ b, ((3, 4), (2, 4, 5)), "Matmul"),
    "matmul-batch-2d": (lambda a, b: a @ b, ((2, 3, 4), (4, 5)), "Matmul"),
    "matmul-vec-mat": (lambda a, b: a @ b, ((3,), (2, 3, 4)), "Matmul"),
    "matmul-mat-vec": (lambda a, b: a @ b, ((2, 3, 4), (4,)), "Matmul"),
    "matmul-vec-2d": (lambda a, b: a @ b, ((3,), (3, 4)), "Matmul"),
    "matmul-dot": (lambda a, b: a @ b, ((3,), (3,)), "Matmul"),
    "matmul-transposed": (lambda a, b: a.t() @ b, ((3, 2), (3, 4)), "Matmul"),
    "mm": (lambda a, b: ember.mm(a, b.t()), ((2, 3), (4, 3)), "Mm"),
    "bmm": (lambda a, b: ember.bmm(a, b), ((2, 3, 4), (2, 4, 1)), "Bmm"),
    "mv": (lambda a, b: ember.mv(a, b), ((2, 3), (3,)), "Mv"),
    "dot": (lambda a, b: ember.dot(a, b), ((3,), (3,)), "Dot"),
    # nn's fused linear: 2-D, batched 3-D and 1-D inputs, with and without a bias
    "linear": (lambda x, w, b: ember.nn.functional.linear(x, w, b), ((4, 3), (5, 3), (5,)),
               "Linear"),
    "linear-3d": (lambda x, w, b: ember.nn.functional.linear(x.transpose(0, 1), w, b),
                  ((3, 2, 3), (5, 3), (5,)), "Linear"),
    "linear-no-bias-1d": (lambda x, w: ember.nn.functional.linear(x, w), ((3,), (5, 3)),
                          "Linear"),
    # where, maximum/minimum (ties included), clamp
    "where": (lambda a, b: ember.where(_CONDITION, a, b), ((2, 3), (2, 1)), "Where"),
    "where-broadcast-condition": (lambda a, b: ember.where(_CONDITION.reshape(3, 1), a, b),
                                  ((2, 1, 4), ()), "Where"),
    "where-scalar": (lambda a: ember.where(_MASK, a, 0.0), ((2, 3),), "Where"),
    "maximum": (lambda a, b: ember.maximum(a, b), ((2, 3), (3,)), "Maximum"),
    "minimum": (lambda a, b: ember.minimum(a.t(), b), ((3, 2), (2, 1)), "Minimum"),
    "maximum-ties": (lambda a: ember.maximum(a, a.detach()), ((2, 3),), "Maximum"),
    "minimum-ties": (lambda a, b: ember.minimum(a, a.detach().clamp(max=0) + b * 0),
                     ((2, 3), (3,)), "Minimum"),
    "clamp": (lambda a: a.clamp(-1, 1), ((2, 3),), "Clamp"),
    "clamp-min": (lambda a: a.clamp(min=0.7), ((2, 3),), "Clamp"),
    "clamp-max-transposed": (lambda a: a.t().clamp(max=-0.6), ((2, 3),), "Clamp"),
    "relu": (lambda a: a.relu(), ((2, 3),), "Relu"),
    "relu-transposed": (lambda a: ember.nn.functional.relu(a.transpose(0, 2)),
                        ((2, 3, 4),), "Relu"),
    # gather and indexing: int, slice, None, bool masks, int tensors (with repeats)
    "gather": (lambda a: a.gather(1, _GATHER_INDEX), ((2, 3),), "Gather"),
    "gather-neg-dim": (lambda a: a.gather(-2, _GATHER_INDEX.t()[:, :2] % 2), ((2, 3),),
                       "Gather"),
    "gather-transposed": (lambda a: a.t().gather(0, _GATHER_INDEX.t()[:, :2]), ((2, 3),),
                          "Gather"),
    "index-int": (lambda a: a[1], ((2, 3),), "BasicIndex"),
    "index-slice": (lambda a: a[:, 1:], ((2, 3),), "BasicIndex"),
    "index-step-none": (lambda a: a[None, ::2, ..., -1], ((3, 2, 4),), "BasicIndex"),
    "index-mask": (lambda a: a[_MASK], ((2, 3),), "Index"),
    "index-mask-dim": (lambda a: a[:, _CONDITION], ((2, 3),), "Index"),
    "index-tensor": (lambda a: a[_index([1, 1, 0])], ((2, 3),), "Index"),
    "index-tensor-2d": (lambda a: a[:, _index([[2, 0], [2, 2]])], ((2, 3),), "Index"),
    "index-int-list": (lambda a: a[1, [0, 2, 0]], ((2, 3, 4),), "Index"),
    "index-pairs-transposed": (lambda a: a.t()[[0, 2], [1, 1]], ((2, 3),), "Index"),
    "index-empty": (lambda a: a[_index([])], ((2, 3),), "Index"),
    "max-keepdim": (lambda a: a.max(-1, keepdim=True).values, ((2, 3),), "Index"),
    # casts and copies
    "to-float64": (lambda a: a.double().float(), ((2, 3),), "ToCopy"),
    "to-float16-float32": (lambda a: a.half().float(), ((2, 3),), "ToCopy"),
    "to-complex": (lambda a: a.to(ember.complex64), ((2, 3),), "ToCopy"),
    "clone": (lambda a: a.clone(), ((2, 3),), "Clone"),
    "contiguous": (lambda a: a.t().contiguous(), ((2, 3),), "Clone"),
    # softmax and log_softmax over the first, last and a middle dim
    "softmax-0": (lambda a: a.softmax(0), ((2, 3, 4),), "Softmax"),
    "softmax-last": (lambda a: a.softmax(-1), ((2, 3, 4),), "Softmax"),
    "softmax-middle-transposed": (lambda a: ember.softmax(a.mT, 1), ((2, 3, 4),), "Softmax"),
    "softmax-0d": (lambda a: a.softmax(0), ((),), "Softmax"),
    "log_softmax-0": (lambda a: a.log_softmax(0), ((2, 3, 4),), "LogSoftmax"),
    "log_softmax-last": (lambda a: a.log_softmax(-1), ((2, 3, 4),), "LogSoftmax"),
    "log_softmax-transposed": (lambda a: a.t().log_softmax(-1), ((2, 3),), "LogSoftmax"),
    "cross_entropy": (lambda a: ember.nn.functional.cross_entropy(a, _index([2, 0])),
                      ((2, 3),), "CrossEntropy"),
    "cross_entropy-weighted-ignore": (
        lambda a: ember.nn.functional.cross_entropy(
            a, _index([[2, -100], [0, 1]]), ember.tensor([0.5, 2.0, 1.0], dtype=a.dtype)),
        ((2, 3, 2),), "CrossEntropy"),
    "cross_entropy-sum": (lambda a: ember.nn.functional.cross_entropy(
        a, _index([2, 0]), reduction="sum"), ((2, 3),), "CrossEntropy"),
    "cross_entropy-none": (lambda a: ember.nn.functional.cross_entropy(
        a, _index([1]), reduction="none"), ((1, 3),), "CrossEntropy"),
    "cross_entropy-1d": (lambda a: ember.nn.functional.cross_entropy(a, _index(1)),
                         ((3,),), "CrossEntropy"),
}
# Ops that complex input rejects or that change the dtype of a complex input.
REAL_ONLY = {"maximum", "minimum", "maximum-ties", "minimum-ties", "clamp", "clamp-min",
             "clamp-max-transposed", "relu", "relu-transposed", "max-keepdim", "to-float64",
             "to-float16-float32", "to-complex", "softmax-0", "softmax-last",
             "softmax-middle-transposed", "softmax-0d", "log_softmax-0", "log_softmax-last",
             "log_softmax-transposed", "cross_entropy", "cross_entropy-weighted-ignore",
             "cross_entropy-sum", "cross_entropy-none", "cross_entropy-1d"}
for name, (fn, shapes, twin) in MORE.items():
    CASES[name] = (fn, shapes, twin, name in REAL_ONLY)

# Unary primitives from unary_primitive: input -> the op's argument (within its domain).
UNARY = {"exp": None, "exp2": None, "expm1": None, "log": abs, "log2": abs, "log10": abs,
         "log1p": abs, "sqrt": abs, "rsqrt": abs, "reciprocal": None, "sin": None,
         "cos": None, "tan": lambda a: a / 2, "asin": lambda a: a / 4,
         "acos": lambda a: a / 4, "atan": None, "sinh": None, "cosh": None, "tanh": None,
         "asinh": None, "acosh": lambda a: abs(a) + 1, "atanh": lambda a: a / 4,
         "sigmoid": None, "deg2rad": None, "rad2deg": None}
COMPLEX_UNARY = {"exp", "log", "sqrt", "reciprocal", "sin", "cos", "tanh", "sigmoid"}
for name, prepare in UNARY.items():
    twin = {"deg2rad": "Deg2Rad", "rad2deg": "Rad2Deg"}.get(name, name.capitalize())
    CASES[f"unary-{name}"] = (
        lambda a, name=name, prepare=prepare: getattr(prepare(a) if prepare else a, name)(),
        ((2, 3),), twin, name not in COMPLEX_UNARY)


def _both_paths(fn, shapes, dtype, twin_log):
    rng = np.random.RandomState(0)
    arrays = [_values(rng, shape, dtype) for shape in shapes]
    xs = [ember.tensor(a, dtype=dtype, requires_grad=True) for a in arrays]
    _loss(fn(*xs)).backward()
    consulted = list(twin_log)
    del twin_log[:]
    ys = [ember.tensor(a, dtype=dtype, requires_grad=True) for a in arrays]
    want = ember.autograd.grad(_loss(fn(*ys)), ys)
    assert not twin_log, "autograd.grad must run the tensor-level backward"
    return [x.grad for x in xs], want, consulted


@pytest.mark.parametrize("case, dtype", [
    pytest.param(case, dtype, id=f"{case}-{dtype}") for case in CASES for dtype in DTYPES
    if not (CASES[case][3] and dtype.is_complex)])
def test_paths_agree(case, dtype, twin_log):
    # (bfloat16 add/sub with a float alpha once came out float32: NumPy widens bfloat16
    # by a Python float.)
    fn, shapes, twin, _ = CASES[case]
    got, want, consulted = _both_paths(fn, shapes, dtype, twin_log)
    if twin is not None:
        assert twin in {cls.__name__ for cls, _ in consulted}
    assert any(ran for _, ran in consulted)  # the loss's Sum at least
    for g, w, shape in zip(got, want, shapes):
        assert g is not None and g.dtype == dtype and g.shape == shape
        _assert_same(g, w, dtype)


def test_every_twin_is_exercised(twin_log):
    """Each array_backward in ember (found by walking Primitive) runs in some case above."""
    ran = set()
    for fn, shapes, _, _ in CASES.values():
        ran |= {cls for cls, ok in _both_paths(fn, shapes, ember.float32, twin_log)[2] if ok}
    missing = [t.__qualname__ for t in TWINS if not any(issubclass(c, t) for c in ran)]
    assert not missing, f"add a case to CASES for the array_backward of {missing}"


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div"])
@pytest.mark.parametrize("other", [(ember.float64, ()), (ember.float16, (3,)),
                                   (ember.bfloat16, (2, 3))], ids=str)
def test_mixed_dtypes(op, other, twin_log):
    """Promoted operands: each gradient comes back in its own input's dtype."""
    dtype_b, shape_b = other

    def run(path):
        rng = np.random.RandomState(1)
        a = ember.tensor(_values(rng, (2, 3), ember.float32), dtype=ember.float32,
                         requires_grad=True)
        b = ember.tensor(_values(rng, shape_b, dtype_b), dtype=dtype_b, requires_grad=True)
        loss = _loss(BINARY[op][0](a, b))
        if path == "arrays":
            loss.backward()
            return a.grad, b.grad
        return ember.autograd.grad(loss, (a, b))
    got, want = run("arrays"), run("tensors")
    assert got[0].dtype == ember.float32 and got[1].dtype == dtype_b
    for g, w in zip(got, want):
        _assert_same(g, w, dtype_b)


@pytest.mark.parametrize("case", list(CASES))
def test_twins_leave_grad_and_inputs_alone(case):
    """The seed reaches the last node's twin as is: no twin may write into its gradient
    (it may be shared) or into a saved input."""
    fn, shapes, _, _ = CASES[case]
    rng = np.random.RandomState(0)
    xs = [ember.tensor(_values(rng, shape, ember.float32), requires_grad=True)
          for shape in shapes]
    before = [x.detach().numpy().copy() for x in xs]
    out = fn(*xs)
    seed = ember.tensor(_values(rng, out.shape, out.dtype), dtype=out.dtype)
    kept = seed.numpy().copy()
    out.backward(seed)
    np.testing.assert_array_equal(seed.numpy(), kept)
    for x, b in zip(xs, before):
        np.testing.assert_array_equal(x.detach().numpy(), b)


def _assert_same_inplace_error(build):
    """Both loops raise torch's in-place error, word for word, for build()'s graph."""
    loss, x = build()
    with pytest.raises(RuntimeError, match=INPLACE_MESSAGE) as array_error:
        loss.backward()
    loss, x = build()
    with pytest.raises(RuntimeError, match=INPLACE_MESSAGE) as tensor_error:
        ember.autograd.grad(loss, x)
    assert str(array_error.value) == str(tensor_error.value)


@pytest.mark.parametrize("op", ["exp", "sigmoid", "relu", "softmax", "log_softmax"])
def test_modified_output_raises(op):
    """Twins that read the forward output check its version, as ctx.output() does."""
    def build():
        x = _leaf()
        y = getattr(x, op)(-1) if "softmax" in op else getattr(x, op)()
        with ember.no_grad():
            y.mul_(2)
        return _loss(y), x
    _assert_same_inplace_error(build)


def test_training_step_runs_twins(twin_log):
    """A ReLU MLP with cross-entropy: every node runs its twin."""
    nn = ember.nn
    ember.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 6), nn.ReLU(), nn.Linear(6, 3))
    x = ember.randn(4, 8)
    nn.functional.cross_entropy(model(x), _index([0, 2, 1, 2])).backward()
    names = {cls.__name__ for cls, ran in twin_log if ran}
    assert {"Linear", "CrossEntropy", "Relu"} <= names
    assert all(ran for _, ran in twin_log)


# ---------------------------------------------------------------- 2. engine behaviour

def _leaf(shape=(2, 3), seed=0):
    return ember.tensor(_values(np.random.RandomState(seed), shape, ember.float64),
                        requires_grad=True)


def _weights(shape=(2, 3), seed=99):
    return _values(np.random.RandomState(seed), shape, ember.float64)


def test_leaf_hook_replaces_grad(tensor_loop):
    x, seen = _leaf(), []
    x.register_hook(lambda g: seen.append(g) or g * 2)
    _loss(x * 3).backward()
    assert isinstance(seen[0], ember.Tensor)
    np.testing.assert_array_equal(seen[0].numpy(), 3 * _weights())
    np.testing.assert_array_equal(x.grad.numpy(), 6 * _weights())
    assert not tensor_loop


def test_nonleaf_hook_replaces_grad(tensor_loop):
    x = _leaf()
    h = x * 3
    h.register_hook(lambda g: g + 1)
    _loss(h - 1).backward()
    np.testing.assert_array_equal(x.grad.numpy(), 3 * (_weights() + 1))
    assert not tensor_loop


def test_node_hooks(tensor_loop):
    x, calls = _leaf(), []
    h = x * 3
    h.grad_fn.register_prehook(lambda grads: calls.append("pre") or (grads[0] * 0.5,))
    h.grad_fn.register_hook(
        lambda grad_inputs, grad_outputs: calls.append("post") or (grad_inputs[0] * 10,))
    _loss(h).backward()
    assert calls == ["pre", "post"]
    np.testing.assert_allclose(x.grad.numpy(), 15 * _weights(), rtol=1e-15)
    assert not tensor_loop


def test_retain_grad(tensor_loop):
    x, y = _leaf(seed=0), _leaf(seed=1)
    h = x + y
    k = h * 2
    h.retain_grad()
    k.retain_grad()
    _loss(k).backward()
    np.testing.assert_array_equal(k.grad.numpy(), _weights())
    np.testing.assert_array_equal(h.grad.numpy(), 2 * _weights())
    np.testing.assert_array_equal(x.grad.numpy(), 2 * _weights())
    # Retained grads and leaf grads are separate tensors (torch clones retained grads).
    grads = [h.grad, x.grad, y.grad]
    for i, g in enumerate(grads):
        for other in grads[i + 1:]:
            assert not np.shares_memory(g.numpy(), other.numpy())
    x.grad.add_(1)
    np.testing.assert_array_equal(h.grad.numpy(), 2 * _weights())
    assert not tensor_loop


def test_retained_grad_owns_its_memory():
    """Sum's twin returns a read-only broadcast view for large shapes: a retained grad
    must still be a writable array of its own."""
    x = ember.zeros(5000, requires_grad=True)
    h = x * 2
    h.retain_grad()
    h.sum().backward()
    h.grad.add_(1)
    assert (h.grad.numpy() == 2).all() and (x.grad.numpy() == 2).all()


def test_post_accumulate_grad_hook():
    x, seen = _leaf(), []
    x.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.numpy().copy()))
    _loss(x * 2).backward()
    _loss(x * 2).backward()
    assert len(seen) == 2
    np.testing.assert_array_equal(seen[0], 2 * _weights())
    np.testing.assert_array_equal(seen[1], 4 * _weights())


def test_accumulates_across_backward_calls():
    x = _leaf()
    _loss(x * x).backward()
    first = x.grad
    _loss(x * x).backward()
    assert x.grad is first  # accumulated in place, as torch does
    np.testing.assert_array_equal(x.grad.numpy(), 2 * (2 * x.detach().numpy() * _weights()))


def test_retain_graph():
    x = _leaf()
    loss = _loss(x * x)
    loss.backward(retain_graph=True)
    loss.backward()
    np.testing.assert_array_equal(x.grad.numpy(), 2 * (2 * x.detach().numpy() * _weights()))
    with pytest.raises(RuntimeError, match=FREED_MESSAGE):
        loss.backward()


GRAPHS = {
    "reuse": (lambda x, y: x * x + x, lambda x, y: (2 * x + 1, None)),
    "diamond": (lambda x, y: (lambda h: h * 3 - h / 4)(x * y),
                lambda x, y: (2.75 * y, 2.75 * x)),
    "chain": (lambda x, y: -(x / y).sum(1, keepdim=True).mean(0) * y,
              None),
}


@pytest.mark.parametrize("graph", list(GRAPHS))
def test_graph_topologies(graph, tensor_loop):
    fn, formula = GRAPHS[graph]
    x, y = _leaf(seed=0), _leaf(seed=1)
    _loss(fn(x, y)).backward()
    assert not tensor_loop
    want = ember.autograd.grad(_loss(fn(x, y)), (x, y), allow_unused=True)
    for leaf, w in zip((x, y), want):
        _assert_same(leaf.grad, w)
    if formula is not None:
        for leaf, f in zip((x, y), formula(x.detach().numpy(), y.detach().numpy())):
            if f is not None:
                np.testing.assert_allclose(leaf.grad.numpy(), f * _weights(), rtol=1e-14)


def test_multiple_roots(tensor_loop):
    x = _leaf()
    y1 = x * 2
    y2 = y1 * x  # y2 depends on y1: y1's node runs after both seeds reach it
    g1, g2 = ember.tensor(_weights(seed=1)), ember.tensor(_weights(seed=2))
    ember.autograd.backward([y1, y2], [g1, g2])
    xv, w1, w2 = x.detach().numpy(), g1.numpy(), g2.numpy()
    np.testing.assert_allclose(x.grad.numpy(), 2 * w1 + 4 * xv * w2, rtol=1e-14)
    assert not tensor_loop


def test_explicit_nonscalar_gradient(tensor_loop):
    x = _leaf()
    g = ember.tensor(_weights())
    (x * 3).backward(g)
    np.testing.assert_array_equal(x.grad.numpy(), 3 * _weights())
    assert not tensor_loop


def test_backward_on_leaf_copies_gradient(tensor_loop):
    x = _leaf()
    g = ember.tensor(_weights())
    x.backward(g)
    assert not np.shares_memory(x.grad.numpy(), g.numpy())
    g.mul_(0)
    np.testing.assert_array_equal(x.grad.numpy(), _weights())
    assert not tensor_loop


# The tensor loop's AccumulateGrad once kept the caller's own gradient tensor's memory
# as .grad (detach_for_grad counted references to the array, not to the tensor).
@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("mode", ["inputs", "anomaly"])
def test_backward_on_leaf_copies_gradient_tensor_loop(mode):
    x = _leaf()
    g = ember.tensor(_weights())
    if mode == "inputs":
        x.backward(g, inputs=[x])
    else:
        with ember.autograd.detect_anomaly():
            x.backward(g)
    g.mul_(0)
    np.testing.assert_array_equal(x.grad.numpy(), _weights())


@pytest.mark.filterwarnings("ignore::UserWarning")  # anomaly mode's own warnings
def test_anomaly_mode(tensor_loop):
    def grads():
        x, y = _leaf(seed=0), _leaf(seed=1)
        _loss(x * y / (y + 3) - x.sum(0, keepdim=True)).backward()
        return x.grad, y.grad
    plain = grads()
    assert not tensor_loop
    with ember.autograd.detect_anomaly():
        checked = grads()
    assert tensor_loop  # anomaly mode runs the checking tensor loop
    ember.autograd.set_detect_anomaly(True)
    try:
        switched = grads()
        x = ember.tensor([0.0], requires_grad=True)
        with pytest.raises(RuntimeError, match="returned nan values"):
            (x / x).sum().backward()
    finally:
        ember.autograd.set_detect_anomaly(False)
    for p, c, s in zip(plain, checked, switched):
        _assert_same(c, p)
        _assert_same(s, p)


@pytest.mark.parametrize("modify", ["intermediate", "leaf"])
def test_inplace_on_saved_tensor_raises(modify):
    def build():
        x = _leaf()
        h = x + 1
        out = h * x  # saves h and x
        if modify == "intermediate":
            h.add_(1)
        else:
            with ember.no_grad():
                x.mul_(2)
        return _loss(out), x
    _assert_same_inplace_error(build)


# ---------------------------------------------------------------- 3. random graphs

def _random_graph(seed, leaves, log):
    """5-25 random ops over the leaves (shapes (2,3), (2,1), (1,3)); every result gets a
    hook that logs its label. Returns the loss over all of them."""
    rng = np.random.RandomState(seed)

    def hook(label):
        return lambda g: log.append(label)

    def inplace(a, b):
        c = a.expand(2, 3).clone()
        c.register_hook(hook(f"{len(pool)}-before"))
        method = ("add_", "sub_", "mul_")[rng.randint(3)]
        if rng.randint(2):
            getattr(c, method)(b)
        else:  # through a view: the clone's history becomes CopySlices
            getattr(c[rng.randint(2)], method)(b.expand(2, 3)[0])
        return c

    ops = [
        lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b,
        lambda a, b: a / (b * b + 1), lambda a, b: -a,
        lambda a, b: a.sum(rng.randint(2), keepdim=True),
        lambda a, b: a.mean(rng.randint(2), keepdim=True),
        lambda a, b: a.mean().view(1, 1),
        lambda a, b: a.tanh().exp(), lambda a, b: a.tanh(), lambda a, b: a.relu(),
        lambda a, b: a.reshape(a.shape[::-1]).transpose(0, 1),
        lambda a, b: a.contiguous().view(-1).view(a.shape),
        lambda a, b: a[rng.randint(0, a.shape[0], 2)][:, rng.randint(0, a.shape[1], 3)],
        lambda a, b: ember.cat([a.expand(2, 3), b.expand(2, 3)], 1)[:, ::2],
        lambda a, b: a.clone(),
        inplace,
    ]
    leaves[0].register_hook(hook("leaf"))  # the other leaves take the unhooked path
    pool = list(leaves)
    for _ in range(rng.randint(5, 26)):
        a, b = pool[rng.randint(len(pool))], pool[rng.randint(len(pool))]
        out = ops[rng.randint(len(ops))](a, b)
        out.register_hook(hook(len(pool)))
        pool.append(out)
    loss = 0
    for p in pool[len(leaves):]:
        loss = loss + (p * ember.tensor(_values(rng, p.shape, p.dtype))).sum()
    return loss


@pytest.mark.parametrize("seed", range(30))
def test_random_graphs(seed, tensor_loop):
    shapes = [(2, 3), (2, 1), (1, 3)]
    array_log, tensor_log = [], []
    xs = [_leaf(shape, seed=i) for i, shape in enumerate(shapes)]
    _random_graph(seed, xs, array_log).backward()
    assert not tensor_loop
    ys = [_leaf(shape, seed=i) for i, shape in enumerate(shapes)]
    want = ember.autograd.grad(_random_graph(seed, ys, tensor_log), ys, allow_unused=True)
    assert tensor_loop
    assert array_log == tensor_log and len(array_log) > 5
    for x, w in zip(xs, want):
        _assert_same(x.grad, w)


# ---------------------------------------------------------------- 4. memory

def test_grad_keeps_the_computed_array():
    w = ember.zeros(1_000_000, requires_grad=True)
    loss = (w * 2.0).sum()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        loss.backward()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    size = 4 * 1_000_000
    assert peak < 1.6 * size, f"peak {peak / size:.2f}x one gradient: .grad was copied"
    data = w.grad.numpy()
    assert data.base is None and data.flags.owndata and data.flags.c_contiguous
    assert (data == 2.0).all()


@pytest.mark.parametrize("n", [5, 10_000])
def test_leaves_given_the_same_array_do_not_share(n):
    a = ember.zeros(n, requires_grad=True)
    b = ember.zeros(n, requires_grad=True)
    (a + b).backward(ember.ones(n))  # Add's twin hands the same array to both leaves
    assert not np.shares_memory(a.grad.numpy(), b.grad.numpy())
    a.grad.add_(1)
    assert (b.grad.numpy() == 1).all() and (a.grad.numpy() == 2).all()
    # Through the weighted loss too (Mul's twin makes the array that Add passes on).
    c = ember.zeros(n, requires_grad=True)
    d = ember.zeros(n, requires_grad=True)
    _loss(c + d).backward()
    assert not np.shares_memory(c.grad.numpy(), d.grad.numpy())
    np.testing.assert_array_equal(c.grad.numpy(), d.grad.numpy())
    c.grad.mul_(0)
    assert (d.grad.numpy() != 0).all()


def test_hook_kept_gradient_is_not_aliased():
    """A leaf hook that keeps its grad tensor: .grad must not be that tensor's memory."""
    x, kept = _leaf(), []
    x.register_hook(kept.append)
    _loss(x * 2).backward()
    assert not np.shares_memory(kept[0].numpy(), x.grad.numpy())
