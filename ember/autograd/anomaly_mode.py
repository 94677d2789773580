"""Anomaly detection: forward tracebacks on graph nodes and NaN checks in backward.

While enabled, every node the graph records keeps the Python stack of the forward
call that created it (``node.metadata["traceback_"]``); an error in that node's
backward is preceded by a warning showing it, and (with ``check_nan``) a backward
returning NaN raises. The hot path pays one flag check, and only when it records.
"""
import os
import traceback
import warnings

from ..backend import backend_for

__all__ = ["detect_anomaly", "set_detect_anomaly"]


class _AnomalyState:
    __slots__ = ("enabled", "check_nan", "parent")

    def __init__(self):
        self.enabled = False
        self.check_nan = True
        self.parent = None  # the node whose backward is running (for create_graph)


state = _AnomalyState()

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def is_anomaly_enabled():
    return state.enabled


def is_anomaly_check_nan_enabled():
    return state.check_nan


def set_anomaly_enabled(enabled, check_nan=True):
    state.enabled = bool(enabled)
    state.check_nan = bool(check_nan)


class detect_anomaly:
    """Context manager enabling anomaly detection (torch's: not a decorator)."""

    def __init__(self, check_nan=True):
        self.prev = state.enabled
        self.prev_check_nan = state.check_nan
        self.check_nan = check_nan
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the "
                      "runtime and should only be enabled for debugging.", stacklevel=2)

    def __enter__(self):
        set_anomaly_enabled(True, self.check_nan)

    def __exit__(self, *exc):
        set_anomaly_enabled(self.prev, self.prev_check_nan)


class set_detect_anomaly:
    """Turn anomaly detection on or off; as a call or as a context manager."""

    def __init__(self, mode, check_nan=True):
        self.prev = state.enabled
        self.prev_check_nan = state.check_nan
        set_anomaly_enabled(mode, check_nan)

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        set_anomaly_enabled(self.prev, self.prev_check_nan)


def record_forward_trace(node):
    """Store the user's stack (ember's own frames trimmed) on a new node."""
    frames = traceback.extract_stack()[:-1]
    while frames and frames[-1].filename.startswith(_PACKAGE_DIR):
        frames.pop()
    node.metadata["traceback_"] = traceback.format_list(frames)
    if state.parent is not None:
        node.metadata["parent_"] = state.parent


def warn_backward_error(node):
    """torch's warning when a node's backward fails in anomaly mode."""
    trace = node.metadata.get("traceback_")
    if not trace:
        warnings.warn(f"Error detected in {node.name()}. No forward pass information available. "
                      "Enable detect anomaly during forward pass for more information.",
                      stacklevel=2)
        return
    message = (f"Error detected in {node.name()}. Traceback of forward call that caused the "
               "error:\n" + "".join(trace))
    parent = node.metadata.get("parent_")
    while parent is not None:
        trace = parent.metadata.get("traceback_")
        if trace:
            message += ("\n\nPrevious calculation was induced by " + parent.name() +
                        ". Traceback of forward call that induced the previous calculation:\n" +
                        "".join(trace))
        parent = parent.metadata.get("parent_")
    warnings.warn(message, stacklevel=2)


def check_nan(node, grad_inputs):
    for i, g in enumerate(grad_inputs):
        if g is not None and (g._dtype.is_floating_point or g._dtype.is_complex) and \
                bool(backend_for(g._device).xp.isnan(g._data).any()):
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th "
                               "output.")
