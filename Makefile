# genzoo-lite: `make lab` to work, `make test` to check. Both create .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LAB_ARGS ?=
PYTEST_ARGS ?=
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9]*.py))

.PHONY: help venv lab test unit nbval notebooks slides html bench clean

help:
	@echo "make lab        start JupyterLab on notebooks/ (LAB_ARGS=--no-browser for a server)"
	@echo "make test       unit tests + nbval on every notebook"
	@echo "make notebooks  re-execute every notebook in place (refreshes outputs and figures/)"
	@echo "make slides     offline reveal.js deck per notebook in _build/slides (npm fetches reveal.js once)"
	@echo "make html       offline HTML page per notebook in _build/html"
	@echo "make bench      measure run times and model figures into benchmarks/"

venv: $(STAMP)

# Re-install whenever the dependency list changes. torch==2.13.0 is pinned in pyproject.toml,
# so pip takes the local CPU wheel here and never resolves a CUDA build.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

lab: $(STAMP)
	cd notebooks && ../$(BIN)/jupyter lab $(LAB_ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

unit: $(STAMP)
	$(BIN)/python -m pytest tests $(PYTEST_ARGS)

nbval: $(STAMP)
	$(BIN)/python -m pytest notebooks $(PYTEST_ARGS)

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
