"""The suite runs with the network blocked (conftest.py), in this process and in subprocesses."""
import os
import socket
import subprocess
import sys
import threading

import pytest


def test_outside_connections_are_refused_here():
    with pytest.raises(ConnectionRefusedError, match="runs offline"):
        socket.create_connection(("93.184.216.34", 80), timeout=1)
    with pytest.raises(ConnectionRefusedError, match="runs offline"):
        socket.getaddrinfo("pypi.org", 443)


def test_loopback_still_works():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    accepter = threading.Thread(target=lambda: server.accept()[0].close(), daemon=True)
    accepter.start()
    socket.create_connection(server.getsockname(), timeout=5).close()
    accepter.join(timeout=5)
    server.close()


def test_child_processes_such_as_kernels_are_blocked_too():
    code = ("import socket\ntry:\n    socket.create_connection(('1.1.1.1', 53), timeout=1)\n"
            "except ConnectionRefusedError as e:\n    print('blocked' if 'offline' in str(e) "
            "else e)\n")
    out = subprocess.run([sys.executable, "-c", code], env=os.environ.copy(),
                         capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "blocked", out.stderr
