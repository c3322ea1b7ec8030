"""Self-check functions for the notebooks' exercises, one module per notebook.

Each check takes only the student's function, builds its own inputs, prints one line (a tick
when the answer is right, otherwise the mistake and a hint) and returns a :class:`Result`. It
never raises on a wrong answer, so a half-done notebook still runs top to bottom. Its inputs are
fixed ones, chosen so that the usual mistakes and short cuts give a wrong value, and then the
exercise's random inputs drawn from the check's own seed (``_report.CHECK_SEED``, through
``_report.confirm``): no constant and no answer tuned to the fixed inputs passes.

``genzoo-grade`` runs each check twice: in the submission's kernel, to record what the student's
function returns (so a check calls the function only through the function itself), and in a clean
process, on a replay of those answers, for the verdict (:mod:`genzoo_lite.grading`,
:mod:`genzoo_lite.grading_judge`). ``Exercise.random`` is the same exercise on inputs drawn from a
seed the grader picks for each run.
"""
from __future__ import annotations

import importlib
from types import ModuleType

from genzoo_lite.exercises._report import Exercise, Result, report

__all__ = ["Exercise", "Result", "report", "MODULES", "exercises_for", "checks_module"]

# Notebook stem -> the module here that holds its checks and its ``EXERCISES`` registry.
MODULES = {
    "00_zoo_overview": "zoo",
    "01_gaussian_mle": "gaussian_mle",
    "02_ebm": "ebm",
    "03_vae": "vae",
    "04_efros_leung": "efros_leung",
    "05_pixelcnn": "pixelcnn",
    "06_vqvae2": "vqvae",
    "07_zoo_comparison": "zoo_comparison",
}


def checks_module(notebook: str, fresh: bool = False) -> ModuleType:
    """The checks of ``notebook``; ``fresh=True`` re-executes the module (the grader uses it, so
    that nothing a submission changed in the imported module counts)."""
    if notebook not in MODULES:
        raise KeyError(f"no exercises for notebook {notebook!r}; valid: {sorted(MODULES)}")
    name = f"{__name__}.{MODULES[notebook]}"
    module = importlib.import_module(name)
    if fresh:
        importlib.reload(importlib.import_module(f"{__name__}._report"))
        if notebook == "07_zoo_comparison":  # its checks live in zoo
            importlib.reload(importlib.import_module(f"{__name__}.zoo"))
        module = importlib.reload(module)
    return module


def exercises_for(notebook: str, fresh: bool = False) -> list[Exercise]:
    """The checked exercises of ``notebook`` in notebook order."""
    return list(checks_module(notebook, fresh).EXERCISES)
