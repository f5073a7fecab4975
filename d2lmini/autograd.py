"""Reverse-mode automatic differentiation on a define-by-run tape.

Inside `record()`, each op whose inputs need gradients leaves a Node (the op, its
saved inputs and output, its parents), made by record_op() and nowhere else;
`backward()` walks the nodes from the head in reverse topological order, calling
each op's VJP rule, and stores the gradients in the leaves' `.grad`; `grad()`
returns them instead. First order only. Shown in chapter05/02_parameters.
"""

from .device import xp_of
from .errors import AutogradError, NotSupportedError, check_grad_req


class _State:
    """The documented global scopes: recording, training mode and the active tracer."""

    __slots__ = ("recording", "training", "tracer")

    def __init__(self):
        self.recording, self.training, self.tracer = False, False, None


STATE = _State()


class _Scope:
    def __init__(self, recording, training):
        self._want = (recording, training)

    def __enter__(self):
        self._saved = (STATE.recording, STATE.training)
        rec, train = self._want
        STATE.recording = STATE.recording if rec is None else rec
        STATE.training = STATE.training if train is None else train
        return self

    def __exit__(self, *exc):
        STATE.recording, STATE.training = self._saved


class untraced:
    """Run real (not symbolic) work inside a trace, e.g. drawing deferred parameters."""

    def __enter__(self):
        self._saved, STATE.tracer = STATE.tracer, None

    def __exit__(self, *exc):
        STATE.tracer = self._saved


def record(train_mode=True):
    """Record ops for backward() inside this `with` block (training mode by default)."""
    return _Scope(True, train_mode)


def pause(train_mode=False):
    """Stop recording inside a record() block, e.g. for bookkeeping computations."""
    return _Scope(False, train_mode)


def train_mode():
    """Training behaviour (e.g. Dropout active) without changing recording."""
    return _Scope(None, True)


def predict_mode():
    """Prediction behaviour (e.g. Dropout off) without changing recording."""
    return _Scope(None, False)


def is_recording():
    return STATE.recording


def is_training():
    return STATE.training


def set_recording(is_recording):
    """Set recording on or off; returns the previous state (as in MXNet)."""
    previous, STATE.recording = STATE.recording, bool(is_recording)
    return previous


def set_training(train_mode):
    previous, STATE.training = STATE.training, bool(train_mode)
    return previous


class Node:
    """One recorded op; `inputs`/`out` are dropped after backward (graph freed)."""

    __slots__ = ("op", "kw", "inputs", "out", "parents")

    def __init__(self, op, kw, inputs, out, parents):
        self.op, self.kw, self.inputs, self.out, self.parents = (
            op,
            kw,
            inputs,
            out,
            parents,
        )


def record_op(op, inputs, kw, out, parents):
    """Put `op` on the tape behind the array `out`, if a parent needs a gradient.

    `inputs`: the raw inputs the VJP will read; `parents`: per input, its Node, the
    leaf array itself, or None. Every tape node is made here: eager ops, the
    arithmetic fast path and compiled plans all call it.
    """
    for p in parents:
        if p is not None:
            out._node = Node(op, kw, inputs, out._data, parents)
            return


def _toposort(roots):
    """Nodes reachable from `roots`, each after every node that consumes it."""
    order, seen, stack = [], set(), [(n, False) for n in roots]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        stack.extend(
            (p, False) for p in node.parents if type(p) is Node and id(p) not in seen
        )
    order.reverse()
    return order


def _add(table, item, g):
    entry = table.get(id(item))
    if entry is None:
        table[id(item)] = [item, g]
    elif entry[1] is None:
        entry[1] = g
    else:
        entry[1] = entry[1] + g


def backward(heads, head_grads=None, retain_graph=False, train_mode=True):
    """Compute gradients of `heads` and store them in every leaf's `.grad`.

    Leaves are arrays with attach_grad() (and Parameters). grad_req 'write' replaces
    the stored gradient, 'add' accumulates into it. As in MXNet, a head with more
    than one element and no head gradient gets ones: backward() on per-example
    losses computes the gradient of their sum (the book's `l.backward()`).
    """
    adopted = set()
    for leaf, g in _propagate(heads, head_grads, retain_graph, "backward()").values():
        _store_gradient(leaf, g, adopted)


def grad(heads, variables, head_grads=None, retain_graph=None, create_graph=False,
         train_mode=True):
    """The gradients of `heads` with respect to `variables`, as new arrays.

    Nothing is stored: no `.grad` changes and Trainer.step still sees the gradients
    of the last backward(). Returns a list, one gradient per variable, also for a
    single variable (as MXNet 1.x does). Like backward(), frees the recorded graph
    unless retain_graph=True.

    >>> dx, = autograd.grad(y, [x])
    """
    if create_graph:
        raise NotSupportedError(
            "autograd.grad(..., create_graph=True): d2lmini computes first-order "
            "gradients only; higher-order gradients (a gradient of a gradient) are "
            "not supported. Call grad() with create_graph=False, or compute the "
            "derivative you need by hand and differentiate that once."
        )
    variables = list(variables) if isinstance(variables, (list, tuple)) else [variables]
    if not variables:
        raise AutogradError(
            "autograd.grad(): `variables` is an empty list; pass the arrays (with "
            "attach_grad()) to differentiate with respect to"
        )
    for i, v in enumerate(variables):
        if getattr(v, "_node", True) is not None or getattr(v, "_grad", None) is None:
            raise AutogradError(
                f"autograd.grad(): variable {i} (a {type(v).__name__}) does not "
                "require a gradient: expected an array on which attach_grad() was "
                "called (or a Parameter's data()), before the forward was recorded."
            )
    leaves = _propagate(heads, head_grads, bool(retain_graph), "autograd.grad()")
    grads = []
    for v in variables:
        raw = v._data
        xp = xp_of(raw)
        entry = leaves.get(id(v))
        if entry is None or entry[1] is None:  # no gradient path: zero
            grads.append(_new_like(v, xp.zeros(raw.shape, raw.dtype)))
            continue
        g = xp.asarray(entry[1], dtype=raw.dtype)
        grads.append(_new_like(v, xp.array(xp.broadcast_to(g, raw.shape))))
    return grads


def _new_like(variable, raw):
    """A fresh leaf array holding `raw` (autograd cannot import ndarray)."""
    out = variable.detach()
    out._data = raw
    return out


def mark_variables(variables, gradients, grad_reqs="write"):
    """Make `variables` leaves whose gradients backward() writes into `gradients`.

    The spelling under attach_grad(): afterwards `variables[i].grad is gradients[i]`.
    """
    variables = list(variables) if isinstance(variables, (list, tuple)) else [variables]
    gradients = list(gradients) if isinstance(gradients, (list, tuple)) else [gradients]
    reqs = (
        [grad_reqs] * len(variables) if isinstance(grad_reqs, str) else list(grad_reqs)
    )
    if not len(variables) == len(gradients) == len(reqs):
        raise AutogradError(
            f"mark_variables(): got {len(variables)} variables, {len(gradients)} "
            f"gradients and {len(reqs)} grad_reqs; pass one of each per variable"
        )
    for i, (v, g, req) in enumerate(zip(variables, gradients, reqs)):
        check_grad_req(req, f"mark_variables(): grad_reqs[{i}]")
        if not hasattr(g, "_data") or not hasattr(v, "attach_grad"):
            raise TypeError(
                f"mark_variables(): variable {i} and gradient {i} must be ndarrays, "
                f"got {type(v).__name__} and {type(g).__name__}"
            )
        if tuple(g.shape) != tuple(v.shape):
            raise AutogradError(
                f"mark_variables(): gradient {i} has shape {tuple(g.shape)}, expected "
                f"{tuple(v.shape)} (the shape of variable {i})"
            )
    for v, g, req in zip(variables, gradients, reqs):
        v.attach_grad(req)
        v._fresh = False  # a new variable: no gradient from backward() yet
        if req != "null":
            v._grad = g


def _propagate(heads, head_grads, retain_graph, what):
    """Run the reverse pass from `heads`: {id(leaf): [leaf, gradient]} for each leaf
    reached. backward() stores these; grad() returns them."""
    if not isinstance(heads, (list, tuple)):
        heads = [heads]
    if head_grads is None:
        head_grads = [None] * len(heads)
    elif not isinstance(head_grads, (list, tuple)):
        head_grads = [head_grads]
    if len(head_grads) != len(heads):
        raise AutogradError(
            f"{what}: got {len(heads)} heads but {len(head_grads)} head gradients; "
            "pass one head gradient per head (None for ones)"
        )
    nodes, leaves = {}, {}
    for head, hg in zip(heads, head_grads):
        g = _head_gradient(head, hg)
        if head._node is not None:
            _add(nodes, head._node, g)
        elif head._grad is not None:
            _add(leaves, head, g.copy())
        else:
            raise AutogradError(
                f"{what}: this array was not computed from anything that needs a "
                "gradient. Call x.attach_grad() on the inputs (or use Parameters) and "
                "compute the output inside `with autograd.record():`."
            )
    for node in _toposort([entry[0] for entry in nodes.values()]):
        entry = nodes.pop(id(node), None)
        if entry is None:  # no gradient flows through this node, e.g. a comparison
            _reached(leaves, node.parents)
            continue
        if node.inputs is None:
            raise AutogradError(
                f"{what} through this graph a second time: its saved values were "
                "freed by the first backward() (or grad()). Pass retain_graph=True to "
                "the first call if you need two, or run the forward again inside "
                "autograd.record()."
            )
        needs = tuple([p is not None for p in node.parents])
        grads = node.op.vjp(entry[1], node.out, needs, *node.inputs, **node.kw)
        for parent, g in zip(node.parents, grads):
            if parent is None:
                continue
            if g is None:
                _reached(leaves, (parent,))
                continue
            _add(nodes if type(parent) is Node else leaves, parent, g)
        if not retain_graph:
            node.inputs = node.out = None
    return leaves


def _head_gradient(head, head_grad):
    data = head._data
    if head_grad is None:  # ones, for a scalar or not: MXNet's rule
        return xp_of(data).ones(data.shape, data.dtype)
    g = getattr(head_grad, "_data", head_grad)
    if getattr(g, "shape", None) != data.shape:
        raise AutogradError(
            f"backward(): head gradient has shape {getattr(g, 'shape', None)}, "
            f"expected {data.shape} (the shape of the array backward() is called on)"
        )
    return g.copy()  # never alias the caller's array


def _reached(leaves, parents):
    """Leaves the heads depend on without a gradient path: their gradient is zero
    (as in MXNet, where backward() also writes and marks those)."""
    for parent in parents:
        if parent is not None and type(parent) is not Node:
            leaves.setdefault(id(parent), [parent, None])


def _store_gradient(leaf, g, adopted):
    # Every gradient backward() writes passes here (eager, hybridized plans and
    # SymbolBlock alike), so this is where a leaf is marked fresh; Trainer.step
    # updates only fresh leaves and clears the mark (MXNet's `_fresh_grad`). The
    # mark is an ndarray slot, unset (read as False) until the first backward().
    leaf._fresh = True
    buf = leaf._grad
    if g is None:  # reached, but no gradient flows to it: zero
        if leaf._req != "add":
            buf._data = xp_of(buf._data).zeros_like(buf._data)
        return
    # NumPy gives scalars, not arrays, for arithmetic on 0-d arrays.
    g = xp_of(buf._data).asarray(g, dtype=buf._data.dtype)
    if leaf._req == "add":
        buf._data += g
        return
    if g.shape != buf._data.shape:
        g = xp_of(g).broadcast_to(g, buf._data.shape)
    # Adopt a fresh result instead of copying it, unless it is a view or shared.
    if g.base is not None or id(g) in adopted:
        g = g.copy()
    adopted.add(id(g))
    buf._data = g
