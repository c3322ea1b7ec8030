"""`make bench`: measure the figures the README quotes into benchmarks/results.json + RESULTS.md.

A script, not a test: timings vary with the machine and its load. Two kinds of steps:
* each notebook runs as Restart & Run All in a fresh kernel (outputs are not written back); it
  is measured from outside, its wall time and its kernel's peak resident memory, and nothing
  is read from its variables;
* each ``bench_*.py`` beside this file measures library objects (models from
  ``load_pretrained``, ``train_recipe``, the live views) and prints one JSON object, stored
  under the script's name.
Nothing here, and no notebook, reads an earlier results.json.

Usage: python benchmarks/run.py [--quick] [--only STEP ...] [--out DIR]
  STEP     "notebooks", a notebook (e.g. 01_gaussian_mle) or a script (e.g. bench_zoo)
  --quick  a smoke run: each script's short settings; writes nothing unless --out is given
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import jupytext
import torch
from nbclient import NotebookClient

from genzoo_lite import best_time

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py"))
SCRIPTS = sorted(HERE.glob("bench_*.py"))

# Arguments that keep `make bench` within 15 minutes on 2 cores (see each script's usage).
FULL_ARGS = {
    "bench_efros_leung": ["--quick"],  # reference timed on a 16x16 output (per pixel, as 64x64)
    "bench_pixelcnn": ["8", "16", "24"],  # 32x32 takes minutes: one pass per pixel
    "bench_vqvae": ["--repeats", "1"],  # pixel-space sampling alone takes about a minute
}
QUICK_ARGS = {
    "bench_efros_leung": ["--quick"], "bench_pixelcnn": ["8"],
    "bench_vqvae": ["--repeats", "1", "--n", "1"], "bench_sliders": ["--quick"],
    "bench_training": ["--quick"], "bench_zoo": ["--quick"], "bench_likelihood": ["--quick"],
    "bench_quality": ["--quick"],
}


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
                 if line.startswith("model name")]
        cpu = names[0] if names else cpu
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "torch": torch.__version__, "platform": platform.platform(),
            "date": time.strftime("%Y-%m-%d")}


def timed(fn: Callable[[], object]) -> tuple[object, float]:
    """(fn(), its wall seconds), timed once with the library's timing helper."""
    out = []
    seconds = best_time(lambda: out.append(fn()), repeat=1)
    return out[0], seconds


def peak_rss_mb(pid: int) -> float | None:
    """The peak resident memory of process ``pid`` so far (Linux ``VmHWM``), or None."""
    status = Path(f"/proc/{pid}/status")
    if not status.exists():
        return None
    for line in status.read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)  # kB -> MB
    return None


def run_notebook(source: Path, timeout: int = 900) -> dict:
    """Restart & Run All of one notebook: its seconds and its kernel's peak memory in MB."""
    notebook = jupytext.read(source)
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(source.parent)}})
    with client.setup_kernel():
        _, seconds = timed(lambda: [client.execute_cell(cell, index)
                                    for index, cell in enumerate(notebook.cells)])
        peak_mb = peak_rss_mb(client.km.provisioner.pid)
    return {"seconds": round(seconds, 1), "peak_mb": peak_mb}


def run_script(script: Path, args: list[str]) -> dict:
    """Run one bench_*.py; its last stdout line is its JSON result (progress goes to stderr)."""
    out = subprocess.run([sys.executable, str(script), *args], stdout=subprocess.PIPE,
                         text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _rows(key: str, value: object) -> list[str]:
    """Markdown table rows of one figure; a dict gives a row per entry ("key / entry")."""
    if isinstance(value, dict):
        return [row for name, item in value.items()
                for row in _rows(f"{key} / {name}" if key else str(name), item)]
    return [f"| {key} | {value if isinstance(value, str) else json.dumps(value)} |"]


def classroom_section(path: Path = HERE / "classroom.json") -> list[str]:
    """RESULTS.md's "Classroom" section from `make classroom`'s classroom.json, when present
    (measured by benchmarks/classroom.py, not by `make bench`: it needs root and 15 minutes)."""
    if not path.exists():
        return []
    runs = json.loads(path.read_text())["runs"]
    lines = ["", "## Classroom", "",
             "`make classroom`: N students at once on the course JupyterHub of `deploy/jupyterhub/`"
             " on this machine, each logging in with a token, starting a server, running a "
             "notebook top to bottom in its kernel, then all moving its live slider together. "
             "Held: every notebook completed and the p95 slider latency under the limit. "
             "Per-user MB: RSS of the student's server + kernel sampled every 2 s (largest "
             "sample) / sum of their peaks (VmHWM). The load average is the machine's (shared "
             "with other jobs) before each step and its maximum during it, the class included."]
    for name, c in runs.items():
        lines += ["", f"### {name}: {c['moves_per_student']} moves of `{c['slider']}` per "
                  f"student, {c['think_s']} s apart", "",
                  f"{c['date']}, {c['machine']['cores']} cores, {c['machine']['memory_gb']} GB; "
                  f"`{c['notebook']}`; p95 limit {c['p95_limit_ms']:.0f} ms. "
                  f"**Largest N held: {c['largest_n_held'] or 'none'}.**", "",
                  "| N | servers started | notebooks completed | errors | hub MB | proxy MB | "
                  "per-user MB | slider median / p95 ms | Run All median / max s | "
                  "load avg before / max | held |",
                  "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
        rerun = [{**c["rerun"], "n": f"{c['rerun']['n']} (re-run)"}] if c.get("rerun") else []
        for s in c["steps"] + rerun:
            lines.append(
                f"| {s['n']} | {s['servers_started']} | {s['notebooks_completed']} | "
                f"{s['errors']} | {s['hub_mb']:.0f} | {s['proxy_mb']:.0f} | "
                f"{s['per_user_rss_mb']['median']:.0f} / {s['per_user_peak_mb']['median']:.0f} | "
                f"{s['slider_ms']['median']} / {s['slider_ms']['p95']} | "
                f"{s['notebook_s']['median']} / {s['notebook_s']['max']} | "
                f"{s['load_average']['before']} / {s['load_average']['max']} | "
                f"{'yes' if s['held'] else 'no'} |")
        if c.get("stopped"):
            lines += ["", f"Stepping stopped: {c['stopped']}."]
    return lines


def markdown(results: dict) -> str:
    """RESULTS.md: the machine, a table of the notebooks, then one table per script."""
    m = results["machine"]
    how = "`run.py --quick` (smoke settings: not figures to quote)" if results.get("quick") \
        else "`make bench`"
    lines = ["# Benchmark results", "",
             f"Measured by {how} on {m['date']}: {m['cpu']}, {m['cores']} cores, "
             f"Python {m['python']}, torch {m['torch']}. Timings vary with the machine and "
             "its load; bits/dim reproduce exactly."]
    if results["notebooks"]:
        lines += ["", "| notebook | Restart & Run All (s) | peak memory (MB) |", "|---|---:|---:|"]
        lines += [f"| {name} | {n['seconds']} | {n['peak_mb']} |"
                  for name, n in results["notebooks"].items()]
    for key, value in results.items():
        if isinstance(value, dict) and key not in ("machine", "notebooks"):
            lines += ["", f"## {key}", "", "| figure | value |", "|---|---:|", *_rows("", value)]
    lines += classroom_section()
    return "\n".join(lines) + "\n"


def steps(only: list[str] | None) -> list[str]:
    """The steps to run, in order: the notebooks, then the scripts."""
    known = [source.stem for source in NOTEBOOKS] + [script.stem for script in SCRIPTS]
    if not only:
        return known
    wanted = set(only)
    if "notebooks" in wanted:
        wanted |= {source.stem for source in NOTEBOOKS}
    unknown = sorted(wanted - set(known) - {"notebooks"})
    if unknown:
        raise SystemExit(f"unknown steps {unknown}; valid: notebooks, {', '.join(known)}")
    return [step for step in known if step in wanted]


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short settings, a smoke run")
    parser.add_argument("--only", nargs="+", metavar="STEP", help="run only these steps")
    parser.add_argument("--out", type=Path, help="where results.json and RESULTS.md go "
                        "(default: benchmarks/, or nowhere with --quick)")
    args = parser.parse_args(argv)
    out_dir = args.out or (None if args.quick else HERE)
    os.environ.setdefault("GENZOO_FIGURES_DIR", tempfile.mkdtemp(prefix="genzoo-bench-"))
    os.environ.pop("GENZOO_RETRAIN", None)  # measure the shipped models, never retrain them
    results: dict = {"machine": machine(), "quick": args.quick, "notebooks": {}}
    step_seconds = {}
    for step in steps(args.only):
        source, script = ROOT / "notebooks" / f"{step}.py", HERE / f"{step}.py"
        if source.exists():
            numbers, step_seconds[step] = timed(lambda: run_notebook(source))
            results["notebooks"][step] = numbers
        else:
            extra = (QUICK_ARGS if args.quick else FULL_ARGS).get(step, [])
            numbers, step_seconds[step] = timed(lambda: run_script(script, extra))
            results[step] = numbers
        print(f"{step} ({step_seconds[step]:.0f} s): {json.dumps(numbers)}", flush=True)
    results["steps_seconds"] = {**{k: round(v, 1) for k, v in step_seconds.items()},
                                "total": round(sum(step_seconds.values()), 1)}
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "results.json").write_text(json.dumps(results, indent=2) + "\n")
        (out_dir / "RESULTS.md").write_text(markdown(results))
    return results


if __name__ == "__main__":
    main()
