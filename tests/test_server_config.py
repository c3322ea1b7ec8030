"""The students' Jupyter server configuration (jupyter-student/): kernel websockets with
TCP_NODELAY (Nagle's algorithm delayed every slider picture by up to a delayed ACK, 40 ms on
Linux; benchmarks/RESULTS.md, "Browser: where a slider move's time goes"), loaded by `make lab`,
the hub's servers, the image and the browser tests."""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "jupyter-student" / "jupyter_server_config.py"


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


def test_the_server_applies_it():
    pytest.importorskip("jupyter_server")
    from jupyter_server.serverapp import ServerApp
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader(CONFIG.name, path=str(CONFIG.parent)).load_config()
    app = ServerApp(config=config)
    assert app.kernel_websocket_connection_class.__name__ == "NoDelayKernelConnection"


def test_its_kernels_send_no_widget_echo_unless_asked():
    import os
    import subprocess
    import sys

    code = (f"from traitlets.config.loader import PyFileConfigLoader; import os; "
            f"PyFileConfigLoader({CONFIG.name!r}, path={str(CONFIG.parent)!r}).load_config(); "
            f"print(os.environ['JUPYTER_WIDGETS_ECHO'])")
    env = {k: v for k, v in os.environ.items() if k != "JUPYTER_WIDGETS_ECHO"}
    for given, expected in [(None, "0"), ("1", "1")]:
        run_env = env if given is None else {**env, "JUPYTER_WIDGETS_ECHO": given}
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True, env=run_env)
        assert out.stdout.strip() == expected


def test_the_students_server_imports_no_torch():
    # a config that imported genzoo_lite (which imports torch) cost every server 220 MB
    import subprocess
    import sys

    code = (f"from traitlets.config.loader import PyFileConfigLoader; import sys; "
            f"PyFileConfigLoader({CONFIG.name!r}, path={str(CONFIG.parent)!r}).load_config(); "
            f"print(sorted({{'torch', 'genzoo_lite', 'numpy'}} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_lab_the_hub_the_image_and_the_browser_tests_load_it():
    assert "JUPYTER_CONFIG_DIR=$(CURDIR)/jupyter-student" in (ROOT / "Makefile").read_text()
    hub = (ROOT / "deploy" / "jupyterhub" / "jupyterhub_config.py").read_text()
    assert '"JUPYTER_CONFIG_PATH": str(HERE.parents[1] / "jupyter-student")' in hub
    docker = (ROOT / "deploy" / "jupyterhub" / "Dockerfile").read_text()
    assert "COPY jupyter-student/jupyter_server_config.py" in docker
    lab = (ROOT / "tests" / "browser" / "lab_server.py").read_text()
    assert "JUPYTER_CONFIG_PATH=str(STUDENT_CONFIG)" in lab
