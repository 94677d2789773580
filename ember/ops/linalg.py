"""Linear algebra: matmul and friends."""
from ..autograd.graph import Primitive
from ._util import check_same_device, sum_to, type_name, write_out, xp_of


class Matmul(Primitive):
    # NOTE: a primitive: BLAS does the work, and the batched/broadcast gradient is
    # two more matmuls.
    grad_fn_name = "MmBackward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return xp_of(a).matmul(a._data, b._data)

    def name(self):
        a, b = self._saved[0].tensor, self._saved[1].tensor
        if a.ndim == 2 and b.ndim == 2:
            return "MmBackward0"
        return "UnsafeViewBackward0" if a.ndim > 2 or b.ndim > 2 else "DotBackward0" \
            if a.ndim == 1 and b.ndim == 1 else "MvBackward0"

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        if a.ndim == 1 and b.ndim == 1:
            return (grad * (b.conj() if b.is_complex() else b) if ctx.needs_input_grad[0]
                    else None,
                    grad * (a.conj() if a.is_complex() else a) if ctx.needs_input_grad[1]
                    else None)
        a2 = a.unsqueeze(0) if a.ndim == 1 else a
        b2 = b.unsqueeze(-1) if b.ndim == 1 else b
        g = grad
        if a.ndim == 1:
            g = g.unsqueeze(-2)
        if b.ndim == 1:
            g = g.unsqueeze(-1)
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = sum_to(g @ b2.mT.conj() if b2.is_complex() else g @ b2.mT,
                        a2.shape).reshape(a.shape)
        if ctx.needs_input_grad[1]:
            gb = sum_to(a2.mT.conj() @ g if a2.is_complex() else a2.mT @ g,
                        b2.shape).reshape(b.shape)
        return ga, gb


def matmul(input, other, *, out=None):
    if input.ndim == 0 or other.ndim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{input.ndim}D and {other.ndim}D")
    check_same_device(input, other)
    if input._dtype is not other._dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{input._dtype} != {other._dtype}")
    k_a = input.shape[-1]
    k_b = other.shape[-2] if other.ndim > 1 else other.shape[0]
    if k_a != k_b:
        if input.ndim == 1 and other.ndim == 1:
            raise RuntimeError(f"inconsistent tensor size, expected tensor [{k_a}] and src "
                               f"[{k_b}] to have the same number of elements, but got {k_a} "
                               f"and {k_b} elements respectively")
        a_shape = "x".join(str(s) for s in (input.shape if input.ndim > 1 else (1, k_a)))
        b_shape = "x".join(str(s) for s in (other.shape if other.ndim > 1 else (k_b, 1)))
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a_shape} and "
                           f"{b_shape})")
    result = Matmul.apply(input, other)
    return result if out is None else write_out(out, result)


def _rmatmul(self, other):
    return matmul(other, self)


TENSOR_METHODS = dict(matmul=matmul, __matmul__=matmul, __rmatmul__=_rmatmul)

__all__ = ["matmul"]
