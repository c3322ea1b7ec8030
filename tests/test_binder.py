"""mybinder.org launches the repository as it is: build the environment the way repo2docker does
from binder/ into a fresh venv, then run notebooks/01_gaussian_mle in it.

repo2docker's pip path (what it does with a binder/ folder holding requirements.txt):
* a Python of the version binder/runtime.txt names (``python-3.11``);
* ``pip install -r binder/requirements.txt`` run from the repository root;
* ``binder/postBuild``, if there is one, run with bash from the repository root.
The build here starts from the files a commit of this tree would hold (``git ls-files``,
tracked and new but not ignored) copied to a temporary folder, so nothing ignored (.venv,
build output, caches) can make it pass. torch comes from the CPU index named in
requirements.txt on Binder, and from the local CPU wheel on this project's machines (pip's own
configuration, see /etc/pip.conf): the test checks that the venv holds a CPU-only torch.

Not proven here: the real mybinder.org build, its base image and its JupyterLab, and the
conda path (root environment.yml), which repo2docker ignores
as long as binder/ exists.

The build installs from the machine's package index (PyPI for what the local one lacks, as
Binder's build does); the notebook then runs with the network blocked. It takes 6 to 11 minutes
on this project's busy 2-core machine (pip unpacks torch, JupyterLab and ~130 packages into a
new venv), so it is opt-in, kept out of a plain
`make test`: run it with ``pytest -m binder`` (or `make test PYTEST_ARGS="-m binder"`) or with
GENZOO_BINDER_TEST=1. The cheap checks of the files run always.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"
NOTEBOOK = "notebooks/01_gaussian_mle.ipynb"



def build_requested(config) -> bool:
    """The slow build runs when asked for: GENZOO_BINDER_TEST=1 or a -m expression naming
    binder (and not "not binder")."""
    expr = config.getoption("markexpr") or ""
    return os.environ.get("GENZOO_BINDER_TEST") == "1" or (
        "binder" in expr and "not binder" not in expr)


def runtime_python() -> str:
    """The interpreter binder/runtime.txt asks for, e.g. python3.11 for ``python-3.11``."""
    runtime = (BINDER / "runtime.txt").read_text().strip()
    match = re.fullmatch(r"python-(3\.\d+)", runtime)
    assert match, f"binder/runtime.txt must read python-3.X, got {runtime!r}"
    version = match.group(1)
    if f"{sys.version_info.major}.{sys.version_info.minor}" == version:
        return sys.executable
    found = shutil.which(f"python{version}")
    if found is None:
        pytest.skip(f"binder/runtime.txt asks for Python {version}, not installed here")
    return found


def clone_files(dest: Path) -> None:
    """Copy the files a fresh clone would have (tracked, plus new ones not ignored) to dest."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, check=True).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():  # a tracked file deleted in the work tree is not in a clone
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)


def run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: int) -> str:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, (f"{' '.join(cmd)} failed ({done.returncode}):\n"
                                  f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.stdout


def test_binder_files_pin_the_cpu_torch():
    """Cheap checks of what the build below relies on (they also run when it is deselected)."""
    lines = [line.split("#")[0].strip() for line in
             (BINDER / "requirements.txt").read_text().splitlines()]
    lines = [line for line in lines if line]
    assert "torch==2.13.0+cpu" in lines  # exact CPU build: PyPI's default Linux torch is CUDA
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in lines
    assert any(line.startswith("-e .") for line in lines)  # binder/ disables repo2docker's own
    assert "-c ../constraints.txt" in lines  # the tested versions of everything else
    constraints = (ROOT / "constraints.txt").read_text().splitlines()
    assert "torch==2.13.0" in constraints  # the tested torch, which 2.13.0+cpu satisfies
    assert '"torch>=' in (ROOT / "pyproject.toml").read_text()  # the package states a range
    assert not (BINDER / "environment.yml").exists()  # repo2docker would take it over pip


@pytest.mark.binder
def test_repo2docker_pip_build_runs_notebook_01(tmp_path, request):
    if not build_requested(request.config):
        pytest.skip("the Binder build takes minutes: run it with -m binder or "
                    "GENZOO_BINDER_TEST=1")
    python = runtime_python()
    repo, venv = tmp_path / "repo", tmp_path / "venv"
    clone_files(repo)
    run([python, "-m", "venv", str(venv)], repo, dict(os.environ), 120)
    env = {**os.environ, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
           "VIRTUAL_ENV": str(venv),
           "PIP_RETRIES": "0",  # the CPU index is unreachable offline: fail over to pip's config
           "JUPYTER_DATA_DIR": str(tmp_path / "jupyter-data"),  # no user kernelspec interferes
           "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config")}
    env.pop("JUPYTER_PATH", None)
    env.pop("PYTHONHOME", None)
    # The build may reach the package registry, as Binder's does (packages the machine's local
    # index lacks, e.g. jupyterlab-rise, come from PyPI); the notebook below runs offline.
    build_env = {**env, "PYTHONPATH": os.pathsep.join(
        p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and "netguard" not in p)}
    build_env.pop("GENZOO_NO_NETWORK", None)
    run([str(venv / "bin" / "pip"), "install", "-q", "-r", "binder/requirements.txt"],
        repo, build_env, 1500)
    if (repo / "binder" / "postBuild").exists():
        run(["bash", "binder/postBuild"], repo, build_env, 600)

    probe = run([str(venv / "bin" / "python"), "-c",
                 "import json, sys, torch, genzoo_lite, jupyterlab, jupyterlab_rise; "
                 "print(json.dumps([torch.__version__, torch.version.cuda, sys.prefix, "
                 "genzoo_lite.__file__]))"], tmp_path, env, 300)
    version, cuda, prefix, package = json.loads(probe.strip().splitlines()[-1])
    assert version == "2.13.0+cpu" and cuda is None, (version, cuda)
    assert Path(prefix) == venv and Path(package).is_relative_to(repo), (prefix, package)

    # The kernel must be the venv's Python: install its kernelspec into the venv, as
    # repo2docker's environment has it, and keep user kernelspecs out (JUPYTER_DATA_DIR above).
    run([str(venv / "bin" / "python"), "-m", "ipykernel", "install", "--sys-prefix"],
        repo, env, 120)
    out = tmp_path / "executed.ipynb"
    run([str(venv / "bin" / "jupyter"), "nbconvert", "--to", "notebook", "--execute",
         "--ExecutePreprocessor.timeout=600", "--ExecutePreprocessor.kernel_name=python3",
         NOTEBOOK, "--output", str(out)], repo, env, 900)
    cells = json.loads(out.read_text())["cells"]
    outputs = [o for c in cells if c["cell_type"] == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o["output_type"] == "error"]
    printed = "".join("".join(o.get("text", "")) for o in outputs if o["output_type"] == "stream")
    assert "closed form: mu = " in printed  # the notebook really ran, not just opened
