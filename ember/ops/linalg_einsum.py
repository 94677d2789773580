"""einsum as a composite: diagonals for repeated subscripts, sums for subscripts used
once, then pairwise contractions through permute/reshape/matmul (torch's strategy).
Its gradient comes from those ops, so double backward works.
"""
import math

from .._tensor import Tensor
from ._util import type_name
from ..amp.autocast_mode import autocast_call, state as amp_state

_ELLIPSIS = "..."


def _sublist_equation(args):
    """einsum(op0, sub0, op1, sub1, ..., [out]) -> an equation and the operands."""
    def letters(sublist):
        parts = []
        for s in sublist:
            if s is Ellipsis:
                parts.append(_ELLIPSIS)
            elif not 0 <= s < 52:
                raise RuntimeError(f"einsum(): expected subscript to be within the range "
                                   f"[0, 52), but got {s}")
            else:
                parts.append(chr(ord("A") + s) if s < 26 else chr(ord("a") + s - 26))
        return "".join(parts)

    operands = list(args[0::2][:len(args) // 2])
    terms = [letters(s) for s in args[1::2][:len(args) // 2]]
    equation = ",".join(terms)
    if len(args) % 2:
        equation += "->" + letters(args[-1])
    return equation, operands


def _parse_term(term, start, operand_index):
    """Subscripts of one operand: letters and at most one '...'. start is the term's
    position in the equation (torch's messages count from there)."""
    labels = []
    i = 0
    while i < len(term):
        char = term[i]
        if char == ".":
            if term[i:i + 3] != _ELLIPSIS or _ELLIPSIS in labels:
                raise RuntimeError(f"einsum(): found '.' for operand {operand_index} that is "
                                   "not part of any ellipsis")
            labels.append(_ELLIPSIS)
            i += 3
            continue
        if char != " ":
            if not char.isascii() or not char.isalpha():
                raise RuntimeError(f"einsum(): invalid subscript given at index {start + i} in "
                                   "the equation string, subscripts must be in [a-zA-Z]")
            labels.append(char)
        i += 1
    return labels


def _parse(equation, operands):
    lhs, arrow, rhs = equation.partition("->")
    terms = lhs.split(",")
    if len(terms) > len(operands):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the "
                           "equation")
    if len(terms) < len(operands):
        raise RuntimeError("einsum(): more operands were provided than specified in the "
                           "equation")
    inputs, position = [], 0
    for index, term in enumerate(terms):
        inputs.append(_parse_term(term, position, index))
        position += len(term) + 1
    output = _parse_term(rhs, len(lhs) + 2, -1) if arrow else None
    return inputs, output


def _expand_ellipses(inputs, operands):
    """Replace '...' by one integer label per broadcast dim, right-aligned across
    operands; returns (labels per operand, number of ellipsis dims)."""
    spans = []
    for index, (labels, x) in enumerate(zip(inputs, operands)):
        named = len(labels) - (_ELLIPSIS in labels)
        if _ELLIPSIS in labels:
            if named > x.ndim:
                raise RuntimeError(f"einsum(): the number of subscripts in the equation "
                                   f"({named}) is more than the number of dimensions "
                                   f"({x.ndim}) for operand {index}")
        elif named != x.ndim:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({named}) "
                               f"does not match the number of dimensions ({x.ndim}) for "
                               f"operand {index} and no ellipsis was given")
        spans.append(x.ndim - named)
    width = max(spans, default=0)
    expanded = []
    for labels, span in zip(inputs, spans):
        out = []
        for label in labels:
            out.extend(range(width - span, width) if label == _ELLIPSIS else [label])
        expanded.append(out)
    return expanded, width


def _output_labels(inputs, output, expanded, width):
    used = [label for labels in expanded for label in labels]
    if output is None:
        letters = sorted(l for l in set(used) if isinstance(l, str) and used.count(l) == 1)
        return list(range(width)) + letters
    result = []
    for label in output:
        if label == _ELLIPSIS:
            result.extend(range(width))
            continue
        if label not in used:
            raise RuntimeError(f"einsum(): output subscript {label} does not appear in the "
                               "equation for any input operand")
        if label in result:
            raise RuntimeError(f"einsum(): output subscript {label} appears more than once in "
                               "the output")
        result.append(label)
    return result


def _check_sizes(expanded, operands):
    """Each subscript has one size across operands, or size 1 (which broadcasts)."""
    seen = {}
    for index, (labels, x) in enumerate(zip(expanded, operands)):
        local = {}
        for label, size in zip(labels, x.shape):
            if label in local and local[label] != size:
                raise RuntimeError(f"einsum(): subscript {label} is repeated for operand "
                                   f"{index} but the sizes don't match, {local[label]} != "
                                   f"{size}")
            local[label] = size
        for label, size in local.items():
            previous = seen.get(label, 1)
            if size != previous and size != 1 and previous != 1:
                if isinstance(label, int):
                    raise RuntimeError(
                        f"einsum(): dimension {label} covered by ellipsis in operand {index}"
                        f"has size {size} which does not broadcast with previously seen "
                        f"ellipsis with size {previous} for the respective dimension")
                raise RuntimeError(f"einsum(): subscript {label} has size {size} for operand "
                                   f"{index} which does not broadcast with previously seen "
                                   f"size {previous}")
            seen[label] = max(previous, size)


def _take_diagonals(x, labels):
    """Collapse repeated subscripts of one operand to their diagonal."""
    from .creation import arange
    labels = list(labels)
    while len(set(labels)) != len(labels):
        label = next(l for l in labels if labels.count(l) > 1)
        first = labels.index(label)
        second = labels.index(label, first + 1)
        rest = [d for d in range(x.ndim) if d not in (first, second)]
        x = x.permute(rest + [first, second])
        index = arange(x.shape[-1], device=x._device)
        x = x[..., index, index]
        labels = [labels[d] for d in rest] + [label]
    return x, labels


def _sum_out(x, labels, drop):
    dims = [i for i, l in enumerate(labels) if l in drop]
    if not dims:
        return x, labels
    return x.sum(dims), [l for l in labels if l not in drop]


def _contract(a, la, b, lb, keep):
    """a and b with subscripts la, lb -> their product summed over the shared
    subscripts not in keep (a batched matmul)."""
    a, la = _sum_out(a, la, {l for l in la if l not in lb and l not in keep})
    b, lb = _sum_out(b, lb, {l for l in lb if l not in la and l not in keep})
    shared = [l for l in la if l in lb]
    batch = [l for l in shared if l in keep]
    summed = [l for l in shared if l not in keep]
    a_only = [l for l in la if l not in lb]
    b_only = [l for l in lb if l not in la]
    size = {}
    for labels, x in ((la, a), (lb, b)):
        for l, s in zip(labels, x.shape):
            size[l] = s if size.get(l, 1) == 1 else size[l]
    a = a.permute([la.index(l) for l in batch + a_only + summed])
    b = b.permute([lb.index(l) for l in batch + summed + b_only])
    # NOTE: size-1 (broadcast) dims are expanded so both sides reshape alike.
    a = a.expand(tuple(size[l] for l in batch + a_only + summed))
    b = b.expand(tuple(size[l] for l in batch + summed + b_only))

    def total(labels):
        return math.prod(size[l] for l in labels)

    left = a.reshape(total(batch), total(a_only), total(summed))
    right = b.reshape(total(batch), total(summed), total(b_only))
    from .linalg import matmul
    product = matmul(left, right)
    labels = batch + a_only + b_only
    return product.reshape(tuple(size[l] for l in labels)), labels


def _check_dtypes(operands):
    first = operands[0]._dtype
    for x in operands[1:]:
        if x._dtype is not first:
            raise RuntimeError(f"expected scalar type {type_name(first)} but found "
                               f"{type_name(x._dtype)}")


def einsum(*args):
    if amp_state.active:
        return autocast_call("einsum", einsum, *args)
    if args and isinstance(args[0], str):
        equation, operands = args[0], list(args[1:])
        if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
            operands = list(operands[0])
    else:
        equation, operands = _sublist_equation(args)
    inputs, output = _parse(equation, operands)
    if not all(isinstance(x, Tensor) for x in operands):
        raise TypeError("einsum(): all operands must be Tensors")
    _check_dtypes(operands)
    expanded, width = _expand_ellipses(inputs, operands)
    out_labels = _output_labels(inputs, output, expanded, width)
    _check_sizes(expanded, operands)

    terms = [_take_diagonals(x, labels) for x, labels in zip(operands, expanded)]
    counts = {}
    for _, labels in terms:
        for l in labels:
            counts[l] = counts.get(l, 0) + 1
    result, labels = None, None
    for index, (x, lx) in enumerate(terms):
        # Subscripts used by this operand alone and not kept are summed right away.
        x, lx = _sum_out(x, lx, {l for l in lx if counts[l] == 1 and l not in out_labels})
        if result is None:
            result, labels = x, lx
            continue
        later = {l for _, ls in terms[index + 1:] for l in ls}
        result, labels = _contract(result, labels, x, lx, later | set(out_labels))
    result, labels = _sum_out(result, labels, set(labels) - set(out_labels))
    return result.permute([labels.index(l) for l in out_labels]) if labels else result
