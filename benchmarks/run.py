"""`make bench`: measure the figures the README quotes and write benchmarks/results.json + RESULTS.md.

A script, not a test: timings vary with the machine and its load. Each notebook runs as
Restart & Run All in a fresh kernel (outputs are not written back); probes then run extra code
in the same kernel (e.g. move a slider 40 times). Component benchmarks live in bench_*.py beside
this file; each prints one JSON object that is merged into the results.
"""
from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import jupytext
import nbformat
import torch
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).resolve().parent

# Code run in a notebook's kernel after Restart & Run All; it prints one JSON line.
PROBES = {
    "00_zoo_overview": """
import json
print(json.dumps({"test_bits_per_dim": {name: round(bpd, 3) for name, (bpd, kind, _) in
                                        results.items()},
                  "test_bits_per_dim_kind": {name: kind for name, (_, kind, _) in
                                             results.items()}}))
""",
    "01_gaussian_mle": """
import json, statistics
slider = likelihood_view.controls["mu"]
times = []
for i in range(40):
    slider.value = 0.25 + 0.004 * i
    times.append(likelihood_view.last_ms)
print(json.dumps({"gaussian_slider_ms": round(statistics.median(times), 1)}))
""",
    "02_ebm": """
import json, statistics
times = []
for i in range(40):
    langevin_view.controls["n_steps"].value = 10 * (i % 21)
    times.append(langevin_view.last_ms)
print(json.dumps({"ebm_langevin_slider_ms": round(statistics.median(times), 1)}))
""",
    "03_vae": """
import json, statistics
times = []
for value in [(-3 + 6 * i / 39) for i in range(40)]:
    timing_view.sliders[0].value = value  # the unthrottled view: every move renders
    times.append(timing_view.last_ms)
print(json.dumps({"vae_slider_ms": round(statistics.median(times), 1)}))
""",
    "04_efros_leung": """
import json, statistics
times = []
for i in range(20):
    window_view.controls["window"].value = windows[i % len(windows)]
    times.append(window_view.last_ms)
print(json.dumps({"efros_leung_slider_ms": round(statistics.median(times), 1)}))
""",
}
PEAK_RSS = ("import json, resource; print(json.dumps({'peak_rss_mb': "
            "round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))")


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [l.split(":", 1)[1].strip() for l in cpuinfo.read_text().splitlines()
                 if l.startswith("model name")]
        cpu = names[0] if names else cpu
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "torch": torch.__version__, "platform": platform.platform(),
            "date": time.strftime("%Y-%m-%d")}


def _json_lines(cell) -> dict:
    found = {}
    for output in cell.outputs:
        if output.output_type == "stream":
            for line in output.text.splitlines():
                if line.startswith("{"):
                    found.update(json.loads(line))
    return found


def run_notebook(source: Path) -> dict:
    """Restart & Run All of one notebook; returns seconds, peak RSS and its probe's numbers."""
    notebook = jupytext.read(source)
    client = NotebookClient(notebook, timeout=900, kernel_name="python3",
                            resources={"metadata": {"path": str(source.parent)}})
    extra = {}
    with client.setup_kernel():
        start = time.perf_counter()
        for index, cell in enumerate(notebook.cells):
            client.execute_cell(cell, index)
        extra["seconds"] = round(time.perf_counter() - start, 1)
        for code in (PROBES.get(source.stem), PEAK_RSS):
            if code:
                cell = nbformat.v4.new_code_cell(code)
                notebook.cells.append(cell)
                client.execute_cell(cell, len(notebook.cells) - 1)
                extra.update(_json_lines(cell))
    return extra


# Arguments that keep `make bench` within 15 minutes on 2 cores (see each script's usage).
COMPONENT_ARGS = {
    "bench_efros_leung": ["--quick"],  # reference timed on a 16x16 output (per pixel, as 64x64)
    "bench_pixelcnn": ["8", "16", "24"],  # 32x32 takes minutes: one pass per pixel
    "bench_vqvae": ["--repeats", "1"],  # pixel-space sampling alone takes about a minute
}


def run_component(script: Path) -> dict:
    out = subprocess.run([sys.executable, str(script), *COMPONENT_ARGS.get(script.stem, [])],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def write_markdown(results: dict) -> None:
    m = results["machine"]
    lines = ["# Benchmark results", "",
             f"Measured by `make bench` on {m['date']}: {m['cpu']}, {m['cores']} cores, "
             f"Python {m['python']}, torch {m['torch']}.", "",
             "| notebook | Restart & Run All (s) | peak memory (MB) |", "|---|---:|---:|"]
    for name, seconds in results["notebook_seconds"].items():
        lines.append(f"| {name} | {seconds} | {results['notebook_peak_mb'][name]} |")
    lines += ["", "| figure | value |", "|---|---:|"]
    for key, value in results.items():
        if key not in ("machine", "notebook_seconds", "notebook_peak_mb"):
            lines.append(f"| `{key}` | {json.dumps(value)} |")
    (OUT / "RESULTS.md").write_text("\n".join(lines) + "\n")


def main() -> None:
    os.environ.setdefault("GENZOO_FIGURES_DIR", tempfile.mkdtemp(prefix="genzoo-bench-"))
    results: dict = {"machine": machine(), "notebook_seconds": {}, "notebook_peak_mb": {}}
    for source in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py")):
        numbers = run_notebook(source)
        print(f"{source.stem}: {numbers}", flush=True)
        results["notebook_seconds"][source.stem] = numbers.pop("seconds")
        results["notebook_peak_mb"][source.stem] = numbers.pop("peak_rss_mb")
        results.update(numbers)
    results["peak_memory_mb"] = max(results["notebook_peak_mb"].values())
    for script in sorted(OUT.glob("bench_*.py")):
        numbers = run_component(script)
        print(f"{script.stem}: {numbers}", flush=True)
        results.update(numbers)
    (OUT / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    write_markdown(results)


if __name__ == "__main__":
    main()
