"""Plain-text tables and times: the one formatter every printed table goes through.

Block.summary(), ParameterDict's repr, BenchmarkResult.table() and the widgets' text
views all call table_lines(); times print through format_time(). Builds on nothing.
Shown in chapter05/02_parameters.ipynb and 08_hybridization.ipynb.
"""


def table_lines(head, rows, right=()):
    """The lines of an aligned table: `head`, then each row of `rows`.

    Cells are strings; columns are two spaces apart, left-aligned except those
    whose index is in `right`. Trailing spaces are dropped.

    >>> table_lines(("name", "size"), [("w", "12")], right={1})
    ['name  size', 'w       12']
    """
    rows = [tuple(head)] + [tuple(r) for r in rows]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.rjust(w) if i in right else c.ljust(w)
                      for i, (c, w) in enumerate(zip(r, widths))).rstrip()
            for r in rows]


def table_text(head, rows, right=(), indent=""):
    """table_lines() joined into one string, each line after `indent`."""
    return "\n".join(indent + line for line in table_lines(head, rows, right))


def format_time(seconds, digits=3):
    """'12.35 µs', '1.234 ms' or '1.234 s': `digits` decimals for ms and s, one
    fewer for µs (digits=2 gives '12.3 µs', '1.23 ms', the widgets' shorter form)."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.{digits - 1}f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.{digits}f} ms"
    return f"{seconds:.{digits}f} s"
