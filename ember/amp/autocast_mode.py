"""Autocast: inside an enabled region, ops on torch's lists run in a lower precision
(matmuls, convolutions) or in float32 (losses, reductions that lose accuracy).

The state is one slotted object read once per call. The public function of every op
on the lists (``_policies.py``) starts with::

    if amp_state.active:
        return autocast_call("mm", mm, input, mat2, out=out)

so with autocast off an op pays one attribute read. ``autocast_call`` casts the
arguments by the op's policy, runs the op with autocast suspended (the op is atomic,
as torch's autocast kernels are: ops it calls inside are not cast again), and casts
the result where the policy asks.

NOTE: NumPy has no fast bfloat16 (or float16) matmul or convolution, so on the CPU a
low-precision op rounds its inputs to the autocast dtype, computes in float32 and
rounds the result back, which is what torch's CPU kernels do internally (float32
accumulation); the result's dtype and values match torch's up to summation order.
On CUDA, float16 ops run natively in CuPy; bfloat16 is emulated the same way.

NOTE: like grad mode in ember, the autocast state is per process, not per thread.
"""
import functools
import warnings

from .. import _dtype as dtypes
from .._tensor import Tensor
from . import _policies

__all__ = ["autocast", "custom_fwd", "custom_bwd", "is_autocast_available"]

_DEVICE_TYPES = ("cpu", "cuda")
# torch's dispatcher knows these device types; ember has autocast for cpu and cuda only.
_KNOWN_DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep",
                       "hip", "ve", "fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta",
                       "hpu", "mtia", "privateuseone")


class _AutocastState:
    __slots__ = ("active", "enabled", "dtype", "cache_enabled", "nesting", "suspended",
                 "cache")

    def __init__(self):
        self.active = False          # some device enabled and not suspended: the hot check
        self.enabled = {"cpu": False, "cuda": False}
        self.dtype = {"cpu": dtypes.bfloat16, "cuda": dtypes.float16}
        self.cache_enabled = True
        self.nesting = 0
        self.suspended = 0           # > 0 while an autocast op runs (no nested casting)
        self.cache = {}

    def refresh(self):
        self.active = self.suspended == 0 and (self.enabled["cpu"] or self.enabled["cuda"])


state = _AutocastState()


# ---------------------------------------------------------------- state functions

def _check_device_type(device_type):
    if device_type not in _KNOWN_DEVICE_TYPES:
        raise RuntimeError(f"Expected one of {', '.join(_KNOWN_DEVICE_TYPES)} device type at "
                           f"start of device string: {device_type}")


def is_autocast_available(device_type):
    """Whether ember can autocast on this device type (cpu and cuda)."""
    _check_device_type(device_type)
    return device_type in _DEVICE_TYPES


def is_autocast_enabled(device_type=None):
    """Autocast state of a device type (CUDA's when none is given, as in torch)."""
    device_type = "cuda" if device_type is None else device_type
    _check_device_type(device_type)
    return state.enabled.get(device_type, False)


def set_autocast_enabled(device_type, enabled=None):
    """set_autocast_enabled(device_type, enabled), or the legacy set_autocast_enabled(enabled)
    for CUDA."""
    if enabled is None:
        device_type, enabled = "cuda", device_type
    _check_device_type(device_type)
    if device_type in _DEVICE_TYPES:
        state.enabled[device_type] = bool(enabled)
        state.refresh()


def get_autocast_dtype(device_type):
    _check_device_type(device_type)
    return state.dtype.get(device_type, dtypes.float16)


def set_autocast_dtype(device_type, dtype):
    _check_device_type(device_type)
    if device_type in _DEVICE_TYPES:
        state.dtype[device_type] = dtype


def is_autocast_cache_enabled():
    return state.cache_enabled


def set_autocast_cache_enabled(enabled):
    state.cache_enabled = bool(enabled)


def clear_autocast_cache():
    state.cache.clear()


def autocast_increment_nesting():
    state.nesting += 1
    return state.nesting


def autocast_decrement_nesting():
    state.nesting -= 1
    return state.nesting


def _deprecated(old, new):
    warnings.warn(f"torch.{old} is deprecated. Please use torch.{new} instead.",
                  DeprecationWarning, stacklevel=3)


def is_autocast_cpu_enabled():
    _deprecated("is_autocast_cpu_enabled()", "is_autocast_enabled('cpu')")
    return state.enabled["cpu"]


def set_autocast_cpu_enabled(enabled):
    _deprecated("set_autocast_cpu_enabled(enabled)", "set_autocast_enabled('cpu', enabled)")
    set_autocast_enabled("cpu", enabled)


def get_autocast_cpu_dtype():
    _deprecated("get_autocast_cpu_dtype()", "get_autocast_dtype('cpu')")
    return state.dtype["cpu"]


def set_autocast_cpu_dtype(dtype):
    _deprecated("set_autocast_cpu_dtype(dtype)", "set_autocast_dtype('cpu', dtype)")
    state.dtype["cpu"] = dtype


def get_autocast_gpu_dtype():
    _deprecated("get_autocast_gpu_dtype()", "get_autocast_dtype('cuda')")
    return state.dtype["cuda"]


def set_autocast_gpu_dtype(dtype):
    _deprecated("set_autocast_gpu_dtype(dtype)", "set_autocast_dtype('cuda', dtype)")
    state.dtype["cuda"] = dtype


# ---------------------------------------------------------------- the context manager

class autocast:
    """torch.autocast(device_type, dtype=None, enabled=True, cache_enabled=None): a context
    manager and decorator under which listed ops run in mixed precision."""

    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        self.fast_dtype = get_autocast_dtype(device_type) if dtype is None else dtype
        self.device = device_type
        if not is_autocast_available(device_type):
            raise RuntimeError(f"User specified an unsupported autocast device_type "
                               f"'{device_type}'")
        self._cache_enabled = state.cache_enabled if cache_enabled is None else cache_enabled
        self._enabled = enabled and self._supported()

    def _supported(self):
        if self.device == "cuda":
            from .. import cuda
            if not cuda.is_available():
                warnings.warn("CUDA is not available or torch_xla is imported. Disabling "
                              "autocast.", stacklevel=3)
                return False
            if self.fast_dtype is dtypes.bfloat16 and not _cuda_bf16_supported(cuda):
                raise RuntimeError("Current CUDA Device does not support bfloat16. Please "
                                   "switch dtype to float16.")
            return True
        supported = (dtypes.bfloat16, dtypes.float16)
        if self.fast_dtype not in supported:
            name = self.device.upper()
            warnings.warn(f"In {name} autocast, but the target dtype is not supported. "
                          f"Disabling autocast.\n{name} Autocast only supports dtypes of "
                          "torch.bfloat16, torch.float16 currently.", stacklevel=3)
            return False
        return True

    def __enter__(self):
        self.prev_cache_enabled = state.cache_enabled
        self.prev = state.enabled[self.device]
        self.prev_fastdtype = state.dtype[self.device]
        state.enabled[self.device] = self._enabled
        state.dtype[self.device] = self.fast_dtype
        state.nesting += 1
        state.cache_enabled = self._cache_enabled
        state.refresh()
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        # Casts are cached only while some autocast region is open.
        state.nesting -= 1
        if state.nesting == 0:
            state.cache.clear()
        state.enabled[self.device] = self.prev
        state.dtype[self.device] = self.prev_fastdtype
        state.cache_enabled = self.prev_cache_enabled
        state.refresh()
        return False

    def __call__(self, func):
        if not callable(func):
            raise TypeError(
                f"autocast()(func) requires a callable, but got {type(func).__name__}. Did you "
                "mean to use autocast as a context manager? For example:\n"
                "    with torch.autocast(device_type=...):\n"
                "        output = model(input)")

        @functools.wraps(func)
        def decorate_autocast(*args, **kwargs):
            with autocast(self.device, self.fast_dtype, self._enabled, self._cache_enabled):
                return func(*args, **kwargs)
        return decorate_autocast


def _cuda_bf16_supported(cuda):
    check = getattr(cuda, "is_bf16_supported", None)
    return bool(check()) if check is not None else False


# ---------------------------------------------------------------- the op hook

def autocast_call(op_name, fn, *args, **kwargs):
    """Run ``fn(*args, **kwargs)`` (the op named ``op_name``) under autocast's policy for it.

    Called from an op's public function when ``state.active`` is set. The op runs with
    autocast suspended, so its own calls to other ops are not cast again.
    """
    device_type = _device_type_of(args) or _device_type_of(kwargs.values())
    policy = None
    if device_type is not None and state.enabled.get(device_type) \
            and kwargs.get("out") is None:
        policy = _policies.BY_DEVICE[device_type].get(op_name)
    state.suspended += 1
    state.active = False
    try:
        if policy is None:
            return fn(*args, **kwargs)
        return _RUNNERS[policy](op_name, fn, args, kwargs, device_type)
    finally:
        state.suspended -= 1
        state.refresh()


def _device_type_of(args):
    for a in args:
        if isinstance(a, Tensor):
            return a._device.type
        if isinstance(a, (list, tuple)):
            for b in a:
                if isinstance(b, Tensor):
                    return b._device.type
    return None


def _eligible(t, device_type):
    """torch casts floating tensors of the autocast device, float64 excepted."""
    return isinstance(t, Tensor) and t._dtype.is_floating_point \
        and t._dtype is not dtypes.float64 and t._device.type == device_type


def _map_args(args, kwargs, convert):
    """Apply convert to every tensor argument (also inside lists and tuples)."""
    def one(a):
        if isinstance(a, Tensor):
            return convert(a)
        if isinstance(a, (list, tuple)) and any(isinstance(b, Tensor) for b in a):
            return type(a)(convert(b) if isinstance(b, Tensor) else b for b in a)
        return a
    return tuple(one(a) for a in args), {k: one(v) for k, v in kwargs.items()}


def _cached_cast(t, dtype, emulate):
    """t cast to dtype (then back to float32 when emulating), cached for fp32 weights."""
    cacheable = state.cache_enabled and t._dtype is dtypes.float32 and t._requires_grad \
        and t.grad_fn is None and t._base is None
    key = (id(t), dtype, emulate)
    if cacheable:
        hit = state.cache.get(key)
        if hit is not None and hit[0] is t:
            return hit[1]
    out = t.to(dtype)
    if emulate:
        out = out.to(dtypes.float32)
    if cacheable:
        # NOTE: the entry holds t itself, so no other tensor can take its id while the
        # entry exists. The cache is dropped when the outermost region exits.
        state.cache[key] = (t, out)
    return out


def _run_lower(op_name, fn, args, kwargs, device_type):
    low = state.dtype[device_type]
    emulate = device_type == "cpu" or low is dtypes.bfloat16
    casts = 0

    def convert(t):
        nonlocal casts
        if not _eligible(t, device_type) or (t._dtype is low and not emulate):
            return t
        casts += 1
        return _cached_cast(t, low, emulate)
    args, kwargs = _map_args(args, kwargs, convert)
    out = fn(*args, **kwargs)
    if not (emulate and casts):
        return out
    return _map_outputs(out, lambda t: t.to(low) if t._dtype is dtypes.float32 else t)


def _map_outputs(out, convert):
    if isinstance(out, Tensor):
        return convert(out)
    if isinstance(out, tuple) and any(isinstance(o, Tensor) for o in out):
        values = [convert(o) if isinstance(o, Tensor) else o for o in out]
        return type(out)(*values) if hasattr(out, "_fields") else tuple(values)
    return out


def _cast_all(args, kwargs, dtype, device_type):
    return _map_args(args, kwargs, lambda t: t.to(dtype)
                     if _eligible(t, device_type) and t._dtype is not dtype else t)


def _run_fp32(op_name, fn, args, kwargs, device_type):
    args, kwargs = _cast_all(args, kwargs, dtypes.float32, device_type)
    return fn(*args, **kwargs)


def _run_fp32_opt(op_name, fn, args, kwargs, device_type):
    # The op computes in float32 through its dtype= argument, unless the caller chose one.
    if args and _eligible(args[0], device_type) and kwargs.get("dtype") is None:
        kwargs = dict(kwargs, dtype=dtypes.float32)
    return fn(*args, **kwargs)


def _run_promote(op_name, fn, args, kwargs, device_type):
    low = state.dtype[device_type]
    widest = low
    for t in _tensors_in(args, kwargs):
        if not _eligible(t, device_type):
            continue
        if t._dtype is dtypes.float32:
            widest = dtypes.float32
        elif t._dtype is not low:
            raise RuntimeError("Unexpected floating ScalarType in at::autocast::prioritize")
    args, kwargs = _cast_all(args, kwargs, widest, device_type)
    return fn(*args, **kwargs)


def _tensors_in(args, kwargs):
    for a in list(args) + list(kwargs.values()):
        if isinstance(a, Tensor):
            yield a
        elif isinstance(a, (list, tuple)):
            yield from (b for b in a if isinstance(b, Tensor))


def _run_banned(op_name, fn, args, kwargs, device_type):
    raise RuntimeError(_policies.BANNED_MESSAGES[op_name])


_RUNNERS = {_policies.LOWER: _run_lower, _policies.FP32: _run_fp32,
            _policies.FP32_OPT: _run_fp32_opt, _policies.PROMOTE: _run_promote,
            _policies.BANNED: _run_banned}


# ---------------------------------------------------------------- custom Functions

def _cast(value, device_type, dtype):
    """Cast the eligible tensors of a (nested) value to dtype."""
    if isinstance(value, Tensor):
        return value.to(dtype) if _eligible(value, device_type) else value
    if isinstance(value, (str, bytes)):
        return value
    if isinstance(value, dict):
        return {_cast(k, device_type, dtype): _cast(v, device_type, dtype)
                for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast(v, device_type, dtype) for v in value)
    return value


def custom_fwd(fwd=None, *, device_type, cast_inputs=None):
    """Decorate a custom Function's forward: with cast_inputs, inside an autocast region
    its floating inputs are cast to cast_inputs and it runs with autocast off."""
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)

    @functools.wraps(fwd)
    def decorate_fwd(*args, **kwargs):
        ctx = args[0]
        ctx._dtype = get_autocast_dtype(device_type)
        if cast_inputs is None:
            ctx._fwd_used_autocast = is_autocast_enabled(device_type)
            return fwd(*args, **kwargs)
        ctx._fwd_used_autocast = False
        if not is_autocast_enabled(device_type):
            return fwd(*args, **kwargs)
        with autocast(device_type=device_type, enabled=False):
            return fwd(*_cast(args, device_type, cast_inputs),
                       **_cast(kwargs, device_type, cast_inputs))
    return decorate_fwd


def custom_bwd(bwd=None, *, device_type):
    """Decorate a custom Function's backward: it runs with forward's autocast state."""
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)

    @functools.wraps(bwd)
    def decorate_bwd(*args, **kwargs):
        ctx = args[0]
        with autocast(device_type=device_type, enabled=ctx._fwd_used_autocast,
                      dtype=ctx._dtype):
            return bwd(*args, **kwargs)
    return decorate_bwd
