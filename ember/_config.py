"""Environment flags, read once, in one place."""
import os


def _flag(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


# EMBER_DISABLE_CUDA=1 hides any GPU (tests of the CPU-only behaviour).
DISABLE_CUDA = _flag("EMBER_DISABLE_CUDA")
