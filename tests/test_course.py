"""The nbgrader course: course/build.py and the round trip of every exercise.

Fast tests check course/build.py on small notebooks made here, and the chapter's
notebooks against the answers on file: tests/course/correct/NN.json (answers
written differently from the reference, which must score full marks) and
tests/course/wrong/NN.json (wrong answers of two kinds: a "misconception" that
the visible test catches, a "subtle" error that only the hidden test catches).
tests/course/README.md describes the files.

The round trip (marked notebook and slow) works in pytest's tmp_path only. It
copies course/nbgrader_config.py there, builds source/ from chapter05/ with
course/build.py, runs `nbgrader generate_assignment`, hands in several
students for every assignment and runs `nbgrader autograde`, reading the
scores from the gradebook:

- "reference": the source notebook itself -> every autograded cell full marks;
- "blank": the untouched release -> every cell scores zero, and every teaching
  cell still runs;
- "correct-K": the release with every answer cell replaced by its K-th correct
  answer (the reference where a cell has fewer) -> every test cell of those
  exercises full marks;
- "misconception-K", "subtle-K": the release with the K-th wrong answer of
  that kind in every answer cell -> the cells listed under "passes" keep
  their points, those under "fails" lose them.

All answers of one student share one submission; only where a submission
disagrees with what its answers declare is each of its answers graded again
alone, the other answers right (exercises may build on each other; a wrong
declaration is still an error). It also checks that no release holds a
solution, model answer, hidden test, marker or output. The submissions are
split between two copies of the course, graded at the same time. nbgrader
runs as a command, with the environment's bin/ on PATH (it calls `alembic`
from there).
"""

import copy
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

ROOT = Path(__file__).resolve().parent.parent
COURSE = ROOT / "course"
CHAPTER = ROOT / "chapter05"
ANSWERS = ROOT / "tests" / "course"
KINDS = ("misconception", "subtle")  # the kinds of wrong answers
MIN_CORRECT = 3  # correct answers on file per answer cell
BIN = Path(sys.executable).parent  # the environment running pytest
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS",
           "END HIDDEN TESTS")
JOBS = max(1, min(2, os.cpu_count() or 1))  # autograde runs at the same time
AUTOGRADE_TIMEOUT = 1200  # s for one autograde run: catches a hang, not a limit


def load_build():
    """course/build.py as a module (no bytecode written into the repository)."""
    spec = importlib.util.spec_from_file_location("course_build",
                                                  COURSE / "build.py")
    module = importlib.util.module_from_spec(spec)
    before, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = before
    return module


build = load_build()


# --- cells and files --------------------------------------------------------


def nbgrader_meta(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def grade_id(cell):
    return nbgrader_meta(cell).get("grade_id")


def is_answer(cell):
    """An answer cell: code the student writes (solution, not grade)."""
    meta = nbgrader_meta(cell)
    return (cell.cell_type == "code" and meta.get("solution") is True
            and meta.get("grade") is not True)


def is_autograded(cell):
    """A test cell: code that nbgrader grades by running it."""
    meta = nbgrader_meta(cell)
    return (cell.cell_type == "code" and meta.get("grade") is True
            and meta.get("solution") is not True)


def chapter_exercise_notebooks():
    """{stem: notebook} of the chapter notebooks with nbgrader cells, found
    without build.py's help."""
    found = {}
    for path in sorted(CHAPTER.glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        if any("nbgrader" in cell.metadata for cell in nb.cells):
            found[path.stem] = nb
    return found


def answer_file(folder, stem):
    """tests/course/<folder>/NN.json for the notebook NN_name."""
    return ANSWERS / folder / f"{stem.split('_')[0]}.json"


def shown(path):
    """A path as messages show it: relative to the repository if inside."""
    try:
        return path.relative_to(ROOT)
    except ValueError:
        return path


def unique_keys(pairs):
    """A JSON object whose keys are unique (json.loads keeps the last)."""
    keys = [key for key, _ in pairs]
    twice = sorted({key for key in keys if keys.count(key) > 1})
    if twice:
        raise ValueError(f"keys given twice: {twice}")
    return dict(pairs)


def load_answers(folder, stem):
    """{answer grade_id: [entry, ...]} from tests/course/<folder>/NN.json
    ({} without a file); a source given as a list of lines is joined."""
    path = answer_file(folder, stem)
    if not path.is_file():
        return {}
    entries = json.loads(path.read_text(), object_pairs_hook=unique_keys)
    for listed in entries.values():
        for entry in listed if isinstance(listed, list) else []:
            if isinstance(entry, dict) and isinstance(entry.get("source"),
                                                      list):
                entry["source"] = "".join(entry["source"])
    return entries


def exercise_tests(nb, answer_gid):
    """The test cells of an answer cell's exercise: the autograded cells
    whose grade_id starts like the answer's (ex2-parallel-solution ->
    ex2-parallel-visible, ex2-parallel-hidden)."""
    stem = answer_gid.rsplit("-", 1)[0] + "-"
    return [grade_id(c) for c in nb.cells
            if is_autograded(c) and grade_id(c).startswith(stem)]


def answer_problems(stem, nb):
    """What is wrong with the answers on file for one notebook (list of str):
    every answer cell needs MIN_CORRECT correct answers and a wrong answer of
    each kind; each entry names test cells of its own exercise."""
    problems = []
    answers = {grade_id(c): c.source for c in nb.cells if is_answer(c)}
    for folder in ("correct", "wrong"):
        name = shown(answer_file(folder, stem))
        if not answer_file(folder, stem).is_file():
            if answers:
                problems.append(f"{stem}: {name} is missing")
            continue
        try:
            entries = load_answers(folder, stem)
        except ValueError as err:  # also bad JSON
            problems.append(f"{name}: {err}")
            continue
        for gid in sorted(set(answers) - set(entries)):
            problems.append(f"{name}: no answers for '{gid}'")
        for gid, listed in sorted(entries.items()):
            if gid not in answers:
                problems.append(f"{name}: '{gid}' is not an answer cell of "
                                f"{stem}")
                continue
            if not isinstance(listed, list) or not all(
                    isinstance(e, dict) for e in listed):
                problems.append(f"{name}: '{gid}' is not a list of objects")
                continue
            tests = exercise_tests(nb, gid)
            visible = [t for t in tests if t.endswith("-visible")]
            hidden = [t for t in tests if t.endswith("-hidden")]
            if not visible or not hidden:
                problems.append(f"{name}: '{gid}' has no -visible and "
                                f"-hidden test cells (found {tests})")
            sources = [e.get("source") for e in listed]
            for number, entry in enumerate(listed, start=1):
                where = f"{name}: '{gid}' #{number}"
                source = entry.get("source")
                if not isinstance(source, str) or not source.strip():
                    problems.append(f"{where} has no source")
                elif source.strip() == answers[gid].strip():
                    problems.append(f"{where} is the reference answer")
                elif sources.count(source) > 1:
                    problems.append(f"{where} is on file twice")
                if not isinstance(entry.get("note"), str) or \
                        not entry["note"].strip():
                    problems.append(f"{where} has no note saying how it "
                                    "differs")
                if folder == "correct":
                    if set(entry) != {"note", "source"}:
                        problems.append(f"{where} has keys {sorted(entry)},"
                                        " not note, source")
                    continue
                keys = {"kind", "note", "source", "passes", "fails"}
                if set(entry) != keys:
                    problems.append(f"{where} has keys {sorted(entry)}, not "
                                    f"{', '.join(sorted(keys))}")
                passes, fails = entry.get("passes"), entry.get("fails")
                if not isinstance(passes, list) or not isinstance(fails,
                                                                  list):
                    problems.append(f"{where}: passes and fails must be "
                                    "lists")
                    continue
                if sorted(passes + fails) != sorted(tests):
                    problems.append(f"{where}: passes and fails must name "
                                    f"each test cell of the exercise once, "
                                    f"{tests}; got {passes} and {fails}")
                kind = entry.get("kind")
                if kind == "misconception" and not set(visible) <= set(fails):
                    problems.append(f"{where}: a misconception must fail "
                                    f"the visible tests {visible}")
                elif kind == "subtle" and not (
                        set(visible) <= set(passes)
                        and set(hidden) & set(fails)):
                    problems.append(f"{where}: a subtle error must pass the "
                                    f"visible tests {visible} and fail a "
                                    f"hidden one {hidden}")
                elif kind not in KINDS:
                    problems.append(f"{where}: kind {kind!r} is not one of "
                                    f"{KINDS}")
            if folder == "correct" and len(listed) < MIN_CORRECT:
                problems.append(f"{name}: '{gid}' has {len(listed)} correct "
                                f"answers, needs at least {MIN_CORRECT}")
            for kind in KINDS if folder == "wrong" else ():
                if not any(e.get("kind") == kind for e in listed):
                    problems.append(f"{name}: '{gid}' has no {kind}")
    return problems


def clone(nb):
    return nbformat.from_dict(copy.deepcopy(nb))


# --- running nbgrader -------------------------------------------------------


def subprocess_env(home):
    """PATH with the environment's bin/ first; Jupyter's and IPython's own
    folders in the temporary directory, so that no user setting leaks in."""
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONHASHSEED"] = "0"
    for name, sub in (("JUPYTER_CONFIG_DIR", "config"),
                      ("JUPYTER_RUNTIME_DIR", "runtime"),
                      ("IPYTHONDIR", "ipython")):
        env[name] = str(home / sub)
    env.pop("JUPYTER_PATH", None)
    return env


def nbgrader(args, cwd, env):
    """Start `nbgrader ARGS` in cwd, its log going to a file; see finish()."""
    exe = BIN / "nbgrader"
    assert exe.exists(), f"nbgrader is not installed in {BIN} (test extra)"
    log = Path(cwd) / "nbgrader-run.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([str(exe), *args], cwd=cwd, env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    proc.log, proc.started = log, time.monotonic()
    return proc


def finish(proc, what, timeout=300):
    """Wait for an nbgrader run; fail on a non-zero exit or a logged error."""
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        pytest.fail(f"{what} did not finish in {timeout} s:\n"
                    f"{proc.log.read_text()[-4000:]}")
    out = proc.log.read_text()
    if proc.returncode != 0:
        pytest.fail(f"{what} failed (exit {proc.returncode}):\n{out[-6000:]}")
    if re.search(r"\[\w+App \| (ERROR|CRITICAL)\]", out):
        pytest.fail(f"{what} logged an error:\n{out[-6000:]}")
    print(f"{what}: {time.monotonic() - proc.started:.1f} s")  # pytest -s
    return out


def error_outputs(graded_nb, gid=None):
    """'cell N (grade_id): Name: message' for each error in a graded notebook
    (only in the cell gid if given)."""
    found = []
    for index, cell in enumerate(graded_nb.cells, start=1):
        if cell.cell_type != "code" or (gid and grade_id(cell) != gid):
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                value = out.get("evalue", "").strip().splitlines()
                found.append(f"cell {index} ({grade_id(cell) or 'teaching'}):"
                             f" {out.get('ename')}: {value[0] if value else ''}")
    return found


def unexpected_errors(graded_nb, teaching_only=False):
    """Errors outside the cells tagged raises-exception."""
    found = []
    for message in error_outputs(graded_nb):
        cell = graded_nb.cells[int(message.split()[1]) - 1]
        if "raises-exception" in cell.metadata.get("tags", []):
            continue
        if teaching_only and grade_id(cell):
            continue
        found.append(message)
    return found


class Course:
    """A course generated in tmp_path and the scores of its submissions."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.env = subprocess_env(tmp / "home")
        self.root = tmp / "course"
        self.root.mkdir()
        shutil.copy(COURSE / "nbgrader_config.py", self.root)
        built = subprocess.run(
            [sys.executable, str(COURSE / "build.py"), "--chapter",
             str(CHAPTER), "--course", str(self.root)],
            capture_output=True, text=True, env=self.env)
        assert built.returncode == 0, (
            f"course/build.py failed:\n{built.stdout}{built.stderr}")
        self.assignments = sorted(p.name
                                  for p in (self.root / "source").iterdir())
        assert self.assignments, "course/build.py built no assignment"
        finish(nbgrader(["generate_assignment", "*"], self.root, self.env),
               "nbgrader generate_assignment")
        self.source = {a: self.read("source", a) for a in self.assignments}
        self.release = {a: self.read("release", a) for a in self.assignments}
        # {assignment: {student: {answer grade_id: entry}}}
        self.students = {a: self.usable_answers(a) for a in self.assignments}
        self.scores, self.graded, self.rounds = {}, {}, 0

    def usable_answers(self, assignment):
        """The well-formed answers on file, dealt out to students:
        {student: {answer grade_id: entry}}. The K-th correct answer of every
        answer cell goes to "correct-K", the K-th wrong answer of a kind to
        "<kind>-K". A correct entry gets "passes": every test cell of its
        exercise, "fails": none. Ill-formed files are left out (they fail
        test_every_answer_cell_has_its_answers_on_file)."""
        nb = self.source[assignment]
        answers = {grade_id(c) for c in nb.cells if is_answer(c)}
        students = {}
        for folder in ("correct", "wrong"):
            try:
                entries = load_answers(folder, assignment)
            except ValueError:
                continue
            for gid, listed in sorted(entries.items()):
                if gid not in answers or not isinstance(listed, list):
                    continue
                counts = {}
                for number, entry in enumerate(listed, start=1):
                    if not isinstance(entry, dict) or not isinstance(
                            entry.get("source"), str):
                        continue
                    kind = "correct" if folder == "correct" else \
                        entry.get("kind")
                    if kind != "correct" and kind not in KINDS:
                        continue
                    counts[kind] = counts.get(kind, 0) + 1
                    entry = dict(entry, number=number,
                                 file=answer_file(folder, assignment))
                    if folder == "correct":
                        entry.update(passes=exercise_tests(nb, gid),
                                     fails=[])
                    students.setdefault(f"{kind}-{counts[kind]}",
                                        {})[gid] = entry
        return students

    def read(self, folder, assignment):
        path = self.root / folder / assignment / f"{assignment}.ipynb"
        return nbformat.read(path, as_version=4)

    def with_answers(self, assignment, entries):
        """The release with every answer cell filled in: the source of
        entries[grade_id] where given, the reference answer elsewhere."""
        nb = clone(self.release[assignment])
        reference = {grade_id(c): c.source
                     for c in self.source[assignment].cells if is_answer(c)}
        for cell in nb.cells:
            if is_answer(cell):
                gid = grade_id(cell)
                cell.source = (entries[gid]["source"] if gid in entries
                               else reference[gid])
        return nb

    def autograde(self, submissions):
        """Grade {(student, assignment): notebook}; keep scores and notebooks.

        The submissions are dealt out to JOBS copies of the course (after
        generate_assignment), each graded by its own `nbgrader autograde`.
        """
        self.rounds += 1
        pairs = sorted(submissions, key=lambda pair: (pair[1], pair[0]))
        running = []
        for k in range(JOBS):
            group = pairs[k::JOBS]
            if not group:
                continue
            where = self.tmp / f"grading-{self.rounds}-{k}"
            shutil.copytree(self.root, where, ignore=shutil.ignore_patterns(
                "submitted", "autograded", "feedback", "*.log"))
            for student, assignment in group:
                folder = where / "submitted" / student / assignment
                folder.mkdir(parents=True)
                nbformat.write(submissions[student, assignment],
                               folder / f"{assignment}.ipynb")
            running.append((where, group,
                            nbgrader(["autograde", "*"], where, self.env)))
        for where, _, proc in running:
            finish(proc, f"nbgrader autograde ({where.name})",
                   timeout=AUTOGRADE_TIMEOUT)

        from nbgrader.api import Gradebook

        for where, group, _ in running:
            with Gradebook(f"sqlite:///{where / 'gradebook.db'}") as gb:
                for student, assignment in group:
                    notebook = gb.find_submission_notebook(
                        assignment, assignment, student)
                    self.scores[student, assignment] = {
                        grade.cell.name: (grade.auto_score, grade.max_score)
                        for grade in notebook.grades}
            for student, assignment in group:
                self.graded[student, assignment] = nbformat.read(
                    where / "autograded" / student / assignment
                    / f"{assignment}.ipynb", as_version=4)

    def mismatches(self, student, assignment, entries):
        return wrong_mismatches(self.scores[student, assignment], entries,
                                self.graded[student, assignment])


def wrong_mismatches(scores, entries, graded_nb=None):
    """Where a submission's scores disagree with what its answers declare.

    scores: {grade_id: (auto_score, max_score)}; entries: {answer grade_id:
    {"passes": [...], "fails": [...]}} (an entry's "label", if any, names it
    in the messages). One message per disagreement.
    """
    problems = []
    for gid_, entry in sorted(entries.items()):
        answer = entry.get("label", gid_)
        for gid in entry.get("passes", []):
            auto, top = scores.get(gid, (None, None))
            if auto is None or auto != top:
                why = error_outputs(graded_nb, gid) if graded_nb else []
                problems.append(f"{answer}: '{gid}' should pass but scored "
                                f"{auto}/{top} {'; '.join(why)}".rstrip())
        for gid in entry.get("fails", []):
            auto, top = scores.get(gid, (None, None))
            if auto != 0:
                problems.append(f"{answer}: '{gid}' should fail but scored "
                                f"{auto}/{top}")
    return problems


def label(gid, entry):
    """How a message names an answer on file: file, cell, number, kind."""
    kind = entry.get("kind", "correct")
    return (f"{shown(entry['file'])} '{gid}' #{entry['number']} "
            f"({kind}: {entry.get('note', '')})")


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """The chapter's course, generated and graded once for the module."""
    course = Course(tmp_path_factory.mktemp("course"))
    first = {}
    for a in course.assignments:
        first["reference", a] = clone(course.source[a])
        first["blank", a] = course.release[a]
        for student, entries in course.students[a].items():
            first[student, a] = course.with_answers(a, entries)
    course.autograde(first)

    # {(assignment, "correct" or "wrong"): [problem, ...]}
    course.answer_result, alone = {}, {}
    for a in course.assignments:
        for student, entries in course.students[a].items():
            group = "correct" if student.startswith("correct") else "wrong"
            course.answer_result.setdefault((a, group), [])
            labelled = {gid: dict(e, label=label(gid, e))
                        for gid, e in entries.items()}
            problems = course.mismatches(student, a, labelled)
            if problems and len(entries) > 1:
                for gid in entries:
                    alone[f"{student}-{gid}", a] = (
                        group, {gid: labelled[gid]},
                        course.with_answers(a, {gid: entries[gid]}))
            else:
                course.answer_result[a, group] += problems
    if alone:
        course.autograde({key: nb for key, (_, _, nb) in alone.items()})
        for (student, a), (group, entries, _) in alone.items():
            course.answer_result[a, group] += course.mismatches(student, a,
                                                                entries)
    return course


# --- what a release must not show -------------------------------------------


def strings(node):
    """Every string in a JSON-like tree (sources, outputs, metadata, keys)."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)


def secrets(source_nb):
    """(grade_id, text): every solution region, model answer and hidden test
    of a source notebook."""
    found = []
    for cell in source_nb.cells:
        meta, gid = nbgrader_meta(cell), grade_id(cell)
        if meta.get("solution"):
            regions = build.marker_regions(cell.source, *build.SOLUTION)[0]
            if cell.cell_type == "markdown" and not regions:
                regions = [cell.source]
            found += [(gid, text) for text in regions]
        if meta.get("grade") and cell.cell_type == "code":
            found += [(gid, text) for text in
                      build.marker_regions(cell.source, *build.HIDDEN)[0]]
    return [(gid, text.strip()) for gid, text in found if text.strip()]


def without_secrets(source_nb):
    """The source's text as a release should keep it (regions removed)."""
    kept = []
    for cell in source_nb.cells:
        meta = nbgrader_meta(cell)
        if cell.cell_type == "markdown" and meta.get("solution"):
            continue
        inside = False
        for line in cell.source.split("\n"):
            if any(word in line for word in MARKERS):
                inside = "BEGIN" in line
            elif not inside:
                kept.append(line)
    return "\n".join(kept)


def leaks(source_nb, release_nb):
    """What a release gives away: markers, solutions, model answers, hidden
    tests, outputs. A secret that the lesson also shows in the open is only
    looked for in its own cell."""
    problems = []
    text = "\n".join(strings(release_nb))
    for word in MARKERS:
        if word in text:
            problems.append(f"marker '{word}' in the release")
    public = without_secrets(source_nb)
    by_id = {grade_id(c): c.source for c in release_nb.cells if grade_id(c)}
    for gid, secret in secrets(source_nb):
        where = by_id.get(gid, "") if secret in public else text
        if secret in where:
            problems.append(f"text of '{gid}' in the release: "
                            f"{secret.splitlines()[0]!r}")
    for index, cell in enumerate(release_nb.cells, start=1):
        if cell.cell_type == "code" and cell.get("outputs"):
            problems.append(f"cell {index} kept its outputs")
        if is_answer(cell) and "raise NotImplementedError()" not in cell.source:
            problems.append(f"answer cell '{grade_id(cell)}' has no stub")
    return problems


# --- course/build.py on small notebooks -------------------------------------


def meta(gid, grade=False, solution=False, locked=False, points=None):
    nbgrader = {"schema_version": 3, "task": False, "grade": grade,
                "solution": solution, "locked": locked, "grade_id": gid}
    if points is not None:
        nbgrader["points"] = points
    return {"nbgrader": nbgrader}


def exercise_notebook():
    """A small section in NOTEBOOKS.md's format: one exercise with answer,
    visible and hidden tests, one open question."""
    cells = [
        new_markdown_cell("# A section"),
        new_code_cell("x = 1", outputs=[new_output("stream", text="1\n")]),
        new_markdown_cell("Write `double`.", metadata=meta("ex1-double-text",
                                                           locked=True)),
        new_code_cell("def double(x):\n    ### BEGIN SOLUTION\n"
                      "    return 2 * x\n    ### END SOLUTION",
                      metadata=meta("ex1-double-solution", solution=True)),
        new_code_cell("assert double(1) == 2",
                      metadata=meta("ex1-double-visible", True, False, True, 1)),
        new_code_cell("# other inputs\n### BEGIN HIDDEN TESTS\n"
                      "assert double(-3) == -6\n### END HIDDEN TESTS",
                      metadata=meta("ex1-double-hidden", True, False, True, 2)),
        new_markdown_cell("Why?", metadata=meta("ex2-why-text", locked=True)),
        new_markdown_cell("Because.", metadata=meta("ex2-why-answer", True,
                                                    True, False, 1)),
    ]
    return new_notebook(cells=cells, metadata={"kernelspec": {
        "display_name": "Python 3", "language": "python", "name": "python3"}})


@pytest.fixture
def chapter(tmp_path):
    folder = tmp_path / "chapter"
    folder.mkdir()
    nbformat.write(exercise_notebook(), folder / "05_section.ipynb")
    nbformat.write(new_notebook(cells=[new_code_cell("1")]),
                   folder / "01_plain.ipynb")
    return folder


def spoil(chapter, change):
    """Apply change(cells) to the exercise notebook of the chapter fixture."""
    path = chapter / "05_section.ipynb"
    nb = nbformat.read(path, as_version=4)
    change(nb.cells)
    nbformat.write(nb, path)


def test_build_writes_the_sections_with_exercises(chapter, tmp_path):
    assert build.exercise_notebooks(chapter) == [chapter / "05_section.ipynb"]
    course = tmp_path / "course"
    assert build.build(chapter=chapter, course=course) == ["05_section"]
    written = sorted(p.relative_to(course) for p in course.rglob("*")
                     if p.is_file())
    assert written == [Path("source/05_section/05_section.ipynb")]
    copied = nbformat.read(course / written[0], as_version=4)
    original = nbformat.read(chapter / "05_section.ipynb", as_version=4)
    assert [c.source for c in copied.cells] == [c.source
                                                for c in original.cells]
    assert [c.metadata for c in copied.cells] == [c.metadata
                                                  for c in original.cells]
    assert copied.cells[1].outputs == []


def test_build_refuses_a_notebook_without_exercises(chapter, tmp_path):
    with pytest.raises(build.BuildError, match="01_plain.ipynb: has no "
                                               "nbgrader cells"):
        build.build(["01_plain"], chapter=chapter, course=tmp_path / "c")
    with pytest.raises(build.BuildError, match="no such notebook"):
        build.build(["09_missing"], chapter=chapter, course=tmp_path / "c")
    (chapter / "05_section.ipynb").unlink()
    with pytest.raises(build.BuildError, match="nothing to build"):
        build.build(chapter=chapter, course=tmp_path / "c")
    (chapter / "02_broken.ipynb").write_text("{not json")
    with pytest.raises(build.BuildError, match="02_broken.ipynb: not a "
                                               "readable notebook"):
        build.build(chapter=chapter, course=tmp_path / "c")


def _set(index, **changes):
    def change(cells):
        cells[index].metadata["nbgrader"].update(changes)
    return change


def _source(index, text):
    def change(cells):
        cells[index].source = text
    return change


def _drop_points(cells):
    del cells[4].metadata["nbgrader"]["points"]


def _markers_in_plain_cell(cells):
    cells[1].source = "### BEGIN SOLUTION\nx = 1\n### END SOLUTION"


# (change, cell number in the message, words of the message)
SPOILED = {
    "duplicate grade_id": (_set(5, grade_id="ex1-double-visible"), 6,
                           "duplicate grade_id, first used by cell 5"),
    "grade cell without points": (_drop_points, 5,
                                  "grade cell without points"),
    "zero points": (_set(5, points=0), 6, "points must be a positive number"),
    "points on a cell that is not graded": (
        _set(3, points=1), 4, "has points (1) but grade is false"),
    "answer without markers": (_source(3, "def double(x):\n    return 2 * x"),
                               4, "has no '### BEGIN SOLUTION'"),
    "unclosed solution": (_source(3, "### BEGIN SOLUTION\nx = 2"), 4,
                          "is never closed"),
    "end without begin": (_source(3, "x = 2\n### END SOLUTION"), 4,
                          "without a 'BEGIN SOLUTION' before it"),
    "empty solution": (_source(3, "### BEGIN SOLUTION\n### END SOLUTION"), 4,
                       "nothing between"),
    "unclosed hidden tests": (_source(5, "### BEGIN HIDDEN TESTS\nassert 1"),
                              6, "'BEGIN HIDDEN TESTS' is never closed"),
    "hidden tests outside a grade cell": (
        _source(2, "### BEGIN HIDDEN TESTS\nno\n### END HIDDEN TESTS"), 3,
        "hidden-test markers but is not a code grade cell"),
    "marker in a cell without metadata": (_markers_in_plain_cell, 2,
                                          "markers but no nbgrader metadata"),
    "loose marker text": (_source(6, "Why is BEGIN SOLUTION special?"), 7,
                          "must read exactly '### BEGIN SOLUTION'"),
    "old schema": (_set(4, schema_version=1), 5, "schema_version must be 3"),
    "task cell": (_set(2, task=True), 3, "'task' must be false"),
    "bad grade_id": (_set(4, grade_id="tests 1"), 5, "exN-what-part"),
    "missing flag": (_set(4, locked="yes"), 5, "'locked' must be true or false"),
    "graded markdown that is not an answer": (
        _set(7, solution=False), 8, "needs both grade and solution true"),
    "answer and tests in one cell": (_set(3, grade=True, points=1), 4,
                                     "either an answer (solution) or tests"),
    "released metadata": (_set(4, checksum="0" * 32), 5,
                          "unexpected nbgrader keys ['checksum']"),
}


@pytest.mark.parametrize("case", sorted(SPOILED))
def test_build_names_notebook_and_cell_of_each_problem(chapter, tmp_path,
                                                       case):
    change, number, words = SPOILED[case]
    spoil(chapter, change)
    course = tmp_path / "course"
    with pytest.raises(build.BuildError) as err:
        build.build(chapter=chapter, course=course)
    assert any(f"05_section.ipynb: cell {number} (" in p and words in p
               for p in err.value.problems), err.value.problems
    assert not course.exists(), "build.py wrote files despite an error"


def test_build_checks_that_exercises_have_tests(chapter, tmp_path):
    def no_tests(cells):
        for index in (4, 5, 7):
            cells[index].metadata = {}
        cells[5].source = "assert True"
    spoil(chapter, no_tests)
    with pytest.raises(build.BuildError) as err:
        build.build(chapter=chapter, course=tmp_path / "course")
    assert any("answer cell with no test cell" in p
               for p in err.value.problems)
    assert any("has nbgrader cells but no grade cell" in p
               for p in err.value.problems)


def test_build_command_reports_every_problem_and_writes_nothing(chapter,
                                                                tmp_path):
    def two_problems(cells):
        _set(5, grade_id="ex1-double-visible")(cells)
        _drop_points(cells)
    spoil(chapter, two_problems)
    course = tmp_path / "course"
    done = subprocess.run(
        [sys.executable, str(COURSE / "build.py"), "--chapter", str(chapter),
         "--course", str(course)], capture_output=True, text=True)
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert all(line.startswith("build.py: error: ") for line in lines), lines
    assert any("cell 5 (code, grade_id 'ex1-double-visible')" in line
               and "without points" in line for line in lines), lines
    assert any("cell 6 (code, grade_id 'ex1-double-visible')" in line
               and "duplicate grade_id" in line for line in lines), lines
    assert not course.exists()


# --- the checks themselves fire -----------------------------------------------


def test_wrong_mismatches_sees_a_wrong_declaration():
    entries = {"ex1-a-solution": {"passes": ["ex1-a-visible"],
                                  "fails": ["ex1-a-hidden"]}}
    assert wrong_mismatches({"ex1-a-visible": (1.0, 1.0),
                             "ex1-a-hidden": (0.0, 2.0)}, entries) == []
    found = wrong_mismatches({"ex1-a-visible": (0.0, 1.0),
                              "ex1-a-hidden": (2.0, 2.0)}, entries)
    assert found == ["ex1-a-solution: 'ex1-a-visible' should pass but scored "
                     "0.0/1.0",
                     "ex1-a-solution: 'ex1-a-hidden' should fail but scored "
                     "2.0/2.0"]


def test_leaks_sees_what_a_release_must_not_show():
    source = exercise_notebook()
    found = leaks(source, source)
    for expected in ("marker 'BEGIN SOLUTION'", "marker 'END HIDDEN TESTS'",
                     "text of 'ex1-double-solution'",
                     "text of 'ex1-double-hidden'", "text of 'ex2-why-answer'",
                     "cell 2 kept its outputs",
                     "answer cell 'ex1-double-solution' has no stub"):
        assert any(expected in p for p in found), (expected, found)
    # A secret also taught in the open is looked for in its own cell only.
    public = clone(source)
    public.cells[1].source = "return 2 * x"
    release = clone(public)
    release.cells[1].outputs = []
    release.cells[3].source = ("def double(x):\n    # YOUR CODE HERE\n"
                               "    raise NotImplementedError()")
    release.cells[5].source = "# other inputs"
    release.cells[7].source = "YOUR ANSWER HERE"
    assert leaks(public, release) == []


# --- the chapter's exercises --------------------------------------------------


def test_chapter_has_exercises_that_pass_the_build_checks():
    stems = list(chapter_exercise_notebooks())
    assert stems, "no chapter05 notebook has nbgrader exercises"
    try:
        checked = build.build(chapter=CHAPTER, check_only=True)
    except build.BuildError as err:
        pytest.fail("course/build.py rejects the chapter:\n" + str(err))
    assert checked == stems


def test_every_answer_cell_has_its_answers_on_file():
    problems = []
    notebooks = chapter_exercise_notebooks()
    assert notebooks, "no chapter05 notebook has nbgrader exercises"
    for stem, nb in notebooks.items():
        problems += answer_problems(stem, nb)
    assert not problems, "\n".join(problems)


def test_answer_problems_sees_badly_declared_answers(tmp_path, monkeypatch):
    nb = exercise_notebook()
    monkeypatch.setattr(sys.modules[__name__], "ANSWERS", tmp_path)
    (tmp_path / "correct").mkdir()
    (tmp_path / "wrong").mkdir()
    good = {"note": "n", "source": "def double(x):\n    return x + x"}
    (tmp_path / "correct" / "05.json").write_text(json.dumps(
        {"ex1-double-solution": [good, good]}))
    (tmp_path / "wrong" / "05.json").write_text(json.dumps(
        {"ex1-double-solution": [
            {"kind": "misconception", "note": "n", "source": "x = 1",
             "passes": ["ex1-double-visible"],
             "fails": ["ex1-double-hidden"]},
            {"kind": "subtle", "note": "n", "source": "y = 1",
             "passes": ["ex1-double-visible"], "fails": []}]}))
    found = answer_problems("05_section", nb)
    for expected in ("#2 is on file twice", "has 2 correct answers",
                     "a misconception must fail the visible tests",
                     "must name each test cell of the exercise once",
                     "a subtle error must pass the visible tests"):
        assert any(expected in p for p in found), (expected, found)


# --- the round trip -----------------------------------------------------------


@pytest.mark.notebook
@pytest.mark.slow
def test_every_notebook_with_exercises_is_an_assignment(course):
    stems = list(chapter_exercise_notebooks())
    assert stems, "no chapter05 notebook has nbgrader exercises"
    assert course.assignments == stems


@pytest.mark.notebook
@pytest.mark.slow
def test_reference_solutions_get_full_marks(course):
    problems = []
    for a in course.assignments:
        scores = course.scores["reference", a]
        graded = course.graded["reference", a]
        tests = [grade_id(c) for c in course.source[a].cells
                 if is_autograded(c)]
        assert tests, f"{a} has no autograded cell"
        for gid in tests:
            auto, top = scores.get(gid, (None, None))
            if auto is None or auto != top:
                problems.append(f"{a}: '{gid}' scored {auto}/{top} "
                                f"{error_outputs(graded, gid)}")
        problems += [f"{a}: error in {e}" for e in unexpected_errors(graded)]
    assert not problems, "\n".join(problems)


@pytest.mark.notebook
@pytest.mark.slow
def test_untouched_release_scores_zero(course):
    problems = []
    for a in course.assignments:
        scores = course.scores["blank", a]
        assert scores, f"{a}: no grades for the untouched release"
        for gid, (auto, top) in sorted(scores.items()):
            if auto != 0:
                problems.append(f"{a}: '{gid}' scored {auto}/{top} without "
                                "an answer")
        # The teaching cells run without the answers (NOTEBOOKS.md).
        problems += [f"{a}: a teaching cell fails in the release: {e}"
                     for e in unexpected_errors(course.graded["blank", a],
                                                teaching_only=True)]
    assert not problems, "\n".join(problems)


@pytest.mark.notebook
@pytest.mark.slow
def test_correct_answers_get_full_marks(course):
    assert any(s.startswith("correct") for a in course.assignments
               for s in course.students[a]), "no correct answers on file"
    problems = [p for (a, group), found in sorted(course.answer_result.items())
                if group == "correct" for p in found]
    assert not problems, "\n".join(problems)


@pytest.mark.notebook
@pytest.mark.slow
def test_wrong_answers_lose_the_points_of_their_kind(course):
    assert any(not s.startswith("correct") for a in course.assignments
               for s in course.students[a]), "no wrong answers on file"
    problems = [p for (a, group), found in sorted(course.answer_result.items())
                if group == "wrong" for p in found]
    assert not problems, "\n".join(problems)


@pytest.mark.notebook
@pytest.mark.slow
def test_release_gives_nothing_away(course):
    problems = []
    for a in course.assignments:
        folder = course.root / "release" / a
        files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                       if p.is_file())
        if files != [f"{a}.ipynb"]:
            problems.append(f"{a}: the release holds {files}")
        if not secrets(course.source[a]):
            problems.append(f"{a}: no solution or hidden test to look for")
        problems += [f"{a}: {p}"
                     for p in leaks(course.source[a], course.release[a])]
    assert not problems, "\n".join(problems)


def test_autograding_kernels_keep_warnings_off_stderr():
    # nbgrader zeroes a test cell with stderr output; the course's kernels
    # ignore warnings, so advice from the library never costs a student marks.
    from nbclient import NotebookClient
    from traitlets.config import Config

    config = Config()
    namespace = {"get_config": lambda: config}
    exec((COURSE / "nbgrader_config.py").read_text(), namespace)
    arguments = list(config.Execute.extra_arguments)
    nb = new_notebook(cells=[new_code_cell(
        "import warnings\nwarnings.warn('advice', UserWarning)\nprint('ran')")])
    NotebookClient(nb, kernel_name="python3", extra_arguments=arguments).execute()
    outputs = nb.cells[0].outputs
    assert [o.get("name") for o in outputs] == ["stdout"], outputs
