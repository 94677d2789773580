"""Random sampling: rand, randn, randint, randperm, normal, bernoulli, multinomial,
poisson, and the in-place initialisers (uniform_, normal_, random_, fill_, zero_, ...).

Standard variates come from a Generator (``ember/_random.py``), drawn on the host and
placed on the tensor's device; scaling, shifting and thresholding run in the device's
``xp``. Half-precision results are computed in float32 and cast once at the end, and
complex ones are drawn as (real, imag) pairs of their real dtype, as torch does.
"""
import math
import operator

from .. import _dtype as dtypes
from .._random import generator_for
from .._tensor import Tensor
from ..autograd.graph import Primitive
from ._util import (apply_inplace, backend_of, broadcast_shapes, check_same_device,
                    type_name, write_out, xp_of)
from .creation import _device_of, parse_size

# Significand bits: a float dtype holds every integer up to 2**digits exactly.
_DIGITS = {dtypes.float16: 11, dtypes.bfloat16: 8, dtypes.float32: 24, dtypes.float64: 53}

# The C++ names torch's messages use for each dtype.
_CTYPE = {
    dtypes.bool: "bool", dtypes.uint8: "unsigned char", dtypes.int8: "signed char",
    dtypes.int16: "short int", dtypes.int32: "int", dtypes.int64: "long int",
    dtypes.float16: "c10::Half", dtypes.bfloat16: "c10::BFloat16", dtypes.float32: "float",
    dtypes.float64: "double", dtypes.complex64: "c10::complex<float>",
    dtypes.complex128: "c10::complex<double>",
}


def _cfmt(x):
    """A number as torch's C++ messages print it (1 not 1.0, 1e-05)."""
    return str(x) if isinstance(x, int) else f"{x:g}"


def _number(value):
    return value.item() if isinstance(value, Tensor) else value


def _check_floating(dtype, kernel, allow_complex=False):
    if not (dtype.is_floating_point or (allow_complex and dtype.is_complex)):
        raise NotImplementedError(f'"{kernel}" not implemented for \'{type_name(dtype)}\'')


def _check_continuous(dtype, name, ctype=False):
    if not dtype.is_floating_point:
        shown = _CTYPE[dtype] if ctype else type_name(dtype)
        raise RuntimeError(f"{name} distribution is a continuous probability distribution. "
                           f"dtype must be a floating point but you specified {shown}")


def _take_from(kwargs, value):
    """torch spells the lower bound ``from``, a Python keyword: accept it via **kwargs."""
    value = kwargs.pop("from", value)
    if kwargs:
        raise TypeError(f"got an unexpected keyword argument '{next(iter(kwargs))}'")
    return value


# ---------------------------------------------------------------- standard draws

def _compute_dtype(dtype):
    """The precision values of ``dtype`` are drawn and transformed in."""
    real = dtype.to_real()
    return real if real is dtypes.float64 else dtypes.float32


def _draw_shape(shape, dtype):
    # Complex values are drawn as trailing (real, imag) pairs.
    return tuple(shape) + (2,) if dtype.is_complex else tuple(shape)


def _unit(gen, shape, dtype, device):
    """U[0, 1) in ``dtype``'s precision, as an array of its compute dtype on device."""
    real = dtype.to_real()
    if real is dtypes.float64:
        return gen._draw(device, lambda rng: rng.random(shape))
    if real is dtypes.float32:
        return gen._draw(device, lambda rng: rng.random(shape, dtype="float32"))
    # NOTE: a float32 draw rounded to a half type can reach 1.0; drawing the half type's
    # own grid k * 2**-digits keeps the range [0, 1).
    digits = _DIGITS[real]
    return gen._draw(device, lambda rng: rng.integers(0, 1 << digits, shape)
                     .astype("float32") * 2.0 ** -digits)


def _standard_normal(gen, shape, dtype, device):
    name = _compute_dtype(dtype).name
    return gen._draw(device, lambda rng: rng.standard_normal(shape, dtype=name))


def _standard_exponential(gen, shape, dtype, device):
    name = _compute_dtype(dtype).name
    return gen._draw(device, lambda rng: rng.standard_exponential(shape, dtype=name))


def _values(array, dtype):
    """Computed values as an array of ``dtype`` (pairs become complex numbers)."""
    if dtype.is_complex:
        array = array[..., 0] + 1j * array[..., 1]
    return array.astype(dtype.numpy, copy=False)


def _integers(gen, shape, dtype, device, low, high):
    """Integers uniform in [low, high] (inclusive), as an array of ``dtype``."""
    array = gen._draw(device, lambda rng: rng.integers(low, high, shape, dtype="int64",
                                                       endpoint=True))
    return array.astype(dtype.numpy, copy=False)


# ---------------------------------------------------------------- autograd nodes

class _Drawn(Primitive):
    """Values drawn at random from distributions parameterised by the tensor inputs."""
    # NOTE: a primitive: random draws have no composite; torch records a node whose
    # gradient is zero for every input (the draws are not reparameterised), as here.

    @staticmethod
    def forward(ctx, *args):
        *inputs, array = args
        ctx.metas = [(t.shape, t._dtype, t._device) for t in inputs]
        return array

    @staticmethod
    def backward(ctx, grad):
        from .creation import zeros
        return tuple(zeros(shape, dtype=dtype, device=device) if needed else None
                     for (shape, dtype, device), needed in zip(ctx.metas, ctx.needs_input_grad))


_NODES = {}


def _node(grad_fn_name):
    """The _Drawn subclass named like torch's node (NormalBackward1, UniformBackward0...)."""
    cls = _NODES.get(grad_fn_name)
    if cls is None:
        cls = type(grad_fn_name.replace("Backward", ""), (_Drawn,),
                   {"grad_fn_name": grad_fn_name})
        _NODES[grad_fn_name] = cls
    return cls


def _from_draw(grad_fn_name, array, *inputs):
    return _node(grad_fn_name).apply(*inputs, array)


def _overwrite(self, grad_fn_name, array, *params):
    """Write drawn values into self in place (self's old values get zero gradient)."""
    node = _node(grad_fn_name)
    return apply_inplace(self, lambda source, *ps: node.apply(source, *ps, array), *params)


# ---------------------------------------------------------------- factories

def _factory(name, args, size, dtype, device, generator, out, default_dtype):
    """Parse a factory's size (varargs or size=) and its dtype, device and generator."""
    if size is not None:
        if args:
            raise TypeError(f"{name}() received an invalid combination of arguments: "
                            "size given both positionally and as a keyword")
        args = (size,)
    if not args:
        raise TypeError(f"{name}() received an invalid combination of arguments - got (), "
                        "but expected (tuple of ints size, ...)")
    shape = parse_size(args)
    if out is not None:
        dtype = dtype or out._dtype
        device = out._device if device is None else device
    device = _device_of(device)
    return shape, dtype or default_dtype, device, generator_for(device, generator)


def _finish(array, device, requires_grad, out):
    result = Tensor._make(array, device)
    if requires_grad:
        result.requires_grad_(True)
    return result if out is None else write_out(out, result)


def rand(*args, size=None, generator=None, out=None, dtype=None, layout=None, device=None,
         requires_grad=False, pin_memory=False):
    shape, dtype, device, gen = _factory("rand", args, size, dtype, device, generator, out,
                                         dtypes.get_default_dtype())
    _check_floating(dtype, "check_uniform_bounds", allow_complex=True)
    array = _values(_unit(gen, _draw_shape(shape, dtype), dtype, device), dtype)
    return _finish(array, device, requires_grad, out)


def randn(*args, size=None, generator=None, out=None, dtype=None, layout=None, device=None,
          requires_grad=False, pin_memory=False):
    shape, dtype, device, gen = _factory("randn", args, size, dtype, device, generator, out,
                                         dtypes.get_default_dtype())
    _check_floating(dtype, "normal_kernel_cpu", allow_complex=True)
    array = _standard_normal(gen, _draw_shape(shape, dtype), dtype, device)
    if dtype.is_complex:
        # A complex standard normal has variance 1: each part gets half.
        array = array * math.sqrt(0.5)
    return _finish(_values(array, dtype), device, requires_grad, out)


def _check_int_range(dtype, low, high):
    """torch's bounds check of a discrete range [low, high) against dtype."""
    if dtype.is_complex:
        raise NotImplementedError(f'"random_kernel_cpu" not implemented for '
                                  f"'{type_name(dtype)}'")
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got "
                           f"from={low} >= to={high}")
    if dtype is dtypes.bool:
        lowest, highest = 0, 1
    elif dtype.is_floating_point:
        info = dtypes.finfo(dtype)
        lowest, highest = info.min, info.max
    else:
        info = dtypes.iinfo(dtype)
        lowest, highest = info.min, info.max
    if not lowest <= low <= highest:
        raise RuntimeError(f"from is out of bounds for {_CTYPE[dtype]}")
    if not lowest <= high - 1 <= highest:
        raise RuntimeError(f"to - 1 is out of bounds for {_CTYPE[dtype]}")


def _as_int(value, name):
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{name}(): argument must be int, not {type(value).__name__}") from None


def randint(low=None, high=None, size=None, *, generator=None, out=None, dtype=None,
            layout=None, device=None, requires_grad=False, pin_memory=False):
    """randint(high, size) or randint(low, high, size): integers uniform in [low, high)."""
    if size is None:
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    if not isinstance(size, (tuple, list)):
        raise TypeError("randint() received an invalid combination of arguments: size must "
                        f"be a tuple of ints, not {type(size).__name__}")
    low = 0 if low is None else _as_int(low, "randint")
    high = _as_int(high, "randint")
    shape, dtype, device, gen = _factory("randint", (size,), None, dtype, device, generator,
                                         out, dtypes.int64)
    _check_int_range(dtype, low, high)
    return _finish(_integers(gen, shape, dtype, device, low, high - 1), device,
                   requires_grad, out)


def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None,
             requires_grad=False, pin_memory=False):
    n = _as_int(n, "randperm")
    _, dtype, device, gen = _factory("randperm", (n,), None, dtype, device, generator, out,
                                     dtypes.int64)
    if dtype is dtypes.bool or dtype.is_complex:
        raise NotImplementedError(f"\"randperm\" not implemented for '{type_name(dtype)}'")
    if dtype.category == dtypes.INTEGRAL and n > dtypes.iinfo(dtype).max + 1:
        raise RuntimeError(f"value cannot be converted to type {dtype.name}_t without overflow")
    array = gen._draw(device, lambda rng: rng.permutation(n))
    return _finish(array.astype(dtype.numpy, copy=False), device, requires_grad, out)


def _like_args(input, dtype, device):
    return dtype or input._dtype, input._device if device is None else device


def rand_like(input, *, generator=None, dtype=None, layout=None, device=None,
              requires_grad=False, memory_format=None):
    dtype, device = _like_args(input, dtype, device)
    return rand(input.shape, generator=generator, dtype=dtype, device=device,
                requires_grad=requires_grad)


def randn_like(input, *, generator=None, dtype=None, layout=None, device=None,
               requires_grad=False, memory_format=None):
    dtype, device = _like_args(input, dtype, device)
    return randn(input.shape, generator=generator, dtype=dtype, device=device,
                 requires_grad=requires_grad)


def randint_like(input, low=0, high=None, *, generator=None, dtype=None, layout=None,
                 device=None, requires_grad=False, memory_format=None):
    if high is None:
        low, high = 0, low
    dtype, device = _like_args(input, dtype, device)
    return randint(low, high, tuple(input.shape), generator=generator, dtype=dtype,
                   device=device, requires_grad=requires_grad)


# ---------------------------------------------------------------- distributions

def _check_std(std):
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_cfmt(std)}")


def normal(mean, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None,
           device=None, requires_grad=False, pin_memory=False):
    """normal(mean, std) with tensor or float mean and std; float/float needs size."""
    mean_t, std_t = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not (mean_t or std_t):
        if size is None:
            raise TypeError("normal() received an invalid combination of arguments: a float "
                            "mean and std need a size")
        _check_std(std)
        shape, dtype, device, gen = _factory("normal", (size,), None, dtype, device,
                                             generator, out, dtypes.get_default_dtype())
        _check_floating(dtype, "normal_kernel_cpu")
        eps = _standard_normal(gen, shape, dtype, device)
        return _finish(_values(eps * std + mean, dtype), device, requires_grad, out)
    check_same_device(mean, std)
    like = mean if mean_t else std
    dtype, device = like._dtype, like._device
    _check_floating(dtype, "normal_kernel_cpu")
    if std_t:
        if bool(xp_of(std).any(std._data < 0)):
            raise RuntimeError("normal expects all elements of std >= 0.0")
    else:
        _check_std(std)
    shape = broadcast_shapes(mean.shape if mean_t else (), std.shape if std_t else ())
    gen = generator_for(device, generator)
    eps = _standard_normal(gen, shape, dtype, device)
    values = eps * (std._data if std_t else std) + (mean._data if mean_t else mean)
    name = "NormalBackward3" if mean_t and std_t else \
        "NormalBackward1" if mean_t else "NormalBackward2"
    params = [t for t in (mean, std) if isinstance(t, Tensor)]
    result = _from_draw(name, _values(values, dtype), *params)
    return result if out is None else write_out(out, result)


def _check_p(p, name="bernoulli_"):
    if not 0 <= p <= 1:
        raise RuntimeError(f"{name} expects p to be in [0, 1], but got p={_cfmt(p)}")


def _check_probabilities(p):
    # NOTE: torch checks on the CPU; on a GPU it is a device-side assert, and checking
    # here would cost a synchronisation per call.
    if p._device.type == "cpu" and bool(((p._data < 0) | (p._data > 1)).any()):
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  "
                           "(Could this error message be improved?  If so, please report "
                           "an enhancement request to PyTorch.)")


def bernoulli(input, p=None, *, generator=None, out=None):
    """Draws 1 with probability p (input's values when p is None), else 0."""
    gen = generator_for(input._device, generator)
    u = _unit(gen, tuple(input.shape), dtypes.float64, input._device)
    if p is None:
        _check_floating(input._dtype, "bernoulli_tensor_cpu_p_")
        _check_probabilities(input)
        result = _from_draw("BernoulliBackward0",
                            (u < input._data).astype(input._dtype.numpy), input)
    else:
        p = _number(p)
        _check_p(p)
        result = Tensor._make((u < p).astype(input._dtype.numpy), input._device)
    return result if out is None else write_out(out, result)


def _check_multinomial(input, num_samples, replacement):
    if not (input._dtype.is_floating_point):
        raise RuntimeError("multinomial only supports floating-point dtypes for input, got: "
                           f"{type_name(input._dtype)}")
    if input.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    if not replacement and num_samples > input.shape[-1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    xp = xp_of(input)
    probs = input._data
    if bool((~xp.isfinite(probs) | (probs < 0)).any()):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if bool((probs.sum(-1) <= 0).any()):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    """Category indices drawn from each row of (unnormalised) probabilities."""
    num_samples = _as_int(num_samples, "multinomial")
    _check_multinomial(input, num_samples, replacement)
    xp, device = xp_of(input), input._device
    gen = generator_for(device, generator)
    probs = input._data.reshape(-1, input.shape[-1]).astype("float64")
    rows = probs.shape[0]
    if replacement:
        # Invert each row's cumulative distribution at uniform points.
        cdf = xp.cumsum(probs, axis=-1)
        points = _unit(gen, (rows, num_samples), dtypes.float64, device) * cdf[:, -1:]
        picks = [xp.searchsorted(cdf[r], points[r], side="right") for r in range(rows)]
        index = xp.minimum(xp.stack(picks), probs.shape[1] - 1) if rows else \
            xp.zeros((0, num_samples), dtype="int64")
    else:
        # NOTE: the k smallest of E_i / p_i (E_i standard exponential) are a draw of k
        # categories without replacement; zero-probability ones come last.
        noise = _standard_exponential(gen, probs.shape, dtypes.float64, device)
        positive = probs > 0
        keys = xp.where(positive, noise / xp.where(positive, probs, 1.0), xp.inf)
        index = xp.argsort(keys, axis=-1)[:, :num_samples]
    index = index.astype("int64").reshape(tuple(input.shape[:-1]) + (num_samples,))
    result = Tensor._make(index, device)
    return result if out is None else write_out(out, result)


def poisson(input, generator=None):
    """Counts drawn from Poisson distributions with input's rates."""
    _check_floating(input._dtype, "poisson_cpu")
    rates = backend_of(input).to_numpy(input._data).astype("float64")
    if bool((rates < 0).any()):
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    gen = generator_for(input._device, generator)
    counts = gen._draw(input._device, lambda rng: rng.poisson(rates))
    return _from_draw("PoissonBackward0", counts.astype(input._dtype.numpy), input)


# ---------------------------------------------------------------- in-place initialisers

def uniform_(self, from_=0.0, to=1.0, *, generator=None, **kwargs):
    low, high = _number(_take_from(kwargs, from_)), _number(to)
    _check_floating(self._dtype, "check_uniform_bounds", allow_complex=True)
    if low > high:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                           f"from={_cfmt(low)} > to={_cfmt(high)}")
    gen = generator_for(self._device, generator)
    u = _unit(gen, _draw_shape(self.shape, self._dtype), self._dtype, self._device)
    return _overwrite(self, "UniformBackward0", _values(u * (high - low) + low, self._dtype))


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    mean, std = _number(mean), _number(std)
    _check_floating(self._dtype, "normal_kernel_cpu", allow_complex=True)
    _check_std(std)
    if self._dtype.is_complex:
        # NOTE: torch fills the (real, imag) view, each part with half the variance.
        std = std / math.sqrt(2.0)
    gen = generator_for(self._device, generator)
    eps = _standard_normal(gen, _draw_shape(self.shape, self._dtype), self._dtype,
                           self._device)
    return _overwrite(self, "NormalBackward0", _values(eps * std + mean, self._dtype))


def random_(self, from_=None, to=..., *, generator=None, **kwargs):
    """random_() fills the dtype's natural range, random_(to) [0, to), random_(from, to)."""
    from_ = _take_from(kwargs, from_)
    if to is ... and from_ is not None:  # random_(to)
        from_, to = 0, from_
    low = 0 if from_ is None else _as_int(_number(from_), "random_")
    if to is ... or to is None:
        high = _natural_max(self._dtype) + 1
    else:
        high = _as_int(_number(to), "random_")
    _check_int_range(self._dtype, low, high)
    gen = generator_for(self._device, generator)
    array = _integers(gen, tuple(self.shape), self._dtype, self._device, low, high - 1)
    return _overwrite(self, "RandomBackward0", array)


def _natural_max(dtype):
    """random_()'s inclusive upper bound: the largest exactly representable integer."""
    if dtype is dtypes.bool:
        return 1
    if dtype.is_floating_point:
        return 1 << _DIGITS[dtype]
    return dtypes.iinfo(dtype).max if not dtype.is_complex else 0


def exponential_(self, lambd=1.0, *, generator=None):
    lambd = _number(lambd)
    _check_continuous(self._dtype, "Exponential")
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={_cfmt(lambd)}")
    gen = generator_for(self._device, generator)
    e = _standard_exponential(gen, tuple(self.shape), self._dtype, self._device)
    return _overwrite(self, "ExponentialBackward0", _values(e / lambd, self._dtype))


def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    median, sigma = _number(median), _number(sigma)
    _check_continuous(self._dtype, "Cauchy", ctype=True)
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={_cfmt(sigma)}")
    gen = generator_for(self._device, generator)
    u = _unit(gen, tuple(self.shape), self._dtype, self._device)
    values = xp_of(self).tan(math.pi * (u - 0.5)) * sigma + median
    return _overwrite(self, "CauchyBackward0", _values(values, self._dtype))


def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    mean, std = _number(mean), _number(std)
    _check_floating(self._dtype, "log_normal_cpu")
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={_cfmt(std)}")
    gen = generator_for(self._device, generator)
    eps = _standard_normal(gen, tuple(self.shape), self._dtype, self._device)
    values = xp_of(self).exp(eps * std + mean)
    return _overwrite(self, "LogNormalBackward0", _values(values, self._dtype))


def geometric_(self, p, *, generator=None):
    """Number of Bernoulli(p) trials up to the first success (values 1, 2, ...)."""
    p = _number(p)
    if self._dtype is dtypes.bool or self._dtype.is_complex:
        raise NotImplementedError(f"\"geometric_cpu\" not implemented for "
                                  f"'{type_name(self._dtype)}'")
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={_cfmt(p)}")
    gen = generator_for(self._device, generator)
    shape = tuple(self.shape)
    counts = gen._draw(self._device, lambda rng: rng.geometric(p, shape))
    return _overwrite(self, "GeometricBackward0", counts.astype(self._dtype.numpy))


def bernoulli_(self, p=0.5, *, generator=None):
    gen = generator_for(self._device, generator)
    if isinstance(p, Tensor):
        _check_floating(p._dtype, "bernoulli_tensor_cpu_p_")
        _check_probabilities(p)
        probs = p.expand(self.shape)
        u = _unit(gen, tuple(self.shape), dtypes.float64, self._device)
        return _overwrite(self, "BernoulliBackward1",
                          (u < probs._data).astype(self._dtype.numpy), p)
    _check_p(p)
    u = _unit(gen, tuple(self.shape), dtypes.float64, self._device)
    return _overwrite(self, "BernoulliBackward2", (u < p).astype(self._dtype.numpy))


class Fill(Primitive):
    """fill_ with a 0-d tensor value: self's old values get zero gradient, the value
    gets the sum of the gradient."""
    # NOTE: a primitive so the node carries torch's name and ignores self's values.
    grad_fn_name = "FillBackward3"

    @staticmethod
    def forward(ctx, x, value):
        ctx.x_dtype, ctx.value_dtype, ctx.value_device = x._dtype, value._dtype, value._device
        return _filled(x, value.item())

    @staticmethod
    def backward(ctx, grad):
        g_x = grad.new_zeros(grad.shape) if ctx.needs_input_grad[0] else None
        g_value = grad.sum().to(dtype=ctx.value_dtype, device=ctx.value_device) \
            if ctx.needs_input_grad[1] else None
        return g_x, g_value


def _filled(x, value):
    # A broadcast view: commit_inplace copies it into x's memory.
    xp = xp_of(x)
    return xp.broadcast_to(xp.asarray(value).astype(x._dtype.numpy), x.shape)


def fill_(self, value):
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError("fill_ only supports 0-dimension value tensor but got tensor "
                               f"with {value.ndim} dimensions.")
        return apply_inplace(self, Fill.apply, value)
    return _overwrite(self, "FillBackward2", _filled(self, value))


def zero_(self):
    return _overwrite(self, "ZeroBackward0", _filled(self, 0))


TENSOR_METHODS = dict(
    uniform_=uniform_, normal_=normal_, random_=random_, exponential_=exponential_,
    cauchy_=cauchy_, log_normal_=log_normal_, geometric_=geometric_, bernoulli_=bernoulli_,
    fill_=fill_, zero_=zero_, bernoulli=bernoulli, multinomial=multinomial,
)

__all__ = ["rand", "randn", "randint", "randperm", "rand_like", "randn_like", "randint_like",
           "normal", "bernoulli", "multinomial", "poisson"]
