"""Random number generators: ember.Generator, the default generators, seeding and state.

Every generator draws on the host from a NumPy PCG64 bit generator; a draw for a CUDA
tensor is copied to the GPU afterwards. One code path means one seed gives the same
numbers run after run, on every device.

A generator's state is a uint8 tensor of little-endian 64-bit words: the seed, then
PCG64's 128-bit state and increment, then its cached 32-bit half-word. NumPy's
``Generator`` keeps no state of its own beyond the bit generator, so that is all of it.
"""
import secrets

import numpy

from . import _dtype as dtypes
from ._device import CPU, as_device, canonical
from ._tensor import Tensor
from .backend import backend_for

# torch's CPU generator starts from this seed too, so an unseeded program is repeatable.
DEFAULT_SEED = 67280421310721

_U64 = 1 << 64
_STATE_WORDS = 7


def _check_seed(seed):
    """torch accepts any int in [-2**63, 2**64) and keeps it modulo 2**64."""
    if isinstance(seed, bool) or not isinstance(seed, (int, numpy.integer)):
        raise RuntimeError(f"manual_seed expected a long, but got {type(seed).__name__}")
    seed = int(seed)
    if not -(1 << 63) <= seed < _U64:
        raise ValueError("Overflow when unpacking long long")
    return seed % _U64


class Generator:
    """torch.Generator: an independent random stream for one device."""

    def __init__(self, device="cpu"):
        device = as_device(device)
        self.device = CPU if device.type == "cpu" else canonical(device)
        self.manual_seed(DEFAULT_SEED)

    def manual_seed(self, seed):
        self._seed = _check_seed(seed)
        self._bits = numpy.random.PCG64(self._seed)
        self._rng = numpy.random.Generator(self._bits)
        return self

    def seed(self):
        """Reseed from the operating system's entropy; returns the new seed."""
        seed = secrets.randbits(63)
        self.manual_seed(seed)
        return seed

    def initial_seed(self):
        return self._seed

    def get_state(self):
        state = self._bits.state
        words = [self._seed,
                 state["state"]["state"] >> 64, state["state"]["state"] % _U64,
                 state["state"]["inc"] >> 64, state["state"]["inc"] % _U64,
                 state["has_uint32"], state["uinteger"]]
        array = numpy.array(words, dtype="<u8").view(numpy.uint8)
        return Tensor._make(array, CPU)

    def set_state(self, new_state):
        if not isinstance(new_state, Tensor):
            raise TypeError(f"expected a torch.ByteTensor, but got {type(new_state).__name__}")
        if new_state.dtype is not dtypes.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        nbytes = _STATE_WORDS * 8
        if new_state.numel() != nbytes:
            raise RuntimeError(f"Expected a generator state of size {nbytes} but found the "
                               f"input RNG state size to be {new_state.numel()}")
        words = [int(w) for w in numpy.ascontiguousarray(new_state.cpu()._data)
                 .reshape(-1).view("<u8")]
        self.manual_seed(words[0])
        self._bits.state = {
            "bit_generator": "PCG64",
            "state": {"state": (words[1] << 64) | words[2], "inc": (words[3] << 64) | words[4]},
            "has_uint32": words[5], "uinteger": words[6],
        }
        return self

    def __repr__(self):
        return f"<ember.Generator object (device='{self.device}') at {hex(id(self))}>"

    def _draw(self, device, sample):
        """sample(numpy_generator) -> host array, returned on ``device``."""
        array = numpy.asarray(sample(self._rng))
        if device.type == "cpu":
            return array
        be = backend_for(device)
        with be.xp.cuda.Device(device.index):
            return be.from_numpy(array)


default_generator = Generator()

# One generator per GPU, created on first use with the seed last set for all GPUs
# (torch seeds CUDA generators lazily in the same way).
_cuda_generators = {}
_cuda_seed = DEFAULT_SEED


def cuda_generator(index):
    """The default generator of GPU ``index``."""
    gen = _cuda_generators.get(index)
    if gen is None:
        gen = Generator(f"cuda:{index}").manual_seed(_cuda_seed)
        _cuda_generators[index] = gen
    return gen


def generator_for(device, generator=None):
    """The generator a random op on ``device`` draws from; checks a user generator's device."""
    if generator is None:
        return default_generator if device.type == "cpu" else cuda_generator(device.index)
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a Generator, not {type(generator).__name__}")
    if generator.device.type != device.type:
        raise RuntimeError(f"Expected a '{device.type}' device type for generator but found "
                           f"'{generator.device.type}'")
    return generator


def manual_seed_all_cuda(seed):
    """Seed every GPU's default generator (existing and future ones)."""
    global _cuda_seed
    _cuda_seed = _check_seed(seed)
    for gen in _cuda_generators.values():
        gen.manual_seed(_cuda_seed)


# ---------------------------------------------------------------- module functions

def manual_seed(seed):
    """Seed the CPU generator and every GPU's generator; returns the CPU generator."""
    seed = int(seed)
    default_generator.manual_seed(seed)
    manual_seed_all_cuda(seed)
    return default_generator


def seed():
    """Seed every generator from the operating system's entropy; returns the seed."""
    new_seed = default_generator.seed()
    manual_seed_all_cuda(new_seed)
    return new_seed


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator.set_state(new_state)
