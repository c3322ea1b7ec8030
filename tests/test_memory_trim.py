"""In a notebook's kernel the heap is trimmed after every cell: the free pages that small
surviving blocks hold resident go back to the system, and the hook is registered once."""
import subprocess
import sys

import pytest

from genzoo_lite.core import memory

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc only")


# Runs in a fresh interpreter: the freed heap it leaves would serve later tests' large tensors.
FRAGMENT = r"""
import torch
from genzoo_lite.core import memory

def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

memory.trim_heap()
before = rss_mb()
blocks = [torch.ones(60_000) for _ in range(1500)]  # 240 KB each: heap, not mmap
survivors = blocks[::50]  # one in 50 stays, scattered through the heap
del blocks
pinned = rss_mb()
trimmed = memory.trim_heap()
print(pinned - before, rss_mb() - before, trimmed, float(sum(s[0] for s in survivors)))
"""


def test_trimming_returns_the_pages_that_survivors_pin():
    out = subprocess.run([sys.executable, "-c", FRAGMENT], capture_output=True, text=True,
                         check=True).stdout.split()
    pinned, after, trimmed, survivors = float(out[0]), float(out[1]), out[2], float(out[3])
    assert pinned > 200  # MB freed, yet resident
    assert trimmed == "True" and after < 40  # back, but the survivors' pages and some slack
    assert survivors == 30.0


def test_the_hook_runs_after_each_cell_and_is_registered_once(monkeypatch):
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        calls = []
        monkeypatch.setattr(memory, "trim_heap", lambda: calls.append(1) or True)
        assert memory.trim_after_each_cell() and memory.return_freed_memory()
        hooks = [f for f in shell.events.callbacks["post_run_cell"]
                 if f.__name__ == "_genzoo_trim_heap"]
        assert len(hooks) == 1
        shell.run_cell("x = 1")
        shell.run_cell("y = 2")
        assert len(calls) == 2
    finally:
        for fn in list(shell.events.callbacks["post_run_cell"]):
            if getattr(fn, "__name__", "") == "_genzoo_trim_heap":
                shell.events.unregister("post_run_cell", fn)
        InteractiveShell.clear_instance()


def test_without_ipython_there_is_nothing_to_hook():
    if "IPython" in sys.modules and sys.modules["IPython"].get_ipython() is not None:
        pytest.skip("running inside IPython")
    assert not memory.trim_after_each_cell()
