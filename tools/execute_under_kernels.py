"""Execute every notebook under other CPU kernels of torch and compare with its saved outputs.

Torch picks its CPU kernels (vector width, BLAS paths) by machine; ``ATEN_CPU_CAPABILITY`` forces
the ones another student's laptop would use. For each capability this writes the freshly executed
notebooks to ``_build/kernels/<capability>/`` and compares every code cell's text outputs with
the saved ``notebooks/*.ipynb`` through the same numeric tolerance nbval uses
(``genzoo_lite.testing.tolerant_outputs``).

``--retrain`` instead runs each notebook's source with ``GENZOO_RETRAIN=1`` (every model trained
on this machine, into a temporary cache) and checks only that it runs to its end.

Usage: python tools/execute_under_kernels.py [--capability default avx2] [--retrain] [NOTEBOOK ...]
Exit status 1 if any cell differs beyond the tolerance (or, with --retrain, any notebook fails).
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbval.plugin import find_comment_markers, find_metadata_tags, get_sanitize_patterns

from genzoo_lite.testing.tolerant_outputs import compare_cell_outputs

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "_build" / "kernels"
PATTERNS = get_sanitize_patterns((ROOT / "tests" / "nbval_sanitize.cfg").read_text())


def sanitize(text: str) -> str:
    """The text as nbval compares it (the patterns of tests/nbval_sanitize.cfg)."""
    for regex, replace in PATTERNS:
        text = re.sub(regex, replace, text)
    return text


def compared(cell) -> bool:
    """False for a cell nbval does not compare (NBVAL_IGNORE_OUTPUT, NBVAL_SKIP or their tags)."""
    markers = dict(find_comment_markers(cell.source)) | dict(find_metadata_tags(cell.metadata))
    return cell.cell_type == "code" and markers.get("check", True) and not markers.get("skip")


def execute_copy(path: Path, capability: str, timeout: int = 600,
                 env: dict[str, str] | None = None) -> nbformat.NotebookNode:
    """``path`` executed in a fresh kernel whose torch uses ``capability``'s CPU kernels.

    ``env`` adds environment variables for the kernel (e.g. ``GENZOO_RETRAIN``)."""
    notebook = jupytext.read(path) if path.suffix == ".py" else nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    changes = {"ATEN_CPU_CAPABILITY": capability, **(env or {})}
    saved = {name: os.environ.get(name) for name in changes}
    os.environ.update(changes)  # the kernel inherits this process's environment
    try:
        client.execute()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return notebook


def differences(saved: nbformat.NotebookNode, fresh: nbformat.NotebookNode) -> list[str]:
    problems = []
    for index, (old, new) in enumerate(zip(saved.cells, fresh.cells)):
        if not compared(old):
            continue
        problem = compare_cell_outputs(old.get("outputs", []), new.get("outputs", []), sanitize)
        if problem:
            problems.append(f"cell {index}: {problem}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--capability", nargs="+", default=["default", "avx2"])
    parser.add_argument("--retrain", action="store_true",
                        help="train every model (GENZOO_RETRAIN=1); check only that each runs")
    parser.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args(argv)
    if args.retrain:
        return retrain(args.notebooks or sorted((ROOT / "notebooks").glob("[0-9]*.py")),
                       args.capability)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
    failed = 0
    for capability in args.capability:
        (OUT / capability).mkdir(parents=True, exist_ok=True)
        for path in paths:
            start = time.perf_counter()
            fresh = execute_copy(path, capability)
            nbformat.write(fresh, OUT / capability / path.name)
            problems = differences(nbformat.read(path, as_version=4), fresh)
            failed += bool(problems)
            print(f"{capability:8s} {path.stem}: {time.perf_counter() - start:.0f} s, "
                  f"{len(problems)} cells differ beyond the tolerance", flush=True)
            for problem in problems:
                print("    " + problem.replace("\n", "\n    "), flush=True)
    return 1 if failed else 0


def retrain(paths: list[Path], capabilities: list[str]) -> int:
    """Run each notebook source with every model retrained here; 1 if any stops early."""
    failed = 0
    for capability in capabilities:
        out = OUT / f"{capability}-retrain"
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="genzoo-retrain-") as cache:
            env = {"GENZOO_RETRAIN": "1", "GENZOO_CACHE_DIR": cache,
                   "GENZOO_FIGURES_DIR": str(out / "figures")}
            for path in paths:
                start = time.perf_counter()
                try:
                    fresh = execute_copy(path, capability, timeout=1800, env=env)
                    status = "ran to its end"
                except CellExecutionError as err:
                    failed, fresh, status = failed + 1, None, f"STOPPED: {str(err)[-600:]}"
                print(f"{capability:8s} {path.stem} retrained: {status} "
                      f"({time.perf_counter() - start:.0f} s)", flush=True)
                if fresh is not None:
                    nbformat.write(fresh, out / f"{path.stem}.ipynb")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
