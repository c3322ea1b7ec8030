"""A JupyterLab server for the browser tests, started on a free loopback port, with the
student's server configuration of `make lab` and the course hub (jupyter-student/: nbgrader's
parts off, kernel websockets without Nagle's delay).

Start-up failures raise RuntimeError saying which: the port is taken, the server exited (with
the end of its log), or it never answered.
"""
from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

STUDENT_CONFIG = Path(__file__).resolve().parents[2] / "jupyter-student"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """A JupyterLab server on 127.0.0.1 serving a temporary copy of notebooks/."""

    def __init__(self, root: Path, port: int) -> None:
        self.root, self.port, self.token = root, port, secrets.token_hex(16)
        self.log_path = root.parent / "jupyterlab.log"
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 90) -> None:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                raise RuntimeError(f"port {self.port} is already in use; cannot start JupyterLab")
        cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root",
               "--ip=127.0.0.1", f"--port={self.port}", "--port-retries=0",
               f"--ServerApp.root_dir={self.root}", f"--IdentityProvider.token={self.token}",
               "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=None",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
               "--ServerApp.disable_check_xsrf=True"]
        # Lab settings for a test: render every cell (no virtual scrolling, so offscreen outputs
        # are in the DOM) and never ask about news.
        settings = self.root.parent / "lab-settings"
        (settings / "@jupyterlab" / "notebook-extension").mkdir(parents=True, exist_ok=True)
        (settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
         ).write_text('{"windowingMode": "none"}')
        (settings / "@jupyterlab" / "apputils-extension").mkdir(parents=True, exist_ok=True)
        (settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
         ).write_text('{"fetchNews": "false"}')
        env = dict(os.environ, JUPYTER_PLATFORM_DIRS="1", JUPYTERLAB_SETTINGS_DIR=str(settings),
                   JUPYTER_CONFIG_PATH=str(STUDENT_CONFIG))
        self.process = subprocess.Popen(cmd, stdout=open(self.log_path, "w"),
                                        stderr=subprocess.STDOUT, env=env, cwd=self.root.parent)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = self.log()
                reason = ("its port is already in use" if "already in use" in log
                          else f"it exited with code {self.process.returncode}")
                raise RuntimeError(f"JupyterLab did not start: {reason}.\n{log[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/status?token={self.token}",
                                            timeout=2) as reply:
                    if reply.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.5)
        raise RuntimeError(f"JupyterLab did not answer on {self.url} within {timeout:.0f} s.\n"
                           f"{self.log()[-2000:]}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def page_url(self, path: str) -> str:
        return f"{self.url}/{path}?token={self.token}"

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
