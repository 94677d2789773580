"""ember.utils.tensorboard: SummaryWriter (TensorBoard event files) on tensorboardX.

tensorboardX is an optional extra (``pip install ember[tensorboard]``); this module
imports it when it is itself imported, never at ``import ember``.
"""
try:
    import tensorboardX as _tensorboardX
except ImportError as error:
    raise ImportError("ember.utils.tensorboard needs the tensorboardX package, an optional "
                      "extra of ember: pip install ember[tensorboard]") from error

from .writer import SummaryWriter  # noqa: E402

__all__ = ["SummaryWriter"]
del _tensorboardX
