"""Tensor printing against torch's exact strings ('torch.' becomes 'ember.')."""
import numpy as np
import pytest

from parity import torch
import ember
from ember import _printing

RNG = np.random.default_rng(0)
NORMAL_2D = RNG.standard_normal((4, 5)).tolist()
NORMAL_3D = RNG.standard_normal((2, 3, 4)).tolist()
WIDE = (RNG.standard_normal(50) * 1000).tolist()
BIG_2D = RNG.standard_normal((40, 40)).tolist()
BIG_3D = RNG.standard_normal((11, 12, 13)).tolist()
WIDE_ROWS = RNG.standard_normal((5, 200)).tolist()
LONG = RNG.standard_normal(1001).tolist()
INTS_4D = RNG.integers(-1000, 1000, (3, 3, 3, 3)).tolist()
COMPLEX_2D = (RNG.standard_normal((3, 3)) + 1j * RNG.standard_normal((3, 3))).tolist()
NAN, INF = float("nan"), float("inf")


@pytest.fixture(autouse=True)
def _reset_options():
    yield
    torch.set_printoptions(profile="default")
    _printing.set_printoptions(profile="default")
    torch.set_default_dtype(torch.float32)
    ember.set_default_dtype(ember.float32)


def assert_same_repr(make):
    expected = repr(make(torch)).replace("torch.", "ember.")
    got = repr(make(ember))
    assert got == expected, f"\nember:\n{got}\ntorch:\n{expected}"


def from_data(data, dtype=None):
    return lambda m: m.tensor(data, dtype=getattr(m, dtype) if dtype else None)


DATA_CASES = [
    ([1.0, 2.0], None), (3.0, None), ([1e-5, 1e5], None), ([1, 2, 3], None), (-7, None),
    ([True, False], None), (True, None), ([[1.5, -2.25], [3.0, 4.0]], None),
    (NORMAL_2D, None), (NORMAL_3D, None), (WIDE, None), (list(range(2000)), None),
    (BIG_2D, None), (BIG_3D, None), (WIDE_ROWS, None), (LONG, None), (INTS_4D, None),
    ([NAN, INF, -INF, 1.0], None), ([NAN], None), (NAN, None), ([INF, -INF], None),
    ([NAN, 0.5, 1e-7], None), ([0.0, 0.0], None), ([0.0, 1e-10], None), ([-0.0, 0.0], None),
    ([1e9, 1.0], None), ([123456789.0, 1.0], None), ([1e8], None), ([1e8 + 1], None),
    ([100000000.5, 1.0], None), ([1e-4, 1.0], None), ([0.5, 1000.0], None),
    ([0.5, 500.25], None), ([1e-3, 2e-3], None), ([12345.678], None), ([1001.0, 1.0], None),
    ([1.0, 2.0], "float64"), ([1, 2], "int32"), ([1.5, 2.5], "float16"),
    ([1.5, 2.5], "bfloat16"), ([1, 2], "uint8"), (3, "int8"), (3.5, "float64"),
    ([-1, 2], "int16"), ([1e300, 1e-300], "float64"), ([65504.0, 1.0], "float16"),
    ([0.1, 0.2, 1e-3], "bfloat16"), ([[1, 2, 3]] * 400, None), ([[True, False]] * 600, None),
    ([1 + 2j, -3.5 - 1j], None), ([1 + 2j, 3 - 4j], "complex128"), ([[1e-5 + 1j, 2 + 3j]], None),
    (1 + 1j, None), ([0j, -0.0 - 0.0j], None), (COMPLEX_2D, None), ([1 + 1j] * 1200, None),
    ([complex(NAN, 1), complex(1, INF)], None), ([2j, 4j], None),
    (np.linspace(-1, 1, 100).tolist(), None), (list(range(100)), None),
    (list(range(-50, 1000, 7)), None), ([[[1.0]]], None), ([[]], None),
]


@pytest.mark.parametrize("data,dtype", DATA_CASES)
def test_repr_matches_torch(data, dtype):
    assert_same_repr(from_data(data, dtype))


@pytest.mark.parametrize("make", [
    lambda m: m.zeros(0), lambda m: m.zeros(0, 3), lambda m: m.zeros(2, 0, 3, dtype=m.int64),
    lambda m: m.zeros(0, dtype=m.float64), lambda m: m.zeros(0, dtype=m.int32),
    lambda m: m.zeros(0, dtype=m.bool), lambda m: m.zeros(0, 2, requires_grad=True),
    lambda m: m.ones(3, requires_grad=True), lambda m: m.ones(3, requires_grad=True) * 2,
    lambda m: m.ones(3, dtype=m.float64, requires_grad=True) + 1,
    lambda m: m.ones(2, 2, requires_grad=True).sum(),
    lambda m: m.tensor(2.0, requires_grad=True) * 3,
    lambda m: m.arange(10.0).reshape(2, 5).t(), lambda m: m.arange(24).view(2, 3, 4)[:, 1],
    lambda m: m.ones(8, dtype=m.float64, requires_grad=True) * 1.2345,
    lambda m: m.ones(9, dtype=m.float16, requires_grad=True) * 123.456,
    lambda m: m.arange(12.0, dtype=m.float64).reshape(3, 4).requires_grad_(),
])
def test_repr_of_special_tensors(make):
    assert_same_repr(make)


@pytest.mark.parametrize("options", [
    dict(precision=2), dict(precision=8), dict(precision=0), dict(threshold=5),
    dict(edgeitems=1), dict(edgeitems=0), dict(linewidth=40), dict(linewidth=200),
    dict(sci_mode=True), dict(sci_mode=False), dict(profile="short"),
    dict(profile="full"), dict(profile="short", precision=5), dict(threshold=10, edgeitems=2),
])
@pytest.mark.parametrize("data,dtype", [
    (NORMAL_2D, None), (list(range(2000)), None), (BIG_3D, None), ([1e-5, 1e5], None),
    ([1.0, 2.0, 3.0], None), ([1.0, 2.0], "float64"), (WIDE, None), (COMPLEX_2D, None),
    ([[True, False]] * 600, None), (2.5, None), ([1e-7, 3.0], None),
])
def test_print_options(options, data, dtype):
    torch.set_printoptions(**options)
    _printing.set_printoptions(**options)
    assert_same_repr(from_data(data, dtype))


def test_printoptions_state():
    from torch._tensor_str import get_printoptions as torch_get
    for options in [dict(precision=2, sci_mode=True), dict(precision=3), dict(profile="short"),
                    dict(profile="full"), dict(profile="default"), dict(linewidth=100)]:
        torch.set_printoptions(**options)
        _printing.set_printoptions(**options)
        assert _printing.get_printoptions() == torch_get()
    assert _printing.get_printoptions()["threshold"] == 1000


def test_default_dtype_changes_the_suffix():
    torch.set_default_dtype(torch.float64)
    ember.set_default_dtype(ember.float64)
    for data in ([1.0, 2.0], [1 + 1j]):
        assert_same_repr(from_data(data))
    assert_same_repr(lambda m: m.tensor([1.0, 2.0], dtype=m.float32))
    assert_same_repr(lambda m: m.zeros(0, dtype=m.float32))


def test_str_is_repr_and_format():
    x = ember.tensor([[1.0, 2.5], [3.0, 4.0]])
    assert str(x) == repr(x)
    assert f"{ember.tensor(2.5):.2f}" == "2.50"


def test_parameter_repr():
    t = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    e = ember.tensor([1.0, 2.0], requires_grad=True)
    assert _printing.parameter_repr(e) == repr(t)


def test_subclass_prefix():
    class Special(torch.Tensor):
        pass

    class Special_(ember.Tensor):
        pass
    Special_.__name__ = "Special"
    base = ember.ones(2)
    special = object.__new__(Special_)
    for name in ember.Tensor.__slots__:
        if name != "__weakref__" and hasattr(base, name):
            setattr(special, name, getattr(base, name))
    assert repr(special) == repr(torch.ones(2).as_subclass(Special)) == "Special([1., 1.])"
