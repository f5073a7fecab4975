"""JupyterHub configuration for the chapter's class on one machine.

Started by `hubctl.py start` (see its docstring and README, "Teaching a class"),
which sets D2LMINI_HUB_ROOT; the settings come from ROOT/hub/settings.json.
The hub runs as root; each user's server runs as that user's Unix account
(LocalProcessSpawner), with the hub's venv (ROOT/venv). Only members of the
students' and instructors' groups get in; instructors are admins.

A file named by D2LMINI_HUB_EXTRA_CONFIG, if set, is loaded last (the tests use
it to add an API token for themselves).
"""

import grp
import json
import os
from pathlib import Path

import nativeauthenticator
from jupyterhub.spawner import LocalProcessSpawner
from nativeauthenticator import NativeAuthenticator

c = get_config()  # noqa: F821

ROOT = Path(os.environ.get("D2LMINI_HUB_ROOT", "/srv/d2lmini"))
SETTINGS = json.loads((ROOT / "hub" / "settings.json").read_text())
VENV = Path(SETTINGS.get("venv") or ROOT / "venv")
NODE = Path(SETTINGS.get("node") or ROOT / "node")
STATE = ROOT / "hub"
STUDENTS = f"{SETTINGS['prefix']}-students"
INSTRUCTORS = f"{SETTINGS['prefix']}-instructors"


def members(group):
    """Current members of a Unix group (read at every login, so accounts
    added while the hub runs get in without a restart)."""
    try:
        return set(grp.getgrnam(group).gr_mem)
    except KeyError:
        return set()


class ClassAuthenticator(NativeAuthenticator):
    """NativeAuthenticator for the class's accounts only.

    A student signs up once at /hub/signup with their account name and a
    password of their choosing (stored hashed in the hub's database). Only
    the class's account names can sign up, and they need no approval. An
    instructor (an admin) can reset a password at
    /hub/change-password/<name>.
    """

    def class_members(self):
        return members(STUDENTS) | members(INSTRUCTORS)

    def validate_username(self, username):
        return (super().validate_username(username)
                and username in self.class_members())

    def check_allowed(self, username, authentication=None):
        return username in self.class_members()

    def get_authed_users(self):
        return super().get_authed_users() | self.class_members()


class ClassSpawner(LocalProcessSpawner):
    """LocalProcessSpawner whose servers create files private to their user
    (umask 077), except instructors', which stay group-readable (007) for the
    shared course folder."""

    def make_preexec_fn(self, name):
        switch_user = super().make_preexec_fn(name)
        mask = 0o007 if name in members(INSTRUCTORS) else 0o077

        def preexec():
            switch_user()
            os.umask(mask)

        return preexec


# --- network: the public side on settings' ip:port, the rest on loopback ----
c.JupyterHub.bind_url = f"http://{SETTINGS['ip']}:{SETTINGS['port']}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(SETTINGS["hub_port"])
c.ConfigurableHTTPProxy.api_url = (
    f"http://127.0.0.1:{int(SETTINGS['proxy_api_port'])}")
c.ConfigurableHTTPProxy.command = [
    str(NODE / "node_modules" / ".bin" / "configurable-http-proxy")]
c.ConfigurableHTTPProxy.pid_file = str(STATE / "jupyterhub-proxy.pid")
c.Spawner.ip = "127.0.0.1"

# --- state ------------------------------------------------------------------
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(STATE / "jupyterhub.pid")

# --- accounts -----------------------------------------------------------------
c.JupyterHub.authenticator_class = ClassAuthenticator
c.JupyterHub.template_paths = [
    str(Path(nativeauthenticator.__file__).parent / "templates")]
c.Authenticator.admin_users = members(INSTRUCTORS)
c.Authenticator.any_allow_config = True  # check_allowed above is the allow list
# Signing up is open, but only to the class's account names (validate_username
# above), so no one waits for an admin's approval.
c.NativeAuthenticator.open_signup = True
c.NativeAuthenticator.minimum_password_length = 8
c.NativeAuthenticator.check_common_password = True
c.NativeAuthenticator.allowed_failed_logins = 5  # then a 10-minute pause
c.NativeAuthenticator.seconds_before_next_try = 600

# --- users' servers -------------------------------------------------------------
c.JupyterHub.spawner_class = ClassSpawner
c.Spawner.cmd = [str(VENV / "bin" / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
# Generous: with a class logging in at once a server can take a minute to
# answer on a small machine (see README, "Load figures").
c.Spawner.http_timeout = 180
c.Spawner.start_timeout = 300
c.Spawner.environment = {
    "PATH": f"{VENV / 'bin'}:/usr/local/bin:/usr/bin:/bin",
    "LANG": "C.UTF-8",
    # chapter.git belongs to root; git (nbgitpuller, instructors' pushes)
    # uses another account's repository only if a system or global setting
    # says it is safe: ROOT/gitconfig stands in for /etc/gitconfig.
    "GIT_CONFIG_SYSTEM": str(ROOT / "gitconfig"),
}
# Guidance, not enforcement: LocalProcessSpawner passes these to the server as
# MEM_LIMIT and CPU_LIMIT (JupyterLab's resource indicators show them). The
# figures come from tools/hub_load_bench.py; see README, "Teaching a class".
c.Spawner.mem_limit = SETTINGS["mem_limit"]
c.Spawner.cpu_limit = float(SETTINGS["cpu_limit"])

# --- the idle culler: stop servers nobody has used for a while ---------------------
c.JupyterHub.services = [{
    "name": "idle-culler",
    "command": [str(VENV / "bin" / "python"), "-m", "jupyterhub_idle_culler",
                f"--timeout={int(SETTINGS['cull_timeout'])}",
                f"--cull-every={int(SETTINGS['cull_every'])}"],
}]
c.JupyterHub.load_roles = [{
    "name": "idle-culler",
    "scopes": ["list:users", "read:users:activity", "read:servers",
               "delete:servers"],
    "services": ["idle-culler"],
}]

_extra = os.environ.get("D2LMINI_HUB_EXTRA_CONFIG")
if _extra:
    load_subconfig(_extra)  # noqa: F821
