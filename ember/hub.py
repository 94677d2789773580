"""ember.hub: download checkpoints into a local cache and load them (torch.hub's download
half; loading models from GitHub repositories, hub.load/list/help, is not implemented).

The cache is ``get_dir()``: ``set_dir(path)`` if called, else ``$EMBER_HOME/hub``, else
``$TORCH_HOME/hub`` (a cache shared with torch: the checkpoint format is the same), else
``$XDG_CACHE_HOME/ember/hub`` (``~/.cache/ember/hub``). Downloads go to a temporary file
in the destination folder and are renamed into place when complete, so an interrupted
download never leaves a truncated checkpoint behind.
"""
import hashlib
import os
import re
import shutil
import sys
import uuid
import warnings
from urllib.parse import urlparse
from urllib.request import Request, urlopen

from ._missing import module_getattr

__all__ = ["download_url_to_file", "get_dir", "load_state_dict_from_url", "set_dir"]

# A file named name-<hex>.ext carries the first digits of its SHA-256 (torch's convention).
HASH_REGEX = re.compile(r"-([a-f0-9]*)\.")
READ_DATA_CHUNK = 128 * 1024

_hub_dir = None


def _home():
    # NOTE: read at call time, as torch does, so a program may set these variables late.
    for name in ("EMBER_HOME", "TORCH_HOME"):
        value = os.environ.get(name)
        if value:
            return os.path.expanduser(value)
    cache = os.environ.get("XDG_CACHE_HOME", os.path.join("~", ".cache"))
    return os.path.expanduser(os.path.join(cache, "ember"))


def get_dir():
    """The hub cache folder (see the module docstring for how it is chosen)."""
    if os.environ.get("TORCH_HUB"):
        warnings.warn("TORCH_HUB is deprecated, please use env TORCH_HOME instead",
                      stacklevel=2)
    if _hub_dir is not None:
        return _hub_dir
    return os.path.join(_home(), "hub")


def set_dir(d):
    """Use folder d as the hub cache from now on."""
    global _hub_dir
    _hub_dir = os.path.expanduser(os.fspath(d))


class _Progress:
    """A minimal stand-in for tqdm: a byte count on stderr, redrawn in place."""

    def __init__(self, total=None, disable=False, **kwargs):
        self.total, self.disable, self.n = total, disable, 0

    def update(self, n):
        self.n += n
        if self.disable:
            return
        if self.total:
            sys.stderr.write(f"\r{100 * self.n / self.total:5.1f}% ({self.n}/{self.total} B)")
        else:
            sys.stderr.write(f"\r{self.n} B")
        sys.stderr.flush()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if not self.disable:
            sys.stderr.write("\n")


def _progress_bar(total, progress):
    try:
        from tqdm import tqdm
    except ImportError:
        return _Progress(total=total, disable=not progress)
    return tqdm(total=total, disable=not progress, unit="B", unit_scale=True, unit_divisor=1024)


def _temporary_beside(dst):
    """A new file next to dst that only this call writes (renamed into place later)."""
    while True:
        path = f"{dst}.{uuid.uuid4().hex}.partial"
        try:
            return open(path, "xb")
        except FileExistsError:
            continue


def download_url_to_file(url, dst, hash_prefix=None, progress=True):
    """Download url to the path dst; with hash_prefix, the file's SHA-256 must start with it
    (RuntimeError otherwise, and dst is left untouched)."""
    dst = os.path.expanduser(dst)
    f = _temporary_beside(dst)
    try:
        with urlopen(Request(url, headers={"User-Agent": "ember.hub"})) as u:
            length = u.info().get_all("Content-Length")
            size = int(length[0]) if length else None
            sha256 = hashlib.sha256() if hash_prefix is not None else None
            with _progress_bar(size, progress) as bar:
                while True:
                    buffer = u.read(READ_DATA_CHUNK)
                    if not buffer:
                        break
                    f.write(buffer)
                    if sha256 is not None:
                        sha256.update(buffer)
                    bar.update(len(buffer))
        f.close()
        if sha256 is not None:
            digest = sha256.hexdigest()
            if digest[:len(hash_prefix)] != hash_prefix:
                raise RuntimeError(f'invalid hash value (expected "{hash_prefix}", got '
                                   f'"{digest}")')
        shutil.move(f.name, dst)
    finally:
        f.close()
        if os.path.exists(f.name):
            os.remove(f.name)


def load_state_dict_from_url(url, model_dir=None, map_location=None, progress=True,
                             check_hash=False, file_name=None, weights_only=False):
    """Load the checkpoint at url, downloading it into model_dir (default
    ``get_dir()/checkpoints``) unless a file of that name is already there.

    check_hash: the file name must be ``name-<sha256 prefix>.ext`` and the download must
    match that prefix.
    """
    if os.environ.get("TORCH_MODEL_ZOO"):
        warnings.warn("TORCH_MODEL_ZOO is deprecated, please use env TORCH_HOME instead",
                      stacklevel=2)
    if model_dir is None:
        model_dir = os.path.join(get_dir(), "checkpoints")
    os.makedirs(model_dir, exist_ok=True)
    filename = file_name if file_name is not None else os.path.basename(urlparse(url).path)
    cached_file = os.path.join(model_dir, filename)
    if not os.path.exists(cached_file):
        sys.stdout.write(f'Downloading: "{url}" to {cached_file}\n')
        hash_prefix = None
        if check_hash:
            match = HASH_REGEX.search(filename)
            hash_prefix = match.group(1) if match else None
        download_url_to_file(url, cached_file, hash_prefix, progress=progress)
    from .serialization import load
    return load(cached_file, map_location=map_location, weights_only=weights_only)


__getattr__ = module_getattr(__name__)
