"""RNN, LSTM, GRU and their single-step cells.

Each layer and direction computes the input projections of the whole sequence in one
matmul, then runs the recurrence as one fused primitive (``_rnn_ops.RNNLayer``).
Parameters, their names, shapes and initialisation are torch's.
"""
import math
import numbers
import warnings

from ...ops.creation import empty, zeros
from ...ops.shape import cat, stack
from .. import functional as F, init
from .._ops import linear
from .._rnn_ops import rnn_layer
from ..parameter import Parameter
from ..utils.rnn import PackedSequence
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


def _check_int(name, value):
    if not isinstance(value, int):
        raise TypeError(f"{name} should be of type int, got: {type(value).__name__}")
    if value <= 0:
        raise ValueError(f"{name} must be greater than zero")


def _apply_permutation(tensor, permutation):
    """tensor reordered along the batch dim (1) of a (layers, batch, size) state."""
    return tensor[:, permutation]


class RNNBase(Module):
    """Shared parameters, checks and the layer loop of RNN, LSTM and GRU."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, proj_size=0,
                 device=None, dtype=None):
        super().__init__()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        self._check_arguments(dropout)
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        self._flat_weights_names = []
        self._all_weights = []
        directions = 2 if bidirectional else 1
        out_size = proj_size if proj_size > 0 else hidden_size
        factory = dict(device=device, dtype=dtype)
        for layer in range(num_layers):
            for direction in range(directions):
                layer_input = input_size if layer == 0 else out_size * directions
                shapes = [("weight_ih_l{}{}", (_GATES[mode] * hidden_size, layer_input)),
                          ("weight_hh_l{}{}", (_GATES[mode] * hidden_size, out_size))]
                if bias:
                    shapes += [("bias_ih_l{}{}", (_GATES[mode] * hidden_size,)),
                               ("bias_hh_l{}{}", (_GATES[mode] * hidden_size,))]
                if proj_size > 0:
                    shapes += [("weight_hr_l{}{}", (proj_size, hidden_size))]
                suffix = "_reverse" if direction == 1 else ""
                names = []
                for pattern, shape in shapes:
                    name = pattern.format(layer, suffix)
                    setattr(self, name, Parameter(empty(shape, **factory)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def _check_arguments(self, dropout):
        if not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1 or \
                isinstance(dropout, bool):
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if dropout > 0 and self.num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={self.num_layers}", stacklevel=3)
        for name in ("bias", "batch_first"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"{name} should be of type bool, got: "
                                f"{type(getattr(self, name)).__name__}")
        _check_int("input_size", self.input_size)
        _check_int("hidden_size", self.hidden_size)
        if self.num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if self.proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable "
                             "projections")
        if self.proj_size >= self.hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")

    @property
    def _flat_weights(self):
        return [getattr(self, name, None) for name in self._flat_weights_names]

    @property
    def all_weights(self):
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def flatten_parameters(self):
        """A no-op: ember's parameters are always usable as they are (cuDNN's packed
        weight buffer does not exist here)."""

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # ------------------------------------------------------------ checks

    def check_input(self, input, batch_sizes):
        weight_dtype = self._flat_weights[0].dtype
        if input.dtype != weight_dtype:
            raise ValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype "
                             f"({weight_dtype}). Convert input: input.to({weight_dtype}), or "
                             f"convert model: model.to({input.dtype})")
        expected = 2 if batch_sizes is not None else 3
        if input.dim() != expected:
            raise RuntimeError(f"input must have {expected} dimensions, got {input.dim()}")
        if self.input_size != input.size(-1):
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.size(-1)}")

    def get_expected_hidden_size(self, input, batch_sizes):
        if batch_sizes is not None:
            mini_batch = int(batch_sizes[0])
        else:
            mini_batch = input.size(0) if self.batch_first else input.size(1)
        directions = 2 if self.bidirectional else 1
        size = self.proj_size if self.proj_size > 0 else self.hidden_size
        return (self.num_layers * directions, mini_batch, size)

    def check_hidden_size(self, hx, expected_hidden_size, msg="Expected hidden size {}, got {}"):
        if tuple(hx.size()) != expected_hidden_size:
            raise RuntimeError(msg.format(expected_hidden_size, list(hx.size())))

    def check_forward_args(self, input, hidden, batch_sizes):
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden, self.get_expected_hidden_size(input, batch_sizes))

    def permute_hidden(self, hx, permutation):
        if permutation is None:
            return hx
        return _apply_permutation(hx, permutation)

    # ------------------------------------------------------------ running

    def _unpack_input(self, input):
        """(rows, batch_sizes, sorted_indices, unsorted_indices, batched) of any input:
        padded input becomes time-major rows with equal batch sizes."""
        if isinstance(input, PackedSequence):
            sizes = [int(s) for s in input.batch_sizes.tolist()]
            return input.data, sizes, input.sorted_indices, input.unsorted_indices, True
        if input.dim() not in (2, 3):
            raise ValueError(f"{self._get_name()}: Expected input to be 2D or 3D, got "
                             f"{input.dim()}D instead")
        return input, None, None, None, input.dim() == 3

    def _run(self, rows, hx, cx, batch_sizes):
        """The layer loop over time-major rows; returns (out rows, h_n, c_n)."""
        directions = 2 if self.bidirectional else 1
        weights = self._flat_weights
        per_direction = len(weights) // (self.num_layers * directions)
        h_n, c_n = [], []
        layer_input = rows
        for layer in range(self.num_layers):
            outs = []
            for direction in range(directions):
                index = layer * directions + direction
                w = weights[index * per_direction:(index + 1) * per_direction]
                out, h, c = self._direction(layer_input, w, hx[index],
                                            None if cx is None else cx[index],
                                            batch_sizes, direction == 1)
                outs.append(out)
                h_n.append(h)
                c_n.append(c)
            layer_input = outs[0] if directions == 1 else cat(outs, 1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, True)
        return layer_input, stack(h_n), None if cx is None else stack(c_n)

    def _direction(self, rows, w, h0, c0, batch_sizes, reverse):
        w_ih, w_hh = w[0], w[1]
        b_ih, b_hh = (w[2], w[3]) if self.bias else (None, None)
        w_hr = w[-1] if self.proj_size > 0 else None
        if self.mode == "GRU" or b_ih is None:
            xg = linear(rows, w_ih, b_ih)
        else:
            # b_hh sits outside the nonlinearity: fold it into the input projection.
            xg = linear(rows, w_ih, b_ih + b_hh)
            b_hh = None
        result = rnn_layer(self.mode, xg, h0, c0, w_hh, b_hh, w_hr, batch_sizes, reverse)
        return result if len(result) == 3 else result + (None,)

    def _prepare(self, input):
        """(checked, rows, batch_sizes, sorted_indices, unsorted_indices, batched):
        checked is the batched input torch validates; rows are time-major (T, B, in)
        for padded input, the packed data otherwise."""
        rows, batch_sizes, sorted_indices, unsorted_indices, batched = \
            self._unpack_input(input)
        checked = rows
        if batch_sizes is None:
            if not batched:
                checked = rows = rows.unsqueeze(0 if self.batch_first else 1)
            if self.batch_first:
                rows = rows.transpose(0, 1)
        return checked, rows, batch_sizes, sorted_indices, unsorted_indices, batched

    def _initial_state(self, rows, batch, size):
        directions = 2 if self.bidirectional else 1
        return zeros((self.num_layers * directions, batch, size), dtype=rows.dtype,
                     device=rows.device)

    def _compute(self, rows, batch_sizes, hx, cx):
        """rows is (T, B, in) padded (batch_sizes None) or packed (rows, in)."""
        if batch_sizes is None:
            steps, batch = rows.shape[0], rows.shape[1]
            if steps == 0:
                raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
            flat = rows.reshape(steps * batch, rows.shape[2])
            out, h_n, c_n = self._run(flat, hx, cx, [batch] * steps)
            return out.reshape(steps, batch, out.shape[-1]), h_n, c_n
        return self._run(rows, hx, cx, batch_sizes)

    def _finish(self, orig, out, batch_sizes, sorted_indices, unsorted_indices, batched):
        if isinstance(orig, PackedSequence):
            return PackedSequence(out, orig.batch_sizes, sorted_indices, unsorted_indices)
        if self.batch_first:
            out = out.transpose(0, 1)
        if not batched:
            out = out.squeeze(0 if self.batch_first else 1)
        return out


class RNN(RNNBase):
    """Elman RNN: h_t = tanh or relu(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)."""

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self.nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            self.nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if self.nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif self.nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' "
                             "or 'relu'.")
        super().__init__(mode, *args, **kwargs)

    def forward(self, input, hx=None):
        checked, rows, batch_sizes, sorted_indices, unsorted_indices, batched = \
            self._prepare(input)
        batch = int(batch_sizes[0]) if batch_sizes is not None else rows.shape[1]
        if hx is None:
            size = self.proj_size if self.proj_size > 0 else self.hidden_size
            hx = self._initial_state(rows, batch, size)
        else:
            hx = self._check_state(hx, batched)
            hx = self.permute_hidden(hx, sorted_indices)
        self.check_forward_args(checked, hx, batch_sizes)
        out, h_n, _ = self._compute(rows, batch_sizes, hx, None)
        out = self._finish(input, out, batch_sizes, sorted_indices, unsorted_indices, batched)
        h_n = self.permute_hidden(h_n, unsorted_indices)
        if batch_sizes is None and not batched:
            h_n = h_n.squeeze(1)
        return out, h_n

    def _check_state(self, hx, batched):
        if batched:
            if hx.dim() != 3:
                raise RuntimeError(f"For batched 3-D input, hx should also be 3-D but got "
                                   f"{hx.dim()}-D tensor")
            return hx
        if hx.dim() != 2:
            raise RuntimeError(f"For unbatched 2-D input, hx should also be 2-D but got "
                               f"{hx.dim()}-D tensor")
        return hx.unsqueeze(1)


class GRU(RNN):
    """Gated recurrent unit (gates r, z, n as in torch)."""

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        RNNBase.__init__(self, "GRU", *args, **kwargs)


class LSTM(RNNBase):
    """Long short-term memory (gates i, f, g, o), with an optional output projection."""

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)

    def get_expected_cell_size(self, input, batch_sizes):
        expected = self.get_expected_hidden_size(input, batch_sizes)
        return expected[:2] + (self.hidden_size,)

    def check_forward_args(self, input, hidden, batch_sizes):
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden[0], self.get_expected_hidden_size(input, batch_sizes),
                               "Expected hidden[0] size {}, got {}")
        self.check_hidden_size(hidden[1], self.get_expected_cell_size(input, batch_sizes),
                               "Expected hidden[1] size {}, got {}")

    def permute_hidden(self, hx, permutation):
        if permutation is None:
            return hx
        return _apply_permutation(hx[0], permutation), _apply_permutation(hx[1], permutation)

    def forward(self, input, hx=None):
        checked, rows, batch_sizes, sorted_indices, unsorted_indices, batched = \
            self._prepare(input)
        batch = int(batch_sizes[0]) if batch_sizes is not None else rows.shape[1]
        if hx is None:
            size = self.proj_size if self.proj_size > 0 else self.hidden_size
            hx = (self._initial_state(rows, batch, size),
                  self._initial_state(rows, batch, self.hidden_size))
        else:
            hx = self._check_state(hx, batched)
            hx = self.permute_hidden(hx, sorted_indices)
        self.check_forward_args(checked, hx, batch_sizes)
        out, h_n, c_n = self._compute(rows, batch_sizes, hx[0], hx[1])
        out = self._finish(input, out, batch_sizes, sorted_indices, unsorted_indices, batched)
        h_n, c_n = self.permute_hidden((h_n, c_n), unsorted_indices)
        if batch_sizes is None and not batched:
            h_n, c_n = h_n.squeeze(1), c_n.squeeze(1)
        return out, (h_n, c_n)

    def _check_state(self, hx, batched):
        h, c = hx[0], hx[1]
        if batched:
            if h.dim() != 3 or c.dim() != 3:
                raise RuntimeError(f"For batched 3-D input, hx and cx should also be 3-D but got "
                                   f"({h.dim()}-D, {c.dim()}-D) tensors")
            return h, c
        if h.dim() != 2 or c.dim() != 2:
            raise RuntimeError(f"For unbatched 2-D input, hx and cx should also be 2-D but got "
                               f"({h.dim()}-D, {c.dim()}-D) tensors")
        return h.unsqueeze(1), c.unsqueeze(1)


# ---------------------------------------------------------------- cells

class RNNCellBase(Module):
    """One time step: weight_ih (gates * hidden, input), weight_hh (gates * hidden,
    hidden) and their biases, initialised U(-1/sqrt(hidden), 1/sqrt(hidden))."""

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        factory = dict(device=device, dtype=dtype)
        self.weight_ih = Parameter(empty((num_chunks * hidden_size, input_size), **factory))
        self.weight_hh = Parameter(empty((num_chunks * hidden_size, hidden_size), **factory))
        if bias:
            self.bias_ih = Parameter(empty(num_chunks * hidden_size, **factory))
            self.bias_hh = Parameter(empty(num_chunks * hidden_size, **factory))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if "bias" in self.__dict__ and self.bias is not True:
            s += f", bias={self.bias}"
        if "nonlinearity" in self.__dict__ and self.nonlinearity != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _check_dims(self, input, states, names):
        name = self._get_name()
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D "
                             "instead")
        for label, h in zip(names, states):
            if h is not None and h.dim() not in (1, 2):
                raise ValueError(f"{name}: Expected {label} to be 1D or 2D, got {h.dim()}D "
                                 "instead")

    def _check_sizes(self, input, states):
        if input.size(1) != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.size(1)} "
                               f"expected {self.input_size}")
        for i, h in enumerate(states):
            if input.size(0) != h.size(0):
                raise RuntimeError(f"Input batch size {input.size(0)} doesn't match hidden{i} "
                                   f"batch size {h.size(0)}")
            if h.size(1) != self.hidden_size:
                raise RuntimeError(f"hidden{i} has inconsistent hidden_size: got {h.size(1)}, "
                                   f"expected {self.hidden_size}")

    def _step(self, mode, input, states):
        """One step through the fused layer primitive (a sequence of length one);
        states: None or the tuple (h,) or (h, c)."""
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
        count = 2 if mode == "LSTM" else 1
        if states is None:
            zero = zeros((input.size(0), self.hidden_size), dtype=input.dtype,
                         device=input.device)
            states = (zero,) * count
        elif not batched:
            states = tuple(h.unsqueeze(0) for h in states)
        self._check_sizes(input, states)
        b_ih, b_hh = self.bias_ih, self.bias_hh
        if mode != "GRU" and b_ih is not None:
            xg, b_hh = linear(input, self.weight_ih, b_ih + b_hh), None
        else:
            xg = linear(input, self.weight_ih, b_ih)
        c = states[1] if count == 2 else None
        result = rnn_layer(mode, xg, states[0], c, self.weight_hh, b_hh, None,
                           [input.size(0)], False)[1:]
        if not batched:
            result = tuple(r.squeeze(0) for r in result)
        return result


class RNNCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        self._check_dims(input, (hx,), ("hidden",))
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        mode = "RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU"
        return self._step(mode, input, None if hx is None else (hx,))[0]


class LSTMCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input, hx=None):
        states = None if hx is None else tuple(hx)
        self._check_dims(input, states or (), ("hx[0]", "hx[1]"))
        return self._step("LSTM", input, states)


class GRUCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input, hx=None):
        self._check_dims(input, (hx,), ("hidden",))
        return self._step("GRU", input, None if hx is None else (hx,))[0]
