"""Variable-length sequences for the recurrent layers (torch.nn.utils.rnn).

A PackedSequence stores the steps of a batch of sequences sorted by decreasing length
in time-major order: the rows of step t are the first batch_sizes[t] sequences. Every
conversion here is one differentiable row gather (``_embedding_ops.Embedding``) driven
by an index table computed on the host from the lengths.
"""
from collections import namedtuple

from ... import _dtype as dtypes
from ..._device import CPU
from ...backend import cpu_backend
from ..._tensor import Tensor
from ...ops.creation import tensor as _tensor
from ...ops._util import broadcast_shapes
from ...ops.shape import cat
from .._embedding_ops import Embedding

host = cpu_backend.xp  # lengths and index tables are computed on the host

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence",
           "pad_packed_sequence", "pad_sequence", "unpad_sequence", "pack_sequence",
           "unpack_sequence"]


def _gather_rows(source, index):
    """source[index] along dim 0 for an integer index array of any shape."""
    index_tensor = Tensor._make(host.ascontiguousarray(index, dtype=host.int64), CPU)
    if source._device is not CPU:
        index_tensor = index_tensor.to(source.device)
    return Embedding.apply(source, index_tensor, source.shape[0], None)


def _host(values):
    """A host int64 array from a tensor or a sequence."""
    if isinstance(values, Tensor):
        return host.asarray(values.detach().cpu().numpy(), dtype=host.int64)
    return host.asarray(values, dtype=host.int64)


def invert_permutation(permutation):
    if permutation is None:
        return None
    inverse = host.empty_like(_host(permutation))
    inverse[_host(permutation)] = host.arange(inverse.size)
    return _tensor(inverse, device=permutation.device)


class PackedSequence(namedtuple("PackedSequence_",
                                ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """(data, batch_sizes, sorted_indices, unsorted_indices): a packed batch of sequences
    (batch_sizes lives on the CPU; sorted_indices orders the original batch by length)."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:
            data, batch_sizes = data
        elif batch_sizes.device.type != "cpu":
            raise ValueError(
                "batch_sizes should always be on CPU. Instances of PackedSequence should "
                "never be created manually. They should be instantiated by functions like "
                "pack_sequence and pack_padded_sequences in nn.utils.rnn. "
                "https://pytorch.org/docs/stable/nn.html#torch.nn.utils.rnn.pack_sequence")
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        """data moved/cast like Tensor.to; the indices follow data's device."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        sorted_indices = None if self.sorted_indices is None else \
            self.sorted_indices.to(data.device)
        unsorted_indices = None if self.unsorted_indices is None else \
            self.unsorted_indices.to(data.device)
        return type(self)(data, self.batch_sizes, sorted_indices, unsorted_indices)

    def cuda(self, *args, **kwargs):
        return self.to(self.data.cuda(*args, **kwargs).device)

    def cpu(self, *args, **kwargs):
        return self.to("cpu")

    def pin_memory(self):
        return self

    def double(self):
        return self.to(dtype=dtypes.float64)

    def float(self):
        return self.to(dtype=dtypes.float32)

    def half(self):
        return self.to(dtype=dtypes.float16)

    def long(self):
        return self.to(dtype=dtypes.int64)

    def int(self):
        return self.to(dtype=dtypes.int32)

    def short(self):
        return self.to(dtype=dtypes.int16)

    def char(self):
        return self.to(dtype=dtypes.int8)

    def byte(self):
        return self.to(dtype=dtypes.uint8)

    @property
    def is_cuda(self):
        return self.data.is_cuda

    def is_pinned(self):
        return False


def _check_lengths(lengths, batch, enforce_sorted):
    if lengths.ndim != 1:
        raise RuntimeError("'lengths' argument should be a 1D CPU int64 tensor, but got "
                           f"{lengths.ndim}D cpu Long tensor")
    if lengths.size != batch:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{lengths.size} (batch_size={batch})")
    if lengths.size and lengths.min() <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an "
                           "element in 'lengths' that is <= 0")
    if enforce_sorted and host.any(host.diff(lengths) > 0):
        raise RuntimeError(
            "`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
            "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
            "pack_sequence to sidestep this requirement if you do not need ONNX "
            "exportability.")


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded (T, B, *) batch (B, T, * with batch_first) of sequences with the given
    lengths; enforce_sorted=False sorts them by decreasing length first."""
    lengths = _host(lengths)
    steps, batch = (input.shape[1], input.shape[0]) if batch_first else input.shape[:2]
    _check_lengths(lengths, batch, enforce_sorted)
    if lengths.size and lengths.max() > steps:
        raise RuntimeError(f"Expected all lengths to be at most the padded length {steps}, "
                           f"but got {int(lengths.max())}")
    order = host.arange(batch) if enforce_sorted else \
        host.argsort(-lengths, kind="stable")
    lengths = lengths[order]
    batch_sizes = (lengths[None, :] > host.arange(lengths[0] if batch else 0)[:, None]) \
        .sum(1)
    # Row (t, j) of the packed data is step t of the j-th longest sequence.
    t = host.repeat(host.arange(batch_sizes.size), batch_sizes)
    j = host.concatenate([host.arange(n) for n in batch_sizes]) if batch_sizes.size else t
    flat = order[j] * steps + t if batch_first else t * batch + order[j]
    data = _gather_rows(input.reshape((steps * batch,) + tuple(input.shape[2:])), flat)
    sorted_indices = None if enforce_sorted else _tensor(order, device=input.device)
    return PackedSequence(data, _tensor(batch_sizes, dtype=dtypes.int64), sorted_indices,
                          None)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """The inverse of pack_padded_sequence: (padded batch, lengths) in the original order."""
    batch_sizes = _host(sequence.batch_sizes)
    steps = batch_sizes.size
    if total_length is not None:
        if total_length < steps:
            raise ValueError("Expected total_length to be at least the length of the longest "
                             f"sequence in input, but got total_length={total_length} and max "
                             f"sequence length being {steps}")
        steps = total_length
    data = sequence.data
    batch = int(batch_sizes[0]) if batch_sizes.size else 0
    lengths = (batch_sizes[None, :] > host.arange(batch)[:, None]).sum(1)
    order = host.arange(batch) if sequence.unsorted_indices is None else \
        _host(sequence.unsorted_indices)
    starts = host.concatenate([[0], host.cumsum(batch_sizes)[:-1]]).astype(host.int64)
    # index[t, b]: the packed row of step t of sequence b, or the padding row.
    pad_row = data.shape[0]
    index = host.full((steps, batch), pad_row, dtype=host.int64)
    for b in range(batch):
        j = order[b]
        index[:lengths[j], b] = starts[:lengths[j]] + j
    padding = data.new_full((1,) + tuple(data.shape[1:]), padding_value)
    padded = _gather_rows(cat([data, padding]), index.T if batch_first else index)
    return padded, _tensor(lengths[order], dtype=dtypes.int64)


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack sequences of shape (L_i, *) into (max L, B, *) (or (B, max L, *)), padding at
    the end (padding_side="right") or the start ("left")."""
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got "
                           f"{padding_side}.")
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    trailing = tuple(sequences[0].shape[1:])
    sequences = [_fit(seq, trailing) for seq in sequences]
    lengths = host.array([s.shape[0] for s in sequences], dtype=host.int64)
    steps, batch = int(lengths.max()), len(sequences)
    starts = host.concatenate([[0], host.cumsum(lengths)[:-1]]).astype(host.int64)
    pad_row = int(lengths.sum())
    index = host.full((batch, steps), pad_row, dtype=host.int64)
    for b, (start, length) in enumerate(zip(starts, lengths)):
        offset = steps - length if padding_side == "left" else 0
        index[b, offset:offset + length] = host.arange(start, start + length)
    first = sequences[0]
    padding = first.new_full((1,) + trailing, padding_value)
    rows = cat(sequences + [padding])
    return _gather_rows(rows, index if batch_first else index.T)


def _fit(seq, trailing):
    """seq broadcast to (len, *trailing), as torch copies each sequence into its slot."""
    slot = (seq.shape[0],) + trailing
    if tuple(seq.shape) == slot:
        return seq
    shape = broadcast_shapes(slot, tuple(seq.shape))
    if shape != slot:
        raise RuntimeError(f"output with shape {list(slot)} doesn't match the broadcast shape "
                           f"{list(shape)}")
    return seq.expand(slot)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """The list of sequences padded_sequences holds (the inverse of pad_sequence)."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [seq[:int(length)] for seq, length in zip(padded_sequences, _host(lengths))]


def pack_sequence(sequences, enforce_sorted=True):
    lengths = [s.size(0) for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths,
                                enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
