"""Parameter and Buffer: tensors that a Module registers when they are assigned to it."""
from .._tensor import Tensor
from ..ops.creation import empty


def _alias(cls, data, requires_grad):
    """A new ``cls`` object sharing data's memory and version counter, as a graph leaf."""
    out = Tensor._make(data._data, data._device, cls=cls)
    out._vc = data._vc
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



_UNINITIALIZED_SHAPE = (
    "Can't access the shape of an uninitialized parameter or buffer. This error usually happens "
    "in `load_state_dict` when trying to load an uninitialized parameter into an initialized "
    "one. Call `forward` to initialize the parameters before accessing their attributes.")


class UninitializedTensorMixin:
    """A tensor whose shape is not known yet (lazy modules); ``materialize(shape)`` gives
    it memory and turns it into ``cls_to_become``. Until then it holds an empty array
    that only carries its dtype and device."""
    # NOTE: empty slots keep the layout of the class it becomes, so __class__ can change.
    __slots__ = ()
    cls_to_become = None

    def materialize(self, shape, device=None, dtype=None):
        new = empty(shape, device=self._device if device is None else device,
                    dtype=self._dtype if dtype is None else dtype)
        self._data, self._dtype, self._device = new._data, new._dtype, new._device
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError(_UNINITIALIZED_SHAPE)

    def share_memory_(self):
        raise RuntimeError("Can't share memory on an uninitialized parameter or buffer. Call "
                           "`forward` to initialize the parameters before calling "
                           "`module.share_memory()`.")

    def __repr__(self):
        return f"<{type(self).__name__}>"

    def __reduce_ex__(self, protocol):
        return (type(self), (self._requires_grad,))

    @classmethod
    def _from_tensor(cls, tensor, requires_grad):
        return cls(requires_grad, device=tensor.device, dtype=tensor.dtype)


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A Parameter of a lazy module, before its first forward gives it a shape."""
    __slots__ = ()
    cls_to_become = Parameter

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        return _alias(cls, empty(0, device=device, dtype=dtype), requires_grad)


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer of a lazy module, before its first forward gives it a shape."""
    __slots__ = ()
    cls_to_become = Tensor

    def __new__(cls, requires_grad=False, device=None, dtype=None, persistent=True):
        return _alias(cls, empty(0, device=device, dtype=dtype), requires_grad)

    def __init__(self, requires_grad=False, device=None, dtype=None, persistent=True):
        pass


def is_lazy(param):
    """Whether param is an uninitialized parameter or buffer."""
    return isinstance(param, UninitializedTensorMixin)
