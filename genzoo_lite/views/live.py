"""Live views for the notebooks' sliders (plumbing): one throttled mechanism for all of them.

This module gathers the public names of the pieces, so that a notebook imports them from one
place:

* :mod:`genzoo_lite.views.live_view`: :class:`Throttle`, :class:`LiveView` (an image widget
  redrawn in place, throttled while a control is dragged) and :func:`mimebundle_with_png` (the
  static picture where no widget front end runs);
* :mod:`genzoo_lite.views.live_figure`: :class:`LiveFigure`, controls plus a matplotlib figure
  redrawn in one frame per move (taught in notebooks/01_gaussian_mle, "The likelihood
  landscape");
* :mod:`genzoo_lite.views.slider_access`: :func:`accessible_controls` and
  :func:`slider_labeller`, names a screen reader reads;
* :mod:`genzoo_lite.views.png`: :func:`rgb_png`, the fast PNG encoder of every frame.

The per-notebook views built on them are :class:`~genzoo_lite.views.latent.LatentTraversal`
(notebooks/03_vae, "The latent space, live") and
:class:`~genzoo_lite.views.langevin.LangevinView` (notebooks/02_ebm, "Langevin, live").
"""
from genzoo_lite.views.live_figure import LiveFigure
from genzoo_lite.views.live_view import LiveView, Throttle, mimebundle_with_png
from genzoo_lite.views.png import rgb_png
from genzoo_lite.views.slider_access import accessible_controls, slider_labeller

__all__ = ["Throttle", "LiveView", "LiveFigure", "mimebundle_with_png", "rgb_png",
           "accessible_controls", "slider_labeller"]
