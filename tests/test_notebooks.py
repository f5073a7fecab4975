"""The chapter's notebooks follow tools/NOTEBOOKS.md.

nbval (strict) re-runs them and compares outputs; this file checks what nbval
cannot: the public API only, short lines, a seed, stored outputs without widget
state, allowed cell tags, a summary and at least three exercises per notebook,
well-formed nbgrader cells with correct and wrong answers on file for each
answer cell (tests/course/README.md), and visible tests that give feedback:
a message on every assert and the one pass line.
"""

import ast
import json
import re
import sys
from pathlib import Path

import nbformat
import pytest

import widgets

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "chapter05"
ANSWERS = ROOT / "tests/course"
# The line every visible test cell prints when its checks pass.
PASS_LINE = re.compile(r"""^print\(\s*['"]Passed: """, re.M)
NAMES = ["01_layers_and_blocks", "02_parameters", "03_initialization",
         "04_lazy_initialization", "05_custom_layers", "06_file_io", "07_gpus",
         "08_hybridization"]
MAX_LINE = 79
TAGS = {"nbval-ignore-output", "raises-exception"}
# Modules a lesson may import from (besides the standard library).
PUBLIC_MODULES = {"d2lmini", "d2lmini.np", "d2lmini.npx", "d2lmini.autograd",
                  "d2lmini.init", "d2lmini.nd", "d2lmini.gluon", "d2lmini.gluon.nn",
                  "d2lmini.gluon.loss", "d2lmini.gluon.data", "widgets"}
OTHER_PACKAGES = {"numpy", "matplotlib"}
# Private names the book's own code uses: MySequential's _children, and the
# method a custom initializer overrides.
BOOK_PRIVATE = {"_children", "_init_weight"}


def notebook(name):
    return nbformat.read(CHAPTER / f"{name}.ipynb", as_version=4)


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def grader(cell):
    return cell.metadata.get("nbgrader", {})


def test_the_chapter_has_its_eight_notebooks():
    found = sorted(p.stem for p in CHAPTER.glob("[0-9][0-9]_*.ipynb"))
    assert found == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_imports_only_the_public_api(name):
    problems = []
    for index, cell in enumerate(code_cells(notebook(name))):
        tree = ast.parse(cell.source)
        for node in ast.walk(tree):
            where = f"cell {index + 1} line {getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.Import):
                modules = [(a.name, None) for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [(node.module, a.name) for a in node.names]
            else:
                if (isinstance(node, ast.Attribute) and node.attr.startswith("_")
                        and not node.attr.startswith("__")
                        and node.attr not in BOOK_PRIVATE):
                    problems.append(f"{where}: uses the private attribute "
                                    f".{node.attr}")
                continue
            for module, imported in modules:
                root = module.split(".")[0]
                if root in ("d2lmini", "widgets"):
                    if module not in PUBLIC_MODULES:
                        problems.append(f"{where}: imports the internal module "
                                        f"{module}")
                    elif imported and imported.startswith("_"):
                        problems.append(f"{where}: imports the private name "
                                        f"{imported} from {module}")
                    elif module == "widgets" and imported and \
                            imported not in widgets.__all__:
                        problems.append(f"{where}: widgets has no public "
                                        f"{imported}")
                elif root not in OTHER_PACKAGES and \
                        root not in sys.stdlib_module_names:
                    problems.append(f"{where}: imports {module}, which is neither "
                                    "d2lmini, widgets, numpy, matplotlib nor the "
                                    "standard library")
    assert not problems, f"{name}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("name", NAMES)
def test_code_lines_are_short(name):
    long = [f"cell {i + 1}: {len(line)} characters: {line[:50]}..."
            for i, cell in enumerate(code_cells(notebook(name)))
            for line in cell.source.splitlines() if len(line) > MAX_LINE]
    assert not long, (f"{name} has code lines over {MAX_LINE} characters:\n  "
                      + "\n  ".join(long))


@pytest.mark.parametrize("name", NAMES)
def test_seeded_executed_and_stored_without_widget_state(name):
    nb = notebook(name)
    cells = code_cells(nb)
    assert "random.seed(" in cells[0].source + cells[1].source, \
        f"{name}: the first code cells do not seed np.random"
    unrun = [i + 1 for i, c in enumerate(cells)
             if c.source.strip() and c.execution_count is None]
    assert not unrun, (f"{name}: code cells {unrun} have not been run; store "
                       "outputs with tools/run_notebooks.py")
    assert "widgets" not in nb.metadata, (
        f"{name} stores widget state, so exported HTML would show empty widgets "
        "instead of the views' static forms; store it with tools/run_notebooks.py")
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("name", NAMES)
def test_only_known_cell_tags(name):
    nb = notebook(name)
    for index, cell in enumerate(nb.cells):
        unknown = set(cell.metadata.get("tags", [])) - TAGS
        assert not unknown, f"{name} cell {index + 1} has unknown tags {unknown}"
    ignored = [c for c in code_cells(nb) if "nbval-ignore-output"
               in c.metadata.get("tags", [])]
    assert len(ignored) <= len(code_cells(nb)) // 3, (
        f"{name}: {len(ignored)} cells ignore their output; only volatile ones "
        "(timings) should")


@pytest.mark.parametrize("name", NAMES)
def test_summary_then_at_least_three_exercises(name):
    nb = notebook(name)
    headings = [line for c in nb.cells if c.cell_type == "markdown"
                for line in c.source.splitlines() if line.startswith("## ")]
    assert "## Summary" in headings and "## Exercises" in headings, (
        f"{name} needs '## Summary' and '## Exercises' sections, has {headings}")
    assert headings.index("## Summary") < headings.index("## Exercises")
    exercises = {grader(c)["grade_id"].split("-")[0] for c in nb.cells
                 if grader(c).get("grade_id")}
    assert len(exercises) >= 3, f"{name} has exercises {sorted(exercises)}"


def _answer_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"
            and grader(c).get("solution") and not grader(c).get("grade")]


@pytest.mark.parametrize("name", NAMES)
def test_nbgrader_cells_are_well_formed(name):
    nb = notebook(name)
    ids = [grader(c)["grade_id"] for c in nb.cells if grader(c)]
    assert len(ids) == len(set(ids)), f"{name}: duplicate grade_id in {ids}"
    for cell in nb.cells:
        meta = grader(cell)
        if not meta:
            continue
        where = f"{name} cell {meta['grade_id']}"
        assert meta.get("schema_version") == 3, where
        assert re.fullmatch(r"ex\d+-[a-z0-9-]+", meta["grade_id"]), where
        if meta.get("grade"):
            assert meta.get("points", 0) > 0, f"{where}: a graded cell needs points"
        if meta.get("grade") and not meta.get("solution"):
            assert meta.get("locked"), f"{where}: test cells must be locked"
        if cell.cell_type == "code" and meta.get("solution"):
            assert "### BEGIN SOLUTION" in cell.source and \
                "### END SOLUTION" in cell.source, where
        if meta["grade_id"].endswith("-hidden"):
            assert "### BEGIN HIDDEN TESTS" in cell.source, where


@pytest.mark.parametrize("name", NAMES)
def test_every_answer_cell_has_answers_on_file(name):
    """Names only: tests/test_course.py checks the entries themselves."""
    nb = notebook(name)
    answers = {grader(c)["grade_id"] for c in _answer_cells(nb)}
    ids = {grader(c).get("grade_id") for c in nb.cells}
    for folder in ("correct", "wrong"):
        path = ANSWERS / folder / f"{name[:2]}.json"
        entries = json.loads(path.read_text()) if path.exists() else {}
        assert set(entries) == answers, (
            f"{path.relative_to(ROOT)} must list the answer cells: missing "
            f"{sorted(answers - set(entries))}, extra "
            f"{sorted(set(entries) - answers)}")
        for key, listed in entries.items():
            if folder == "correct":
                assert len(listed) >= 3, f"{key}: fewer than 3 correct answers"
                continue
            kinds = {entry["kind"] for entry in listed}
            assert {"misconception", "subtle"} <= kinds, f"{key}: {kinds}"
            for entry in listed:
                assert entry["fails"], key
                assert set(entry["passes"]) | set(entry["fails"]) <= ids, key


@pytest.mark.parametrize("name", NAMES)
def test_visible_tests_explain_and_print_one_pass_line(name):
    problems = []
    for cell in code_cells(notebook(name)):
        gid = grader(cell).get("grade_id", "")
        if not (grader(cell).get("grade") and gid.endswith("-visible")):
            continue
        bare = [node.lineno for node in ast.walk(ast.parse(cell.source))
                if isinstance(node, ast.Assert) and node.msg is None]
        if bare:
            problems.append(f"{gid}: assert without a message on line(s) "
                            f"{bare}")
        if len(PASS_LINE.findall(cell.source)) != 1:
            problems.append(f"{gid}: must print one line that starts with "
                            "'Passed: ' (print('Passed: ...'))")
    assert not problems, f"{name}:\n  " + "\n  ".join(problems)
