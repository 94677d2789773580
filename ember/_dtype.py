"""dtypes and torch's type-promotion rules.

ember dtypes wrap NumPy dtypes (bfloat16 comes from ml_dtypes). Promotion follows
torch, not NumPy: ``int64 + float32`` is float32, ``float16 + bfloat16`` is float32,
and Python scalars or 0-d tensors never widen a tensor of the same category.
"""
import builtins

import ml_dtypes
import numpy

# Categories, ordered: a higher category wins promotion.
BOOL, INTEGRAL, FLOATING, COMPLEX = 0, 1, 2, 3


class dtype:
    __slots__ = ("name", "numpy", "itemsize", "is_floating_point", "is_complex",
                 "is_signed", "category", "_aliases")

    def __init__(self, name, numpy_dtype, category, is_signed):
        self.name = name
        self.numpy = numpy.dtype(numpy_dtype)
        self.itemsize = self.numpy.itemsize
        self.category = category
        self.is_floating_point = category == FLOATING
        self.is_complex = category == COMPLEX
        self.is_signed = is_signed

    def __repr__(self):
        return "ember." + self.name

    def __reduce__(self):
        # dtypes are singletons: unpickle to the same object.
        return (_dtype_by_name, (self.name,))

    def to_real(self):
        return {complex64: float32, complex128: float64}.get(self, self)

    def to_complex(self):
        if self.is_complex:
            return self
        return complex128 if self is float64 else complex64


bool = dtype("bool", numpy.bool_, BOOL, False)
uint8 = dtype("uint8", numpy.uint8, INTEGRAL, False)
int8 = dtype("int8", numpy.int8, INTEGRAL, True)
int16 = dtype("int16", numpy.int16, INTEGRAL, True)
int32 = dtype("int32", numpy.int32, INTEGRAL, True)
int64 = dtype("int64", numpy.int64, INTEGRAL, True)
float16 = dtype("float16", numpy.float16, FLOATING, True)
bfloat16 = dtype("bfloat16", ml_dtypes.bfloat16, FLOATING, True)
float32 = dtype("float32", numpy.float32, FLOATING, True)
float64 = dtype("float64", numpy.float64, FLOATING, True)
complex64 = dtype("complex64", numpy.complex64, COMPLEX, True)
complex128 = dtype("complex128", numpy.complex128, COMPLEX, True)

all_dtypes = (bool, uint8, int8, int16, int32, int64, float16, bfloat16, float32,
              float64, complex64, complex128)

# torch's aliases: ember.float is float32, ember.long is int64, ...
ALIASES = {
    "float": float32, "double": float64, "half": float16, "long": int64,
    "int": int32, "short": int16, "cfloat": complex64, "cdouble": complex128,
}

_BY_NAME = {d.name: d for d in all_dtypes}
_BY_NUMPY = {d.numpy: d for d in all_dtypes}


def _dtype_by_name(name):
    return _BY_NAME[name]


def from_numpy_dtype(np_dtype):
    """The ember dtype of a NumPy dtype; TypeError for ones ember lacks."""
    found = _BY_NUMPY.get(numpy.dtype(np_dtype))
    if found is None:
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{numpy.dtype(np_dtype)}. The only "
            "supported types are: float64, float32, float16, complex64, complex128, "
            "int64, int32, int16, int8, uint8, and bool.")
    return found


# ---------------------------------------------------------------- default dtype

_default_dtype = float32


def get_default_dtype():
    return _default_dtype


def set_default_dtype(d):
    global _default_dtype
    if not isinstance(d, dtype) or not d.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default_dtype = d


def default_complex_dtype():
    return complex128 if _default_dtype is float64 else complex64


# ---------------------------------------------------------------- promotion

_FLOAT_RANK = {float16: 0, bfloat16: 0, float32: 1, float64: 2}


def promote_types(a, b):
    """torch.promote_types: the smallest dtype both can be cast to safely."""
    if a is b:
        return a
    if a.category == BOOL:
        return b
    if b.category == BOOL:
        return a
    if a.category == COMPLEX or b.category == COMPLEX:
        wide = builtins.any(d in (float64, complex128) for d in (a, b))
        return complex128 if wide else complex64
    if a.category == FLOATING and b.category == FLOATING:
        if {a, b} == {float16, bfloat16}:
            return float32
        return a if _FLOAT_RANK[a] > _FLOAT_RANK[b] else b
    if a.category == FLOATING:
        return a
    if b.category == FLOATING:
        return b
    # Both integral.
    if a is uint8 or b is uint8:
        other = b if a is uint8 else a
        return int16 if other is int8 else other
    return a if a.itemsize > b.itemsize else b


def _combine_categories(higher, lower):
    # Mirrors torch's ResultTypeState combination: a lower-priority group (0-d
    # tensors, then Python scalars) only matters if it has a higher category.
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher.is_complex:
        return higher
    if lower.is_complex:
        return higher.to_complex() if higher.is_floating_point else lower
    if higher.is_floating_point:
        return higher
    if higher is bool or lower.is_floating_point:
        return promote_types(higher, lower)
    return higher


def scalar_dtype(value):
    """The dtype torch gives a Python scalar taking part in promotion."""
    if isinstance(value, builtins.bool):
        return bool
    if isinstance(value, builtins.int):
        return int64
    if isinstance(value, builtins.float):
        return _default_dtype
    if isinstance(value, builtins.complex):
        return default_complex_dtype()
    if isinstance(value, numpy.generic):
        # torch takes a NumPy scalar as the Python scalar of its kind.
        return scalar_dtype(value.item())
    raise TypeError(f"unsupported scalar type {type(value).__name__}")


def result_type_of(dim_dtypes, zero_dim_dtypes, scalar_dtypes):
    def fold(dtypes):
        out = None
        for d in dtypes:
            out = d if out is None else promote_types(out, d)
        return out
    return _combine_categories(
        fold(dim_dtypes), _combine_categories(fold(zero_dim_dtypes), fold(scalar_dtypes)))


def can_cast(from_, to):
    """torch.can_cast: casting never lowers the category (float -> int is unsafe)."""
    return from_.category <= to.category


# ---------------------------------------------------------------- finfo / iinfo

class finfo:
    def __init__(self, type=None):
        type = _default_dtype if type is None else type
        if not (type.is_floating_point or type.is_complex):
            raise TypeError(f"finfo is not supported for {type}")
        type = type.to_real()
        info = ml_dtypes.finfo(type.numpy) if type is bfloat16 else numpy.finfo(type.numpy)
        self.bits = type.itemsize * 8
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = float(info.tiny)
        self.smallest_normal = float(info.smallest_normal)
        self.resolution = float(info.resolution)
        self.dtype = type.name

    def __repr__(self):
        return (f"finfo(resolution={self.resolution}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, "
                f"tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    def __init__(self, type):
        if type.category not in (INTEGRAL, BOOL) or type is bool:
            raise TypeError(f"iinfo is not supported for {type}")
        info = numpy.iinfo(type.numpy)
        self.bits = type.itemsize * 8
        self.max = int(info.max)
        self.min = int(info.min)
        self.dtype = type.name

    def __repr__(self):
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"
