"""From Neurons to GANs: the small library the lessons import.

Everything a lesson teaches is written out in the lesson itself; this package holds only what the
lessons reuse (seeding, device choice, data, the training loop, the plot style) and the models a
later lesson imports from an earlier one.

>>> import lessons
>>> lessons.seed_everything(0)
>>> lessons.pick_device("cpu").type
'cpu'
"""

from lessons.runtime import pick_device, seed_everything

__all__ = ["pick_device", "seed_everything"]
__version__ = "0.1.0"
