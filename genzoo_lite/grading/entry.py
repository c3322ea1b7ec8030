"""The ``genzoo-grade`` command: :func:`genzoo_lite.grading.runner.main`, or, without the
instructor's tools installed, a message saying how to install them instead of a bare ImportError."""
from __future__ import annotations

import sys

#: What :mod:`genzoo_lite.grading.runner` imports from the ``instructor`` extra.
INSTRUCTOR_MODULES = ("nbformat", "nbclient", "jupyter_client", "ipykernel")
INSTALL = "pip install 'genzoo-lite[instructor]'"


def main(argv: list[str] | None = None) -> int:
    try:
        from genzoo_lite.grading.runner import main as grade_main
    except ImportError as err:
        if (err.name or "").split(".")[0] not in INSTRUCTOR_MODULES:
            raise
        print(f"genzoo-grade needs the instructor's tools ({err.name} is not installed): "
              f"{INSTALL}", file=sys.stderr)
        return 2
    return grade_main(argv)


if __name__ == "__main__":
    sys.exit(main())
