"""The inference compiler: a traced graph turned into kernel calls on a value list.

It decides, from the op rows' flags alone, which ops write into an existing buffer:
- an op whose row takes `out=` runs in place when an input of its shape and float
  dtype dies at that op (x * 2 + 1 runs as two passes over one array);
- with static_alloc=True, such an op writes into a buffer allocated once and reused
  by every call (never for the arrays returned to the caller);
- a composite op that takes `out=` (fully_connected: product, bias and ReLU) is
  marked 'fused';
and drops each value as soon as nothing needs it. call_kernel makes one step's
kernel (the plan's recording program uses it too); executor.py runs the result.
Shown in chapter05/08_hybridization.ipynb.
"""
import inspect


def compile_inference(graph, xp, static_alloc, template):
    """(kernels, notes, copied) for running `graph` outside record().

    kernels: callables on the value list, in order. notes: {output number: marks},
    marks among 'fused', 'in place', 'static buffer'. copied: outputs that are (views
    of) constants of the plan, which each call must copy. Static buffers are put into
    `template`, the value list every call starts from.
    """
    values, outputs = graph.values, set(graph.outputs)
    last_use = {}
    for position, step in enumerate(graph.nodes):
        for a in step.args:
            last_use[a] = position
    storage = {}    # owned value -> the buffer it lives in (a number)
    bases = {}      # value -> the buffers it may refer to (a view: its inputs')
    aliases = {}    # buffer -> values that may refer to it
    for index, _ in graph.consts:  # captured arrays count as buffers too
        if values[index].kind == "const":
            bases[index] = {len(aliases)}
            aliases[len(aliases)] = [index]
    constants = set(aliases)
    donors = []     # per step: the input whose buffer it writes into, or None
    for position, (op, args, kw, out) in enumerate(graph.nodes):
        shape, dtype = values[out].shape, values[out].dtype
        owned = shape != () and op.fresh
        donor = None
        if op.out and op.elementwise and owned and dtype.kind == "f":
            for a in args:
                shared = aliases.get(storage.get(a), ())
                if (a in storage and values[a].shape == shape
                        and values[a].dtype == dtype
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
        donors.append(donor)
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
            buffers[b] = xp.empty(values[out].shape, values[out].dtype)
        return buffers[b]

    kernels, notes = [], {}
    for position, ((op, args, kw, out), donor) in enumerate(zip(graph.nodes, donors)):
        marks, target = (), None
        if donor is not None:
            marks, target = ("in place",), donor
        elif op.out and not op.elementwise:
            if _same_float_dtype(values, args, out):
                marks = ("fused",)
                if buffer_for(out) is not None:
                    template[out] = buffer_for(out)
                    marks, target = ("fused", "static buffer"), out
        elif op.out and buffer_for(out) is not None:
            template[out] = buffer_for(out)
            marks, target = ("static buffer",), out
        kernels.append(call_kernel(op.fwd, args, kw, out, template, target))
        if marks:
            notes[out] = marks
        dead = tuple(a for a in set(args) if last_use[a] == position
                     and values[a].kind == "node" and a not in outputs)
        if dead and not static_alloc:
            kernels.append(_drop_kernel(dead))
    return kernels, notes, copied


def _same_float_dtype(values, args, out):
    """Whether a composite op may write into a buffer of its result: a float result
    whose array inputs all share its dtype (np.dot's out= accepts no other)."""
    dtype = values[out].dtype
    return dtype.kind == "f" and all(
        values[a].dtype == dtype for a in args if values[a].kind != "literal")


def call_kernel(fwd, args, kw, out, template, target=None):
    """A kernel: env[out] = fwd(*env[args], **kw), writing into env[target] (out=)
    when a target is given: an input that dies here, or (static_alloc) the op's own
    slot, pre-filled with its buffer.

    Where fwd's signature allows, every argument is passed by position and read from
    the value list: keyword values get slots of their own at the end of `template`.
    Calling with **kw instead costs a few tenths of a microsecond per op and call,
    which made the 21 Dense layers of tests/bench's W3 about 10% slower.
    """
    reads = _positional_reads(fwd, args, kw, target, template)
    if reads is None:  # fwd takes some of them as keywords only
        if target is None:
            def kernel(env):
                env[out] = fwd(*[env[a] for a in args], **kw)
        else:
            def kernel(env):
                env[out] = fwd(*[env[a] for a in args], out=env[target], **kw)
    elif len(reads) == 1:
        (a,) = reads

        def kernel(env):
            env[out] = fwd(env[a])
    elif len(reads) == 2:
        a, b = reads

        def kernel(env):
            env[out] = fwd(env[a], env[b])
    elif len(reads) == 3:
        a, b, c = reads

        def kernel(env):
            env[out] = fwd(env[a], env[b], env[c])
    elif len(reads) == 5:  # fully_connected: data, weight, bias, flatten, relu
        a, b, c, d, e = reads

        def kernel(env):
            env[out] = fwd(env[a], env[b], env[c], env[d], env[e])
    elif len(reads) == 6:  # and its buffer
        a, b, c, d, e, f = reads

        def kernel(env):
            env[out] = fwd(env[a], env[b], env[c], env[d], env[e], env[f])
    else:
        def kernel(env):
            env[out] = fwd(*[env[r] for r in reads])
    return kernel


def _positional_reads(fwd, args, kw, target, template):
    """Where each positional argument of the call is in the value list: the inputs,
    then `kw`'s values in fwd's order (defaults filling the gaps) and the buffer,
    as slots appended to `template`. None where fwd's signature does not allow it."""
    try:
        params = list(inspect.signature(fwd).parameters.values())[len(args):]
    except (TypeError, ValueError):  # a builtin without a signature
        return None
    left = dict(kw) if target is None else dict(kw, out=_BUFFER)
    reads = list(args)
    for param in params:
        if not left:
            break
        if param.kind is not param.POSITIONAL_OR_KEYWORD:
            return None
        value = left.pop(param.name, param.default)
        if value is param.empty:
            return None
        if value is _BUFFER:
            reads.append(target)
        else:
            reads.append(len(template))
            template.append(value)
    return None if left else reads


_BUFFER = object()  # marks where the `out` buffer goes among the arguments


def _drop_kernel(dead):
    def drop(env):
        for index in dead:
            env[index] = None
    return drop
