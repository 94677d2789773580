"""parameters_to_vector / vector_to_parameters: parameters as one flat vector."""
from ..._tensor import Tensor
from ...ops.shape import cat
from ..modules.module import _typename


def _check_device(param, device):
    """All parameters must be on one device (torch's check)."""
    if device is not None and param.device != device:
        raise TypeError("Found two parameters on different devices, this is currently not "
                        "supported.")
    return param.device


def parameters_to_vector(parameters):
    """The parameters flattened and concatenated (a differentiable copy)."""
    device = None
    views = []
    for param in parameters:
        device = _check_device(param, device)
        views.append(param.reshape(-1))
    return cat(views)


def vector_to_parameters(vec, parameters):
    """Make each parameter's data the matching slice of vec (shared, not copied)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {_typename(vec)}")
    device = None
    pointer = 0
    for param in parameters:
        device = _check_device(param, device)
        count = param.numel()
        param.data = vec[pointer:pointer + count].view_as(param).data
        pointer += count
