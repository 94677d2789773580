"""dtype and device conversion, clone, contiguous, copy_."""
from .. import _dtype as dtypes
from .._device import CPU, as_device, canonical, device as device_cls
from .._tensor import Tensor
from ..autograd.graph import Primitive
from ..backend import backend_for
from ._util import apply_inplace, broadcast_shapes, check_inplace_allowed, xp_of


def _astype(array, dtype):
    if dtype.is_complex or array.dtype.kind != "c":
        return array.astype(dtype.numpy)
    # NOTE: complex -> real keeps the real part, as torch does (with its warning).
    return array.real.astype(dtype.numpy)


class ToCopy(Primitive):
    # NOTE: a primitive: a cast or device move must carry gradients back as the
    # input's dtype and device.
    grad_fn_name = "ToCopyBackward0"
    moves_device = True

    @staticmethod
    def forward(ctx, x, dtype, device):
        ctx.src_dtype, ctx.src_device = x._dtype, x._device
        ctx.out_device = device
        array = x._data
        if device is not x._device and device != x._device:
            array = _move(array, x._device, device)
        if dtype is not x._dtype:
            array = _astype(array, dtype)
        elif array is x._data:
            array = array.copy()
        return array

    @staticmethod
    def backward(ctx, grad):
        return to(grad, dtype=ctx.src_dtype if ctx.src_dtype.is_floating_point or
                  ctx.src_dtype.is_complex else None, device=ctx.src_device)

    @staticmethod
    def array_backward(ctx, grad):
        src = ctx.src_device
        if src is not ctx.out_device and src != ctx.out_device:
            return NotImplemented  # a device move: the tensor path moves it back
        dtype = ctx.src_dtype
        if dtype.numpy == grad.dtype or not (dtype.is_floating_point or dtype.is_complex):
            return grad
        return _astype(grad, dtype)


def _move(array, src, dst):
    if src.type == "cpu" and dst.type == "cpu":
        return array
    if dst.type == "cpu":
        return backend_for(src).to_numpy(array)
    be = backend_for(dst)
    with be.xp.cuda.Device(dst.index):
        return be.xp.asarray(array)


def _parse_to_args(args, kwargs):
    """Tensor.to(device), .to(dtype), .to(device, dtype), .to(other) and keywords."""
    dtype = kwargs.pop("dtype", None)
    device = kwargs.pop("device", None)
    for arg in args:
        if isinstance(arg, dtypes.dtype):
            dtype = arg
        elif isinstance(arg, Tensor):
            dtype, device = arg._dtype, arg._device
        elif isinstance(arg, (str, device_cls, int)):
            device = arg
        elif arg is not None:
            raise TypeError(f"to() received an invalid combination of arguments: {arg!r}")
    return dtype, device


def to(self, *args, non_blocking=False, copy=False, memory_format=None, **kwargs):
    dtype, device = _parse_to_args(args, kwargs)
    device = as_device(device)
    if device is not None:
        device = CPU if device.type == "cpu" else canonical(device)
    target_dtype = dtype or self._dtype
    target_device = device or self._device
    if target_dtype is self._dtype and target_device == self._device and not copy:
        return self
    return ToCopy.apply(self, target_dtype, target_device)


def to_dtype(self, dtype):
    return self if dtype is self._dtype else ToCopy.apply(self, dtype, self._device)


def to_device(self, device):
    return to(self, device=device)


def cpu(self, memory_format=None):
    return to(self, device=CPU)


def cuda(self, device=None, non_blocking=False, memory_format=None):
    if device is None:
        device = "cuda"
    elif isinstance(device, int):
        device = device_cls("cuda", device)
    return to(self, device=device)


_LEGACY_TYPES = {
    "torch.FloatTensor": dtypes.float32, "torch.DoubleTensor": dtypes.float64,
    "torch.HalfTensor": dtypes.float16, "torch.BFloat16Tensor": dtypes.bfloat16,
    "torch.LongTensor": dtypes.int64, "torch.IntTensor": dtypes.int32,
    "torch.ShortTensor": dtypes.int16, "torch.CharTensor": dtypes.int8,
    "torch.ByteTensor": dtypes.uint8, "torch.BoolTensor": dtypes.bool,
    "torch.ComplexFloatTensor": dtypes.complex64, "torch.ComplexDoubleTensor": dtypes.complex128,
}
_TYPE_NAMES = {d: name for name, d in _LEGACY_TYPES.items()}


def type(self, dtype=None, non_blocking=False, **kwargs):
    """With no argument, torch's type string ('torch.FloatTensor'); else a cast."""
    if dtype is None:
        name = _TYPE_NAMES[self._dtype]
        return name.replace("torch.", "torch.cuda.") if self._device.type == "cuda" else name
    if isinstance(dtype, str):
        cuda_type = ".cuda." in dtype
        dtype = _LEGACY_TYPES[dtype.replace("torch.cuda.", "torch.")]
        return to(self, dtype=dtype, device="cuda" if cuda_type else self._device)
    return to(self, dtype=dtype)


def type_as(self, other):
    return to(self, dtype=other._dtype, device=other._device)


def _caster(dtype):
    def method(self, memory_format=None):
        return to_dtype(self, dtype)
    return method


class Clone(Primitive):
    @staticmethod
    def forward(ctx, x):
        return x._data.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad

    @staticmethod
    def array_backward(ctx, grad):
        return grad


def clone(input, *, memory_format=None):
    return Clone.apply(input)


def contiguous(self, memory_format=None):
    if self._data.flags.c_contiguous:
        return self
    return Clone.apply(self)


class Copy(Primitive):
    """copy_'s functional form: src broadcast to self's shape and cast to its dtype."""
    grad_fn_name = "CopyBackward0"

    moves_device = True

    @staticmethod
    def forward(ctx, dst, src):
        ctx.src_dtype, ctx.src_shape, ctx.src_device = src._dtype, src.shape, src._device
        ctx.out_device = dst._device
        xp = xp_of(dst)
        data = _move(src._data, src._device, dst._device)
        return xp.broadcast_to(_astype(data, dst._dtype), dst.shape).copy()

    @staticmethod
    def backward(ctx, grad):
        from ._util import sum_to
        g_src = to(sum_to(grad, ctx.src_shape), dtype=ctx.src_dtype, device=ctx.src_device)
        return grad.new_zeros(grad.shape) if ctx.needs_input_grad[0] else None, g_src


def copy_(self, src, non_blocking=False):
    if not isinstance(src, Tensor):
        from .creation import tensor
        src = tensor(src, dtype=self._dtype, device=self._device)
    broadcast_shapes(src.shape, self.shape)
    if src.shape != self.shape and broadcast_shapes(src.shape, self.shape) != self.shape:
        raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the broadcast "
                           f"shape {list(broadcast_shapes(src.shape, self.shape))}")
    check_inplace_allowed(self)
    return apply_inplace(self, Copy.apply, src)


TENSOR_METHODS = dict(
    to=to, cpu=cpu, cuda=cuda, type=type, type_as=type_as, clone=clone,
    contiguous=contiguous, copy_=copy_,
    float=_caster(dtypes.float32), double=_caster(dtypes.float64),
    half=_caster(dtypes.float16), bfloat16=_caster(dtypes.bfloat16),
    long=_caster(dtypes.int64), int=_caster(dtypes.int32), short=_caster(dtypes.int16),
    char=_caster(dtypes.int8), byte=_caster(dtypes.uint8), bool=_caster(dtypes.bool),
    cfloat=_caster(dtypes.complex64), cdouble=_caster(dtypes.complex128),
)

__all__ = ["clone"]
