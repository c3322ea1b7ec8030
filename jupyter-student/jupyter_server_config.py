# The student's Jupyter server: `make lab` (the Makefile sets JUPYTER_CONFIG_DIR to this folder),
# each student's server on the course hub (deploy/jupyterhub/jupyterhub_config.py puts this
# folder on JUPYTER_CONFIG_PATH), the single-user image (its Dockerfile copies this folder to
# /etc/jupyter) and the browser tests (tests/browser/lab_server.py).
#
# nbgrader is the instructor's tool (the `instructor` extra, which `make venv` installs for
# `make student` and `make grade`); a student sees none of it: its server extensions (the
# formgrader, the assignment and course lists) are off in jupyter_server_config.json and its
# lab extension (the menu, the "Create Assignment" panel) in labconfig/page_config.json.
# JupyterLab's news prompt is off through settings/overrides.json, set here as the app's
# settings folder (a path relative to this file, which JSON cannot express).
#
# Kernel websockets without Nagle's algorithm. tornado leaves it on for websockets; a slider
# move makes the kernel send 4-5 small messages (busy, the widgets' updates, idle), and with
# Nagle each write after the first waits for the browser's ACK of the one before, which Linux
# delays by up to 40 ms. Measured in chromium (benchmarks/browser_slider_profile.py; RESULTS.md,
# "Browser: where a slider move's time goes"): from the end of the kernel's render to the image
# message in the page, 27-44 ms with Nagle, 11-18 ms without, at the same load. The class is
# defined here, not in genzoo_lite: importing the package imports torch, 220 MB in every
# student's server.
#
# Kernels without ipywidgets' "echo" updates (JUPYTER_WIDGETS_ECHO=0; this server's kernels
# inherit its environment): ipywidgets 8 sends every value the browser sets straight back to it,
# for other browsers on the same kernel, before the slider's observers run. That message, sent
# while the live view renders, doubled the render's time in the kernel (9.3 against 4.2 ms CPU
# per move of notebook 01's slider) and put 10 ms on each move's picture (RESULTS.md, "Browser:
# where a slider move's time goes"). A second tab on the same kernel no longer sees the first
# one's slider move; its own moves work as before. Set the variable to 1 to have echoes back.
import os
from pathlib import Path

from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection


class NoDelayKernelConnection(ZMQChannelsWebsocketConnection):
    """Jupyter server's kernel websocket connection, with TCP_NODELAY on its socket."""

    def connect(self):
        self.websocket_handler.set_nodelay(True)
        return super().connect()


os.environ.setdefault("JUPYTER_WIDGETS_ECHO", "0")

c = get_config()  # noqa: F821 (provided by Jupyter when it loads this file)
c.LabApp.app_settings_dir = str(Path(__file__).resolve().parent / "settings")
c.ServerApp.kernel_websocket_connection_class = NoDelayKernelConnection
