import json

import pytest
import torch

from genzoo_lite.registry.checkpoints import (
    CheckpointError,
    load_history,
    load_weights,
    save_history,
    save_weights,
)


def small_model(seed=0):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))


def test_round_trip_is_exact(tmp_path):
    model = small_model(0)
    path = save_weights(model, "net", tmp_path)
    assert path.read_bytes()[:8] != b"\x80\x04\x95"  # not a pickle
    other = small_model(1)
    load_weights(other, "net", tmp_path)
    for (k, a), (_, b) in zip(model.state_dict().items(), other.state_dict().items()):
        assert torch.equal(a, b), k
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert set(manifest) == {"net.safetensors"} and len(manifest["net.safetensors"]) == 64


def test_tampered_file_is_rejected_by_name(tmp_path):
    path = save_weights(small_model(), "net", tmp_path)
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF  # flip bits of the last weight
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match=r"net\.safetensors is corrupted"):
        load_weights(small_model(), "net", tmp_path)


def test_file_missing_from_manifest_is_rejected(tmp_path):
    save_weights(small_model(), "net", tmp_path)
    (tmp_path / "manifest.json").write_text("{}")
    with pytest.raises(CheckpointError, match="not listed"):
        load_weights(small_model(), "net", tmp_path)


def test_mismatched_architecture_names_the_tensors(tmp_path):
    save_weights(small_model(), "net", tmp_path)
    wider = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.ReLU(), torch.nn.Linear(5, 2))
    with pytest.raises(CheckpointError, match=r"0\.weight: file \(4, 3\) vs model \(5, 3\)"):
        load_weights(wider, "net", tmp_path)


def test_history_round_trip_is_checked_against_the_manifest(tmp_path):
    history = {"loss": [3.0, 2.5], "val": [2.9]}
    path = save_history(history, "net", tmp_path)
    assert load_history("net", tmp_path) == history
    path.write_text(path.read_text().replace("2.5", "0.5"))
    with pytest.raises(CheckpointError, match=r"net\.history\.json is corrupted"):
        load_history("net", tmp_path)

def test_bad_names_are_rejected(tmp_path):
    with pytest.raises(ValueError, match="plain file stem"):
        save_weights(small_model(), "../evil", tmp_path)


def test_every_shipped_weights_file_matches_the_manifest():
    from genzoo_lite.registry.checkpoints import WEIGHTS_DIR, sha256_of

    manifest = json.loads((WEIGHTS_DIR / "manifest.json").read_text())
    files = {p.name for pattern in ("*.safetensors", "*.history.json")
             for p in WEIGHTS_DIR.glob(pattern)}
    assert files == set(manifest), f"unlisted: {files - set(manifest)}, " \
                                   f"missing: {set(manifest) - files}"
    for name, digest in manifest.items():
        assert sha256_of(WEIGHTS_DIR / name) == digest, f"{name} changed; re-save it"
        assert (WEIGHTS_DIR / name).stat().st_size < 3_000_000, f"{name} is too big to ship"
