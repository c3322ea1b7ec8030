"""Sync each percent-format notebook source (.py) into its .ipynb and execute it in place.

Usage: python tools/execute_notebooks.py notebooks/01_gaussian_mle.py [...]
Run by `make notebooks`. Prints the wall time of each notebook's Restart & Run All.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient


def execute(source: Path, timeout: int = 600) -> float:
    """Write ``source``'s cells into the paired .ipynb, run them all, return the seconds."""
    notebook = jupytext.read(source)
    notebook.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)",
                                       "language": "python", "name": "python3"}
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(source.parent)}})
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    nbformat.write(notebook, source.with_suffix(".ipynb"))
    return seconds


def main(paths: list[str]) -> int:
    if not paths:
        print("usage: execute_notebooks.py NOTEBOOK.py [...]", file=sys.stderr)
        return 2
    for path in map(Path, paths):
        if path.suffix != ".py" or not path.exists():
            print(f"not a notebook source: {path} (expected an existing .py)", file=sys.stderr)
            return 2
        print(f"{path.stem}: {execute(path):.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
