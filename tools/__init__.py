"""The course's tools (editions, notebook execution, weights, site): each runs as
``python tools/NAME.py``; tests import them as ``tools.NAME``."""
