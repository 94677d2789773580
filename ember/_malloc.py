"""glibc malloc settings for array-heavy training loops.

A training step allocates and frees the same large arrays (activations, gradients)
every step. glibc serves large requests with fresh mmap'd pages and returns freed
memory at the top of the heap to the system, so each step pays page faults to touch
the memory anew (measured: a third of an MLP step's time). Keeping blocks up to 32 MiB
on the heap and never trimming it makes the next step reuse memory that is already
mapped. The cost: memory freed after a peak stays with the process (its peak resident
size is unchanged).

This is a process-wide setting, applied once at ``import ember`` on Linux with glibc;
set the environment variable ``EMBER_MALLOC_TUNING=0`` before the import to leave
malloc alone.
"""
import ctypes
import ctypes.util
import os
import sys

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 1024 * 1024  # glibc's own ceiling for its dynamic threshold
TRIM_THRESHOLD = 1024 * 1024 * 1024

applied = False


def tune():
    """Apply the settings (once); returns whether they are in effect."""
    global applied
    if applied or os.environ.get("EMBER_MALLOC_TUNING", "1") == "0" or \
            not sys.platform.startswith("linux"):
        return applied
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    applied = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and \
        bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return applied
