"""The students' Jupyter server configuration of deploy/jupyterhub/server-config: kernel
websockets with TCP_NODELAY (Nagle's algorithm delayed every slider picture by up to a delayed
ACK, 40 ms on Linux; benchmarks/RESULTS.md, "Browser: where a slider move's time goes")."""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "deploy" / "jupyterhub" / "server-config" / "jupyter_server_config.py"


def test_kernel_websockets_are_sent_without_nagle():
    pytest.importorskip("jupyter_server")
    from jupyter_server.services.kernels.connection.channels import (
        ZMQChannelsWebsocketConnection,
    )
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader(CONFIG.name, path=str(CONFIG.parent)).load_config()
    cls = config.ServerApp.kernel_websocket_connection_class
    assert issubclass(cls, ZMQChannelsWebsocketConnection)

    calls = []

    class Handler:
        def set_nodelay(self, value):
            calls.append(value)

    connection = cls.__new__(cls)
    connection._trait_values = {"websocket_handler": Handler()}  # no server: the flag only

    def base_connect(self):
        calls.append("connected")

    original = ZMQChannelsWebsocketConnection.connect
    ZMQChannelsWebsocketConnection.connect = base_connect
    try:
        cls.connect(connection)
    finally:
        ZMQChannelsWebsocketConnection.connect = original
    assert calls == [True, "connected"]  # the flag is set before the connection goes live


def test_the_hub_and_the_image_load_it():
    hub = (ROOT / "deploy" / "jupyterhub" / "jupyterhub_config.py").read_text()
    assert '"server-config"' in hub and "JUPYTER_CONFIG_PATH" in hub
    docker = (ROOT / "deploy" / "jupyterhub" / "Dockerfile").read_text()
    assert ("COPY deploy/jupyterhub/server-config/jupyter_server_config.py "
            "/etc/jupyter/jupyter_server_config.py") in docker
