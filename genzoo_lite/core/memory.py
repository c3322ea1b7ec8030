"""Give freed tensor memory back to the system (glibc): keeps every notebook's kernel under
800 MB, for Binder and a course JupyterHub.

glibc's malloc serves a large allocation from the heap once a block of that size has been
freed (its mmap threshold grows to the largest freed block, up to 32 MB), and a heap shrinks
only from its top, so the chunked tensors of a notebook (grids, IWAE samples, image batches)
left 200-450 MB resident that nothing used: notebook 03 measured 613 MB after drawing one
density, 369 MB with this. Fixing the threshold at 1 MB keeps large tensors in their own
mappings, returned on free.

Smaller blocks (a chain's states, a small network's activations) still come from the heap,
where a few survivors keep the free pages around them resident: notebook 02's cell that runs
a 500-step chain per data set left 116 MB so. In an IPython kernel, ``malloc_trim`` after every cell
hands those pages back (a few milliseconds per cell; slider moves are not cells and pay
nothing). A no-op where malloc is not glibc's (macOS, Windows, musl).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import sys

_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number (malloc.h)
MMAP_THRESHOLD = 1 << 20  # bytes; a fixed value also stops glibc from raising it


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt, libc.malloc_trim  # noqa: B018 (AttributeError where malloc is not glibc's)
    except (OSError, AttributeError):
        return None
    return libc


def return_freed_memory() -> bool:
    """Set glibc's mmap threshold to MMAP_THRESHOLD and, in an IPython kernel, trim the heap
    after every cell (:func:`trim_after_each_cell`); True if the threshold was set (Linux with
    glibc)."""
    libc = _libc()
    if libc is None:
        return False
    trim_after_each_cell()
    return bool(libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD))


def trim_heap() -> bool:
    """Hand the heap's free pages back to the system now (glibc ``malloc_trim(0)``); True if
    any were."""
    libc = _libc()
    return bool(libc.malloc_trim(0)) if libc is not None else False


def trim_after_each_cell() -> bool:
    """In a running IPython shell, call :func:`trim_heap` after every cell (once, however often
    this is called); True if the shell has the hook."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None or _libc() is None:
        return False
    callbacks = shell.events.callbacks["post_run_cell"]
    if not any(getattr(fn, "__name__", "") == "_genzoo_trim_heap" for fn in callbacks):
        shell.events.register("post_run_cell", _genzoo_trim_heap)
    return True


def _genzoo_trim_heap(_result: object = None) -> None:
    trim_heap()
