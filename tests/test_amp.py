"""Mixed precision: autocast regions and their op policies, custom_fwd/bwd, GradScaler."""
import pickle
import warnings

import numpy as np
import pytest

from parity import TORCH_DTYPES, assert_same, to_numpy, torch
import ember
from ember.amp import autocast_mode

# bfloat16 keeps 8 bits of mantissa: values agree to about 1%.
BF16_TOL = dict(rtol=2e-2, atol=2e-2)


def _inputs(shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.uniform(-1, 1, size=s).astype(np.float32) for s in shapes]


def _pair(arrays, requires_grad=True, dtypes=None):
    """The same float32 values as ember and torch leaves (cast to dtypes[i] if given)."""
    e, t = [], []
    for i, a in enumerate(arrays):
        if isinstance(a, np.ndarray) and a.dtype.kind == "f":
            et = ember.tensor(a, requires_grad=requires_grad)
            tt = torch.tensor(a, requires_grad=requires_grad)
            if dtypes and dtypes[i] is not None:
                et, tt = et.to(dtypes[i]), tt.to(TORCH_DTYPES[dtypes[i]])
            e.append(et)
            t.append(tt)
        else:
            e.append(ember.tensor(a) if isinstance(a, np.ndarray) else a)
            t.append(torch.tensor(a) if isinstance(a, np.ndarray) else a)
    return e, t


# ---------------------------------------------------------------- the region's state

def test_state_inside_and_outside_regions():
    assert not ember.is_autocast_enabled("cpu")
    assert ember.get_autocast_dtype("cpu") is ember.bfloat16
    assert ember.get_autocast_dtype("cuda") is ember.float16
    with ember.autocast("cpu"):
        assert ember.is_autocast_enabled("cpu") and not ember.is_autocast_enabled()
        with ember.autocast("cpu", dtype=ember.float16):
            assert ember.get_autocast_dtype("cpu") is ember.float16
            with ember.autocast("cpu", enabled=False):
                assert not ember.is_autocast_enabled("cpu")
            assert ember.is_autocast_enabled("cpu")
        assert ember.get_autocast_dtype("cpu") is ember.bfloat16
    assert not ember.is_autocast_enabled("cpu")
    assert not autocast_mode.state.active


def test_state_restored_after_an_exception():
    with pytest.raises(KeyError):
        with ember.autocast("cpu"):
            raise KeyError("x")
    assert not ember.is_autocast_enabled("cpu") and not autocast_mode.state.active


def test_decorator_and_amp_alias():
    @ember.amp.autocast("cpu")
    def inside():
        return ember.is_autocast_enabled("cpu")
    assert inside() and not ember.is_autocast_enabled("cpu")
    with pytest.raises(TypeError, match="requires a callable"):
        ember.autocast("cpu")(3)


@pytest.mark.parametrize("make, exc", [
    (lambda m: m.autocast(m.device("cpu")), ValueError),
    (lambda m: m.autocast("foo"), RuntimeError),
    (lambda m: m.is_autocast_enabled("foo"), RuntimeError),
])
def test_bad_device_types_raise_like_torch(make, exc):
    with pytest.raises(exc):
        make(torch)
    with pytest.raises(exc):
        make(ember)


def test_unsupported_dtype_disables_with_torch_warning():
    with pytest.warns(UserWarning) as expected:
        t = torch.autocast("cpu", dtype=torch.float32)
    with pytest.warns(UserWarning) as got:
        e = ember.autocast("cpu", dtype=ember.float32)
    assert str(got[0].message) == str(expected[0].message)
    assert e._enabled is t._enabled is False


@pytest.mark.skipif(ember.cuda.is_available(), reason="checks the CPU-only behaviour")
def test_cuda_autocast_without_gpu_warns_and_disables():
    with pytest.warns(UserWarning, match="CUDA is not available"):
        region = ember.autocast("cuda")
    with region:
        assert not ember.is_autocast_enabled("cuda")


def test_deprecated_spellings_warn():
    with pytest.warns(FutureWarning, match=r"torch.cpu.amp.autocast\(args...\)"):
        region = ember.cpu.amp.autocast()
    with region:
        assert ember.is_autocast_enabled("cpu")
    with pytest.warns(DeprecationWarning, match="is_autocast_cpu_enabled"):
        assert not ember.is_autocast_cpu_enabled()
    with pytest.warns(FutureWarning, match="torch.cuda.amp.autocast"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            ember.cuda.amp.autocast()


def test_legacy_setters_and_nesting_counters():
    assert ember.autocast_increment_nesting() == 1
    assert ember.autocast_decrement_nesting() == 0
    ember.set_autocast_enabled("cpu", True)
    assert ember.is_autocast_enabled("cpu") and autocast_mode.state.active
    ember.set_autocast_enabled("cpu", False)
    assert not autocast_mode.state.active
    ember.set_autocast_dtype("cpu", ember.float16)
    assert ember.get_autocast_dtype("cpu") is ember.float16
    ember.set_autocast_dtype("cpu", ember.bfloat16)


# ---------------------------------------------------------------- op policies vs torch

def F(m):
    return m.nn.functional


# (name, shapes, fn): fn(m, *tensors) runs in an autocast("cpu") region in both libraries.
CASES = [
    ("matmul", [(3, 4), (4, 5)], lambda m, a, b: m.matmul(a, b)),
    ("matmul_op", [(2, 3, 4), (4, 5)], lambda m, a, b: a @ b),
    ("matmul_1d", [(4,), (4,)], lambda m, a, b: m.matmul(a, b)),
    ("mm", [(3, 4), (4, 5)], lambda m, a, b: m.mm(a, b)),
    ("mm_method", [(3, 4), (4, 5)], lambda m, a, b: a.mm(b)),
    ("bmm", [(2, 3, 4), (2, 4, 5)], lambda m, a, b: m.bmm(a, b)),
    ("addmm", [(3, 5), (3, 4), (4, 5)], lambda m, c, a, b: m.addmm(c, a, b, beta=0.5)),
    ("baddbmm", [(2, 3, 5), (2, 3, 4), (2, 4, 5)], lambda m, c, a, b: m.baddbmm(c, a, b)),
    ("addbmm", [(3, 5), (2, 3, 4), (2, 4, 5)], lambda m, c, a, b: m.addbmm(c, a, b)),
    ("linear", [(3, 4), (5, 4), (5,)], lambda m, x, w, b: F(m).linear(x, w, b)),
    ("linear_3d", [(2, 3, 4), (5, 4)], lambda m, x, w: F(m).linear(x, w)),
    ("einsum", [(3, 4), (4, 5)], lambda m, a, b: m.einsum("ij,jk->ik", a, b)),
    ("tensordot", [(3, 4), (4, 5)], lambda m, a, b: m.tensordot(a, b, dims=1)),
    ("inner", [(3, 4), (2, 4)], lambda m, a, b: m.inner(a, b)),
    ("chain_matmul", [(3, 4), (4, 5), (5, 2)], lambda m, a, b, c: m.linalg.multi_dot([a, b, c])),
    ("vecdot", [(3, 4), (3, 4)], lambda m, a, b: m.linalg.vecdot(a, b)),
    ("prelu", [(2, 3), (1,)], lambda m, x, w: F(m).prelu(x, w)),
    ("conv1d", [(2, 2, 6), (3, 2, 3), (3,)], lambda m, x, w, b: F(m).conv1d(x, w, b)),
    ("conv2d", [(1, 2, 5, 5), (3, 2, 3, 3)], lambda m, x, w: F(m).conv2d(x, w, padding=1)),
    ("conv_transpose2d", [(1, 2, 4, 4), (2, 3, 3, 3)],
     lambda m, x, w: F(m).conv_transpose2d(x, w, stride=2)),
    ("conv2d_module", [(1, 2, 5, 5)], lambda m, x: _conv(m)(x)),
    ("sdpa", [(1, 2, 3, 4), (1, 2, 3, 4), (1, 2, 3, 4)],
     lambda m, q, k, v: F(m).scaled_dot_product_attention(q, k, v)),
    # not on torch's CPU lists: float32 stays float32
    ("mv", [(3, 4), (4,)], lambda m, a, b: m.mv(a, b)),
    ("dot", [(4,), (4,)], lambda m, a, b: m.dot(a, b)),
    ("softmax", [(3, 4)], lambda m, x: F(m).softmax(x, -1)),
    ("exp_sum", [(3, 4)], lambda m, x: x.exp().sum()),
    ("layer_norm", [(3, 4)], lambda m, x: F(m).layer_norm(x, (4,))),
    # float32 list: low-precision inputs come out in float32
    ("mse_loss", [(3, 4), (3, 4)], lambda m, a, b: F(m).mse_loss(a.bfloat16(), b.bfloat16())),
    ("l1_loss", [(3, 4), (3, 4)], lambda m, a, b: F(m).l1_loss(a.bfloat16(), b)),
    ("smooth_l1", [(3, 4), (3, 4)], lambda m, a, b: F(m).smooth_l1_loss(a.bfloat16(), b)),
    ("huber_loss", [(3, 4), (3, 4)], lambda m, a, b: F(m).huber_loss(a.bfloat16(), b)),
    ("bce_logits", [(3, 4), (3, 4)],
     lambda m, a, b: F(m).binary_cross_entropy_with_logits(a.bfloat16(), b.sigmoid())),
    ("bce", [(3, 4), (3, 4)],
     lambda m, a, b: F(m).binary_cross_entropy(a.sigmoid().bfloat16(), b.sigmoid())),
    ("kl_div", [(3, 4), (3, 4)],
     lambda m, a, b: F(m).kl_div(a.bfloat16(), b.softmax(-1), reduction="batchmean")),
    ("cross_entropy", [(3, 4)],
     lambda m, x: F(m).cross_entropy(x.bfloat16(), m.tensor([0, 3, 1]))),
    ("nll_loss", [(3, 4)], lambda m, x: F(m).nll_loss(x.bfloat16(), m.tensor([0, 3, 1]))),
    ("margin_ranking", [(4,), (4,)],
     lambda m, a, b: F(m).margin_ranking_loss(a.bfloat16(), b, m.tensor([1.0, -1, 1, -1]))),
    ("triplet", [(3, 4), (3, 4), (3, 4)],
     lambda m, a, p, n: F(m).triplet_margin_loss(a.bfloat16(), p.bfloat16(), n.bfloat16())),
    ("cosine_embedding", [(3, 4), (3, 4)],
     lambda m, a, b: F(m).cosine_embedding_loss(a.bfloat16(), b, m.tensor([1, -1, 1]))),
    ("poisson_nll", [(3, 4), (3, 4)],
     lambda m, a, b: F(m).poisson_nll_loss(a.bfloat16(), b.abs())),
    ("cdist", [(3, 4), (2, 4)], lambda m, a, b: _cdist(m)(a.bfloat16(), b.bfloat16())),
    ("cosine_similarity", [(3, 4), (3, 4)],
     lambda m, a, b: F(m).cosine_similarity(a.bfloat16(), b.bfloat16())),
    ("linear_then_loss", [(3, 4), (2, 4)],
     lambda m, x, w: F(m).mse_loss(F(m).linear(x, w), m.zeros(3, 2))),
    ("prod", [(3, 4)], lambda m, x: x.bfloat16().prod(1)),
    ("trace", [(3, 3)], lambda m, x: m.trace(x.bfloat16())),
    ("inverse", [(3, 3)], lambda m, x: m.inverse(x.bfloat16() + 3 * m.eye(3))),
    ("quantile", [(5,)], lambda m, x: m.quantile(x.bfloat16(), 0.3)),
    # promote: the widest floating input wins
    ("cat", [(3,), (2,)], lambda m, a, b: m.cat([a.bfloat16(), b])),
    ("stack", [(3,), (3,)], lambda m, a, b: m.stack([a.bfloat16(), b])),
    # ineligible inputs: float64 and integers are left alone
    ("mm_float64", [(3, 4), (4, 5)], lambda m, a, b: m.mm(a.double(), b.double())),
    ("mm_int", [(2, 2), (2, 2)], lambda m, a, b: m.mm(a.long(), b.long())),
    ("mm_float16", [(3, 4), (4, 5)], lambda m, a, b: m.mm(a.half(), b.half())),
]


def _cdist(m):
    # ember.nn.functional holds cdist (torch's is in the torch namespace only).
    return m.cdist if m is torch else F(m).cdist


def _conv(m):
    """A Conv2d with the same weights in both libraries."""
    layer = m.nn.Conv2d(2, 3, 3)
    with m.no_grad():
        layer.weight.copy_(m.tensor(_inputs([(3, 2, 3, 3)], seed=5)[0]))
        layer.bias.fill_(0.1)
    return layer


@pytest.mark.parametrize("name, shapes, fn", CASES, ids=[c[0] for c in CASES])
def test_op_dtypes_values_and_grads_match_torch_autocast(name, shapes, fn):
    (e_in, t_in) = _pair(_inputs(shapes))
    with torch.autocast("cpu"):
        t_out = fn(torch, *t_in)
    with ember.autocast("cpu"):
        e_out = fn(ember, *e_in)
    assert_same(e_out, t_out, **BF16_TOL)
    if not t_out.requires_grad:
        return
    t_grads = torch.autograd.grad(t_out.float().sum(), t_in, allow_unused=True)
    e_grads = ember.autograd.grad(e_out.float().sum(), e_in, allow_unused=True)
    for e, t in zip(e_grads, t_grads):
        assert (e is None) == (t is None)
        if t is not None:
            assert_same(e, t, **BF16_TOL)


def test_float16_region_on_cpu():
    (e_in, t_in) = _pair(_inputs([(3, 4), (4, 5)]))
    with torch.autocast("cpu", dtype=torch.float16):
        t_out = torch.mm(*t_in)
    with ember.autocast("cpu", dtype=ember.float16):
        e_out = ember.mm(*e_in)
    assert_same(e_out, t_out, rtol=2e-3, atol=2e-3)


def test_low_precision_result_is_rounded_float32_compute():
    # The CPU emulation: inputs rounded to bfloat16, float32 accumulation, result rounded.
    a, b = _inputs([(8, 16), (16, 8)], seed=3)
    with ember.autocast("cpu"):
        out = ember.tensor(a) @ ember.tensor(b)
    rounded = [ember.tensor(x).bfloat16().float().numpy() for x in (a, b)]
    expected = ember.tensor(rounded[0] @ rounded[1]).bfloat16()
    assert out.dtype is ember.bfloat16
    assert np.array_equal(to_numpy(out), to_numpy(expected))


def test_out_argument_skips_autocast():
    a, b = _pair(_inputs([(2, 2), (2, 2)]), requires_grad=False)[0]
    out = ember.empty(2, 2)
    with ember.autocast("cpu"):
        ember.mm(a, b, out=out)
    assert out.dtype is ember.float32
    np.testing.assert_allclose(out.numpy(), a.numpy() @ b.numpy(), rtol=1e-6)


def test_weight_casts_are_cached_within_a_region():
    x = ember.randn(3, 4)
    layer = ember.nn.Linear(4, 2)
    with ember.autocast("cpu"):
        layer(x)
        layer(x)
        cached = len(autocast_mode.state.cache)
        with ember.autocast("cpu"):
            layer(x)
        assert len(autocast_mode.state.cache) == cached   # the inner exit keeps it
    assert cached == 2                                    # weight and bias, once each
    assert len(autocast_mode.state.cache) == 0
    with ember.autocast("cpu", cache_enabled=False):
        layer(x)
        assert len(autocast_mode.state.cache) == 0


def test_model_step_matches_torch():
    rng = np.random.default_rng(1)
    w1, w2 = rng.standard_normal((8, 4)).astype(np.float32), \
        rng.standard_normal((3, 8)).astype(np.float32)
    x, target = rng.standard_normal((5, 4)).astype(np.float32), np.array([0, 2, 1, 1, 0])

    def run(m):
        l1, l2 = m.nn.Linear(4, 8), m.nn.Linear(8, 3)
        with m.no_grad():
            l1.weight.copy_(m.tensor(w1))
            l2.weight.copy_(m.tensor(w2))
            l1.bias.zero_()
            l2.bias.zero_()
        with m.autocast("cpu"):
            hidden = F(m).relu(l1(m.tensor(x)))
            logits = l2(hidden)
            loss = F(m).cross_entropy(logits, m.tensor(target))
        loss.backward()
        return hidden, logits, loss, l1.weight.grad, l2.bias.grad
    for e, t in zip(run(ember), run(torch)):
        assert_same(e, t, **BF16_TOL)


# ---------------------------------------------------------------- custom Functions

def _custom_function(m, cast_inputs):
    seen = {}

    class Square(m.autograd.Function):
        @staticmethod
        @m.amp.custom_fwd(device_type="cpu", cast_inputs=cast_inputs)
        def forward(ctx, x):
            seen["fwd"] = (x.dtype, m.is_autocast_enabled("cpu"))
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @m.amp.custom_bwd(device_type="cpu")
        def backward(ctx, grad):
            seen["bwd"] = m.is_autocast_enabled("cpu")
            (x,) = ctx.saved_tensors
            return 2 * x * grad
    return Square, seen


@pytest.mark.parametrize("cast", [None, "float32"])
def test_custom_fwd_bwd_match_torch(cast):
    results = []
    for m in (torch, ember):
        Square, seen = _custom_function(m, None if cast is None else getattr(m, cast))
        x = m.ones(3, requires_grad=True)
        with m.autocast("cpu"):
            y = Square.apply(x.bfloat16())
        y.float().sum().backward()
        fwd_dtype = str(seen["fwd"][0]).split(".")[-1]
        results.append((fwd_dtype, seen["fwd"][1], seen["bwd"], str(y.dtype).split(".")[-1],
                        x.grad.tolist()))
    assert results[0] == results[1]


# ---------------------------------------------------------------- GradScaler

def _scaler_run(m, inf_steps, steps=6, **kwargs):
    """A few SGD steps with a scaler; inf gradients are injected at inf_steps."""
    rng = np.random.default_rng(2)
    w0 = rng.standard_normal((3, 4)).astype(np.float32)
    xs = rng.standard_normal((steps, 5, 4)).astype(np.float32)
    layer = m.nn.Linear(4, 3, bias=False)
    with m.no_grad():
        layer.weight.copy_(m.tensor(w0))
    opt = m.optim.SGD(layer.parameters(), lr=0.1, momentum=0.9)
    scaler = m.amp.GradScaler("cpu", **kwargs)
    trace = []
    for step in range(steps):
        opt.zero_grad()
        loss = layer(m.tensor(xs[step])).pow(2).mean()
        scaler.scale(loss).backward()
        if step in inf_steps:
            layer.weight.grad[0, 0] = float("inf") if step % 2 else float("nan")
        ret = scaler.step(opt)
        scaler.update()
        trace.append((scaler.get_scale(), scaler._get_growth_tracker(), ret,
                      layer.weight.detach().numpy().copy()))
    return trace, scaler


@pytest.mark.parametrize("kwargs", [
    dict(init_scale=2.0 ** 10, growth_interval=2),
    dict(init_scale=3.0, growth_factor=3.0, backoff_factor=0.25, growth_interval=1),
])
def test_grad_scaler_trajectory_matches_torch(kwargs):
    e_trace, _ = _scaler_run(ember, inf_steps={1, 4}, **kwargs)
    t_trace, _ = _scaler_run(torch, inf_steps={1, 4}, **kwargs)
    for (es, eg, er, ew), (ts, tg, tr, tw) in zip(e_trace, t_trace):
        assert (es, eg, er) == (ts, tg, tr)
        np.testing.assert_allclose(ew, tw, rtol=1e-5, atol=1e-6)


def test_grad_scaler_state_dict_and_pickle_match_torch():
    _, e_scaler = _scaler_run(ember, inf_steps={1}, steps=3, growth_interval=5)
    _, t_scaler = _scaler_run(torch, inf_steps={1}, steps=3, growth_interval=5)
    assert e_scaler.state_dict() == t_scaler.state_dict()
    fresh = ember.amp.GradScaler("cpu")
    fresh.load_state_dict(e_scaler.state_dict())
    assert fresh.state_dict() == e_scaler.state_dict()
    restored = pickle.loads(pickle.dumps(e_scaler))
    assert restored.state_dict() == e_scaler.state_dict() and restored._scale is None


def test_grad_scaler_unscale_then_clip():
    grads = []
    for m in (ember, torch):
        layer = m.nn.Linear(2, 1, bias=False)
        with m.no_grad():
            layer.weight.copy_(m.tensor([[3.0, -4.0]]))
        opt = m.optim.SGD(layer.parameters(), lr=1.0)
        scaler = m.amp.GradScaler("cpu", init_scale=8.0)
        scaler.scale(layer(m.ones(1, 2)).sum()).backward()
        assert layer.weight.grad.tolist() == [[8.0, 8.0]]
        scaler.unscale_(opt)
        m.nn.utils.clip_grad_norm_(layer.parameters(), 1.0)
        scaler.step(opt)
        scaler.update()
        grads.append(layer.weight.detach().numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-6)


def test_grad_scaler_scales_nested_outputs():
    scaler = ember.amp.GradScaler("cpu", init_scale=4.0)
    a, b = ember.ones(2), ember.full((), 2.0)
    out = scaler.scale([a, (b, a)])
    assert out[0].tolist() == [4.0, 4.0] and out[1][0].item() == 8.0
    assert isinstance(out[1], tuple)
    with pytest.raises(ValueError, match="must be a Tensor or an iterable"):
        scaler.scale(3.0)


def _one_step(m):
    layer = m.nn.Linear(2, 1)
    opt = m.optim.SGD(layer.parameters(), lr=0.1)
    scaler = m.amp.GradScaler("cpu")
    scaler.scale(layer(m.ones(1, 2)).sum()).backward()
    return scaler, opt


@pytest.mark.parametrize("misuse, exc", [
    (lambda s, o: (s.unscale_(o), s.unscale_(o)), RuntimeError),
    (lambda s, o: (s.step(o), s.unscale_(o)), RuntimeError),
    (lambda s, o: (s.step(o), s.step(o)), RuntimeError),
    (lambda s, o: s.step(o, closure=lambda: 0.0), RuntimeError),
    (lambda s, o: (s.step(o), s.update(new_scale=2)), AttributeError),
    (lambda s, o: (s.step(o), s.update(new_scale=s._scale.new_ones(2))), AssertionError),
])
def test_grad_scaler_misuse_raises_like_torch(misuse, exc):
    with pytest.raises(exc) as expected:
        misuse(*_one_step(torch))
    with pytest.raises(exc) as got:
        misuse(*_one_step(ember))
    assert str(got.value) == str(expected.value)


def test_grad_scaler_errors_before_scale_and_on_fp16_grads():
    for m in (torch, ember):
        with pytest.raises(AssertionError, match="_scale is None"):
            m.amp.GradScaler("cpu").update()
        with pytest.raises(AssertionError, match="growth factor must be > 1.0"):
            m.amp.GradScaler("cpu", growth_factor=1.0)
        p = m.nn.Parameter(m.ones(2, dtype=m.float16))
        opt = m.optim.SGD([p], lr=0.1)
        scaler = m.amp.GradScaler("cpu")
        scaler.scale((p * 1).sum()).backward()
        with pytest.raises(ValueError, match="Attempting to unscale FP16 gradients."):
            scaler.step(opt)


def test_grad_scaler_new_scale_and_accessors():
    scaler, opt = _one_step(ember)
    scaler.step(opt)
    scaler.update(new_scale=128.0)
    assert scaler.get_scale() == 128.0
    scaler.update(new_scale=ember.tensor(32.0))
    assert scaler.get_scale() == 32.0
    scaler.set_growth_factor(4.0)
    scaler.set_backoff_factor(0.125)
    scaler.set_growth_interval(7)
    assert (scaler.get_growth_factor(), scaler.get_backoff_factor(),
            scaler.get_growth_interval()) == (4.0, 0.125, 7)
    assert scaler.is_enabled()


def test_disabled_grad_scaler_is_a_no_op():
    layer = ember.nn.Linear(2, 1)
    opt = ember.optim.SGD(layer.parameters(), lr=0.1)
    scaler = ember.amp.GradScaler("cpu", enabled=False)
    loss = layer(ember.ones(1, 2)).sum()
    assert scaler.scale(loss) is loss
    loss.backward()
    before = layer.weight.detach().clone()
    scaler.unscale_(opt)
    scaler.step(opt)
    scaler.update()
    assert not ember.equal(before, layer.weight.detach())
    assert scaler.get_scale() == 1.0 and scaler.state_dict() == {}
    assert not scaler.is_enabled() and scaler._get_growth_tracker() == 0
    scaler.load_state_dict({})


@pytest.mark.skipif(ember.cuda.is_available(), reason="checks the CPU-only behaviour")
def test_cuda_grad_scaler_without_gpu_disables():
    with pytest.warns(UserWarning, match="CUDA is not available.  Disabling."):
        assert not ember.amp.GradScaler().is_enabled()
    with pytest.warns(FutureWarning, match=r"torch.cuda.amp.GradScaler\(args...\)"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            ember.cuda.amp.GradScaler()
    with pytest.warns(FutureWarning, match=r"torch.cpu.amp.GradScaler\(args...\)"):
        assert ember.cpu.amp.GradScaler().is_enabled()
