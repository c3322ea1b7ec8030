"""A real JupyterHub on loopback with throw-away students: the plumbing of the course hub's tests
(tests/test_hub*.py) and its load test (benchmarks/classroom.py). It needs the repository's
checkout (``deploy/jupyterhub/``) and the ``classroom`` extra.

:class:`Hub` starts ``deploy/jupyterhub/jupyterhub_config.py`` unchanged (PAM, LocalProcessSpawner,
the notebook-copying pre-spawn hook) plus an overlay that binds everything to 127.0.0.1 on free
ports, keeps its state in a private temporary folder and adds one admin service whose token
creates the students. Each student is a fresh system user (``useradd -m``) logged in through the
hub's REST API with a token of their own; a
:class:`~genzoo_lite.testing.classroom_student.Student` starts their server, opens a notebook
session and talks to its kernel over the Jupyter websocket, as a browser would. Leaving the
``with Hub(...)`` block stops everything it started: the hub, the proxy, every process of every
student, and the students themselves (``userdel -r``). :meth:`Hub.restart` stops and restarts the
hub process alone (SIGTERM as ``systemctl restart`` sends it, or SIGKILL as a crash), on the same
state folder, as the fault tests do.
"""
from __future__ import annotations

import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

import psutil
import requests

from genzoo_lite.testing.classroom_student import Student

ROOT = Path(__file__).resolve().parents[2]  # the checkout
DEPLOY = ROOT / "deploy" / "jupyterhub"
PROXY = DEPLOY / "node_modules" / ".bin" / "configurable-http-proxy"
SERVICE = "classroom-admin"


def missing_prerequisites() -> str | None:
    """Why a hub cannot run here (root, useradd, node, jupyterhub), or None if it can."""
    if os.geteuid() != 0:
        return "needs root: every student is a system user (useradd) and the spawner setuids"
    for tool in ("useradd", "userdel", "runuser"):
        if not shutil.which(tool):
            return f"needs {tool} (package passwd/util-linux) to create the students"
    if not shutil.which("node"):
        return "needs node to run configurable-http-proxy (apt-get install nodejs npm)"
    if not PROXY.exists() and not shutil.which("npm"):
        return f"needs npm to install configurable-http-proxy into {PROXY.parent.parent}"
    try:
        import jupyterhub  # noqa: F401 (only whether it is installed)
    except ImportError:
        return "needs JupyterHub: pip install -e '.[classroom]'"
    for needed in (ROOT, Path(sysconfig.get_paths()["purelib"])):
        if not _others_can_reach(needed / "x"):
            return (f"students run as their own users and cannot reach {needed} (a folder above "
                    f"it lacks o+x): use a checkout and venv other users can read, e.g. under /srv")
    return None


def ensure_proxy() -> Path:
    """configurable-http-proxy from npm (pinned by deploy/jupyterhub/package-lock.json)."""
    if not PROXY.exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                       cwd=DEPLOY, check=True)
    return PROXY


def _as_nobody_imports(python: str) -> bool:
    probe = "import genzoo_lite, ipykernel, jupyterhub.singleuser"
    done = subprocess.run(["runuser", "-u", "nobody", "--", python, "-c", probe],
                          cwd="/", capture_output=True, timeout=120)
    return done.returncode == 0


def _others_can_reach(path: Path) -> bool:
    """Whether every folder above ``path`` lets other users through (o+x)."""
    return all(folder.stat().st_mode & 0o001 for folder in path.parents)


def user_python(workdir: Path) -> str:
    """A Python every student can execute that imports this project's packages.

    This venv's interpreter when others can run it; else (a pyenv Python under a 0700 /root) a
    venv made in ``workdir`` from the system's Python of the same version whose only content is
    a .pth that adds this venv's site-packages (same CPython minor: the wheels are the same ABI).
    """
    if _others_can_reach(Path(sys.executable).resolve()) and _as_nobody_imports(sys.executable):
        return sys.executable
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    system = next((p for p in (f"/usr/bin/{version}", f"/usr/local/bin/{version}")
                   if Path(p).exists()), None)
    if system is None:
        raise RuntimeError(f"students cannot execute {sys.executable} and there is no "
                           f"/usr/bin/{version} to build a shared one from")
    env = workdir / "user-python"
    subprocess.run([system, "-m", "venv", "--without-pip", str(env)], check=True)
    site_dir = Path(subprocess.check_output(
        [str(env / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        text=True).strip())
    here = sysconfig.get_paths()["purelib"]
    (site_dir / "genzoo_project.pth").write_text(f"import site; site.addsitedir({here!r})\n")
    subprocess.run(["chmod", "-R", "a+rX", str(workdir)], check=True)
    python = str(env / "bin" / "python")
    if not _as_nobody_imports(python):
        raise RuntimeError(f"{python} cannot import genzoo_lite as another user; is {here} readable?")
    return python


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


OVERLAY = """\
load_subconfig({deploy!r})
c.JupyterHub.bind_url = "http://127.0.0.1:{port}"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{api_port}"
c.JupyterHub.services.append({{"name": {service!r}, "api_token": {token!r}}})
c.JupyterHub.load_roles.append({{"name": {service!r}, "services": [{service!r}],
    "scopes": ["admin:users", "admin:servers", "tokens", "list:users"]}})
c.Spawner.env_keep.append("GENZOO_NO_NETWORK")  # the test suite's network guard, in kernels too
c.JupyterHub.log_level = "INFO"
{extra}
"""


class Hub:
    """A JupyterHub on 127.0.0.1 with a private state folder; a context manager that cleans up."""

    def __init__(self, start_timeout: float = 90, notebooks: Path | None = None,
                 extra_config: str = "") -> None:
        """``notebooks``: the folder whose .ipynb each student gets (default the repository's);
        ``extra_config``: lines of configuration appended to the overlay."""
        self.start_timeout = start_timeout
        self.notebooks = notebooks
        self.extra_config = extra_config
        self.tag = secrets.token_hex(2)  # students are gz<tag>..., unique per hub
        self.students: list[str] = []
        self.created = 0
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Hub:
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _start(self) -> None:
        ensure_proxy()
        self.state = Path(tempfile.mkdtemp(prefix="genzoo-hub-"))  # 0700: root only
        shared = Path(tempfile.mkdtemp(prefix="genzoo-hub-python-"))
        self.shared = shared
        self.user_python = user_python(shared)
        self.port, self.token = free_port(), secrets.token_hex(32)
        self.overlay = self.state / "overlay_config.py"
        self.overlay.write_text(OVERLAY.format(
            deploy=str(DEPLOY / "jupyterhub_config.py"), port=self.port, hub_port=free_port(),
            api_port=free_port(), service=SERVICE, token=self.token, extra=self.extra_config))
        self.env = {**os.environ, "GENZOO_HUB_STATE_DIR": str(self.state),
                    "GENZOO_HUB_USER_PYTHON": self.user_python, "GENZOO_HUB_GROUP": "gz" + self.tag}
        if self.notebooks is not None:
            self.env["GENZOO_HUB_NOTEBOOKS"] = str(self.notebooks)
        self.log = (self.state / "hub.log").open("ab")
        self.url = f"http://127.0.0.1:{self.port}"
        self.api = requests.Session()
        self.api.headers["Authorization"] = f"token {self.token}"
        self._launch()

    def _launch(self) -> None:
        """Start the hub process on the state folder and wait until its API answers."""
        self.process = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(self.overlay)], cwd=self.state,
            env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + self.start_timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the hub exited ({self.process.returncode}):\n{self.log_tail()}")
            try:
                if self.api.get(f"{self.url}/hub/api/", timeout=5).ok:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"hub not up in {self.start_timeout} s:\n{self.log_tail()}")
            time.sleep(0.5)

    def restart(self, sig: int = signal.SIGTERM) -> dict:
        """Stop the hub process alone (``sig``: SIGTERM as `systemctl restart` with
        KillMode=process, SIGKILL as a crash) and start it again on the same state folder.
        The students' servers are left alone. Returns seconds: down (signal to exit) and up
        (signal until the hub's API answers again and every running server is routed)."""
        start = time.monotonic()
        old = self.process
        try:  # its managed services (the idle culler): a killed hub leaves them behind
            services = [p for p in psutil.Process(old.pid).children()
                        if "jupyterhub_idle_culler" in " ".join(p.cmdline())]
        except psutil.Error:
            services = []
        os.kill(old.pid, sig)
        try:
            old.wait(60)
        except subprocess.TimeoutExpired:
            os.kill(old.pid, signal.SIGKILL)
            old.wait(10)
        down = time.monotonic() - start
        for service in services:  # the restarted hub starts its own
            try:
                service.kill()
            except psutil.Error:
                pass
        self._launch()
        return {"signal": signal.Signals(sig).name, "exit_s": round(down, 2),
                "hub_api_back_s": round(time.monotonic() - start, 2)}

    def log_tail(self, lines: int = 30) -> str:
        path = self.state / "hub.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def hub_processes(self) -> dict[str, psutil.Process]:
        """The hub's own Python process and its proxy (node), for their memory."""
        found = {}
        if self.process and self.process.poll() is None:
            found["hub"] = psutil.Process(self.process.pid)
        pid_file = self.state / "jupyterhub-proxy.pid"
        if pid_file.exists():
            try:
                found["proxy"] = psutil.Process(int(pid_file.read_text().strip()))
            except (ValueError, psutil.Error):
                pass
        return found

    def add_student(self) -> Student:
        """A new system user, registered with the hub, logged in with a token of their own."""
        name = f"gz{self.tag}s{self.created:03d}"
        self.created += 1
        subprocess.run(["useradd", "-m", "-s", "/bin/bash", name], check=True)
        self.students.append(name)
        self.api.post(f"{self.url}/hub/api/users/{name}", timeout=30).raise_for_status()
        reply = self.api.post(f"{self.url}/hub/api/users/{name}/tokens", timeout=30,
                              json={"note": "classroom load test", "expires_in": 7200})
        reply.raise_for_status()
        return Student(self.url, name, reply.json()["token"])

    def remove_students(self) -> None:
        """Kill every process of every student created so far and delete them, homes included."""
        for name in self.students:
            kill_user_processes(name)
            subprocess.run(["userdel", "-r", "-f", name], capture_output=True)
        self.students = []

    def close(self) -> None:
        """Stop the hub (it leaves the students' servers running: cleanup_servers is False),
        then kill what is left, the students' servers included, and remove the users."""
        children = []  # the proxy and the idle culler (in a session of its own): kill leftovers
        if self.process is not None and self.process.poll() is None:
            try:
                children = psutil.Process(self.process.pid).children(recursive=True)
            except psutil.Error:
                pass
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        for proc in [*children, *(self.hub_processes().values() if hasattr(self, "state") else ())]:
            try:
                proc.kill()
            except psutil.Error:
                pass
        self.remove_students()
        if hasattr(self, "log"):
            self.log.close()
        for folder in ("state", "shared"):
            if hasattr(self, folder):
                shutil.rmtree(getattr(self, folder), ignore_errors=True)


def user_processes(name: str) -> list[psutil.Process]:
    try:
        uid = pwd.getpwnam(name).pw_uid
    except KeyError:
        return []
    found = []
    for proc in psutil.process_iter(["uids"]):
        uids = proc.info["uids"]
        if uids is not None and uids.real == uid:
            found.append(proc)
    return found


def kill_user_processes(name: str) -> None:
    procs = user_processes(name)
    for proc in procs:
        try:
            proc.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(procs, timeout=10)


def user_memory_mb(name: str) -> tuple[float, float]:
    """(RSS, PSS) in MB summed over every process of student ``name`` (server + kernels)."""
    rss = pss = 0
    for proc in user_processes(name):
        try:
            info = proc.memory_full_info()
        except psutil.Error:
            continue
        rss, pss = rss + info.rss, pss + info.pss
    return rss / 2**20, pss / 2**20
