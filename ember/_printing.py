"""torch-style printing of tensors: ``repr``/``str`` and ``set_printoptions``.

The output matches torch character for character: one width for all elements, fixed
or scientific notation chosen from the range of the nonzero finite values, integral
floats printed as ``1.``, ``...`` past ``threshold`` elements, lines wrapped at
``linewidth``, and suffixes (device, dtype, grad_fn) only where torch shows them.
Formatting runs on a host NumPy copy of the data.
"""
import dataclasses
import math

import numpy

from . import _dtype as dtypes
from .backend import backend_for


@dataclasses.dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: object = None  # None: chosen per tensor; True/False: forced


_options = _PrintOptions()

_PROFILES = {
    "default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
    "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80),
}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    """torch.set_printoptions. Like torch, every call resets sci_mode (None: automatic)."""
    if profile is not None:
        for name, value in _PROFILES.get(profile, {}).items():
            setattr(_options, name, value)
    for name, value in (("precision", precision), ("threshold", threshold),
                        ("edgeitems", edgeitems), ("linewidth", linewidth)):
        if value is not None:
            setattr(_options, name, value)
    _options.sci_mode = sci_mode


def get_printoptions():
    return dataclasses.asdict(_options)


# ---------------------------------------------------------------- element formatting

class _Formatter:
    """Formats every element of one tensor (or of its real or imaginary part) to a
    common width, choosing the notation from all the values that will be shown."""

    def __init__(self, values):
        self.floating = values.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.width = 1
        flat = values.reshape(-1)
        if not self.floating:
            for value in flat.tolist():
                self.width = max(self.width, len(f"{value}"))
            return
        shown = flat[numpy.isfinite(flat) & (flat != 0)]
        if shown.size == 0:
            return
        magnitudes = numpy.abs(shown).astype(numpy.float64)
        low, high = float(magnitudes.min()), float(magnitudes.max())
        shown = shown.tolist()
        self.int_mode = all(value == math.ceil(value) for value in shown)
        if _options.sci_mode is not None:
            self.sci_mode = _options.sci_mode
        else:
            self.sci_mode = high / low > 1000.0 or high > 1.0e8 or low < 1.0e-4
        precision = _options.precision
        for value in shown:
            if self.sci_mode:
                text = f"{value:.{precision}e}"
            elif self.int_mode:
                text = f"{value:.0f}."
            else:
                text = f"{value:.{precision}f}"
            self.width = max(self.width, len(text))

    def format(self, value):
        if not self.floating:
            text = f"{value}"
        elif self.sci_mode:
            text = f"{value:{self.width}.{_options.precision}e}"
        elif self.int_mode:
            text = f"{value:.0f}" + ("." if math.isfinite(value) else "")
        else:
            text = f"{value:.{_options.precision}f}"
        return text.rjust(self.width)


def _complex_text(value, formatters):
    real, imag = formatters
    real_text = real.format(value.real)
    imag_text = (imag.format(value.imag) + "j").lstrip()
    # A negative (or signed) imaginary part brings its own sign.
    return real_text + (imag_text if imag_text[0] in "+-" else "+" + imag_text)


def _element_text(value, formatters):
    if len(formatters) == 2:
        return _complex_text(complex(value), formatters)
    return formatters[0].format(value)


# ---------------------------------------------------------------- layout

def _summarized(data):
    """Only the values that will be shown (edgeitems at each end of every dim)."""
    edge = _options.edgeitems
    if data.ndim == 0:
        return data
    if data.ndim == 1:
        if data.shape[0] > 2 * edge:
            # NOTE: with edgeitems=0, data[-0:] is everything, as in torch.
            return numpy.concatenate((data[:edge], data[-edge:]))
        return data
    if not edge:
        return data[(slice(0, 0),) * data.ndim]
    rows = range(data.shape[0])
    if data.shape[0] > 2 * edge:
        rows = list(rows[:edge]) + list(rows[-edge:])
    return numpy.stack([_summarized(data[i]) for i in rows])


def _vector_text(data, indent, summarize, formatters):
    edge = _options.edgeitems
    item_width = formatters[0].width + 2
    if len(formatters) == 2:
        item_width += formatters[1].width + 1  # the imaginary part and its "j"
    per_line = max(1, int(math.floor((_options.linewidth - indent) / item_width)))
    if summarize and not edge:
        items = ["..."]
    elif summarize and data.shape[0] > 2 * edge:
        items = ([_element_text(v, formatters) for v in data[:edge].tolist()] + [" ..."] +
                 [_element_text(v, formatters) for v in data[-edge:].tolist()])
    else:
        items = [_element_text(v, formatters) for v in data.tolist()]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_text(data, indent, summarize, formatters):
    if data.ndim == 0:
        return _element_text(data.item(), formatters)
    if data.ndim == 1:
        return _vector_text(data, indent, summarize, formatters)
    edge = _options.edgeitems
    count = data.shape[0]
    if summarize and count > 2 * edge:
        parts = ([_nested_text(data[i], indent + 1, summarize, formatters)
                  for i in range(edge)] + ["..."] +
                 [_nested_text(data[i], indent + 1, summarize, formatters)
                  for i in range(count - edge, count)])
    else:
        parts = [_nested_text(data[i], indent + 1, summarize, formatters)
                 for i in range(count)]
    # Sub-tensors of a k-d tensor are separated by k-1 newlines.
    separator = "," + "\n" * (data.ndim - 1) + " " * (indent + 1)
    return "[" + separator.join(parts) + "]"


def _body_text(data, indent):
    summarize = data.size > _options.threshold
    if data.dtype.kind == "c":
        formatters = tuple(_Formatter(_summarized(part) if summarize else part)
                           for part in (data.real, data.imag))
    else:
        formatters = (_Formatter(_summarized(data) if summarize else data),)
    return _nested_text(data, indent, summarize, formatters)


def _host_data(t):
    data = backend_for(t._device).to_numpy(t._data)
    if t._dtype in (dtypes.bfloat16, dtypes.float16):
        # float32 holds every half value exactly and NumPy formats it natively.
        data = data.astype(numpy.float32)
    return data


# ---------------------------------------------------------------- repr

def _add_suffixes(text, suffixes, indent):
    """Append ', suffix' items, starting a new line where one would pass linewidth."""
    pieces = [text]
    line_length = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if line_length + len(suffix) + 2 > _options.linewidth:
            pieces.append(",\n" + " " * indent + suffix)
            line_length = indent + len(suffix)
        else:
            pieces.append(", " + suffix)
            line_length += len(suffix) + 2
    pieces.append(")")
    return "".join(pieces)


def _shows_dtype(dtype):
    default = dtypes.get_default_dtype()
    return dtype not in (default, dtypes.default_complex_dtype(), dtypes.int64, dtypes.bool)


def tensor_repr(t):
    """repr(tensor) as torch writes it, with 'ember.' dtype names."""
    plain = type(t).__name__ in ("Tensor", "Parameter")
    prefix = "tensor(" if plain else f"{type(t).__name__}("
    indent = len(prefix)
    suffixes = []
    if t._device.type != "cpu":
        suffixes.append(f"device='{t._device}'")
    shape = tuple(t._data.shape)
    if t._data.size == 0:
        if len(shape) != 1:
            suffixes.append(f"size={shape}")
        if t._dtype is not dtypes.get_default_dtype():
            suffixes.append(f"dtype={t._dtype}")
        body = "[]"
    else:
        if not _options.edgeitems:
            suffixes.append(f"size={shape}")
        if _shows_dtype(t._dtype):
            suffixes.append(f"dtype={t._dtype}")
        body = _body_text(_host_data(t), indent)
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.short_name()}>")
    elif t._requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)


def parameter_repr(p):
    """repr(nn.Parameter): torch's header line, then the tensor."""
    return "Parameter containing:\n" + tensor_repr(p)
