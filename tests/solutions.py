"""Import the instructor's solution modules (``instructor/solutions/NN_name.py``) in tests."""
from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

SOLUTIONS = Path(__file__).resolve().parent.parent / "instructor" / "solutions"


def load_solutions(stem: str) -> ModuleType:
    """The solution module of notebook ``stem`` (e.g. ``"02_ebm"``), imported from its file."""
    path = SOLUTIONS / f"{stem}.py"
    if not path.is_file():
        raise FileNotFoundError(f"no solutions for notebook {stem!r}: {path} does not exist")
    spec = importlib.util.spec_from_file_location(f"solutions_{stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
