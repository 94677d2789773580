"""ember's ops. Each module lists its public functions in ``__all__`` (exported as
``ember.<name>``) and its Tensor methods in ``TENSOR_METHODS``; this file binds the
methods onto Tensor in one place.
"""
from . import (arithmetic, complex, conversion, creation, indexing, linalg,  # noqa: F401
               pointwise, random, rearrange, reduction, scan, scatter, shape, sorting,
               strided)

MODULES = [creation, conversion, arithmetic, pointwise, complex, reduction, scan, sorting,
           shape, strided, rearrange, scatter, indexing, linalg, random]


def bind_tensor_methods(tensor_cls):
    for module in MODULES:
        for name, fn in module.TENSOR_METHODS.items():
            setattr(tensor_cls, name, fn)


def public_functions():
    """name -> function for every op exported as ember.<name>."""
    names = {}
    for module in MODULES:
        for name in module.__all__:
            names[name] = getattr(module, name)
    return names
