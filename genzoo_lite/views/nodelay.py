"""Kernel websockets without Nagle's algorithm, so a live view's new picture is not held back.

tornado leaves Nagle on for websockets. A slider move makes the kernel send 4-5 small messages
(busy, the widgets' updates, idle); with Nagle each write after the first waits for the
browser's ACK of the one before, which Linux delays by up to 40 ms. Measured in chromium
(benchmarks/browser_slider_profile.py; benchmarks/RESULTS.md, "Browser: where a slider move's
time goes"): from the end of the kernel's render to the image message in the page, 27-44 ms
with Nagle, 11-18 ms without, at the same load.

Loaded by name (the server imports it, a notebook never does) from the students' server
configuration, ``jupyter-student/jupyter_server_config.py``: ``make lab``, the course hub's
servers, the single-user image and the browser tests all read that file.
"""
from __future__ import annotations

from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection

__all__ = ["NoDelayKernelConnection"]


class NoDelayKernelConnection(ZMQChannelsWebsocketConnection):
    """Jupyter server's kernel websocket connection, with TCP_NODELAY on its socket."""

    def connect(self):
        self.websocket_handler.set_nodelay(True)
        return super().connect()
