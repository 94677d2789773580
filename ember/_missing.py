"""The error for torch APIs ember does not have yet.

It is a NotImplementedError (what the user should see) and also an AttributeError, so
``hasattr(torch, "name")`` and ``getattr(x, "name", default)`` keep working.
"""


class NotImplementedInEmber(NotImplementedError, AttributeError):
    pass


def missing(qualified_name):
    return NotImplementedInEmber(f"ember does not implement {qualified_name} yet")


def module_getattr(module_name):
    """A module-level __getattr__ that names the missing torch API."""
    torch_name = "torch" + module_name[len("ember"):]

    def __getattr__(name):
        if name.startswith("__"):
            raise AttributeError(f"module '{module_name}' has no attribute '{name}'")
        raise missing(f"{torch_name}.{name}")
    return __getattr__


class _MissingTensorAttribute:
    """Stands on ember.Tensor for a torch.Tensor attribute ember lacks: reading it
    raises NotImplementedInEmber. A plain class attribute, so the attribute lookups
    of the hot path stay fast: a ``Tensor.__getattr__`` would slow down every one."""

    def __init__(self, name):
        self.name = name

    def __get__(self, instance, owner=None):
        raise missing(f"torch.Tensor.{self.name}")


def install_tensor_placeholders(tensor_cls):
    """Put a placeholder on tensor_cls for every torch.Tensor attribute it lacks."""
    from ._torch_names import TENSOR_ATTRIBUTES
    for name in TENSOR_ATTRIBUTES:
        if not hasattr(tensor_cls, name):
            setattr(tensor_cls, name, _MissingTensorAttribute(name))
