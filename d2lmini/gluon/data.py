"""Datasets and mini-batches: ArrayDataset and DataLoader.

Shuffling uses d2lmini's generator, so np.random.seed makes batches repeat.
"""

import numpy as onp

from .. import np
from ..ndarray import ndarray
from ..np.random import rng


class ArrayDataset:
    """Examples taken row by row from one or more arrays of equal length."""

    def __init__(self, *arrays):
        if not arrays:
            raise ValueError("ArrayDataset: expected at least one array, got none; "
                             "pass the features and labels, e.g. ArrayDataset(X, y)")
        lengths = {len(a) for a in arrays}
        if len(lengths) != 1:
            raise ValueError(
                f"ArrayDataset: all arrays need the same length, got "
                f"{[len(a) for a in arrays]}"
            )
        self._arrays = [a if isinstance(a, ndarray) else np.array(a) for a in arrays]

    def __len__(self):
        return len(self._arrays[0])

    def __getitem__(self, idx):
        items = tuple(a[idx] for a in self._arrays)
        return items[0] if len(items) == 1 else items

    def _batch(self, indices):
        take = indices.tolist()
        items = tuple(a[take] for a in self._arrays)
        return items[0] if len(items) == 1 else items


class DataLoader:
    """Mini-batches from a dataset.

    last_batch: 'keep' (a smaller final batch), 'discard' (drop it) or 'rollover'
    (carry the remainder into the next epoch).
    """

    def __init__(
        self,
        dataset,
        batch_size=None,
        shuffle=False,
        last_batch="keep",
        num_workers=0,
        **kwargs,
    ):
        if not batch_size or batch_size < 1:
            raise ValueError(
                f"DataLoader: batch_size must be a positive integer, got {batch_size!r}"
            )
        if last_batch not in ("keep", "discard", "rollover"):
            raise ValueError(
                f"DataLoader: last_batch must be 'keep', 'discard' or "
                f"'rollover', got {last_batch!r}"
            )
        self._dataset, self._batch_size = dataset, batch_size
        self._shuffle, self._last_batch = shuffle, last_batch
        self._carry = onp.zeros(0, onp.int64)

    def __iter__(self):
        order = onp.arange(len(self._dataset))
        if self._shuffle:
            order = rng().permutation(order)
        order = onp.concatenate([self._carry, order])
        self._carry = onp.zeros(0, onp.int64)
        size = self._batch_size
        for start in range(0, len(order), size):
            idx = order[start : start + size]
            if len(idx) < size and self._last_batch != "keep":
                if self._last_batch == "rollover":
                    self._carry = idx
                return
            yield self._fetch(idx)

    def _fetch(self, idx):
        if isinstance(self._dataset, ArrayDataset):
            return self._dataset._batch(idx)
        items = [self._dataset[int(i)] for i in idx]
        if isinstance(items[0], tuple):
            return tuple(
                np.stack([np.asarray(x) for x in column]) for column in zip(*items)
            )
        return np.stack([np.asarray(x) for x in items])

    def __len__(self):
        n, size = len(self._dataset), self._batch_size
        return -(-n // size) if self._last_batch == "keep" else n // size
