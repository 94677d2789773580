"""The Tensor class: an array, its dtype and device, and its place in the autograd graph.

Only the core lives here: construction, metadata, the Python protocol and autograd
entry points. Op methods (``add``, ``sum``, ``view``...) and operators are bound from
``ember/ops`` in one table (``ember.ops.bind_tensor_methods``).
"""
import builtins
import copy as _copy
import weakref

import numpy

from . import _dtype as dtypes
from ._device import CPU, device as _device_cls
from . import autograd as _autograd
from .autograd import graph
from .autograd.engine import execute_arrays as _execute_arrays
from .backend import array_module_of
from .autograd.grad_mode import state as grad_state

_new = object.__new__
_BY_NUMPY = dtypes._BY_NUMPY
_ndarray = numpy.ndarray
_generic = numpy.generic


class Size(tuple):
    """ember.Size: a tuple of ints that prints like torch.Size."""

    def __repr__(self):
        return f"ember.Size([{', '.join(str(s) for s in self)}])"

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, key):
        result = tuple.__getitem__(self, key)
        return Size(result) if isinstance(key, slice) else result

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))


class Tensor:
    __slots__ = ("_data", "_dtype", "_device", "_requires_grad", "grad", "grad_fn", "_vc",
                 "_output_nr", "_base", "_view_fn", "_accumulator",
                 "_post_acc_hooks", "__weakref__")
    # NumPy scalars defer to the tensor's reflected operators (np.float32(2) * t is a
    # Tensor, as in torch) instead of converting the tensor through __array__.
    __array_priority__ = 1000

    # ------------------------------------------------------------ construction

    @staticmethod
    def _make(data, device, requires_grad=False, cls=None, grad_fn=None):
        """Wrap a backend array (the hot path: no checks, no copies). cls makes an
        instance of a Tensor subclass (Parameter) with the same fields; grad_fn, the
        node computing it, is attached when its dtype can carry gradients."""
        if type(data) is not _ndarray and isinstance(data, _generic):
            data = numpy.asarray(data)
        t = _new(cls or Tensor)
        t._data = data
        t._dtype = dtype = _BY_NUMPY[data.dtype]
        t._device = device
        if grad_fn is not None and dtype.category >= dtypes.FLOATING:
            t._requires_grad = True
            t.grad_fn = grad_fn
        else:
            t._requires_grad = requires_grad
            t.grad_fn = None
        t.grad = None
        t._vc = [0]
        t._output_nr = 0
        t._base = None
        t._accumulator = None
        t._post_acc_hooks = None
        return t

    def __new__(cls, *args, device=None, dtype=None):
        # Legacy constructor: Tensor(2, 3) is uninitialised, Tensor([1, 2]) copies data.
        from .ops import creation
        if cls is not Tensor:
            return _new(cls)
        if len(args) == 1 and not isinstance(args[0], int):
            data = args[0]
            if isinstance(data, Tensor):
                return data
            return creation.tensor(data, dtype=dtype or dtypes.get_default_dtype(), device=device)
        return creation.empty(*args, dtype=dtype or dtypes.get_default_dtype(), device=device)

    def _set_view_of(self, base, view_fn):
        """Mark self as a view of base (an ember view op produced it)."""
        root = base._base if base._base is not None else base
        parent_fn = base._view_fn if base._base is not None else None
        self._base = root
        self._vc = root._vc
        if parent_fn is None:
            self._view_fn = view_fn
        else:
            self._view_fn = lambda t: view_fn(parent_fn(t))
        return self

    # ------------------------------------------------------------ metadata

    @property
    def dtype(self):
        return self._dtype

    @property
    def device(self):
        return self._device

    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_wrap_dim(dim, self._data.ndim)]

    def dim(self):
        return self._data.ndim

    ndimension = dim

    @property
    def ndim(self):
        return self._data.ndim

    def numel(self):
        return int(self._data.size)

    nelement = numel

    def element_size(self):
        return self._dtype.itemsize

    @property
    def itemsize(self):
        return self._dtype.itemsize

    @property
    def nbytes(self):
        return int(self._data.nbytes)

    @property
    def is_cuda(self):
        return self._device.type == "cuda"

    @property
    def is_cpu(self):
        return self._device.type == "cpu"

    @property
    def is_meta(self):
        return False

    @property
    def is_sparse(self):
        return False

    @property
    def is_quantized(self):
        return False

    @property
    def layout(self):
        from . import strided
        return strided

    def is_floating_point(self):
        return self._dtype.is_floating_point

    def is_complex(self):
        return self._dtype.is_complex

    def is_signed(self):
        return self._dtype.is_signed

    def get_device(self):
        return -1 if self._device.type == "cpu" else self._device.index

    def stride(self, dim=None):
        itemsize = self._dtype.itemsize
        if self._data.size == 0:
            # NOTE: NumPy reports zero strides for empty arrays; torch reports contiguous ones.
            strides, step = [], 1
            for size in reversed(self._data.shape):
                strides.append(step)
                step *= builtins.max(size, 1)
            strides = tuple(reversed(strides))
        else:
            strides = tuple(s // itemsize for s in self._data.strides)
        if dim is None:
            return strides
        return strides[_wrap_dim(dim, self._data.ndim)]

    def storage_offset(self):
        if self._base is None:
            return 0
        from .backend import backend_for
        be = backend_for(self._device)
        return (be.data_ptr(self._data) - be.data_ptr(self._base._data)) // self._dtype.itemsize

    def data_ptr(self):
        from .backend import backend_for
        return backend_for(self._device).data_ptr(self._data)

    def is_contiguous(self, memory_format=None):
        # NOTE: like torch, dimensions of size 1 may have any stride.
        expected = 1
        for size, stride in zip(reversed(self._data.shape), reversed(self.stride())):
            if size != 1 and stride != expected:
                return False
            expected *= size
        return True

    def untyped_storage(self):
        from ._storage import UntypedStorage
        return UntypedStorage._of(self)

    @property
    def _version(self):
        return self._vc[0]

    def _bump_version(self):
        self._vc[0] += 1

    # ------------------------------------------------------------ autograd

    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        if self.grad_fn is not None:
            if value:
                return
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to "
                "use a computed variable in a subgraph that doesn't require differentiation "
                "use var_no_grad = var.detach().")
        if value and not (self._dtype.is_floating_point or self._dtype.is_complex):
            raise RuntimeError("only Tensors of floating point and complex dtype can require "
                               f"gradients (got {self._dtype})")
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad=True):
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def output_nr(self):
        return self._output_nr

    @property
    def data(self):
        return self._data_alias()

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, got {type(value).__name__}")
        # NOTE: like torch, .data = swaps the storage without autograd knowing.
        self._data = value._data
        self._dtype = value._dtype
        self._device = value._device

    def detach(self):
        out = Tensor._make(self._data, self._device)
        out._vc = self._vc
        return out

    def _data_alias(self):
        # NOTE: .data shares memory but not the version counter: in-place changes
        # through it are invisible to autograd, as in torch.
        return Tensor._make(self._data, self._device)

    def is_inference(self):
        return False

    def detach_(self):
        if self._base is not None:
            raise RuntimeError(
                "Can't detach views in-place. Use detach() instead. If you are using "
                "DistributedDataParallel (DDP) for training, and gradient_as_bucket_view is "
                "set as True, gradients are views of DDP buckets, and hence detach_() cannot "
                "be called on these gradients. To fix this error, please refer to the "
                "Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution.")
        self.grad_fn = None
        self._requires_grad = False
        return self

    def retain_grad(self):
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None:
            return
        node = self.grad_fn
        if node._retains is None:
            node._retains = {}
            node._hooked = True
        node._retains[self._output_nr] = weakref.ref(self)

    @property
    def retains_grad(self):
        node = self.grad_fn
        if node is None or not node._retains:
            return False
        ref = node._retains.get(self._output_nr)
        return ref is not None and ref() is self

    def register_hook(self, hook):
        """hook(grad) -> optional replacement, called when this tensor's gradient is ready."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is None:
            return graph.accumulator_of(self).register_tensor_hook(_single_grad_hook(hook, 0))
        return self.grad_fn.register_prehook(_single_grad_hook(hook, self._output_nr))

    def register_post_accumulate_grad_hook(self, hook):
        """hook(tensor), called after .grad of this leaf has been accumulated."""
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        hooks = self._post_acc_hooks
        if hooks is None:
            hooks = self._post_acc_hooks = []
        hooks.append(hook)
        return graph._RemovableHandle(hooks, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        fn = self.grad_fn
        if gradient is None and inputs is None and not create_graph and fn is not None \
                and self._data.size == 1 and self._dtype.is_floating_point:
            # The common loss.backward(): seed 1 and run the array-mode engine directly
            # (autograd.backward's checks could not fail here).
            data = self._data
            seed = numpy.empty_like(data) if type(data) is _ndarray else \
                array_module_of(data).xp.empty_like(data)
            seed[...] = 1
            _execute_arrays([(fn, self._output_nr)], [seed], retain_graph)
            return
        _autograd.backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    # ------------------------------------------------------------ Python protocol

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted "
                               "to Scalar")
        value = self._data.reshape(()).item() if self._device.type == "cpu" else \
            self._data.reshape(()).get().item()
        if self._dtype is dtypes.bfloat16:
            value = float(value)
        return value

    def tolist(self):
        array = self.detach().cpu()._data
        if self._dtype is dtypes.bfloat16:
            array = array.astype(numpy.float32)
        return array.tolist()

    def numpy(self, *, force=False):
        if force:
            return self.detach().cpu().resolve_conj()._data if self.is_complex() else \
                self.detach().cpu()._data
        if self._device.type != "cpu":
            raise TypeError(f"can't convert {self._device} device type tensor to numpy. Use "
                            "Tensor.cpu() to copy the tensor to host memory first.")
        if self._requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        return self._data

    def __array__(self, dtype=None, copy=None):
        array = self.detach().cpu()._data
        return array if dtype is None else array.astype(dtype)

    def _scalar_value(self, kind):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted "
                               "to Scalar")
        return kind(self.item())

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with more than one value is ambiguous")
        return builtins.bool(self.item())

    def __int__(self):
        return self._scalar_value(builtins.int)

    def __float__(self):
        return self._scalar_value(builtins.float)

    def __complex__(self):
        return self._scalar_value(builtins.complex)

    def __index__(self):
        if self._dtype.category != dtypes.INTEGRAL and self._dtype is not dtypes.bool:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return self._scalar_value(builtins.int)

    __hash__ = object.__hash__

    def __format__(self, spec):
        if self._data.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __repr__(self, *, tensor_contents=None):
        from ._printing import tensor_repr
        return tensor_repr(self)

    def __str__(self):
        return self.__repr__()

    def __dlpack__(self, stream=None):
        return self._data.__dlpack__()

    # ------------------------------------------------------------ pickling and copies

    def __reduce_ex__(self, protocol):
        array = self.detach().cpu()._data
        return (_rebuild_tensor, (array, str(self._device), self._requires_grad,
                                  type(self)))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        if self.grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) "
                               "support the deepcopy protocol at the moment.")
        new = Tensor._make(self._data.copy(), self._device, self._requires_grad)
        if type(self) is not Tensor:
            new = type(self)._from_tensor(new, self._requires_grad)
        memo[id(self)] = new
        if self.grad is not None:
            new.grad = _copy.deepcopy(self.grad, memo)
        return new


def _rebuild_tensor(array, device, requires_grad, cls=Tensor):
    from .ops.conversion import to_device
    t = Tensor._make(array, CPU)
    if device != "cpu":
        t = to_device(t, _device_cls(device))
    t._requires_grad = requires_grad
    if cls is not Tensor:
        t = cls._from_tensor(t, requires_grad)
    return t


def _single_grad_hook(hook, nr):
    def prehook(grads):
        if grads[nr] is None:
            return None
        result = hook(grads[nr])
        if result is None:
            return None
        grads = list(grads)
        grads[nr] = result
        return tuple(grads)
    return prehook


def _wrap_dim(dim, ndim):
    """Turn a possibly negative dim into an index, raising torch's IndexError."""
    bound = builtins.max(ndim, 1)
    if not -bound <= dim < bound:
        raise IndexError(f"Dimension out of range (expected to be in range of "
                         f"[{-bound}, {bound - 1}], but got {dim})")
    return dim + bound if dim < 0 else dim


graph.Tensor = Tensor
