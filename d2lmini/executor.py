"""Compiled plans: a traced graph turned into a list of kernel calls on raw arrays.

Running a plan executes no Python forward and creates no ndarray per op: each step
calls an op's forward on raw NumPy/CuPy arrays held in one list. Under
autograd.record() the whole plan is one tape node whose backward walks the steps in
reverse. Shown in chapter05/08_hybridize.ipynb.
"""
from .autograd import STATE, Node
from .ndarray import _parent, _wrap
from .ops import Op


class Plan:
    """An executable form of a Graph."""

    def __init__(self, graph):
        self.graph = graph
        self.size = len(graph.values)
        self.template = [None] * self.size
        for index, value in graph.consts:
            self.template[index] = value
        self.steps = [(op.fwd, op, args, kw, out) for op, args, kw, out in graph.nodes]
        self.params = [(index, param) for index, _, param in graph.params]
        self.leaves = list(graph.inputs) + [index for index, _ in self.params]
        self._needs_cache = {}

    def _environment(self, inputs):
        env = list(self.template)
        for index, x in zip(self.graph.inputs, inputs):
            env[index] = x._data
        for index, param in self.params:
            data = param._data  # read at every call: training changes the values
            env[index] = (data if data is not None else param.data())._data
        return env

    def run(self, inputs):
        """The graph's outputs for these input ndarrays (recorded under record())."""
        env = self._environment(inputs)
        for fwd, _, args, kw, out in self.steps:
            env[out] = fwd(*[env[a] for a in args], **kw)
        outputs = [_wrap(env[i]) for i in self.graph.outputs]
        if STATE.recording:
            self._record(inputs, env, outputs)
        return outputs

    def _record(self, inputs, env, outputs):
        leaves = list(inputs) + [param.data() for _, param in self.params]
        parents = tuple(_parent(a) for a in leaves)
        if all(p is None for p in parents):
            return
        needs = tuple(p is not None for p in parents)
        op = Op(f"hybrid:{self.graph.name}", None, self._vjp)
        (out_index,) = self.graph.outputs
        outputs[0]._node = Node(op, {"env": env, "needs": needs},
                                [env[i] for i in self.leaves], env[out_index], parents)

    def _requires(self, needs):
        """Which values carry a gradient, given which leaves need one."""
        cached = self._needs_cache.get(needs)
        if cached is None:
            cached = [False] * self.size
            for index, need in zip(self.leaves, needs):
                cached[index] = need
            for _, _, args, _, out in self.steps:
                cached[out] = any(cached[a] for a in args)
            self._needs_cache[needs] = cached
        return cached

    def _vjp(self, g, out, *leaves, env, needs):
        requires = self._requires(needs)
        grads = [None] * self.size
        grads[self.graph.outputs[0]] = g
        for _, op, args, kw, index in reversed(self.steps):
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
