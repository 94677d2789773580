"""ember.nn's modules, one file per family."""
from .activation import (CELU, ELU, GELU, GLU, SELU, Hardshrink, Hardsigmoid,  # noqa: F401
                         Hardswish, Hardtanh, LeakyReLU, LogSigmoid, LogSoftmax, Mish,
                         MultiheadAttention, PReLU,
                         ReLU, ReLU6, Sigmoid, SiLU, Softmax, Softmin, Softplus, Softshrink,
                         Softsign, Tanh, Tanhshrink, Threshold)
from .container import (ModuleDict, ModuleList, ParameterDict, ParameterList,  # noqa: F401
                        Sequential)
from .dropout import Dropout  # noqa: F401
from .flatten import Flatten, Unflatten  # noqa: F401
from .linear import Bilinear, Identity, Linear  # noqa: F401
from .module import Module  # noqa: F401
from . import (batchnorm, channelshuffle, conv, distance, fold, instancenorm,  # noqa: E402
               lazy, loss, normalization, padding, pixelshuffle, pooling, rnn, sparse,
               transformer, upsampling)

__all__ = [
    "Module", "Identity", "Linear", "Bilinear", "Flatten", "Unflatten", "Dropout",
    "Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict",
    "ReLU", "ReLU6", "LeakyReLU", "PReLU", "ELU", "CELU", "SELU", "GELU", "SiLU", "Mish",
    "Sigmoid", "Tanh", "Hardtanh", "Hardsigmoid", "Hardswish", "Softplus", "Softsign",
    "Tanhshrink", "LogSigmoid", "Threshold", "Hardshrink", "Softshrink", "GLU", "Softmax",
    "Softmin", "LogSoftmax", "MultiheadAttention",
]

for _family in (batchnorm, channelshuffle, conv, distance, fold, instancenorm, lazy, loss,
                normalization, padding, pixelshuffle, pooling, rnn, sparse, transformer,
                upsampling):
    globals().update({_name: getattr(_family, _name) for _name in _family.__all__})
    __all__ += _family.__all__
