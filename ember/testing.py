"""ember.testing.assert_close: torch's tolerance rules and failure messages."""
import numpy as np

from . import _dtype as dtypes
from ._tensor import Tensor

# Default (rtol, atol) per dtype, as torch.testing uses.
_TOLERANCES = {
    dtypes.float16: (1e-3, 1e-5), dtypes.bfloat16: (1.6e-2, 1e-5),
    dtypes.float32: (1.3e-6, 1e-5), dtypes.float64: (1e-7, 1e-7),
    dtypes.complex64: (1.3e-6, 1e-5), dtypes.complex128: (1e-7, 1e-7),
}


def _as_tensor(value):
    if isinstance(value, Tensor):
        return value
    from .ops.creation import as_tensor
    return as_tensor(value)


def _host(t):
    array = t.detach().cpu()._data
    if t.dtype is dtypes.bfloat16:
        array = array.astype(np.float32)
    return array


def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None,
                 equal_nan=False, check_device=True, check_dtype=True, check_layout=True,
                 check_stride=False, msg=None):
    """Raise AssertionError unless actual and expected are close (elementwise)."""
    if isinstance(expected, (list, tuple)) and not isinstance(actual, Tensor):
        if len(actual) != len(expected):
            raise AssertionError(f"The length of the sequences mismatch: {len(actual)} != "
                                 f"{len(expected)}")
        for a, e in zip(actual, expected):
            assert_close(a, e, rtol=rtol, atol=atol, equal_nan=equal_nan,
                         check_device=check_device, check_dtype=check_dtype, msg=msg)
        return
    if isinstance(expected, dict):
        if set(actual) != set(expected):
            raise AssertionError(f"The keys of the mappings do not match: {set(actual)} != "
                                 f"{set(expected)}")
        for key in expected:
            assert_close(actual[key], expected[key], rtol=rtol, atol=atol,
                         equal_nan=equal_nan, check_device=check_device,
                         check_dtype=check_dtype, msg=msg)
        return
    if (rtol is None) != (atol is None):
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got "
                         f"no {'rtol' if rtol is None else 'atol'}.")
    a, e = _as_tensor(actual), _as_tensor(expected)
    for attribute in ("shape", "device", "dtype"):
        if attribute == "device" and not check_device or attribute == "dtype" and \
                not check_dtype:
            continue
        if getattr(a, attribute) != getattr(e, attribute):
            raise AssertionError(msg or f"The values for attribute '{attribute}' do not match: "
                                 f"{getattr(a, attribute)} != {getattr(e, attribute)}.")
    if rtol is None:
        rtol, atol = _TOLERANCES.get(dtypes.promote_types(a.dtype, e.dtype), (0.0, 0.0))
    x, y = _host(a), _host(e)
    if x.dtype.kind == "b":
        x, y = x.astype(np.int64), y.astype(np.int64)
    wide = np.complex128 if x.dtype.kind == "c" or y.dtype.kind == "c" else np.float64
    x, y = x.astype(wide), y.astype(wide)
    with np.errstate(invalid="ignore"):
        close = np.isclose(x, y, rtol=rtol, atol=atol, equal_nan=equal_nan)
        close |= (x == y)
    if close.all():
        return
    if msg is not None:
        raise AssertionError(msg(None) if callable(msg) else msg)
    raise AssertionError(_mismatch_message(x, y, close, rtol, atol, a.dtype))


def _mismatch_message(x, y, close, rtol, atol, dtype):
    exact = rtol == 0 and atol == 0
    total = close.size
    bad = int((~close).sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        abs_diff = np.abs(x - y)
        rel_diff = abs_diff / np.abs(y)
    abs_diff = np.where(close, 0, abs_diff)
    rel_diff = np.where(close, 0, np.nan_to_num(rel_diff, nan=np.inf))
    abs_at = np.unravel_index(int(np.nanargmax(abs_diff)), x.shape) if x.shape else ()
    rel_at = np.unravel_index(int(np.nanargmax(rel_diff)), x.shape) if x.shape else ()
    max_abs = abs_diff[abs_at] if x.shape else abs_diff
    max_rel = rel_diff[rel_at] if x.shape else rel_diff
    if dtype.category <= dtypes.INTEGRAL:
        max_abs = int(max_abs)
    lines = [f"Tensor-likes are not {'equal' if exact else 'close'}!", "",
             f"Mismatched elements: {bad} / {total} ({bad / total:.1%})"]
    where_abs = f" at index {tuple(int(i) for i in abs_at)}" if x.shape else ""
    where_rel = f" at index {tuple(int(i) for i in rel_at)}" if x.shape else ""
    max_rel = float(np.float32(max_rel)) if dtype in (dtypes.float32, dtypes.int64,
                                                      dtypes.int32) else float(max_rel)
    if exact:
        lines.append(f"Greatest absolute difference: {max_abs}{where_abs}")
        lines.append(f"Greatest relative difference: {max_rel}{where_rel}")
    else:
        lines.append(f"Greatest absolute difference: {max_abs}{where_abs} (up to {atol} "
                     "allowed)")
        lines.append(f"Greatest relative difference: {max_rel}{where_rel} (up to {rtol} "
                     "allowed)")
    return "\n".join(lines)


def assert_allclose(actual, expected, rtol=None, atol=None, equal_nan=True, msg=""):
    assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan,
                 check_dtype=False, msg=msg or None)
