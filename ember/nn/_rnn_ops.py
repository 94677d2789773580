"""The recurrent core: one direction of one RNN/LSTM/GRU layer as a single primitive.

The caller computes the input projections of every time step in one matmul (with the
biases folded in); the primitive runs only the recurrence. Its input is in the packed
(time-major) layout: the rows of step t are the first batch_sizes[t] sequences, so a
padded batch is the special case of equal batch sizes.

Each cell is written once as ``step`` and ``back`` over the ops namespace of
``_twin``: the primitive runs them on raw arrays (forward, and the plain backward),
and re-runs them on ember tensors when a double backward needs a differentiable
gradient.
"""
from ..autograd.graph import Primitive
from ..ops._util import xp_of
from ._twin import TENSOR_OPS, array_ops, differentiable, wrap


# ---------------------------------------------------------------- cells

class _Tanh:
    """h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (biases folded into xg)."""
    gates = 1
    has_cell = False

    @staticmethod
    def step(K, xg, h, c, w_hh, b_hh):
        out = K.tanh(xg + h @ w_hh.T)
        return out, None, (out,)

    @staticmethod
    def pre_activation_grad(K, dh, saved):
        (out,) = saved
        return dh * (1 - out * out)

    @classmethod
    def back(cls, K, dh, dc, saved, w_hh):
        dpre = cls.pre_activation_grad(K, dh, saved)
        return dpre, dpre, dpre @ w_hh, None


class _Relu(_Tanh):
    @staticmethod
    def step(K, xg, h, c, w_hh, b_hh):
        out = K.relu(xg + h @ w_hh.T)
        return out, None, (out,)

    @staticmethod
    def pre_activation_grad(K, dh, saved):
        return dh * K.positive(saved[0])


class _LSTM:
    """Gates i, f, g, o (torch's order); c' = f c + i g, h' = o tanh(c')."""
    gates = 4
    has_cell = True

    @staticmethod
    def step(K, xg, h, c, w_hh, b_hh):
        size = c.shape[1]
        pre = xg + h @ w_hh.T
        # One sigmoid over all four blocks (fewer kernel calls); block g uses tanh.
        s = K.sigmoid(pre)
        i, f, o = s[:, :size], s[:, size:2 * size], s[:, 3 * size:]
        g = K.tanh(pre[:, 2 * size:3 * size])
        c_next = f * c + i * g
        tc = K.tanh(c_next)
        return o * tc, c_next, (i, f, g, o, c, tc)

    @staticmethod
    def back(K, dh, dc, saved, w_hh):
        i, f, g, o, c, tc = saved
        dc_next = dc + dh * o * (1 - tc * tc)
        dpre = K.cat([dc_next * g * i * (1 - i), dc_next * c * f * (1 - f),
                      dc_next * i * (1 - g * g), dh * tc * o * (1 - o)], 1)
        return dpre, dpre, dpre @ w_hh, dc_next * f


class _GRU:
    """Gates r, z, n (torch's order); n = tanh(xg_n + r (h W_hn^T + b_hn)),
    h' = (1 - z) n + z h."""
    gates = 3
    has_cell = False

    @staticmethod
    def step(K, xg, h, c, w_hh, b_hh):
        size = h.shape[1]
        hg = h @ w_hh.T
        if b_hh is not None:
            hg = hg + b_hh
        rz = K.sigmoid(xg[:, :2 * size] + hg[:, :2 * size])
        r, z = rz[:, :size], rz[:, size:]
        hg_n = hg[:, 2 * size:]
        n = K.tanh(xg[:, 2 * size:] + r * hg_n)
        return n + z * (h - n), None, (r, z, n, hg_n, h)

    @staticmethod
    def back(K, dh, dc, saved, w_hh):
        r, z, n, hg_n, h = saved
        dn = dh * (1 - z) * (1 - n * n)
        dr = dn * hg_n * r * (1 - r)
        dz = dh * (h - n) * z * (1 - z)
        dxg = K.cat([dr, dz, dn], 1)
        dhg = K.cat([dr, dz, dn * r], 1)
        return dxg, dhg, dh * z + dhg @ w_hh, None


CELLS = {"RNN_TANH": _Tanh, "RNN_RELU": _Relu, "LSTM": _LSTM, "GRU": _GRU}


# ---------------------------------------------------------------- the time loop

def _starts(batch_sizes):
    starts, total = [], 0
    for size in batch_sizes:
        starts.append(total)
        total += size
    return starts


def run_forward(K, cell, xg, h0, c0, w_hh, b_hh, w_hr, batch_sizes, reverse):
    """Run the recurrence; returns (out rows, h_n, c_n, tape) where tape holds, per step
    in the order run, (t, h_prev, hr, saved) for the backward."""
    starts = _starts(batch_sizes)
    steps = range(len(batch_sizes) - 1, -1, -1) if reverse else range(len(batch_sizes))
    # The reverse direction starts at the last step, where only the longest sequences
    # are still running.
    first_size = batch_sizes[steps[0]]
    h = h0[:first_size] if first_size < h0.shape[0] else h0
    c = c0 if c0 is None or first_size == c0.shape[0] else c0[:first_size]
    finished = []          # (h, c) of sequences that ended (forward direction), last first
    outs = [None] * len(batch_sizes)
    tape = []
    for t in steps:
        size = batch_sizes[t]
        if size < h.shape[0]:
            finished.append((h[size:], None if c is None else c[size:]))
            h, c = h[:size], None if c is None else c[:size]
        elif size > h.shape[0]:
            # Reverse direction: longer sequences join with their initial state.
            h = K.cat([h, h0[h.shape[0]:size]])
            c = None if c is None else K.cat([c, c0[c.shape[0]:size]])
        xg_t = xg[starts[t]:starts[t] + size]
        h_prev = h
        hr, c, saved = cell.step(K, xg_t, h, c, w_hh, b_hh)
        h = hr if w_hr is None else hr @ w_hr.T
        outs[t] = h
        tape.append((t, h_prev, hr, saved))
    finished.append((h, c))
    finished.reverse()
    h_n = K.cat([f[0] for f in finished])
    c_n = K.cat([f[1] for f in finished]) if c0 is not None else None
    return K.cat(outs), h_n, c_n, tape


def run_backward(K, cell, tape, dout, dh_n, dc_n, w_hh, w_hr, batch_sizes):
    """Gradients (dxg rows, dh0, dc0, dw_hh, db_hh, dw_hr) of run_forward."""
    starts = _starts(batch_sizes)
    first_size = batch_sizes[tape[-1][0]]
    dh, dc = dh_n[:first_size], None if dc_n is None else dc_n[:first_size]
    initial = []           # (dh0, dc0) rows of sequences that start later (reverse), last first
    dxg = [None] * len(batch_sizes)
    dhg_all, h_prev_all, dh_all, hr_all = [], [], [], []
    for t, h_prev, hr, saved in reversed(tape):
        size = batch_sizes[t]
        if size > dh.shape[0]:
            # Forward direction: sequences that ended after step t rejoin with dh_n.
            dh = K.cat([dh, dh_n[dh.shape[0]:size]])
            dc = None if dc is None else K.cat([dc, dc_n[dc.shape[0]:size]])
        elif size < dh.shape[0]:
            initial.append((dh[size:], None if dc is None else dc[size:]))
            dh, dc = dh[:size], None if dc is None else dc[:size]
        dh = dh + dout[starts[t]:starts[t] + size]
        if w_hr is not None:
            dh_all.append(dh)
            hr_all.append(hr)
            dh = dh @ w_hr
        dxg[t], dhg, dh, dc = cell.back(K, dh, dc, saved, w_hh)
        dhg_all.append(dhg)
        h_prev_all.append(h_prev)
    initial.append((dh, dc))
    initial.reverse()
    dh0 = K.cat([p[0] for p in initial])
    dc0 = K.cat([p[1] for p in initial]) if dc_n is not None else None
    dhg = K.cat(dhg_all)
    dw_hh = dhg.T @ K.cat(h_prev_all)
    dw_hr = K.cat(dh_all).T @ K.cat(hr_all) if w_hr is not None else None
    return K.cat(dxg), dh0, dc0, dw_hh, dhg.sum(0), dw_hr


class RNNLayer(Primitive):
    """(xg, h0, c0, w_hh, b_hh, w_hr) -> (out, h_n[, c_n]) for one direction of one layer.

    xg: (rows, gates * hidden) input projections in the packed layout (biases folded in,
    except GRU's b_hh, which sits inside the reset gate); h0: (batch, out size);
    c0: LSTM's (batch, hidden) or None; w_hr: LSTM's projection or None.
    """
    # NOTE: a primitive: a time step here is one small matmul plus the cell's pointwise
    # formula on raw arrays, with no graph node or dispatch per step; the backward
    # accumulates the recurrent weight gradient as one matmul over all steps.

    @staticmethod
    def forward(ctx, xg, h0, c0, w_hh, b_hh, w_hr, mode, batch_sizes, reverse):
        K = array_ops(xp_of(xg))
        cell = CELLS[mode]
        arrays = [None if t is None else t._data for t in (xg, h0, c0, w_hh, b_hh, w_hr)]
        out, h_n, c_n, tape = run_forward(K, cell, *arrays, batch_sizes, reverse)
        ctx.tape = tape
        ctx.mode, ctx.batch_sizes, ctx.reverse = mode, batch_sizes, reverse
        ctx.save_for_backward(xg, h0, c0, w_hh, b_hh, w_hr)
        return (out, h_n) if c0 is None else (out, h_n, c_n)

    @staticmethod
    def backward(ctx, dout, dh_n, dc_n=None):
        xg, h0, c0, w_hh, b_hh, w_hr = ctx.saved_tensors
        cell = CELLS[ctx.mode]
        if differentiable():
            K = TENSOR_OPS
            tape = run_forward(K, cell, xg, h0, c0, w_hh, b_hh, w_hr, ctx.batch_sizes,
                               ctx.reverse)[3]
            grads = run_backward(K, cell, tape, dout, dh_n, dc_n, w_hh, w_hr, ctx.batch_sizes)
        else:
            K = array_ops(xp_of(xg))
            grads = run_backward(K, cell, ctx.tape, dout._data, dh_n._data,
                                 None if dc_n is None else dc_n._data, w_hh._data,
                                 None if w_hr is None else w_hr._data, ctx.batch_sizes)
            grads = tuple(wrap(g, xg) for g in grads)
        dxg, dh0, dc0, dw_hh, db_hh, dw_hr = grads
        return (dxg, dh0, dc0, dw_hh, db_hh if b_hh is not None else None, dw_hr,
                None, None, None)

    def _release(self):
        super()._release()
        self.tape = None


def rnn_layer(mode, xg, h0, c0, w_hh, b_hh, w_hr, batch_sizes, reverse):
    return RNNLayer.apply(xg, h0, c0, w_hh, b_hh, w_hr, mode, tuple(batch_sizes), reverse)
