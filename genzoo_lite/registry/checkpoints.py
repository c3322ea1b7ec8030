"""Weights as safetensors and histories as JSON, each checked against a SHA-256 manifest.

Plumbing. Never pickle: a ``.safetensors`` file holds only tensors, so loading cannot run code,
and every file is checked against ``manifest.json`` before a single tensor is used. A weights
file may also carry a *record* in its metadata (JSON text under the key ``"recipe"``): what it
was trained from, written by ``save_weights(..., record=)`` and read by :func:`saved_record`.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

try:
    import fcntl  # POSIX; on Windows saves are simply not locked
except ImportError:  # pragma: no cover - Windows
    fcntl = None

__all__ = ["WEIGHTS_DIR", "CheckpointError", "sha256_of", "save_weights", "load_weights",
           "save_history", "load_history", "saved_record"]

#: Weights shipped with the package (small files, listed in WEIGHTS_DIR / "manifest.json").
WEIGHTS_DIR = Path(__file__).resolve().parents[1] / "weights"
MANIFEST = "manifest.json"


class CheckpointError(RuntimeError):
    """A weights file is missing from the manifest, corrupted, or does not fit the model."""


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_manifest(directory: Path) -> dict[str, str]:
    path = directory / MANIFEST
    if not path.exists():
        return {}
    try:
        manifest = json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise CheckpointError(f"{path} is not valid JSON: {err}") from err
    if not isinstance(manifest, dict):
        raise CheckpointError(f"{path} must map file names to SHA-256 digests")
    return manifest


def _check_name(name: str) -> None:
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise ValueError(f"checkpoint name must be a plain file stem, got {name!r}")


def _record(directory: Path, path: Path) -> None:
    """Write path's SHA-256 into directory's manifest (locked: several trainings may save)."""
    with open(directory / ".manifest.lock", "w") as lock:
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)
        manifest = _read_manifest(directory)
        manifest[path.name] = sha256_of(path)
        text = json.dumps(dict(sorted(manifest.items())), indent=2) + "\n"
        (directory / MANIFEST).write_text(text)


def _verified(path: Path) -> Path:
    """path, after checking it exists and matches its directory's manifest."""
    if not path.exists():
        raise FileNotFoundError(f"no file {path}")
    expected = _read_manifest(path.parent).get(path.name)
    if expected is None:
        raise CheckpointError(f"{path} is not listed in {path.parent / MANIFEST}; refusing to load")
    actual = sha256_of(path)
    if actual != expected:
        raise CheckpointError(
            f"{path} is corrupted or was replaced: SHA-256 {actual[:12]}... but the manifest "
            f"records {expected[:12]}...; restore the shipped file (git checkout "
            "genzoo_lite/weights) or retrain with GENZOO_RETRAIN=1")
    return path


def save_weights(model: torch.nn.Module, name: str, directory: Path | str,
                 record: dict | None = None) -> Path:
    """Save ``model.state_dict()`` to ``<directory>/<name>.safetensors`` and record its SHA-256.

    ``record``: what the weights were trained from (JSON values, e.g.
    ``genzoo_lite.registry.pretrained.recipe_record(name)``), kept in the file's metadata. There is
    no default directory: the package's ``weights/`` is written only by
    ``tools/retrain_weights.py``; retraining in a notebook saves to the user cache.
    """
    _check_name(name)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.safetensors"
    # contiguous copies: safetensors refuses views and shared storage
    state = {k: v.detach().cpu().contiguous().clone() for k, v in model.state_dict().items()}
    metadata = {"name": name}
    if record is not None:
        metadata["recipe"] = json.dumps(record, sort_keys=True)
    save_file(state, str(path), metadata=metadata)
    _record(directory, path)
    return path


def save_history(history: dict[str, list[float]], name: str, directory: Path | str) -> Path:
    """Save a training history as ``<directory>/<name>.history.json`` (in the manifest too)."""
    _check_name(name)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.history.json"
    path.write_text(json.dumps(history, indent=1) + "\n")
    _record(directory, path)
    return path


def load_history(name: str, directory: Path | str = WEIGHTS_DIR) -> dict[str, list[float]]:
    """The training history saved beside the weights ``name``, checked against the manifest."""
    _check_name(name)
    return json.loads(_verified(Path(directory) / f"{name}.history.json").read_text())


def saved_record(name: str, directory: Path | str = WEIGHTS_DIR) -> dict | None:
    """The record saved in the metadata of ``<directory>/<name>.safetensors`` (what its weights
    were trained from), checked against the manifest; None if the file was saved without one."""
    _check_name(name)
    path = _verified(Path(directory) / f"{name}.safetensors")
    with safe_open(str(path), framework="pt") as f:
        text = (f.metadata() or {}).get("recipe")
    return None if text is None else json.loads(text)


def load_weights(model: torch.nn.Module, name: str, directory: Path | str = WEIGHTS_DIR) -> None:
    """Load ``<directory>/<name>.safetensors`` into ``model`` after verifying its checksum.

    Raises:
        FileNotFoundError: no such file.
        CheckpointError: the file is not in the manifest, its SHA-256 differs (corrupted or
            replaced), or its tensors do not match the model's names and shapes.
    """
    _check_name(name)
    path = _verified(Path(directory) / f"{name}.safetensors")
    state = load_file(str(path))
    own = model.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    wrong = sorted(k for k in set(own) & set(state) if own[k].shape != state[k].shape)
    if missing or unexpected or wrong:
        details = "; ".join(part for part in (
            f"missing {missing}" if missing else "",
            f"unexpected {unexpected}" if unexpected else "",
            "shape mismatch " + ", ".join(
                f"{k}: file {tuple(state[k].shape)} vs model {tuple(own[k].shape)}" for k in wrong)
            if wrong else "",
        ) if part)
        raise CheckpointError(f"{path} does not fit {type(model).__name__}: {details}")
    model.load_state_dict(state)
