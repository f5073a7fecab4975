"""Helpers the book calls as d2l.xxx: pick a GPU when there is one.

Builds on device.py only. The timing harness that once lived here is timing.py
(d2lmini.benchmark). Shown in chapter05/07_gpus.ipynb.
"""

from .device import cpu, gpu, num_gpus


def try_gpu(i=0):
    """gpu(i) if it exists, otherwise cpu()."""
    return gpu(i) if num_gpus() >= i + 1 else cpu()


def try_all_gpus():
    """Every available GPU, or [cpu()] when there is none."""
    return [gpu(i) for i in range(num_gpus())] or [cpu()]
