"""ember.cpu: CPU counterparts of the ember.cuda queries, and ember.cpu.amp."""
from . import amp  # noqa: F401


def is_available():
    return True


def device_count():
    return 1


def current_device():
    return "cpu"


def synchronize(device=None):
    """NumPy runs synchronously: nothing to wait for."""
