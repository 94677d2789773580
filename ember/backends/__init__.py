"""ember.backends: the switches PyTorch programs set (cudnn, tf32, mps).

ember has no cuDNN or MPS of its own; the flags are kept so programs that set or read
them run unchanged, and is_available() tells the truth.
"""
import types

from .. import cuda as _cuda


class _Flags(types.ModuleType):
    def __init__(self, name, **flags):
        super().__init__(name)
        self.__dict__.update(flags)


class _CudnnModule(_Flags):
    def is_available(self):
        return _cuda.is_available()

    def version(self):
        return None


cudnn = _CudnnModule("ember.backends.cudnn", enabled=True, benchmark=False,
                     deterministic=False, allow_tf32=True)
cuda = _Flags("ember.backends.cuda", matmul=_Flags("ember.backends.cuda.matmul",
                                                   allow_tf32=False,
                                                   allow_fp16_reduced_precision_reduction=True,
                                                   allow_bf16_reduced_precision_reduction=True))
cuda.is_built = lambda: True


class _MpsModule(_Flags):
    def is_available(self):
        return False

    def is_built(self):
        return False


mps = _MpsModule("ember.backends.mps")
