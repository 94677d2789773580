"""Global switches of the torch namespace that ember honours or records."""

_deterministic = {"mode": False, "warn_only": False}
_matmul_precision = "highest"


def use_deterministic_algorithms(mode, *, warn_only=False):
    # NOTE: ember's CPU kernels are deterministic; the flag is kept for programs that
    # read it back.
    _deterministic["mode"] = bool(mode)
    _deterministic["warn_only"] = bool(warn_only)


def are_deterministic_algorithms_enabled():
    return _deterministic["mode"]


def is_deterministic_algorithms_warn_only_enabled():
    return _deterministic["warn_only"]


def set_float32_matmul_precision(precision):
    global _matmul_precision
    if precision not in ("highest", "high", "medium"):
        raise RuntimeError(f"Invalid precision: {precision}")
    _matmul_precision = precision


def get_float32_matmul_precision():
    return _matmul_precision


def compile(model=None, *, fullgraph=False, dynamic=None, backend="inductor", mode=None,
            options=None, disable=False):
    """Until ember's compiler lands this behaves like torch.compile(backend="eager"):
    the function runs as it is; a module is wrapped so that ``_orig_mod`` reaches it."""
    if model is None:
        return lambda m: compile(m, fullgraph=fullgraph, dynamic=dynamic, backend=backend,
                                 mode=mode, options=options, disable=disable)
    from .nn.modules.module import Module
    if isinstance(model, Module):
        return _optimized_module_class()(model)
    return model


_optimized_cls = None


def _optimized_module_class():
    """The wrapper class, made once (nn sits above this module in the layers)."""
    global _optimized_cls
    if _optimized_cls is not None:
        return _optimized_cls
    from .nn.modules.module import Module

    class OptimizedModule(Module):
        def __init__(self, mod):
            super().__init__()
            self._orig_mod = mod

        def forward(self, *args, **kwargs):
            return self._orig_mod(*args, **kwargs)

        def __getattr__(self, name):
            try:
                return super().__getattr__(name)
            except AttributeError:
                return getattr(self._orig_mod, name)

    _optimized_cls = OptimizedModule
    return OptimizedModule


class memory_format:
    """torch.memory_format. ember keeps every tensor in NumPy's row-major layout, so
    ``memory_format=`` arguments are accepted and the layout stays contiguous."""

    def __init__(self, name):
        self._name = name

    def __repr__(self):
        return f"ember.{self._name}"

    def __reduce__(self):
        return self._name


contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
preserve_format = memory_format("preserve_format")
