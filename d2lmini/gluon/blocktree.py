"""The block tree as data, and Block.summary(), the table printed from it.

block_places(net) lists every place a block sits, with its own parameters and where
a block or parameter met twice was first seen; summary() and the BlockTree widget
(widgets/data.py) both read it. Shown in chapter05/01_layers_and_blocks.ipynb.
"""

import math

from ..text import table_lines


class BlockPlace:
    """One place in the tree of blocks.

    path: structural path from the root ('' for the root, '0.hidden', ...);
    key: its name in the parent ('' for the root); depth: 0 for the root;
    block: the Block object; first: the path where this object sits first
    (== path unless the same block was added at several places);
    params: (structural name, Parameter, name where that Parameter appeared first)
    for each of the block's own parameters.
    """

    def __init__(self, path, block, first, params):
        self.path, self.block, self.first, self.params = path, block, first, params

    @property
    def key(self):
        return self.path.rsplit(".", 1)[-1]

    @property
    def depth(self):
        return self.path.count(".") + 1 if self.path else 0

    @property
    def repeated(self):
        """Whether this very block object already sat at an earlier place."""
        return self.first != self.path

    def __repr__(self):
        return f"BlockPlace({self.path!r}, {type(self.block).__name__})"


def block_places(net):
    """A BlockPlace for `net` and each place below it, depth first in the order
    children were added. A block added at several places is listed at each, with
    its children again; the `first` fields say where it appeared first.

    >>> [p.path for p in block_places(nn.Sequential().add(nn.Dense(2)))]
    ['', '0']
    """
    first_block, first_param, places = {}, {}, []
    for path, block in net.named_blocks(remove_duplicate=False):
        params = []
        for attr, param in block._reg_params.items():
            name = f"{path}.{attr}" if path else attr
            params.append((name, param, first_param.setdefault(id(param), name)))
        first = first_block.setdefault(id(block), path)
        places.append(BlockPlace(path, block, first, params))
    return places


class BlockSummary:
    """Block.summary(), defined here and inherited by Block (block.py)."""

    def summary(self, *inputs):
        """Print a table: each block's path, class, output shape and parameter count.

        Runs one forward pass on `inputs` (so deferred shapes are filled in).
        """
        calls = _output_shapes(self, inputs)  # id(block) -> shapes, one per call
        places = block_places(self)
        where = {}  # id(block) -> its paths, for a block added at several places
        for place in places:
            where.setdefault(id(place.block), []).append(place.path)
        rows, total, trainable = [], 0, 0
        for place in places:
            count = 0
            for name, param, first in place.params:
                if first != name:  # counted where it appeared first
                    continue
                size = math.prod(param.shape) if param.shape else 0
                count += size
                trainable += size if param.grad_req != "null" else 0
            total += count
            shapes, paths = calls.get(id(place.block), []), where[id(place.block)]
            # The k-th place of a block added k times ran its k-th call (in a
            # Sequential); a block called more often than it sits shows its last.
            shape = (shapes[paths.index(place.path)] if len(shapes) == len(paths)
                     else shapes[-1] if shapes else "-")
            cls = type(place.block).__name__
            if place.repeated:
                cls += f" (same block as {place.first})"
            rows.append(("  " * place.depth + (place.path or "(root)"), cls,
                         str(shape), f"{count:,}"))
        lines = table_lines(("Block", "Class", "Output shape", "Params"), rows,
                            right={3})
        rule = "-" * max(len(line) for line in lines)
        print("\n".join([rule, lines[0], rule] + lines[1:] + [
            rule,
            f"Parameters: {total:,} ({trainable:,} trainable, "
            f"{total - trainable:,} with grad_req='null')",
            "Shared parameters are counted once.",
            rule,
        ]))


def _output_shapes(net, inputs):
    """Run net(*inputs) once; id(block) -> the shape of each of its outputs."""
    calls, handles = {}, []

    def record(blk, args, out):
        calls.setdefault(id(blk), []).append(getattr(out, "shape", type(out).__name__))

    for _, block in net.named_blocks():
        handles.append(block.register_forward_hook(record))
    try:
        net(*inputs)
    finally:
        for handle in handles:
            handle.detach()
    return calls
