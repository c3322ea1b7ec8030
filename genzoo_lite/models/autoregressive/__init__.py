"""Autoregressive image models: the chain rule (:mod:`.base`), PixelCNN, Gated PixelCNN, their
ensemble, PixelRNN, the logistic-mixture output and the per-pixel classifier comparison.

The names of :mod:`.base` are re-exported here, so ``genzoo_lite.models.autoregressive``, the
module of the previous release, keeps working for one release.
"""
from genzoo_lite.models.autoregressive.base import (
    AutoregressiveModel,
    EmbeddedCNN,
    check_image_shape,
    conditioning_bias,
    conditioning_layers,
)

__all__ = ["AutoregressiveModel", "EmbeddedCNN", "check_image_shape", "conditioning_bias",
           "conditioning_layers"]
