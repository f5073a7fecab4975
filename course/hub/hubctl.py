#!/usr/bin/env python3
"""Set up and run the chapter's class JupyterHub on one machine (run as root).

    sudo python3 course/hub/hubctl.py start                 # the one command
    sudo python3 course/hub/hubctl.py add-instructor ana
    sudo python3 course/hub/hubctl.py add-students ben cleo dara
    sudo python3 course/hub/hubctl.py publish               # refresh the link's repo
    sudo python3 course/hub/hubctl.py link                  # print the nbgitpuller link
    sudo python3 course/hub/hubctl.py remove-users ben      # deletes their home too

`start` installs whatever is missing and then runs JupyterHub in the
foreground (Ctrl-C stops it and every user's server):

- ROOT/venv: a virtual environment made from a system-wide Python (default
  /usr/bin/python3, which must be 3.11 or newer) with JupyterHub,
  NativeAuthenticator, jupyterhub-idle-culler, nbgitpuller, nbgrader,
  JupyterLab and d2lmini itself (pip install '<repository>[hub]'). It lives
  outside /root so that every student's server can run it.
- ROOT/node: configurable-http-proxy from npm (`npm install --prefix`).
- two Unix groups, PREFIX-instructors and PREFIX-students (PREFIX is `d2l`
  unless --prefix says otherwise); the hub lets in members of these groups
  only, and instructors are the hub's admins.
- ROOT/exchange: nbgrader's exchange, mode 1777 (everyone may create a course
  folder in it; nbgrader then sets the modes below it: outbound readable by
  all, inbound writable but not listable, feedback reachable only by its
  hash).
- ROOT/chapter05 and ROOT/course: the chapter with its solutions and the
  nbgrader course made from it, owned by root and the instructors' group,
  mode 2770: students cannot enter them.
- ROOT/chapter.git: the repository the nbgitpuller link clones, holding the
  student version of every notebook (nbgrader's release: no solutions, no
  hidden tests). `publish` refreshes it from ROOT/course/release/.
- ROOT/hub: the hub's database, cookie secret and settings.json (mode 700).

ROOT is /srv/d2lmini unless --root says otherwise. The hub listens on
127.0.0.1:8000 unless --ip/--port say otherwise (put a TLS-terminating proxy
such as nginx or caddy in front of it before opening it to a network).
Settings given to `start` are kept in ROOT/hub/settings.json and reused.
This script needs only the Python standard library.
"""

import argparse
import grp
import json
import os
import pwd
import shlex
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
CONFIG = HERE / "jupyterhub_config.py"
DEFAULT_ROOT = Path("/srv/d2lmini")
MIN_PYTHON = (3, 11)
CHP_VERSION = "5"  # configurable-http-proxy major version (npm)

# Settings kept in ROOT/hub/settings.json; `start` options override them.
DEFAULTS = {
    "prefix": "d2l",              # group names: <prefix>-students, -instructors
    "ip": "127.0.0.1",            # where the hub listens (the proxy's public side)
    "port": 8000,
    "hub_port": 8081,             # the hub's own API, always on 127.0.0.1
    "proxy_api_port": 8001,       # the proxy's API, always on 127.0.0.1
    "course_id": "d2lmini-chapter05",
    "python": "/usr/bin/python3",
    # Per-user guidance (see README, "Teaching a class"): a student's server
    # with the chapter's notebooks open peaks near 0.5 GB; LocalProcessSpawner
    # does not enforce these, it hands them to the server as MEM_LIMIT/CPU_LIMIT.
    "mem_limit": "1G",
    "cpu_limit": 1.0,
    "cull_timeout": 3600,         # s without activity before a server is stopped
    "cull_every": 300,            # s between the culler's checks
    "url": "",                    # the address students use, for `link`
}


class HubError(Exception):
    """A problem the administrator must fix; main() prints it and exits 1."""


def log(message):
    print(f"hubctl: {message}", flush=True)


def run(cmd, **kwargs):
    """Run a command, raising HubError with its output when it fails."""
    kwargs.setdefault("check", False)
    proc = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if proc.returncode != 0:
        raise HubError(f"{shlex.join(str(c) for c in cmd)} failed "
                       f"(exit {proc.returncode}):\n{proc.stdout[-3000:]}"
                       f"{proc.stderr[-3000:]}")
    return proc.stdout


class Layout:
    """The paths of one hub installation below ROOT."""

    def __init__(self, root, venv=None, node=None):
        self.root = Path(root).resolve()
        self.venv = Path(venv) if venv else self.root / "venv"
        self.node = Path(node) if node else self.root / "node"
        self.state = self.root / "hub"
        self.settings_file = self.state / "settings.json"
        self.exchange = self.root / "exchange"
        self.chapter = self.root / "chapter05"
        self.course = self.root / "course"
        self.git = self.root / "chapter.git"
        self.gitconfig = self.root / "gitconfig"

    @property
    def bin(self):
        return self.venv / "bin"

    @property
    def proxy(self):
        return self.node / "node_modules" / ".bin" / "configurable-http-proxy"

    def load(self):
        settings = dict(DEFAULTS)
        if self.settings_file.exists():
            settings.update(json.loads(self.settings_file.read_text()))
        settings["root"] = str(self.root)
        settings["venv"] = str(self.venv)
        settings["node"] = str(self.node)
        return settings

    def save(self, settings):
        self.state.mkdir(parents=True, exist_ok=True)
        os.chmod(self.state, 0o700)
        settings = dict(settings, venv=str(self.venv), node=str(self.node))
        tmp = self.settings_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(settings, indent=2, sort_keys=True) + "\n")
        tmp.replace(self.settings_file)

    def env(self, home=None):
        """A clean environment for running the venv's tools."""
        env = {"PATH": f"{self.bin}:/usr/local/bin:/usr/bin:/bin",
               "LANG": "C.UTF-8", "PYTHONHASHSEED": "0"}
        if home:
            env["HOME"] = str(home)
        return env


def groups(settings):
    prefix = settings["prefix"]
    return f"{prefix}-students", f"{prefix}-instructors"


def require_root():
    if os.geteuid() != 0:
        raise HubError("run this as root (sudo): it creates Unix accounts and "
                       "starts servers as them")


# --- installing -------------------------------------------------------------


def check_python(python):
    """The interpreter must be new enough and reachable by every account."""
    if not Path(python).exists():
        raise HubError(f"{python} does not exist; pass --python "
                       "/path/to/python3.11")
    version = run([python, "-c", "import sys; print(*sys.version_info[:2])"])
    if tuple(int(v) for v in version.split()) < MIN_PYTHON:
        raise HubError(f"{python} is Python {version.strip()}; nbgrader needs "
                       "3.11 or newer: pass --python with a newer system-wide "
                       "interpreter")
    real = Path(os.path.realpath(python))
    for folder in [real, *real.parents]:
        mode = folder.stat().st_mode
        if folder != real and not mode & 0o001:
            raise HubError(f"{python} lives in {folder}, which other accounts "
                           "cannot enter; use a system-wide Python such as "
                           "/usr/bin/python3")
    if not os.access(real, os.X_OK) or not real.stat().st_mode & 0o001:
        raise HubError(f"{real} is not executable by other accounts")


def install(layout, settings, repo=REPO, reinstall=False):
    """The hub's venv (from PyPI and this repository) and the proxy (npm)."""
    stamp = layout.venv / "d2lmini-hub.json"
    wanted = {"repo": str(repo), "python": settings["python"],
              "pyproject": (repo / "pyproject.toml").read_text()}
    current = json.loads(stamp.read_text()) if stamp.exists() else None
    if reinstall or current != wanted:
        check_python(settings["python"])
        if reinstall and layout.venv.exists():
            shutil.rmtree(layout.venv)
        log(f"making {layout.venv} (pip install '{repo}[hub]'; about a minute)")
        run([settings["python"], "-m", "venv", str(layout.venv)])
        pip = [str(layout.bin / "python"), "-m", "pip", "install", "-q",
               "--disable-pip-version-check"]
        env = dict(os.environ, PIP_NO_INPUT="1")
        # A non-editable install: the venv must not depend on the checkout,
        # which may live where students cannot read (/root).
        run(pip + [f"{repo}[hub]"], env=env)
        stamp.write_text(json.dumps(wanted))
    else:
        log(f"{layout.venv} is up to date")
    if not layout.proxy.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise HubError("npm is missing; install Node.js and npm first "
                           "(Debian/Ubuntu: apt-get install nodejs npm)")
        log(f"installing configurable-http-proxy@{CHP_VERSION} into "
            f"{layout.node} (npm)")
        layout.node.mkdir(parents=True, exist_ok=True)
        run([npm, "install", "--prefix", str(layout.node), "--no-fund",
             "--no-audit", "--loglevel=error",
             f"configurable-http-proxy@{CHP_VERSION}"])
    os.chmod(layout.root, 0o755)


# --- folders, groups and the course -----------------------------------------


def ensure_group(name):
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        run(["groupadd", name])
        return grp.getgrnam(name).gr_gid


def set_tree(path, gid, dir_mode, file_mode):
    """chown root:gid and chmod a whole tree."""
    for folder, dirs, files in os.walk(path):
        os.chown(folder, 0, gid)
        os.chmod(folder, dir_mode)
        for name in files:
            target = os.path.join(folder, name)
            if not os.path.islink(target):
                os.chown(target, 0, gid)
                os.chmod(target, file_mode)


NBGRADER_GLOBAL = """\
# Written by course/hub/hubctl.py for every account on this hub.
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = {course_id!r}
c.Exchange.root = {exchange!r}
"""

NBGRADER_INSTRUCTOR = """\
# Written by course/hub/hubctl.py: this instructor's nbgrader course.
c = get_config()  # noqa: F821
c.CourseDirectory.root = {course!r}
# The course folder belongs to the instructors' group: files nbgrader writes
# stay group-writable so that every instructor can grade.
c.CourseDirectory.groupshared = True
"""

# nbgrader's JupyterLab parts that only instructors need: hidden from everyone
# here and turned back on in each instructor's own ~/.jupyter.
INSTRUCTOR_LAB = ["@jupyter/nbgrader:formgrader",
                  "@jupyter/nbgrader:create-assignment",
                  "@jupyter/nbgrader:course-list"]


def setup(layout, settings, assignments=None, repo=REPO):
    """Groups, exchange, course folder, the link's repository (idempotent)."""
    students, instructors = groups(settings)
    ensure_group(students)
    gid = ensure_group(instructors)
    for path in (layout.root, layout.state):
        path.mkdir(parents=True, exist_ok=True)
    os.chmod(layout.root, 0o755)
    os.chmod(layout.state, 0o700)
    layout.exchange.mkdir(exist_ok=True)
    os.chmod(layout.exchange, 0o1777)
    # git refuses a repository another account owns unless a system or global
    # setting names it; the servers read this file as their system config.
    layout.gitconfig.write_text(f"[safe]\n\tdirectory = {layout.git}\n")
    os.chmod(layout.gitconfig, 0o644)

    # nbgrader settings every account reads (the venv's etc/jupyter).
    etc = layout.venv / "etc" / "jupyter"
    etc.mkdir(parents=True, exist_ok=True)
    (etc / "nbgrader_config.py").write_text(NBGRADER_GLOBAL.format(
        course_id=settings["course_id"], exchange=str(layout.exchange)))
    labconfig = etc / "labconfig"
    labconfig.mkdir(exist_ok=True)
    (labconfig / "page_config.json").write_text(json.dumps(
        {"disabledExtensions": {name: True for name in INSTRUCTOR_LAB}},
        indent=2) + "\n")

    # The chapter (with solutions) and the course: instructors only.
    fresh = not layout.course.exists()
    if not layout.chapter.exists():
        shutil.copytree(repo / "chapter05", layout.chapter)
    layout.course.mkdir(exist_ok=True)
    for name in ("nbgrader_config.py", "build.py"):
        if not (layout.course / name).exists():
            shutil.copy2(repo / "course" / name, layout.course / name)
    if fresh or assignments:
        build_course(layout, assignments)
    set_tree(layout.chapter, gid, 0o2770, 0o660)
    set_tree(layout.course, gid, 0o2770, 0o660)
    if not layout.git.exists():
        publish(layout, settings)


def build_course(layout, assignments=None):
    """source/ from the chapter (build.py) and release/ (nbgrader)."""
    names = list(assignments or [])
    env = layout.env(home=layout.state)
    env["JUPYTER_CONFIG_DIR"] = str(layout.state / "jupyter")
    log("building the course: " + (", ".join(names) or "every section"))
    run([str(layout.bin / "python"), "build.py", *names], cwd=layout.course,
        env=env)
    for name in names or ["*"]:
        run([str(layout.bin / "nbgrader"), "generate_assignment", name,
             "--force"], cwd=layout.course, env=env)


def publish(layout, settings):
    """Commit the student version of every notebook to ROOT/chapter.git."""
    _, instructors = groups(settings)
    release = sorted((layout.course / "release").glob("*/*.ipynb"))
    if not release:
        raise HubError(f"{layout.course}/release is empty: generate the "
                       "assignments first (nbgrader generate_assignment)")
    git = ["git", "-c", "safe.directory=*", "-c", "user.name=d2lmini hub",
           "-c", "user.email=hub@localhost", "-c", "init.defaultBranch=main"]
    if not layout.git.exists():
        run(git + ["init", "-q", "--bare", "--shared=group", str(layout.git)])
        run(git + ["-C", str(layout.git), "symbolic-ref", "HEAD",
                   "refs/heads/main"])
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "work"
        run(git + ["clone", "-q", str(layout.git), str(work)])
        run(git + ["-C", str(work), "checkout", "-q", "-B", "main"])
        target = work / "chapter05"
        target.mkdir(exist_ok=True)
        for notebook in release:
            shutil.copy2(notebook, target / notebook.name)
        (work / "README.md").write_text(
            "# Chapter 5: Layers and Blocks\n\nThe student version of the "
            "chapter's notebooks (no solutions). Exercises to hand in come "
            "through the Assignments tab.\n")
        run(git + ["-C", str(work), "add", "-A"])
        status = run(git + ["-C", str(work), "status", "--porcelain"])
        if status.strip():
            run(git + ["-C", str(work), "commit", "-q", "-m",
                       "chapter05: the student version"])
            run(git + ["-C", str(work), "push", "-q", "origin", "main"])
            log(f"published {len(release)} notebooks to {layout.git}")
        else:
            log(f"{layout.git} already holds the current release")
    gid = grp.getgrnam(instructors).gr_gid
    # Instructors may push; everyone may clone.
    set_tree(layout.git, gid, 0o2775, 0o664)


def link(layout, settings, notebook="01_layers_and_blocks.ipynb", url=None):
    """The nbgitpuller link that gives a student the chapter."""
    base = (url or settings.get("url")
            or f"http://{settings['ip']}:{settings['port']}").rstrip("/")
    query = urllib.parse.urlencode({
        "repo": str(layout.git),
        "branch": "main",
        "targetpath": "chapter05-class",
        "urlpath": f"lab/tree/chapter05-class/chapter05/{notebook}",
    })
    return f"{base}/hub/user-redirect/git-pull?{query}"


# --- accounts ---------------------------------------------------------------


PROFILE_MARK = "# d2lmini class hub: its tools first on PATH"


def add_user(layout, settings, name, role):
    """A Unix account in the role's group (kept if it exists already)."""
    students, instructors = groups(settings)
    group = instructors if role == "instructor" else students
    try:
        entry = pwd.getpwnam(name)
        run(["usermod", "-a", "-G", group, name])
        log(f"{name} exists; added to {group}")
    except KeyError:
        run(["useradd", "--create-home", "--shell", "/bin/bash", "--groups",
             group, name])
        entry = pwd.getpwnam(name)
        log(f"made {role} {name} ({group})")
    home = Path(entry.pw_dir)
    os.chmod(home, 0o700)  # no student reads another's work
    # JupyterLab's terminal runs a login shell, which resets PATH: put the
    # hub's tools (nbgrader, jupyter, python) back in front.
    profile = home / ".profile"
    text = profile.read_text() if profile.exists() else ""
    if PROFILE_MARK not in text:
        with open(profile, "a") as out:
            out.write(f"\n{PROFILE_MARK}\nPATH=\"{layout.bin}:$PATH\"\n")
        os.chown(profile, entry.pw_uid, entry.pw_gid)
    if role == "instructor":
        jupyter = home / ".jupyter"
        labconfig = jupyter / "labconfig"
        labconfig.mkdir(parents=True, exist_ok=True)
        # The course through a link in the home folder, so that it lies
        # inside the instructor's JupyterLab and the formgrader's links work.
        (jupyter / "nbgrader_config.py").write_text(
            NBGRADER_INSTRUCTOR.format(course=str(home / "course")))
        (labconfig / "page_config.json").write_text(json.dumps(
            {"disabledExtensions": {name: False for name in INSTRUCTOR_LAB}},
            indent=2) + "\n")
        for path in (jupyter, labconfig, jupyter / "nbgrader_config.py",
                     labconfig / "page_config.json"):
            os.chown(path, entry.pw_uid, entry.pw_gid)
        course_link = home / "course"
        if not course_link.exists() and not course_link.is_symlink():
            course_link.symlink_to(layout.course)
            os.lchown(course_link, entry.pw_uid, entry.pw_gid)


def remove_user(settings, name):
    """Delete a class account and its home folder."""
    students, instructors = groups(settings)
    try:
        pwd.getpwnam(name)
    except KeyError:
        log(f"{name}: no such account")
        return
    member = {g.gr_name for g in grp.getgrall() if name in g.gr_mem}
    if not member & {students, instructors}:
        raise HubError(f"{name} is not in {students} or {instructors}; "
                       "refusing to delete it")
    run(["userdel", "--remove", name])
    log(f"removed {name}")


def uids_of(names):
    """{uid: name} of the accounts among `names` that exist."""
    found = {}
    for name in names:
        try:
            found[pwd.getpwnam(name).pw_uid] = name
        except KeyError:
            pass
    return found


def stop_processes(names, also=()):
    """Terminate, then kill, every process of the accounts `names` and the
    psutil processes `also` (used by the hub test and the load benchmark to
    leave nothing behind; psutil is theirs, hubctl itself runs without it)."""
    import psutil

    uids = set(uids_of(names))
    procs = [p for p in also if p.is_running()]
    for proc in psutil.process_iter(["uids"]):
        try:
            if proc.info["uids"] and proc.info["uids"].real in uids:
                procs.append(proc)
        except psutil.Error:
            pass
    for proc in procs:
        try:
            proc.terminate()
        except psutil.Error:
            pass
    _, alive = psutil.wait_procs(procs, timeout=10)
    for proc in alive:
        try:
            proc.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(alive, timeout=5)


# --- running ----------------------------------------------------------------


def hub_command(layout):
    return [str(layout.bin / "jupyterhub"), "-f", str(CONFIG)]


def hub_env(layout):
    env = layout.env(home=layout.state)
    env["D2LMINI_HUB_ROOT"] = str(layout.root)
    return env


def start(layout, settings):
    require_root()
    install(layout, settings)
    setup(layout, settings)
    log(f"JupyterHub on http://{settings['ip']}:{settings['port']} "
        f"(state in {layout.state}); Ctrl-C stops it")
    log("students' link: " + link(layout, settings))
    os.chdir(layout.state)
    os.execve(hub_command(layout)[0], hub_command(layout), hub_env(layout))


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="See README.md, 'Teaching a class', for the whole course.")
    parser.add_argument("--root", default=os.environ.get(
        "D2LMINI_HUB_ROOT", str(DEFAULT_ROOT)),
        help="where the hub keeps everything (default %(default)s)")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("start", help="install what is missing, run the hub")
    p.add_argument("--ip", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default 8000)")
    p.add_argument("--url", help="the hub's public address, for the link "
                   "(e.g. https://hub.example.edu)")
    p.add_argument("--python", help="system-wide Python >= 3.11 for the "
                   "hub's venv (default /usr/bin/python3)")
    p.add_argument("--prefix", help="group name prefix (default d2l)")
    p.add_argument("--mem-limit", help="memory per user, e.g. 1G")
    p.add_argument("--cull-timeout", type=int,
                   help="stop servers idle this many seconds (default 3600)")
    p = sub.add_parser("install", help="only install (venv, proxy, folders)")
    p.add_argument("--reinstall", action="store_true",
                   help="rebuild the venv (after pulling a new d2lmini)")
    p.add_argument("--assignments", nargs="*",
                   help="rebuild these assignments (default: all, once)")
    for role in ("students", "instructor"):
        p = sub.add_parser(f"add-{role}", help=f"make {role} accounts")
        p.add_argument("names", nargs="+")
    p = sub.add_parser("remove-users", help="delete class accounts and homes")
    p.add_argument("names", nargs="+")
    sub.add_parser("publish", help="refresh chapter.git from course/release")
    p = sub.add_parser("link", help="print the students' nbgitpuller link")
    p.add_argument("--notebook", default="01_layers_and_blocks.ipynb")
    args = parser.parse_args(argv)

    layout = Layout(args.root)
    settings = layout.load()
    layout = Layout(args.root, settings.get("venv"), settings.get("node"))
    try:
        require_root()
        if args.command == "start":
            for key in ("ip", "port", "url", "python", "prefix", "mem_limit",
                        "cull_timeout"):
                if getattr(args, key, None) is not None:
                    settings[key] = getattr(args, key)
            layout.save(settings)
            start(layout, settings)
        elif args.command == "install":
            layout.save(settings)
            install(layout, settings, reinstall=args.reinstall)
            setup(layout, settings, assignments=args.assignments)
        elif args.command in ("add-students", "add-instructor"):
            role = "instructor" if args.command == "add-instructor" else "student"
            if not layout.course.exists():
                raise HubError(f"{layout.root} is not set up yet: run "
                               "`hubctl.py install` or `start` first")
            for name in args.names:
                add_user(layout, settings, name, role)
            if role == "student":
                print("Each student signs up once at <hub>/hub/signup with "
                      "their account name and a password of their choice.")
        elif args.command == "remove-users":
            for name in args.names:
                remove_user(settings, name)
        elif args.command == "publish":
            publish(layout, settings)
        elif args.command == "link":
            print(link(layout, settings, args.notebook))
    except HubError as exc:
        print(f"hubctl: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
