"""Which ops autocast touches, and how: torch's per-device cast policies.

Keys are the names an op's public function passes to ``autocast_call`` (torch's aten
names, with ``linalg_``/``fft_`` prefixes for those namespaces). The CPU table is
torch's observable behaviour under ``torch.autocast("cpu")``: its explicit lists plus
the composites that torch decomposes into a listed op (einsum, tensordot, inner,
multi_dot run through mm, so they come out in the low dtype too). The CUDA table is
torch's CUDA lists; cross_entropy is listed there because torch's composite (log_softmax
then nll_loss) ends in float32.

Policies:
  LOWER     cast floating inputs to the autocast dtype (bfloat16 / float16)
  FP32      cast floating inputs to float32
  FP32_OPT  run in float32 through the op's own ``dtype=`` argument, when the caller
            gave none and the first input is eligible (softmax, sum, cumsum, norm...)
  PROMOTE   cast floating inputs to the widest floating dtype among them
  BANNED    raise (binary_cross_entropy under CUDA autocast)
"""
LOWER = "lower_precision_fp"
FP32 = "fp32"
FP32_OPT = "fp32_set_opt_dtype"
PROMOTE = "promote"
BANNED = "banned"


def _table(**groups):
    table = {}
    for policy, names in groups.items():
        for name in names.split():
            table[name] = globals()[policy]
    return table


CPU = _table(
    LOWER="""
        conv1d conv2d conv3d conv_tbc conv_transpose1d conv_transpose2d conv_transpose3d
        prelu scaled_dot_product_attention matmul mm bmm addmm baddbmm addbmm linear
        linalg_vecdot einsum tensordot inner chain_matmul linalg_multi_dot
        rnn_tanh_cell rnn_relu_cell
    """,
    FP32="""
        avg_pool3d max_pool3d adaptive_avg_pool3d adaptive_max_pool3d max_unpool2d
        max_unpool3d fractional_max_pool2d fractional_max_pool3d
        reflection_pad1d reflection_pad2d replication_pad1d replication_pad2d
        replication_pad3d grid_sample polar view_as_complex stft
        prod quantile nanquantile cdist trace
        cholesky cholesky_inverse cholesky_solve inverse lu_solve lu orgqr ormqr geqrf
        pinverse qr svd triangular_solve
        linalg_cond linalg_matrix_rank linalg_solve linalg_cholesky linalg_cholesky_ex
        linalg_svdvals linalg_eigvals linalg_eigvalsh linalg_inv linalg_inv_ex
        linalg_householder_product linalg_tensorinv linalg_tensorsolve linalg_qr
        linalg_svd linalg_eig linalg_eigh linalg_lstsq
        fft_fft fft_ifft fft_fft2 fft_ifft2 fft_fftn fft_ifftn fft_rfft fft_irfft
        fft_rfft2 fft_irfft2 fft_rfftn fft_irfftn fft_hfft fft_ihfft
        binary_cross_entropy binary_cross_entropy_with_logits cross_entropy nll_loss
        mse_loss l1_loss smooth_l1_loss huber_loss kl_div margin_ranking_loss
        soft_margin_loss triplet_margin_loss multi_margin_loss multilabel_margin_loss
        hinge_embedding_loss cosine_embedding_loss poisson_nll_loss ctc_loss
        fake_quantize_per_tensor_affine
    """,
    PROMOTE="cat stack index_copy",
)

CUDA = _table(
    LOWER="""
        conv1d conv2d conv3d conv_tbc conv_transpose1d conv_transpose2d conv_transpose3d
        prelu scaled_dot_product_attention matmul mm mv bmm addmm addmv addr baddbmm
        addbmm linear linalg_vecdot einsum inner chain_matmul linalg_multi_dot
        lstm_cell gru_cell rnn_tanh_cell rnn_relu_cell
    """,
    FP32="""
        acos asin cosh erfinv exp expm1 log log10 log2 log1p reciprocal rsqrt sinh tan
        pow softplus layer_norm group_norm cosine_similarity renorm logsumexp
        dist pdist cdist interpolate
        binary_cross_entropy_with_logits cross_entropy nll_loss mse_loss l1_loss
        smooth_l1_loss huber_loss kl_div margin_ranking_loss soft_margin_loss
        triplet_margin_loss multi_margin_loss multilabel_margin_loss
        hinge_embedding_loss cosine_embedding_loss poisson_nll_loss
    """,
    FP32_OPT="""
        prod softmax log_softmax softmin cumprod cumsum sum norm
        linalg_vector_norm linalg_matrix_norm linalg_norm
    """,
    PROMOTE="""
        addcdiv addcmul atan2 bilinear cross linalg_cross dot vdot grid_sample
        index_put tensordot scatter_add
    """,
    BANNED="binary_cross_entropy",
)

BY_DEVICE = {"cpu": CPU, "cuda": CUDA}

BANNED_MESSAGES = {
    "binary_cross_entropy": (
        "torch.nn.functional.binary_cross_entropy and torch.nn.BCELoss are unsafe to "
        "autocast.\nMany models use a sigmoid layer right before the binary cross entropy "
        "layer.\nIn this case, combine the two layers using "
        "torch.nn.functional.binary_cross_entropy_with_logits\nor torch.nn.BCEWithLogitsLoss."
        "  binary_cross_entropy_with_logits and BCEWithLogits are\nsafe to autocast."),
}
