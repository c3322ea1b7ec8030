"""Fixtures for the real-browser tests: a JupyterLab server in a temp copy, and Debian's chromium.

The tests skip, saying why, when /usr/bin/chromium is missing, unless GENZOO_REQUIRE_BROWSER=1
(CI sets it), which turns a missing browser into a failure. Screenshots of failed tests go to
test-artifacts/browser/. Never run `playwright install`: the system chromium is used.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.browser.lab_server import Lab, free_port
from tools import build_site

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = Path(os.environ.get("GENZOO_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic", "--disable-dev-shm-usage"]
MEASURED: dict[str, float] = {}


def pytest_collection_modifyitems(config, items):
    required = os.environ.get("GENZOO_REQUIRE_BROWSER") == "1"
    problem = None
    if not CHROMIUM.exists():
        problem = f"no chromium at {CHROMIUM} (apt-get install chromium)"
    else:
        try:
            import playwright  # noqa: F401
        except ImportError:
            problem = "playwright for Python is not installed (pip install -e '.[dev]')"
    if problem is None:
        return
    if required:
        raise pytest.UsageError(f"GENZOO_REQUIRE_BROWSER=1 but {problem}")
    for item in items:
        if "browser" in item.path.parts:
            item.add_marker(pytest.mark.skip(reason=f"browser tests skipped: {problem}"))


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    root = tmp_path_factory.mktemp("lab") / "notebooks"
    shutil.copytree(ROOT / "notebooks", root, ignore=shutil.ignore_patterns("*.py"))
    server = Lab(root, free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def measured() -> dict:
    """Figures the tests measure; printed at the end and written to measured.json."""
    return MEASURED


@pytest.fixture(scope="module")  # closed after each module: playwright's sync API keeps an
def browser():  # asyncio loop marked running in this thread while it is open
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                     args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / f"{request.node.name}.png"
        page.screenshot(path=str(shot), full_page=False)
        print(f"screenshot of the failure: {shot}")
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report


def pytest_terminal_summary(terminalreporter):
    if MEASURED:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "measured.json").write_text(json.dumps(MEASURED, indent=2) + "\n")
        terminalreporter.write_sep("-", "browser measurements")
        for key, value in MEASURED.items():
            terminalreporter.write_line(f"{key}: {value}")


@pytest.fixture(scope="session")
def vendored() -> Path:
    """The vendored node_modules (reveal.js, MathJax) the decks and pages are built with; skips
    when `make slides` has not fetched them yet, or fails under GENZOO_REQUIRE_BROWSER=1."""
    modules = build_site.VENDOR / "node_modules"
    if not all((modules / name / "package.json").exists() for name in build_site.PACKAGES):
        message = "reveal.js/MathJax not vendored yet: run `make slides` once (needs npm)"
        if os.environ.get("GENZOO_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return modules
