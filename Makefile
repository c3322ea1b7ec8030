# genzoo-lite: `make lab` to work, `make check` while changing things (under 3 minutes),
# `make test` for everything CI runs. Each creates .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LAB_ARGS ?=
PYTEST_ARGS ?=
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9]*.py))

.PHONY: help venv lab check lint test test-kernels unit nbval notebooks slides html bench clean hub-deps classroom \
        student solutions grade nbgrader-course

help:
	@echo "make lab        start JupyterLab on notebooks/ (LAB_ARGS=--no-browser for a server)"
	@echo "make check      the everyday loop: quick unit tests, ruff, notebook 01 (under 3 min)"
	@echo "make test       everything CI runs: every test and notebook, slowest tests printed"
	@echo "make lint       ruff (configured in pyproject.toml)"
	@echo "make test-kernels  every notebook under other CPU kernels (default, avx2): ~10 min"
	@echo "make notebooks  re-execute every notebook in place (refreshes outputs and figures/)"
	@echo "make slides     offline reveal.js deck per notebook in _build/slides (npm fetches reveal.js once)"
	@echo "make html       the offline course site (Sphinx, myst-nb) in _build/html"
	@echo "make bench      measure run times and model figures into benchmarks/"
	@echo "make classroom  load-test the course JupyterHub (deploy/jupyterhub/, root, ~30 min)"
	@echo "make student    student edition (stubs, self-checks, no solutions) in _build/student"
	@echo "make solutions  instructor key, executed, in _build/solutions"
	@echo "make grade SUBMISSIONS=dir  run each submitted notebook, scores to grades.csv"
	@echo "make nbgrader-course  nbgrader course folder (source/ with autograded tests) in _build/nbgrader"

venv: $(STAMP)

# Re-install whenever the dependency list or the tested versions change. pyproject.toml states
# ranges; constraints.txt pins the tested set (torch==2.13.0: on the course machines the local
# CPU wheel, so pip never resolves a CUDA build).
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,classroom]'  # classroom: tests/test_hub.py
	touch $(STAMP)

# A student's JupyterLab: jupyter-student/ hides the instructor's nbgrader and the news prompt.
lab: $(STAMP)
	cd notebooks && JUPYTER_CONFIG_DIR=$(CURDIR)/jupyter-student ../$(BIN)/jupyter lab $(LAB_ARGS)

# The everyday loop: lint, then every test not marked slow (tests/suite_markers.py) and notebook
# 01 through nbval. `pytest --lf` reruns what failed last.
check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -m "not slow" --durations=5 $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

# Everything, as CI runs it (.ci/run), with the 15 slowest tests printed at the end.
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest --durations=15 $(PYTEST_ARGS)

unit: $(STAMP)
	$(BIN)/python -m pytest tests $(PYTEST_ARGS)

nbval: $(STAMP)
	$(BIN)/python -m pytest notebooks $(PYTEST_ARGS)

# Every notebook re-run under torch's CPU kernels of other machines (no vector units; AVX2
# without AVX-512), compared with its saved outputs; `make test` runs only `default`.
test-kernels: $(STAMP)
	GENZOO_KERNELS="default avx2" $(BIN)/python -m pytest -m kernels tests/test_other_cpu_kernels.py $(PYTEST_ARGS)

# Sync each percent-format .py (the source) into its .ipynb and execute it in place.
notebooks: $(STAMP)
	$(BIN)/python tools/execute_notebooks.py $(NOTEBOOKS)

clean:
	rm -rf $(VENV) *.egg-info _build

# Offline reveal.js decks and HTML pages of the executed notebooks in _build/ (needs npm once).
slides: $(STAMP)
	$(BIN)/python tools/build_site.py slides

html: $(STAMP)
	$(BIN)/python tools/build_site.py html

# Measure run times, slider latency and model figures; writes benchmarks/results.json + RESULTS.md.
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# Two editions from one source: notebooks/*.py (stubs) + instructor/solutions/*.py (the answers
# between nbgrader's markers). See the README's section for instructors.
student: $(STAMP)
	$(BIN)/python tools/editions.py student

solutions: $(STAMP)
	$(BIN)/python tools/editions.py solutions

SUBMISSIONS ?=
GRADES ?= grades.csv
grade: $(STAMP)
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=folder [GRADES=grades.csv]"; exit 2; }
	$(BIN)/genzoo-grade "$(SUBMISSIONS)" --out "$(GRADES)"

# nbgrader's course layout for courses that grade with it: nbgrader_config.py and
# source/<NN_name>/<NN_name>.ipynb (the key plus autograded test cells); then, in _build/nbgrader,
# `nbgrader generate_assignment NN_name` and `nbgrader autograde NN_name`. See the README.
nbgrader-course: $(STAMP)
	$(BIN)/python tools/nbgrader_course.py --out _build/nbgrader

# The course JupyterHub's proxy (configurable-http-proxy, pinned in deploy/jupyterhub/package.json
# and its lock) into deploy/jupyterhub/node_modules; tests/test_hub.py does the same on first use.
CHP := deploy/jupyterhub/node_modules/.bin/configurable-http-proxy
hub-deps: $(STAMP) $(CHP)
$(CHP): deploy/jupyterhub/package.json
	cd deploy/jupyterhub && npm ci --no-audit --no-fund --loglevel=error
	touch $(CHP)

# Load test of the hub on loopback (needs root: one system user per student, removed at the end);
# a benchmark, not part of `make test`. Writes benchmarks/classroom.json; `make bench` shows it.
# Two paces: the whole class dragging its slider (a move every 0.25 s), and exploring (every 2 s).
CLASSROOM_ARGS ?=
classroom: hub-deps
	$(BIN)/python benchmarks/classroom.py --name dragging --think 0.25 --rerun $(CLASSROOM_ARGS)
	$(BIN)/python benchmarks/classroom.py --name exploring --think 2 --steps 4 8 12 16 20 24 \
	  --rerun $(CLASSROOM_ARGS)

# Faults on loopback (root; ~5 min, stopped by --timeout at the latest; removes what it made):
# FAULT_STUDENTS students run notebook 01 and save edits, then the hub restarts mid-drag (SIGTERM,
# then SIGKILL), a kernel is SIGKILLed (as by the OOM killer) and the idle culler stops a server.
# Writes "faults" into benchmarks/classroom.json and its table into benchmarks/RESULTS.md.
FAULT_STUDENTS ?= 4
.PHONY: classroom-faults
classroom-faults: hub-deps
	$(BIN)/python benchmarks/classroom.py --faults $(FAULT_STUDENTS) --timeout 900
