"""Embedding and EmbeddingBag (modules and functional forms) against torch."""
import numpy as np
import pytest

from parity import assert_same, check, check_raises, to_torch, torch
from seq_helpers import compare, load_torch_weights, rand, twin
import ember
import ember.nn as nn
import ember.nn.functional as F


def _indices(shape, high=10, seed=0):
    return ember.tensor(np.random.default_rng(seed).integers(0, high, size=shape))


# ---------------------------------------------------------------- Embedding

@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 2), (), (0,)])
@pytest.mark.parametrize("kwargs", [dict(), dict(padding_idx=2), dict(padding_idx=-1),
                                    dict(scale_grad_by_freq=True),
                                    dict(padding_idx=0, scale_grad_by_freq=True),
                                    dict(sparse=True)])
def test_embedding_module(shape, kwargs):
    e_mod, t_mod = twin("Embedding", 10, 3, **kwargs)
    idx = _indices(shape, seed=1)
    if idx.numel():
        idx = ember.tensor(np.concatenate([[2, 2, 0]] * 4)[:idx.numel()].reshape(shape)) \
            if kwargs else idx
    compare(e_mod, t_mod, [idx])


def test_embedding_grad_fn_int32_and_float32():
    e_mod, t_mod = twin("Embedding", 10, 4, dtype=ember.float32)
    out = compare(e_mod, t_mod, [_indices((6,)).int()], rtol=1e-6, atol=1e-7)
    assert out.grad_fn.name() == "EmbeddingBackward0"


def test_embedding_padding_row_is_zero_and_frozen_pretrained():
    emb = nn.Embedding(10, 3, padding_idx=4)
    assert not emb.weight[4].detach().numpy().any()
    weights = ember.randn(5, 2)
    frozen = nn.Embedding.from_pretrained(weights)
    assert not frozen.weight.requires_grad and frozen.weight.shape == (5, 2)
    assert frozen.weight.data_ptr() == weights.data_ptr()
    trainable = nn.Embedding.from_pretrained(weights, freeze=False, padding_idx=1)
    assert trainable.weight.requires_grad and trainable.padding_idx == 1
    assert repr(trainable) == repr(torch.nn.Embedding.from_pretrained(torch.randn(5, 2),
                                                                      freeze=False,
                                                                      padding_idx=1))


@pytest.mark.parametrize("norm_type", [2.0, 1.0])
def test_embedding_max_norm_renormalises_in_place(norm_type):
    e_mod, t_mod = twin("Embedding", 10, 3, max_norm=1.0, norm_type=norm_type)
    idx = ember.tensor([1, 2, 2, 7])
    compare(e_mod, t_mod, [idx])
    assert_same(e_mod.weight, t_mod.weight)
    norms = np.linalg.norm(e_mod.weight.detach().numpy()[[1, 2, 7]], ord=norm_type, axis=1)
    assert np.all(norms <= 1.0 + 1e-6)
    assert e_mod.weight._version > 0


def test_embedding_double_backward():
    weight = rand(6, 3)
    idx = ember.tensor([[1, 2], [2, 5]])
    assert ember.autograd.gradcheck(lambda w: F.embedding(idx, w) ** 2, (weight,))
    assert ember.autograd.gradgradcheck(lambda w: F.embedding(idx, w, padding_idx=2) ** 2,
                                        (weight,))

    def second_order(m, w):
        # torch's double backward through a frequency-scaled embedding gradient (not a true
        # second derivative, so compared with torch rather than with finite differences).
        g = m.autograd.grad((m.nn.functional.embedding(
            m.tensor([[1, 2], [2, 5]]), w, padding_idx=1, scale_grad_by_freq=True) ** 3).sum(),
            w, create_graph=True)[0]
        return m.autograd.grad((g * g).sum(), w)[0]
    w = rand(6, 3)
    assert_same(second_order(ember, w), second_order(torch, to_torch(w)))


def test_functional_embedding():
    idx = np.array([[0, 3], [3, 1]])
    weight = np.random.default_rng(0).standard_normal((5, 2))
    check(lambda m, i, w: m.nn.functional.embedding(i, w), inputs=[idx, weight])
    # padding_idx rows get no gradient: not a true derivative, so no finite differences.
    check(lambda m, i, w: m.nn.functional.embedding(i, w, padding_idx=3), inputs=[idx, weight],
          gradcheck=False)


@pytest.mark.parametrize("fn,exc,match", [
    (lambda F, w: F.embedding(torch_or_ember_tensor(F, [1.0]), w), RuntimeError,
     r"Expected tensor for argument #1 'indices' to have one of the following scalar types: "
     r"Long, Int; but got .*FloatTensor instead \(while checking arguments for embedding\)"),
    (lambda F, w: F.embedding(torch_or_ember_tensor(F, [10]), w), IndexError,
     "index out of range in self"),
    (lambda F, w: F.embedding(torch_or_ember_tensor(F, [-1]), w), IndexError,
     "index out of range in self"),
    (lambda F, w: F.embedding(torch_or_ember_tensor(F, [1]), w[0]), RuntimeError,
     "'weight' must be 2-D"),
    (lambda F, w: F.embedding(torch_or_ember_tensor(F, [1]), w, padding_idx=10),
     AssertionError, "Padding_idx must be within num_embeddings"),
])
def test_embedding_errors(fn, exc, match):
    check_raises(lambda m, w: fn(m.nn.functional, w), exc, match, inputs=[ember.ones(10, 3)])


def torch_or_ember_tensor(F, values):
    lib = ember if F is ember.nn.functional else torch
    return lib.tensor(values)


def test_embedding_module_errors():
    check_raises(lambda m: m.nn.Embedding(10, 3, padding_idx=-11), AssertionError,
                 "Padding_idx must be within num_embeddings")
    check_raises(lambda m, w: m.nn.Embedding.from_pretrained(w), AssertionError,
                 "Embeddings parameter is expected to be 2-dimensional", inputs=[ember.ones(3)])
    check_raises(lambda m, w: m.nn.Embedding(10, 3, _weight=w), AssertionError,
                 "Shape of weight does not match num_embeddings and embedding_dim",
                 inputs=[ember.ones(4, 3)])


# ---------------------------------------------------------------- EmbeddingBag

OFFSETS_CASES = [([1, 2, 3, 4, 5, 6], [0, 2, 2, 5]), ([1, 2, 3, 4], [0]), ([4, 4, 1], [0, 1])]


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("input,offsets", OFFSETS_CASES)
@pytest.mark.parametrize("kwargs", [dict(), dict(padding_idx=4), dict(include_last_offset=True)])
def test_embedding_bag_offsets(mode, input, offsets, kwargs):
    e_mod, t_mod = twin("EmbeddingBag", 10, 3, mode=mode, **kwargs)
    if kwargs.get("include_last_offset"):
        # torch documents the last offset as the input's length (others are undefined).
        offsets = offsets + [len(input)]
    compare(e_mod, t_mod, [ember.tensor(input), ember.tensor(offsets)])


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_2d_input(mode):
    e_mod, t_mod = twin("EmbeddingBag", 10, 3, mode=mode, padding_idx=0)
    compare(e_mod, t_mod, [ember.tensor([[1, 0, 3], [0, 0, 0], [5, 5, 2]])])


def test_embedding_bag_per_sample_weights_and_freq():
    # NOTE: torch's CPU kernel scales rows sorting after a repeated index by that index's
    # count too (a torch bug); ember scales each row by its own count, as nn.Embedding
    # does. The inputs here repeat only their largest index, where both agree.
    e_mod, t_mod = twin("EmbeddingBag", 10, 3, mode="sum", scale_grad_by_freq=True)
    compare(e_mod, t_mod, [ember.tensor([3, 1, 6, 6, 2]), ember.tensor([0, 3]),
                           rand(5, seed=3)])
    compare(e_mod, t_mod, [ember.tensor([[1, 4], [2, 4]]), None, rand(2, 2, seed=4)])
    bag = nn.EmbeddingBag(10, 1, mode="sum", scale_grad_by_freq=True)
    bag(ember.tensor([3, 3, 3, 4, 7]), ember.tensor([0])).sum().backward()
    np.testing.assert_allclose(bag.weight.grad.numpy()[[3, 4, 7], 0], [1.0, 1.0, 1.0])


def test_embedding_bag_max_norm_float32_and_double_backward():
    e_mod, t_mod = twin("EmbeddingBag", 10, 4, mode="mean", max_norm=0.5, dtype=ember.float32)
    compare(e_mod, t_mod, [ember.tensor([1, 2, 2, 7]), ember.tensor([0, 1])], rtol=1e-5,
            atol=1e-6)
    assert_same(e_mod.weight, t_mod.weight, 1e-6, 1e-7)
    weight = rand(6, 3)
    idx, offsets = ember.tensor([1, 2, 2, 5, 0]), ember.tensor([0, 2, 2])
    for mode in ("sum", "mean", "max"):
        assert ember.autograd.gradgradcheck(
            lambda w: F.embedding_bag(idx, w, offsets, mode=mode) ** 2, (weight,))


def test_embedding_bag_from_pretrained_and_reprs():
    weights = ember.randn(5, 2)
    bag = nn.EmbeddingBag.from_pretrained(weights, mode="sum")
    assert not bag.weight.requires_grad and bag.mode == "sum"
    for build in (lambda nn: nn.EmbeddingBag(10, 3),
                  lambda nn: nn.EmbeddingBag(10, 3, mode="max", padding_idx=0, max_norm=2.0,
                                             include_last_offset=True, norm_type=1.0),
                  lambda nn: nn.Embedding(10, 3, padding_idx=2),
                  lambda nn: nn.Embedding(10, 3, max_norm=1.0, norm_type=1.0,
                                          scale_grad_by_freq=True, sparse=True)):
        e_mod, t_mod = build(nn), build(torch.nn)
        assert repr(e_mod) == repr(t_mod)
        load_torch_weights(t_mod, e_mod)


@pytest.mark.parametrize("fn,exc,match", [
    (lambda nn, i, o: nn.EmbeddingBag(10, 3)(i.reshape(2, 2), o), ValueError,
     "if input is 2D, then offsets has to be None"),
    (lambda nn, i, o: nn.EmbeddingBag(10, 3)(i), ValueError,
     "offsets has to be a 1D Tensor but got None"),
    (lambda nn, i, o: nn.EmbeddingBag(10, 3)(i, o.reshape(1, 2)), ValueError,
     "offsets has to be a 1D Tensor"),
    (lambda nn, i, o: nn.EmbeddingBag(10, 3)(i, o + 1), RuntimeError,
     "offsets\\[0\\] has to be 0, i.e., the first sequence in the mini-batch has to start "
     "from position 0. However, got 1"),
    (lambda nn, i, o: nn.EmbeddingBag(10, 3)(i, o * 5), RuntimeError,
     "offsets\\[-1\\] can not be greater than input's length 4 but got offsets\\[-1\\] of 10"),
    (lambda nn, i, o: nn.EmbeddingBag(10, 3)(i, o, i * 1.0), NotImplementedError,
     "per_sample_weights is only supported for mode='sum' \\(got mode='mean'\\)"),
    (lambda nn, i, o: nn.EmbeddingBag(10, 3, mode="sum")(i, o, (i * 1.0)[:3]), ValueError,
     "If per_sample_weights .* is not None, then it must have the same shape as the input"),
    (lambda nn, i, o: nn.EmbeddingBag(10, 3, mode="foo")(i, o), ValueError,
     "mode has to be one of sum, mean or max"),
    (lambda nn, i, o: nn.EmbeddingBag(10, 3, mode="max", scale_grad_by_freq=True)(i, o),
     ValueError, "max mode does not support scaling the gradient by the frequency"),
    (lambda nn, i, o: nn.EmbeddingBag(10, 3)(i * 1.0, o), RuntimeError,
     "while checking arguments for embedding_bag"),
    (lambda nn, i, o: nn.EmbeddingBag(10, 3, padding_idx=11), AssertionError,
     "padding_idx must be within num_embeddings"),
])
def test_embedding_bag_errors(fn, exc, match):
    check_raises(lambda m, i, o: fn(m.nn, i, o), exc, match,
                 inputs=[ember.tensor([1, 2, 3, 4]), ember.tensor([0, 2])])
