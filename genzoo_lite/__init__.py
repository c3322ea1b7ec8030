"""genzoo-lite: the small library behind the "Generative Model Zoo, part II" notebooks.

A notebook's setup cell needs only these names; models live in ``genzoo_lite.models``.
"""
from .checkpoints import CheckpointError, load_or_train, load_weights, save_weights
from .data import load_digits, load_image, load_texture, toy2d
from .train import DivergedError, fit
from .utils import get_device, set_seed
from .viz import density_contour, image_grid, loss_curve, savefig

__all__ = [
    "CheckpointError", "DivergedError", "density_contour", "fit", "get_device", "image_grid",
    "load_digits", "load_image", "load_or_train", "load_texture", "load_weights", "loss_curve",
    "save_weights", "savefig", "set_seed", "toy2d",
]
__version__ = "0.1.0"
