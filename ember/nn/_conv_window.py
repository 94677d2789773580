"""Sliding windows over the trailing dims of an array: the geometry shared by
convolution, fold/unfold and pooling, and the two array kernels built on it.

``im2col`` reads every window through one strided view of the (padded) input and copies
it into the layout of one batched matmul; ``col2im`` is its adjoint, adding the columns
back with one strided add per kernel position (never a per-element scatter).
"""
import itertools
import math


class Window:
    """Windows of ``kernel`` elements, ``dilation`` apart, every ``stride`` elements,
    over trailing dims of ``size`` padded by ``pad`` ((lo, hi) per dim).

    ``out`` is the number of windows per dim; by default as many as fit (floor mode).
    Pooling in ceil mode passes a larger ``out``: the last window may then hang over the
    high padding, and ``hi`` is widened to hold it (see ``reach``).
    """

    __slots__ = ("size", "kernel", "stride", "dilation", "pad", "out", "nd")

    def __init__(self, size, kernel, stride, dilation, pad, out=None):
        self.size = tuple(size)
        self.kernel = tuple(kernel)
        self.stride = tuple(stride)
        self.dilation = tuple(dilation)
        self.pad = tuple(pad)
        self.nd = len(self.size)
        if out is None:
            out = tuple((s + lo + hi - d * (k - 1) - 1) // st + 1 for s, k, st, d, (lo, hi)
                        in zip(self.size, self.kernel, self.stride, self.dilation, self.pad))
        self.out = tuple(out)

    def __repr__(self):
        return (f"Window(size={self.size}, kernel={self.kernel}, stride={self.stride}, "
                f"dilation={self.dilation}, pad={self.pad}, out={self.out})")

    @property
    def numel(self):
        """Kernel positions per window."""
        return math.prod(self.kernel)

    @property
    def reach(self):
        """Per dim: how far into the padded input the last window ends."""
        return tuple(st * (o - 1) + d * (k - 1) + 1 if o > 0 else 0 for o, st, d, k
                     in zip(self.out, self.stride, self.dilation, self.kernel))

    @property
    def padded_size(self):
        """The padded input, widened where a ceil-mode window hangs over its end."""
        return tuple(max(lo + s + hi, r) for s, (lo, hi), r
                     in zip(self.size, self.pad, self.reach))

    def positions(self):
        """Every kernel position, as an index tuple."""
        return itertools.product(*(range(k) for k in self.kernel))

    def slices(self, position):
        """Slices of the padded trailing dims read by kernel position ``position``,
        one element per window."""
        return tuple(slice(p * d, p * d + st * (o - 1) + 1, st) if o > 0 else slice(0, 0)
                     for p, d, st, o in zip(position, self.dilation, self.stride, self.out))

    def interior(self):
        """Slices of the padded trailing dims that hold the input itself."""
        return tuple(slice(lo, lo + s) for s, (lo, _) in zip(self.size, self.pad))

    def is_padded(self):
        return self.padded_size != self.size

    def padded(self, xp, a, value=0):
        """a (..., *size) placed inside an array of the padded size filled with value."""
        if not self.is_padded():
            return a
        lead = a.shape[:a.ndim - self.nd]
        out = xp.full(lead + self.padded_size, value, dtype=a.dtype)
        out[(Ellipsis,) + self.interior()] = a
        return out

    def cropped(self, a):
        """The interior of a padded array (a view)."""
        if not self.is_padded():
            return a
        return a[(Ellipsis,) + self.interior()]


def im2col(xp, window, x, groups):
    """x (N, C, *size) -> columns (N, groups, K * C/groups, L), with K kernel positions
    (outer) by C/groups channels (inner), and L = prod(window.out) windows."""
    x = window.padded(xp, x)
    n, c = x.shape[:2]
    cg = c // groups
    s_n, s_c = x.strides[:2]
    spatial = x.strides[2:]
    shape = (n, groups) + window.kernel + (cg,) + window.out
    strides = ((s_n, s_c * cg) + tuple(d * s for d, s in zip(window.dilation, spatial))
               + (s_c,) + tuple(st * s for st, s in zip(window.stride, spatial)))
    view = xp.lib.stride_tricks.as_strided(x, shape, strides)
    return view.reshape(n, groups, window.numel * cg, math.prod(window.out))


def col2im(xp, window, cols, channels, groups, dtype):
    """The adjoint of im2col: columns (N, groups, K * C/groups, L) -> (N, C, *size),
    each column entry added into the input position it was read from."""
    n = cols.shape[0]
    cg = channels // groups
    cols = cols.reshape((n, groups) + window.kernel + (cg,) + window.out)
    padded = xp.zeros((n, groups, cg) + window.padded_size, dtype=dtype)
    lead = (slice(None),) * 3
    for position in window.positions():
        target = padded[lead + window.slices(position)]
        target += cols[(slice(None), slice(None)) + position]
    return window.cropped(padded.reshape((n, channels) + window.padded_size))
