"""(to be written)"""

TENSOR_METHODS = {}

__all__ = []
