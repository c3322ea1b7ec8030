"""genzoo-lite: the small library behind the "Generative Model Zoo, part II" notebooks.

A notebook's setup cell needs only these names; models live in ``genzoo_lite.models``,
their trained weights come from ``load_pretrained(name)`` (the registry in ``recipes.py``).
"""
from genzoo_lite.core.data import load_digits, load_image, load_texture, toy2d
from genzoo_lite.core.memory import return_freed_memory
from genzoo_lite.core.timing import best_time
from genzoo_lite.core.train import DivergedError, Phase, fit
from genzoo_lite.core.utils import (
                                    assert_close,
                                    check_claim,
                                    get_device,
                                    retrain_requested,
                                    set_seed,
)
from genzoo_lite.registry.checkpoints import CheckpointError, load_weights, save_weights
from genzoo_lite.registry.pretrained import (
                                    RECIPES,
                                    load_pretrained,
                                    pretrained_history,
                                    train_recipe,
)
from genzoo_lite.views.plots import density_contour, image_grid, loss_curve, savefig

__all__ = [
    "CheckpointError", "DivergedError", "Phase", "RECIPES", "assert_close", "best_time",
    "check_claim",
    "density_contour", "fit", "get_device", "image_grid", "load_digits", "load_image",
    "load_pretrained", "load_texture", "load_weights", "loss_curve", "pretrained_history",
    "retrain_requested", "save_weights", "savefig", "set_seed", "toy2d", "train_recipe",
]
__version__ = "0.1.0"

return_freed_memory()  # large tensors go back to the system when freed (glibc only)
