"""In a real browser: notebooks run in JupyterLab, their sliders redraw, RISE shows slides.

Each test opens a notebook of a temporary copy, runs all cells, moves a slider with the keyboard
and waits for the widget's image to change; the time from key press to new image is reported
(test-artifacts/browser/measured.json), not asserted.
"""
from __future__ import annotations

import statistics
import time

import pytest

# notebook -> the slider to move (its description, as shown on the page)
SLIDERS = {"03_vae": "z[0]", "01_gaussian_mle": "mu"}

KERNEL_STATE = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  if (!panel || !panel.sessionContext || !panel.sessionContext.session) return 'starting';
  const kernel = panel.sessionContext.session.kernel;
  if (!kernel) return 'starting';
  if (kernel.status === 'dead' || kernel.status === 'autorestarting') return 'dead';
  const cells = panel.content.widgets.filter(c => c.model.type === 'code');
  // a cell whose input is hidden (jupyter.source_hidden) shows no prompt: its count says enough
  const done = cells.every(c => {
    const prompt = c.node.querySelector('.jp-InputArea-prompt');
    return c.model.executionCount !== null && !(prompt && prompt.textContent.includes('*'));
  });
  return kernel.status === 'idle' && done ? 'done' : 'running';
}"""


def open_and_run_all(page, lab, notebook: str, timeout_s: float = 150) -> None:
    # a workspace of its own, reset: tabs restored from an earlier test must not become current
    page.goto(lab.page_url(f"lab/workspaces/{notebook}/tree/{notebook}.ipynb") + "&reset")
    page.wait_for_function("(path) => { const w = window.jupyterapp && "
                           "window.jupyterapp.shell.currentWidget; return w && w.sessionContext"
                           " && w.context && w.context.path === path; }",
                           arg=f"{notebook}.ipynb", timeout=90_000)
    page.wait_for_function("""() => {
        const s = window.jupyterapp.shell.currentWidget.sessionContext;
        return s.session && s.session.kernel && s.session.kernel.status === 'idle'; }""",
                           timeout=90_000)
    # clear the saved outputs first: their execution counts would look like a finished run
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
    page.wait_for_function("() => window.jupyterapp.shell.currentWidget.content.widgets.every("
                           "c => c.model.type !== 'code' || c.model.executionCount === null)")
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    deadline = time.monotonic() + timeout_s
    state = "running"
    while time.monotonic() < deadline:
        state = page.evaluate(KERNEL_STATE)
        if state in ("done", "dead"):
            break
        page.wait_for_timeout(500)
    if state == "dead":
        pytest.fail(f"the kernel of {notebook} died while running all cells "
                    f"(out of memory? see the server log {lab.log_path})")
    if state != "done":
        pytest.fail(f"{notebook}: cells still running after {timeout_s:.0f} s")
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
                          ).filter(has_text="Traceback")
    if errors.count():
        pytest.fail(f"{notebook} raised: {errors.first.inner_text()[:500]}")


def find_live_view(page, notebook: str, description: str):
    """The first output holding a slider named ``description`` and a live image; fail clearly
    if the widgets did not render."""
    outputs = page.locator(".jp-OutputArea-output").filter(
        has=page.locator(".widget-slider", has_text=description)).filter(
        has=page.locator("img.genzoo-live-image"))
    try:  # widget views render asynchronously after the kernel has gone idle
        outputs.first.wait_for(state="attached", timeout=30_000)
    except Exception:  # noqa: BLE001 - playwright's TimeoutError; diagnosed below
        pass
    if outputs.count() == 0:
        if page.locator(".jp-OutputArea-output .jupyter-widgets").count() == 0:
            pytest.fail(f"{notebook}: the widget front end is missing: outputs show the static "
                        "fallback instead of live sliders (is ipywidgets' lab extension installed "
                        "in the environment that runs JupyterLab?)")
        pytest.fail(f"{notebook}: no live slider {description!r} next to an image")
    view = outputs.first
    view.scroll_into_view_if_needed()
    slider = view.locator(".widget-slider", has_text=description).first
    return view, slider


def image_src(view) -> str:
    return view.locator("img.genzoo-live-image").first.get_attribute("src") or ""


@pytest.mark.parametrize("notebook", list(SLIDERS))
def test_slider_redraws_image(page, lab, notebook, measured):
    if not (lab.root / f"{notebook}.ipynb").exists():
        pytest.skip(f"{notebook} is not in this checkout")
    open_and_run_all(page, lab, notebook)
    view, slider = find_live_view(page, notebook, SLIDERS[notebook])
    handle = slider.locator(".noUi-handle").first
    handle.focus()
    latencies = []
    for _ in range(5):
        before = image_src(view)
        start = time.perf_counter()
        page.keyboard.press("ArrowRight")
        page.wait_for_function(
            "([el, old]) => el.src && el.src !== old",
            arg=[view.locator("img.genzoo-live-image").first.element_handle(), before],
            timeout=10_000)
        latencies.append(1000 * (time.perf_counter() - start))
        page.wait_for_timeout(100)
    assert image_src(view) != ""
    measured[f"{notebook}_slider_to_image_ms_median"] = round(statistics.median(latencies), 1)
    measured[f"{notebook}_slider_to_image_ms_all"] = [round(v, 1) for v in latencies]


def test_rise_shows_the_next_slide(page, lab):
    page.goto(lab.page_url("rise/01_gaussian_mle.ipynb"))
    present = ".reveal .slides > section.present"
    page.wait_for_selector(present, timeout=90_000)
    page.wait_for_selector(".reveal.ready", timeout=60_000)
    first = page.locator(present).first.inner_text()[:200]
    indices = "() => [...document.querySelectorAll('.reveal .slides > section')].findIndex(" \
              "s => s.classList.contains('present'))"
    before = page.evaluate(indices)
    page.locator(".reveal .controls .navigate-right").click()  # the presenter's "next" arrow
    page.wait_for_function(f"(old) => ({indices})() !== old", arg=before, timeout=10_000)
    second = page.locator(present).first.inner_text()[:200]
    assert first.startswith("01 · Explicit densities")
    # the setup cells are skipped: the next slide is the first section, not the imports
    assert second.startswith("1. Explicit density models"), second
