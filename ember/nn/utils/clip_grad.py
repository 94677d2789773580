"""Gradient clipping: clip_grad_norm_ and clip_grad_value_.

Like torch these run without autograd; they read and scale the ``.grad`` arrays in
place (bumping each gradient's version), so clipping allocates almost nothing.
"""
import warnings

from ..._tensor import Tensor
from ...ops._util import xp_of


def _as_list(tensors):
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


def _grads(parameters):
    return [p.grad for p in _as_list(parameters) if p.grad is not None]


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The norm of the norms of ``tensors`` (as if they were one concatenated vector)."""
    tensors = [t for t in _as_list(tensors) if t is not None]
    norm_type = float(norm_type)
    if not tensors:
        from ...ops.creation import tensor
        return tensor(0.0)
    xp = xp_of(tensors[0])
    norms = xp.stack([xp.linalg.norm(t._data.ravel(), norm_type) if t.numel() else
                      xp.zeros((), dtype=t._data.dtype) for t in tensors])
    total = xp.linalg.norm(norms, norm_type).astype(tensors[0]._data.dtype)
    if error_if_nonfinite and not bool(xp.isfinite(total)):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from "
                           "`parameters` is non-finite, so it cannot be clipped. To disable "
                           "this error and scale the gradients by the non-finite norm anyway, "
                           "set `error_if_nonfinite=False`")
    return Tensor._make(xp.asarray(total), tensors[0].device)


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale every gradient by min(1, max_norm / (total_norm + 1e-6))."""
    grads = _grads(parameters)
    if not grads:
        return
    data = total_norm._data
    coef = xp_of(total_norm).minimum(float(max_norm) / (data + 1e-6), 1.0).astype(data.dtype)
    for g in grads:
        g._data *= coef
        g._vc[0] += 1


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False,
                    foreach=None):
    """Clip the gradients' total norm to max_norm in place; returns the total norm."""
    parameters = _as_list(parameters)
    total = get_total_norm(_grads(parameters), norm_type, error_if_nonfinite)
    clip_grads_with_norm_(parameters, max_norm, total)
    return total


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False,
                   foreach=None):
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`torch.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient into [-clip_value, clip_value] in place."""
    clip_value = float(clip_value)
    for g in _grads(parameters):
        xp_of(g).clip(g._data, -clip_value, clip_value, out=g._data)
        g._vc[0] += 1


