"""The course JupyterHub of deploy/jupyterhub/, for real: a hub on loopback, two students.

Smoke test of `make classroom` (benchmarks/classroom.py, the load test, stays out of the suite):
the hub starts from deploy/jupyterhub/jupyterhub_config.py, two students log in with tokens,
their servers start as their own system users with the notebooks copied into their homes, their
kernels run cells and answer a slider, and one student cannot read the other's files. Needs root,
useradd and node (configurable-http-proxy is installed from npm on first use); skipped, saying
which is missing, elsewhere, unless GENZOO_REQUIRE_HUB=1 makes that a failure.
"""
import os
import pwd
import stat
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from genzoo_lite.testing.classroom_hub import Hub, missing_prerequisites, user_processes

ROOT = Path(__file__).resolve().parents[1]

NOTEBOOK = "notebooks/01_gaussian_mle.ipynb"


@pytest.fixture(scope="module")
def classroom():
    """A hub with two students whose servers are running and whose notebook 01 is open."""
    reason = missing_prerequisites()
    if reason:
        if os.environ.get("GENZOO_REQUIRE_HUB") == "1":
            pytest.fail(f"GENZOO_REQUIRE_HUB=1 but {reason}")
        pytest.skip(reason)
    with Hub() as hub:
        students = [hub.add_student(), hub.add_student()]
        hub.not_yet = []  # requests that did not find the notebook at once (none expected)

        def first_start(student):
            student.start_server(timeout=120)
            student.read_notebook(NOTEBOOK, waits=hub.not_yet)  # the moment it is ready
            student.open_notebook(NOTEBOOK)

        with ThreadPoolExecutor(2) as pool:  # both at once, as in a class
            list(pool.map(first_start, students))
        yield hub, students
        names = list(hub.students)
    for name in names:  # leaving the hub removed the students and everything they ran
        with pytest.raises(KeyError):
            pwd.getpwnam(name)
        assert not Path("/home", name).exists()


def test_the_notebooks_are_there_when_the_server_is_ready(classroom):
    hub, students = classroom
    assert hub.not_yet == []  # copied by the pre-spawn hook before the server even started
    spawner = hub.api.get(f"{hub.url}/hub/api/users/{students[0].name}", timeout=30).json()
    assert spawner["servers"][""]["ready"]


def test_each_student_runs_their_own_copy_as_themselves(classroom):
    _, students = classroom
    for student in students:
        account = pwd.getpwnam(student.name)
        copy = Path(account.pw_dir) / NOTEBOOK
        assert copy.read_bytes() == (ROOT / NOTEBOOK).read_bytes()  # copied on first spawn
        assert copy.stat().st_uid == account.pw_uid
        assert stat.S_IMODE(Path(account.pw_dir).stat().st_mode) == 0o700
        out = student.execute("import os; print(os.getuid(), os.getcwd())")["stdout"].split()
        assert out == [str(account.pw_uid), str(copy.parent)]
        # the notebook's own setup cell (torch, the library) runs in the kernel
        setup = next(c["source"] for c in student.read_notebook(NOTEBOOK)["cells"]
                     if c["cell_type"] == "code" and "import torch" in c["source"])
        student.execute(setup)
        assert student.expressions(n="len(load_digits('train')[0])")["n"] == 1000
        # kernels use Unix sockets in the private home: no TCP port race between students
        info = "__import__('ipykernel.connect').connect.get_connection_info(unpack=True)"
        assert student.expressions(t=f"{info}['transport']")["t"] == "ipc"


def test_a_slider_move_reaches_its_callback(classroom):
    _, students = classroom
    student = students[0]
    student.execute("import ipywidgets as w\nmoves = []\nslider = w.IntSlider(0)\n"
                    "slider.observe(lambda change: moves.append(change['new']), names='value')")
    model = student.expressions(m="slider.model_id")["m"]
    seconds = [student.move_widget(model, value) for value in (3, 5, 7)]
    assert student.expressions(m="moves")["m"] == [3, 5, 7]
    assert max(seconds) < 10


def test_a_student_cannot_read_another_students_files(classroom):
    _, (alice, bob) = classroom
    secret = Path(pwd.getpwnam(bob.name).pw_dir) / NOTEBOOK
    assert secret.exists()
    probe = ("try:\n    open({path!r}).read(1)\n    print('read')\n"
             "except PermissionError:\n    print('PermissionError')\n")
    assert alice.execute(probe.format(path=str(secret)))["stdout"].strip() == "PermissionError"
    listing = probe.replace("open({path!r}).read(1)", "__import__('os').listdir({path!r})")
    assert alice.execute(listing.format(path=str(secret.parent.parent)))["stdout"].strip() \
        == "PermissionError"
    assert bob.execute(probe.format(path=str(secret)))["stdout"].strip() == "read"  # the owner can


def test_stopping_a_server_ends_the_students_processes(classroom):
    hub, students = classroom
    for student in students:
        assert user_processes(student.name)  # the server and its kernel
        student.stop_server()
        model = hub.api.get(f"{hub.url}/hub/api/users/{student.name}", timeout=30).json()
        assert "" not in model["servers"]
        deadline = time.monotonic() + 15  # the kernel notices its server has gone
        while user_processes(student.name) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not user_processes(student.name)


def test_results_md_shows_the_classroom_table(tmp_path):
    import json

    from benchmarks import run as bench_run
    step = {"n": 4, "servers_started": 4, "notebooks_completed": 3, "errors": 1, "hub_mb": 120.4,
            "proxy_mb": 61.0, "per_user_rss_mb": {"median": 612.0},
            "per_user_peak_mb": {"median": 790.2}, "slider_ms": {"median": 180.0, "p95": 240.5},
            "notebook_s": {"median": 30.1, "max": 33.0},
            "load_average": {"before": 1.1, "max": 4.2}, "held": False}
    path = tmp_path / "classroom.json"
    path.write_text(json.dumps({"runs": {"dragging": {
        "date": "2026-01-01 06:00 UTC", "machine": {"cores": 2, "memory_gb": 23.5},
        "notebook": NOTEBOOK, "slider": "view.controls['mu']", "moves_per_student": 20,
        "think_s": 0.25, "p95_limit_ms": 500.0, "steps": [step], "largest_n_held": 2,
        "stopped": "N=4 not held"}}}))
    text = "\n".join(bench_run.classroom_section(path))
    assert "## Classroom" in text and "### dragging: 20 moves" in text
    assert "**Largest N held: 2.**" in text and "Stepping stopped: N=4 not held." in text
    row = "| 4 | 4 | 3 | 1 | 120 | 61 | 612 / 790 | 180.0 / 240.5 | 30.1 / 33.0 | 1.1 / 4.2 | no |"
    assert row in text
    assert bench_run.classroom_section(tmp_path / "missing.json") == []
