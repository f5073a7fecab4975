"""LazyInitView: parameter shapes before and after the first forward pass.

Before it, unknown input dimensions are -1 and the parameters are 'deferred';
"Run forward" runs net(X) and the table fills in; "Step" runs one layer at a time,
so each shape is seen to follow from the previous layer's output.
Shown in chapter05/04_lazy_initialization.ipynb.
"""

import ipywidgets as w

from d2lmini import gluon, ndarray
from d2lmini.gluon import nn

from . import data, render
from .view import View, button


class LazyInitView(View):
    """The parameter table of `net`, before and after running it on `X`.

    stepwise: allow the Step button (default: for nn.Sequential and
    nn.HybridSequential, whose forward runs the children in order).

    >>> net = nn.Sequential(); net.add(nn.Dense(256), nn.Dense(10)); net.initialize()
    >>> LazyInitView(net, X)
    """

    title = "Lazy initialization"

    def __init__(self, net, X, stepwise=None):
        if not isinstance(net, gluon.Block):
            raise TypeError(f"LazyInitView expects a gluon Block as the network, got "
                            f"{type(net).__name__}.")
        if not isinstance(X, ndarray):
            raise TypeError(f"LazyInitView expects a d2lmini ndarray as X, got "
                            f"{type(X).__name__}; convert it with np.array(X).")
        super().__init__()
        if stepwise is None:
            stepwise = isinstance(net, (nn.Sequential, nn.HybridSequential))
        self.net, self.X = net, X
        self.layers = list(net.named_children()) if stepwise else []
        self.before = data.snapshot(net)
        self.history = []  # what ran, in order: layers stepped through and net(X)
        self.output, self._next, self._value = None, 0, X
        self._whole = False  # the output came from net(X), not from stepping
        self.run_button = button("Run forward", button_style="primary",
                                 tooltip="net(X): every shape is inferred")
        self.step_button = button("Step", tooltip="run the next layer only")
        self.run_button.on_click(lambda _: self._report(self.status, self.run))
        self.step_button.on_click(lambda _: self._report(self.status, self.step))
        self.status, self.table = w.HTML(), w.HTML()
        self.children = [w.HBox([self.run_button, self.step_button]),
                         self.status, self.printed, self.table, self.style_html]
        self.refresh()

    def run(self):
        """Run net(X) and show the inferred shapes and the values drawn."""
        out = self.net(self.X)
        self.output, self._whole = data.output_shape(out), True
        self._next = len(self.layers)  # every shape is known: nothing left to step
        self.history.append(f"net(X): input {tuple(self.X.shape)} -> output "
                            f"{self.output}")
        self.refresh()
        return out

    def step(self):
        """Run the next child on the previous child's output (X for the first).

        Returns that child's output; when nothing is left to step (every layer
        has run, or the network is not a Sequential) it says so in the view and
        returns None instead of raising, whatever was clicked before.
        """
        if self._next >= len(self.layers):
            self.status.value = render.status(render.note(
                render.escape(self._step_hint()),
                "filled" if self.layers else "unknown"))
            return None
        key, layer = self.layers[self._next]
        given = tuple(self._value.shape)
        self._value = layer(self._value)
        self._next += 1
        self.history.append(f"layer {key} ({type(layer).__name__}): input {given} "
                            f"-> output {data.output_shape(self._value)}")
        if self._next == len(self.layers):
            self.output = data.output_shape(self._value)
        self.refresh()
        return self._value

    def _step_hint(self):
        if not self.layers:
            return (f"Step runs the children one after another, which is what "
                    f"nn.Sequential does; {type(self.net).__name__}'s forward decides "
                    "its own order, so use Run forward (or pass stepwise=True).")
        return ("Every layer has run, so there is nothing left to step: the "
                "table shows the final shapes. Run forward runs the whole network "
                "again; a new LazyInitView on a new network starts over.")

    def refresh(self):
        """Read the parameters again and redraw the table."""
        self.now = data.snapshot(self.net)
        self.table.value = render.lazy_html(self.before, self.now, self.history)
        self.status.value = render.status(render.note(
            render.escape(self.summary()), "unknown" if self._waiting() else "filled"))
        # Step stays enabled when nothing is left (it says so in the status): a
        # button disabled under the keyboard focus drops the focus to the page.
        if self._next < len(self.layers):
            key, layer = self.layers[self._next]
            self.step_button.tooltip = f"run layer {key} ({type(layer).__name__})"
        elif self.layers:
            self.step_button.tooltip = "every layer has run: nothing left to step"
        else:
            self.step_button.tooltip = "Step works for nn.Sequential networks"

    def _waiting(self):
        return [p.name for p in self.now if p.state != "initialized"]

    def summary(self):
        waiting, shape = self._waiting(), tuple(self.X.shape)
        if self.output is not None and self._whole:
            text = f"After the forward on X {shape}: output {self.output}. "
        elif self.output is not None:
            text = (f"After stepping through all {len(self.layers)} layers from X "
                    f"{shape}: output {self.output}. ")
        elif self._next:
            text = f"After {self._next} of {len(self.layers)} step(s). "
        else:
            text = f"Before the first forward (X has shape {shape}). "
        if self.output is None and self._next < len(self.layers):
            key, layer = self.layers[self._next]
            text += f"Step runs layer {key} ({type(layer).__name__}) next. "
        if not waiting:
            return text + "Every parameter has its shape and values."
        states = {p.state for p in self.now if p.state != "initialized"}
        if "uninitialized" in states:
            return text + ("Some parameters are not initialized: call "
                           "net.initialize() first.")
        return text + (f"{len(waiting)} parameter(s) deferred: their -1 dimensions "
                       "are inferred at the first forward.")

    def text(self):
        return "\n".join([f"LazyInitView of {type(self.net).__name__}",
                          self.summary(),
                          render.lazy_text(self.before, self.now, self.history)])

    def html(self):
        return self.status.value + self.table.value
