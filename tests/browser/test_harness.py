"""The browser harness fails with a message that says what went wrong, not a bare timeout."""
import socket

import pytest

from tests.browser.lab_server import Lab


def test_port_in_use_is_named(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        with pytest.raises(RuntimeError, match=f"port {port} is already in use"):
            Lab(tmp_path, port).start(timeout=20)


def test_a_server_that_exits_reports_why(tmp_path):
    from tests.browser.lab_server import free_port

    lab = Lab(tmp_path / "no-such-folder", free_port())  # jupyter refuses a missing root_dir
    with pytest.raises(RuntimeError, match="JupyterLab did not start: it exited with code"):
        lab.start(timeout=90)
