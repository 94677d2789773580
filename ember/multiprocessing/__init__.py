"""ember.multiprocessing: Python's multiprocessing, with ember tensors shared, not copied.

Everything in ``multiprocessing`` is here (Process, Queue, Pool, get_context...). Importing
this module registers reductions so that tensors sent through a Queue, a Pipe or a
spawned Process's arguments travel as shared memory (see ``reductions``); ``spawn``
runs a function in several processes with torch's error propagation.
"""
import multiprocessing
from multiprocessing import *  # noqa: F401,F403

from .reductions import init_reductions, is_shared, share_memory_  # noqa: F401
from .spawn import (ProcessContext, ProcessException, ProcessExitedException,  # noqa: F401
                    ProcessRaisedException, spawn, start_processes)

__all__ = ["get_all_sharing_strategies", "get_sharing_strategy", "set_sharing_strategy",
           "init_reductions", "is_shared", "share_memory_", "spawn", "start_processes",
           "ProcessContext", "ProcessException", "ProcessExitedException",
           "ProcessRaisedException"] + multiprocessing.__all__

# Only torch's file_descriptor strategy exists in ember (segments are never named files).
_STRATEGIES = {"file_descriptor"}
_strategy = "file_descriptor"


def get_all_sharing_strategies():
    return set(_STRATEGIES)


def get_sharing_strategy():
    return _strategy


def set_sharing_strategy(new_strategy):
    global _strategy
    if new_strategy not in _STRATEGIES:
        raise AssertionError(f"ember shares memory with the strategies {sorted(_STRATEGIES)}, "
                             f"not {new_strategy!r}")
    _strategy = new_strategy


init_reductions()
