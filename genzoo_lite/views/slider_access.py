"""Accessible sliders (plumbing): every control of a live view gets a name a screen reader reads,
and the page's sliders and live images get ARIA labels and alt texts from a small script."""
from __future__ import annotations

import math
import re
from collections.abc import Mapping

import ipywidgets as widgets

__all__ = ["accessible_controls", "slider_labeller"]


def accessible_controls(controls: Mapping[str, widgets.Widget]) -> None:
    """Give every control an accessible name: a ``description`` (its name when it has none)
    and, where the name says more than the short label, a ``tooltip`` that contains the label
    and the name (e.g. "T: temperature"); :func:`slider_labeller` puts it on the slider."""
    for name, control in controls.items():
        spoken = name.replace("_", " ")
        if not getattr(control, "description", ""):
            control.description = spoken
        if not getattr(control, "tooltip", None):
            label = control.description
            control.tooltip = label if spoken == label else f"{label}: {spoken}"
        _readout_shows_a_step(control)


def _readout_shows_a_step(control: widgets.Widget) -> None:
    """A float slider whose readout rounds away its step (0.002 shown as ".2f") reads the same
    after a key press; give the readout the step's decimals."""
    step, fmt = getattr(control, "step", None), getattr(control, "readout_format", "")
    match = re.fullmatch(r"\.(\d+)f", fmt or "")
    if not match or not isinstance(step, float) or not 0 < step < 1 or hasattr(control, "base"):
        return
    decimals = -math.floor(math.log10(step) + 1e-9)
    if decimals > int(match.group(1)):
        control.readout_format = f".{decimals}f"


# ipywidgets 8 draws a slider with noUiSlider: the focusable element is a <div role="slider">
# whose <label class="widget-label"> is not tied to it (<label for="">), so a screen reader
# announces an unnamed slider (axe: aria-input-field-name). This script, rendered by an Output
# widget inside each live view, names every such slider after its label's tooltip or text
# (aria-label), and gives every live image an alt text naming the settings it shows, now and
# whenever widgets appear or change later.
_LABEL_SLIDERS_JS = """
(() => {
  const name = (root) => {
    for (const box of root.querySelectorAll('.widget-slider')) {
      const label = box.querySelector('.widget-label');
      if (!label) continue;
      const text = (label.title || label.textContent || '').trim();
      for (const handle of box.querySelectorAll('[role="slider"]')) {
        if (text && handle.getAttribute('aria-label') !== text) {
          handle.setAttribute('aria-label', text);
        }
      }
    }
    for (const img of root.querySelectorAll('img.genzoo-live-image')) {
      const settings = [...img.parentElement.querySelectorAll('.widget-slider')].map(s =>
        ((s.querySelector('.widget-label') || {}).textContent || '') + ' = ' +
        ((s.querySelector('.widget-readout') || {}).textContent || ''));
      const alt = 'Live figure, drawn for ' + settings.join(', ');
      if (img.alt !== alt) img.alt = alt;
    }
  };
  name(document);
  if (window.genzooSliderNames) return;
  let queued = false;
  window.genzooSliderNames = new MutationObserver(() => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; name(document); });
  });
  window.genzooSliderNames.observe(document.body, {childList: true, subtree: true,
                                                  characterData: true});
})();
"""


def slider_labeller() -> widgets.Output:
    """An empty-looking Output widget whose script gives the page's sliders accessible names
    (see ``_LABEL_SLIDERS_JS``); front ends that do not run it show nothing."""
    out = widgets.Output(layout=widgets.Layout(height="0px", overflow="hidden"))
    out.outputs = ({"output_type": "display_data", "metadata": {},
                    "data": {"application/javascript": _LABEL_SLIDERS_JS, "text/plain": ""}},)
    return out
