"""The same lesson on every CPU: each notebook, re-run with torch forced onto the kernels of
another machine (``ATEN_CPU_CAPABILITY=default``: no vector units; ``avx2``: a laptop without
AVX-512), prints what its saved outputs say within the tolerance nbval uses, and every number
its prose states is still backed by those fresh outputs.

About five minutes per capability on two cores. ``make test`` (and so CI) runs ``default``, the
kernels furthest from any laptop's; ``make test-kernels`` runs ``default`` and ``avx2``
(``GENZOO_KERNELS="default avx2"``); ``-m "not kernels"`` leaves it out.
"""
import os
import platform

import nbformat
import pytest
from test_prose_numbers import NOTEBOOKS, unbacked

from tools.execute_under_kernels import differences, execute_copy

CAPABILITIES = os.environ.get("GENZOO_KERNELS", "default").split()

pytestmark = pytest.mark.kernels


@pytest.mark.skipif(platform.machine().lower() not in ("x86_64", "amd64"),
                    reason="ATEN_CPU_CAPABILITY's avx2/default kernels exist only on x86-64")
@pytest.mark.parametrize("capability", CAPABILITIES)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_says_the_same_under_other_cpu_kernels(path, capability, tmp_path):
    fresh = execute_copy(path, capability)
    problems = differences(nbformat.read(path, as_version=4), fresh)
    assert not problems, (f"{path.name} under ATEN_CPU_CAPABILITY={capability}: outputs beyond "
                          "the tolerance:\n  " + "\n  ".join(problems))
    nbformat.write(fresh, tmp_path / path.name)
    unsupported = unbacked(tmp_path / path.name)
    assert not unsupported, (f"{path.name} under ATEN_CPU_CAPABILITY={capability}: prose numbers "
                             "the fresh outputs do not back:\n  " + "\n  ".join(unsupported))
