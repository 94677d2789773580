"""Linear algebra in the ember.* namespace: matmul and its relatives (mm, bmm, mv, dot,
addmm...), tensordot, kron, cross, and torch's older names for decompositions and
solvers (det, inverse, cholesky, qr, svd...), which live in linalg_*.py.
"""
import math

from .. import _dtype as dtypes
from ..autograd.graph import Primitive
from . import linalg_decomp, linalg_solve
from ._linalg_common import conj, eye_like, square_float
from ._util import (apply_inplace, broadcast_shapes, check_same_device, in_dtype, sum_to,
                    sum_to_array, type_name, write_out, xp_of)
from ..backend import array_module_of
from .linalg_einsum import einsum
from .reduction import write_out_tuple
from ..amp.autocast_mode import autocast_call, state as amp_state


class Matmul(Primitive):
    # NOTE: a primitive: BLAS does the work, and the batched/broadcast gradient is
    # two more matmuls.
    grad_fn_name = "MmBackward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        ctx.ndims = (a.ndim, b.ndim)
        out = xp_of(a).matmul(a._data, b._data)
        # NOTE: NumPy multiplies bfloat16 (ml_dtypes) matrices into float32; torch keeps
        # the input dtype.
        return out if out.dtype == a._data.dtype else out.astype(a._data.dtype)

    def name(self):
        if self.grad_fn_name != "MmBackward0":
            return self.grad_fn_name
        a_ndim, b_ndim = self.ndims
        if a_ndim == 2 and b_ndim == 2:
            return "MmBackward0"
        return "UnsafeViewBackward0" if a_ndim > 2 or b_ndim > 2 else "DotBackward0" \
            if a_ndim == 1 and b_ndim == 1 else "MvBackward0"

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        if a.ndim == 1 and b.ndim == 1:
            return (grad * conj(b) if ctx.needs_input_grad[0] else None,
                    grad * conj(a) if ctx.needs_input_grad[1] else None)
        a2 = a.unsqueeze(0) if a.ndim == 1 else a
        b2 = b.unsqueeze(-1) if b.ndim == 1 else b
        g = grad
        if a.ndim == 1:
            g = g.unsqueeze(-2)
        if b.ndim == 1:
            g = g.unsqueeze(-1)
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = sum_to(g @ conj(b2.mT), a2.shape).reshape(a.shape)
        if ctx.needs_input_grad[1]:
            gb = sum_to(conj(a2.mT) @ g, b2.shape).reshape(b.shape)
        return ga, gb

    @staticmethod
    def array_backward(ctx, grad):
        if grad.dtype.kind == "c":
            return NotImplemented  # the tensor backward conjugates
        a, b = ctx.saved_arrays
        need_a, need_b = ctx.needs_input_grad
        if a.ndim == 1 and b.ndim == 1:  # dot: grad is 0-d
            return (grad * b if need_a else None), (grad * a if need_b else None)
        matmul = array_module_of(grad).xp.matmul
        # As backward: vectors become a row (a) or a column (b), and grad follows.
        a2 = a.reshape(1, -1) if a.ndim == 1 else a
        b2 = b.reshape(-1, 1) if b.ndim == 1 else b
        g = grad
        if a.ndim == 1:
            g = g[..., None, :]
        if b.ndim == 1:
            g = g[..., None]
        ga = gb = None
        if need_a:
            # (in_dtype: NumPy multiplies bfloat16 matrices into float32)
            ga = sum_to_array(in_dtype(matmul(g, b2.swapaxes(-1, -2)), grad), a2.shape)
            if a.ndim == 1:
                ga = ga.reshape(a.shape)
        if need_b:
            gb = sum_to_array(in_dtype(matmul(a2.swapaxes(-1, -2), g), grad), b2.shape)
            if b.ndim == 1:
                gb = gb.reshape(b.shape)
        return ga, gb


def _named(grad_fn_name):
    """Matmul recorded under the name torch gives the node of mm, bmm, mv or dot."""
    return type(grad_fn_name[:-9], (Matmul,), {"grad_fn_name": grad_fn_name,
                                               "name": Primitive.name})


_Mm, _Bmm, _Mv, _Dot = (_named(n) for n in ("MmBackward0", "BmmBackward0", "MvBackward0",
                                             "DotBackward0"))

# torch names C++ scalar types in these messages.
_CPP_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half",
              "bfloat16": "c10::BFloat16", "int64": "long int", "int32": "int",
              "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
              "bool": "bool", "complex64": "c10::complex<float>",
              "complex128": "c10::complex<double>"}


def _check_same_dtype(a, b):
    if a._device is not b._device:
        check_same_device(a, b)
    if a._dtype is not b._dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_CPP_NAMES[a._dtype.name]} != {_CPP_NAMES[b._dtype.name]}")


def _shape_str(t, as_row):
    shape = t.shape if t.ndim > 1 else ((1, t.shape[0]) if as_row else (t.shape[0], 1))
    return "x".join(str(s) for s in shape)


def matmul(input, other, *, out=None):
    if amp_state.active:
        return autocast_call("matmul", matmul, input, other=other, out=out)
    a_shape, b_shape = input._data.shape, other._data.shape
    if not a_shape or not b_shape:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{input.ndim}D and {other.ndim}D")
    _check_same_dtype(input, other)
    k_a = a_shape[-1]
    k_b = b_shape[-2] if len(b_shape) > 1 else b_shape[0]
    if k_a != k_b:
        if input.ndim == 1 and other.ndim == 1:
            _inconsistent(k_a, k_b)
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied "
                           f"({_shape_str(input, True)} and {_shape_str(other, False)})")
    if len(a_shape) > 2 and len(b_shape) > 2:
        broadcast_shapes(a_shape[:-2], b_shape[:-2])
    result = Matmul.apply(input, other)
    return result if out is None else write_out(out, result)


def _inconsistent(k_a, k_b):
    raise RuntimeError(f"inconsistent tensor size, expected tensor [{k_a}] and src [{k_b}] to "
                       f"have the same number of elements, but got {k_a} and {k_b} elements "
                       "respectively")


def _rmatmul(self, other):
    return matmul(other, self)


# ---------------------------------------------------------------- mm, bmm, mv, dot

def mm(input, mat2, *, out=None):
    if amp_state.active:
        return autocast_call("mm", mm, input, mat2=mat2, out=out)
    if input.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    _check_same_dtype(input, mat2)
    if input.shape[1] != mat2.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied "
                           f"({_shape_str(input, True)} and {_shape_str(mat2, False)})")
    result = _Mm.apply(input, mat2)
    return result if out is None else write_out(out, result)


def bmm(input, mat2, *, out=None):
    if amp_state.active:
        return autocast_call("bmm", bmm, input, mat2=mat2, out=out)
    if input.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    _check_same_dtype(input, mat2)
    expected = [input.shape[0], input.shape[2]]
    if list(mat2.shape[:2]) != expected:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"{expected} but got: {list(mat2.shape[:2])}.")
    result = _Bmm.apply(input, mat2)
    return result if out is None else write_out(out, result)


def mv(input, vec, *, out=None):
    if amp_state.active:
        return autocast_call("mv", mv, input, vec=vec, out=out)
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input.ndim}, "
                           f"{vec.ndim}")
    _check_same_dtype(input, vec)
    if input.shape[1] != vec.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({input.shape[0]}), mat "
                           f"({input.shape[0]}x{input.shape[1]}), vec ({vec.shape[0]})")
    result = _Mv.apply(input, vec)
    return result if out is None else write_out(out, result)


def _check_vectors(name, input, other):
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D "
                           "tensors")
    check_same_device(input, other)
    if input._dtype is not other._dtype:
        raise RuntimeError(f"{name} : expected both vectors to have same dtype, but found "
                           f"{type_name(input._dtype)} and {type_name(other._dtype)}")
    if input.shape[0] != other.shape[0]:
        _inconsistent(input.shape[0], other.shape[0])


def dot(input, tensor, *, out=None):
    if amp_state.active:
        return autocast_call("dot", dot, input, tensor=tensor, out=out)
    _check_vectors("dot", input, tensor)
    result = _Dot.apply(input, tensor)
    return result if out is None else write_out(out, result)


def vdot(input, other, *, out=None):
    # NOTE: torch words vdot's dtype error as dot's.
    if amp_state.active:
        return autocast_call("vdot", vdot, input, other=other, out=out)
    _check_vectors("dot", input, other)
    result = _Dot.apply(conj(input), other)
    return result if out is None else write_out(out, result)


def inner(input, other, *, out=None):
    if amp_state.active:
        return autocast_call("inner", inner, input, other=other, out=out)
    if input.ndim == 0 or other.ndim == 0:
        result = input * other
    else:
        if input._dtype is not other._dtype:
            raise RuntimeError("both inputs should have same dtype")
        if input.shape[-1] != other.shape[-1]:
            raise RuntimeError(f"inner() the last dimension must match on both input tensors "
                               f"but got shapes {list(input.shape)} and {list(other.shape)}")
        result = tensordot(input, other, ([-1], [-1]))
    return result if out is None else write_out(out, result)


def outer(input, vec2, *, out=None):
    for name, t in (("self", input), ("vec2", vec2)):
        if t.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {t.ndim}-D")
    result = input.unsqueeze(-1) * vec2
    return result if out is None else write_out(out, result)


ger = outer


# ---------------------------------------------------------------- beta * input + alpha * product

def _scaled_sum(input, product, beta, alpha):
    """beta * input + alpha * product, input broadcast to product's shape; beta=0
    ignores input (its nan and inf too), as BLAS does."""
    input = input.expand(product.shape)
    if alpha != 1:
        product = product * alpha
    if beta == 0:
        if not input.requires_grad:
            return product
        # input still gets its (zero) gradient, as in torch.
        from .creation import zeros
        from .pointwise import where
        return where(zeros(product.shape, dtype=dtypes.bool, device=product._device),
                     input, product)
    return product + (input if beta == 1 else input * beta)


def _check_input_dtype(input, mat):
    if input._dtype is not mat._dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got "
                           f"{type_name(input._dtype)} and {type_name(mat._dtype)}")


def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    if amp_state.active:
        return autocast_call("addmm", addmm,
                             input, mat1=mat1, mat2=mat2, beta=beta, alpha=alpha, out=out)
    _check_input_dtype(input, mat2)
    result = _scaled_sum(input, mm(mat1, mat2), beta, alpha)
    return result if out is None else write_out(out, result)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    if amp_state.active:
        return autocast_call("baddbmm", baddbmm,
                             input, batch1=batch1, batch2=batch2, beta=beta, alpha=alpha, out=out)
    _check_input_dtype(input, batch2)
    result = _scaled_sum(input, bmm(batch1, batch2), beta, alpha)
    return result if out is None else write_out(out, result)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    if amp_state.active:
        return autocast_call("addbmm", addbmm,
                             input, batch1=batch1, batch2=batch2, beta=beta, alpha=alpha, out=out)
    _check_input_dtype(input, batch2)
    result = _scaled_sum(input, bmm(batch1, batch2).sum(0), beta, alpha)
    return result if out is None else write_out(out, result)


def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    if amp_state.active:
        return autocast_call("addmv", addmv,
                             input, mat=mat, vec=vec, beta=beta, alpha=alpha, out=out)
    product = mv(mat, vec)
    if input.ndim > 1 or input.numel() not in (1, product.shape[0]):
        raise RuntimeError(f"size mismatch, got input ({input.shape[0] if input.ndim else 1}), "
                           f"mat ({mat.shape[0]}x{mat.shape[1]}), vec ({vec.shape[0]})")
    result = _scaled_sum(input, product, beta, alpha)
    return result if out is None else write_out(out, result)


def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None):
    if amp_state.active:
        return autocast_call("addr", addr,
                             input, vec1=vec1, vec2=vec2, beta=beta, alpha=alpha, out=out)
    result = _scaled_sum(input, outer(vec1, vec2), beta, alpha)
    return result if out is None else write_out(out, result)


def addmv_(input, mat, vec, *, beta=1, alpha=1):
    return apply_inplace(input, addmv, mat, vec, beta=beta, alpha=alpha)


def _inplace(fn):
    def method(self, *args, **kwargs):
        return apply_inplace(self, fn, *args, **kwargs)
    method.__name__ = fn.__name__ + "_"
    return method


# ---------------------------------------------------------------- tensordot, kron, cross

def _tensordot_dims(a, b, dims):
    if hasattr(dims, "tolist"):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        return list(range(-dims, 0)), list(range(dims))
    dims_a, dims_b = dims
    dims_a = [dims_a] if isinstance(dims_a, int) else list(dims_a)
    dims_b = [dims_b] if isinstance(dims_b, int) else list(dims_b)
    if len(dims_a) != len(dims_b):
        raise RuntimeError("both dimension lists should have same length")
    return dims_a, dims_b


def tensordot(a, b, dims=2, out=None):
    if amp_state.active:
        return autocast_call("tensordot", tensordot, a, b=b, dims=dims, out=out)
    if a._dtype is not b._dtype:
        raise RuntimeError("both inputs should have same dtype")
    dims_a, dims_b = _tensordot_dims(a, b, dims)
    for da, db in zip(dims_a, dims_b):
        sa, sb = a.shape[da], b.shape[db]
        if sa != sb and sa != 1 and sb != 1:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {sa} "
                               f"in dim {da} and second has size {sb} in dim {db}")
    dims_a = [d % a.ndim for d in dims_a]
    dims_b = [d % b.ndim for d in dims_b]
    # NOTE: a size-1 dim contracts against a longer one by summing the longer one.
    for da, db in zip(dims_a, dims_b):
        if a.shape[da] == 1 and b.shape[db] != 1:
            b = b.sum(db, keepdim=True)
        elif b.shape[db] == 1 and a.shape[da] != 1:
            a = a.sum(da, keepdim=True)
    free_a = [d for d in range(a.ndim) if d not in dims_a]
    free_b = [d for d in range(b.ndim) if d not in dims_b]
    size = math.prod(a.shape[d] for d in dims_a)
    left = a.permute(free_a + dims_a).reshape(-1, size) if free_a else \
        a.permute(dims_a).reshape(1, size)
    right = b.permute(dims_b + free_b).reshape(size, -1) if free_b else \
        b.permute(dims_b).reshape(size, 1)
    shape = tuple(a.shape[d] for d in free_a) + tuple(b.shape[d] for d in free_b)
    result = _Mm.apply(left, right).reshape(shape)
    return result if out is None else write_out(out, result)


def kron(input, other, *, out=None):
    ndim = max(input.ndim, other.ndim)
    a_shape = (1,) * (ndim - input.ndim) + tuple(input.shape)
    b_shape = (1,) * (ndim - other.ndim) + tuple(other.shape)
    # a[i, j] * b[k, l] laid out as rows (i, k), columns (j, l).
    a = input.reshape(sum(((s, 1) for s in a_shape), ()))
    b = other.reshape(sum(((1, s) for s in b_shape), ()))
    result = (a * b).reshape(tuple(x * y for x, y in zip(a_shape, b_shape)))
    return result if out is None else write_out(out, result)


def _cross(input, other, dim):
    from .shape import cat
    a0, a1, a2 = (input.narrow(dim, i, 1) for i in range(3))
    b0, b1, b2 = (other.narrow(dim, i, 1) for i in range(3))
    return cat([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], dim)


def linalg_cross(input, other, *, dim=-1, out=None):
    """torch.linalg.cross: broadcasting cross product along dim (default -1)."""
    if amp_state.active:
        return autocast_call("linalg_cross", linalg_cross,
                             input, other=other, dim=dim, out=out)
    if input.ndim != other.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    if input._dtype is not other._dtype:
        raise RuntimeError(f"expected scalar type {type_name(input._dtype)} but found "
                           f"{type_name(other._dtype)}")
    from ._util import broadcast_shapes, wrap_dim
    shape = broadcast_shapes(input.shape, other.shape)
    d = wrap_dim(dim, len(shape))
    if input.shape[d] != 3 or other.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{input.shape[d]} and {other.shape[d]}")
    result = _cross(input.expand(shape), other.expand(shape), d)
    return result if out is None else write_out(out, result)


def cross(input, other, dim=None, *, out=None):
    """torch.cross: without dim, the first dim of size 3 (torch's deprecated default)."""
    if amp_state.active:
        return autocast_call("cross", cross, input, other=other, dim=dim, out=out)
    if dim is None:
        import warnings
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\n"
                      "Please either pass the dim explicitly or simply use torch.linalg.cross."
                      "\nThe default value of dim will change to agree with that of "
                      "linalg.cross in a future release.", UserWarning, stacklevel=2)
        if input.ndim == other.ndim:
            from ._util import broadcast_shapes
            sizes = broadcast_shapes(input.shape, other.shape)
            dim = next((i for i, s in enumerate(sizes) if s == 3), None)
            if dim is None:
                raise RuntimeError("no dimension of size 3 in input")
    return linalg_cross(input, other, dim=-1 if dim is None else dim, out=out)


# ---------------------------------------------------------------- products of many matrices

def matrix_power(A, n, *, out=None):
    if not isinstance(n, int):
        raise TypeError(f"linalg_matrix_power(): argument 'n' (position 2) must be int, not "
                        f"{type(n).__name__}")
    name = "linalg.matrix_power"
    if A.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"{name}: A must be batches of square matrices, but they are "
                           f"{A.shape[-2]} by {A.shape[-1]} matrices")
    if n == 0:
        result = eye_like(A).expand(A.shape)
        if A.requires_grad:
            # the identity, still connected to A (with a zero gradient) as in torch
            from .creation import zeros
            from .pointwise import where
            result = where(zeros(A.shape, dtype=dtypes.bool, device=A._device), A, result)
        else:
            result = result.clone()
        return result if out is None else write_out(out, result)
    if n < 0:
        A, n = linalg_solve.inv(A), -n
    # Binary powering: log2(n) squarings.
    result, base = None, A
    while n:
        if n & 1:
            result = base if result is None else result @ base
        n >>= 1
        if n:
            base = base @ base
    return result if out is None else write_out(out, result)


def _chain_order(shapes):
    """Matrix-chain order by dynamic programming: split[i][j] is where to split i..j."""
    dims = [shapes[0][0]] + [s[1] for s in shapes]
    count = len(shapes)
    cost = [[0] * count for _ in range(count)]
    split = [[0] * count for _ in range(count)]
    for length in range(1, count):
        for i in range(count - length):
            j = i + length
            cost[i][j] = math.inf
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def _multiply_chain(matrices, split, i, j):
    if i == j:
        return matrices[i]
    k = split[i][j]
    return mm(_multiply_chain(matrices, split, i, k), _multiply_chain(matrices, split, k + 1, j))


def multi_dot(tensors, *, out=None):
    if amp_state.active:
        return autocast_call("linalg_multi_dot", multi_dot, tensors, out=out)
    tensors = list(tensors)
    count = len(tensors)
    if count < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {count}")
    for i, t in enumerate(tensors):
        allowed = (1, 2) if i in (0, count - 1) else (2,)
        if t.ndim not in allowed:
            which = "the first tensor" if i == 0 else "the last tensor" if i == count - 1 \
                else f"tensor {i}"
            kind = "1D or 2D" if len(allowed) == 2 else "2D"
            raise RuntimeError(f"multi_dot(): {which} must be {kind} but got {t.ndim}D")
        if t._dtype is not tensors[0]._dtype:
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but "
                               f"tensor 0 is {_CPP_NAMES[tensors[0]._dtype.name]} and tensor "
                               f"{i} {_CPP_NAMES[t._dtype.name]}")
    first_vector, last_vector = tensors[0].ndim == 1, tensors[-1].ndim == 1
    matrices = list(tensors)
    if first_vector:
        matrices[0] = matrices[0].unsqueeze(0)
    if last_vector:
        matrices[-1] = matrices[-1].unsqueeze(-1)
    for i in range(count - 1):
        if matrices[i].shape[1] != matrices[i + 1].shape[0]:
            raise RuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes "
                               f"{list(tensors[i].shape)} and {list(tensors[i + 1].shape)} "
                               "cannot be multiplied")
    result = _multiply_chain(matrices, _chain_order([m.shape for m in matrices]), 0, count - 1)
    if last_vector:
        result = result.squeeze(-1)
    if first_vector:
        result = result.squeeze(0)
    return result if out is None else write_out(out, result)


def chain_matmul(*matrices, out=None):
    if amp_state.active:
        return autocast_call("chain_matmul", chain_matmul, *matrices, out=out)
    for m in matrices:
        if m.ndim != 2:
            raise RuntimeError(f"Tensor dimension is {m.ndim}, expected 2 instead.")
    if len(matrices) == 1:
        result = matrices[0].clone()
        return result if out is None else write_out(out, result)
    return multi_dot(matrices, out=out)


# ---------------------------------------------------------------- torch.* names of linalg ops

def det(input):
    return linalg_solve.det(input)


def inverse(input, *, out=None):
    if amp_state.active:
        return autocast_call("inverse", inverse, input, out=out)
    return linalg_solve.inv(input, out=out)


def slogdet(input, *, out=None):
    square_float("linalg.slogdet", input)
    sign, logabsdet = linalg_solve.Slogdet.apply(input)
    return write_out_tuple(out, linalg_solve.slogdet_type(sign, logabsdet))


def matrix_exp(input):
    return linalg_solve.matrix_exp(input)


logdet = linalg_solve.logdet
pinverse = linalg_solve.pinverse
triangular_solve = linalg_solve.triangular_solve
cholesky_solve = linalg_solve.cholesky_solve
cholesky_inverse = linalg_solve.cholesky_inverse
cholesky = linalg_decomp.cholesky_deprecated
qr = linalg_decomp.qr_deprecated
svd = linalg_decomp.svd_deprecated

TENSOR_METHODS = dict(
    matmul=matmul, __matmul__=matmul, __rmatmul__=_rmatmul, mm=mm, bmm=bmm, mv=mv, dot=dot,
    vdot=vdot, inner=inner, outer=outer, ger=ger, addmm=addmm, addmm_=_inplace(addmm),
    baddbmm=baddbmm, baddbmm_=_inplace(baddbmm), addbmm=addbmm, addbmm_=_inplace(addbmm),
    addmv=addmv, addmv_=addmv_, addr=addr, addr_=_inplace(addr), kron=kron,
    cross=cross, det=det, logdet=logdet, slogdet=slogdet, inverse=inverse, pinverse=pinverse,
    matrix_power=matrix_power, matrix_exp=matrix_exp, triangular_solve=triangular_solve,
    cholesky_solve=cholesky_solve, cholesky_inverse=cholesky_inverse, cholesky=cholesky,
    qr=qr, svd=svd,
)

__all__ = ["matmul", "mm", "bmm", "mv", "dot", "vdot", "inner", "outer", "ger", "addmm",
           "baddbmm", "addbmm", "addmv", "addmv_", "addr", "einsum", "tensordot", "kron",
           "cross", "chain_matmul", "matrix_power", "det", "logdet", "slogdet", "inverse",
           "pinverse", "matrix_exp", "triangular_solve", "cholesky_solve", "cholesky_inverse",
           "cholesky", "qr", "svd"]
