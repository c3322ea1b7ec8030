"""A student's `GENZOO_RETRAIN=1` run of a notebook retrains into the user cache and leaves the
installed package's weights and manifest byte-identical.

A probe notebook stands in for a lecture notebook: what is tested is ``load_pretrained`` in a
kernel whose environment asks for retraining, which is how every notebook reaches it, and the
probe retrains the quickest recipe (seconds, where notebook 05 took minutes). That no notebook
has another way into the package's weights is checked on their sources; every notebook runs to
its end with `GENZOO_RETRAIN=1` in ``tools/execute_under_kernels.py --retrain``.
"""
import hashlib
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from genzoo_lite.registry.checkpoints import WEIGHTS_DIR

ROOT = Path(__file__).resolve().parents[1]
RECIPE = "independent_digits"  # fitted by counting: the quickest recipe to retrain

PROBE = [
    "from genzoo_lite import load_pretrained, pretrained_history, retrain_requested",
    "assert retrain_requested(), 'the kernel does not see GENZOO_RETRAIN=1'",
    f"model = load_pretrained({RECIPE!r})\nhistory = pretrained_history({RECIPE!r})",
]


def digest(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(directory.iterdir()) if p.is_file()}


def test_retraining_in_a_notebook_leaves_package_weights_untouched(tmp_path, monkeypatch):
    monkeypatch.setenv("GENZOO_RETRAIN", "1")
    monkeypatch.setenv("GENZOO_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("GENZOO_FIGURES_DIR", str(tmp_path / "figures"))
    before = digest(WEIGHTS_DIR)
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in PROBE])
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    assert digest(WEIGHTS_DIR) == before
    cached = {p.name for p in (tmp_path / "cache").iterdir()}
    assert {f"{RECIPE}.safetensors", f"{RECIPE}.history.json", "manifest.json"} <= cached


@pytest.mark.parametrize("source", sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py"))
                         + sorted((ROOT / "instructor" / "solutions").glob("*.py")),
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_notebook_writes_weights_itself(source):
    """Weights reach disk only through ``load_pretrained`` (into the cache) and
    tools/retrain_weights.py (into the package): a notebook names neither writer nor folder."""
    text = source.read_text()
    for name in ("save_weights", "save_history", "WEIGHTS_DIR", "retrain_weights"):
        assert name not in text, f"{source.name} uses {name}"
