"""What the views show, as plain data: block trees, parameter snapshots, timings.

Everything here is read from a d2lmini network with no Jupyter library involved, so
render.py can turn it into text or HTML and the tests can compare it exactly.
Shown in chapter05/01_layers_and_blocks.ipynb and 04_lazy_initialization.ipynb.
"""

import inspect
import math
import textwrap
from dataclasses import dataclass, field

from d2lmini import gluon
from d2lmini.gluon.blocktree import block_places

HEAD = 3  # how many values a parameter snapshot keeps


# ---- parameters ----------------------------------------------------------------------
@dataclass
class ParamInfo:
    """One parameter as a view shows it. Unknown dimensions are -1."""

    name: str  # structural name from the root, e.g. '0.net.1.weight'
    shape: tuple | None
    dtype: str
    grad_req: str  # 'write', 'add' or 'null' (not trained, e.g. a Constant)
    state: str  # 'uninitialized', 'deferred' (waits for a forward) or 'initialized'
    shared_with: str | None = None  # where this same Parameter object appeared first
    mean: float | None = None
    std: float | None = None
    head: tuple = ()  # the first few values, in storage order

    @property
    def attr(self) -> str:
        return self.name.rsplit(".", 1)[-1]

    @property
    def trainable(self) -> bool:
        return self.grad_req != "null"

    @property
    def known(self) -> bool:
        return self.shape is not None and all(d > 0 for d in self.shape)

    @property
    def size(self) -> int | None:
        """How many numbers it holds (None while a dimension is unknown)."""
        return math.prod(self.shape) if self.known else None


def param_info(param, name, shared_with=None, stats=False) -> ParamInfo:
    """Describe `param`; with stats=True also its mean, std and first values."""
    info = ParamInfo(name, param.shape, param.dtype.name,
                     param.grad_req,
                     param.state, shared_with)
    if stats and param.state == "initialized":
        values = param.data().asnumpy().astype("float64")
        info.mean, info.std = float(values.mean()), float(values.std())
        info.head = tuple(float(v) for v in values.ravel()[:HEAD])
    return info


def snapshot(net, stats=True) -> list[ParamInfo]:
    """Every parameter of `net` (collect_params order), tied ones once."""
    return [param_info(p, k, stats=stats) for k, p in net.collect_params().items()]


def changed_shapes(before, after) -> dict:
    """name -> (old shape, new shape) for parameters whose shape changed."""
    old = {p.name: p.shape for p in before}
    return {p.name: (old[p.name], p.shape) for p in after
            if p.name in old and old[p.name] != p.shape}


# ---- the block tree ------------------------------------------------------------------
@dataclass
class BlockNode:
    """One block of the tree, with its own parameters and its children."""

    path: str  # structural path from the root ('' for the root itself)
    key: str  # its name in the parent ('0', 'net', ...); '1..3' when compacted
    cls: str
    params: list = field(default_factory=list)  # ParamInfo of its own parameters
    children: list = field(default_factory=list)
    output_shape: tuple | None = None  # after a forward, None before
    same_as: str | None = None  # this very block object already appeared there
    repeat: int = 1  # > 1: stands for this many identical siblings
    total: int = 0  # numbers held by the subtree, each Parameter counted once
    unknown: bool = False  # some parameter in the subtree has unknown dimensions

    @property
    def depth(self) -> int:
        return 0 if not self.path else self.path.count(".") + 1

    def walk(self):
        """This node and every node below it, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()


def block_tree(net, shapes=None) -> BlockNode:
    """The tree of `net`; `shapes` maps paths to output shapes seen in a forward.

    Built from d2lmini's block_places (the data Block.summary() prints too): a
    block met again is one node with `same_as` set and no children.
    """
    shapes, nodes, root = shapes or {}, {}, None
    for place in block_places(net):
        parent = nodes.get(place.path.rpartition(".")[0]) if place.path else None
        if place.path and parent is None:
            continue  # inside a block met again: shown at its first place only
        node = BlockNode(place.path, place.key if place.path else "",
                         type(place.block).__name__,
                         output_shape=shapes.get(place.first))
        if parent is None:
            root = node
        else:
            parent.children.append(node)
        if place.repeated:  # the same object added twice, e.g. add(d, d)
            node.same_as = place.first
            continue
        nodes[place.path] = node
        node.params = [param_info(param, name, None if first == name else first)
                       for name, param, first in place.params]
    _add_totals(root)
    return root


def _add_totals(node):
    """Fill in total and unknown from the leaves up; each Parameter counted once."""
    for info in node.params:
        if info.shared_with is None:
            node.total += info.size or 0
            node.unknown |= not info.known
    for child in node.children:
        _add_totals(child)
        node.total += child.total
        node.unknown |= child.unknown


@dataclass
class Totals:
    total: int  # numbers in all parameters whose shape is known
    trainable: int
    not_trained: int  # grad_req 'null'
    deferred: int  # parameters whose shape is not known yet
    shared: int  # parameters used at more than one place (counted once)


def totals(root: BlockNode) -> Totals:
    result = Totals(0, 0, 0, 0, 0)
    shared = set()
    for node in root.walk():
        for p in node.params:
            if p.shared_with is not None:
                shared.add(p.shared_with)
                continue
            if not p.known:
                result.deferred += 1
                continue
            result.total += p.size
            if not p.trainable:
                result.not_trained += p.size
            else:
                result.trainable += p.size
    result.shared = len(shared)
    return result


def compact(node: BlockNode) -> BlockNode:
    """A copy where runs of identical sibling blocks become one node marked xN.

    Siblings with tied parameters, or that are the same object, stay apart so the
    sharing stays visible.
    """
    tied = {p.shared_with for n in node.walk() for p in n.params if p.shared_with}
    return _compact(node, tied)


def _compact(node, tied):
    children = []
    for child in (_compact(c, tied) for c in node.children):
        last = children[-1] if children else None
        if last is not None and _mergeable(last, child, tied):
            last.repeat += 1
            last.total += child.total
            last.key = f"{last.key.split('..')[0]}..{child.key}"
        else:
            children.append(child)
    return BlockNode(node.path, node.key, node.cls, node.params, children,
                     node.output_shape, node.same_as, node.repeat, node.total,
                     node.unknown)


def _signature(node):
    return (node.cls, node.output_shape, node.same_as,
            tuple((p.attr, p.shape, p.grad_req) for p in node.params),
            tuple((c.key, c.repeat, _signature(c)) for c in node.children))


def _shares(node, tied):
    return any(p.shared_with or p.name in tied for n in node.walk() for p in n.params)


def _mergeable(last, child, tied):
    if last.same_as or child.same_as or _shares(last, tied) or _shares(child, tied):
        return False
    first = last.key.split("..")[0]
    return _signature(last) == _signature(child) and _follows(last.key, child.key,
                                                              first)


def _follows(last_key, key, first):
    """Only numbered siblings in a row are compacted ('1..3'), not named ones."""
    end = last_key.split("..")[-1]
    return first.isdigit() and end.isdigit() and key == str(int(end) + 1)


def find_block(net, path):
    """The block at structural `path` ('' is `net` itself)."""
    block = net
    for key in path.split(".") if path else []:
        children = dict(block.named_children())
        if key not in children:
            raise KeyError(f"no block at path {path!r} (no child {key!r})")
        block = children[key]
    return block


def builtin_name(block) -> str | None:
    """'d2lmini.gluon.nn.Dense' for a layer the library defines, else None."""
    cls = type(block)
    if cls.__module__.split(".")[0] != "d2lmini":
        return None
    return f"{cls.__module__}.{cls.__name__}"


def forward_source(block) -> str | None:
    """The source of the method that defines what `block` computes, if Python has it
    and the block is not one of the library's own layers (see builtin_name)."""
    if builtin_name(block) is not None:
        return None
    cls = type(block)
    method = cls.forward
    legacy = getattr(cls, "hybrid_forward", None)
    if isinstance(block, gluon.HybridBlock) and method is gluon.HybridBlock.forward:
        method = legacy  # an MXNet 1.x block written with hybrid_forward(F, x)
    try:
        return textwrap.dedent(inspect.getsource(method))
    except (OSError, TypeError):
        return None


def output_shape(out):
    """The shape of a forward's output (a tuple of shapes for several outputs)."""
    if isinstance(out, (tuple, list)):
        return tuple(output_shape(o) for o in out)
    shape = getattr(out, "shape", None)
    return tuple(shape) if shape is not None else type(out).__name__


# ---- timings -------------------------------------------------------------------------
@dataclass
class TimingRecord:
    """Seconds per call of one mode on one device (from d2lmini.benchmark)."""

    device: str
    mode: str
    batch_size: int
    median: float
    low: float
    high: float
    repeats: int
    number: int
    first_call: float
    speedup: float | None


@dataclass
class TimingReport:
    net: str
    records: list = field(default_factory=list)
    unavailable: list = field(default_factory=list)  # (device, mode, reason)


# A mode whose slowest repeat took this many times its fastest was disturbed
# (another program, the browser, a busy laptop): its median says little.
# Other work only ever slows a repeat down, so the fastest repeat is the least
# disturbed: a median this far above it means most repeats were disturbed.
UNSTEADY = 1.25
SAME = 1.1  # speed-ups within this factor of 1 are no clear difference


def steady(record) -> bool:
    """Whether most repeats of `record` ran undisturbed (one slow outlier, a
    garbage collection say, does not count)."""
    return record.median <= UNSTEADY * record.low


def comparison(eager, other) -> str:
    """'unsteady', 'same' (no clear difference), 'faster' or 'slower': how
    `other` compares with the `eager` record of the same device and batch."""
    if not (steady(eager) and steady(other)):
        return "unsteady"
    ratio = eager.median / other.median
    if 1 / SAME < ratio < SAME:
        return "same"
    return "faster" if ratio > 1 else "slower"


def timing_records(result, batch_size) -> tuple[list, list]:
    """TimingRecords and (device, mode, reason) for one BenchmarkResult."""
    device = str(result.device)
    records = [TimingRecord(device, t.mode, batch_size, t.median, *t.spread,
                            t.repeats, t.number, t.first_call, t.speedup)
               for t in result.timings.values()]
    missing = [(device, m, why) for m, why in result.unavailable.items()]
    return records, missing


# ---- traced graphs -------------------------------------------------------------------
@dataclass
class ListingLine:
    text: str
    marks: tuple = ()  # e.g. ('fused',) or ('in place',) or ('fused', 'static buffer')


def listing_lines(plan, notes=None) -> list[ListingLine]:
    """The listing of a compiled plan's graph, each op's line with the marks from
    plan.notes (how the plan runs that op). A Graph and its notes work too:
    listing_lines(graph, {5: ('fused',)}); a Graph alone gives lines without marks.
    """
    graph = getattr(plan, "graph", plan)
    if notes is None:
        notes = getattr(plan, "notes", None)
    return [ListingLine(text, marks) for text, marks in graph.listing_rows(notes)]
