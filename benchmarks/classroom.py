"""`make classroom`: how many students can the course JupyterHub hold on this machine?

A load test on loopback, bounded in time (``--timeout``; everything it started is stopped and
every student it created is removed at the end, also on an error or a timeout). It starts the hub
of deploy/jupyterhub/ (benchmarks/classroom_hub.py) once, then for each class size N in
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
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

import jupytext
import numpy as np
import psutil

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from classroom_hub import Hub, Student, missing_prerequisites  # noqa: E402

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
        cells = code_cells(student.read_notebook(NOTEBOOK))
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
    from classroom_hub import user_processes
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
                "error": None, "slider_ms": []} for s in students]
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
    results = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": {"cores": os.cpu_count(), "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
                    "python": platform.python_version()},
        "notebook": NOTEBOOK, "slider": f"{VIEW}.controls[{CONTROL!r}]",
        "moves_per_student": args.moves, "think_s": args.think, "p95_limit_ms": args.p95_ms,
        "steps": [], "largest_n_held": None,
    }

    def save() -> None:
        runs = json.loads(args.out.read_text()).get("runs", {}) if args.out.exists() else {}
        runs[args.name] = results
        args.out.write_text(json.dumps({"runs": runs}, indent=2) + "\n")

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
