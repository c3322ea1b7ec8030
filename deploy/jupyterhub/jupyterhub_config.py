"""JupyterHub for a course on one Linux server:
`jupyterhub -f deploy/jupyterhub/jupyterhub_config.py`.

* Students log in with their system accounts (PAM), members of the group ``students``.
* Each student's Jupyter server runs as that student's own system user (``LocalProcessSpawner``);
  homes are made private (0700) before every spawn, so one student cannot read another's files
  (Debian's ``useradd -m`` makes 0755 homes; tests/test_hub.py checks the isolation).
* On a student's first spawn the executed notebooks are copied into ``~/notebooks`` (assembled in a
  temporary folder, then renamed into place) before the server process is started, so the server
  never answers without them; later spawns leave the student's copy alone, edits included.
* When a whole class starts at once, at most ``GENZOO_HUB_CONCURRENT_STARTS`` servers start
  together; the others wait their turn on the hub's progress page ("waiting: N ahead of you").
* A hub restart leaves the students' servers and kernels running (``cleanup_servers = False``:
  each server runs in a session of its own, so it outlives the hub); the restarted hub finds them
  again from its database. Under systemd use ``KillMode=process`` (jupyterhub.service here).
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
GENZOO_HUB_CONCURRENT_STARTS  servers that start at the same time (default 2 per core); the rest
                        of a class arriving at once waits in a queue on the progress page
GENZOO_HUB_CULL_SECONDS stop a server idle this long (default 1200, 20 minutes)
"""
from __future__ import annotations

import asyncio
import importlib.util
import os
import pwd
import shutil
import sys
import tempfile
from pathlib import Path

from jupyterhub.spawner import LocalProcessSpawner

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
# A hub restart (a config change, an update between lectures, a crash) must not touch the
# students: their servers and kernels keep running, and the restarted hub takes them over from
# its database (the pid in each spawner's state; ClassroomSpawner.poll checks it is still the
# student's server). zero-to-jupyterhub does the same. The proxy is restarted with the hub:
# browsers lose their connection for the seconds the restart takes and JupyterLab reconnects to
# the same kernels (`make classroom-faults` measures it).
c.JupyterHub.cleanup_servers = False

# --- who may log in ---------------------------------------------------------------------------
c.JupyterHub.authenticator_class = "pam"
c.LocalAuthenticator.allowed_groups = {os.environ.get("GENZOO_HUB_GROUP", "students")}
c.Authenticator.admin_users = {name for name in
                               os.environ.get("GENZOO_HUB_ADMINS", "").split(",") if name}

# --- each student's server --------------------------------------------------------------------
c.Spawner.cmd = [USER_PYTHON, "-m", "jupyterhub.singleuser"]
c.Spawner.notebook_dir = "~"
c.Spawner.default_url = "/lab/tree/notebooks/00_zoo_overview.ipynb"
# A lecture starts with everyone spawning at once on a few cores. Starts are queued (below);
# start_timeout covers the wait in the queue too, so it is long. Past the hub's default
# concurrent_spawn_limit (100) the hub would answer 429 "try again later": no limit here, the
# queue is the limit, and every student waits on the progress page instead.
CONCURRENT_STARTS = int(os.environ.get("GENZOO_HUB_CONCURRENT_STARTS", 2 * (os.cpu_count() or 1)))
c.Spawner.start_timeout = 900
c.Spawner.http_timeout = 120
c.JupyterHub.concurrent_spawn_limit = 0
# As zero-to-jupyterhub: a browser asking for its server goes to the progress page at once.
c.JupyterHub.tornado_settings = {"slow_spawn_timeout": 0}
# One compute thread per kernel: a class has more students than cores, and torch's default (one
# thread per core in every kernel) makes the kernels fight over the cores (see RESULTS.md).
# A student's server reads the student configuration of `make lab` too (jupyter-student/):
# nbgrader, the instructor's tool installed beside it, stays off, which also keeps 33 MB per
# student out of the server (a JupyterLab server holds 124 MB with its server extensions, 90
# without; jupyterhub-singleuser adds 40 MB of JupyterHub's own imports, SQLAlchemy among them:
# 130 MB per student in `make classroom`; RESULTS.md, "Live at frame rate"); its kernel
# websockets send without Nagle's delay and its kernels without ipywidgets' echo (a slider's new
# picture arrives 20-30 ms sooner). The students' own ~/.jupyter stays their config folder.
c.Spawner.environment = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                         "JUPYTER_CONFIG_PATH": str(HERE.parents[1] / "jupyter-student")}
# Kernels talk to their server over Unix sockets in the student's private runtime folder, not
# TCP ports on 127.0.0.1: each server picks "free" ports on its own, and with a class starting
# kernels at once another student's kernel took one in between (ZMQError: Address already in
# use; the kernel died and the notebook was lost; `make classroom`, N=6).
c.Spawner.args = ["--KernelManager.transport=ipc"]
# Reported to the server (MEM_LIMIT), not enforced: a local process has no cgroup. Measured per
# student (server + kernel, Restart & Run All): see benchmarks/RESULTS.md, "Classroom".
c.Spawner.mem_guarantee = "800M"
c.Spawner.mem_limit = "2G"


class ClassroomSpawner(LocalProcessSpawner):
    """LocalProcessSpawner (each server as the student's own user, in a session of its own, so it
    outlives a hub restart) with two additions for a class that arrives at once:

    * a queue: at most CONCURRENT_STARTS servers start together, each holding its place until its
      server listens; the others wait, and the progress page says how many are ahead;
    * a poll that survives restarts: after a hub restart the spawner only has the pid stored in
      the database; it counts as the student's server only if that process still runs as the
      student (a pid reused by another process after a reboot is not taken for the server).
    """

    _slots: asyncio.Semaphore | None = None  # shared by every student's spawner
    _queue: list = []  # spawners waiting for a slot, in arrival order

    def _phase_message(self) -> tuple[int, str]:
        queue = type(self)._queue
        if self in queue:
            ahead = queue.index(self)
            place = f"{ahead} ahead of you" if ahead else "you are next"
            return 10, (f"Many students are starting at once: waiting for a free slot "
                        f"({place}). Your notebooks are ready.")
        return 50, "Starting your Jupyter server"

    async def progress(self):
        """The progress page's messages (updated when the phase changes)."""
        last = None
        while self._spawn_pending and not getattr(self, "_listening", False):
            now = self._phase_message()
            if now != last:
                yield {"progress": now[0], "message": now[1]}
                last = now
            await asyncio.sleep(1)

    async def start(self):
        cls = type(self)
        if cls._slots is None:
            cls._slots = asyncio.Semaphore(CONCURRENT_STARTS)
        self._listening = False
        cls._queue.append(self)
        try:
            await cls._slots.acquire()
        finally:
            cls._queue.remove(self)
        try:
            ip, port = await super().start()
            # hold the slot until the server listens: starting it is what costs CPU
            while not await _listening(ip, port):
                if self.proc is not None and self.proc.poll() is not None:
                    raise RuntimeError(f"the server exited with code {self.proc.returncode} "
                                       "before listening; see the hub's log")
                await asyncio.sleep(0.25)
            self._listening = True
            return ip, port
        finally:
            cls._slots.release()

    async def poll(self):
        if (self.proc is None and self.pid and os.path.exists(f"/proc/{self.pid}")
                and not _runs_as(self.pid, self.user.name)):
            self.log.warning("pid %s is another process now, not %s's server: not running",
                             self.pid, self.user.name)
            self.clear_state()
            return 0
        return await super().poll()


async def _listening(ip: str, port: int) -> bool:
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(ip, port), 2)
    except (OSError, asyncio.TimeoutError):
        return False
    writer.close()
    return True


def _runs_as(pid: int, name: str) -> bool:
    """Whether process ``pid`` exists and runs as system user ``name`` (its real uid)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        uid = pwd.getpwnam(name).pw_uid
    except (OSError, KeyError):
        return False
    line = next((row for row in status.splitlines() if row.startswith("Uid:")), "")
    return line.split()[1:2] == [str(uid)]


c.JupyterHub.spawner_class = ClassroomSpawner


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


async def pre_spawn_hook(spawner) -> None:
    """Before each spawn, before the server process exists: a private home (0700), and the
    notebooks on the first spawn (copied off the hub's event loop: a class of 100 first spawns
    must not freeze the hub). The hub awaits this hook before ``Spawner.start``, so the server
    can only be reported ready with the notebooks in place."""
    account = pwd.getpwnam(spawner.user.name)
    home = Path(account.pw_dir)
    if not home.is_dir():
        raise RuntimeError(f"user {spawner.user.name!r} has no home directory {home}; "
                           "create the account with `useradd -m`")
    home.chmod(0o700)
    if await asyncio.to_thread(copy_notebooks, home, account.pw_uid, account.pw_gid):
        spawner.log.info("copied the notebooks into %s/notebooks", home)
    # A Unix socket path has at most 107 bytes; the kernel's is its home plus 79 characters
    # (~/.local/share/jupyter/runtime/kernel-<uuid>-ipc-N). A longer home falls back to TCP.
    if len(os.fsencode(home)) + 79 > 107:
        spawner.log.warning("home %s too long for kernel sockets: TCP ports instead", home)
        spawner.args = [arg for arg in spawner.args if "transport" not in arg]


c.Spawner.pre_spawn_hook = pre_spawn_hook

# --- idle servers are stopped after 20 minutes (the memory goes back to the machine) ----------
# What a stopped server loses: its kernels' state (variables, a model being trained) and edits
# not yet saved. JupyterLab saves open notebooks every 120 s (autosave); see README.md to change it.
CULL_SECONDS = int(os.environ.get("GENZOO_HUB_CULL_SECONDS", 1200))
if importlib.util.find_spec("jupyterhub_idle_culler"):
    c.JupyterHub.services = [{
        "name": "idle-culler",
        "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={CULL_SECONDS}"],
    }]
    c.JupyterHub.load_roles = [{
        "name": "idle-culler",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": ["idle-culler"],
    }]
