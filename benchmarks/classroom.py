"""`make classroom`: how many students can the course JupyterHub hold on this machine?

A load test on loopback, bounded in time (``--timeout``; everything it started is stopped and
every student it created is removed at the end, also on an error or a timeout). It starts the hub
of deploy/jupyterhub/ (genzoo_lite/testing/classroom_hub.py) once, then for each class size N in
``--steps``:

1. creates N students (system users), logs each in through the hub's REST API with a token of
   their own and starts their server through the hub (all at once, as at the start of a lecture);
2. each student opens their copy of the notebook (``~/notebooks/``, copied by the pre-spawn hook)
   and runs it top to bottom through its kernel over the Jupyter websocket (Restart & Run All);
3. when every notebook has run, all N students move the notebook's live slider at once, as the
   browser does (a widget ``comm_msg``), ``--moves`` times each with ``--think`` seconds between
   moves; the latency of a move is from sending it until the kernel is idle again, after the
   callback has redrawn the figure and sent the new PNG. Every move must render (checked);
4. meanwhile it samples every 2 s: the hub's and the proxy's memory, each student's memory (RSS
   and PSS summed over their server and kernel processes), the machine's used memory and load.

A class size is held when every server started, every notebook completed without an error and
the 95th percentile of the slider latency is under ``--p95-ms``. Stepping stops at the first size
not held (or when free memory would not fit the next one); ``--rerun`` then repeats the largest
size held. Results go to benchmarks/classroom.json; `make bench` shows them in RESULTS.md.

Usage: python benchmarks/classroom.py [--steps 2 4 8 ...] [--think S] [--name RUN] [--rerun]
                                     [--timeout S] [--out FILE]
       python benchmarks/classroom.py --faults N [--timeout S]     (`make classroom-faults`)

``--faults N``: N students start their servers, edit and save notebook 01 and run it; then, each
after a new saved edit: (1) the hub restarts while they drag the slider (SIGTERM, then again with
SIGKILL, a crash), (2) one student's kernel is SIGKILLed as the OOM killer would, (3) the idle
culler stops the server of a student who went quiet. After each: every last saved edit byte for
byte (on disk and served through the hub), every student's notebook reachable, the killed
kernel's states as JupyterLab receives them. Results: "faults" in classroom.json, and a table at
the end of RESULTS.md's Classroom section.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import jupytext
import numpy as np
import psutil

from genzoo_lite.testing.classroom_hub import Hub, missing_prerequisites, user_processes
from genzoo_lite.testing.classroom_student import KernelError, NotebookLost, Student

HERE = Path(__file__).resolve().parent

NOTEBOOK = "notebooks/01_gaussian_mle.ipynb"
VIEW, CONTROL = "likelihood_view", "mu"  # notebook 01, "The likelihood landscape, live"


def notebooks_from_source(folder: Path) -> Path:
    """The students' notebooks made from the reviewed sources (notebooks/NN_*.py, jupytext), so
    the test runs the notebooks as they are now even while an .ipynb awaits re-execution."""
    for source in sorted((HERE.parent / "notebooks").glob("[0-9][0-9]_*.py")):
        jupytext.write(jupytext.read(source), folder / f"{source.stem}.ipynb")
    return folder


def code_cells(notebook: dict) -> list[str]:
    sources = [cell["source"] for cell in notebook["cells"] if cell["cell_type"] == "code"]
    return ["".join(s) if isinstance(s, list) else s for s in sources]


def run_student(student: Student, args, start_sliders: threading.Barrier,
                done: threading.Barrier, record: dict) -> None:
    """One student's lecture: server, Run All, then slider moves in step with the class."""
    try:
        record["server_start_s"] = round(student.start_server(), 2)
        record["server_started"] = True
        # "not yet" (the request did not reach a ready server: retried, counted) is told apart
        # from "lost" (the server is ready and the notebook is not on disk: NotebookLost)
        cells = code_cells(student.read_notebook(NOTEBOOK, waits=record["waits"]))
        student.open_notebook(NOTEBOOK)
        start = time.perf_counter()
        for index, source in enumerate(cells):
            record["cell"] = index
            student.execute(source)
        record["notebook_s"] = round(time.perf_counter() - start, 1)
        record["notebook_completed"] = True
        control = f"{VIEW}.controls[{CONTROL!r}]"
        found = student.expressions(model=f"{control}.model_id", lo=f"{control}.min",
                                    hi=f"{control}.max", renders=f"{VIEW}.render_count")
    except Exception as error:  # noqa: BLE001 (any failure is a lost notebook, recorded)
        record["error"] = f"{type(error).__name__}: {error}"[:300]
        record["lost"] = isinstance(error, NotebookLost)
        start_sliders.abort()  # the step is lost: nobody waits for this student any more
        done.abort()
        return
    try:
        start_sliders.wait(timeout=args.step_timeout)
    except threading.BrokenBarrierError:
        pass  # another student failed: move anyway, the step is already lost
    try:
        span = found["hi"] - found["lo"]
        for move in range(args.moves):
            value = round(found["lo"] + span * (1 + move % 10) / 12, 4)
            record["slider_ms"].append(round(1000 * student.move_widget(found["model"], value), 1))
            time.sleep(args.think)
        renders = student.expressions(renders=f"{VIEW}.render_count")["renders"]
        if renders - found["renders"] != args.moves:
            raise RuntimeError(f"{args.moves} slider moves gave {renders - found['renders']} renders")
    except Exception as error:  # noqa: BLE001
        record["error"] = f"slider: {type(error).__name__}: {error}"[:300]
    try:
        done.wait(timeout=args.step_timeout)  # keep every kernel alive until the class is done
    except threading.BrokenBarrierError:
        pass


class Sampler(threading.Thread):
    """Every ``interval`` s: hub/proxy RSS, each student's RSS and PSS, used memory, load."""

    def __init__(self, hub: Hub, names: list[str], interval: float = 2.0) -> None:
        super().__init__(daemon=True)
        self.hub, self.interval, self.stop = hub, interval, threading.Event()
        import pwd
        self.uids = {pwd.getpwnam(name).pw_uid: name for name in names}
        self.peak = {name: {"rss": 0.0, "pss": 0.0} for name in names}
        self.hub_mb = {"hub": 0.0, "proxy": 0.0}
        self.used_gb, self.load = 0.0, 0.0

    def run(self) -> None:
        while not self.stop.wait(self.interval):
            now = {name: {"rss": 0.0, "pss": 0.0} for name in self.peak}
            for proc in psutil.process_iter(["uids"]):
                name = self.uids.get(proc.info["uids"].real if proc.info["uids"] else None)
                if name is None:
                    continue
                try:
                    info = proc.memory_full_info()
                except psutil.Error:
                    continue
                now[name]["rss"] += info.rss / 2**20
                now[name]["pss"] += info.pss / 2**20
            for name, mem in now.items():
                for key in mem:
                    self.peak[name][key] = max(self.peak[name][key], mem[key])
            for key, proc in self.hub.hub_processes().items():
                try:
                    self.hub_mb[key] = max(self.hub_mb[key], proc.memory_info().rss / 2**20)
                except psutil.Error:
                    pass
            memory = psutil.virtual_memory()
            self.used_gb = max(self.used_gb, (memory.total - memory.available) / 2**30)
            self.load = max(self.load, os.getloadavg()[0])


def peak_mb(name: str) -> dict:
    """The peak RSS (VmHWM) of the student's kernels and of the rest (their Jupyter server):
    their sum bounds the student's memory at its worst."""
    peaks = {"kernel": 0.0, "server": 0.0}
    for proc in user_processes(name):
        try:
            kind = "kernel" if "ipykernel" in " ".join(proc.cmdline()) else "server"
            status = Path(f"/proc/{proc.pid}/status").read_text()
        except (OSError, psutil.Error):
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peaks[kind] += int(line.split()[1]) / 1024
    return peaks


def stats(values: list[float]) -> dict:
    if not values:
        return {"median": None, "p95": None, "max": None}
    arr = np.asarray(values, dtype=float)
    return {"median": round(float(np.median(arr)), 1), "p95": round(float(np.percentile(arr, 95)), 1),
            "max": round(float(arr.max()), 1)}


def run_step(hub: Hub, n: int, args) -> dict:
    """One class of ``n`` students, from login to their servers stopped; the step's figures."""
    load_before = os.getloadavg()
    wall = time.perf_counter()
    students = [hub.add_student() for _ in range(n)]
    records = [{"name": s.name, "server_started": False, "notebook_completed": False,
                "error": None, "slider_ms": [], "waits": []} for s in students]
    start_sliders, done = threading.Barrier(n), threading.Barrier(n)
    sampler = Sampler(hub, [s.name for s in students])
    sampler.start()
    threads = [threading.Thread(target=run_student, args=(s, args, start_sliders, done, r),
                                daemon=True) for s, r in zip(students, records)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + args.step_timeout
    # Short waits: a signal (the hard timeout, Ctrl-C) is only handled between them.
    while any(t.is_alive() for t in threads) and time.monotonic() < deadline:
        time.sleep(0.5)
    for thread, record in zip(threads, records):
        if thread.is_alive() and not record["error"]:
            record["error"] = f"step timeout ({args.step_timeout} s) at cell {record.get('cell')}"
    peaks = [peak_mb(s.name) for s in students]
    sampler.stop.set()
    sampler.join()
    for student in students:
        try:
            student.stop_server()
        except Exception:  # noqa: BLE001 (the hub cleans up below in any case)
            pass
    hub.remove_students()
    latencies = [ms for r in records for ms in r["slider_ms"]]
    errors = [f"{r['name']}: {r['error']}" for r in records if r["error"]]
    rss = [sampler.peak[s.name]["rss"] for s in students]
    pss = [sampler.peak[s.name]["pss"] for s in students]
    step = {
        "n": n,
        "servers_started": sum(r["server_started"] for r in records),
        "notebooks_completed": sum(r["notebook_completed"] for r in records),
        "errors": len(errors), "error_messages": errors[:10],
        "notebooks_lost": sum(bool(r.get("lost")) for r in records),
        "notebook_not_yet": {"students": sum(bool(r["waits"]) for r in records),
                             "retries": sum(len(r["waits"]) for r in records),
                             "kinds": sorted({w["kind"] for r in records for w in r["waits"]})},
        "hub_mb": round(sampler.hub_mb["hub"], 1), "proxy_mb": round(sampler.hub_mb["proxy"], 1),
        "per_user_rss_mb": stats(rss), "per_user_pss_mb": stats(pss),
        "per_user_peak_mb": stats([p["kernel"] + p["server"] for p in peaks]),
        "kernel_peak_mb": stats([p["kernel"] for p in peaks]),
        "server_peak_mb": stats([p["server"] for p in peaks]),
        "slider_ms": {**stats(latencies), "moves": len(latencies)},
        "server_start_s": stats([r["server_start_s"] for r in records if "server_start_s" in r]),
        "notebook_s": stats([r["notebook_s"] for r in records if "notebook_s" in r]),
        "machine_used_gb_peak": round(sampler.used_gb, 1),
        "load_average": {"before": round(load_before[0], 2), "max": round(sampler.load, 2),
                         "after": round(os.getloadavg()[0], 2)},
        "wall_s": round(time.perf_counter() - wall, 1),
    }
    p95 = step["slider_ms"]["p95"]
    step["held"] = (step["servers_started"] == n and step["notebooks_completed"] == n
                    and not errors and p95 is not None and p95 < args.p95_ms)
    return step


# --- `make classroom-faults`: what a hub restart, a killed kernel and the culler cost ---------

FAULT_OVERLAY = """\
# the culler's view of activity, every 5 s instead of 5 minutes, so a short fault run can cull
c.JupyterHub.last_activity_interval = 5
c.Spawner.environment = {**c.Spawner.environment, "JUPYTERHUB_ACTIVITY_INTERVAL": "5"}
"""


def _sha(data: bytes) -> str:
    import hashlib
    return hashlib.sha256(data).hexdigest()[:16]


class Lecture:
    """One student of the fault run: their server, notebook 01 run, the slider, their saves."""

    def __init__(self, student: Student) -> None:
        self.student, self.name = student, student.name
        self.home = Path(__import__("pwd").getpwnam(student.name).pw_dir)
        self.saved: list[str] = []  # sha of each saved version, the last one current
        self.waits: list = []
        self.cell_errors: list[str] = []

    def start(self) -> None:
        self.student.start_server(timeout=600)
        self.student.read_notebook(NOTEBOOK, waits=self.waits)
        self.save_edit()
        self.student.open_notebook(NOTEBOOK)
        for source in code_cells(self.student.read_notebook(NOTEBOOK)):
            try:  # a cell's own check failing (the library being edited) is not a fault here
                self.student.execute(source)
            except KernelError as error:
                self.cell_errors.append(str(error)[:120])
        control = f"{VIEW}.controls[{CONTROL!r}]"
        self.slider = self.student.expressions(model=f"{control}.model_id", lo=f"{control}.min",
                                               hi=f"{control}.max")

    def save_edit(self) -> None:
        """Edit the notebook (a new answer cell) and save it, as JupyterLab does."""
        notebook = self.student.read_notebook(NOTEBOOK, waits=self.waits)
        k = len(self.saved) + 1
        notebook["cells"].append({"cell_type": "markdown", "metadata": {}, "id": f"edit-{k}",
                                  "source": f"Edit {k} by {self.name}: \u03bc\u0302 = {k / 7:.6f}"})
        self.student.save_notebook(NOTEBOOK, notebook)
        self.saved.append(_sha((self.home / NOTEBOOK).read_bytes()))

    def edit_intact(self) -> bool:
        """The last saved version, byte for byte: on disk and as the student's server serves it."""
        on_disk = _sha((self.home / NOTEBOOK).read_bytes())
        served = _sha(self.student.read_text(NOTEBOOK, wait=180).encode())
        return on_disk == served == self.saved[-1]

    def drag(self, stop: threading.Event, think: float, log: dict) -> None:
        """Move the slider until ``stop`` is set; on a dropped connection reconnect as JupyterLab
        does (to the same kernel) and go on; logs moves done, moves lost and the longest gap."""
        lo, span = self.slider["lo"], self.slider["hi"] - self.slider["lo"]
        move, broken_since = 0, None
        while not stop.is_set() or broken_since is not None:
            try:
                if broken_since is not None:
                    self.student.connect(timeout=30)
                self.student.move_widget(self.slider["model"], round(lo + span * (1 + move % 10) / 12, 4))
                log["moves"] += 1
                if broken_since is not None:
                    log["gap_s"] = max(log["gap_s"], round(time.monotonic() - broken_since, 1))
                    broken_since = None
            except Exception:  # noqa: BLE001 (the proxy went away with the hub: retry)
                log["lost_moves"] += broken_since is None
                broken_since = broken_since or time.monotonic()
                if time.monotonic() - broken_since > 180:
                    log["error"] = "no reconnection in 180 s"
                    return
                time.sleep(1)
            move += 1
            time.sleep(think)

    def kernel_pids(self) -> list[int]:
        found = []
        for proc in user_processes(self.name):
            try:
                if "ipykernel" in " ".join(proc.cmdline()):
                    found.append(proc.pid)
            except Exception:  # noqa: BLE001 (gone)
                pass
        return found


def _everyone(lectures: list[Lecture], fn) -> list:
    with __import__("concurrent.futures").futures.ThreadPoolExecutor(len(lectures)) as pool:
        return list(pool.map(fn, lectures))


def _check(lectures: list[Lecture]) -> dict:
    """After a fault: every saved edit intact, every student's notebook reachable."""
    intact = _everyone(lectures, Lecture.edit_intact)
    return {"edits_intact": all(intact), "students_with_edits_intact": sum(intact),
            "notebooks_reachable": len(intact)}  # edit_intact read each one through the hub


def fault_hub_restart(hub: Hub, lectures: list[Lecture], sig, think: float) -> dict:
    """The hub restarts while the whole class drags its slider."""
    before = {lec.name: {p.pid for p in user_processes(lec.name)} for lec in lectures}
    logs = [{"moves": 0, "lost_moves": 0, "gap_s": 0.0} for _ in lectures]
    stop = threading.Event()
    threads = [threading.Thread(target=lec.drag, args=(stop, think, log), daemon=True)
               for lec, log in zip(lectures, logs)]
    for thread in threads:
        thread.start()
    time.sleep(5)
    timing = hub.restart(sig)
    time.sleep(15)  # dragging on after the hub is back (the old proxy may go later: SIGKILL)
    stop.set()
    for thread in threads:
        thread.join(240)
    for lec in lectures:  # an open JupyterLab tab reconnects whenever its websocket drops
        lec.student.connect()
    survived = sum({p.pid for p in user_processes(lec.name)} == before[lec.name] for lec in lectures)
    same_kernel = sum(lec.student.kernel_model()["id"] == lec.student.kernel_id
                      and lec.student.expressions(v=f"{VIEW}.render_count")["v"] > 0
                      for lec in lectures)
    return {"fault": f"hub restart mid-drag ({timing['signal']})", "students": len(lectures),
            "students_affected": sum(log["lost_moves"] > 0 for log in logs),
            **_check(lectures), "servers_survived": survived, "kernels_survived": same_kernel,
            "hub_exit_s": timing["exit_s"], "hub_back_s": timing["hub_api_back_s"],
            "moves_done": sum(log["moves"] for log in logs),
            "moves_lost": sum(log["lost_moves"] for log in logs),
            "longest_gap_s": max(log["gap_s"] for log in logs),
            "drag_errors": [log["error"] for log in logs if "error" in log]}


def fault_kernel_oom(lectures: list[Lecture]) -> dict:
    """One student's kernel SIGKILLed, as the kernel's OOM killer does."""
    victim = lectures[0]
    victim.student.connect()  # a fresh tab: only what follows the kill is recorded
    pids = victim.kernel_pids()
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    seen = victim.student.statuses(30)  # what JupyterLab receives on the kernel's websocket
    state_after = victim.student.kernel_model()["execution_state"]
    try:
        fresh = victim.student.expressions(gone=f"'{VIEW}' not in globals()")["gone"]
        reconnected = False
    except Exception:  # noqa: BLE001 (the websocket dropped: reconnect, as JupyterLab does)
        victim.student.connect()
        fresh = victim.student.expressions(gone=f"'{VIEW}' not in globals()")["gone"]
        reconnected = True
    model = victim.student.kernel_model()
    others = [lec.student.move_widget(lec.slider["model"], lec.slider["lo"]) for lec in lectures[1:]]
    return {"fault": "one kernel SIGKILLed (as the OOM killer does)", "students": len(lectures),
            "students_affected": 1, **_check(lectures),
            "kernel_pids_killed": len(pids), "websocket_states": seen,
            "kernel_api_state": state_after, "kernel_api_state_after_a_request": model["execution_state"],
            "websocket_reconnected": reconnected,
            "same_kernel_id": model["id"] == victim.student.kernel_id,
            "kernel_state_lost": fresh, "new_kernel_pid": victim.kernel_pids() != pids,
            "other_students_answered": len(others) == len(lectures) - 1}


def fault_culled(hub: Hub, lectures: list[Lecture], think: float, idle_s: int = 15) -> dict:
    """The idle culler (jupyterhub-idle-culler, the service the config runs) stops the server
    of a student who went quiet while the others drag; the student comes back."""
    victim, others = lectures[0], lectures[1:]
    victim.student.ws.shutdown()  # the student closed the tab
    victim.student.ws = None
    culler = subprocess.Popen(
        [sys.executable, "-m", "jupyterhub_idle_culler", f"--url={hub.url}/hub/api",
         f"--timeout={idle_s}", "--cull-every=3"],
        env={**os.environ, "JUPYTERHUB_API_TOKEN": hub.token},
        stdout=(hub.state / "culler.log").open("wb"), stderr=subprocess.STDOUT,
        start_new_session=True)
    log_start = len(hub.log_tail(100000).splitlines())
    logs = [{"moves": 0, "lost_moves": 0, "gap_s": 0.0} for _ in others]
    stop = threading.Event()
    threads = [threading.Thread(target=lec.drag, args=(stop, think, log), daemon=True)
               for lec, log in zip(others, logs)]
    for thread in threads:
        thread.start()
    start, culled_after, ages = time.monotonic(), None, {}
    try:
        while time.monotonic() - start < idle_s + 60:
            for lec in lectures:  # the hub's view of each server's last activity
                model = lec.student.server_model()
                if model.get("last_activity"):
                    then = datetime.datetime.fromisoformat(model["last_activity"].replace("Z", "+00:00"))
                    ages.setdefault(lec.name, []).append(round(
                        (datetime.datetime.now(datetime.timezone.utc) - then).total_seconds()))
            if not victim.student.server_model().get("url"):
                culled_after = round(time.monotonic() - start, 1)
                break
            time.sleep(1)
    finally:
        culler.terminate()
        culler.wait(10)
        stop.set()
    for thread in threads:
        thread.join(240)
    culled = [lec for lec in lectures if not lec.student.server_model().get("url")]
    why = [line[:200] for line in (hub.state / "culler.log").read_text(errors="replace").splitlines()
           if "Culling" in line]
    why += [line[:200] for line in hub.log_tail(100000).splitlines()[log_start:]
            if any(word in line for word in ("stopped", "Stopping", "exit code", "no longer"))]
    back = {}
    for lec in culled:  # the next request: the server and their files come back
        back[lec.name] = round(lec.student.start_server(timeout=600), 1)
    result = {"fault": "idle culler stops a server", "students": len(lectures),
              "students_affected": len(culled), "culled_after_s": culled_after,
              **_check(lectures), "server_back_s": max(back.values(), default=None),
              "culled": [lec.name for lec in culled], "victim": victim.name, "log": why[:12],
              "drag_moves": [log["moves"] for log in logs],
              "activity_age_s": {name: a[-5:] for name, a in ages.items()}}
    for lec in culled:  # a fresh kernel on the saved notebook
        lec.student.open_notebook(NOTEBOOK)
        lec.student.execute("x = 1")
    result["fresh_kernels"] = len(culled)
    return result


def run_faults(args) -> dict:
    """N students start, edit and save notebook 01 and run it; then each fault in turn, each
    followed by a new saved edit and the checks."""
    results = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
               "machine": {"cores": os.cpu_count(), "python": platform.python_version()},
               "students": args.faults, "notebook": NOTEBOOK, "faults": []}
    load = [os.getloadavg()[0]]
    wall = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="genzoo-faults-") as notebooks, \
            Hub(notebooks=notebooks_from_source(Path(notebooks)), extra_config=FAULT_OVERLAY) as hub:
        args.hubs.append(hub)
        lectures = [Lecture(hub.add_student()) for _ in range(args.faults)]
        _everyone(lectures, Lecture.start)
        results["not_yet_retries_at_start"] = sum(len(lec.waits) for lec in lectures)
        results["cell_errors_at_start"] = sorted({e for lec in lectures for e in lec.cell_errors})
        for name, fault in (
                ("hub restart mid-drag (SIGTERM)",
                 lambda: fault_hub_restart(hub, lectures, signal.SIGTERM, args.think)),
                ("hub restart mid-drag (SIGKILL)",
                 lambda: fault_hub_restart(hub, lectures, signal.SIGKILL, args.think)),
                ("one kernel SIGKILLed (as the OOM killer does)", lambda: fault_kernel_oom(lectures)),
                ("idle culler stops a server", lambda: fault_culled(hub, lectures, args.think))):
            if os.environ.get("GENZOO_FAULTS_ONLY", name) not in name:
                continue
            _everyone(lectures, Lecture.save_edit)
            _everyone(lectures, lambda lec: lec.student.connect())  # as an open JupyterLab tab
            load.append(os.getloadavg()[0])
            try:
                outcome = fault()
            except Exception as error:  # noqa: BLE001 (recorded: the run goes on)
                outcome = {"fault": name, "error": repr(error)[:300]}
            load.append(os.getloadavg()[0])
            results["faults"].append(outcome)
            print(json.dumps(outcome), flush=True)
    results["load_average"] = {"before": round(load[0], 2), "max": round(max(load), 2)}
    results["wall_s"] = round(time.perf_counter() - wall, 1)
    return results


def faults_section(faults: dict) -> list[str]:
    """The fault run as a Markdown table (RESULTS.md, end of the Classroom section)."""
    lines = ["### Faults: `make classroom-faults`", "",
             f"{faults['date']}, {faults['machine']['cores']} cores; {faults['students']} students "
             f"each ran `{faults['notebook']}`, then saved a new edit before each fault; load "
             f"average {faults['load_average']['before']} before, {faults['load_average']['max']} "
             "at most (the machine is shared with other jobs). Edits intact: the last saved "
             "version, byte for byte, on disk and as served through the hub.", "",
             "| fault | students affected | edits intact | notebooks reachable | what happened |",
             "|---|---:|---|---:|---|"]
    for f in faults["faults"]:
        if "error" in f:
            lines.append(f"| {f['fault']} | ? | ? | ? | run failed: {f['error']} |")
            continue
        if f["fault"].startswith("hub restart"):
            what = (f"{f['servers_survived']}/{f['students']} servers and "
                    f"{f['kernels_survived']}/{f['students']} kernels survived; hub back in "
                    f"{f['hub_back_s']} s; {f['moves_lost']} slider moves lost, longest gap "
                    f"{f['longest_gap_s']} s, then reconnected to the same kernel")
        elif f["fault"].startswith("one kernel"):
            states = f["websocket_states"]
            states = states[states.index("restarting"):] if "restarting" in states else states
            what = (f"the browser is sent {' → '.join(states) or 'nothing'} (JupyterLab: \"Kernel "
                    f"Restarting ... appears to have died\" dialog); kernel API `execution_state` "
                    f"{f['kernel_api_state']!r}, {f['kernel_api_state_after_a_request']!r} after a "
                    f"request; same kernel id "
                    f"{'yes' if f['same_kernel_id'] else 'no'}; its variables gone "
                    f"{'yes' if f['kernel_state_lost'] else 'no'} (Run All again); others unaffected")
        else:
            what = (f"culled {f['culled_after_s']} s after the culler started (timeout 15 s); "
                    f"server back in {f['server_back_s']} s on the next request, fresh kernel")
        lines.append(f"| {f['fault']} | {f['students_affected']} of {f['students']} | "
                     f"{'yes' if f['edits_intact'] else 'NO'} | {f['notebooks_reachable']} | {what} |")
    return lines


def write_faults_md(faults: dict, path: Path = HERE / "RESULTS.md") -> None:
    """Put (or replace) the faults table at the end of RESULTS.md's Classroom section, leaving
    every other section where it is."""
    text = path.read_text() if path.exists() else ""
    block = "\n".join(faults_section(faults)) + "\n"
    marker = "### Faults: `make classroom-faults`"
    if marker in text:
        start = text.index(marker)
        following = text.find("\n## ", start)
        end = len(text) if following < 0 else following + 1
        text = text[:start] + block + ("\n" if following >= 0 else "") + text[end:]
    elif "\n## Classroom\n" in text:
        following = text.find("\n## ", text.index("\n## Classroom\n") + 1)
        if following < 0:
            text = text.rstrip("\n") + "\n\n" + block
        else:
            text = text[:following + 1].rstrip("\n") + "\n\n" + block + "\n" + text[following + 1:]
    else:
        text = text.rstrip("\n") + "\n\n" + block
    path.write_text(text)

def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, nargs="+", default=[2, 4, 6, 8, 12, 16, 20, 24])
    parser.add_argument("--moves", type=int, default=20, help="slider moves per student")
    parser.add_argument("--think", type=float, default=0.25, help="seconds between moves")
    parser.add_argument("--p95-ms", type=float, default=500.0)
    parser.add_argument("--step-timeout", type=float, default=900.0)
    parser.add_argument("--timeout", type=float, default=3600.0, help="hard limit, whole run")
    parser.add_argument("--rerun", action="store_true", help="repeat the largest size held")
    parser.add_argument("--name", default="dragging", help="this run's name in the output: "
                        "runs with other names already there are kept (e.g. another --think)")
    parser.add_argument("--out", type=Path, default=HERE / "classroom.json")
    parser.add_argument("--faults", type=int, metavar="N", help="instead of stepping: the fault "
                        "run with N students (hub restarts, a killed kernel, the culler)")
    args = parser.parse_args(argv)
    reason = missing_prerequisites()
    if reason:
        raise SystemExit(f"classroom: cannot run here: {reason}")

    def out_of_time(*_):
        raise TimeoutError(f"classroom: hard timeout of {args.timeout:.0f} s reached")

    signal.signal(signal.SIGALRM, out_of_time)
    signal.setitimer(signal.ITIMER_REAL, args.timeout)
    hubs: list[Hub] = []

    def hard_stop() -> None:  # if the orderly stop above hangs, stop everything and exit
        print(f"classroom: still running {args.timeout + 120:.0f} s after start: killing", flush=True)
        for hub in hubs:
            hub.close()
        os._exit(3)

    watchdog = threading.Timer(args.timeout + 120, hard_stop)
    watchdog.daemon = True
    watchdog.start()
    if args.faults:
        args.hubs = hubs
        try:
            faults = run_faults(args)
        except TimeoutError as error:
            faults = {"stopped": str(error)}
            raise
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            watchdog.cancel()
        data = json.loads(args.out.read_text()) if args.out.exists() else {}
        data["faults"] = faults
        args.out.write_text(json.dumps(data, indent=2) + "\n")
        if (args.out.parent / "RESULTS.md").exists():
            write_faults_md(faults, args.out.parent / "RESULTS.md")
        return faults
    results = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": {"cores": os.cpu_count(), "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
                    "python": platform.python_version()},
        "notebook": NOTEBOOK, "slider": f"{VIEW}.controls[{CONTROL!r}]",
        "moves_per_student": args.moves, "think_s": args.think, "p95_limit_ms": args.p95_ms,
        "steps": [], "largest_n_held": None,
    }

    def save() -> None:
        data = json.loads(args.out.read_text()) if args.out.exists() else {}
        data.setdefault("runs", {})[args.name] = results
        args.out.write_text(json.dumps(data, indent=2) + "\n")

    try:
        with tempfile.TemporaryDirectory(prefix="genzoo-classroom-") as notebooks, \
                Hub(notebooks=notebooks_from_source(Path(notebooks))) as hub:
            hubs.append(hub)
            for n in args.steps:
                available_gb = psutil.virtual_memory().available / 2**30
                if available_gb < 0.85 * n + 1.5:  # ~0.8 GB per student at their peak (RSS)
                    results["stopped"] = f"N={n}: only {available_gb:.1f} GB free"
                    break
                step = run_step(hub, n, args)
                results["steps"].append(step)
                print(json.dumps({k: step[k] for k in ("n", "notebooks_completed", "errors",
                                  "slider_ms", "per_user_rss_mb", "load_average", "held")}),
                      flush=True)
                if step["held"]:
                    results["largest_n_held"] = n
                save()
                if not step["held"]:
                    results["stopped"] = f"N={n} not held"
                    break
            if args.rerun and results["largest_n_held"]:
                results["rerun"] = run_step(hub, results["largest_n_held"], args)
                print("rerun:", json.dumps(results["rerun"]["slider_ms"]), flush=True)
    except TimeoutError as error:
        results["stopped"] = str(error)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        watchdog.cancel()
        save()
    return results


if __name__ == "__main__":
    main()
