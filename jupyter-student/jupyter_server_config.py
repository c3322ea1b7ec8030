# The student's JupyterLab of `make lab` (the Makefile sets JUPYTER_CONFIG_DIR to this folder).
# nbgrader is the instructor's tool (the `instructor` extra, which `make venv` installs for
# `make student` and `make grade`); a student sees none of it: its server extensions (the
# formgrader, the assignment and course lists) are off in jupyter_server_config.json and its
# lab extension (the menu, the "Create Assignment" panel) in labconfig/page_config.json.
# JupyterLab's news prompt is off through settings/overrides.json, set here as the app's
# settings folder (a path relative to this file, which JSON cannot express).
from pathlib import Path

c = get_config()  # noqa: F821 (provided by Jupyter when it loads this file)
c.LabApp.app_settings_dir = str(Path(__file__).resolve().parent / "settings")
