"""How the browser test drives JupyterLab: a server, a browser, a notebook session.

Everything the server and the browser write lives in pytest's temporary
directories; the repository is checked afterwards for anything Jupyter could have
left there. One time budget covers the module: every wait gets what is left of it,
and a wait that runs out fails with the name of the step that hung.

Tests marked ``browser`` are skipped, with the reason, when chromium, playwright
or the Jupyter stack is missing.
"""

import contextlib
import faulthandler
import importlib.util
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

# The browser test runs this notebook itself; it is stored without outputs on
# purpose, so nbval (which checks stored outputs) must not collect it.
collect_ignore = ["all_views.ipynb"]

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
# Seconds for the whole module (server start, every notebook, teardown).
BUDGET_S = float(os.environ.get("D2LMINI_BROWSER_BUDGET", "240"))
WIDTH = 1280  # of the browser window, in CSS pixels

# Flags checked with Debian 12's chromium (see ../shared/TESTING.md); --no-sandbox
# is added when running as root.
CHROMIUM_FLAGS = [
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# User settings of the temporary JupyterLab: every cell stays in the DOM (no
# virtual scrolling), nothing is saved behind our back, nothing goes online.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker": {
        "windowingMode": "none",
        "scrollPastEnd": False,
    },
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
    "@jupyterlab/apputils-extension/notification": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    "@jupyterlab/extensionmanager-extension/plugin": {"enabled": False},
}


# --- skipping ------------------------------------------------------------------------


def find_chromium():
    for candidate in ("/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def missing_requirements():
    missing = []
    if find_chromium() is None:
        missing.append("chromium (/usr/bin/chromium or `chromium` on PATH; on Debian "
                       "`apt-get install chromium`, which .ci/run does)")
    for module in ("playwright", "jupyterlab", "ipywidgets", "ipykernel"):
        if importlib.util.find_spec(module) is None:
            missing.append(f"the python package {module} (pip install -e '.[test]')")
    return missing


def pytest_collection_modifyitems(config, items):
    browser_items = [item for item in items if item.get_closest_marker("browser")]
    missing = missing_requirements() if browser_items else []
    if missing:
        skip = pytest.mark.skip(reason="browser test needs " + "; ".join(missing))
        for item in browser_items:
            item.add_marker(skip)


# --- time budget ---------------------------------------------------------------------


class StepTimeout(Exception):
    pass


class Budget:
    """One deadline for the module; every wait gets what is left of it.

    ``step(name)`` names what runs now, so a wait that runs out says which step
    hung. A watchdog thread is the last resort for a call that ignores its
    timeout: 15 s after the deadline it kills the server and the browser (the
    processes this test started), and faulthandler ends pytest 60 s after it.
    """

    def __init__(self, seconds):
        self.seconds = seconds
        self.start = time.monotonic()
        self.name = "starting"
        self.on_expiry = []
        self.times = []  # (seconds, step) of the steps that finished
        self._timer = threading.Timer(seconds + 15, self._expire)
        self._timer.daemon = True
        self._timer.start()
        faulthandler.dump_traceback_later(seconds + 60, exit=True)

    def left(self):
        return self.seconds - (time.monotonic() - self.start)

    def ms(self, cap=None):
        """Milliseconds a wait may take: what is left, at most ``cap`` seconds."""
        left = self.left()
        if left <= 0:
            raise StepTimeout(self.message())
        return 1000 * (left if cap is None else min(left, cap))

    def message(self):
        used = time.monotonic() - self.start
        return (f"browser test: step '{self.name}' did not finish "
                f"({used:.0f} s used of the {self.seconds:.0f} s budget)")

    @contextlib.contextmanager
    def step(self, name):
        from playwright.sync_api import Error as PlaywrightError

        self.name, started = name, time.monotonic()
        try:
            yield
        except StepTimeout as exc:
            failure = str(exc)
        except PlaywrightError as exc:
            failure = f"{self.message()}: {(str(exc).strip().splitlines() or [''])[0]}"
        else:
            self.times.append((time.monotonic() - started, name))
            return
        # One message, without the StepTimeout or playwright traceback chained to it.
        raise pytest.fail.Exception(failure, pytrace=False) from None

    def _expire(self):
        print(f"\n{self.message()}; killing JupyterLab and Chromium",
              file=sys.stderr, flush=True)
        for kill in self.on_expiry:
            with contextlib.suppress(Exception):
                kill()

    def close(self):
        self._timer.cancel()
        faulthandler.cancel_dump_traceback_later()
        slowest = ", ".join(f"{name} {sec:.1f} s"
                            for sec, name in sorted(self.times, reverse=True)[:6])
        print(f"\nbrowser test: {time.monotonic() - self.start:.0f} s in all; "
              f"slowest steps: {slowest}")


# --- JupyterLab ----------------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def is_root():
    return hasattr(os, "geteuid") and os.geteuid() == 0


class Lab:
    """A JupyterLab server whose every file lives under one temporary directory;
    notebooks to open go into ``root``."""

    def __init__(self, base, budget):
        self.root = base / "root"
        self.token = secrets.token_hex(16)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = base / "jupyterlab.log"
        dirs = {name: base / name for name in (
            "config", "data", "runtime", "settings", "workspaces", "checkpoints",
            "ipython", "matplotlib", "cache")}
        for path in [self.root, *dirs.values()]:
            path.mkdir(parents=True, exist_ok=True)
        for plugin, values in LAB_SETTINGS.items():
            path = dirs["settings"] / f"{plugin}.jupyterlab-settings"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        env = dict(os.environ)
        env.update(
            JUPYTER_CONFIG_DIR=str(dirs["config"]),
            JUPYTER_DATA_DIR=str(dirs["data"]),
            JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
            JUPYTER_PLATFORM_DIRS="1",
            IPYTHONDIR=str(dirs["ipython"]),
            MPLCONFIGDIR=str(dirs["matplotlib"]),
            XDG_CACHE_HOME=str(dirs["cache"]),
            PYTHONDONTWRITEBYTECODE="1",
            PYTHONHASHSEED="0",
            # The kernel imports d2lmini and widgets from this checkout.
            PYTHONPATH=os.pathsep.join(
                [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
        )
        cmd = [
            sys.executable, "-m", "jupyterlab", "--no-browser",
            "--expose-app-in-browser",  # window.jupyterapp: run its commands
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root}",
            f"--LabApp.user_settings_dir={dirs['settings']}",
            f"--LabApp.workspaces_dir={dirs['workspaces']}",
            f"--FileCheckpoints.checkpoint_dir={dirs['checkpoints']}",
        ]
        if is_root():
            cmd.append("--allow-root")
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            cmd, cwd=self.root, env=env, stdout=self._log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, kernels included
        )
        budget.on_expiry.append(self.kill)
        self._wait_ready(budget)

    def request(self, path, method="GET", timeout=5):
        req = urllib.request.Request(self.url + path, method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status

    def _wait_ready(self, budget):
        while True:
            if self.proc.poll() is not None:
                pytest.fail(f"JupyterLab exited with code {self.proc.returncode} "
                            f"while starting:\n{self.log_tail()}", pytrace=False)
            with contextlib.suppress(OSError, urllib.error.URLError):
                if self.request("/api/status", timeout=2) == 200:
                    return
            if budget.left() <= 0:
                raise StepTimeout(f"{budget.message()}\n{self.log_tail()}")
            time.sleep(0.2)

    def log_tail(self, lines=40):
        self._log.flush()
        text = self.log_path.read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def kill(self):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)

    def stop(self):
        """Ask the server to shut down (it stops its kernels), then make sure."""
        if self.proc.poll() is None:
            with contextlib.suppress(OSError, urllib.error.URLError):
                self.request("/api/shutdown", method="POST")
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGTERM)
                try:
                    self.proc.wait(5)
                except subprocess.TimeoutExpired:
                    self.kill()
                    self.proc.wait(5)
        self.kill()  # anything left in its process group
        self._log.close()


# --- Chromium ------------------------------------------------------------------------


def decode_kernel_frame(payload):
    """(channel, msg_type, parent msg_type, content) of a kernel websocket frame.

    JupyterLab 4 speaks ``v1.kernel.websocket.jupyter.org``: a binary frame starts
    with a little-endian uint64 count n and n uint64 offsets; the parts between
    them are channel, header, parent header, metadata, content and buffers. Text
    frames are the older JSON form.
    """
    try:
        if isinstance(payload, str):
            msg = json.loads(payload)
            return (msg.get("channel"), msg["header"]["msg_type"],
                    msg.get("parent_header", {}).get("msg_type"), msg["content"])
        count = int.from_bytes(payload[:8], "little")
        offsets = [int.from_bytes(payload[8 * i:8 * i + 8], "little")
                   for i in range(1, count + 1)]
        parts = [payload[a:b] for a, b in zip(offsets, offsets[1:])]
        header, parent, _, content = (json.loads(p) for p in parts[1:5])
        return parts[0].decode(), header["msg_type"], parent.get("msg_type"), content
    except (ValueError, KeyError, IndexError, TypeError, UnicodeDecodeError):
        return None


class Browser:
    """Headless Chromium with a fresh profile. Records browser console errors and
    what kernels report on iopub: errors and stderr, with the kind of message that
    caused them (``comm_msg`` for a button callback)."""

    def __init__(self, base, budget):
        from playwright.sync_api import sync_playwright

        self.profile = base / "profile"
        self.console = []
        self.kernel = []  # (parent msg_type, text)
        budget.on_expiry.append(self.kill)
        self._pw = sync_playwright().start()
        flags = (["--no-sandbox"] if is_root() else []) + CHROMIUM_FLAGS
        self.context = self._pw.chromium.launch_persistent_context(
            str(self.profile), executable_path=find_chromium(), headless=True,
            args=flags, viewport={"width": WIDTH, "height": 900},
            timeout=budget.ms(cap=60))
        self.page = (self.context.pages or [self.context.new_page()])[0]
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda exc: self.console.append(f"page error: {exc}"))
        self.page.on("websocket", self._on_websocket)

    def _on_console(self, msg):
        if msg.type == "error":
            self.console.append(f"console error: {msg.text}")

    def _on_websocket(self, ws):
        if "/api/kernels/" in ws.url:
            ws.on("framereceived", self._on_frame)

    def _on_frame(self, payload):
        decoded = decode_kernel_frame(payload)
        if decoded is None or decoded[0] != "iopub":
            return
        _, msg_type, parent, content = decoded
        if msg_type == "error":
            self.kernel.append((parent, f"{content.get('ename')}: "
                                        f"{content.get('evalue')}"))
        elif msg_type == "stream" and content.get("name") == "stderr":
            self.kernel.append((parent, content.get("text", "")))

    def kill(self):
        """Kill the Chromium processes of our profile (found by its unique path)."""
        for proc in Path("/proc").iterdir():
            if proc.name.isdigit():
                with contextlib.suppress(OSError):
                    cmdline = (proc / "cmdline").read_text(errors="ignore")
                    if str(self.profile) in cmdline:
                        os.kill(int(proc.name), signal.SIGKILL)

    def close(self):
        with contextlib.suppress(Exception):
            self.context.close()
        with contextlib.suppress(Exception):
            self._pw.stop()


# --- a notebook in the page ----------------------------------------------------------

# Every await in page JavaScript is raced against a timeout: page.evaluate has no
# timeout of its own, and a promise that never settles must not hang the test.
JS_OPEN = """async ({path, ms}) => {
  const late = what => new Promise((_, reject) => setTimeout(
    () => reject(new Error(what + ' took longer than ' + ms / 1000 + ' s')), ms));
  const app = window.jupyterapp;
  await Promise.race([app.restored, late('restoring JupyterLab')]);
  const panel = await Promise.race([
    app.commands.execute('docmanager:open', {path, factory: 'Notebook'}),
    late('opening ' + path)]);
  await Promise.race([panel.context.ready, late('loading ' + path)]);
  await Promise.race([panel.sessionContext.ready, late('starting the kernel')]);
  app.shell.collapseLeft();
  app.shell.activateById(panel.id);
  const d = {panel, idle: 0, run: null};
  panel.sessionContext.statusChanged.connect((_, status) => {
    if (status === 'idle') d.idle += 1;
  });
  // Each cell's node carries its notebook cell id, for locators.
  for (const cell of panel.content.widgets)
    cell.node.setAttribute('data-d2l-cell', cell.model.id);
  window.__d2l = d;
}"""

JS_CLOSE = """async ms => {
  const d = window.__d2l;
  if (!d) return;
  await Promise.race([d.panel.sessionContext.shutdown(),
    new Promise(resolve => setTimeout(resolve, ms))]);
  d.panel.context.model.dirty = false;
  d.panel.dispose();
  window.__d2l = null;
}"""

JS_IDLE = """() => window.__d2l.panel.sessionContext.session?.kernel?.status
  === 'idle'"""

# Runs every cell through JupyterLab's own command (Run > Run All Cells) and
# records when the promise it returns settles.
JS_RUN_ALL = """() => {
  const d = window.__d2l;
  window.jupyterapp.shell.activateById(d.panel.id);
  d.run = {done: false};
  window.jupyterapp.commands.execute('notebook:run-all-cells').then(
    ok => { d.run = {done: true, ok}; },
    err => { d.run = {done: true, ok: false, error: String(err)}; });
}"""

JS_RUN_DONE = f"""() => window.__d2l.run.done && ({JS_IDLE})()"""

JS_IDLE_AFTER = f"""n => window.__d2l.idle > n && ({JS_IDLE})()"""

JS_LOADING = """() => [...document.querySelectorAll('.jp-OutputArea-output')]
  .some(e => e.textContent.trim().startsWith('Loading widget'))"""

JS_THEME = """async ({theme, ms}) => {
  await Promise.race([
    window.jupyterapp.commands.execute('apputils:change-theme', {theme}),
    new Promise((_, reject) => setTimeout(
      () => reject(new Error('changing the theme took longer than ' + ms / 1000
                             + ' s')), ms))]);
}"""

# Height the window needs to show the whole notebook without scrolling.
JS_FULL_HEIGHT = """() => {
  const inner = window.__d2l.panel.content.node;
  const scroller = inner.querySelector('.jp-WindowedPanel-outer') || inner;
  return scroller.scrollHeight + (window.innerHeight - scroller.clientHeight);
}"""

# Opens the log console and returns its entries. Tracebacks raised in button
# callbacks never reach a cell: JupyterLab logs them here at the 'error' level.
JS_LOG_CONSOLE = """async ms => {
  await Promise.race([window.jupyterapp.commands.execute('logconsole:open', {}),
    new Promise(resolve => setTimeout(resolve, ms))]);
  await new Promise(resolve => setTimeout(resolve, 300));
  const panel = document.querySelector('.jp-LogConsolePanel');
  if (!panel) return null;
  return [...panel.querySelectorAll('.jp-OutputArea-child')].map(e => ({
    level: e.querySelector('[data-log-level]')?.dataset.logLevel || '',
    text: e.querySelector('.jp-OutputArea-output')?.innerText || ''}));
}"""


class Session:
    """One notebook open in the page: run it, click in it, read it, photograph it.

    Use as a context manager: leaving shuts its kernel down and closes it unsaved.
    """

    def __init__(self, lab, browser, budget, artifacts, path):
        self.budget, self.artifacts, self.path = budget, artifacts, path
        self.page = browser.page
        browser.console.clear()
        browser.kernel.clear()
        with budget.step(f"loading JupyterLab for {path}"):
            self.page.goto(f"{lab.url}/lab?reset&token={lab.token}",
                           timeout=budget.ms(cap=60))
            self.page.wait_for_function("() => !!window.jupyterapp",
                                        timeout=budget.ms(cap=60))
        with budget.step(f"opening {path} and starting its kernel"):
            self.page.evaluate(JS_OPEN, {"path": path, "ms": budget.ms(cap=60)})
            self.page.wait_for_function(JS_IDLE, timeout=budget.ms(cap=60))

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        with contextlib.suppress(Exception):
            self.page.evaluate(JS_CLOSE, 10000)

    def evaluate(self, script, arg=None, what="reading the page"):
        with self.budget.step(f"{what} ({self.path})"):
            return self.page.evaluate(script, arg)

    def run_all(self):
        with self.budget.step(f"running all cells of {self.path}"):
            self.page.evaluate(JS_RUN_ALL)
            self.page.wait_for_function(JS_RUN_DONE, timeout=self.budget.ms(),
                                        polling=200)
        self.settle("rendering the widgets after running all cells")

    def settle(self, what):
        """Wait until no output shows 'Loading widget...' (the checks report those
        still loading after 15 s) and the notebook's text stops changing."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        with self.budget.step(what):
            with contextlib.suppress(PlaywrightTimeout):
                self.page.wait_for_function(f"() => !({JS_LOADING})()",
                                            timeout=self.budget.ms(cap=15), polling=100)
            previous, since = None, time.monotonic()
            deadline = since + min(10, self.budget.left())
            while time.monotonic() < deadline:
                text = self.page.evaluate(
                    "() => window.__d2l.panel.content.node.innerText")
                if text != previous:
                    previous, since = text, time.monotonic()
                elif time.monotonic() - since > 0.6:
                    break
                time.sleep(0.15)

    def cell(self, cell_id):
        return self.page.locator(f'[data-d2l-cell="{cell_id}"]')

    def click(self, cell_id, label, until=None, cap=60):
        """Click the button labelled ``label`` (a string, exact, or a regex) in a
        cell, wait until the kernel has handled it and, if given, until the JS
        predicate ``until`` holds for the cell's node."""
        page, budget = self.page, self.budget
        shown = getattr(label, "pattern", label)
        with budget.step(f"clicking '{shown}' in cell {cell_id}"):
            button = self.cell(cell_id).get_by_role("button", name=label, exact=True)
            button.first.wait_for(state="visible", timeout=budget.ms(cap=10))
            idle_before = page.evaluate("() => window.__d2l.idle")
            button.first.click(timeout=budget.ms(cap=10))
            page.wait_for_function(JS_IDLE_AFTER, arg=idle_before,
                                   timeout=budget.ms(cap=cap), polling=100)
            if until:
                page.wait_for_function(
                    f"id => ({until})(document.querySelector("
                    "`[data-d2l-cell=\"${id}\"]`))",
                    arg=cell_id, timeout=budget.ms(cap=cap), polling=200)
        self.settle(f"updating cell {cell_id} after '{shown}'")

    def shot(self, name, cell_id=None):
        """Screenshot the whole notebook (the window made as tall as it) or one
        cell into the artifacts directory; prints the path."""
        path = self.artifacts / f"{name}.png"
        with self.budget.step(f"taking the screenshot {path.name}"):
            size = {"width": WIDTH,
                    "height": min(int(self.page.evaluate(JS_FULL_HEIGHT)), 16000)}
            if size != self.page.viewport_size:
                self.page.set_viewport_size(size)
                self.page.wait_for_timeout(300)
            target = self.page if cell_id is None else self.cell(cell_id)
            target.screenshot(path=path, timeout=self.budget.ms(cap=30))
        print(f"screenshot: {path}")
        return path

    def set_theme(self, theme):
        with self.budget.step(f"switching to the theme {theme!r}"):
            self.page.evaluate(JS_THEME, {"theme": theme, "ms": self.budget.ms(cap=30)})
            self.page.wait_for_function(
                "theme => document.body.dataset.jpThemeName === theme", arg=theme,
                timeout=self.budget.ms(cap=30))
            self.page.wait_for_timeout(500)  # let the theme's CSS apply

    def log_console(self):
        """The log console's entries: [{'level': ..., 'text': ...}] (None if it
        did not open)."""
        return self.evaluate(JS_LOG_CONSOLE, 5000, what="reading the log console")


# --- the repository stays clean ------------------------------------------------------

# What Jupyter or IPython would leave behind if something pointed them at the
# repository. Files elsewhere are not compared: someone may be editing the checkout
# while the test runs.
JUPYTER_LITTER = re.compile(
    r"(^|/)(\.ipynb_checkpoints|\.virtual_documents|\.jupyter|\.ipython|\.local"
    r"|Untitled[^/]*|[^/]*jupyterlab-workspace[^/]*)(/|$)")
CACHES = {".git", ".venv", "__pycache__", ".pytest_cache", ".hypothesis",
          ".ruff_cache", "node_modules"}


def repo_snapshot():
    """{path: (mtime, size)} of each file in tests/browser/ and of anything in the
    repository that looks like Jupyter's litter."""
    paths = {}
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = [d for d in dirnames
                       if d not in CACHES and not d.endswith(".egg-info")]
        for name in filenames:
            path = Path(dirpath) / name
            rel = path.relative_to(ROOT).as_posix()
            if HERE in path.parents or JUPYTER_LITTER.search(rel):
                stat = path.stat()
                paths[rel] = (stat.st_mtime_ns, stat.st_size)
    return paths


# --- fixtures ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def budget():
    deadline = Budget(BUDGET_S)
    yield deadline
    deadline.close()


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory):
    """$D2LMINI_ARTIFACTS/browser when that variable is set, else a pytest tmp dir."""
    env = os.environ.get("D2LMINI_ARTIFACTS")
    path = Path(env) / "browser" if env else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def lab(tmp_path_factory, budget):
    before = repo_snapshot()
    server = None
    try:
        with budget.step("starting JupyterLab"):
            server = Lab(tmp_path_factory.mktemp("jupyterlab"), budget)
        yield server
    finally:
        if server is not None:
            with budget.step("stopping JupyterLab"):
                server.stop()
    after = repo_snapshot()
    changed = sorted(p for p in before.keys() | after.keys()
                     if before.get(p) != after.get(p))
    assert not changed, f"the browser test changed files in the repository: {changed}"


@pytest.fixture(scope="module")
def browser(tmp_path_factory, budget, lab):
    chromium = None
    try:
        with budget.step("starting Chromium"):
            chromium = Browser(tmp_path_factory.mktemp("chromium"), budget)
        yield chromium
    finally:
        if chromium is not None:
            chromium.close()


@pytest.fixture
def open_notebook(lab, browser, budget, artifacts):
    """open_notebook(path) -> Session, for a notebook inside ``lab.root``."""
    return lambda path: Session(lab, browser, budget, artifacts, path)
