"""A hub restart under two logged-in students leaves their servers, kernels and saved work alone.

deploy/jupyterhub/jupyterhub_config.py sets ``cleanup_servers = False`` and starts each server in
a session of its own (LocalProcessSpawner), so stopping the hub process (SIGTERM, as `systemctl
restart` does with KillMode=process) does not stop the students' servers, and the restarted hub
takes them over from its database. Here: two students start their servers, save an edit to their
notebook and set a variable in its kernel; the hub restarts; both find the same server processes,
the same kernels with their variables, and their saved notebooks byte for byte. Needs root,
useradd and node (as tests/test_hub.py); skipped, saying which is missing, elsewhere, unless
GENZOO_REQUIRE_HUB=1 makes that a failure. About a minute.
"""
import hashlib
import os
import pwd
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from genzoo_lite.testing.classroom_hub import Hub, missing_prerequisites, user_processes

ROOT = Path(__file__).resolve().parents[1]

NOTEBOOK = "notebooks/01_gaussian_mle.ipynb"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_hub_restart_leaves_both_students_work_and_servers_intact():
    reason = missing_prerequisites()
    if reason:
        if os.environ.get("GENZOO_REQUIRE_HUB") == "1":
            pytest.fail(f"GENZOO_REQUIRE_HUB=1 but {reason}")
        pytest.skip(reason)
    started = time.monotonic()
    with Hub() as hub:
        students = [hub.add_student(), hub.add_student()]

        def lecture(student):
            student.start_server(timeout=120)
            notebook = student.read_notebook(NOTEBOOK)
            notebook["cells"].append({"cell_type": "markdown", "metadata": {}, "id": "edit",
                                      "source": f"my answer, {student.name}: \u03bc = 0.25"})
            student.save_notebook(NOTEBOOK, notebook)
            student.open_notebook(NOTEBOOK)
            student.execute(f"answer = {student.name!r}")

        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lecture, students))
        homes = {s.name: Path(pwd.getpwnam(s.name).pw_dir) for s in students}
        saved = {s.name: _sha((homes[s.name] / NOTEBOOK).read_bytes()) for s in students}
        served = {s.name: _sha(s.read_text(NOTEBOOK).encode()) for s in students}
        pids = {s.name: {p.pid for p in user_processes(s.name)} for s in students}
        assert all(len(p) >= 2 for p in pids.values())  # a server and a kernel each

        hub.restart(signal.SIGTERM)

        for student in students:
            assert student.server_model().get("ready"), f"{student.name}: server not ready"
            # the same processes: nothing was stopped or restarted
            assert {p.pid for p in user_processes(student.name)} == pids[student.name]
            # the saved edit, byte for byte, on disk and as the server serves it
            assert _sha((homes[student.name] / NOTEBOOK).read_bytes()) == saved[student.name]
            assert _sha(student.read_text(NOTEBOOK).encode()) == served[student.name]
            assert "my answer" in student.read_text(NOTEBOOK)
            # the same kernel, its variables alive: JupyterLab reconnects to it
            student.connect()
            assert student.kernel_model()["id"] == student.kernel_id
            assert student.expressions(a="answer")["a"] == student.name
    assert time.monotonic() - started < 150, "keep this test around a minute"
