"""The benchmark plumbing (benchmarks/): notebooks are measured from outside, benchmarks call
library objects, no data flows back from benchmark output into a notebook, and the README's
"Measured" block is what benchmarks/run.py writes from the committed results.json."""
import json
import math
import sys
from pathlib import Path

import ipywidgets as widgets
import pytest
import torch
from matplotlib.figure import Figure
from torch import nn

from benchmarks import bench_sliders, bench_training, bench_zoo
from benchmarks import run as bench_run
from genzoo_lite import RECIPES, fit, load_digits
from genzoo_lite.evaluation.metrics import bits_per_dim, model_bits_per_dim
from genzoo_lite.registry.recipes import Recipe
from genzoo_lite.views.live import LiveFigure

ROOT = Path(__file__).resolve().parents[1]


def test_notebook_is_measured_from_outside_without_added_cells(tmp_path):
    source = tmp_path / "99_probe.py"
    source.write_text("# %%\nblock = bytearray(300 * 2**20)  # 300 MB, touched\n"
                      "# %%\nblock[::4096] = b'x' * len(block[::4096])\n")
    before = source.read_text()
    numbers = bench_run.run_notebook(source, timeout=120)
    assert numbers["seconds"] >= 0
    if sys.platform == "linux":  # VmHWM: the kernel's peak resident memory
        assert numbers["peak_mb"] > 300
    assert source.read_text() == before


def test_results_markdown_has_a_table_per_script():
    results = {"machine": {"date": "2026-01-01", "cpu": "cpu", "cores": 2, "python": "3.11",
                           "torch": "2"},
               "notebooks": {"01_gaussian_mle": {"seconds": 9.3, "peak_mb": 669.0}},
               "bench_zoo": {"test_bits_per_dim": {"PixelCNN": 1.971}},
               "steps_seconds": {"total": 1.0}}
    text = bench_run.markdown(results)
    assert "| 01_gaussian_mle | 9.3 | 669.0 |" in text
    assert "## bench_zoo" in text and "| test_bits_per_dim / PixelCNN | 1.971 |" in text
    assert "| total | 1.0 |" in text


def _outside_generated_block(text: str) -> tuple[str, str]:
    head, rest = text.split(bench_run.RESULTS_START, 1)
    return head, rest.split(bench_run.RESULTS_END, 1)[1]


def test_regenerating_results_md_keeps_the_text_kept_by_hand(tmp_path):
    """`make bench` rewrites only RESULTS.md's generated block: the classroom faults table and
    the sections kept by hand come through byte for byte, and a second run changes nothing."""
    committed = (ROOT / "benchmarks" / "RESULTS.md").read_text()
    results = json.loads((ROOT / "benchmarks" / "results.json").read_text())
    path = tmp_path / "RESULTS.md"
    path.write_text(committed)
    bench_run.write_results_md(results, path)
    regenerated = path.read_text()
    assert _outside_generated_block(regenerated) == _outside_generated_block(committed)
    kept = _outside_generated_block(regenerated)[1]
    assert "### Faults: `make classroom-faults`" in kept and "## Notebooks 03, 05, 06" in kept
    bench_run.write_results_md(results, path)
    assert path.read_text() == regenerated


def test_results_md_block_follows_results_json(tmp_path):
    path = tmp_path / "RESULTS.md"
    path.write_text(f"intro by hand\n{bench_run.RESULTS_START}\nold tables\n"
                    f"{bench_run.RESULTS_END}\n\n## Notes by hand\n")
    results = {"machine": {"date": "2026-01-01", "cpu": "cpu", "cores": 2, "python": "3.11",
                           "torch": "2"},
               "notebooks": {}, "bench_zoo": {"test_bits_per_dim": {"PixelCNN": 1.5}}}
    bench_run.write_results_md(results, path)
    text = path.read_text()
    assert text.startswith("intro by hand\n") and text.endswith("\n\n## Notes by hand\n")
    assert "old tables" not in text and "| test_bits_per_dim / PixelCNN | 1.5 |" in text
    path.write_text("# Benchmark results\nno markers\n")
    with pytest.raises(SystemExit, match="markers"):
        bench_run.write_results_md(results, path)


def test_steps_selects_notebooks_and_scripts_and_rejects_unknown_names():
    everything = bench_run.steps(None)
    assert "01_gaussian_mle" in everything and "bench_training" in everything
    assert bench_run.steps(["notebooks"]) == [s for s in everything if s[:2].isdigit()]
    with pytest.raises(SystemExit, match="unknown steps"):
        bench_run.steps(["bench_nothing"])


def test_no_notebook_reads_benchmark_output():
    for source in (ROOT / "notebooks").glob("[0-9][0-9]_*.py"):
        assert "results.json" not in source.read_text(), source.name


def line_view(throttle_ms):
    fig = Figure(figsize=(3, 2))
    (line,) = fig.add_subplot().plot([0, 1], [0, 1])
    slider = widgets.FloatSlider(value=1.0, min=0.0, max=2.0)
    view = LiveFigure(fig, lambda a: line.set_ydata([0, a]), {"a": slider},
                      throttle_ms=throttle_ms)
    return view, slider


def test_slider_ms_times_every_redraw_and_refuses_a_throttled_view():
    view, slider = line_view(throttle_ms=0)
    assert 0 < bench_sliders.slider_ms(view, slider, [0.2, 0.4, 0.6], repeat=3) < 5000
    view, slider = line_view(throttle_ms=10_000)  # after the first render, moves only queue
    with pytest.raises(RuntimeError, match="throttled"):
        bench_sliders.slider_ms(view, slider, [0.2, 0.4], repeat=3)
    with pytest.raises(ValueError, match="different values"):
        bench_sliders.slider_ms(view, slider, [0.2, 0.2])


class _Exact(nn.Module):
    def bits_per_dim(self, x):
        return torch.tensor(1.5)


class _Bound(nn.Module):
    def iwae_bound(self, x, k, generator=None):
        return torch.full((len(x),), -2 * x[0].numel() * math.log(2))  # 2 bits per pixel


def test_model_bits_per_dim_exact_and_bound():
    x = load_digits("test")[0][:5]
    assert model_bits_per_dim(_Exact(), x) == (1.5, "exact")
    bits, kind = model_bits_per_dim(_Bound(), x, k=7)
    assert bits == pytest.approx(2.0) and kind == "bound, IWAE k=7"
    assert bits_per_dim(torch.full((3,), -64 * math.log(2)), 64) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="neither bits_per_dim nor iwae_bound"):
        model_bits_per_dim(nn.Linear(2, 2), x)
    with pytest.raises(ValueError, match="1-D tensor"):
        bits_per_dim(torch.zeros(2, 2), 64)


def test_bench_zoo_scores_with_the_library_function():
    assert bench_zoo.model_bits_per_dim is model_bits_per_dim


def test_the_readme_measured_block_is_generated_from_results_json():
    results = json.loads((ROOT / "benchmarks" / "results.json").read_text())
    elsewhere = json.loads((ROOT / "benchmarks" / "measured_elsewhere.json").read_text())
    readme = (ROOT / "README.md").read_text()
    block = readme.split(bench_run.BLOCK_START + "\n", 1)[1].split(bench_run.BLOCK_END, 1)[0]
    assert block == bench_run.readme_block(results, elsewhere), \
        "the README's Measured block differs: run `python benchmarks/run.py --readme`"


def test_write_readme_replaces_only_the_block(tmp_path):
    results = json.loads((ROOT / "benchmarks" / "results.json").read_text())
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{bench_run.BLOCK_START}\nold figures\n{bench_run.BLOCK_END}\nend\n")
    bench_run.write_readme(results, readme)
    text = readme.read_text()
    assert text.startswith(f"intro\n{bench_run.BLOCK_START}\n`make bench` (")
    assert text.endswith(f"{bench_run.BLOCK_END}\nend\n") and "old figures" not in text


def test_zoo_models_are_registry_names():
    assert set(bench_zoo.ZOO.values()) <= set(RECIPES)


def test_training_seconds_trains_the_recipe_with_its_settings(monkeypatch):
    seen = {}

    def train(model, x, num_epochs, lr, batch_size, generator, progress):
        seen.update(num_epochs=num_epochs, lr=lr, progress=progress)
        return fit(model, lambda xb: model(xb.flatten(1).float()).pow(2).mean(), x, num_epochs,
                   lr=lr, batch_size=batch_size, generator=generator, progress=progress)

    recipe = Recipe(lambda: nn.Linear(64, 1), lambda deps: {"x": load_digits("train")[0]},
                    train, dict(num_epochs=3, lr=1e-3, batch_size=500))
    monkeypatch.setitem(RECIPES, "stand_in", recipe)
    assert bench_training.training_seconds("stand_in") > 0
    assert seen == {"num_epochs": 3, "lr": 1e-3, "progress": False}
    bench_training.training_seconds("stand_in", quick=True)
    assert seen["num_epochs"] == 1


def test_a_partial_run_replaces_only_its_own_steps():
    previous = {"machine": {"cpu": "full"}, "quick": False, "notebooks": {"01": {"s": 1}},
                "bench_zoo": {"bits": 1.0}, "bench_quality": {"fid": 2.0},
                "steps_seconds": {"01": 10.0, "bench_zoo": 5.0, "bench_quality": 7.0,
                                  "total": 22.0}}
    partial = {"machine": {"cpu": "partial"}, "quick": False, "notebooks": {},
               "bench_zoo": {"bits": 0.9}, "steps_seconds": {"bench_zoo": 6.0, "total": 6.0}}
    merged = bench_run.merge_partial(previous, partial)
    assert merged["bench_zoo"] == {"bits": 0.9} and merged["bench_quality"] == {"fid": 2.0}
    assert merged["notebooks"] == {"01": {"s": 1}} and merged["machine"] == {"cpu": "full"}
    assert merged["steps_seconds"] == {"01": 10.0, "bench_zoo": 6.0, "bench_quality": 7.0,
                                       "total": 23.0}
    assert merged["partial_runs"] == {"bench_zoo": {"cpu": "partial"}}
