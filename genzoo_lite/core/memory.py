"""Give freed tensor memory back to the system (glibc): keeps every notebook's kernel under
800 MB, for Binder and a course JupyterHub (issue 15).

glibc's malloc serves a large allocation from the heap once a block of that size has been
freed (its mmap threshold grows to the largest freed block, up to 32 MB), and a heap shrinks
only from its top, so the chunked tensors of a notebook (grids, IWAE samples, image batches)
left 200-450 MB resident that nothing used: notebook 03 measured 613 MB after drawing one
density, 369 MB with this. Fixing the threshold at 1 MB keeps large tensors in their own
mappings, returned on free. A no-op where malloc is not glibc's (macOS, Windows, musl).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import sys

_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number (malloc.h)
MMAP_THRESHOLD = 1 << 20  # bytes; a fixed value also stops glibc from raising it


def return_freed_memory() -> bool:
    """Set glibc's mmap threshold to MMAP_THRESHOLD; True if it was set (Linux with glibc)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD))
    except (OSError, AttributeError):  # not glibc: no mallopt
        return False
