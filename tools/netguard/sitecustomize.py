"""Loaded by every Python process the test suite starts (kernels included): blocks the network
when GENZOO_NO_NETWORK=1, loading genzoo_lite/testing/netguard.py by path (so without importing
torch)."""
import os

if os.environ.get("GENZOO_NO_NETWORK") == "1":
    import importlib.util

    _path = os.path.join(os.path.dirname(__file__), "..", "..", "genzoo_lite", "testing",
                         "netguard.py")
    _spec = importlib.util.spec_from_file_location("netguard", _path)
    netguard = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(netguard)
    netguard.install()
