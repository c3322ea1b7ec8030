"""A student's `GENZOO_RETRAIN=1` run of a notebook retrains into the user cache and leaves the
installed package's weights and manifest byte-identical."""
import hashlib
from pathlib import Path

import jupytext
from nbclient import NotebookClient

from genzoo_lite.registry.checkpoints import WEIGHTS_DIR

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "05_pixelcnn.py"


def digest(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(directory.iterdir()) if p.is_file()}


def test_retraining_notebook_leaves_package_weights_untouched(tmp_path, monkeypatch):
    monkeypatch.setenv("GENZOO_RETRAIN", "1")
    monkeypatch.setenv("GENZOO_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("GENZOO_FIGURES_DIR", str(tmp_path / "figures"))
    before = digest(WEIGHTS_DIR)
    notebook = jupytext.read(NOTEBOOK)
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    assert digest(WEIGHTS_DIR) == before
    cached = {p.name for p in (tmp_path / "cache").iterdir()}
    assert {"pixelcnn_digits.safetensors", "gated_pixelcnn_digits.safetensors",
            "pixelcnn_digits.history.json", "manifest.json"} <= cached
