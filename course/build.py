"""Turn the chapter's notebooks into nbgrader assignments (course/source/).

Every section notebook of chapter05/ whose exercises carry nbgrader cells (the
format is in tools/NOTEBOOKS.md) becomes one assignment, named after the
notebook: chapter05/05_custom_layers.ipynb becomes
course/source/05_custom_layers/05_custom_layers.ipynb. A notebook without
nbgrader cells is left out. Before writing anything the script checks the
nbgrader metadata and markers of every notebook it uses; if anything is wrong
(a duplicate grade_id, a grade cell without points, an answer cell without
its BEGIN/END SOLUTION markers, ...) it lists every problem, naming notebook
and cell, and writes nothing.

The whole cycle, for an instructor (run from the repository root; nbgrader
needs the environment's bin/ on PATH, because it runs `alembic` from there):

    source .venv/bin/activate
    python course/build.py                    # every section with exercises
    python course/build.py 05_custom_layers   # or only the ones named
    cd course
    nbgrader generate_assignment 05_custom_layers   # or '*': all in source/
        # -> release/05_custom_layers/05_custom_layers.ipynb, the student
        #    version: answers replaced by "YOUR CODE HERE" stubs, model
        #    answers by "YOUR ANSWER HERE", hidden tests and all outputs
        #    removed; gradebook.db records the cells, points and tests
    # Hand out release/<assignment>/<assignment>.ipynb, or on a JupyterHub
    # with an nbgrader exchange: nbgrader release_assignment 05_custom_layers
    # (students can check their work with `nbgrader validate FILE.ipynb`, which
    # runs the visible tests). Collect the submissions into
    #   submitted/<student>/<assignment>/<assignment>.ipynb
    # by hand, with `nbgrader zip_collect 05_custom_layers` (files downloaded
    # from an LMS into downloaded/; see nbgrader's documentation for its
    # file-name settings), or with `nbgrader collect 05_custom_layers`
    # (exchange).
    nbgrader autograde 05_custom_layers       # or '*'
        # -> autograded/<student>/05_custom_layers/05_custom_layers.ipynb: the
        #    submission with locked cells and hidden tests put back, run on a
        #    fresh kernel; scores of the test cells go to gradebook.db, open
        #    answers wait for manual grading
    jupyter lab    # here in course/: menu Nbgrader > Formgrader, to grade the
                   # open answers by hand and review the autograded ones
    nbgrader generate_feedback 05_custom_layers
        # -> feedback/<student>/05_custom_layers/05_custom_layers.html
    nbgrader export                           # -> grades.csv, all scores

course/source/ is rebuilt from chapter05/ each time this script runs: edit
the chapter's notebooks, never the copies. The copies keep every cell and
its metadata but no outputs.

Usage: build.py [--chapter DIR] [--course DIR] [--check] [--list] [NAME ...]
where NAME is an assignment (notebook stem) or a notebook path; none means
every notebook with exercises. Exit status 1 on any error.
"""

import argparse
import copy
import re
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CHAPTER = ROOT / "chapter05"
NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"

# nbgrader treats any line that contains one of these words as a marker.
SOLUTION = ("BEGIN SOLUTION", "END SOLUTION")
HIDDEN = ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
OTHER_MARKERS = ("BEGIN MARK SCHEME", "END MARK SCHEME", "AUTOTEST")
METADATA_KEYS = {"schema_version", "grade", "solution", "locked", "task",
                 "grade_id", "points"}
GRADE_ID = re.compile(r"^ex[0-9]+-[A-Za-z0-9_-]+$")


class BuildError(Exception):
    """Raised with every problem found; str() lists them one per line."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def has_nbgrader_cells(nb: nbformat.NotebookNode) -> bool:
    return any("nbgrader" in cell.get("metadata", {}) for cell in nb.cells)


def read(path: Path) -> nbformat.NotebookNode:
    """Read a notebook; BuildError naming the file if it cannot be read."""
    try:
        return nbformat.read(path, as_version=4)
    except Exception as exc:  # bad JSON, unknown nbformat, unreadable file
        raise BuildError([f"{_display(path)}: not a readable notebook: "
                          f"{exc}"]) from exc


def exercise_notebooks(chapter: Path = CHAPTER) -> list[Path]:
    """The chapter's section notebooks that hold nbgrader cells, in order."""
    return [path for path in sorted(Path(chapter).glob(NOTEBOOK_GLOB))
            if has_nbgrader_cells(read(path))]


def marker_regions(source: str, begin: str,
                   end: str) -> tuple[list[str], list[str]]:
    """Check the BEGIN/END pairs in a cell; return (regions, problems).

    A region is the text between one BEGIN line and its END line.
    """
    regions, problems, inside = [], [], None
    for number, line in enumerate(source.split("\n"), start=1):
        if begin in line:
            if inside is not None:
                problems.append(f"line {number}: '{begin}' inside another "
                                f"'{begin}' (line {inside[0]})")
                continue
            inside = (number, [])
        elif end in line:
            if inside is None:
                problems.append(f"line {number}: '{end}' without a "
                                f"'{begin}' before it")
                continue
            if not "".join(inside[1]).strip():
                problems.append(f"line {inside[0]}: nothing between "
                                f"'{begin}' and '{end}'")
            regions.append("\n".join(inside[1]))
            inside = None
        elif inside is not None:
            inside[1].append(line)
    if inside is not None:
        problems.append(f"line {inside[0]}: '{begin}' is never closed by "
                        f"'{end}'")
    return regions, problems


def _marker_lines(source):
    """(line number, marker word, exact?) for every line nbgrader would act on."""
    found = []
    for number, line in enumerate(source.split("\n"), start=1):
        for word in SOLUTION + HIDDEN + OTHER_MARKERS:
            if word in line:
                exact = line.strip() == "### " + word
                found.append((number, word, exact))
    return found


def check_cell(cell: nbformat.NotebookNode) -> list[str]:
    """Problems with one cell's nbgrader metadata and markers (list of str)."""
    problems = []
    meta = cell.get("metadata", {}).get("nbgrader")
    markers = _marker_lines(cell.source)
    for number, word, exact in markers:
        if word in OTHER_MARKERS:
            problems.append(f"line {number} contains '{word}', an nbgrader "
                            "marker this course does not use")
        elif not exact:
            problems.append(f"line {number} contains '{word}'; nbgrader "
                            "takes any such line for a marker, so it must "
                            f"read exactly '### {word}'")
    words = {word for _, word, _ in markers}
    if meta is None:
        if words & set(SOLUTION + HIDDEN):
            problems.append("has nbgrader markers but no nbgrader metadata")
        return problems
    if not isinstance(meta, dict):
        return problems + ["nbgrader metadata is not a JSON object"]

    extra = sorted(set(meta) - METADATA_KEYS)
    if extra:
        problems.append(f"unexpected nbgrader keys {extra} (checksum and "
                        "cell_type belong to released copies only)")
    if meta.get("schema_version") != 3:
        problems.append("schema_version must be 3, not "
                        f"{meta.get('schema_version')!r}")
    flags = {}
    for key in ("grade", "solution", "locked"):
        if not isinstance(meta.get(key), bool):
            problems.append(f"'{key}' must be true or false, not "
                            f"{meta.get(key, 'missing')!r}")
        flags[key] = meta.get(key) is True
    if meta.get("task", False) is not False:
        problems.append("'task' must be false (task cells are not used)")
    grade, solution = flags["grade"], flags["solution"]

    gid = meta.get("grade_id")
    if not isinstance(gid, str) or not gid:
        problems.append("has no grade_id")
    elif not GRADE_ID.match(gid):
        problems.append(f"grade_id {gid!r} does not have the form "
                        "exN-what-part (letters, digits, '-', '_')")

    points = meta.get("points")
    if grade:
        if points is None:
            problems.append("is a grade cell without points")
        elif (isinstance(points, bool) or not isinstance(points, (int, float))
              or points <= 0):
            problems.append(f"points must be a positive number, not {points!r}")
    elif points is not None:
        problems.append(f"has points ({points!r}) but grade is false, so "
                        "nbgrader would not grade it")

    kind = cell.cell_type
    if kind not in ("code", "markdown"):
        problems.append(f"a {kind} cell cannot carry nbgrader metadata")
    elif kind == "markdown" and grade != solution:
        problems.append("a graded markdown cell (open answer) needs both "
                        "grade and solution true; exercise text needs both "
                        "false")
    elif kind == "code" and grade and solution:
        problems.append("a code cell is either an answer (solution) or tests "
                        "(grade), not both")

    if kind == "code" and solution:
        regions, region_problems = marker_regions(cell.source, *SOLUTION)
        problems += region_problems
        if not regions and not region_problems:
            problems.append("answer cell has no '### BEGIN SOLUTION' / "
                            "'### END SOLUTION' pair (nbgrader would replace "
                            "the whole cell)")
    elif kind == "markdown" and solution:
        problems += marker_regions(cell.source, *SOLUTION)[1]
    elif words & set(SOLUTION):
        problems.append("has solution markers but is not a solution cell")

    if words & set(HIDDEN):
        if kind == "code" and grade and not solution:
            problems += marker_regions(cell.source, *HIDDEN)[1]
        else:
            problems.append("has hidden-test markers but is not a code grade "
                            "cell")
    return problems


def check_notebook(nb: nbformat.NotebookNode, name: str) -> list[str]:
    """Every problem in one notebook, each prefixed with notebook and cell."""
    problems, seen, answers, graded, tested = [], {}, [], False, set()
    for index, cell in enumerate(nb.cells, start=1):
        meta = cell.get("metadata", {}).get("nbgrader")
        gid = meta.get("grade_id") if isinstance(meta, dict) else None
        where = f"{name}: cell {index} ({cell.cell_type}"
        where += f", grade_id {gid!r})" if gid else ")"
        problems += [f"{where}: {p}" for p in check_cell(cell)]
        if not isinstance(meta, dict):
            continue
        flagged = any(meta.get(k) is True for k in ("grade", "solution",
                                                     "locked"))
        if gid and flagged:
            if gid in seen:
                problems.append(f"{where}: duplicate grade_id, first used by "
                                f"cell {seen[gid]}")
            else:
                seen[gid] = index
        exercise = gid.split("-")[0] if isinstance(gid, str) else None
        if meta.get("grade") is True:
            graded = True
            if cell.cell_type == "code":
                tested.add(exercise)
        if meta.get("solution") is True and cell.cell_type == "code":
            answers.append((where, exercise))
    for where, exercise in answers:
        if exercise not in tested:
            problems.append(f"{where}: answer cell with no test cell (code, "
                            f"grade true) of the same exercise (grade_id "
                            f"'{exercise}-...')")
    if has_nbgrader_cells(nb) and not graded:
        problems.append(f"{name}: has nbgrader cells but no grade cell, so "
                        "nothing would be graded")
    language = nb.metadata.get("kernelspec", {}).get("language", "python")
    if language != "python":
        problems.append(f"{name}: kernel language {language!r}, not python")
    if not problems:
        problems += _nbgrader_validation(nb, name)
    return problems


def _nbgrader_validation(nb, name):
    """nbgrader's own metadata validator, as a last line of defence."""
    from nbgrader.nbgraderformat import MetadataValidator

    try:
        MetadataValidator().validate_nb(copy.deepcopy(nb))
    except Exception as exc:  # jsonschema or nbgrader ValidationError
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return [f"{name}: nbgrader rejects the metadata: {first}"]
    return []


def source_copy(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook as it goes into source/: every cell, no outputs."""
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb


def _display(path):
    path = Path(path).resolve()
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def select(names: Sequence[str], chapter: Path = CHAPTER) -> list[Path]:
    """The notebooks to build: all with exercises, or those named."""
    chapter = Path(chapter)
    if not names:
        notebooks = exercise_notebooks(chapter)
        if not notebooks:
            raise BuildError([f"no notebook in {_display(chapter)} has "
                              "nbgrader cells: nothing to build"])
        return notebooks
    notebooks, problems = [], []
    for name in names:
        path = Path(name)
        if path.suffix != ".ipynb":
            path = chapter / (name.rstrip("/") + ".ipynb")
        if not path.is_file():
            problems.append(f"{name}: no such notebook ({_display(path)})")
        elif not has_nbgrader_cells(read(path)):
            problems.append(f"{_display(path)}: has no nbgrader cells, so it "
                            "is not an assignment")
        else:
            notebooks.append(path)
    if problems:
        raise BuildError(problems)
    return notebooks


def build(names: Sequence[str] = (), chapter: Path = CHAPTER,
          course: Path = HERE, check_only: bool = False) -> list[str]:
    """Check the notebooks, then write source/<stem>/<stem>.ipynb for each.

    Returns the assignment names. Raises BuildError, having written nothing,
    if any notebook has a problem.
    """
    notebooks = select(names, chapter)
    loaded, problems = [], []
    for path in notebooks:
        nb = read(path)
        problems += check_notebook(nb, _display(path))
        loaded.append((path.stem, nb))
    if problems:
        raise BuildError(problems)
    if not check_only:
        for stem, nb in loaded:
            target = Path(course) / "source" / stem
            if target.exists():
                shutil.rmtree(target)
            target.mkdir(parents=True)
            nbformat.write(source_copy(nb), target / f"{stem}.ipynb")
    return [stem for stem, _ in loaded]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Build nbgrader assignments (course/source/) from the "
                    "chapter's notebooks.")
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help="assignment (notebook stem) or notebook path; "
                             "none: every notebook with exercises")
    parser.add_argument("--chapter", default=CHAPTER, type=Path,
                        help="folder of the chapter's notebooks "
                             "(default: chapter05/)")
    parser.add_argument("--course", default=HERE, type=Path,
                        help="course folder, holding nbgrader_config.py "
                             "(default: this script's folder)")
    parser.add_argument("--check", action="store_true",
                        help="only check the notebooks; write nothing")
    parser.add_argument("--list", action="store_true",
                        help="print the notebooks with exercises and stop")
    args = parser.parse_args(argv)
    try:
        if args.list:
            for path in exercise_notebooks(args.chapter):
                print(path.stem)
            return 0
        built = build(args.names, args.chapter, args.course, args.check)
    except BuildError as err:
        for problem in err.problems:
            print(f"build.py: error: {problem}", file=sys.stderr)
        return 1
    if not args.check and not (args.course / "nbgrader_config.py").is_file():
        print(f"build.py: note: {_display(args.course)} has no "
              "nbgrader_config.py; nbgrader needs one there", file=sys.stderr)
    verb = "checked" if args.check else "built"
    where = "" if args.check else f" in {_display(args.course / 'source')}"
    print(f"{verb} {len(built)} assignment(s){where}: {' '.join(built)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
