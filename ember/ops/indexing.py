"""Indexing: tensor[key] and tensor[key] = value, with torch's semantics.

Keys are translated once into a NumPy/CuPy key. Basic keys (ints, slices, None,
Ellipsis) give views; keys with tensors, lists or bool masks copy (advanced indexing).
"""
import builtins

from .. import _dtype as dtypes
from .._tensor import Tensor
from ..autograd.graph import Primitive
from ..autograd.grad_mode import state as grad_state
from ._util import cast, commit_inplace, inplace_source, sum_to, xp_of


def _translate_key(x, key):
    """Returns (array_key, is_basic)."""
    if not isinstance(key, tuple):
        key = (key,)
    out = []
    basic = True
    xp = xp_of(x)
    for item in key:
        if isinstance(item, Tensor):
            if item._dtype.category == dtypes.FLOATING or item._dtype.is_complex:
                raise IndexError("tensors used as indices must be long, int, byte or bool "
                                 "tensors")
            if item._dtype is dtypes.uint8:
                item = item.bool()
            out.append(item._data)
            basic = False
        elif isinstance(item, builtins.slice):
            if item.step is not None and int(item.step) <= 0:
                raise ValueError("step must be greater than zero")
            out.append(builtins.slice(_index_int(item.start), _index_int(item.stop),
                                      _index_int(item.step)))
        elif isinstance(item, (list, tuple)):
            array = xp.asarray(_list_to_index(item))
            if array.dtype.kind == "f":
                raise IndexError("tensors used as indices must be long, int, byte or bool "
                                 "tensors")
            out.append(array)
            basic = False
        elif item is None or item is Ellipsis:
            out.append(item)
        elif isinstance(item, builtins.bool):
            out.append(item)
            basic = False
        else:
            try:
                out.append(item.__index__())
            except (AttributeError, TypeError):
                raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long "
                                 "or byte Variables are valid indices (got "
                                 f"{type(item).__name__})") from None
    return tuple(out), basic


def _index_int(value):
    return None if value is None else value.__index__()


def _list_to_index(items):
    return [(_list_to_index(i) if isinstance(i, (list, tuple)) else
             (i.item() if isinstance(i, Tensor) else i)) for i in items]


def _getitem_data(data, key, shape):
    try:
        return data[key]
    except IndexError as exc:
        message = str(exc).replace("axis", "dimension")
        raise IndexError(message) from None


class Index(Primitive):
    """Advanced indexing (copies); its backward scatters-adds into zeros."""

    @staticmethod
    def forward(ctx, x, key):
        ctx.key, ctx.shape = key, x.shape
        return _getitem_data(x._data, key, x.shape)

    @staticmethod
    def backward(ctx, grad):
        return IndexBackwardScatter.apply(grad, ctx.shape, ctx.key, True)


class BasicIndex(Primitive):
    """Basic indexing (a view)."""

    @staticmethod
    def forward(ctx, x, key):
        ctx.key, ctx.shape = key, x.shape
        return _getitem_data(x._data, key, x.shape)

    def name(self):
        return "SelectBackward0" if builtins.any(isinstance(k, int) for k in self.key) \
            else "SliceBackward0"

    @staticmethod
    def backward(ctx, grad):
        return IndexBackwardScatter.apply(grad, ctx.shape, ctx.key, False)


class IndexBackwardScatter(Primitive):
    """zeros(shape) with grad added at key: the backward of indexing (and its own
    backward is indexing again, so double backward works)."""
    grad_fn_name = "IndexPutBackward0"

    @staticmethod
    def forward(ctx, grad, shape, key, accumulate):
        ctx.key, ctx.basic = key, not accumulate
        xp = xp_of(grad)
        out = xp.zeros(shape, dtype=grad._data.dtype)
        if accumulate:
            from ..backend import backend_for
            backend_for(grad._device).scatter_add(out, key, grad._data)
        else:
            out[key] = grad._data
        return out

    @staticmethod
    def backward(ctx, grad):
        prim = BasicIndex if ctx.basic else Index
        return prim.apply(grad, ctx.key)


def getitem(self, key):
    array_key, basic = _translate_key(self, key)
    if basic:
        out = BasicIndex.apply(self, array_key)
        return out._set_view_of(self, lambda t: BasicIndex.apply(t, array_key))
    return Index.apply(self, array_key)


class IndexPut(Primitive):
    """out = x with out[key] = value (value broadcast to the indexed shape)."""

    @staticmethod
    def forward(ctx, x, value, key, accumulate):
        ctx.key, ctx.accumulate = key, accumulate
        ctx.value_shape = value.shape
        out = x._data.copy()
        if accumulate:
            from ..backend import backend_for
            target_shape = out[key].shape
            values = xp_of(x).broadcast_to(value._data, target_shape)
            backend_for(x._device).scatter_add(out, key, values)
        else:
            out[key] = value._data
        return out

    @staticmethod
    def backward(ctx, grad):
        g_x = g_value = None
        if ctx.needs_input_grad[0]:
            g_x = grad if ctx.accumulate else \
                IndexPut.apply(grad, grad.new_zeros(()), ctx.key, False)
        if ctx.needs_input_grad[1]:
            g_value = sum_to(Index.apply(grad, ctx.key), ctx.value_shape)
        return g_x, g_value


def setitem(self, key, value):
    array_key, _ = _translate_key(self, key)
    if not isinstance(value, Tensor):
        from .creation import tensor
        value = tensor(value, dtype=self._dtype, device=self._device)
    elif value._device != self._device and value.ndim > 0:
        raise RuntimeError(f"expected device {self._device} but got device {value._device}")
    recording = grad_state.enabled and (self._requires_grad or value._requires_grad)
    if not recording:
        try:
            self._data[array_key] = value._data
        except ValueError as exc:
            raise RuntimeError(f"shape mismatch: value tensor of shape {list(value.shape)} "
                               f"cannot be broadcast to indexing result: {exc}") from None
        self._vc[0] += 1
        return
    source = inplace_source(self, value)
    result = IndexPut.apply(source, cast(value, self._dtype), array_key, False)
    commit_inplace(self, result)


def index_put(input, indices, values, accumulate=False):
    array_key, _ = _translate_key(input, tuple(indices))
    return IndexPut.apply(input, cast(values, input._dtype), array_key, accumulate)


def index_put_(self, indices, values, accumulate=False):
    source = inplace_source(self, values)
    return commit_inplace(self, index_put(source, indices, values, accumulate))


class CopySlices(Primitive):
    """The base of a view written in place: the viewed region now comes from value.

    The base's memory already holds the new values (the view shares it), so forward
    only returns it; backward routes the viewed region's gradient to value.
    """

    @staticmethod
    def forward(ctx, base, value, view_fn):
        ctx.view_fn = view_fn
        return base._data

    @staticmethod
    def backward(ctx, grad):
        mask = grad.new_ones(grad.shape)
        ctx.view_fn(mask)._data[...] = 0
        g_base = grad * mask if ctx.needs_input_grad[0] else None
        g_value = ctx.view_fn(grad) if ctx.needs_input_grad[1] else None
        return g_base, g_value


def copy_slices(base, view_fn, value):
    return CopySlices.apply(base, value, view_fn)


TENSOR_METHODS = dict(__getitem__=getitem, __setitem__=setitem, index_put=index_put,
                      index_put_=index_put_)

__all__ = ["index_put"]
