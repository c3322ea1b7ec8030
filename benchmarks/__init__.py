"""The measurements behind benchmarks/RESULTS.md: ``python benchmarks/run.py`` runs them;
tests import them as ``benchmarks.NAME``."""
