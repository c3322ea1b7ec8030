"""Memory per student: each notebook's kernel cell by cell, and a student's Jupyter server.

A course hub pays for a student's server plus kernel (the target: at most 500 MB). Here, from
one run:

* each notebook runs in a fresh kernel (nbclient, one compute thread as on the hub, figures to
  a temporary folder); before every code cell the kernel's peak resident memory is reset
  (``5`` into ``/proc/PID/clear_refs``) and after it ``VmHWM`` and ``VmRSS`` are read. Per
  notebook: after the setup cell, the peak (and the cell that reached it: its index and first
  line), and at the end;
* a JupyterLab server with the students' configuration (``jupyter-student/``, as ``make lab``
  and the hub's servers) on loopback: its resident memory after ``/lab`` is served and one
  kernel is started through its REST API (the kernel is not counted in the server).

Linux only (``/proc``). A script, not a test: memory depends on the libraries' versions.

Usage: python benchmarks/bench_memory.py [--notebooks 01_gaussian_mle ...] [--no-server]
       [--update-results]
  --update-results  also write the result into benchmarks/results.json ("bench_memory") and
                    its section of benchmarks/RESULTS.md (nothing else)
Prints one JSON line: {"kernel_mb": {notebook: {"after_setup", "peak", "peak_cell",
"at_end"}}, "server_mb": float, "student_peak_mb": {notebook: server + kernel peak},
"memory_target_mb": 500}.
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import jupytext
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
TARGET_MB = 500
NOTEBOOKS = [p.stem for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py"))]


def _status_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return round(int(line.split()[1]) / 1024, 1)  # kB -> MB
    raise RuntimeError(f"/proc/{pid}/status has no {field}")


def notebook_memory(stem: str) -> dict:
    """One notebook, Restart & Run All: its kernel's MB after setup, at its peak, at the end."""
    notebook = jupytext.read(ROOT / "notebooks" / f"{stem}.py")
    with tempfile.TemporaryDirectory() as figures:
        os.environ["GENZOO_FIGURES_DIR"] = figures
        client = NotebookClient(notebook, timeout=900, kernel_name="python3",
                                resources={"metadata": {"path": str(ROOT / "notebooks")}})
        with client.setup_kernel(env={**os.environ, "OMP_NUM_THREADS": "1"}):
            pid = client.km.provisioner.pid
            cells, after_setup = [], None
            for index, cell in enumerate(notebook.cells):
                if cell.cell_type != "code":
                    continue
                Path(f"/proc/{pid}/clear_refs").write_text("5")  # reset VmHWM to VmRSS
                client.execute_cell(cell, index)
                cells.append((_status_mb(pid, "VmHWM"), index,
                              cell.source.strip().splitlines()[0][:60] if cell.source else ""))
                if after_setup is None and "set_seed(" in cell.source:
                    after_setup = _status_mb(pid, "VmRSS")
            at_end = _status_mb(pid, "VmRSS")
    peak, index, first_line = max(cells)
    return {"after_setup": after_setup, "peak": peak,
            "peak_cell": f"cell {index}: {first_line}", "at_end": at_end}


def server_memory(timeout: float = 90) -> float:
    """A student's JupyterLab server's MB with /lab served and one kernel running."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = secrets.token_hex(16)
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "JUPYTER_CONFIG_PATH": str(ROOT / "jupyter-student"),
               "JUPYTER_RUNTIME_DIR": home, "JUPYTER_DATA_DIR": str(Path(home) / "data"),
               "JUPYTERLAB_WORKSPACES_DIR": home}
        cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root",
               "--ip=127.0.0.1", f"--port={port}", "--port-retries=0",
               f"--ServerApp.root_dir={ROOT / 'notebooks'}", f"--IdentityProvider.token={token}",
               "--LabApp.news_url=None",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
        server = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    urllib.request.urlopen(f"{url}/lab?token={token}", timeout=5).read()
                    break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise RuntimeError(f"JupyterLab did not answer on {url}") from None
                    time.sleep(0.5)
            request = urllib.request.Request(f"{url}/api/kernels?token={token}", method="POST",
                                             data=b'{"name": "python3"}',
                                             headers={"Content-Type": "application/json"})
            urllib.request.urlopen(request, timeout=30).read()
            time.sleep(5)  # the kernel starts and connects
            return _status_mb(server.pid, "VmRSS")
        finally:
            server.terminate()
            server.wait(30)


def measure(notebooks: list[str], server: bool = True) -> dict:
    kernels = {}
    for stem in notebooks:
        print(f"{stem} ...", file=sys.stderr, flush=True)
        kernels[stem] = notebook_memory(stem)
    result = {"kernel_mb": kernels, "memory_target_mb": TARGET_MB}
    if server:
        result["server_mb"] = server_memory()
        result["student_peak_mb"] = {stem: round(k["peak"] + result["server_mb"], 1)
                                     for stem, k in kernels.items()}
    result["memory_load_average"] = list(os.getloadavg())
    return result


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", nargs="+", default=NOTEBOOKS, choices=NOTEBOOKS)
    parser.add_argument("--no-server", action="store_true")
    parser.add_argument("--quick", action="store_true", help="notebook 01 only, no server")
    parser.add_argument("--update-results", action="store_true")
    args = parser.parse_args(argv)
    notebooks = ["01_gaussian_mle"] if args.quick else args.notebooks
    result = measure(notebooks, server=not (args.no_server or args.quick))
    if args.update_results:
        from benchmarks import run as bench_run

        bench_run.update_one("bench_memory", result)
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
