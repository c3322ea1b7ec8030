"""An alias for one release: this module moved to
:mod:`genzoo_lite.registry.variants`."""
import importlib
import sys

sys.modules[__name__] = importlib.import_module(
    "genzoo_lite.registry.variants")
