"""`make lab` is a student's JupyterLab: no nbgrader (the instructor's tool), no news prompt.

The Makefile starts JupyterLab with JUPYTER_CONFIG_DIR=jupyter-student/, where nbgrader's lab
extension is disabled (labconfig/page_config.json), its server extensions are off
(jupyter_server_config.json) and the news are never fetched (settings/overrides.json). Checked
with ``jupyter labextension list`` and by starting that JupyterLab headless and asking it.
"""
from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "jupyter-student"
JUPYTER = Path(sys.executable).parent / "jupyter"
NBGRADER_SERVER = ("formgrader", "validate_assignment", "assignment_list", "course_list")


def student_env() -> dict[str, str]:
    return {**os.environ, "JUPYTER_CONFIG_DIR": str(CONFIG)}


def test_make_lab_uses_the_student_config():
    makefile = (ROOT / "Makefile").read_text()
    lab = re.search(r"^lab:.*\n((?:\t.*\n)+)", makefile, re.M).group(1)
    assert "JUPYTER_CONFIG_DIR=$(CURDIR)/jupyter-student" in lab


def test_nbgrader_is_only_in_the_instructor_extra():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]
    assert any(req.startswith("nbgrader") for req in extras["instructor"])
    for name in ("lab", "classroom"):
        assert not any("nbgrader" in req for req in extras[name]), name
    assert not any("nbgrader" in req for req in
                   tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"])


def test_labextension_list_shows_nbgrader_disabled():
    pytest.importorskip("nbgrader")
    out = subprocess.run([str(JUPYTER), "labextension", "list"], env=student_env(),
                         capture_output=True, text=True, timeout=120)
    text = re.sub(r"\x1b\[[0-9;]*m", "", out.stdout + out.stderr)
    line = next((ln for ln in text.splitlines() if "@jupyter/nbgrader" in ln and " v" in ln), "")
    assert "disabled" in line, text
    server = subprocess.run([str(JUPYTER), "server", "extension", "list"], env=student_env(),
                            capture_output=True, text=True, timeout=120)
    text = re.sub(r"\x1b\[[0-9;]*m", "", server.stdout + server.stderr)
    for name in NBGRADER_SERVER:
        line = next(ln for ln in text.splitlines()
                    if f"nbgrader.server_extensions.{name} " in ln)
        assert "disabled" in line, line


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, ""


@pytest.mark.slow
def test_a_headless_student_lab_has_no_nbgrader_and_no_news(tmp_path):
    port, token = _free_port(), "student-lab-test"
    base = f"http://127.0.0.1:{port}"
    lab = subprocess.Popen(
        [str(JUPYTER), "lab", "--no-browser", "--allow-root", f"--port={port}",
         "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
         f"--ServerApp.root_dir={tmp_path}"],
        env={**student_env(), "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
             "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "user-settings"),
             "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces")},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if _get(f"{base}/api/status?token={token}")[0] == 200:
                    break
            except OSError:
                pass
            assert lab.poll() is None, f"jupyter lab exited: {lab.stderr.read()[-2000:]}"
            assert time.monotonic() < deadline, "jupyter lab did not start in 180 s"
            time.sleep(0.5)
        status, page = _get(f"{base}/lab?token={token}")
        assert status == 200
        config = json.loads(re.search(
            r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
            page, re.S).group(1))
        assert "@jupyter/nbgrader" in config["disabledExtensions"]
        status, body = _get(f"{base}/lab/api/settings/"
                            f"@jupyterlab/apputils-extension:notification?token={token}")
        assert status == 200
        assert json.loads(body)["schema"]["properties"]["fetchNews"]["default"] == "false"
        assert _get(f"{base}/formgrader?token={token}")[0] == 404  # no instructor's server side
    finally:
        lab.terminate()
        try:
            lab.wait(timeout=30)
        except subprocess.TimeoutExpired:
            lab.kill()
            lab.wait()
