"""TimingView: eager vs hybridized time per call, on every available device.

d2lmini.benchmark does the measuring (warm-up, repeats, device synchronised, the
first call timed apart); this view adds the controls, a progress bar and a chart.
Shown in chapter05/08_hybridization.ipynb.
"""

import base64
import threading

import ipywidgets as w
import numpy as onp

import d2lmini
from d2lmini import gluon, ndarray, np

from . import chart, data, render
from .view import View, button


def available_devices():
    """The CPU and each GPU d2lmini can use."""
    return [d2lmini.cpu()] + [d for d in d2lmini.try_all_gpus()
                              if d.device_type == "gpu"]


class TimingView(View):
    """Time net(X) per call, eager and hybridized, on `devices` (None: all).

    The Measure button measures in a background thread, so the notebook stays
    usable while the progress bar moves (leave the network alone meanwhile);
    background=False measures in the button's callback instead. run() always
    measures synchronously and returns the TimingReport.

    >>> TimingView(net, X, repeats=5, batch_sizes=[2, 64, 512])
    """

    title = "Eager vs hybridized"

    def __init__(self, net, X, devices=None, repeats=5, batch_sizes=None,
                 number=None, warmup=1, modes=("eager", "hybridized"),
                 background=True):
        if not isinstance(net, gluon.Block):
            raise TypeError(f"TimingView expects a gluon Block as the network, got "
                            f"{type(net).__name__}.")
        if not isinstance(X, ndarray) or X.ndim == 0:
            raise TypeError(f"TimingView expects a batch X (a d2lmini ndarray with "
                            f"a batch axis), got {type(X).__name__}.")
        sizes = list(batch_sizes or [X.shape[0]])
        if not all(isinstance(b, int) and b > 0 for b in sizes):
            raise ValueError(f"TimingView: batch_sizes must be positive integers, "
                             f"got {sizes!r}.")
        super().__init__()
        self.net, self.X, self.modes = net, X, tuple(modes)
        self.devices = available_devices() if devices is None else list(devices)
        self.number, self.warmup, self.background = number, warmup, background
        self.report = data.TimingReport(type(net).__name__)
        self.png, self._thread, self.measuring = None, None, False
        self.batch = w.Dropdown(description="batch size", options=sizes,
                                value=X.shape[0] if X.shape[0] in sizes else sizes[0])
        # A number box, not a slider: its label names it for screen readers.
        self.repeats = w.BoundedIntText(description="repeats", value=repeats, min=1,
                                        max=max(20, repeats),
                                        layout=w.Layout(width="10em"))
        self.measure = button("Measure", button_style="primary",
                              tooltip="time eager and hybridized calls")
        self.measure.on_click(lambda _: self._start())
        self.progress = w.IntProgress(description="progress", min=0, max=1)
        # The chart is an <img> with alt text (render.chart_img), not an Output.
        self.status, self.table, self.chart = w.HTML(), w.HTML(), w.HTML()
        self.children = [w.HBox([self.batch, self.repeats, self.measure]),
                         self.progress, self.status, self.printed, self.table,
                         self.chart, self.style_html]
        self.status.value = render.status(render.note(render.escape(
            f"Devices: {', '.join(map(str, self.devices))}. Press Measure."),
            "filled"))

    # ---- measuring -------------------------------------------------------------------
    def run(self, batch_size=None):
        """Measure now with `batch_size` (default: the one chosen in the menu) and
        the chosen repeats; returns the report. The network is left as it was:
        same parameters, device, hybridization and traced plans."""
        size, repeats = batch_size or self.batch.value, self.repeats.value
        if size not in self.batch.options:
            raise ValueError(f"TimingView.run: batch size {size!r} is not one of "
                             f"this view's {list(self.batch.options)}; pass one "
                             "of them (or make the view with batch_sizes=[...]).")
        X = _batch(self.X, size)
        total = len(self.devices) * len(self.modes) * (1 + repeats)
        self.progress.max, self.progress.value = total, 0
        report = data.TimingReport(type(self.net).__name__)
        home = _device_of(self.net) or self.X.device
        try:
            for i, device in enumerate(self.devices):
                self.net.reset_device(device)
                result = d2lmini.benchmark(
                    self.net, X.as_in_ctx(device), modes=self.modes,
                    number=self.number, repeats=repeats, warmup=self.warmup,
                    progress=self._progress(i * total // len(self.devices), device))
                records, missing = data.timing_records(result, size)
                report.records += records
                report.unavailable += missing
        finally:
            self.net.reset_device(home)
        kept = [r for r in self.report.records if r.batch_size != size]
        report.records = sorted(kept + report.records, key=lambda r: r.batch_size)
        self.report = report  # earlier batch sizes stay, to compare in the chart
        self._show()
        return report

    def run_all(self):
        """Measure every batch size of the menu, smallest first; returns the report
        (its chart then shows how the speed-up changes with the batch size)."""
        for size in sorted(self.batch.options):
            self.run(size)
        return self.report

    def _progress(self, offset, device):
        def update(done, total, label):
            self.progress.value = offset + done
            self.status.value = render.status(render.escape(
                f"measuring on {device}: {label}"))
        return update

    def _start(self):
        # Measure is never disabled (a disabled button under the keyboard focus
        # drops the focus to the page); a press while measuring is ignored.
        if self._thread is not None and self._thread.is_alive():
            return
        self.measuring = True

        def work():
            try:
                self._report(self.status, self.run)
            finally:
                self.measuring = False

        if not self.background:
            return work()
        self._thread = threading.Thread(target=work, daemon=True)
        self._thread.start()

    def wait(self, timeout=None):
        """Wait until a measurement started by the button has finished."""
        if self._thread is not None:
            self._thread.join(timeout)

    def _show(self):
        png = chart.timing_png(self.report) if self.report.records else None
        self.png = base64.b64encode(png).decode("ascii") if png else None
        self.table.value = render.timing_html(self.report)
        self.status.value = render.status(
            "done: measured batch size(s) "
            + ", ".join(str(b) for b in dict.fromkeys(
                r.batch_size for r in self.report.records)) + ".")
        self.chart.value = "" if png is None else render.chart_img(self.report,
                                                                   self.png)

    # ---- representations -------------------------------------------------------------
    def text(self):
        return render.timing_text(self.report)

    def html(self):
        return render.timing_html(self.report, self.png)


def _device_of(net):
    """The device of the network's first initialized parameter (None if none is)."""
    for param in net.collect_params().values():
        if param.state == "initialized":
            return param.data().device
    return None


def _batch(X, size):
    """X with `size` rows: its own rows repeated or cut (same values, same dtype)."""
    if size == X.shape[0]:
        return X
    rows = onp.resize(X.asnumpy(), (size,) + tuple(X.shape[1:]))
    return np.array(rows, dtype=X.dtype, device=X.device)
