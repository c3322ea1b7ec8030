"""`make bench`: measure the figures the README quotes into benchmarks/results.json + RESULTS.md.

A script, not a test: timings vary with the machine and its load. Two kinds of steps:
* each notebook runs as Restart & Run All in a fresh kernel (outputs are not written back); it
  is measured from outside, its wall time and its kernel's peak resident memory, and nothing
  is read from its variables;
* each ``bench_*.py`` beside this file measures library objects (models from
  ``load_pretrained``, ``train_recipe``, the live views) and prints one JSON object, stored
  under the script's name.
Nothing here, and no notebook, reads an earlier results.json.

The README's "Measured" block (between ``<!-- bench:start -->`` and ``<!-- bench:end -->``) is
written from results.json by :func:`readme_block` (plus ``measured_elsewhere.json``: the few
figures that `make bench` does not measure, each with its source), after every full run and by
``--readme`` alone; tests/test_benchmarks.py checks that the committed README matches.
RESULTS.md is rewritten the same way: only its block between ``RESULTS_START`` and
``RESULTS_END`` (:func:`write_results_md`); the faults table and the sections kept by hand
around it stay as they are.

Usage: python benchmarks/run.py [--quick] [--only STEP ...] [--out DIR] | --readme
  STEP      "notebooks", a notebook (e.g. 01_gaussian_mle) or a script (e.g. bench_zoo)
  --quick   a smoke run: each script's short settings; writes nothing unless --out is given
  --readme  measure nothing: rewrite the README's block from the committed results.json
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
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
    "bench_quality": ["--quick"], "bench_memory": ["--quick"],
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


#: RESULTS.md's generated block lies between these lines; the text around it (the classroom
#: faults table that benchmarks/classroom.py writes, the sections kept by hand) is never rewritten.
RESULTS_START = ("<!-- results:start: written by benchmarks/run.py from results.json and "
                 "classroom.json; edit those, not this block -->")
RESULTS_END = "<!-- results:end: the text below is kept as it is -->"


def write_results_md(results: dict, path: Path = HERE / "RESULTS.md") -> None:
    """Replace RESULTS.md's generated block with :func:`markdown`, keeping every line outside
    the markers; a new file is the block alone."""
    block = RESULTS_START + "\n" + markdown(results) + RESULTS_END + "\n"
    if not path.exists():
        path.write_text(block)
        return
    text = path.read_text()
    if RESULTS_START not in text or RESULTS_END not in text:
        raise SystemExit(f"{path} has no {RESULTS_START!r} ... {RESULTS_END!r} markers: put them "
                         "around its generated part (the tables) before regenerating it")
    head, rest = text.split(RESULTS_START, 1)
    _, tail = rest.split(RESULTS_END, 1)
    path.write_text(head + block + tail.removeprefix("\n"))


README = ROOT / "README.md"
BLOCK_START, BLOCK_END = "<!-- bench:start -->", "<!-- bench:end -->"


def _seconds(value: float) -> str:
    return f"{value:.1f} s"


def readme_block(results: dict, elsewhere: dict) -> str:
    """The README's "Measured" block (without its markers) from results.json and
    measured_elsewhere.json; every figure is read from them, none is written here."""
    m, quality = results["machine"], results["bench_quality"]
    likelihood = results["bench_likelihood"]["likelihood"]
    zoo, training = results["bench_zoo"], results["bench_training"]["training_seconds"]
    load = m.get("load_average") or results.get("bench_efros_leung", {}).get(
        "efros_leung_load_average")
    load_text = f", load average about {sum(load) / len(load):.1f}" if load else ""
    lines = [
        f"`make bench` ({results['steps_seconds']['total'] / 60:.1f} minutes in all) measured "
        f"these on {m['date']}, {' '.join(m['cpu'].replace('(R)', '').split()[:2])}, "
        f"{m['cores']} cores, torch",
        f"{m['torch']}{load_text}; every figure is in "
        "[`benchmarks/RESULTS.md`](benchmarks/RESULTS.md)",
        "and `benchmarks/results.json`. Timings vary with the machine; bits/dim reproduce "
        "exactly.", "",
        "| notebook | Restart & Run All | peak memory |", "|---|---:|---:|",
        *[f"| {name} | {n['seconds']:.1f} s | {n['peak_mb']:.0f} MB |"
          for name, n in results["notebooks"].items()], "",
        "Digits test split (447 images; trained on the first 1000, selected on the next 350), "
        "the shipped",
        "weights as `tools/retrain_weights.py` trained them; training time timed by `make bench` "
        "with",
        "`train_recipe(name)` on one thread (`bench_likelihood.py`: CPU seconds; "
        "`bench_training.py`: wall):", "",
        "| model | test bits/dim | exact or bound | digit FID | confidence | training time |",
        "|---|---:|---|---:|---:|---:|"]
    fid, conf = quality["digit_fid"], quality["classifier_confidence"]
    bits, kinds = zoo["test_bits_per_dim"], zoo["test_bits_per_dim_kind"]
    seconds = {**{k: _seconds(v) for k, v in training.items()},
               **{k: _seconds(v["train_cpu_seconds"]) for k, v in likelihood.items()}}
    vae_nats = likelihood["vae_digits_8d"]["test_nll_iwae1000_nats"]
    vae_k = kinds["VAE, 8-D"].split("k=")[-1]
    rows = [
        ("*200 test digits (the reference)*", "—", "—", "test digits (reference)", "—"),
        ("independent pixels", f"{bits['independent pixels']:.3f}", "exact",
         "independent pixels", seconds["independent_digits"]),
        ("PixelCNN", f"{bits['PixelCNN']:.3f}", "exact", "PixelCNN", seconds["pixelcnn_digits"]),
        (f"VAE, 8-D (IWAE k={vae_k}; {vae_nats} nats): samples", f"{bits['VAE, 8-D']:.3f}",
         "bound", "VAE, 8-D", seconds["vae_digits_8d"]),
        ("VAE, 8-D: mean images E[x\\|z]", f"({bits['VAE, 8-D']:.3f})", "bound",
         "VAE, 8-D (mean image)", "(same model)"),
        ("Gated PixelCNN", f"{bits['Gated PixelCNN']:.3f}", "exact", "Gated PixelCNN",
         seconds["gated_pixelcnn_digits"]),
        ("Gated PixelCNN pair (two, conditionals averaged)", f"{bits['Gated PixelCNN pair']:.3f}",
         "exact", "Gated PixelCNN pair", seconds["gated_pixelcnn_pair_digits"]),
        ("GAN (implicit)", "—", "no likelihood", "GAN (digits)", "—")]
    lines += [f"| {label} | {b} | {kind} | {fid[key]:.1f} | {conf[key]:.3f} | {t} |"
              for label, b, kind, key, t in rows]
    nb = elsewhere["notebook_figures"]
    reference, best = fid["test digits (reference)"], fid["Gated PixelCNN"]
    lines += [
        "", '**Sample quality beside likelihood** (notebook 07, "Sample quality beside '
        'likelihood";',
        "`benchmarks/bench_quality.py`): the *digit FID* is the Fréchet distance between "
        "Gaussians fitted",
        "to a small digit classifier's penultimate features (recipe `digit_classifier`, trained "
        "on the 1000",
        f"training digits, {100 * quality['classifier_test_accuracy']:.1f}% test accuracy) of "
        f"{quality['samples_per_model']} samples and of the training digits; *confidence* is",
        "the classifier's mean largest class probability. Lower FID is better. FID at "
        f"{quality['samples_per_model']} samples is",
        f"biased upwards and noisy, so the reference is {quality['samples_per_model']} real test "
        f"digits ({reference}; the next 200 score",
        f"{nb['next_200_test_digits_fid']}), not 0, and a model fitted to the training digits can "
        "score as low (the single Gated",
        f"PixelCNN, {best}). Notebook 07 reads both scores with their uncertainty (Theis et al. "
        "2016): a",
        "bound ranks below an exact bits/dim only when it lies below it by more than its own "
        "noise, and two",
        "FIDs differ only by more than twice their bootstrap spread. So read, the VAE's blurry "
        "mean images",
        "share its likelihood but score a clearly worse FID than its samples; the pair of Gated "
        "PixelCNNs",
        "is certainly the better density model, but its FID differs from one Gated PixelCNN's by "
        "less than",
        "the noise; the GAN has no likelihood and scores within the range of the models that "
        "have one; and",
        "the Gated PixelCNN mixed with 99% uniform noise loses at most log2(100)/64 = "
        f"{math.log2(100) / 64:.3f} bits/dim, still",
        "certainly beats the plain PixelCNN, while its FID becomes that of noise.", "",
        f"Notebook 07 adds the discretized Gaussian ({nb['discretized_gaussian_bits']:.3f} "
        "bits/dim, its σ floor chosen on `val`; "
        f"FID {nb['discretized_gaussian_fid']})",
        f"and the GMM ({nb['gmm_bits']:.3f}, a dequantization bound; FID {nb['gmm_fid']}) to this "
        f"table; notebook 05 adds the PixelRNN",
        f"({nb['pixelrnn_bits']:.3f}) and the",
        "conditional per-pixel models, and notebooks 03 and 05 print every variant measured on "
        "the way",
        "(`genzoo_lite/registry/variants.py`).", ""]
    sliders = results["bench_sliders"]["slider_ms"]
    short = {"01 Gaussian likelihood": "Gaussian", "02 Langevin chains": "Langevin",
             "03 VAE latent": "VAE latent", "04 Efros-Leung window": "Efros–Leung window",
             "05 PixelCNN temperature": "PixelCNN temperature"}
    browser = {k: v for k, v in elsewhere["browser_slider_ms"].items()
               if k not in ("source", "moves")}
    el, vq = results["bench_efros_leung"], results["bench_vqvae"]
    gated, pair = likelihood["gated_pixelcnn_digits"], likelihood["gated_pixelcnn_pair_digits"]
    vae = likelihood["vae_digits_8d"]
    pair_text = (f"the pair {pair['test_bits_per_dim']:.4f} in {pair['train_cpu_seconds']} CPU s"
                 + (" (met)" if pair["met"] else ""))

    def met(row: dict) -> str:
        return "" if row["met"] else "**missed**: "

    sampling = ", ".join(f"{side}x{side}: {sec:.2f} s"
                         for side, sec in results["bench_pixelcnn"]["pixelcnn_sample_seconds"]
                         .items())
    test = elsewhere["make_test"]
    lines += [
        "| figure | target | measured |", "|---|---|---|",
        "| slider: one redraw in the kernel (median / p95 / max of 60 moves per control of the "
        "notebooks' own views, `bench_sliders.py`) | ≤ 16 ms | "
        + ("" if all(v["max"] <= 16 for v in sliders.values()) else "**missed**: ")
        + ", ".join(f"{short.get(k, k)} {v} ms" if not isinstance(v, dict) else
                    f"{k} {v['median']} / {v['p95']} / {v['max']} ms" for k, v in sliders.items())
        + f" (load average {results['bench_sliders'].get('slider_load_average', ['?'])[0]})"
        + " |",
        "| slider to changed pixels in a real browser (median of "
        f"{elsewhere['browser_slider_ms']['moves']} key presses, chromium and JupyterLab on the "
        "same 2 cores, "
        "`tests/browser/test_live_views.py`) | ≤ 50 ms | "
        + ("" if all(v <= 50 for v in browser.values()) else "**missed**: ")
        + ", ".join(f"{v} ms ({k})" for k, v in browser.items()) + " |",
        *_memory_rows(results.get("bench_memory")),
        *_class_rows(),
        "| Efros–Leung, fast version, 64x64 brick, window 11 | ≤ 0.1 ms/pixel | "
        f"{el['efros_leung_ms_per_pixel']} ms/pixel, {el['efros_leung_speedup']}x faster than "
        "the readable loop, "
        f"{'same output' if el['efros_leung_fast_equals_reference'] else 'DIFFERENT output'} |",
        "| Gated PixelCNN, test bits/dim, ≤ 60 s of training on one thread | "
        f"≤ {gated['target']} | {met(gated if gated['met'] else pair)}one "
        f"{gated['test_bits_per_dim']:.3f} in {gated['train_cpu_seconds']} CPU s; {pair_text} |",
        f"| VAE, 8-D, test NLL (IWAE k=1000), ≤ 60 s of training | ≤ {vae['target']:.0f} nats | "
        f"{met(vae)}{vae['test_nll_iwae1000_nats']} nats in {vae['train_cpu_seconds']} CPU s |",
        f"| PixelCNN sampling, 16 samples | — | {sampling} |",
        f"| VQ-VAE-2 prior vs pixel-space PixelCNN, {vq['n']} samples of 32x32 | ≥ 10x | "
        f"{vq['latent_vs_pixel_speedup']}x |",
        f"| `make test`: {test['tests']} tests incl. every notebook and the browser tests "
        f"({test['skipped']} skipped) | — | {test['minutes']} min; the whole `.ci/run` on a "
        f"fresh clone {test['ci_minutes']} min |"]
    return "\n".join(lines) + "\n"


def _memory_rows(memory: dict | None) -> list[str]:
    """The README's row for memory per student (bench_memory.py), if it was measured."""
    if not memory or "student_peak_mb" not in memory:
        return []
    per_student, target = memory["student_peak_mb"], memory["memory_target_mb"]
    first = per_student.get("01_gaussian_mle")
    others = ", ".join(f"{name[:2]} {mb:.0f}" for name, mb in per_student.items()
                       if name != "01_gaussian_mle")
    return [f"| memory per student: a JupyterLab server ({memory['server_mb']:.0f} MB) plus the "
            "kernel at its peak, for notebook 01 (the class's); the others for comparison "
            "(`bench_memory.py`; on the course hub, see the class row) | "
            f"≤ {target} MB | "
            + ("" if first <= target else "**missed**: ")
            + f"{first:.0f} MB; {others} MB |"]


def _class_rows(path: Path = HERE / "classroom.json") -> list[str]:
    """The README's row for the class size (`make classroom`), from its newest dragging run."""
    if not path.exists():
        return []
    runs = [run for name, run in json.loads(path.read_text())["runs"].items()
            if name.startswith("dragging")]
    if not runs:
        return []
    run = max(runs, key=lambda r: r["date"])
    held = [s for s in run["steps"] + ([run["rerun"]] if run.get("rerun") else []) if s["held"]]
    per_user = max((s["per_user_peak_mb"]["max"] for s in run["steps"]), default=None)
    pss = max((s["per_user_pss_mb"]["max"] for s in run["steps"]), default=None)
    head = (f"| a class on 2 cores: students dragging notebook 01's slider at once, p95 under "
            f"{run['p95_limit_ms']:.0f} ms (`make classroom`, {run['date']}) | ≥ 12 | ")
    if not held:
        return [head + "**missed**: none held |"]
    largest = max(s["n"] for s in held)
    p95 = max(s["slider_ms"]["p95"] for s in held if s["n"] == largest)
    return [head + ("" if largest >= 12 else "**missed**: ")
            + f"{largest} held (p95 {p95} ms); per student (hub server and kernel) at most "
            f"{per_user:.0f} MB as resident peaks ({'**over**' if per_user > 500 else 'under'} "
            f"500), {pss:.0f} MB counting shared pages once (PSS) |"]


def write_readme(results: dict, readme: Path = README,
                 elsewhere: Path = HERE / "measured_elsewhere.json") -> None:
    """Replace the README's block between the bench markers with :func:`readme_block`."""
    text = readme.read_text()
    head, rest = text.split(BLOCK_START + "\n", 1)
    _, tail = rest.split(BLOCK_END, 1)
    block = readme_block(results, json.loads(elsewhere.read_text()))
    readme.write_text(head + BLOCK_START + "\n" + block + BLOCK_END + tail)


def update_one(name: str, result: dict, results_json: Path = HERE / "results.json",
               results_md: Path = HERE / "RESULTS.md") -> None:
    """Store one script's ``result`` as results.json's ``name`` and rewrite only RESULTS.md's
    "## name" table (the format of :func:`markdown`): for a script run on its own."""
    results = json.loads(results_json.read_text()) if results_json.exists() else {}
    results[name] = result
    results_json.write_text(json.dumps(results, indent=2) + "\n")
    section = [f"## {name}", "", "| figure | value |", "|---|---:|", *_rows("", result)]
    text = results_md.read_text() if results_md.exists() else "# Benchmark results\n"
    pattern = re.compile(rf"^## {re.escape(name)}\n.*?(?=^## |^<!-- |\Z)", re.S | re.M)
    block = "\n".join(section) + "\n\n"
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    elif RESULTS_END in text:  # a new section: last inside the generated block
        text = text.replace(RESULTS_END, block + RESULTS_END, 1)
    else:
        text += "\n" + block
    results_md.write_text(text)


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


def merge_partial(previous: dict, partial: dict) -> dict:
    """``previous`` (a full run's results) with the steps of an ``--only`` run replaced by
    ``partial``'s; every other step, and the machine of the full run, stay as they were. The
    partial run's machine (and load) is kept under ``partial_runs``, by step."""
    merged = {**previous, "notebooks": {**previous.get("notebooks", {}),
                                        **partial.get("notebooks", {})}}
    steps = [k for k in partial.get("steps_seconds", {}) if k != "total"]
    for key, value in partial.items():
        if key not in ("machine", "quick", "notebooks", "steps_seconds"):
            merged[key] = value
    seconds = {**previous.get("steps_seconds", {}),
               **{k: partial["steps_seconds"][k] for k in steps}}
    seconds.pop("total", None)
    merged["steps_seconds"] = {**seconds, "total": round(sum(seconds.values()), 1)}
    merged["partial_runs"] = {**previous.get("partial_runs", {}),
                              **{step: partial.get("machine", {}) for step in steps}}
    return merged


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short settings, a smoke run")
    parser.add_argument("--only", nargs="+", metavar="STEP", help="run only these steps")
    parser.add_argument("--out", type=Path, help="where results.json and RESULTS.md go "
                        "(default: benchmarks/, or nowhere with --quick)")
    parser.add_argument("--readme", action="store_true", help="measure nothing: rewrite the "
                        "README's Measured block from the committed results.json")
    args = parser.parse_args(argv)
    if args.readme:
        results = json.loads((HERE / "results.json").read_text())
        write_readme(results)
        write_results_md(results)
        return results
    out_dir = args.out or (None if args.quick else HERE)
    os.environ.setdefault("GENZOO_FIGURES_DIR", tempfile.mkdtemp(prefix="genzoo-bench-"))
    os.environ.pop("GENZOO_RETRAIN", None)  # measure the shipped models, never retrain them
    results: dict = {"machine": machine(), "quick": args.quick, "notebooks": {}}
    if hasattr(os, "getloadavg"):
        results["machine"]["load_average"] = [round(os.getloadavg()[0], 2)]
    step_seconds = {}
    for step in steps(args.only):
        source, script = ROOT / "notebooks" / f"{step}.py", HERE / f"{step}.py"
        if source.exists():
            numbers, step_seconds[step] = timed(lambda source=source: run_notebook(source))
            results["notebooks"][step] = numbers
        else:
            extra = (QUICK_ARGS if args.quick else FULL_ARGS).get(step, [])
            numbers, step_seconds[step] = timed(
                lambda script=script, extra=extra: run_script(script, extra))
            results[step] = numbers
        print(f"{step} ({step_seconds[step]:.0f} s): {json.dumps(numbers)}", flush=True)
    results["steps_seconds"] = {**{k: round(v, 1) for k, v in step_seconds.items()},
                                "total": round(sum(step_seconds.values()), 1)}
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        if args.only and (out_dir / "results.json").exists():
            results = merge_partial(json.loads((out_dir / "results.json").read_text()), results)
        (out_dir / "results.json").write_text(json.dumps(results, indent=2) + "\n")
        write_results_md(results, out_dir / "RESULTS.md")
        if out_dir == HERE and not args.only:  # a full `make bench`: the README quotes it
            if hasattr(os, "getloadavg"):
                results["machine"]["load_average"].append(round(os.getloadavg()[0], 2))
                (out_dir / "results.json").write_text(json.dumps(results, indent=2) + "\n")
            write_readme(results)
    return results


if __name__ == "__main__":
    main()
