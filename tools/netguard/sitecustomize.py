"""Loaded by every Python process the test suite starts (kernels included); see netguard.py."""
import os

if os.environ.get("GENZOO_NO_NETWORK") == "1":
    import netguard

    netguard.install()
