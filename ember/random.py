"""ember.random: seeding and RNG state of the default generators (torch.random)."""
import contextlib

from . import _random
from ._random import (Generator, default_generator, get_rng_state, initial_seed,  # noqa: F401
                      manual_seed, seed, set_rng_state)

__all__ = ["Generator", "default_generator", "fork_rng", "get_rng_state", "initial_seed",
           "manual_seed", "seed", "set_rng_state"]


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices",
             device_type="cuda"):
    """Run the body with the RNG state forked: the CPU generator's state and the given
    GPUs' (all visible ones by default) are restored on exit."""
    if not enabled:
        yield
        return
    if devices is None:
        from . import cuda
        devices = range(cuda.device_count())
    indices = [_index_of(d) for d in devices]
    cpu_state = default_generator.get_state()
    gpu_states = [(i, _random.cuda_generator(i).get_state()) for i in indices]
    try:
        yield
    finally:
        default_generator.set_state(cpu_state)
        for i, state in gpu_states:
            _random.cuda_generator(i).set_state(state)


def _index_of(device):
    if isinstance(device, int):
        return device
    index = getattr(device, "index", None)
    if index is not None:
        return index
    text = str(device)
    return int(text.rsplit(":", 1)[1]) if ":" in text else 0
