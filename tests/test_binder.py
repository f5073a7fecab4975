"""Binder: binder/ agrees with pyproject.toml, and repo2docker renders an image from it.

The files under binder/ are read by repo2docker (mybinder.org's image builder):
requirements.txt is pip-installed into the image's Python, runtime.txt picks that
Python, apt.txt lists system packages, postBuild runs last. These tests need no
Docker engine: `jupyter-repo2docker --no-build` only renders the Dockerfile.
"""

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"

# The Jupyter server stack comes from repo2docker's base environment; pinning any of
# these in requirements.txt would make pip replace the base image's versions.
SERVER_STACK = {"jupyterlab", "notebook", "jupyter-server", "jupyterhub"}
# Packages of the `widgets` extra that Binder gets from the base image instead.
FROM_BASE_IMAGE = {"jupyterlab"}


def _pyproject():
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)


def _runtime_requirements():
    """[project] dependencies plus the `widgets` extra, as Requirement objects."""
    project = _pyproject()["project"]
    lines = project["dependencies"] + project["optional-dependencies"]["widgets"]
    return [Requirement(line) for line in lines]


def _all_pyproject_requirements():
    """Every requirement pyproject.toml names (all extras), except d2lmini itself."""
    project = _pyproject()["project"]
    lines = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        lines += extra
    reqs = [Requirement(line) for line in lines]
    return [r for r in reqs if canonicalize_name(r.name) != "d2lmini"]


def _uncommented_lines(path):
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.partition("#")[0].strip()
        if line:
            yield number, line


def _pins():
    """binder/requirements.txt as {canonical name: (Requirement, line number)}."""
    path = BINDER / "requirements.txt"
    assert path.is_file(), "binder/requirements.txt is missing"
    pins = {}
    for number, line in _uncommented_lines(path):
        where = f"binder/requirements.txt line {number} ({line!r})"
        assert not line.startswith("-"), (
            f"{where}: pip options (-e, -r, --index-url, ...) do not belong here; "
            "list only `name==version` pins (postBuild installs the package itself)"
        )
        assert "://" not in line and " @ " not in line, (
            f"{where}: URLs and direct references are not reproducible pins; "
            "use `name==version` from PyPI"
        )
        try:
            req = Requirement(line)
        except InvalidRequirement as e:
            pytest.fail(f"{where}: not a valid requirement: {e}")
        name = canonicalize_name(req.name)
        assert name not in pins, f"{where}: {req.name} is pinned twice"
        pins[name] = (req, number)
    return pins


def _pinned_version(req, number):
    specs = list(req.specifier)
    ok = (
        len(specs) == 1
        and specs[0].operator == "=="
        and "*" not in specs[0].version
        and not req.url
    )
    assert ok, (
        f"binder/requirements.txt line {number}: {req} is not an exact pin; write "
        f"`{req.name}==X.Y.Z` so every Binder build gets the same version"
    )
    return Version(specs[0].version)


def _runtime_python():
    path = BINDER / "runtime.txt"
    assert path.is_file(), (
        "binder/runtime.txt is missing: without it repo2docker picks its default "
        "Python; write `python-3.11`"
    )
    text = path.read_text().strip()
    m = re.fullmatch(r"python-(\d+\.\d+)", text)
    assert m, (
        f"binder/runtime.txt holds {text!r}; repo2docker expects a single line "
        "`python-X.Y` (e.g. `python-3.11`) and nothing else, not even a comment"
    )
    return m.group(1)


# ---------------------------------------------------------------------------
# (a) the files agree with pyproject.toml


def test_every_runtime_dependency_has_an_exact_pin_that_pyproject_allows():
    pins = _pins()
    for dep in _runtime_requirements():
        name = canonicalize_name(dep.name)
        if name in FROM_BASE_IMAGE:
            continue
        assert name in pins, (
            f"pyproject.toml requires {dep} but binder/requirements.txt does not pin "
            f"{dep.name}; add `{dep.name}==<version>` (a version that satisfies "
            f"`{dep.specifier}`)"
        )
        req, number = pins[name]
        version = _pinned_version(req, number)
        assert dep.specifier.contains(version, prereleases=True), (
            f"binder/requirements.txt line {number} pins {req.name}=={version}, but "
            f"pyproject.toml requires {dep}; change the pin or the specifier so they "
            "agree"
        )


def test_every_pin_is_exact_and_agrees_with_any_specifier_in_pyproject():
    pins = _pins()
    wanted = {}
    for dep in _all_pyproject_requirements():
        wanted.setdefault(canonicalize_name(dep.name), []).append(dep)
    for name, (req, number) in pins.items():
        version = _pinned_version(req, number)
        for dep in wanted.get(name, []):
            assert dep.specifier.contains(version, prereleases=True), (
                f"binder/requirements.txt line {number} pins {req.name}=={version}, "
                f"but pyproject.toml asks for {dep}; make them agree"
            )


def test_no_pin_of_the_base_images_jupyter_server_stack():
    for name, (req, number) in _pins().items():
        assert name not in SERVER_STACK, (
            f"binder/requirements.txt line {number} pins {req.name}: the repo2docker "
            "base image already provides JupyterLab 4, Notebook 7, jupyter_server 2 "
            "and JupyterHub; pinning one here replaces the base image's version and "
            "can break the Binder session. Remove the line."
        )


def test_runtime_txt_python_satisfies_requires_python():
    version = _runtime_python()
    requires = _pyproject()["project"]["requires-python"]
    assert Version(version) in Requirement(f"python{requires}").specifier, (
        f"binder/runtime.txt asks for Python {version}, but pyproject.toml has "
        f"requires-python = {requires!r}; pick a version both allow"
    )


def test_apt_txt_lists_graphviz():
    path = BINDER / "apt.txt"
    assert path.is_file(), (
        "binder/apt.txt is missing; it must list `graphviz` (the `dot` program the "
        "graphviz Python package runs)"
    )
    packages = [line for _, line in _uncommented_lines(path)]
    assert "graphviz" in packages, (
        f"binder/apt.txt lists {packages}; add a line `graphviz` so that `dot` is in "
        "the image"
    )


def test_postbuild_is_an_executable_bash_script_that_installs_the_package():
    path = BINDER / "postBuild"
    assert path.is_file(), "binder/postBuild is missing"
    assert os.stat(path).st_mode & 0o111, (
        "binder/postBuild is not executable; run `chmod +x binder/postBuild` and "
        "commit the mode (git update-index --chmod=+x binder/postBuild)"
    )
    text = path.read_text()
    assert "\r" not in text, (
        "binder/postBuild has CRLF line endings, which break the shebang; convert "
        "it to LF"
    )
    first = text.splitlines()[0] if text else ""
    assert first.startswith("#!") and "bash" in first, (
        f"binder/postBuild starts with {first!r}; its first line must be a bash "
        "shebang such as `#!/bin/bash`"
    )
    assert re.search(r"^\s*set -euo pipefail\b", text, re.M), (
        "binder/postBuild lacks `set -euo pipefail`; without it a failing step "
        "does not fail the Binder build"
    )
    installs = [
        line
        for line in text.splitlines()
        if re.search(r"\bpip install\b", line.partition("#")[0])
        and re.search(r"\s(-e\s+|--editable\s+)?\.(\s|$)", line.partition("#")[0])
    ]
    assert installs, (
        "binder/postBuild does not install the repository (`python -m pip install "
        "--no-deps -e .`); without it `import d2lmini` and `from widgets import ...` "
        "fail in the notebooks"
    )
    assert all("--no-deps" in line for line in installs), (
        f"binder/postBuild installs the package without --no-deps ({installs}); "
        "add it, so binder/requirements.txt stays the only source of pinned versions"
    )
    bash = shutil.which("bash")
    if bash:
        result = subprocess.run(
            [bash, "-n", str(path)], capture_output=True, text=True, timeout=10
        )
        assert result.returncode == 0, f"binder/postBuild: bash -n: {result.stderr}"


def test_postbuild_is_executable_in_git_too():
    git = shutil.which("git")
    if git is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    result = subprocess.run(
        [git, "ls-files", "-s", "binder/postBuild"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=10,
    )
    if result.returncode != 0 or not result.stdout.strip():
        pytest.skip("binder/postBuild is not committed yet")
    mode = result.stdout.split()[0]
    assert mode == "100755", (
        f"git records binder/postBuild with mode {mode}; run "
        "`git update-index --chmod=+x binder/postBuild` and commit"
    )


def test_pins_do_not_pull_in_another_jupyter_server_stack():
    """Pinned packages installed here at the pinned version: their requirements on
    JupyterLab/Notebook/jupyter_server accept the base image's versions, and their
    Requires-Python accepts runtime.txt's Python. (Packages installed here at another
    version cannot be checked offline and are left out.)"""
    import importlib.metadata as md

    base = _base_image_versions(_runtime_python())
    python = Version(_runtime_python())
    checked = []
    for name, (req, number) in _pins().items():
        version = _pinned_version(req, number)
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError:
            continue
        if Version(dist.version) != version:
            continue
        checked.append(name)
        requires_python = dist.metadata.get("Requires-Python")
        if requires_python:
            assert python in Requirement(f"python{requires_python}").specifier, (
                f"{req.name}=={version} needs Python {requires_python}, but "
                f"binder/runtime.txt asks for {python}; change one of them"
            )
        for line in dist.requires or []:
            dep = Requirement(line)
            dep_name = canonicalize_name(dep.name)
            if dep.marker is not None and "extra" in str(dep.marker):
                continue
            if dep_name in SERVER_STACK and dep_name in base:
                assert dep.specifier.contains(base[dep_name], prereleases=True), (
                    f"{req.name}=={version} requires {dep}, but the Binder base "
                    f"image has {dep.name} {base[dep_name]}; pip would replace the "
                    f"base image's {dep.name}. Pin another {req.name} version."
                )
    assert checked or not _pins(), "no pinned package is installed here to check"


# ---------------------------------------------------------------------------
# (b) repo2docker renders a Dockerfile from binder/


def _repo2docker():
    pytest.importorskip(
        "repo2docker", reason="jupyter-repo2docker is not installed (the test extra)"
    )
    script = Path(sys.executable).with_name("jupyter-repo2docker")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "repo2docker"]


def _unescape(slug):
    """repo2docker names build-context files with escapism ('-2e' for '.')."""
    return re.sub(r"-([0-9a-f]{2})", lambda m: chr(int(m.group(1), 16)), slug)


def _base_lock(python):
    """repo2docker's locked base environment for `python` (holds JupyterLab)."""
    repo2docker = pytest.importorskip("repo2docker")
    conda = Path(repo2docker.__file__).parent / "buildpacks" / "conda"
    lock = conda / f"environment.py-{python}-linux-64.lock"
    assert lock.is_file(), (
        f"repo2docker {repo2docker.__version__} has no base environment for Python "
        f"{python} ({lock.name}); pick a Python it supports in binder/runtime.txt"
    )
    return lock


def _base_image_versions(python):
    versions = {}
    for m in re.finditer(
        r"/([A-Za-z0-9_.\-]+?)-(\d[^-/]*)-[^-/]+\.(?:conda|tar\.bz2)",
        _base_lock(python).read_text(),
    ):
        try:
            versions[canonicalize_name(m.group(1))] = Version(m.group(2))
        except InvalidVersion:  # e.g. tzdata-2025b
            pass
    return versions


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """The Dockerfile repo2docker renders for a copy of binder/ and pyproject.toml."""
    command = _repo2docker()
    repo = tmp_path_factory.mktemp("binder") / "repo"
    shutil.copytree(BINDER, repo / "binder")
    shutil.copy2(ROOT / "pyproject.toml", repo / "pyproject.toml")
    result = subprocess.run(
        command
        + ["--no-build", "--debug", "--user-id", "1000", "--user-name", "jovyan"]
        + [str(repo)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=repo.parent,
    )
    assert result.returncode == 0, (
        "jupyter-repo2docker --no-build failed on binder/; its output:\n"
        + result.stdout[-3000:]
        + result.stderr[-3000:]
    )
    dockerfile = result.stdout
    assert "\nFROM " in "\n" + dockerfile, (
        "repo2docker printed no Dockerfile:\n" + dockerfile[-2000:] + result.stderr
    )
    return dockerfile, result.stderr


def test_dockerfile_installs_graphviz_with_apt(rendered):
    dockerfile, _ = rendered
    assert re.search(r"apt-get install[^\n]*\bgraphviz\b", dockerfile), (
        "the rendered Dockerfile has no `apt-get install ... graphviz`; check that "
        "binder/apt.txt lists graphviz"
    )


def test_dockerfile_uses_runtime_python(rendered):
    dockerfile, log = rendered
    python = _runtime_python()
    copies = [_unescape(line) for line in dockerfile.splitlines() if "COPY" in line]
    assert any(f"environment.py-{python}-" in line for line in copies), (
        f"the rendered Dockerfile does not build the Python {python} base "
        f"environment (repo2docker log: {log.strip()!r}); is binder/runtime.txt "
        "read? (A binder/environment.yml would make repo2docker ignore it.)"
    )


def test_dockerfile_installs_requirements_then_runs_postbuild(rendered):
    dockerfile, _ = rendered
    pip = re.search(r"pip install[^\n]*-r \"?binder/requirements\.txt", dockerfile)
    assert pip, (
        "the rendered Dockerfile does not pip-install binder/requirements.txt; "
        "a binder/environment.yml or Pipfile would take precedence over it"
    )
    post = dockerfile.find("binder/postBuild")
    assert post > pip.start(), (
        "the rendered Dockerfile does not run binder/postBuild after installing "
        "the requirements"
    )
    assert "RUN ./binder/postBuild" in dockerfile


def test_base_image_jupyterlab_fits_the_widgets_extra():
    python = _runtime_python()
    versions = _base_image_versions(python)
    for dep in _runtime_requirements():
        name = canonicalize_name(dep.name)
        if name not in FROM_BASE_IMAGE:
            continue
        assert name in versions, f"repo2docker's base environment has no {dep.name}"
        assert dep.specifier.contains(versions[name], prereleases=True), (
            f"the Binder base image (Python {python}) has {dep.name} "
            f"{versions[name]}, outside pyproject.toml's {dep}"
        )
