"""Run PyTorch programs on ember: ``import torch`` gives ember.

    import ember.compat; ember.compat.install()   # in a notebook, before importing torch
    python -m ember.run script.py [args...]       # a whole script

After install(), ``import torch``, ``import torch.nn.functional as F``, ``from torch.utils.data
import DataLoader`` and every other torch submodule ember has resolve to ember's modules.
A torch submodule ember lacks imports as a placeholder whose attributes raise
``NotImplementedError: ember does not implement torch.xyz yet`` at the point of use.
"""
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types

from ._missing import missing

# Top-level names that map to ember packages (companion libraries join as they land).
# safetensors is mapped whole: its real safe_open(framework="pt") would call torch itself.
ALIASES = {"torch": "ember", "safetensors": "ember.utils.safetensors"}


def _aliased(name):
    return name.partition(".")[0] in ALIASES


def _ember_name(fullname):
    top, _, rest = fullname.partition(".")
    target = ALIASES.get(top)
    if target is None:
        return None
    return target + ("." + rest if rest else "")


class _Placeholder(types.ModuleType):
    """A torch submodule that ember does not provide."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise missing(f"{self.__name__}.{name}")


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target):
        self.target = target

    def create_module(self, spec):
        try:
            return importlib.import_module(self.target)
        except ModuleNotFoundError as exc:
            if exc.name is not None and not self.target.startswith(exc.name) and \
                    exc.name != self.target:
                raise
            module = _Placeholder(spec.name)
            module.__path__ = []
            return module

    def exec_module(self, module):
        pass


class _AliasFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        ember_name = _ember_name(fullname)
        if ember_name is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(ember_name),
                                              is_package=True)


_finder = _AliasFinder()


def install():
    """Make ``import torch`` (and its submodules) import ember from now on."""
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)
    for name in list(sys.modules):
        if _aliased(name):
            del sys.modules[name]


def uninstall():
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    for name in list(sys.modules):
        if _aliased(name) and \
                getattr(sys.modules[name], "__name__", "").startswith(("ember", "torch")):
            module = sys.modules[name]
            if module.__name__.startswith("ember") or isinstance(module, _Placeholder):
                del sys.modules[name]
