"""The timing chart: time per call as bars with their spread, speed-ups written on.

Drawn with matplotlib's object interface (no pyplot, so no global figure state and
no interactive backend) into PNG bytes on a white card with dark text: no grey on a
transparent background reaches a 4.5:1 contrast on both light and dark themes.
Shown in chapter05/08_hybridization.ipynb.
"""

import io

from matplotlib.figure import Figure

GREY = "#374151"  # text and axes: 10:1 on the white card
COLOURS = ["#4c78a8", "#f58518", "#54a24b", "#b279a2"]  # mid-tones


def timing_png(report, width=6.4, height=3.2) -> bytes:
    """Grouped bars: one group per (device, batch), one bar per mode."""
    groups = list(dict.fromkeys((r.device, r.batch_size) for r in report.records))
    modes = list(dict.fromkeys(r.mode for r in report.records))
    biggest = max(r.high for r in report.records)
    scale, unit = (1e6, "µs") if biggest < 1e-3 else (1e3, "ms")
    fig = Figure(figsize=(width, height))
    ax = fig.subplots()
    bar = 0.8 / len(modes)
    for k, mode in enumerate(modes):
        for g, group in enumerate(groups):
            found = [r for r in report.records
                     if (r.device, r.batch_size) == group and r.mode == mode]
            if not found:
                continue
            r = found[0]
            x, y = g + (k - (len(modes) - 1) / 2) * bar, r.median * scale
            ax.bar(x, y, bar * 0.9, color=COLOURS[k % len(COLOURS)],
                   label=mode if g == 0 else None,
                   yerr=[[y - r.low * scale], [r.high * scale - y]],
                   error_kw=dict(ecolor=GREY, capsize=3))
            if r.speedup is not None and mode != "eager":
                ax.text(x, r.high * scale, f"{r.speedup:.2f}×", ha="center",
                        va="bottom", color=GREY, fontsize=10, fontweight="bold")
    ax.set_xticks(range(len(groups)),
                  [f"{d}\nbatch {b}" for d, b in groups], color=GREY)
    ax.set_xlim(-0.7, len(groups) - 0.3)
    ax.set_ylabel(f"time per call ({unit})\nlower is faster", color=GREY)
    ax.tick_params(colors=GREY)
    ax.margins(y=0.2)
    for spine in ax.spines.values():
        spine.set_color(GREY)
    legend = ax.legend(frameon=False, loc="lower center", bbox_to_anchor=(0.5, 1.0),
                       ncol=len(modes))
    for text in legend.get_texts():
        text.set_color(GREY)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", facecolor="white", dpi=100)
    return buffer.getvalue()
