"""Helpers from the book: pick a GPU when there is one, else the CPU."""

from .device import cpu, gpu, num_gpus


def try_gpu(i=0):
    """gpu(i) if it exists, otherwise cpu()."""
    return gpu(i) if num_gpus() >= i + 1 else cpu()


def try_all_gpus():
    """Every available GPU, or [cpu()] when there is none."""
    return [gpu(i) for i in range(num_gpus())] or [cpu()]
