"""``genzoo-grade``: grading a class's submissions.

* :mod:`.runner`: run each submission headless and write the CSV (the ``genzoo-grade`` command,
  through :mod:`.entry`, which says how to install the instructor's tools when they are missing);
* :mod:`.in_kernel`: the part that runs in a submission's kernel (it records calls, never judges);
* :mod:`.records`: the plain data that crosses from the kernel to the judge;
* :mod:`.judge`: verdicts computed in a fresh ``python -I`` where no student code has run.

The names of :mod:`.in_kernel` are re-exported here, so ``genzoo_lite.grading``, the module of
the previous release, keeps working for one release.
"""
from genzoo_lite.grading.in_kernel import probe_function, probe_namespace, record_calls

__all__ = ["probe_function", "probe_namespace", "record_calls"]
