"""Tensor.untyped_storage(): the memory shared by a tensor and its views."""
import numpy as np
import pytest

from parity import torch
import ember


@pytest.mark.parametrize("view", [
    lambda x: x[1], lambda x: x.t(), lambda x: x.view(-1), lambda x: x[:, 1:],
    lambda x: x.detach(), lambda x: x.unsqueeze(0).expand(2, 3, 4), lambda x: x[::2],
])
def test_views_share_the_storage(view):
    for m in (torch, ember):
        x = m.arange(12.0).view(3, 4)
        storage, view_storage = x.untyped_storage(), view(x).untyped_storage()
        assert view_storage.data_ptr() == storage.data_ptr() == x.data_ptr()
        assert view_storage.nbytes() == storage.nbytes() == 48


def test_copies_have_their_own_storage():
    x = ember.arange(12.0).view(3, 4)
    for copy in (x.clone(), x.t().contiguous(), x + 0):
        assert copy.untyped_storage().data_ptr() != x.untyped_storage().data_ptr()


@pytest.mark.parametrize("make", [
    lambda m: m.ones(3), lambda m: m.tensor([1, 2], dtype=m.int16), lambda m: m.zeros(0),
    lambda m: m.tensor([True, False, True]), lambda m: m.arange(6, dtype=m.float64).view(2, 3)[1],
    lambda m: m.tensor(2.5),
])
def test_storage_metadata_like_torch(make):
    t, e = make(torch).untyped_storage(), make(ember).untyped_storage()
    assert (e.nbytes(), e.size(), len(e), e.element_size()) == \
        (t.nbytes(), t.size(), len(t), t.element_size())
    assert e.tolist() == t.tolist()
    assert str(e.device) == str(t.device) and e.is_cuda == t.is_cuda
    assert e.get_device() == t.get_device()
    assert repr(e) == repr(t).replace("torch.", "ember.")
    if len(t):
        assert e[0] == t[0] and e[-1] == t[-1]


def test_storage_of_numpy_views():
    array = np.arange(10, dtype=np.float32)
    whole = ember.from_numpy(array)
    part = ember.from_numpy(array[2:5])
    strided = ember.from_numpy(np.lib.stride_tricks.as_strided(array, (3,), (8,)))
    assert part.untyped_storage().data_ptr() == whole.untyped_storage().data_ptr()
    assert strided.untyped_storage().data_ptr() == whole.untyped_storage().data_ptr()
    assert part.untyped_storage().nbytes() == 40


def test_storage_reflects_writes():
    x = ember.zeros(2, dtype=ember.uint8)
    storage = x.untyped_storage()
    x[1] = 7
    assert storage.tolist() == [0, 7]
