"""The class JupyterHub of course/hub/, run for real with temporary Unix accounts.

Marked `hub` (and `slow`): it needs root (it creates accounts, and the hub
starts each user's server as that account), npm (configurable-http-proxy) and
the package registries; without them it is skipped and says why. One hub is
set up in a fresh folder under /tmp with course/hub/hubctl.py, exactly as an
administrator would, with its own venv made from /usr/bin/python3 (pip's cache
makes that take about a minute), listening on 127.0.0.1 only, and with the
real NativeAuthenticator. The accounts are d2lt-ana (instructor) and d2lt-ben,
d2lt-cleo, d2lt-dara (students), in the groups d2lt-students and
d2lt-instructors. Everything (hub, servers, accounts, groups, the folder) is
removed afterwards, whether the tests pass or not, and leftovers of an
interrupted earlier run are removed first.

The tests, in order:
- signing up and logging in through NativeAuthenticator's forms;
- servers start as their accounts and listen on loopback only; the idle
  culler runs; the instructor's server has the formgrader;
- the nbgitpuller link: a student edits a notebook, the instructor pushes a
  change, the link is used again, both are there;
- the assignment cycle through nbgrader's exchange: release (instructor's
  CLI as the instructor), fetch/submit/fetch_feedback through each student's
  server (the nbgrader server extension, through the hub's proxy), answers
  written through the Contents API, one right, one wrong, one untouched and
  late; collect, autograde, feedback; the gradebook's scores; what a student
  cannot read.
"""

import copy
import grp
import importlib.util
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs, quote, urlparse

import nbformat
import pytest

requests = pytest.importorskip("requests")
psutil = pytest.importorskip("psutil")

pytestmark = [pytest.mark.hub, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
HUBCTL = ROOT / "course" / "hub" / "hubctl.py"
PREFIX = "d2lt"  # every account and group this test makes starts with it
INSTRUCTOR = f"{PREFIX}-ana"
RIGHT, WRONG, LATE = (f"{PREFIX}-ben", f"{PREFIX}-cleo", f"{PREFIX}-dara")
STUDENTS = [RIGHT, WRONG, LATE]
ASSIGNMENT = "05_custom_layers"
PASSWORD = "layers-and-blocks-5"
TOKEN = os.urandom(16).hex()  # the test's own admin service token


def load_hubctl():
    spec = importlib.util.spec_from_file_location("hubctl", HUBCTL)
    module = importlib.util.module_from_spec(spec)
    before, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = before
    return module


hubctl = load_hubctl()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def remove_accounts():
    """Delete the test's accounts and groups (leftovers included)."""
    hubctl.stop_processes([INSTRUCTOR, *STUDENTS])
    for name in [INSTRUCTOR, *STUDENTS]:
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        subprocess.run(["userdel", "--remove", name], capture_output=True)
    for group in (f"{PREFIX}-students", f"{PREFIX}-instructors"):
        try:
            grp.getgrnam(group)
        except KeyError:
            continue
        subprocess.run(["groupdel", group], capture_output=True)


def skip_reason():
    if sys.platform != "linux":
        return "the class hub runs on Linux only"
    if os.geteuid() != 0:
        return "needs root to create temporary Unix accounts (CI runs as root)"
    for tool in ("useradd", "userdel", "groupadd", "groupdel", "runuser", "git"):
        if shutil.which(tool) is None:
            return f"{tool} is missing: cannot create or use accounts"
    if shutil.which("npm") is None:
        return ("npm is missing, so configurable-http-proxy cannot be installed"
                " (apt-get install npm)")
    if not Path("/usr/bin/python3").exists():
        return "no /usr/bin/python3 to build the hub's venv from"
    return None


class Hub:
    """A running hub and ways to talk to it as its users."""

    def __init__(self, layout, settings, proc, log):
        self.layout, self.settings, self.proc, self.log = (layout, settings,
                                                           proc, log)
        self.url = f"http://127.0.0.1:{settings['port']}"
        self.tokens = {}

    def api(self, method, path, token=TOKEN, **kwargs):
        kwargs.setdefault("timeout", 60)
        headers = {"Authorization": f"token {token}"}
        return requests.request(method, f"{self.url}/hub/api{path}",
                                headers=headers, **kwargs)

    def token(self, name):
        """An API token of the user `name` (made by the test's admin token)."""
        if name not in self.tokens:
            r = self.api("POST", f"/users/{name}/tokens",
                         json={"note": "test", "expires_in": 3600})
            assert r.status_code == 201, r.text
            self.tokens[name] = r.json()["token"]
        return self.tokens[name]

    def user(self, method, name, path, as_user=None, **kwargs):
        """A request to `name`'s server, as `as_user` (default: name)."""
        kwargs.setdefault("timeout", 120)
        token = self.token(as_user or name)
        return requests.request(method, f"{self.url}/user/{name}/{path}",
                                headers={"Authorization": f"token {token}"},
                                **kwargs)

    def start_server(self, name, timeout=120):
        if self.api("GET", f"/users/{name}").status_code == 404:
            # a student who has not logged in yet: the hub adds them as
            # their first login would
            r = self.api("POST", f"/users/{name}")
            assert r.status_code == 201, r.text
        r = self.api("POST", f"/users/{name}/server")
        assert r.status_code in (201, 202), r.text
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            info = self.api("GET", f"/users/{name}").json()
            server = info.get("servers", {}).get("", {})
            if server.get("ready"):
                return server
            time.sleep(0.5)
        pytest.fail(f"{name}'s server did not start in {timeout} s:\n"
                    f"{self.log_tail()}")

    def log_tail(self):
        return self.log.read_text()[-5000:]

    def home(self, name):
        return Path(pwd.getpwnam(name).pw_dir)

    def as_user(self, name, *cmd, cwd=None, check=True):
        """Run a command as `name`, with a clean environment (runuser keeps
        root's PATH otherwise)."""
        home = self.home(name)
        env = ["env", "-i", f"HOME={home}", f"USER={name}", f"LOGNAME={name}",
               f"PATH={self.layout.bin}:/usr/local/bin:/usr/bin:/bin",
               "LANG=C.UTF-8", f"GIT_CONFIG_SYSTEM={self.layout.gitconfig}"]
        proc = subprocess.run(["runuser", "-u", name, "--", *env, *cmd],
                              cwd=cwd or home, capture_output=True, text=True,
                              timeout=600)
        if check and proc.returncode != 0:
            pytest.fail(f"as {name}: {' '.join(cmd)} failed "
                        f"({proc.returncode}):\n{proc.stdout[-3000:]}\n"
                        f"{proc.stderr[-3000:]}")
        return proc

    def nbgrader(self, *args):
        """An nbgrader command run by the instructor in the course folder."""
        return self.as_user(INSTRUCTOR, str(self.layout.bin / "nbgrader"),
                            *args, cwd=self.layout.course)


@pytest.fixture(scope="module")
def hub():
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    started = time.monotonic()
    remove_accounts()  # an interrupted earlier run
    top = Path(tempfile.mkdtemp(prefix="d2lmini-hub-test-", dir="/tmp"))
    os.chmod(top, 0o755)  # students' servers run the venv inside it
    # D2LMINI_HUB_TEST_CACHE: a world-readable folder where the hub's venv and
    # the proxy are kept between runs (for working on this test; CI has none)
    cache = os.environ.get("D2LMINI_HUB_TEST_CACHE")
    layout = hubctl.Layout(top / "root",
                           venv=cache and Path(cache) / "venv",
                           node=cache and Path(cache) / "node")
    proc = None
    try:
        settings = dict(hubctl.DEFAULTS, prefix=PREFIX, port=free_port(),
                        hub_port=free_port(), proxy_api_port=free_port(),
                        cull_timeout=600, cull_every=60)
        layout.save(settings)
        settings = layout.load()
        try:
            hubctl.install(layout, settings)
        except hubctl.HubError as exc:
            if "configurable-http-proxy" in str(exc) or "npm" in str(exc):
                pytest.skip(f"configurable-http-proxy cannot be installed: {exc}")
            raise
        try:
            hubctl.setup(layout, settings, assignments=[ASSIGNMENT])
            hubctl.add_user(layout, settings, INSTRUCTOR, "instructor")
            for name in STUDENTS:
                hubctl.add_user(layout, settings, name, "student")
        except hubctl.HubError as exc:
            if "useradd" in str(exc) or "groupadd" in str(exc):
                pytest.skip(f"cannot create accounts: {exc}")
            raise
        extra = layout.state / "test_config.py"
        extra.write_text(
            "c = get_config()  # noqa: F821\n"
            "c.JupyterHub.services.append({'name': 'd2lmini-test', "
            f"'api_token': {TOKEN!r}}})\n"
            "c.JupyterHub.load_roles.append({'name': 'd2lmini-test', "
            "'scopes': ['admin:users', 'admin:servers', 'tokens', "
            "'list:services', 'read:services'], "
            "'services': ['d2lmini-test']})\n")
        env = hubctl.hub_env(layout)
        env["D2LMINI_HUB_EXTRA_CONFIG"] = str(extra)
        log = layout.state / "jupyterhub.log"
        with open(log, "w") as out:
            proc = subprocess.Popen(hubctl.hub_command(layout), cwd=layout.state,
                                    env=env, stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        the_hub = Hub(layout, settings, proc, log)
        deadline = time.monotonic() + 60
        while True:
            try:
                if the_hub.api("GET", "/", timeout=5).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the hub did not start:\n{the_hub.log_tail()}")
            time.sleep(0.5)
        print(f"hub ready after {time.monotonic() - started:.0f} s")
        yield the_hub
    finally:
        hub_procs = []
        if proc is not None:
            try:
                parent = psutil.Process(proc.pid)
                hub_procs = [parent, *parent.children(recursive=True)]
            except psutil.Error:
                pass
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)  # stops the users' servers
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        hubctl.stop_processes([INSTRUCTOR, *STUDENTS], also=hub_procs)
        remove_accounts()
        shutil.rmtree(top, ignore_errors=True)
        print(f"hub test total {time.monotonic() - started:.0f} s")


# --- the authenticator --------------------------------------------------------


def form_post(session, url, data):
    """POST a hub form with the _xsrf value its page set."""
    page = session.get(url, timeout=30)
    assert page.status_code == 200, page.text[:500]
    xsrf = session.cookies.get("_xsrf", path="/hub/")
    return session.post(url, data={**data, "_xsrf": xsrf}, timeout=30,
                        allow_redirects=False)


def alert(page):
    """The message NativeAuthenticator's page shows (its alert box)."""
    match = re.search(r'class="alert[^"]*"[^>]*>(.*?)</div>', page, re.S)
    return " ".join(match.group(1).split()) if match else ""


def test_students_sign_up_and_log_in(hub):
    with requests.Session() as s:
        r = form_post(s, f"{hub.url}/hub/signup",
                      {"username": RIGHT, "signup_password": PASSWORD,
                       "signup_password_confirmation": PASSWORD})
        assert r.status_code == 200, r.text[:500]
        assert "signup was successful" in alert(r.text), alert(r.text)
        bad = form_post(s, f"{hub.url}/hub/login",
                        {"username": RIGHT, "password": "not-" + PASSWORD})
        assert bad.status_code in (200, 403), (bad.status_code, hub.log_tail())
        ok = form_post(s, f"{hub.url}/hub/login",
                       {"username": RIGHT, "password": PASSWORD})
        assert ok.status_code == 302, hub.log_tail()
        me = s.get(f"{hub.url}/hub/api/user", timeout=30,
                   headers={"X-XSRFToken": s.cookies.get("_xsrf", path="/hub/")})
        assert me.status_code == 200 and me.json()["name"] == RIGHT
    with requests.Session() as s:  # not a class account: cannot sign up
        r = form_post(s, f"{hub.url}/hub/signup",
                      {"username": "mallory", "signup_password": PASSWORD,
                       "signup_password_confirmation": PASSWORD})
        assert "Something went wrong" in alert(r.text), alert(r.text)
        r = form_post(s, f"{hub.url}/hub/login",
                      {"username": "mallory", "password": PASSWORD})
        assert r.status_code in (200, 403), (r.status_code, hub.log_tail())


# --- servers ----------------------------------------------------------------------


def listening(procs):
    """(pid, address, port) of every listening inet socket of these processes."""
    pids = {p.pid for p in procs}
    found = []
    for conn in psutil.net_connections(kind="inet"):
        if conn.status == psutil.CONN_LISTEN and conn.pid in pids:
            found.append((conn.pid, conn.laddr.ip, conn.laddr.port))
    return found


def test_servers_run_as_their_accounts_on_loopback(hub):
    for name in [INSTRUCTOR, *STUDENTS]:
        hub.start_server(name)
    for name in [INSTRUCTOR, *STUDENTS]:
        r = hub.user("GET", name, "api/contents")
        assert r.status_code == 200, r.text
        # the server runs as the account, in its home folder
        r = hub.user("PUT", name, "api/contents/whoami.txt",
                     json={"type": "file", "format": "text", "content": name})
        assert r.status_code in (200, 201), r.text
        # a login shell (JupyterLab's terminal) finds the hub's nbgrader
        shell = hub.as_user(name, "bash", "-lc", "command -v nbgrader")
        assert shell.stdout.strip() == str(hub.layout.bin / "nbgrader")
        made = hub.home(name) / "whoami.txt"
        assert made.stat().st_uid == pwd.getpwnam(name).pw_uid
        if name != INSTRUCTOR:
            assert made.stat().st_mode & 0o077 == 0  # private (umask 077)
    # a student cannot use another student's server
    r = hub.user("GET", WRONG, "api/contents", as_user=RIGHT)
    assert r.status_code in (403, 404), r.status_code
    # the instructor has the formgrader
    r = hub.user("GET", INSTRUCTOR, "formgrader")
    assert r.status_code == 200, r.text[:500]
    # the idle culler is a running service of the hub
    r = hub.api("GET", "/services/idle-culler")
    assert r.status_code == 200, r.text
    hub_tree = [psutil.Process(hub.proc.pid),
                *psutil.Process(hub.proc.pid).children(recursive=True)]
    assert any("jupyterhub_idle_culler" in " ".join(p.cmdline())
               for p in hub_tree if p.is_running())
    # every listening socket of the hub, the proxy and the servers is loopback
    procs = hub_tree + [p for p in psutil.process_iter(["uids"])
                        if p.info["uids"] and p.info["uids"].real in
                        hubctl.uids_of([INSTRUCTOR, *STUDENTS])]
    sockets = listening(procs)
    ports = {port for _, _, port in sockets}
    assert hub.settings["port"] in ports and hub.settings["hub_port"] in ports
    assert len(sockets) >= 3 + 4  # proxy (2), hub, 4 servers
    outside = [s for s in sockets if s[1] not in ("127.0.0.1", "::1")]
    assert not outside, f"listening beyond loopback: {outside}"


# --- the nbgitpuller link -----------------------------------------------------------


def pull(hub, name, link):
    """What the link does in the browser: the git-pull API of the server."""
    query = parse_qs(urlparse(link).query)
    params = {key: query[key][0] for key in ("repo", "branch", "targetpath")}
    r = hub.user("GET", name, "git-pull/api", params=params)
    assert r.status_code == 200, r.text[:1000]
    events = [json.loads(line[len("data: "):]) for line in r.text.splitlines()
              if line.startswith("data: ")]
    assert events and events[-1].get("phase") == "finished", events
    return events


def test_nbgitpuller_link_keeps_the_students_edits(hub):
    link = hubctl.link(hub.layout, hub.settings)
    assert link.startswith(f"{hub.url}/hub/user-redirect/git-pull?")
    # the link itself leads a logged-in student to the pull page of their server
    query = urlparse(link).query
    r = requests.get(f"{hub.url}/user/{RIGHT}/git-pull?{query}", timeout=60,
                     headers={"Authorization": f"token {hub.token(RIGHT)}"})
    assert r.status_code == 200, r.text[:500]
    pull(hub, RIGHT, link)
    folder = hub.home(RIGHT) / "chapter05-class"
    notebook = folder / "chapter05" / f"{ASSIGNMENT}.ipynb"
    assert notebook.stat().st_uid == pwd.getpwnam(RIGHT).pw_uid
    released = nbformat.read(notebook, as_version=4)
    assert "BEGIN SOLUTION" not in json.dumps(released)  # the student version

    # the student edits the notebook through JupyterLab's Contents API
    path = quote(f"chapter05-class/chapter05/{ASSIGNMENT}.ipynb")
    model = hub.user("GET", RIGHT, f"api/contents/{path}").json()
    model["content"]["cells"].append(nbformat.v4.new_markdown_cell(
        "My own note on custom layers."))
    r = hub.user("PUT", RIGHT, f"api/contents/{path}",
                 json={"type": "notebook", "content": model["content"]})
    assert r.status_code == 200, r.text

    # the instructor pushes a change: a new notebook and a new README line
    work = hub.home(INSTRUCTOR) / "chapter-work"
    hub.as_user(INSTRUCTOR, "git", "clone", "-q", str(hub.layout.git),
                str(work))
    extra = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "Extra practice, added after the class started.")])
    nbformat.write(extra, work / "chapter05" / "09_extra_practice.ipynb")
    with open(work / "README.md", "a") as out:
        out.write("\nUpdated by the instructor.\n")
    shutil.chown(work / "chapter05" / "09_extra_practice.ipynb", INSTRUCTOR)
    for step in (["add", "-A"], ["-c", "user.name=Ana", "-c",
                                  "user.email=ana@localhost", "commit", "-q",
                                  "-m", "extra practice"], ["push", "-q"]):
        hub.as_user(INSTRUCTOR, "git", *step, cwd=work)

    # the student clicks the link again
    pull(hub, RIGHT, link)
    kept = nbformat.read(notebook, as_version=4)
    assert kept.cells[-1].source == "My own note on custom layers."
    assert (folder / "chapter05" / "09_extra_practice.ipynb").exists()
    assert "Updated by the instructor." in (folder / "README.md").read_text()


# --- the assignment cycle -------------------------------------------------------------


def answer_sources():
    """({answer grade_id: (right source, wrong source)}, [grade_ids the wrong
    answers fail], source notebook) for the assignment. The wrong answers are
    the course's own (tests/course/wrong/NN.json): for each answer cell one
    that passes its visible test and fails the hidden one where there is one."""
    source = nbformat.read(ROOT / "chapter05" / f"{ASSIGNMENT}.ipynb",
                           as_version=4)
    wrong = json.loads((ROOT / "tests" / "course" / "wrong" /
                        f"{ASSIGNMENT[:2]}.json").read_text())
    answers, fails = {}, set()
    for cell in source.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("solution") and \
                not meta.get("grade"):
            right = "\n".join(line for line in cell.source.splitlines()
                              if "SOLUTION" not in line)
            entries = wrong[meta["grade_id"]]
            if isinstance(entries, dict):
                entries = [entries]
            entry = next((e for e in entries if e.get("kind") == "subtle"),
                         entries[0])
            text = entry["source"]
            answers[meta["grade_id"]] = (right, "".join(text)
                                         if isinstance(text, list) else text)
            fails.update(entry["fails"])
    return answers, fails, source


def points(source, which=None):
    total = 0
    for cell in source.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and (which is None or meta["grade_id"] in which):
            total += meta.get("points", 0)
    return total


def assignment_action(hub, name, action):
    r = hub.user("POST", name, f"assignments/{action}",
                 data={"course_id": hub.settings["course_id"],
                       "assignment_id": ASSIGNMENT})
    assert r.status_code == 200, r.text
    body = r.json()
    if isinstance(body, dict) and body.get("success") is False:
        pytest.fail(f"{action} for {name} failed: {body}")
    return body


def test_assignment_cycle_through_the_exchange(hub):
    course_id = hub.settings["course_id"]
    answers, fails, source = answer_sources()
    full = points(source)
    lost = points(source, fails)
    assert full > lost > 0

    out = hub.nbgrader("release_assignment", ASSIGNMENT).stderr
    assert "ERROR" not in out, out
    for name in STUDENTS:
        listed = hub.user("GET", name, "assignments",
                          params={"course_id": course_id}).json()
        assert [a["assignment_id"] for a in listed["value"]] == [ASSIGNMENT]
        assert listed["value"][0]["status"] == "released"
        assignment_action(hub, name, "fetch")
        fetched = hub.home(name) / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        assert fetched.stat().st_uid == pwd.getpwnam(name).pw_uid

    # two answer through the Contents API; the third leaves it untouched
    path = quote(f"{ASSIGNMENT}/{ASSIGNMENT}.ipynb")
    for name, pick in ((RIGHT, 0), (WRONG, 1)):
        model = hub.user("GET", name, f"api/contents/{path}").json()
        nb = copy.deepcopy(model["content"])
        for cell in nb["cells"]:
            gid = cell["metadata"].get("nbgrader", {}).get("grade_id")
            if gid in answers:
                cell["source"] = answers[gid][pick]
        r = hub.user("PUT", name, f"api/contents/{path}",
                     json={"type": "notebook", "content": nb})
        assert r.status_code == 200, r.text
        assignment_action(hub, name, "submit")

    # the deadline passes; the third student hands in the untouched release
    due = (datetime.now(timezone.utc) + timedelta(seconds=1)).replace(
        microsecond=0)  # after the two submissions (whole seconds)
    time.sleep(2.5)
    hub.nbgrader("db", "assignment", "add", ASSIGNMENT,
                 f"--duedate={due.strftime('%Y-%m-%d %H:%M:%S')} UTC")
    assignment_action(hub, LATE, "submit")

    # a student cannot see others' submissions, the source or the solutions
    exchange_course = hub.layout.exchange / course_id
    denied = hub.as_user(RIGHT, "ls", str(exchange_course / "inbound"),
                         check=False)
    assert denied.returncode != 0 and "Permission denied" in denied.stderr
    for secret in (hub.layout.course / "source" / ASSIGNMENT /
                   f"{ASSIGNMENT}.ipynb",
                   hub.layout.chapter / f"{ASSIGNMENT}.ipynb",
                   hub.layout.course / "gradebook.db",
                   hub.home(WRONG) / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"):
        assert secret.exists()
        r = hub.as_user(RIGHT, "cat", str(secret), check=False)
        assert r.returncode != 0 and "Permission denied" in r.stderr, secret
    # nor, through their server, anything outside their home folder
    r = hub.user("GET", RIGHT, "api/contents/%2E%2E%2F" + quote(WRONG))
    assert r.status_code in (400, 403, 404), r.status_code

    # the instructor collects, grades and returns feedback
    hub.nbgrader("collect", ASSIGNMENT)
    for name in STUDENTS:
        assert (hub.layout.course / "submitted" / name / ASSIGNMENT /
                f"{ASSIGNMENT}.ipynb").exists()
    hub.nbgrader("autograde", ASSIGNMENT)
    hub.nbgrader("generate_feedback", ASSIGNMENT)
    hub.nbgrader("release_feedback", ASSIGNMENT)

    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{hub.layout.course / 'gradebook.db'}") as gb:
        scores = {name: gb.find_submission(ASSIGNMENT, name)
                  for name in STUDENTS}
        got = {name: (sub.score, sub.max_score, sub.total_seconds_late > 0)
               for name, sub in scores.items()}
    assert got == {RIGHT: (full, full, False), WRONG: (full - lost, full, False),
                   LATE: (0, full, True)}, got

    for name in STUDENTS:
        listed = assignment_action(hub, name, "fetch_feedback")
        feedback = list((hub.home(name) / ASSIGNMENT / "feedback").glob(
            f"*/{ASSIGNMENT}.html"))
        assert len(feedback) == 1, listed
        assert feedback[0].stat().st_uid == pwd.getpwnam(name).pw_uid
        html = feedback[0].read_text()
        score = {RIGHT: full, WRONG: full - lost, LATE: 0}[name]
        assert f"Score: {score:g}" in html or f"{score:g} / {full:g}" in html, (
            name, html[:3000])
    # feedback stays private too
    r = hub.as_user(WRONG, "ls", str(exchange_course / "feedback"),
                    check=False)
    assert r.returncode != 0 and "Permission denied" in r.stderr
