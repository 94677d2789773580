"""Parameter and Buffer: tensors that a Module registers when they are assigned to it."""
from .._tensor import Tensor
from ..ops.creation import empty


def _alias(cls, data, requires_grad):
    """A new ``cls`` object sharing data's memory and version counter, as a graph leaf."""
    out = object.__new__(cls)
    out._data = data._data
    out._dtype = data._dtype
    out._device = data._device
    out._requires_grad = False
    out.grad = None
    out.grad_fn = None
    out._vc = data._vc
    out._output_nr = 0
    out._base = None
    out._accumulator = None
    out._leaf_hooks = None
    out._post_acc_hooks = None
    if requires_grad:
        out.requires_grad_(True)
    return out


class Parameter(Tensor):
    """A tensor that is a module parameter: assigning one to a Module attribute
    registers it in ``module._parameters``.

    ``Parameter(t)`` shares t's memory and is always a leaf; ops on it return plain
    Tensors.
    """

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter(): expected a Tensor as data, got {type(data).__name__}")
        return _alias(cls, data, requires_grad)

    @classmethod
    def _from_tensor(cls, tensor, requires_grad):
        # Used by Tensor's deepcopy and unpickling to rebuild the subclass.
        return _alias(cls, tensor, requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


class Buffer(Tensor):
    """Marks a tensor as a buffer: ``module.x = Buffer(t, persistent=False)`` registers
    it as ``register_buffer('x', t, persistent=False)`` would.
    """

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            data = empty(0)
        out = _alias(cls, data, data.requires_grad)
        out.persistent = persistent
        return out

    @classmethod
    def _from_tensor(cls, tensor, requires_grad):
        out = _alias(cls, tensor, requires_grad)
        out.persistent = True
        return out

