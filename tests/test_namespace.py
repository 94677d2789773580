"""The rest of the torch namespace: testing.assert_close, backends, threads, switches."""
import pytest

from parity import torch
import ember


@pytest.mark.parametrize("pair", [
    lambda m: (m.tensor([1.0, 2.0, 3.0]), m.tensor([1.0, 2.5, 3.0])),
    lambda m: (m.tensor([1.0, 2.0]), m.tensor([1.0, 2.0], dtype=m.float64)),
    lambda m: (m.tensor([1.0, 2.0, 3.0]), m.tensor([1.0, 2.0])),
    lambda m: (m.tensor([1, 2]), m.tensor([1, 3])),
    lambda m: (m.tensor([[1.0, 2.0], [3.0, 4.0]]), m.tensor([[1.0, 2.0], [3.0, 4.1]])),
])
def test_assert_close_messages_match_torch(pair):
    with pytest.raises(AssertionError) as expected:
        torch.testing.assert_close(*pair(torch))
    with pytest.raises(AssertionError) as got:
        ember.testing.assert_close(*pair(ember))
    assert str(got.value) == str(expected.value).replace("torch.", "ember.")


def test_assert_close_passes_within_tolerance():
    ember.testing.assert_close(ember.tensor([1.0, 2.0]), ember.tensor([1.0, 2.0 + 1e-6]))
    ember.testing.assert_close(ember.tensor([1.0]), ember.tensor([1.1]), rtol=0.2, atol=0)
    ember.testing.assert_close([ember.ones(1), {"a": ember.zeros(2)}],
                               [ember.ones(1), {"a": ember.zeros(2)}])
    with pytest.raises(ValueError, match="Both 'rtol' and 'atol'"):
        ember.testing.assert_close(ember.ones(1), ember.ones(1), rtol=0.1)


def test_threads_and_switches():
    before = ember.get_num_threads()
    ember.set_num_threads(1)
    assert ember.get_num_threads() == 1
    ember.set_num_threads(before)
    assert ember.backends.cudnn.is_available() is ember.cuda.is_available()
    assert ember.backends.mps.is_available() is False
    ember.backends.cudnn.benchmark = True
    ember.backends.cuda.matmul.allow_tf32 = True
    ember.use_deterministic_algorithms(True)
    assert ember.are_deterministic_algorithms_enabled()
    ember.use_deterministic_algorithms(False)
    ember.set_float32_matmul_precision("high")
    assert ember.get_float32_matmul_precision() == "high"
    with pytest.raises(RuntimeError):
        ember.set_float32_matmul_precision("fastest")


def test_compile_runs_eagerly():
    def f(x):
        return x * 2 + 1
    assert ember.compile(f)(ember.ones(2)).tolist() == [3.0, 3.0]
    assert ember.compile(mode="reduce-overhead")(f)(ember.ones(1)).item() == 3.0
