"""Slider latency of the notebooks' own live views: kernel milliseconds per move, median and p95.

Each notebook that has a live view runs in a fresh kernel (nbclient, as `make bench` runs them)
up to the cell that builds its last view, so the views timed are the notebooks' objects: the
same classes, draw functions, data and arguments. Then, in that kernel, every control of every
view is dragged across its own positions (consecutive positions, there and back, as a hand
drags), and each move is timed from setting the control's value to the end of the redraw
(observer, draw, PNG, and the bytes handed to the widget's comm), in wall time and in the
kernel's CPU time (``cpu_*``: all its threads; unlike wall time it hardly grows when other jobs
share the machine). The views' throttle is set to 0 for the run, so every move renders; nothing
else about them changes. The target is 16 ms per move (one 60 Hz frame). Figures written by the
notebooks go to a temporary folder.

Usage: python benchmarks/bench_sliders.py [--quick] [--notebooks 01_gaussian_mle ...]
       [--moves N] [--update-results]
  --quick           12 moves per control, not 60
  --update-results  also write the result into benchmarks/results.json ("bench_sliders") and
                    the "## bench_sliders" section of benchmarks/RESULTS.md (nothing else)
Prints one JSON line: {"slider_ms": {"<notebook> <view>.<control>": {"median", "p95", "max",
"first_pass_max", "cpu_median", "cpu_p95", "cpu_max", "moves"}}, "slider_load_average":
[before, after], "slider_target_ms": 16}.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import ipywidgets as widgets

from genzoo_lite import best_time
from genzoo_lite.widgets import LiveView

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
TARGET_MS = 16.0

# notebook -> {view variable: [its controls, as expressions relative to the view]}: every
# live control of every notebook (`grep -n "LiveFigure\|LatentTraversal\|LangevinView"
# notebooks/*.py` lists the views).
VIEWS: dict[str, dict[str, list[str]]] = {
    "01_gaussian_mle": {"likelihood_view": ['controls["mu"]', 'controls["sigma"]']},
    "02_ebm": {"langevin_view": ['controls["step_size"]', 'controls["noise"]',
                                 'controls["n_steps"]']},
    "03_vae": {"sliders2": ["sliders[0]", "sliders[1]", "t"],
               "sliders8": ["sliders[0]", "sliders[7]", "t"]},
    "04_efros_leung": {"window_view": ['controls["window"]', 'controls["threshold"]']},
    "05_pixelcnn": {"temperature_view": ['controls["temperature"]']},
}

# Runs in the notebook's kernel after its cells: drags each control, prints one JSON line.
PROBE = r'''
import json as _json, statistics as _st, time as _time
import numpy as _np

def _genzoo_positions(control):
    """The control's positions in order (what a drag passes through), at most 41 of them."""
    if hasattr(control, "options"):  # SelectionSlider
        return [value for _, value in control._options_full]
    lo, hi, step = control.min, control.max, control.step
    n = int(round((hi - lo) / step)) + 1
    picks = _np.unique(_np.linspace(0, n - 1, min(n, 41)).round().astype(int))
    xs = [lo + step * int(k) for k in picks]
    if hasattr(control, "base"):  # FloatLogSlider: the positions are exponents
        return [control.base ** x for x in xs]
    return [type(control.value)(x) for x in xs]

def _genzoo_drag(view, control, moves):
    positions = _genzoo_positions(control)
    there_and_back = positions + positions[-2:0:-1]
    start = control.value
    interval = view._throttle.interval_s
    view._throttle.interval_s = 0.0
    _time.sleep(0.1)  # a throttle window still open from an earlier render closes
    control.value = there_and_back[-1]  # so the first timed move is a change
    cycle = iter(there_and_back * (moves // len(there_and_back) + 2))
    times, cpu, before = [], [], view.render_count
    for _ in range(moves):
        value = next(cycle)
        t0, c0 = _time.perf_counter(), _time.process_time()
        control.value = value
        times.append(1000 * (_time.perf_counter() - t0))
        cpu.append(1000 * (_time.process_time() - c0))
    renders = view.render_count - before
    control.value = start
    view._throttle.interval_s = interval
    if renders != moves:
        raise RuntimeError(f"{moves} moves gave {renders} renders")
    p95 = lambda xs: sorted(xs)[min(len(xs) - 1, int(0.95 * len(xs)))]
    return {"median": round(_st.median(times), 2), "p95": round(p95(times), 2),
            "max": round(max(times), 2),
            "first_pass_max": round(max(times[:len(there_and_back)]), 2),
            "cpu_median": round(_st.median(cpu), 2), "cpu_p95": round(p95(cpu), 2),
            "cpu_max": round(max(cpu), 2), "moves": moves}

print("GENZOO_SLIDERS " + _json.dumps({_n: _genzoo_drag(_v, _c, __MOVES__)
                                        for _n, _v, _c in __PROBES__}))
'''


def slider_ms(view: LiveView, control: widgets.ValueWidget, values: Sequence[object],
              repeat: int = 20) -> float:
    """Milliseconds of one move of ``view``'s ``control``: the best of ``repeat`` moves
    through ``values``, for views built in this process (tests, quick probes). Every move must
    render (build the view with ``throttle_ms=0``), or the figure would be the throttle's."""
    if len(values) < 2 or values[0] == values[-1]:
        raise ValueError(f"values must start and end on different values, got {values!r}")
    control.value = values[-1]  # so the first timed move is a change
    moves = itertools.cycle(values)
    before = view.render_count
    seconds = best_time(lambda: setattr(control, "value", next(moves)), repeat=repeat)
    if view.render_count - before != repeat:
        raise RuntimeError(f"{repeat} slider moves gave {view.render_count - before} renders: "
                           "the view is throttled; build it with throttle_ms=0")
    return 1000 * seconds


def probe_source(views: dict[str, list[str]], moves: int) -> str:
    """The kernel code that drags every control of ``views`` ``moves`` times."""
    probes = ", ".join(f"({f'{name}.{c}'!r}, {name}, {name}.{c})"
                       for name, controls in views.items() for c in controls)
    return PROBE.replace("__PROBES__", f"[{probes}]").replace("__MOVES__", str(moves))


def last_cell_needed(sources: list[str], names: Sequence[str]) -> int:
    """Index of the last code cell that assigns one of ``names`` (the views)."""
    pattern = re.compile(rf"^({'|'.join(map(re.escape, names))})\s*=", re.M)
    hits = [i for i, source in enumerate(sources) if pattern.search(source)]
    if len(hits) == 0:
        raise ValueError(f"no cell builds any of {list(names)}")
    return hits[-1]


def time_notebook(stem: str, views: dict[str, list[str]], moves: int,
                  timeout: int = 900) -> dict[str, dict]:
    """Run notebooks/<stem>.py up to its last view in a fresh kernel, then drag its controls."""
    import jupytext
    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell

    source = ROOT / "notebooks" / f"{stem}.py"
    notebook = jupytext.read(source)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    code = code[:last_cell_needed([cell.source for cell in code], list(views)) + 1]
    probe = new_code_cell(probe_source(views, moves))
    notebook.cells = [*code, probe]
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(source.parent)}})
    client.execute()
    for output in notebook.cells[-1].outputs:
        for line in output.get("text", "").splitlines():
            if line.startswith("GENZOO_SLIDERS "):
                return {f"{stem} {name}": stats
                        for name, stats in json.loads(line.split(" ", 1)[1]).items()}
    raise RuntimeError(f"{stem}: the probe printed nothing: {notebook.cells[-1].outputs}")


def update_results(result: dict, results_json: Path = HERE / "results.json",
                   results_md: Path = HERE / "RESULTS.md") -> None:
    """Store ``result`` as results.json's "bench_sliders" and rewrite only RESULTS.md's
    "## bench_sliders" table (:func:`run.update_one`)."""
    try:
        from benchmarks import run
    except ImportError:  # run as `python benchmarks/bench_sliders.py`: its folder comes first
        import run
    run.update_one("bench_sliders", result, results_json, results_md)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="12 moves per control, not 60")
    parser.add_argument("--moves", type=int, help="moves per control (overrides --quick)")
    parser.add_argument("--notebooks", nargs="+", choices=list(VIEWS), default=list(VIEWS))
    parser.add_argument("--update-results", action="store_true",
                        help="write into benchmarks/results.json and RESULTS.md's section")
    args = parser.parse_args(argv)
    moves = args.moves or (12 if args.quick else 60)
    os.environ.setdefault("GENZOO_FIGURES_DIR", tempfile.mkdtemp(prefix="genzoo-sliders-"))
    os.environ.pop("GENZOO_RETRAIN", None)  # the shipped models, never retrained
    load_before = [round(x, 2) for x in os.getloadavg()]
    timings: dict[str, dict] = {}
    for stem in args.notebooks:
        timings.update(time_notebook(stem, VIEWS[stem], moves))
        print(f"{stem}: {json.dumps({k: v for k, v in timings.items() if k.startswith(stem)})}",
              file=sys.stderr, flush=True)
    result = {"slider_ms": timings, "slider_target_ms": TARGET_MS,
              "slider_views_over_target": sorted(k for k, v in timings.items()
                                                 if v["median"] > TARGET_MS),
              "slider_load_average": [load_before, [round(x, 2) for x in os.getloadavg()]]}
    if args.update_results:
        update_results(result)
    return result


if __name__ == "__main__":
    print(json.dumps(main()))
