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
