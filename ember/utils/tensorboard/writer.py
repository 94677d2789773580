"""SummaryWriter with torch's signatures; ember tensors become NumPy arrays on the way."""
import functools
import numbers

import tensorboardX

from ... import _dtype as dtypes
from ..._tensor import Tensor

__all__ = ["SummaryWriter"]


def _numpy(value):
    """Ember tensors (also inside lists, tuples and dicts) as host NumPy arrays."""
    if isinstance(value, Tensor):
        value = value.detach().cpu()
        if value.dtype is dtypes.bfloat16:
            value = value.float()
        return value.numpy()
    if isinstance(value, dict):
        return {k: _numpy(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_numpy(v) for v in value)
    return value


def _scalar(value):
    """A Python number from a number, a one-element tensor or a NumPy scalar."""
    if isinstance(value, Tensor):
        return value.item()
    if isinstance(value, (numbers.Number, str)):
        return value
    return value.item() if hasattr(value, "item") else value


class SummaryWriter(tensorboardX.SummaryWriter):
    """Writes TensorBoard event files under log_dir (default runs/DATETIME_HOSTNAME)."""

    def __init__(self, log_dir=None, comment="", purge_step=None, max_queue=10,
                 flush_secs=120, filename_suffix=""):
        super().__init__(logdir=log_dir, comment=comment, purge_step=purge_step,
                         max_queue=max_queue, flush_secs=flush_secs,
                         filename_suffix=filename_suffix)

    def get_logdir(self):
        return self.logdir

    def add_scalar(self, tag, scalar_value, global_step=None, walltime=None, new_style=False,
                   double_precision=False):
        super().add_scalar(tag, _scalar(scalar_value), _scalar(global_step), walltime)

    def add_scalars(self, main_tag, tag_scalar_dict, global_step=None, walltime=None):
        values = {k: _scalar(v) for k, v in tag_scalar_dict.items()}
        super().add_scalars(main_tag, values, _scalar(global_step), walltime)

    def add_hparams(self, hparam_dict, metric_dict, hparam_domain_discrete=None,
                    run_name=None, global_step=None):
        """Hyperparameters and their metrics, written to the sub-run run_name."""
        if not isinstance(hparam_dict, dict) or not isinstance(metric_dict, dict):
            raise TypeError("hparam_dict and metric_dict should be dictionary.")
        hparams = {k: _scalar(v) for k, v in hparam_dict.items()}
        metrics = {k: _scalar(v) for k, v in metric_dict.items()}
        super().add_hparams(hparams, metrics, name=run_name, global_step=_scalar(global_step))


def _converting(name):
    """The tensorboardX method, called with ember tensors turned into NumPy arrays."""
    method = getattr(tensorboardX.SummaryWriter, name)

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        return method(self, *_numpy(args), **_numpy(kwargs))
    return wrapper


for _name in ("add_histogram", "add_image", "add_images", "add_text", "add_pr_curve",
              "add_embedding", "add_audio", "add_video", "add_mesh"):
    setattr(SummaryWriter, _name, _converting(_name))
