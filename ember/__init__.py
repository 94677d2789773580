"""ember: a deep-learning framework in readable Python with PyTorch's API.

``import ember as torch`` runs PyTorch programs on NumPy (CPU) or CuPy (GPU).
"""
from . import _malloc
_malloc.tune()
from . import _dtype  # noqa: E402
from ._device import device
from ._dtype import (bfloat16, bool, complex64, complex128, dtype, finfo, float16, float32,
                     float64, get_default_dtype, iinfo, int8, int16, int32, int64,
                     promote_types, set_default_dtype, uint8)
from ._tensor import Size, Tensor
from . import autograd, cuda, ops
from .autograd import (enable_grad, inference_mode, is_grad_enabled,
                       is_inference_mode_enabled, no_grad, set_grad_enabled)
from .autograd.anomaly_mode import (is_anomaly_check_nan_enabled,  # noqa: F401
                                    is_anomaly_enabled, set_anomaly_enabled)
globals().update(ops.public_functions())
from .ops._util import result_type

ops.bind_tensor_methods(Tensor)

# torch's dtype aliases: ember.float is float32, ember.long is int64, ...
float = float32
double = float64
half = float16
long = int64
int = int32
short = int16
cfloat = complex64
cdouble = complex128


class layout:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "ember." + self.name


strided = layout("strided")


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_floating_point(input):
    return input.is_floating_point()


def is_complex(input):
    return input.is_complex()


def numel(input):
    return input.numel()


def can_cast(from_, to):
    return _dtype.can_cast(from_, to)


__version__ = "0.1.0"

from ._random import (Generator, default_generator, get_rng_state,  # noqa: E402,F401
                      initial_seed, manual_seed, seed, set_rng_state)
from ._printing import get_printoptions, set_printoptions  # noqa: E402,F401
from . import random  # noqa: E402,F401
from . import linalg, nn, optim  # noqa: E402,F401
from . import distributions, func  # noqa: E402,F401
from .nn._functional_distance import (cdist, cosine_similarity,  # noqa: E402,F401
                                      pairwise_distance, pdist)
from .nn.functional import (adaptive_avg_pool1d, adaptive_max_pool1d,  # noqa: E402,F401
                            avg_pool1d, channel_shuffle, conv1d, conv2d, conv3d,
                            conv_transpose1d, conv_transpose2d, conv_transpose3d,
                            max_pool1d, max_pool1d_with_indices, max_pool2d, max_pool3d,
                            pixel_shuffle, pixel_unshuffle)
from . import serialization  # noqa: E402
from .serialization import load, save  # noqa: E402
from . import testing  # noqa: E402
from . import backends  # noqa: E402
from ._misc import (are_deterministic_algorithms_enabled, compile,  # noqa: E402,F401
                    get_float32_matmul_precision, set_float32_matmul_precision,
                    use_deterministic_algorithms)
from ._misc import (channels_last, channels_last_3d, contiguous_format,  # noqa: E402,F401
                    memory_format, preserve_format)
from ._threads import (get_num_interop_threads, get_num_threads,  # noqa: E402,F401
                       set_num_interop_threads, set_num_threads)

from . import amp, accelerator, cpu, hub, multiprocessing  # noqa: E402,F401
from .amp.autocast_mode import (autocast, autocast_decrement_nesting,  # noqa: E402,F401
                                autocast_increment_nesting, clear_autocast_cache,
                                get_autocast_cpu_dtype, get_autocast_dtype,
                                get_autocast_gpu_dtype, is_autocast_cache_enabled,
                                is_autocast_cpu_enabled, is_autocast_enabled,
                                set_autocast_cache_enabled, set_autocast_cpu_dtype,
                                set_autocast_cpu_enabled, set_autocast_dtype,
                                set_autocast_enabled, set_autocast_gpu_dtype)
from .utils import checkpoint as _checkpoint, hooks as _hooks  # noqa: E402,F401
Tensor.share_memory_ = multiprocessing.share_memory_
Tensor.is_shared = multiprocessing.is_shared

from ._missing import install_tensor_placeholders as _install_placeholders  # noqa: E402
from ._missing import module_getattr as _module_getattr  # noqa: E402

_install_placeholders(Tensor)  # last: every Tensor method is bound by now
__getattr__ = _module_getattr(__name__)
