"""Compiled plans: a traced graph run as a list of kernel calls on raw arrays.

Running a plan executes no Python forward and creates no ndarray per op. Outside
autograd.record() it runs the inference program of compiler.py (ops in place,
static buffers, values dropped early) and keeps that program's notes, which its
listing shows. Under record() it runs the plain steps, keeping every intermediate,
and the whole plan is one tape node per output, whose VJP walks the steps in
reverse. Shown in chapter05/08_hybridization.ipynb.
"""
from .autograd import STATE, record_op
from .compiler import call_kernel, compile_inference
from .device import array_module
from .ndarray import _parent, _wrap
from .ops import Op


class Plan:
    """An executable form of a Graph, for one device.

    `notes` says how the inference program runs some ops: {output number: marks},
    marks among 'fused', 'in place' and 'static buffer'; print(plan) shows them.
    """

    def __init__(self, graph, device, static_alloc=False):
        self.graph = graph
        self.size = len(graph.values)
        self.template = [None] * self.size
        for index, value in graph.consts:
            self.template[index] = value
        self.steps = graph.nodes  # Steps (op, args, kw, out), in order
        self.params = [(index, param) for index, _, param in graph.params]
        self.leaves = list(graph.inputs) + [index for index, _ in self.params]
        self.record_program = [
            call_kernel(step.op.fwd, step.args, step.kw, step.out, self.template)
            for step in graph.nodes]
        self._needs_cache = {}
        self._op = Op(f"hybrid:{graph.name}", None, self._vjp)
        # copied: outputs that are (views of) constants. Eager would make those
        # anew on every call, and the caller may write into what it gets.
        self.program, self.notes, self.copied = compile_inference(
            graph, array_module(device), static_alloc, self.template)

    def listing(self):
        """The graph's listing, each op marked with how this plan runs it."""
        return self.graph.listing(notes=self.notes)

    __str__ = listing

    def __repr__(self):
        return (f"<Plan of {self.graph.name}: {len(self.steps)} op(s), "
                f"{len(self.notes)} marked; print() it for the listing>")

    def to_dot(self):
        """The graph in graphviz's DOT language, with this plan's marks."""
        return self.graph.to_dot(notes=self.notes)

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
        parents = tuple([_parent(a) for a in leaves])
        saved = [env[i] for i in self.leaves]
        # One node per output, each running the reverse pass from its own output;
        # the leaves add up what flows back from each output that is used.
        for index, out in zip(self.graph.outputs, outputs):
            record_op(self._op, saved, {"env": env, "head": index}, out, parents)

    def _requires(self, needs):
        """Given which leaves need a gradient: which values carry one, and for each
        step in reverse order, which of its inputs need one (the VJP's `needs`)."""
        cached = self._needs_cache.get(needs)
        if cached is None:
            requires = [False] * self.size
            for index, need in zip(self.leaves, needs):
                requires[index] = need
            for step in self.steps:
                requires[step.out] = any(requires[a] for a in step.args)
            per_step = [(step, tuple([requires[a] for a in step.args]))
                        for step in reversed(self.steps)]
            cached = self._needs_cache[needs] = (requires, per_step)
        return cached

    def _vjp(self, g, out, needs, *leaves, env, head):
        requires, per_step = self._requires(needs)
        grads = [None] * self.size
        grads[head] = g
        for (op, args, kw, index), step_needs in per_step:
            g_out = grads[index]
            if g_out is None or op.vjp is None:
                continue
            step = op.vjp(g_out, env[index], step_needs, *[env[a] for a in args], **kw)
            for a, ga in zip(args, step):
                if ga is not None and requires[a]:
                    grads[a] = ga if grads[a] is None else grads[a] + ga
        return tuple(grads[i] for i in self.leaves)
