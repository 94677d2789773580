"""safetensors.torch for ember tensors: save/load state dicts in the safetensors format."""
import collections

from ..._tensor import Tensor
from . import _format
from ._format import CODES, safe_open

__all__ = ["save", "save_file", "load", "load_file", "save_model", "load_model"]


def _arrays(tensors):
    """Check tensors as safetensors.torch does; {name: (dtype, host array)}."""
    if not isinstance(tensors, dict):
        raise ValueError(f"Expected a dict of [str, torch.Tensor] but received {type(tensors)}")
    for name, t in tensors.items():
        if not isinstance(t, Tensor):
            raise ValueError(f"Key `{name}` is invalid, expected torch.Tensor but received "
                             f"{type(t)}")
    shared = [names for names in _shared_groups(tensors) if len(names) > 1]
    if shared:
        raise RuntimeError(
            "Some tensors share memory, this will lead to duplicate memory on disk and "
            f"potential differences when loading them again: {shared}.\nA potential way to "
            "correctly save your model is to use `save_model`.")
    arrays = {}
    for name, t in tensors.items():
        if not t.is_contiguous():
            raise ValueError(
                f"You are trying to save a non contiguous tensor: `{name}` which is not "
                "allowed. It either means you are trying to save tensors which are reference "
                "of each other in which case it's recommended to save only the full tensors, "
                "and reslice at load time, or simply call `.contiguous()` on your tensor to "
                "pack it before saving.")
        if t.dtype not in CODES:
            raise ValueError(f"safetensors has no dtype for {t.dtype} (tensor `{name}`)")
        arrays[name] = (t.dtype, t.detach().cpu()._data)
    return arrays


def save(tensors, metadata=None):
    """The safetensors bytes of a dict of contiguous tensors that share no memory."""
    return _format.to_bytes(_arrays(tensors), metadata)


def save_file(tensors, filename, metadata=None):
    """Write a dict of contiguous tensors that share no memory to a safetensors file."""
    _format.to_file(_arrays(tensors), filename, metadata)


def load(data):
    """The tensors of a safetensors buffer (bytes), on the CPU."""
    return {name: _format.to_tensor(a) for name, a in _format.load_arrays(data).items()}


def load_file(filename, device="cpu"):
    """The tensors of a safetensors file, on ``device``."""
    with safe_open(filename, framework="pt", device=device) as f:
        return f.get_tensors()


# ---------------------------------------------------------------- models with tied weights

def _shared_groups(tensors):
    """Names grouped by overlapping memory (tensors of one storage may still be disjoint)."""
    by_storage = collections.defaultdict(list)
    for name, t in tensors.items():
        storage = t.untyped_storage()
        if storage.nbytes():
            by_storage[(t.device, storage.data_ptr(), storage.nbytes())].append(name)
    groups = []
    for names in by_storage.values():
        spans = sorted((tensors[n].data_ptr(), _end(tensors[n]), n) for n in names)
        stop = None
        for begin, end, name in spans:
            if stop is not None and begin < stop:
                groups[-1].add(name)
            else:
                groups.append({name})
            stop = end if stop is None else max(stop, end)
    return groups


def _end(t):
    return t.data_ptr() + t.numel() * t.element_size()


def _is_complete(t):
    storage = t.untyped_storage()
    return t.data_ptr() == storage.data_ptr() and \
        t.numel() * t.element_size() == storage.nbytes()


def _aliases(state_dict, preferred=()):
    """{kept name: [names dropped as aliases of it]} for tensors that share memory."""
    dropped = {}
    for names in _shared_groups(state_dict):
        if len(names) < 2:
            continue
        complete = sorted(n for n in names if _is_complete(state_dict[n]))
        if not complete:
            raise RuntimeError("Error while trying to find names to remove to save state dict, "
                               "but found no suitable name to keep for saving amongst: "
                               f"{names}. None is covering the entire storage.")
        keep = next((n for n in complete if n in preferred), complete[0])
        dropped[keep] = sorted(names - {keep})
    return dropped


def save_model(model, filename, metadata=None, force_contiguous=True):
    """Save a module's state_dict, writing tied (shared) tensors once."""
    state_dict = model.state_dict()
    for keep, names in _aliases(state_dict).items():
        for name in names:
            metadata = {} if metadata is None else metadata
            metadata.setdefault(name, keep)
            del state_dict[name]
    if force_contiguous:
        state_dict = {k: v.contiguous() for k, v in state_dict.items()}
    save_file(state_dict, filename, metadata=metadata)


def load_model(model, filename, strict=True, device="cpu"):
    """Load a file written by save_model; returns (missing, unexpected) names."""
    state_dict = load_file(filename, device=device)
    aliases = _aliases(model.state_dict(), preferred=set(state_dict))
    missing, unexpected = model.load_state_dict(state_dict, strict=False)
    missing, unexpected = set(missing), list(unexpected)
    for names in aliases.values():
        for name in names:
            if name in missing:
                missing.remove(name)
            else:
                unexpected.append(name)
    if strict and (missing or unexpected):
        error = f"Error(s) in loading state_dict for {type(model).__name__}:"
        if missing:
            error += "\n    Missing key(s) in state_dict: " + \
                ", ".join(f'"{k}"' for k in sorted(missing))
        if unexpected:
            error += "\n    Unexpected key(s) in state_dict: " + \
                ", ".join(f'"{k}"' for k in sorted(unexpected))
        raise RuntimeError(error)
    return missing, unexpected
