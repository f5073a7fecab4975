#!/usr/bin/env python3
"""Load benchmark of the class hub (course/hub/): how many students fit one machine.

Run as root from the repository root with the project's venv (it needs
requests, websocket-client, psutil and nbformat, all in the test extra):

    sudo .venv/bin/python tools/hub_load_bench.py                 # N = 5 10 20 30
    sudo .venv/bin/python tools/hub_load_bench.py -n 5 10 --json out.json

It sets up a throw-away hub exactly as course/hub/hubctl.py does (in a folder
under /tmp, on 127.0.0.1, with the real NativeAuthenticator), makes N
temporary accounts d2lb-u01 ... (groups d2lb-students/-instructors) and, for
each N in turn, lets N simulated students at the same time:

1. sign up and log in through the hub's forms;
2. start their server (the hub's REST API, with their login cookie), timed
   from the request until the hub reports the server ready;
3. open notebooks 01, 04 and 08 of chapter05/, each on its own kernel (the
   server's REST API), and run every code cell in order through the kernel's
   websocket, each cell timed from execute_request to execute_reply.

Meanwhile a sampler adds up, every half second, the resident memory of every
process of each account (server + kernels) and of the hub and proxy. After
each round every server is stopped. Reported per N: time to a running server
(median, p95), cell latency (median, p95, max), peak memory per user (median
and max of the users' peaks) and in total (all users + hub + proxy at the same
instant), failures (spawn or login errors, unexpected errors in cells,
timeouts), and the machine's load average before the round. The largest N
with p95 cell latency under 2 s and no failure is printed at the end.

Everything it made (accounts, groups, processes, the folder) is removed at the
end, also after Ctrl-C. --cache DIR keeps the hub's venv and the proxy in DIR
(world-readable) between runs.
"""

import argparse
import importlib.util
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

import nbformat
import psutil
import requests
import websocket

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ["01_layers_and_blocks", "04_lazy_initialization",
             "08_hybridization"]
PREFIX = "d2lb"
PASSWORD = "bench-layers-and-blocks"
TOKEN = uuid.uuid4().hex
CELL_TIMEOUT = 300


def load_hubctl():
    spec = importlib.util.spec_from_file_location(
        "hubctl", ROOT / "course" / "hub" / "hubctl.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hubctl = load_hubctl()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pct(values, q):
    """The q-th percentile (nearest rank) of values; nan for none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, int(round(q / 100 * len(ordered))) - 1))
    return ordered[rank]


# --- accounts and the hub ---------------------------------------------------------


def names(n):
    return [f"{PREFIX}-u{i:02d}" for i in range(1, n + 1)]


def remove_accounts(users):
    import grp
    hubctl.stop_processes(users)
    for name in users:
        subprocess.run(["userdel", "--remove", name], capture_output=True)
    for group in (f"{PREFIX}-students", f"{PREFIX}-instructors"):
        try:
            grp.getgrnam(group)
            subprocess.run(["groupdel", group], capture_output=True)
        except KeyError:
            pass


class Hub:
    def __init__(self, layout, settings, proc):
        self.layout, self.settings, self.proc = layout, settings, proc
        self.url = f"http://127.0.0.1:{settings['port']}"

    def api(self, method, path, **kwargs):
        kwargs.setdefault("timeout", 60)
        return requests.request(method, f"{self.url}/hub/api{path}",
                                headers={"Authorization": f"token {TOKEN}"},
                                **kwargs)

    def processes(self):
        try:
            parent = psutil.Process(self.proc.pid)
            return [parent, *parent.children(recursive=True)]
        except psutil.Error:
            return []


def start_hub(top, cache, users):
    layout = hubctl.Layout(top / "root", venv=cache and Path(cache) / "venv",
                           node=cache and Path(cache) / "node")
    settings = dict(hubctl.DEFAULTS, prefix=PREFIX, port=free_port(),
                    hub_port=free_port(), proxy_api_port=free_port())
    layout.save(settings)
    settings = layout.load()
    hubctl.install(layout, settings)
    hubctl.setup(layout, settings, assignments=["01_layers_and_blocks"])
    for name in users:
        hubctl.add_user(layout, settings, name, "student")
    extra = layout.state / "bench_config.py"
    extra.write_text(
        "c = get_config()  # noqa: F821\n"
        "c.JupyterHub.services.append({'name': 'bench', "
        f"'api_token': {TOKEN!r}}})\n"
        "c.JupyterHub.load_roles.append({'name': 'bench', 'scopes': "
        "['admin:users', 'admin:servers'], 'services': ['bench']})\n"
        "c.JupyterHub.log_level = 'WARN'\n")
    env = hubctl.hub_env(layout)
    env["D2LMINI_HUB_EXTRA_CONFIG"] = str(extra)
    log = open(layout.state / "jupyterhub.log", "w")
    proc = subprocess.Popen(hubctl.hub_command(layout), cwd=layout.state,
                            env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    hub = Hub(layout, settings, proc)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if hub.api("GET", "/", timeout=5).status_code == 200:
                return hub
        except requests.ConnectionError:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.5)
    raise RuntimeError("the hub did not start; see "
                       f"{layout.state / 'jupyterhub.log'}")


# --- one simulated student ---------------------------------------------------


class Student:
    def __init__(self, hub, name, cells):
        self.hub, self.name, self.cells = hub, name, cells
        self.session = requests.Session()
        self.spawn_s = None
        self.latencies = []
        self.cell_times = []
        self.failures = []

    def xsrf(self):
        return self.session.cookies.get("_xsrf", path="/hub/") or ""

    def form(self, path, data):
        url = f"{self.hub.url}/hub/{path}"
        self.session.get(url, timeout=120)
        return self.session.post(url, data={**data, "_xsrf": self.xsrf()},
                                 timeout=120, allow_redirects=False)

    def hub_api(self, method, path, **kwargs):
        return self.session.request(
            method, f"{self.hub.url}/hub/api{path}", timeout=120,
            headers={"X-XSRFToken": self.xsrf()}, **kwargs)

    def log_in(self):
        r = self.form("signup", {"username": self.name,
                                 "signup_password": PASSWORD,
                                 "signup_password_confirmation": PASSWORD})
        if r.status_code != 200:
            raise RuntimeError(f"signup: HTTP {r.status_code}")
        r = self.form("login", {"username": self.name, "password": PASSWORD})
        if r.status_code != 302:
            raise RuntimeError(f"login: HTTP {r.status_code}")

    def start_server(self):
        started = time.monotonic()
        r = self.hub_api("POST", f"/users/{self.name}/server")
        if r.status_code not in (201, 202):
            raise RuntimeError(f"spawn: HTTP {r.status_code} {r.text[:200]}")
        while time.monotonic() - started < 300:
            info = self.hub_api("GET", "/user").json()
            server = info.get("servers", {}).get("", {})
            if server.get("ready"):
                self.spawn_s = time.monotonic() - started
                break
            if not info.get("servers") and r.status_code == 202 and \
                    time.monotonic() - started > 5:
                raise RuntimeError("spawn: the server stopped while starting")
            time.sleep(0.25)
        else:
            raise RuntimeError("spawn: not ready in 300 s")
        r = self.hub_api("POST", f"/users/{self.name}/tokens",
                         json={"note": "bench", "expires_in": 3600})
        if r.status_code != 201:
            raise RuntimeError(f"token: HTTP {r.status_code} {r.text[:200]}")
        self.token = r.json()["token"]

    def server(self, method, path, **kwargs):
        return requests.request(
            method, f"{self.hub.url}/user/{self.name}/{path}", timeout=120,
            headers={"Authorization": f"token {self.token}"}, **kwargs)

    def run_notebook(self, stem):
        r = self.server("POST", "api/kernels", json={"name": "python3"})
        if r.status_code != 201:
            raise RuntimeError(f"{stem}: kernel: HTTP {r.status_code}")
        kernel = r.json()["id"]
        ws_url = (self.hub.url.replace("http", "ws", 1) +
                  f"/user/{self.name}/api/kernels/{kernel}/channels")
        ws = websocket.create_connection(
            ws_url, header=[f"Authorization: token {self.token}"],
            timeout=CELL_TIMEOUT)
        session = uuid.uuid4().hex
        try:
            for index, (code, may_raise) in enumerate(self.cells[stem], 1):
                msg_id = uuid.uuid4().hex
                ws.send(json.dumps({
                    "header": {"msg_id": msg_id, "username": self.name,
                               "session": session, "msg_type":
                               "execute_request", "version": "5.3",
                               "date": datetime.now(timezone.utc).isoformat()},
                    "parent_header": {}, "metadata": {}, "channel": "shell",
                    "buffers": [],
                    "content": {"code": code, "silent": False,
                                "store_history": True, "user_expressions": {},
                                "allow_stdin": False, "stop_on_error": True}}))
                sent = time.monotonic()
                error = None
                while True:
                    msg = json.loads(ws.recv())
                    if msg.get("parent_header", {}).get("msg_id") != msg_id:
                        continue
                    kind = msg["header"]["msg_type"]
                    if kind == "error":
                        error = (f"{msg['content']['ename']}: "
                                 f"{msg['content']['evalue']}")
                    if kind == "execute_reply" and msg["channel"] == "shell":
                        break
                self.latencies.append(time.monotonic() - sent)
                self.cell_times.append((stem, index, self.latencies[-1]))
                if error and not may_raise:
                    self.failures.append(f"{stem} cell {index}: {error}")
        finally:
            ws.close()
        return kernel

    def run(self):
        try:
            self.log_in()
            self.start_server()
            kernels = [self.run_notebook(stem) for stem in NOTEBOOKS]
            for kernel in kernels:
                self.server("DELETE", f"api/kernels/{kernel}")
        except Exception as exc:  # counted, reported, and the round goes on
            self.failures.append(f"{type(exc).__name__}: {exc}")
        return self


def notebook_cells():
    cells = {}
    for stem in NOTEBOOKS:
        nb = nbformat.read(ROOT / "chapter05" / f"{stem}.ipynb", as_version=4)
        cells[stem] = [(c.source, "raises-exception" in c.metadata.get(
            "tags", [])) for c in nb.cells if c.cell_type == "code"]
    return cells


# --- memory ----------------------------------------------------------------


class Sampler(threading.Thread):
    def __init__(self, hub, uids):
        super().__init__(daemon=True)
        self.hub, self.uids = hub, uids
        self.peak_user = {}
        self.peak_total = 0
        self.stop = threading.Event()

    def run(self):
        while not self.stop.wait(0.5):
            per_user = dict.fromkeys(self.uids.values(), 0)
            total = 0
            for proc in psutil.process_iter(["uids", "memory_info"]):
                try:
                    uid = proc.info["uids"].real
                    rss = proc.info["memory_info"].rss
                except (psutil.Error, AttributeError):
                    continue
                if uid in self.uids:
                    per_user[self.uids[uid]] += rss
                    total += rss
            for proc in self.hub.processes():  # hub, proxy, culler
                try:
                    if proc.uids().real == 0:
                        total += proc.memory_info().rss
                except psutil.Error:
                    pass
            for name, rss in per_user.items():
                self.peak_user[name] = max(self.peak_user.get(name, 0), rss)
            self.peak_total = max(self.peak_total, total)


def round_(hub, n, cells):
    users = names(n)
    load = os.getloadavg()
    sampler = Sampler(hub, hubctl.uids_of(users))
    sampler.start()
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=n) as pool:
        students = list(pool.map(lambda u: Student(hub, u, cells).run(),
                                 users))
    wall = time.monotonic() - started
    sampler.stop.set()
    sampler.join()
    for name in users:  # stop the servers for the next round
        hub.api("DELETE", f"/users/{name}/server")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        busy = [u for u in hub.api("GET", "/users").json()
                if u["name"] in users and u.get("servers")]
        if not busy:
            break
        time.sleep(1)
    time.sleep(5)
    spawn = [s.spawn_s for s in students if s.spawn_s is not None]
    lat = [x for s in students for x in s.latencies]
    peaks = [v / 2**20 for v in sampler.peak_user.values() if v]
    failures = [f"{s.name}: {f}" for s in students for f in s.failures]
    by_cell = {}
    for s in students:
        for stem, index, seconds in s.cell_times:
            by_cell.setdefault(f"{stem[:2]} cell {index}", []).append(seconds)
    slowest = sorted(((statistics.median(v), k) for k, v in by_cell.items()),
                     reverse=True)[:3]
    return {
        "slowest_cells": [f"{k}: {m:.1f} s" for m, k in slowest],
        "n": n, "load_before": [round(x, 2) for x in load],
        "wall_s": round(wall, 1),
        "spawn_median_s": statistics.median(spawn) if spawn else float("nan"),
        "spawn_p95_s": pct(spawn, 95),
        "cells": len(lat),
        "cell_median_s": statistics.median(lat) if lat else float("nan"),
        "cell_p95_s": pct(lat, 95), "cell_max_s": max(lat, default=float("nan")),
        "mem_user_median_mb": statistics.median(peaks) if peaks else 0,
        "mem_user_max_mb": max(peaks, default=0),
        "mem_total_mb": sampler.peak_total / 2**20,
        "failures": failures,
    }


def table(rows):
    out = ["| N | server ready median / p95 (s) | cell median / p95 / max (s) | "
           "peak MB per user median / max | peak MB total | failures | "
           "load before |",
           "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        out.append(
            f"| {r['n']} | {r['spawn_median_s']:.1f} / {r['spawn_p95_s']:.1f} | "
            f"{r['cell_median_s']:.3f} / {r['cell_p95_s']:.2f} / "
            f"{r['cell_max_s']:.1f} | {r['mem_user_median_mb']:.0f} / "
            f"{r['mem_user_max_mb']:.0f} | {r['mem_total_mb']:.0f} | "
            f"{len(r['failures'])} | {r['load_before'][0]:.1f} |")
    return "\n".join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, nargs="+", default=[5, 10, 20, 30],
                        help="class sizes to try, in order")
    parser.add_argument("--cache", help="keep the hub's venv and proxy here")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        parser.error("run as root: it creates temporary Unix accounts")
    users = names(max(args.n))
    remove_accounts(users)
    top = Path(tempfile.mkdtemp(prefix="d2lmini-hub-bench-", dir="/tmp"))
    os.chmod(top, 0o755)
    hub = None
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    print(f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, "
          f"{os.cpu_count()} CPUs, "
          f"{psutil.virtual_memory().total / 2**30:.0f} GiB, load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    rows = []
    try:
        hub = start_hub(top, args.cache, users)
        cells = notebook_cells()
        for n in args.n:
            print(f"N = {n} ...", flush=True)
            row = round_(hub, n, cells)
            rows.append(row)
            print(table([row]).splitlines()[-1], flush=True)
            print("    slowest cells (median over users):",
                  "; ".join(row["slowest_cells"]), flush=True)
            for failure in row["failures"][:10]:
                print("   ", failure[:300])
    finally:
        if hub is not None:
            procs = hub.processes()
            hub.proc.send_signal(signal.SIGTERM)
            try:
                hub.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                hub.proc.kill()
            hubctl.stop_processes(users, also=procs)
        remove_accounts(users)
        shutil.rmtree(top, ignore_errors=True)
    print()
    print(table(rows))
    good = [r["n"] for r in rows if r["cell_p95_s"] < 2 and not r["failures"]]
    print(f"\nlargest N with p95 cell latency < 2 s and no failure: "
          f"{max(good) if good else 'none of those tried'}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
