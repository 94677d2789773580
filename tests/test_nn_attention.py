"""scaled_dot_product_attention, MultiheadAttention and the Transformer modules against
torch: outputs, input and parameter gradients, masks of every kind, errors, reprs."""
import math
import warnings

import numpy as np
import pytest

from parity import assert_same, check, check_raises, to_torch, torch
from seq_helpers import compare, rand, twin
import ember
import ember.nn as nn
import ember.nn.functional as F


def _bool_mask(shape, seed=0, keep_first=True):
    mask = np.random.default_rng(seed).random(shape) > 0.4
    if keep_first:
        mask[..., 0] = True
    return mask


# ---------------------------------------------------------------- scaled_dot_product_attention

@pytest.mark.parametrize("shapes", [[(2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7)],
                                    [(4, 5), (6, 5), (6, 3)],
                                    [(2, 1, 4, 5), (3, 6, 5), (3, 6, 2)]])
@pytest.mark.parametrize("scale", [None, 0.3])
def test_sdpa_plain(shapes, scale):
    check(lambda m, q, k, v: m.nn.functional.scaled_dot_product_attention(q, k, v, scale=scale),
          shapes)


@pytest.mark.parametrize("mask_shape", [(4, 6), (2, 1, 4, 6), (2, 3, 4, 6)])
def test_sdpa_masks(mask_shape):
    shapes = [(2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 5)]
    bool_mask = _bool_mask(mask_shape)
    check(lambda m, q, k, v, mask: m.nn.functional.scaled_dot_product_attention(
        q, k, v, attn_mask=mask), inputs=[*(np.random.default_rng(i).uniform(-2, 2, s)
                                            for i, s in enumerate(shapes)), bool_mask])
    # A float mask is additive and receives a gradient.
    check(lambda m, q, k, v, mask: m.nn.functional.scaled_dot_product_attention(
        q, k, v, attn_mask=mask), shapes + [mask_shape])


def test_sdpa_causal_and_fully_masked_rows():
    shapes = [(2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 5)]
    check(lambda m, q, k, v: m.nn.functional.scaled_dot_product_attention(q, k, v,
                                                                          is_causal=True), shapes)
    mask = _bool_mask((4, 6))
    mask[1] = False  # row 1 sees nothing: zeros, and no NaN anywhere in the gradients
    rng = np.random.default_rng(1)
    check(lambda m, q, k, v, mask: m.nn.functional.scaled_dot_product_attention(
        q, k, v, attn_mask=mask), inputs=[rng.uniform(-2, 2, s) for s in shapes] + [mask])
    float_mask = np.where(mask, 0.0, -np.inf)
    check(lambda m, q, k, v, mask: m.nn.functional.scaled_dot_product_attention(
        q, k, v, attn_mask=mask), inputs=[rng.uniform(-2, 2, s) for s in shapes] + [float_mask],
        grad=False)


def test_sdpa_gqa_float32_and_double_backward():
    check(lambda m, q, k, v: m.nn.functional.scaled_dot_product_attention(q, k, v,
                                                                          enable_gqa=True),
          [(2, 4, 3, 5), (2, 2, 6, 5), (2, 2, 6, 5)])
    check(lambda m, q, k, v: m.nn.functional.scaled_dot_product_attention(q, k, v,
                                                                          is_causal=True),
          [(2, 2, 8, 16), (2, 2, 8, 16), (2, 2, 8, 16)], dtype=ember.float32, rtol=1e-5,
          atol=1e-6)
    q, k, v = rand(2, 3, 4, seed=1), rand(2, 5, 4, seed=2), rand(2, 5, 3, seed=3)
    mask = rand(3, 5, seed=4)
    assert ember.autograd.gradgradcheck(
        lambda q, k, v, mask: F.scaled_dot_product_attention(q, k, v, attn_mask=mask),
        (q, k, v, mask))
    assert ember.autograd.gradgradcheck(
        lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True), (q, k, v))


def test_sdpa_dropout_statistics():
    q = ember.zeros(1, 1, 400, 8, dtype=ember.float64)
    v = ember.ones(1, 1, 50, 8, dtype=ember.float64, requires_grad=True)
    out = F.scaled_dot_product_attention(q, q[:, :, :50], v, dropout_p=0.25)
    # uniform attention over 50 keys: each output is the kept fraction / (1 - p)
    assert abs(out.mean().item() - 1.0) < 0.02
    assert out.std().item() > 0.05
    out.sum().backward()
    assert abs(v.grad.mean().item() - 8.0) < 0.3


@pytest.mark.parametrize("fn,exc,match", [
    (lambda F, q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=q[0, 0, :, :1] > 0,
                                                       is_causal=True),
     RuntimeError, "Explicit attn_mask should not be set when is_causal=True"),
    (lambda F, q, k, v: F.scaled_dot_product_attention(q, k[..., :4], v), RuntimeError,
     r"Expected size for first two dimensions of batch2 tensor to be: \[6, 5\] but got: "
     r"\[6, 4\]\."),
    (lambda F, q, k, v: F.scaled_dot_product_attention(q, k, v[:, :, :5]), RuntimeError,
     r"to be: \[6, 6\] but got: \[6, 5\]\."),
    (lambda F, q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=k[0, 0, :3, :1]),
     RuntimeError, r"The size of tensor a \(4\) must match the size of tensor b \(3\)"),
    (lambda F, q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=(k[0, 0] > 0).long()),
     RuntimeError, "Expected attn_mask dtype to be bool or float or to match query dtype"),
    (lambda F, q, k, v: F.scaled_dot_product_attention(q.double(), k, v), RuntimeError,
     "Expected query, key, and value to have the same dtype, but got query.dtype: double "
     "key.dtype: float and value.dtype: float instead."),
])
def test_sdpa_errors(fn, exc, match):
    inputs = [ember.ones(2, 3, 4, 5), ember.ones(2, 3, 6, 5), ember.ones(2, 3, 6, 7)]
    check_raises(lambda m, *a: fn(m.nn.functional, *a), exc, match, inputs=inputs)


# ---------------------------------------------------------------- MultiheadAttention

MHA_CONFIGS = [dict(), dict(batch_first=True), dict(bias=False), dict(add_bias_kv=True),
               dict(add_zero_attn=True), dict(kdim=6, vdim=3),
               dict(add_bias_kv=True, add_zero_attn=True, batch_first=True)]


def _mha_inputs(config, batched=True, self_attention=False):
    batch = (3,) if batched else ()
    lead = (lambda n: batch + (n,)) if config.get("batch_first") and batched else \
        (lambda n: (n,) + batch)
    q = rand(*lead(4), 8, seed=1)
    if self_attention:
        return [q, q, q]
    return [q, rand(*lead(5), config.get("kdim", 8), seed=2),
            rand(*lead(5), config.get("vdim", 8), seed=3)]


@pytest.mark.parametrize("config", MHA_CONFIGS)
@pytest.mark.parametrize("need_weights,average", [(True, True), (True, False), (False, True)])
def test_mha_configs(config, need_weights, average):
    e_mod, t_mod = twin("MultiheadAttention", 8, 2, **config)
    compare(e_mod, t_mod, _mha_inputs(config),
            kwargs=dict(need_weights=need_weights, average_attn_weights=average))


@pytest.mark.parametrize("self_attention", [True, False])
@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("mask_kind", ["bool", "float"])
def test_mha_masks(self_attention, need_weights, mask_kind):
    e_mod, t_mod = twin("MultiheadAttention", 8, 2, batch_first=True)
    inputs = _mha_inputs(dict(batch_first=True), self_attention=self_attention)
    source = inputs[1].shape[1]
    padding = ~_bool_mask((3, source), seed=5)
    attn = ~_bool_mask((4, source), seed=6)
    attn3 = ~_bool_mask((6, 4, source), seed=7)
    if mask_kind == "float":
        padding, attn, attn3 = (np.where(m, -1e9, 0.0) for m in (padding, attn, attn3))
    as_tensor = lambda a: ember.tensor(a)  # noqa: E731
    for kwargs in (dict(key_padding_mask=as_tensor(padding)), dict(attn_mask=as_tensor(attn)),
                   dict(attn_mask=as_tensor(attn3)),
                   dict(attn_mask=as_tensor(attn), key_padding_mask=as_tensor(padding))):
        kwargs["need_weights"] = need_weights
        compare(e_mod, t_mod, inputs, kwargs=kwargs)


def test_mha_causal_unbatched_eval_and_float32():
    e_mod, t_mod = twin("MultiheadAttention", 8, 4, dropout=0.3)
    e_mod.eval()
    t_mod.eval()
    x = rand(5, 8)
    causal = nn.Transformer.generate_square_subsequent_mask(5, dtype=ember.float64)
    compare(e_mod, t_mod, [x, x, x], kwargs=dict(attn_mask=causal, is_causal=True,
                                                 need_weights=False))
    compare(e_mod, t_mod, [x, x, x], kwargs=dict(key_padding_mask=ember.tensor(
        [False, False, True, False, True])))
    e_mod, t_mod = twin("MultiheadAttention", 16, 4, dtype=ember.float32)
    x = rand(6, 2, 16, dtype=ember.float32)
    compare(e_mod, t_mod, [x, x, x], rtol=1e-4, atol=1e-5)


def test_mha_gradcheck_and_double_backward():
    mod = nn.MultiheadAttention(4, 2, add_bias_kv=True).double()
    q, kv = rand(3, 2, 4, seed=1), rand(5, 2, 4, seed=2)
    padding = ember.tensor([[False, False, True, False, True], [False] * 5])
    for need_weights in (False, True):
        def fn(q, kv):
            out, weights = mod(q, kv, kv, key_padding_mask=padding, need_weights=need_weights)
            return out if weights is None else (out, weights)
        assert ember.autograd.gradcheck(fn, (q, kv))
        assert ember.autograd.gradgradcheck(fn, (q, kv))


def test_mha_dropout_in_training():
    mod = nn.MultiheadAttention(8, 2, dropout=0.5)
    x = rand(5, 2, 8, dtype=ember.float32, requires_grad=False)
    a, b = mod(x, x, x)[1], mod(x, x, x)[1]
    assert not np.allclose(a.detach().numpy(), b.detach().numpy())
    mod.eval()
    np.testing.assert_allclose(mod(x, x, x)[1].detach().numpy(),
                               mod(x, x, x)[1].detach().numpy())


def test_mha_parameters_and_repr():
    for kwargs in ({}, dict(kdim=6, vdim=3), dict(bias=False, add_bias_kv=True)):
        e_mod, t_mod = nn.MultiheadAttention(8, 2, **kwargs), \
            torch.nn.MultiheadAttention(8, 2, **kwargs)
        assert repr(e_mod) == repr(t_mod)
        assert [(n, tuple(p.shape)) for n, p in e_mod.named_parameters()] == \
            [(n, tuple(p.shape)) for n, p in t_mod.named_parameters()]
        assert list(e_mod.state_dict()) == list(t_mod.state_dict())
    mod = nn.MultiheadAttention(8, 2)
    assert not mod.in_proj_bias.detach().numpy().any()
    assert not mod.out_proj.bias.detach().numpy().any()
    bound = math.sqrt(6 / (8 + 24))
    assert np.abs(mod.in_proj_weight.detach().numpy()).max() <= bound
    assert isinstance(mod.out_proj, nn.Linear)


@pytest.mark.parametrize("build,call,exc,match", [
    (lambda nn: nn.MultiheadAttention(8, 3), None, AssertionError,
     "embed_dim must be divisible by num_heads"),
    (lambda nn: nn.MultiheadAttention(0, 2), None, ValueError,
     "embed_dim and num_heads must be greater than 0, got embed_dim=0 and num_heads=2"),
    (lambda nn: nn.MultiheadAttention(8, 2),
     lambda m, x: m(x, x, x[:, :, :4]), AssertionError,
     "key shape .* does not match value shape"),
    (lambda nn: nn.MultiheadAttention(8, 2),
     lambda m, x: m(x, x, x, attn_mask=x[0, :, :3] > 0), RuntimeError,
     r"The shape of the 2D attn_mask is .*\[3, 3\]\), but should be \(5, 5\)\."),
    (lambda nn: nn.MultiheadAttention(8, 2),
     lambda m, x: m(x, x, x, key_padding_mask=x[:, :, 0] > 0), AssertionError,
     "Expected key_padded_mask.shape\\[0\\] to be 3, but got 5"),
    (lambda nn: nn.MultiheadAttention(8, 2),
     lambda m, x: m(x, x, x, key_padding_mask=(x[0] > 0).long()), AssertionError,
     "only bool and floating types of key_padding_mask are supported"),
    (lambda nn: nn.MultiheadAttention(8, 2),
     lambda m, x: m(x, x, x, is_causal=True), RuntimeError,
     "Need attn_mask if specifying the is_causal hint"),
    (lambda nn: nn.MultiheadAttention(8, 2), lambda m, x: m(x[0], x, x), AssertionError,
     r"For unbatched \(2-D\) `query`, expected `key` and `value` to be 2-D but found 3-D and "
     "3-D tensors respectively"),
])
def test_mha_errors(build, call, exc, match):
    x = ember.ones(5, 3, 8)
    if call is None:
        check_raises(lambda m: build(m.nn), exc, match)
    else:
        check_raises(lambda m, x: call(build(m.nn), x), exc, match, inputs=[x])


# ---------------------------------------------------------------- transformer modules

LAYER_CONFIGS = [dict(), dict(batch_first=True, norm_first=True), dict(activation="gelu"),
                 dict(bias=False, layer_norm_eps=1e-3)]


@pytest.mark.parametrize("config", LAYER_CONFIGS)
def test_encoder_layer(config):
    e_mod, t_mod = twin("TransformerEncoderLayer", 8, 2, dim_feedforward=16, dropout=0.0,
                        **config)
    batch_first = config.get("batch_first", False)
    x = rand(3, 5, 8) if batch_first else rand(5, 3, 8)
    padding = ember.tensor(~_bool_mask((3, 5), seed=2))
    causal = nn.Transformer.generate_square_subsequent_mask(5, dtype=ember.float64)
    compare(e_mod, t_mod, [x])
    compare(e_mod, t_mod, [x], kwargs=dict(src_key_padding_mask=padding))
    compare(e_mod, t_mod, [x], kwargs=dict(src_mask=causal, is_causal=True))


@pytest.mark.parametrize("config", LAYER_CONFIGS)
def test_decoder_layer(config):
    e_mod, t_mod = twin("TransformerDecoderLayer", 8, 2, dim_feedforward=16, dropout=0.0,
                        **config)
    batch_first = config.get("batch_first", False)
    tgt = rand(3, 4, 8, seed=1) if batch_first else rand(4, 3, 8, seed=1)
    memory = rand(3, 6, 8, seed=2) if batch_first else rand(6, 3, 8, seed=2)
    causal = nn.Transformer.generate_square_subsequent_mask(4, dtype=ember.float64)
    compare(e_mod, t_mod, [tgt, memory], kwargs=dict(
        tgt_mask=causal, tgt_key_padding_mask=ember.tensor(~_bool_mask((3, 4), seed=3)),
        memory_key_padding_mask=ember.tensor(~_bool_mask((3, 6), seed=4))))


def test_encoder_and_decoder_stacks():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True)
        e_mod = nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(8)).double()
        t_mod = torch.nn.TransformerEncoder(
            torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True), 2,
            norm=torch.nn.LayerNorm(8)).double()
    from seq_helpers import load_torch_weights
    load_torch_weights(t_mod, e_mod)
    x = rand(3, 5, 8)
    padding = ember.tensor(~_bool_mask((3, 5), seed=2))
    compare(e_mod, t_mod, [x], kwargs=dict(src_key_padding_mask=padding))
    causal = nn.Transformer.generate_square_subsequent_mask(5, dtype=ember.float64)
    compare(e_mod, t_mod, [x], kwargs=dict(mask=causal))
    assert repr(e_mod) == repr(t_mod)


@pytest.mark.parametrize("padding", [[[False, False, True, True], [False] * 4],
                                     [[False, True, False, True], [False] * 4]])
def test_encoder_inference_zeroes_padding_like_nested_tensors(padding):
    # torch runs inference with a right-padding mask on nested tensors: the padded
    # positions come back as zeros (then through the final norm).
    e_layer = nn.TransformerEncoderLayer(8, 2, 16, batch_first=True)
    t_layer = torch.nn.TransformerEncoderLayer(8, 2, 16, batch_first=True)
    e_mod = nn.TransformerEncoder(e_layer, 2, norm=nn.LayerNorm(8)).eval()
    t_mod = torch.nn.TransformerEncoder(t_layer, 2, norm=torch.nn.LayerNorm(8)).eval()
    from seq_helpers import load_torch_weights
    load_torch_weights(t_mod, e_mod)
    x = rand(2, 4, 8, dtype=ember.float32, requires_grad=False)
    mask = ember.tensor(padding)
    with torch.no_grad(), ember.no_grad():
        assert_same(e_mod(x, src_key_padding_mask=mask),
                    t_mod(to_torch(x), src_key_padding_mask=to_torch(mask)), 1e-4, 1e-5)
    assert_same(e_mod(x, src_key_padding_mask=mask),
                t_mod(to_torch(x), src_key_padding_mask=to_torch(mask)), 1e-4, 1e-5)


@pytest.mark.parametrize("config", [dict(), dict(batch_first=True, norm_first=True,
                                                 activation="gelu")])
def test_transformer(config):
    e_mod, t_mod = twin("Transformer", 8, 2, 2, 1, 16, dropout=0.0, **config)
    batch_first = config.get("batch_first", False)
    src = rand(3, 5, 8, seed=1) if batch_first else rand(5, 3, 8, seed=1)
    tgt = rand(3, 4, 8, seed=2) if batch_first else rand(4, 3, 8, seed=2)
    tgt_mask = nn.Transformer.generate_square_subsequent_mask(4, dtype=ember.float64)
    compare(e_mod, t_mod, [src, tgt], kwargs=dict(
        tgt_mask=tgt_mask, src_key_padding_mask=ember.tensor(~_bool_mask((3, 5), seed=3)),
        memory_key_padding_mask=ember.tensor(~_bool_mask((3, 5), seed=3))))
    assert repr(e_mod) == repr(t_mod)


def test_transformer_initialisation_and_mask():
    mod = nn.Transformer(16, 2, 1, 1, 32)
    weight = mod.encoder.layers[0].linear1.weight.detach().numpy()
    assert np.abs(weight).max() <= math.sqrt(6 / (16 + 32))
    for dtype in (None, ember.float64):
        assert_same(nn.Transformer.generate_square_subsequent_mask(4, dtype=dtype),
                    torch.nn.Transformer.generate_square_subsequent_mask(
                        4, dtype=None if dtype is None else torch.float64))


def test_transformer_errors_and_warnings():
    check_raises(lambda m: m.nn.TransformerEncoderLayer(8, 2, activation="tanh"), RuntimeError,
                 "activation should be relu/gelu, not tanh")
    mod = nn.Transformer(8, 2, 1, 1, 16)
    check_raises(lambda m, s, t: (mod if m is ember else
                                  torch.nn.Transformer(8, 2, 1, 1, 16))(s, t), RuntimeError,
                 "the batch number of src and tgt must be equal",
                 inputs=[ember.ones(5, 3, 8), ember.ones(4, 2, 8)])
    with pytest.warns(UserWarning, match="enable_nested_tensor is True, but "
                                         "self.use_nested_tensor is False because "
                                         "encoder_layer.norm_first was True"):
        nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, batch_first=True,
                                                         norm_first=True), 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, batch_first=True), 1)
        nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2), 1, enable_nested_tensor=False)


def test_custom_activation_module_in_repr():
    e_mod = nn.TransformerEncoderLayer(8, 2, 16, activation=nn.GELU())
    t_mod = torch.nn.TransformerEncoderLayer(8, 2, 16, activation=torch.nn.GELU())
    assert repr(e_mod) == repr(t_mod)
    assert e_mod.activation_relu_or_gelu == t_mod.activation_relu_or_gelu == 2
