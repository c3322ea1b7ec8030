"""Test-suite set-up shared by the unit tests (tests/) and nbval (notebooks/).

* The network is blocked for the whole run, in this process and in every notebook kernel.
* Notebooks write their figures to a temporary folder, never over the committed figures/.
* nbval compares printed outputs word for word but each number within a tolerance, because
  torch's last digits differ between CPUs (the plugin and its rule:
  ``genzoo_lite.testing.tolerant_outputs``).
"""
from __future__ import annotations

import importlib.util
import os
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
# nbval: numbers compared with a tolerance
pytest_plugins = ["genzoo_lite.testing.tolerant_outputs"]
NETGUARD = ROOT / "tools" / "netguard"


def pytest_configure(config) -> None:
    os.environ["GENZOO_NO_NETWORK"] = "1"
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(NETGUARD), os.environ.get("PYTHONPATH", "")) if p)
    os.environ.setdefault("GENZOO_FIGURES_DIR", tempfile.mkdtemp(prefix="genzoo-figures-"))
    os.environ.setdefault("MPLBACKEND", "agg")
    spec = importlib.util.spec_from_file_location(
        "netguard", ROOT / "genzoo_lite" / "testing" / "netguard.py")
    netguard = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(netguard)
    netguard.install()
