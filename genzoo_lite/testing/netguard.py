"""Make every non-loopback network connection fail, to prove the project runs offline.

Installed in the pytest process by conftest.py, and in every kernel nbval starts through
``tools/netguard/sitecustomize.py`` (conftest puts that folder on PYTHONPATH and sets
``GENZOO_NO_NETWORK=1``); ``genzoo-grade`` does the same for the kernels that run submissions.
Plumbing: this file imports nothing from genzoo_lite, so it loads by path without torch.
"""
from __future__ import annotations

import ipaddress
import socket

_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


class NetworkBlockedError(ConnectionRefusedError):
    """Raised instead of any connection that would leave this machine."""


def _is_loopback(host: object) -> bool:
    if not isinstance(host, str):
        return False
    if host.lower() in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def install() -> None:
    """Patch socket so that only AF_UNIX and loopback addresses can be reached (idempotent)."""
    if getattr(socket, "_genzoo_netguard", False):
        return
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def check(sock: socket.socket, address: object) -> None:
        if sock.family == getattr(socket, "AF_UNIX", None):
            return
        host = address[0] if isinstance(address, tuple) else address
        if not _is_loopback(host):
            raise NetworkBlockedError(
                f"genzoo-lite runs offline; blocked a connection to {address!r}")

    def connect(self, address):
        check(self, address)
        return real_connect(self, address)

    def connect_ex(self, address):
        check(self, address)
        return real_connect_ex(self, address)

    def getaddrinfo(host, *args, **kwargs):
        if host is not None and not _is_loopback(host if isinstance(host, str) else
                                                 host.decode()):
            raise NetworkBlockedError(f"genzoo-lite runs offline; blocked a lookup of {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex
    socket.getaddrinfo = getaddrinfo
    socket._genzoo_netguard = True


def sitecustomize_source() -> str:
    """A ``sitecustomize.py`` that loads this file by path and installs the guard when
    ``GENZOO_NO_NETWORK=1``: put its folder first on PYTHONPATH of a child process."""
    return (
        "import os\n"
        "if os.environ.get('GENZOO_NO_NETWORK') == '1':\n"
        "    import importlib.util\n"
        f"    spec = importlib.util.spec_from_file_location('netguard', {__file__!r})\n"
        "    module = importlib.util.module_from_spec(spec)\n"
        "    spec.loader.exec_module(module)\n"
        "    module.install()\n"
    )
