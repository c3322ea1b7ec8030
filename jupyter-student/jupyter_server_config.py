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
# Kernel websockets send without Nagle's delay: a slider's new picture arrives about 20 ms
# sooner (genzoo_lite/views/nodelay.py).
from pathlib import Path

c = get_config()  # noqa: F821 (provided by Jupyter when it loads this file)
c.LabApp.app_settings_dir = str(Path(__file__).resolve().parent / "settings")
c.ServerApp.kernel_websocket_connection_class = (
    "genzoo_lite.views.nodelay.NoDelayKernelConnection")
