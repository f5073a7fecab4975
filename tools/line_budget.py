"""Lines per module of d2lmini/ and widgets/ against the budgets in STYLE.md.

A report, not a test: it always exits 0. Budgets come from the module map (section 3)
of ../shared/STYLE.md (it lists d2lmini/) when that file exists; a row naming several
files shares one budget among them. Modules not listed get 300 lines.

    .venv/bin/python tools/line_budget.py [path/to/STYLE.md]
"""

import re
import sys
from pathlib import Path

from d2lmini.text import table_text  # the library's one table formatter

REPO = Path(__file__).resolve().parents[1]
STYLE = REPO.parent / "shared" / "STYLE.md"
FALLBACK = 300  # STYLE.md section 1: about 300 lines at most per file
ROW = re.compile(r"^\|\s*(?P<files>[^|]*`[^|]*)\|[^|]*\|\s*(?P<lines>\d+)\s*\|\s*$")


def budgets(style):
    """{module path relative to its package folder: (budget, row)} from the module
    map table of `style`; files in one row share the row."""
    found = {}
    if not style.exists():
        return found
    for line in style.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match is None:
            continue
        names, folder = [], ""
        for name in re.findall(r"`([^`]+\.py)`", match["files"]):
            if "/" in name:  # 'gluon/nn.py', `loss.py`: loss.py is in gluon/ too
                folder = name.rsplit("/", 1)[0] + "/"
            names.append(name if "/" in name else folder + name)
        for name in names:
            found[name] = (int(match["lines"]), tuple(names))
    return found


def modules():
    """(package folder, path) for every module of d2lmini/ and widgets/."""
    for package in ("d2lmini", "widgets"):
        for path in sorted((REPO / package).rglob("*.py")):
            yield package, path


def line_count(path):
    return len(path.read_text(encoding="utf-8").splitlines())


def report(style):
    """(module, lines, budget, 'over' or '', note) for every module."""
    table = budgets(style)
    counts = {path: line_count(path) for _, path in modules()}
    rows = []
    for package, path in modules():
        key = str(path.relative_to(REPO / package))
        known = table if package == "d2lmini" else {}  # the map lists d2lmini/
        budget, row = known.get(key, (FALLBACK, (key,)))
        used = sum(counts.get(REPO / package / name, 0) for name in row)
        note = "not in the map" if key not in known else (
            f"budget shared with {', '.join(n for n in row if n != key)}: "
            f"{used} lines together" if len(row) > 1 else "")
        rows.append((f"{package}/{key}", str(counts[path]), str(budget),
                     "over" if used > budget else "", note))
    return rows


def main(argv):
    style = Path(argv[1]) if len(argv) > 1 else STYLE
    rows = report(style)
    print(table_text(("module", "lines", "budget", "", "note"), rows, right={1, 2}))
    over = sum(1 for r in rows if r[3])
    where = style if style.exists() else f"{style} (missing: {FALLBACK} for all)"
    print(f"{len(rows)} modules, {over} over budget; budgets from {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
