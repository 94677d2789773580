"""Attention as functions: scaled_dot_product_attention and multi_head_attention_forward."""
import math
import warnings

from .. import _dtype as dtypes
from .._tensor import Tensor
from ..ops._util import broadcast_shapes, xp_of
from ..ops.shape import cat
from ._attention_ops import Attention
from ._ops import linear
from ..amp.autocast_mode import autocast_call, state as amp_state

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]

# The C++ names torch's attention errors use for dtypes.
_C_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half",
            "bfloat16": "c10::BFloat16", "int64": "long int", "int32": "int",
            "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
            "bool": "bool"}


def _c_name(dtype):
    return _C_NAMES.get(dtype.name, dtype.name)


def _additive_mask(mask, dtype):
    """A bool mask (True = attend) as 0 / -inf in dtype; float masks pass unchanged."""
    if mask.dtype is not dtypes.bool:
        return mask
    xp = xp_of(mask)
    return Tensor._make(xp.where(mask._data, 0.0, -math.inf).astype(dtype.numpy),
                        mask._device)


def _causal_mask(length, source, like):
    xp = xp_of(like)
    upper = xp.triu(xp.ones((length, source), dtype=bool), 1)
    return Tensor._make(xp.where(upper, -math.inf, 0.0).astype(like._data.dtype),
                        like._device)


def _check_sdpa(query, key, value, attn_mask, is_causal, enable_gqa):
    if not (query.dtype == key.dtype == value.dtype):
        raise RuntimeError("Expected query, key, and value to have the same dtype, but got "
                           f"query.dtype: {_c_name(query.dtype)} key.dtype: "
                           f"{_c_name(key.dtype)} and value.dtype: {_c_name(value.dtype)} "
                           "instead.")
    if attn_mask is not None and attn_mask.dtype is not dtypes.bool and \
            not attn_mask.dtype.is_floating_point:
        raise RuntimeError("Expected attn_mask dtype to be bool or float or to match query "
                           f"dtype, but got attn_mask.dtype: {_c_name(attn_mask.dtype)} and  "
                           f"query.dtype: {_c_name(query.dtype)} instead.")
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set "
                           "when is_causal=True")
    batch = math.prod(query.shape[:-2])
    if key.shape[-1] != query.shape[-1]:
        raise RuntimeError("Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{batch}, {query.shape[-1]}] but got: [{batch}, {key.shape[-1]}].")
    if value.shape[-2] != key.shape[-2]:
        raise RuntimeError("Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{batch}, {key.shape[-2]}] but got: [{batch}, {value.shape[-2]}].")
    if enable_gqa and query.ndim >= 3 and query.shape[-3] % key.shape[-3]:
        raise RuntimeError("Number of heads in key and value must divide the number of heads "
                           "in ")


def _repeat_heads(t, groups):
    """(..., H, S, E) -> (..., H * groups, S, E), each head repeated groups times."""
    if groups == 1:
        return t
    shape = tuple(t.shape)
    expanded = t.unsqueeze(-3).expand(shape[:-2] + (groups,) + shape[-2:])
    return expanded.reshape(shape[:-3] + (shape[-3] * groups,) + shape[-2:])


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """softmax(query key^T * scale + mask) value (scale defaults to 1/sqrt(E))."""
    if amp_state.active:
        return autocast_call("scaled_dot_product_attention", scaled_dot_product_attention,
                             query, key=key, value=value, attn_mask=attn_mask, dropout_p=dropout_p, is_causal=is_causal, scale=scale, enable_gqa=enable_gqa)
    _check_sdpa(query, key, value, attn_mask, is_causal, enable_gqa)
    if enable_gqa and query.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        groups = query.shape[-3] // key.shape[-3]
        key, value = _repeat_heads(key, groups), _repeat_heads(value, groups)
    length, source = query.shape[-2], key.shape[-2]
    mask = None
    if is_causal:
        mask = _causal_mask(length, source, query)
    elif attn_mask is not None:
        mask = _additive_mask(attn_mask, query.dtype)
        batch = broadcast_shapes(tuple(query.shape[:-2]), tuple(key.shape[:-2]))
        broadcast_shapes(batch + (length, source), tuple(mask.shape))
    keep = None
    if dropout_p > 0.0:
        shape = broadcast_shapes(tuple(query.shape[:-2]), tuple(key.shape[:-2])) + \
            (length, source)
        keep = query.detach().new_empty(shape).bernoulli_(1 - dropout_p)
        keep.div_(1 - dropout_p)
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    return Attention.apply(query, key, value, mask, keep, scale)


# ---------------------------------------------------------------- multi-head attention

def _canonical_mask(mask, mask_name, other_type, other_name, target_type, check_other=True):
    """A bool mask (True = masked out) as 0 / -inf floats; float masks unchanged."""
    if mask is None:
        return None
    is_float = mask.dtype.is_floating_point
    if mask.dtype is not dtypes.bool and not is_float:
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    if check_other and other_type is not None and mask.dtype != other_type:
        warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. "
                      "Use same type for both instead.", stacklevel=3)
    if not is_float:
        xp = xp_of(mask)
        mask = Tensor._make(xp.where(mask._data, -math.inf, 0.0).astype(target_type.numpy),
                            mask._device)
    return mask


def _none_or_dtype(input):
    if input is None:
        return None
    if isinstance(input, Tensor):
        return input.dtype
    raise RuntimeError("input to _none_or_dtype() must be None or torch.Tensor")


def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads):
    """Whether the input is batched; torch's AssertionErrors for inconsistent ranks."""
    if query.dim() == 3:
        kind, rank, pad_rank = "batched (3-D)", 3, 2
    elif query.dim() == 2:
        kind, rank, pad_rank = "unbatched (2-D)", 2, 1
    else:
        raise AssertionError("query should be unbatched 2D or batched 3D tensor but received "
                             f"{query.dim()}-D query tensor")
    if key.dim() != rank or value.dim() != rank:
        raise AssertionError(f"For {kind} `query`, expected `key` and `value` to be {rank}-D but "
                             f"found {key.dim()}-D and {value.dim()}-D tensors respectively")
    if key_padding_mask is not None and key_padding_mask.dim() != pad_rank:
        raise AssertionError(f"For {kind} `query`, expected `key_padding_mask` to be `None` or "
                             f"{pad_rank}-D but found {key_padding_mask.dim()}-D tensor instead")
    if attn_mask is not None:
        if attn_mask.dim() not in (2, 3):
            raise AssertionError(f"For {kind} `query`, expected `attn_mask` to be `None`, 2-D or "
                                 f"3-D but found {attn_mask.dim()}-D tensor instead")
        if rank == 2 and attn_mask.dim() == 3:
            expected = (num_heads, query.shape[0], key.shape[0])
            if tuple(attn_mask.shape) != expected:
                raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got "
                                     f"{attn_mask.shape}")
    return rank == 3


def _pad_last(mask):
    """mask with one more column of zeros (for an added key)."""
    return cat([mask, mask.new_zeros(tuple(mask.shape[:-1]) + (1,))], -1)


def _in_projection(query, key, value, weights, biases):
    if query is key and key is value and weights[3] is not None:
        # Self-attention: one matmul for q, k and v.
        qkv = linear(query, weights[3], biases)
        return qkv.chunk(3, -1)
    b_q, b_k, b_v = (None, None, None) if biases is None else biases.chunk(3)
    return linear(query, weights[0], b_q), linear(key, weights[1], b_k), \
        linear(value, weights[2], b_v)


def _projection_weights(in_proj_weight, use_separate, q_w, k_w, v_w):
    """(w_q, w_k, w_v, packed weight or None)."""
    if not use_separate:
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        w_q, w_k, w_v = in_proj_weight.chunk(3)
        return w_q, w_k, w_v, in_proj_weight
    for name, w in (("q_proj_weight", q_w), ("k_proj_weight", k_w), ("v_proj_weight", v_w)):
        if w is None:
            raise AssertionError(f"use_separate_proj_weight is True but {name} is None")
    return q_w, k_w, v_w, None


def _check_attn_mask(attn_mask, tgt_len, src_len, bsz, num_heads):
    if attn_mask.dim() == 2:
        if tuple(attn_mask.shape) != (tgt_len, src_len):
            raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but should "
                               f"be {(tgt_len, src_len)}.")
        return attn_mask.unsqueeze(0)
    if attn_mask.dim() == 3:
        expected = (bsz * num_heads, tgt_len, src_len)
        if tuple(attn_mask.shape) != expected:
            raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but should "
                               f"be {expected}.")
        return attn_mask
    raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")


def _heads(t, length, bsz, num_heads, head_dim):
    """(length, bsz, E) -> (bsz * num_heads, length, head_dim)."""
    return t.reshape(length, bsz * num_heads, head_dim).transpose(0, 1)


def _static(static, bsz, num_heads, head_dim, name):
    if static.size(0) != bsz * num_heads:
        raise AssertionError(f"expecting {name}.size(0) of {bsz * num_heads}, but got "
                             f"{static.size(0)}")
    if static.size(2) != head_dim:
        raise AssertionError(f"expecting {name}.size(2) of {head_dim}, but got "
                             f"{static.size(2)}")
    return static


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads,
                                 in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn,
                                 dropout_p, out_proj_weight, out_proj_bias, training=True,
                                 key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights=True, is_causal=False):
    """Sequence-first (L, N, E) multi-head attention; returns (output, weights or None)."""
    is_batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not is_batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask",
                                       _none_or_dtype(attn_mask), "attn_mask", query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to "
                           "create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, False)
        if key_padding_mask is not None:
            is_causal = False
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but "
                             f"got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if key.shape[:2] != value.shape[:2]:
            raise AssertionError(f"key's sequence and batch dims {key.shape[:2]} do not match "
                                 f"value's {value.shape[:2]}")
    elif key.shape != value.shape:
        raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")
    weights = _projection_weights(in_proj_weight, use_separate_proj_weight, q_proj_weight,
                                  k_proj_weight, v_proj_weight)
    q, k, v = _in_projection(query, key, value, weights, in_proj_bias)
    if attn_mask is not None:
        attn_mask = _check_attn_mask(attn_mask, tgt_len, src_len, bsz, num_heads)
    if bias_k is not None and bias_v is not None:
        if static_k is not None:
            raise AssertionError("bias cannot be added to static key.")
        if static_v is not None:
            raise AssertionError("bias cannot be added to static value.")
        k = cat([k, bias_k.expand(1, bsz, embed_dim)])
        v = cat([v, bias_v.expand(1, bsz, embed_dim)])
        attn_mask = None if attn_mask is None else _pad_last(attn_mask)
        key_padding_mask = None if key_padding_mask is None else _pad_last(key_padding_mask)
    elif bias_k is not None:
        raise AssertionError("bias_k is set but bias_v is None")
    elif bias_v is not None:
        raise AssertionError("bias_v is set but bias_k is None")
    q = _heads(q, tgt_len, bsz, num_heads, head_dim)
    k = _heads(k, k.shape[0], bsz, num_heads, head_dim) if static_k is None else \
        _static(static_k, bsz, num_heads, head_dim, "static_k")
    v = _heads(v, v.shape[0], bsz, num_heads, head_dim) if static_v is None else \
        _static(static_v, bsz, num_heads, head_dim, "static_v")
    if add_zero_attn:
        zeros = k.new_zeros((bsz * num_heads, 1, head_dim))
        k, v = cat([k, zeros], 1), cat([v, zeros], 1)
        attn_mask = None if attn_mask is None else _pad_last(attn_mask)
        key_padding_mask = None if key_padding_mask is None else _pad_last(key_padding_mask)
    src_len = k.size(1)
    if key_padding_mask is not None:
        if key_padding_mask.shape[0] != bsz:
            raise AssertionError(f"Expected key_padded_mask.shape[0] to be {bsz}, but got "
                                 f"{key_padding_mask.shape[0]}")
        if key_padding_mask.shape[1] != src_len:
            raise AssertionError(f"Expected key_padded_mask.shape[1] to be {src_len}, but got "
                                 f"{key_padding_mask.shape[1]}")
        padding = key_padding_mask.reshape(bsz, 1, 1, src_len) \
            .expand(bsz, num_heads, 1, src_len).reshape(bsz * num_heads, 1, src_len)
        attn_mask = padding if attn_mask is None else attn_mask + padding
    if not training:
        dropout_p = 0.0
    if need_weights:
        return _attention_with_weights(q, k, v, attn_mask, dropout_p, out_proj_weight,
                                       out_proj_bias, tgt_len, bsz, num_heads, embed_dim,
                                       average_attn_weights, is_batched)
    if attn_mask is not None:
        attn_mask = attn_mask.unsqueeze(0) if attn_mask.size(0) == 1 else \
            attn_mask.reshape(bsz, num_heads, -1, src_len)
    q = q.reshape(bsz, num_heads, tgt_len, head_dim)
    k = k.reshape(bsz, num_heads, src_len, head_dim)
    v = v.reshape(bsz, num_heads, src_len, head_dim)
    out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    out = out.permute(2, 0, 1, 3).reshape(bsz * tgt_len, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, -1)
    return (out if is_batched else out.squeeze(1)), None


def _attention_with_weights(q, k, v, attn_mask, dropout_p, out_proj_weight, out_proj_bias,
                            tgt_len, bsz, num_heads, embed_dim, average, is_batched):
    """The explicit path that also returns the attention weights (torch's: a fully masked
    row gives NaN here, as in torch)."""
    from .functional import dropout
    q_scaled = q * math.sqrt(1.0 / float(q.shape[-1]))
    scores = q_scaled.matmul(k.transpose(-2, -1))
    if attn_mask is not None:
        scores = scores + attn_mask
    weights = scores.softmax(-1)
    if dropout_p > 0.0:
        weights = dropout(weights, p=dropout_p)
    out = weights.matmul(v).transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, -1)
    weights = weights.reshape(bsz, num_heads, tgt_len, -1)
    if average:
        weights = weights.mean(1)
    if not is_batched:
        out, weights = out.squeeze(1), weights.squeeze(0)
    return out, weights
