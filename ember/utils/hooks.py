"""ember.utils.hooks: RemovableHandle, the handle hook registrations return."""
from ..autograd.graph import RemovableHandle

__all__ = ["RemovableHandle"]
