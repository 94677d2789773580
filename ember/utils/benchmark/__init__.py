"""ember.utils.benchmark: Timer and Measurement (torch.utils.benchmark's basics)."""
from .common import Measurement, TaskSpec, select_unit
from .timer import Language, Timer, timer

__all__ = ["Language", "Measurement", "TaskSpec", "Timer", "select_unit", "timer"]
