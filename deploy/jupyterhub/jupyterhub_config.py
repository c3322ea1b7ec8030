"""JupyterHub for a course on one Linux server: `jupyterhub -f deploy/jupyterhub/jupyterhub_config.py`.

* Students log in with their system accounts (PAM), members of the group ``students``.
* Each student's Jupyter server runs as that student's own system user (``LocalProcessSpawner``);
  homes are made private (0700) before every spawn, so one student cannot read another's files
  (Debian's ``useradd -m`` makes 0755 homes; tests/test_hub.py checks the isolation).
* On a student's first spawn the executed notebooks are copied into ``~/notebooks``; later spawns
  leave the student's copy alone, edits included.
* configurable-http-proxy comes from npm into ``deploy/jupyterhub/node_modules`` (`make hub-deps`).

Settings read from the environment (the defaults suit a dedicated server, run as root):

GENZOO_HUB_BIND_URL     where the proxy listens (default ``http://:8000``; put TLS in front)
GENZOO_HUB_STATE_DIR    database, cookie secret, pid file (default ``/srv/genzoo-hub``)
GENZOO_HUB_NOTEBOOKS    the notebooks copied to each student (default the repository's)
GENZOO_HUB_USER_PYTHON  the Python that runs each student's server and kernel (default this
                        one); every student must be able to execute it: a venv made from a
                        Python under /root (pyenv) is not, see README.md
GENZOO_HUB_GROUP        the system group allowed to log in (default ``students``)
GENZOO_HUB_ADMINS       comma-separated admin user names (default none)
"""
from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import sys
import tempfile
from pathlib import Path

c = get_config()  # noqa: F821 (provided by JupyterHub when it loads this file)

HERE = Path(__file__).resolve().parent
NOTEBOOKS = Path(os.environ.get("GENZOO_HUB_NOTEBOOKS", HERE.parents[1] / "notebooks"))
USER_PYTHON = os.environ.get("GENZOO_HUB_USER_PYTHON", sys.executable)
STATE = Path(os.environ.get("GENZOO_HUB_STATE_DIR", "/srv/genzoo-hub"))
PROXY = HERE / "node_modules" / ".bin" / "configurable-http-proxy"

# --- the hub and its proxy -------------------------------------------------------------------
c.JupyterHub.bind_url = os.environ.get("GENZOO_HUB_BIND_URL", "http://:8000")
c.JupyterHub.hub_ip = "127.0.0.1"  # the hub API is for the proxy and the servers only
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(STATE / "jupyterhub.pid")
c.ConfigurableHTTPProxy.pid_file = str(STATE / "jupyterhub-proxy.pid")
if PROXY.exists():
    c.ConfigurableHTTPProxy.command = [str(PROXY)]
c.JupyterHub.cleanup_servers = True  # a hub restart stops the students' servers too

# --- who may log in ---------------------------------------------------------------------------
c.JupyterHub.authenticator_class = "pam"
c.LocalAuthenticator.allowed_groups = {os.environ.get("GENZOO_HUB_GROUP", "students")}
c.Authenticator.admin_users = {name for name in
                               os.environ.get("GENZOO_HUB_ADMINS", "").split(",") if name}

# --- each student's server --------------------------------------------------------------------
c.JupyterHub.spawner_class = "localprocess"  # setuid to the student's own system user
c.Spawner.cmd = [USER_PYTHON, "-m", "jupyterhub.singleuser"]
c.Spawner.notebook_dir = "~"
c.Spawner.default_url = "/lab/tree/notebooks/00_zoo_overview.ipynb"
# A lecture starts with everyone spawning at once on a few cores: give a slow start time.
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 120
# One compute thread per kernel: a class has more students than cores, and torch's default (one
# thread per core in every kernel) makes the kernels fight over the cores (see RESULTS.md).
c.Spawner.environment = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
# Kernels talk to their server over Unix sockets in the student's private runtime folder, not
# TCP ports on 127.0.0.1: each server picks "free" ports on its own, and with a class starting
# kernels at once another student's kernel took one in between (ZMQError: Address already in
# use; the kernel died and the notebook was lost; `make classroom`, N=6).
c.Spawner.args = ["--KernelManager.transport=ipc"]
# Reported to the server (MEM_LIMIT), not enforced: a local process has no cgroup. Measured per
# student (server + kernel, Restart & Run All): see benchmarks/RESULTS.md, "Classroom".
c.Spawner.mem_guarantee = "1G"
c.Spawner.mem_limit = "2G"


def copy_notebooks(home: Path, uid: int, gid: int, source: Path = NOTEBOOKS) -> bool:
    """Copy the executed notebooks into ``home/notebooks`` owned by the student, once.

    Returns False (and copies nothing) when ``home/notebooks`` exists, even as a dangling
    link: a later spawn never overwrites a student's work. The copy is assembled in a fresh
    directory the student cannot have prepared (``mkdtemp``), chowned without following links,
    then renamed into place.
    """
    target = home / "notebooks"
    if os.path.lexists(target):
        return False
    staging = Path(tempfile.mkdtemp(prefix=".notebooks-", dir=home))
    for notebook in sorted(source.glob("[0-9][0-9]_*.ipynb")):
        shutil.copyfile(notebook, staging / notebook.name)
    for path in [staging, *staging.iterdir()]:
        os.chown(path, uid, gid, follow_symlinks=False)
        path.chmod(0o700 if path.is_dir() else 0o600)
    staging.rename(target)
    return True


def pre_spawn_hook(spawner) -> None:
    """Before each spawn: a private home (0700), and the notebooks on the first spawn."""
    account = pwd.getpwnam(spawner.user.name)
    home = Path(account.pw_dir)
    if not home.is_dir():
        raise RuntimeError(f"user {spawner.user.name!r} has no home directory {home}; "
                           "create the account with `useradd -m`")
    home.chmod(0o700)
    if copy_notebooks(home, account.pw_uid, account.pw_gid):
        spawner.log.info("copied the notebooks into %s/notebooks", home)
    # A Unix socket path has at most 107 bytes; the kernel's is its home plus 79 characters
    # (~/.local/share/jupyter/runtime/kernel-<uuid>-ipc-N). A longer home falls back to TCP.
    if len(os.fsencode(home)) + 79 > 107:
        spawner.log.warning("home %s too long for kernel sockets: TCP ports instead", home)
        spawner.args = [arg for arg in spawner.args if "transport" not in arg]


c.Spawner.pre_spawn_hook = pre_spawn_hook

# --- idle servers are stopped after 20 minutes (the memory goes back to the machine) ----------
if importlib.util.find_spec("jupyterhub_idle_culler"):
    c.JupyterHub.services = [{
        "name": "idle-culler",
        "command": [sys.executable, "-m", "jupyterhub_idle_culler", "--timeout=1200"],
    }]
    c.JupyterHub.load_roles = [{
        "name": "idle-culler",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": ["idle-culler"],
    }]
