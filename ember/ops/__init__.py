"""ember's ops. Each module lists its public functions in ``__all__`` (exported as
``ember.<name>``) and its Tensor methods in ``TENSOR_METHODS``; this file binds the
methods onto Tensor in one place.
"""
from . import (arithmetic, conversion, creation, indexing, linalg, pointwise,  # noqa: F401
               reduction, shape)

MODULES = [creation, conversion, arithmetic, pointwise, reduction, shape, indexing, linalg]


def bind_tensor_methods(tensor_cls):
    for module in MODULES:
        for name, fn in module.TENSOR_METHODS.items():
            setattr(tensor_cls, name, fn)
