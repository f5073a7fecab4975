"""Compiled plans: a traced graph turned into a list of kernel calls on raw arrays.

Running a plan executes no Python forward and creates no ndarray per op. Outside
autograd.record() it runs an inference program compiled once per plan:
- Dense layers call the BLAS product with `out=` and add the bias and ReLU in place;
- an elementwise op whose input dies at that op writes into the input's buffer
  (x * 2 + 1 runs as two in-place passes over one array);
- values are dropped as soon as nothing needs them;
- with static_alloc=True, intermediate buffers are allocated once and reused by
  every call (never for the arrays returned to the caller).
Under record() it runs the plain steps, keeping every intermediate, and the whole
plan is one tape node per output whose backward walks the steps in reverse.
Shown in chapter05/08_hybridization.ipynb.
"""
from .autograd import STATE, Node
from .device import array_module
from .ndarray import _parent, _wrap
from .ops import Op

# Ops whose forward returns a new array that nothing else refers to; every other
# op's output may be a view of its inputs (reshape, transpose, getitem, ...).
_FRESH = {"fully_connected", "softmax", "log_softmax"}
# Elementwise ops that can write into a given buffer: name -> [(ufunc, operands)],
# run in order; operand i means argument i, "out" the buffer, anything else a
# constant.
_INPLACE = {
    "add": [("add", (0, 1))],
    "subtract": [("subtract", (0, 1))],
    "multiply": [("multiply", (0, 1))],
    "true_divide": [("true_divide", (0, 1))],
    "maximum": [("maximum", (0, 1))],
    "minimum": [("minimum", (0, 1))],
    "negative": [("negative", (0,))],
    "abs": [("absolute", (0,))],
    "sqrt": [("sqrt", (0,))],
    "square": [("multiply", (0, 0))],
    "exp": [("exp", (0,))],
    "log": [("log", (0,))],
    "sin": [("sin", (0,))],
    "cos": [("cos", (0,))],
    "tanh": [("tanh", (0,))],
    "relu": [("maximum", (0, 0.0))],
    "sigmoid": [("multiply", (0, 0.5)), ("tanh", ("out",)),
                ("add", ("out", 1.0)), ("multiply", ("out", 0.5))],
}


class Plan:
    """An executable form of a Graph, for one device."""

    def __init__(self, graph, device, static_alloc=False):
        self.graph = graph
        self.size = len(graph.values)
        self.template = [None] * self.size
        for index, value in graph.consts:
            self.template[index] = value
        self.steps = graph.nodes  # (op, args, keywords, output number), in order
        self.params = [(index, param) for index, _, param in graph.params]
        self.leaves = list(graph.inputs) + [index for index, _ in self.params]
        self.record_program = [_call_kernel(op.fwd, args, kw, out)
                               for op, args, kw, out in graph.nodes]
        self._needs_cache = {}
        # copied: outputs that are (views of) constants. Eager would make those
        # anew on every call, and the caller may write into what it gets.
        self.program, graph.notes, self.copied = _compile(
            graph, array_module(device), static_alloc, self.template)

    def _environment(self, inputs):
        env = self.template.copy()
        for index, x in zip(self.graph.inputs, inputs):
            env[index] = x._data
        for index, param in self.params:
            data = param._data  # read at every call: training changes the values
            env[index] = (data if data is not None else param.data())._data
        return env

    def run(self, inputs):
        """The graph's outputs for these input ndarrays (recorded under record())."""
        env = self._environment(inputs)
        if STATE.recording:  # every intermediate is kept for the reverse pass
            for kernel in self.record_program:
                kernel(env)
            outputs = self._outputs(env)
            self._record(inputs, env, outputs)
            return outputs
        for kernel in self.program:
            kernel(env)
        return self._outputs(env)

    def _outputs(self, env):
        for index in self.copied:
            env[index] = env[index].copy()
        return [_wrap(env[i]) for i in self.graph.outputs]

    def _record(self, inputs, env, outputs):
        leaves = list(inputs) + [param._data for _, param in self.params]
        parents = tuple(_parent(a) for a in leaves)
        if all(p is None for p in parents):
            return
        needs = tuple(p is not None for p in parents)
        op = Op(f"hybrid:{self.graph.name}", None, self._vjp)
        saved = [env[i] for i in self.leaves]
        # One node per output, each running the reverse pass from its own output;
        # the leaves add up what flows back from each output that is used.
        for head, (index, out) in enumerate(zip(self.graph.outputs, outputs)):
            out._node = Node(op, {"env": env, "needs": needs, "head": index},
                             saved, env[index], parents)

    def _requires(self, needs):
        """Which values carry a gradient, given which leaves need one."""
        cached = self._needs_cache.get(needs)
        if cached is None:
            cached = [False] * self.size
            for index, need in zip(self.leaves, needs):
                cached[index] = need
            for _, args, _, out in self.steps:
                cached[out] = any(cached[a] for a in args)
            self._needs_cache[needs] = cached
        return cached

    def _vjp(self, g, out, *leaves, env, needs, head):
        requires = self._requires(needs)
        grads = [None] * self.size
        grads[head] = g
        for op, args, kw, index in reversed(self.steps):
            g_out = grads[index]
            if g_out is None or op.vjp is None:
                continue
            if op.masked:
                step = op.vjp(g_out, env[index], *[env[a] for a in args],
                              needs=tuple(requires[a] for a in args), **kw)
            else:
                step = op.vjp(g_out, env[index], *[env[a] for a in args], **kw)
            for a, ga in zip(args, step):
                if ga is not None and requires[a]:
                    grads[a] = ga if grads[a] is None else grads[a] + ga
        return tuple(grads[i] for i in self.leaves)


# ---- compiling the inference program ----------------------------------------------
def _compile(graph, xp, static_alloc, template):
    """Kernels (callables on the value list), and notes: how the ops that are not
    plain calls run ('in place', 'fused', 'static buffer'), by output number.

    Static buffers are put into `template`, the value list every call starts from.
    """
    values, outputs = graph.values, set(graph.outputs)
    last_use = {}
    for position, (_, args, _, _) in enumerate(graph.nodes):
        for a in args:
            last_use[a] = position
    storage = {}    # owned value -> the buffer it lives in (a number)
    bases = {}      # value -> the buffers it may refer to (a view: its inputs')
    aliases = {}    # buffer -> values that may refer to it
    for index, _ in graph.consts:  # captured arrays count as buffers too
        if values[index][0] == "const":
            bases[index] = {len(aliases)}
            aliases[len(aliases)] = [index]
    constants = set(aliases)
    plan = []       # (position, donor or None)
    for position, (op, args, kw, out) in enumerate(graph.nodes):
        shape, dtype = values[out][2], values[out][3]
        owned = shape != () and (op.elementwise or op.name in _FRESH)
        donor = None
        if op.name in _INPLACE and owned and dtype.kind == "f":
            for a in args:
                shared = aliases.get(storage.get(a), ())
                if (a in storage and values[a][2] == shape and values[a][3] == dtype
                        and all(last_use.get(v, -1) <= position and v not in outputs
                                for v in shared)
                        and all(o == a or o not in shared for o in args)):
                    donor = a
                    break
        if donor is not None:
            storage[out] = storage[donor]
        elif owned:
            storage[out] = len(aliases)
            aliases[storage[out]] = []
        bases[out] = ({storage[out]} if out in storage else
                      set().union(*[bases.get(a, ()) for a in args]))
        for b in bases[out]:
            aliases[b].append(out)
        plan.append((position, donor))
    # What the caller gets must not be a constant of the plan, nor a view of one.
    copied = [v for v in graph.outputs if bases.get(v, set()) & constants]
    escaping = {b for b, vs in aliases.items() if any(v in outputs for v in vs)}
    buffers = {}

    def buffer_for(out):
        """A reusable buffer for `out` (static_alloc), or None: allocate per call."""
        b = storage.get(out)
        if not static_alloc or b is None or b in escaping:
            return None
        if b not in buffers:
            buffers[b] = xp.empty(values[out][2], values[out][3])
        return buffers[b]

    program, notes = [], {}
    for position, donor in plan:
        op, args, kw, out = graph.nodes[position]
        kernel, note = None, None
        if donor is not None:
            kernel, note = _ufunc_kernel(xp, op.name, args, donor, out), "in place"
        elif op.name in _INPLACE and buffer_for(out) is not None:
            template[out] = buffer_for(out)
            kernel, note = _ufunc_kernel(xp, op.name, args, out, out), "static buffer"
        elif op.name == "fully_connected":
            kernel = _dense_kernel(xp, values, args, kw, out, buffer_for(out))
            note = "fused, static buffer" if buffer_for(out) is not None else "fused"
        if kernel is None:
            kernel, note = _call_kernel(op.fwd, args, kw, out), None
        program.append(kernel)
        if note:
            notes[out] = note
        dead = tuple(a for a in set(args) if last_use[a] == position
                     and values[a][0] == "node" and a not in outputs)
        if dead and not static_alloc:
            program.append(_drop_kernel(dead))
    return program, notes, copied


def _call_kernel(fwd, args, kw, out):
    if kw:
        return lambda env: env.__setitem__(out, fwd(*[env[a] for a in args], **kw))
    if len(args) == 1:
        (a,) = args
        return lambda env: env.__setitem__(out, fwd(env[a]))
    if len(args) == 2:
        a, b = args
        return lambda env: env.__setitem__(out, fwd(env[a], env[b]))
    return lambda env: env.__setitem__(out, fwd(*[env[a] for a in args]))


def _drop_kernel(dead):
    def drop(env):
        for index in dead:
            env[index] = None
    return drop


def _ufunc_kernel(xp, name, args, target, out):
    """The op as ufunc passes writing into env[target]: an input that dies here, or
    (static_alloc) the op's own slot, pre-filled with its buffer."""
    passes = []
    for ufunc, operands in _INPLACE[name]:
        refs = tuple(("out", target) if o == "out" else ("env", args[o])
                     if type(o) is int else ("const", o) for o in operands)
        passes.append((getattr(xp, ufunc), refs))
    if len(passes) == 1 and passes[0][1][0][0] == "env":
        ufunc, refs = passes[0]
        a = refs[0][1]
        if len(refs) == 1:
            def kernel(env):
                env[out] = ufunc(env[a], out=env[target])
        elif refs[1][0] == "env":
            b = refs[1][1]

            def kernel(env):
                env[out] = ufunc(env[a], env[b], out=env[target])
        else:
            c = refs[1][1]

            def kernel(env):
                env[out] = ufunc(env[a], c, out=env[target])
        return kernel

    def kernel(env):
        buffer = env[target]
        for ufunc, refs in passes:
            ufunc(*[env[o] if kind != "const" else o for kind, o in refs], out=buffer)
        env[out] = buffer
    return kernel


def _dense_kernel(xp, values, args, kw, out, buffer):
    """fully_connected as one BLAS product (into `buffer` when given) + in-place
    bias and ReLU; None (use the plain call) when it does not apply."""
    x_shape, x_dtype = values[args[0]][2], values[args[0]][3]
    flatten, relu = kw.get("flatten", True), kw.get("relu", False)
    same = {values[a][3] for a in args[:2]} == {values[out][3]}
    if not same or x_dtype.kind != "f" or (len(x_shape) != 2 and not flatten):
        return None
    dot, maximum = xp.dot, xp.maximum
    x, w = args[0], args[1]
    b = args[2] if len(args) > 2 and values[args[2]][:2] != ("literal", None) else None
    rows = (x_shape[0], -1) if len(x_shape) != 2 else None

    def kernel(env):
        xv = env[x] if rows is None else env[x].reshape(rows)
        y = dot(xv, env[w].T) if buffer is None else dot(xv, env[w].T, out=buffer)
        if b is not None:
            y += env[b]
        if relu:
            maximum(y, 0.0, out=y)
        env[out] = y
    return kernel
