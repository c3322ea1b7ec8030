"""Every shipped model's recipe: its constructor settings, its data and its training settings.

The registry itself: read through :mod:`genzoo_lite.registry.pretrained` (``RECIPES``,
``load_pretrained``). A setting written here is written nowhere else; a notebook that needs one
reads it from ``RECIPES[name].settings`` (training) or ``RECIPES[name].model`` (the constructor's
arguments, every one written out, so a changed class default cannot change a shipped model
unnoticed). The shipped weights record both (``genzoo_lite.registry.pretrained.recipe_record``),
and a test fails when a recipe changes but its weights were not retrained. One section per model
family, each importing only its own models.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from torch import nn

from genzoo_lite.core.data import image_crops, load_digits, toy2d
from genzoo_lite.core.train import History

__all__ = ["Recipe", "RECIPES", "VQ_IMAGES", "EBM_DATASETS", "GATED_DIGITS", "LARSEN_VAE",
           "VQVAE2_CROPS"]


@dataclass(frozen=True)
class Recipe:
    """How one shipped model comes about.

    build: ``build(**model)`` returns the untrained model (initialised under ``seeded(seed)``).
    data: ``data(deps) -> dict`` of the trainer's inputs (tensors, or models it starts from);
        ``deps`` maps each name in ``requires`` to that trained model.
    train: ``train(model, **data, **settings, generator=, progress=) -> History``.
    settings: the training hyperparameters (epochs, lr, ...), the only copy of them.
    requires: recipes whose trained models ``data`` needs.
    taught_in: the notebook section that trains or uses it.
    seed: seeds the initial weights and the training generator.
    model: the keyword arguments of ``build``, every architecture argument written out (none
        left to a class default).
    """

    build: Callable[[], nn.Module]
    data: Callable[[Mapping[str, nn.Module]], dict[str, Any]]
    train: Callable[..., History]
    settings: Mapping[str, Any] = field(default_factory=dict)
    requires: tuple[str, ...] = ()
    taught_in: str = ""
    seed: int = 0
    model: Mapping[str, Any] = field(default_factory=dict)


def _digits(*splits: str) -> Callable[[Mapping[str, nn.Module]], dict[str, Any]]:
    """data(): the digits images of the given splits, as keyword arguments x, x_val."""
    keys = {"train": "x", "val": "x_val"}
    return lambda deps: {keys[s]: load_digits(s)[0] for s in splits}


def _digit_levels(*splits: str) -> Callable[[Mapping[str, nn.Module]], dict[str, Any]]:
    """data(): the digits as integer levels (for the autoregressive models), as x, x_val."""
    keys = {"train": "x", "val": "x_val"}
    return lambda deps: {keys[s]: load_digits(s)[0].long() for s in splits}


# ----- 2-D toy models: notebooks 00 and 02 -------------------------------------------------
#: The EBM data sets of notebooks/02_ebm, and each one's Langevin step size during training.
EBM_DATASETS = {"eight_gaussians": 0.003, "two_moons": 0.003, "rings": 0.002}


def _toy2d_recipes() -> dict[str, Recipe]:
    from genzoo_lite.models.adversarial.gan import build_gan, train_gan
    from genzoo_lite.models.energy.training import EBMRun, train_ebm

    found = {"gan_eight_gaussians": Recipe(
        build=build_gan, model=dict(latent_dim=2, hidden=64),
        data=lambda deps: {"x": toy2d("eight_gaussians", 5000, seed=0)},
        train=train_gan, settings=dict(num_steps=3000, batch_size=256, lr=1e-3),
        taught_in="notebooks/00_zoo_overview, '2. Explicit and implicit models on toy data'")}
    snapshot_at = (25, 100, 400, 1000)  # the training steps after which the energy is copied
    for name, step_size in EBM_DATASETS.items():
        found[f"ebm_{name}"] = Recipe(
            build=EBMRun, model=dict(num_snapshots=len(snapshot_at), hidden=64, depth=3),
            data=lambda deps, name=name: {"x": toy2d(name, 4000, seed=0)},
            train=train_ebm,
            settings=dict(num_steps=2000, batch_size=256, lr=2e-3, langevin_steps=20,
                          step_size=step_size, alpha=0.1, buffer_size=8192, reinit_prob=0.05,
                          snapshot_at=snapshot_at),
            taught_in="notebooks/02_ebm, '6. Training on toy data'")
    return found


# ----- VAEs: notebook 03 --------------------------------------------------------------------
def _vae_recipes() -> dict[str, Recipe]:
    from genzoo_lite.models.adversarial.vaegan import build_vaegan, train_vaegan
    from genzoo_lite.models.latent.autoencoder import Autoencoder, train_autoencoder
    from genzoo_lite.models.latent.vae import VAE, train_vae

    vae_settings = dict(num_epochs=150, lr=1e-3, batch_size=64, check_every=5)
    iwae5 = dict(num_epochs=200, lr=2e-3, batch_size=64, check_every=5, iwae_k=5)
    vae8 = dict(latent_dim=8, hidden=200, likelihood="gaussian", sigma=None, dropout=0.2)
    taught = "notebooks/03_vae"
    return {
        "vae_digits_2d": Recipe(VAE, _digits("train", "val"), train_vae, vae_settings,
                                model=dict(latent_dim=2, hidden=200, likelihood="categorical",
                                           sigma=None, dropout=0.1), taught_in=taught),
        "vae_autoencoder_2d": Recipe(Autoencoder, _digits("train"), train_autoencoder,
                                     dict(num_epochs=100, lr=1e-3, batch_size=64),
                                     model=dict(latent_dim=2, hidden=200), taught_in=taught),
        # The shipped 8-D VAE: a learned-sigma discretized Gaussian decoder (the best decoder of
        # notebooks/03_vae, section 8), trained on the IWAE bound with k = 5 (a tighter bound to
        # push up), stopped on val; dropout 0.1 (0.2 in the softmax one below), the best of the
        # variants on val (genzoo_lite/registry/variants.py)
        "vae_digits_8d": Recipe(VAE, _digits("train", "val"), train_vae, iwae5,
                                model={**vae8, "dropout": 0.1}, taught_in=taught),
        # the same network and training (dropout 0.2) with the 17-way softmax decoder (section 8)
        "vae_categorical_8d": Recipe(VAE, _digits("train", "val"), train_vae, iwae5,
                                     model={**vae8, "likelihood": "categorical"},
                                     taught_in=taught),
        # the L2 loss: Larsen et al.'s plain VAE (the ELBO), also the VAE column of section 9
        "vae_gaussian_fixed_8d": Recipe(
            VAE, _digits("train", "val"), train_vae, vae_settings,
            model={**vae8, "sigma": 2.0, "dropout": 0.3}, taught_in=taught),
        "vae_vaegan_8d": Recipe(build_vaegan, _digits("train"), train_vaegan,
                                dict(num_epochs=100, lr=3e-4, gamma=0.1, batch_size=64),
                                model=LARSEN_VAE, taught_in=taught + ", 'VAE + GAN'"),
    }


#: The architecture of Larsen et al.'s three digits models (VAE/GAN, VAE_Disl, GAN): a fixed-sigma
#: Gaussian decoder (the generator) and a convolutional discriminator.
LARSEN_VAE = dict(latent_dim=8, hidden=200, sigma=2.0, channels=32)


# ----- Larsen et al.'s other two columns (VAE_Disl, GAN): notebook 03 -------------------------
def _larsen_recipes() -> dict[str, Recipe]:
    from genzoo_lite.models.adversarial.digits_gan import build_digits_gan, train_digits_gan
    from genzoo_lite.models.adversarial.vaegan import build_vaegan, train_vae_disl

    taught = "notebooks/03_vae, 'VAE + GAN'"
    # the GAN first: VAE_Disl measures its reconstructions in the GAN's trained discriminator
    return {
        "gan_digits_8d": Recipe(build_digits_gan, _digits("train"), train_digits_gan,
                                dict(num_epochs=100, lr=2e-3, batch_size=64), model=LARSEN_VAE,
                                taught_in=taught),
        "vae_disl_8d": Recipe(
            build_vaegan,
            lambda deps: {"x": load_digits("train")[0],
                          "discriminator": deps["gan_digits_8d"]["discriminator"]},
            train_vae_disl, dict(num_epochs=100, lr=1e-3, batch_size=64),
            model=LARSEN_VAE, requires=("gan_digits_8d",), taught_in=taught),
    }


# ----- autoregressive models of the digits: notebook 05 --------------------------------------
#: The shipped Gated PixelCNN of the digits (alone, and each member of the pair): an embedding of
#: 16 for the 17 levels, the best of the variants in genzoo_lite/registry/variants.py.
GATED_DIGITS = dict(levels=17, channels=32, num_layers=5, embed_dim=16, first_kernel=7,
                    kernel_size=3, dropout=0.2, num_classes=None, cond_channels=None)


def _pixelcnn_recipes() -> dict[str, Recipe]:
    from genzoo_lite.models.autoregressive.ensemble import PixelCNNEnsemble, train_ensemble
    from genzoo_lite.models.autoregressive.gated_pixelcnn import GatedPixelCNN
    from genzoo_lite.models.autoregressive.pixelcnn import PixelCNN, train_autoregressive
    from genzoo_lite.models.explicit.independent import IndependentPixels, fit_counts

    taught = "notebooks/05_pixelcnn, '4. Independent pixels against autoregressive'"
    digits, digits_val = _digit_levels("train"), _digit_levels("train", "val")
    # num_epochs: where the val bits/dim stopped improving in longer runs. The Gated PixelCNN:
    # an average of its weights (started with a smaller decay), a cosine lr decay and early
    # stopping on val (core/ema.py), small batches: the best on val of the variants in
    # genzoo_lite/registry/variants.py
    gated = dict(num_epochs=40, lr=5e-3, batch_size=16, weight_decay=1e-4, ema_decay=0.99,
                 ema_warmup=True, patience=3)
    return {
        "independent_digits": Recipe(IndependentPixels, digits, fit_counts,
                                     dict(pseudo_count=0.5), model=dict(levels=17, shape=(8, 8)),
                                     taught_in=taught),
        "pixelcnn_digits": Recipe(PixelCNN, digits, train_autoregressive,
                                  dict(num_epochs=12, lr=5e-3, batch_size=64, weight_decay=0.0),
                                  model=dict(levels=17, channels=48, num_layers=5, embed_dim=16,
                                             first_kernel=7, dropout=0.0, num_classes=None,
                                             cond_channels=None),
                                  taught_in=taught),
        "gated_pixelcnn_digits": Recipe(GatedPixelCNN, digits_val, train_autoregressive, gated,
                                        model=GATED_DIGITS, taught_in=taught),
        # two of them, their conditionals averaged: one autoregressive model; a cosine over 30
        # epochs, the best pair on val within 60 s of training (genzoo_lite/registry/variants.py)
        "gated_pixelcnn_pair_digits": Recipe(
            PixelCNNEnsemble, digits_val, train_ensemble,
            {**gated, "num_epochs": 30, "lr": 7e-3, "patience": 1},
            model=dict(num_members=2, **GATED_DIGITS),
            taught_in="notebooks/07_zoo_comparison, '1. One test set, bits per dimension'"),
    }


# ----- VQ-VAE-2 and friends: notebook 06 -----------------------------------------------------
#: The eight bundled images whose 32x32 crops notebooks/06_vqvae2 trains on (label = index).
VQ_IMAGES = ("brick", "grass", "gravel", "text", "camera", "coins", "moon", "page")
#: The two-level VQ-VAE-2 of the crops (recipe vqvae2; vqvae2_vqgan fine-tunes the same network).
VQVAE2_CROPS = dict(in_channels=1, hidden=32, dim=16, num_codes_top=32, num_codes_bottom=64,
                    beta=0.25, kmeans_init=True, restart_threshold=1.0, bottom_dropout=0.5)


def vq_crops(split: str = "train") -> tuple[Any, Any]:
    """(crops (N, 1, 32, 32) in [0, 1], labels (N,)) of the VQ_IMAGES: 2400 "train" crops from
    the top three quarters of each image or 800 "test" crops from the bottom quarter; the label
    is the image's index in VQ_IMAGES."""
    import torch

    from genzoo_lite.core.checks import check_choice
    check_choice("split", split, ("train", "test"))
    n, seed = (2400, 0) if split == "train" else (800, 1)
    return image_crops(VQ_IMAGES, n, seed=seed, split=split), torch.arange(n) % len(VQ_IMAGES)


def _vqvae_recipes() -> dict[str, Recipe]:
    from genzoo_lite.models.adversarial.vqgan import PatchDiscriminator, train_vqgan_decoder
    from genzoo_lite.models.autoregressive.gated_pixelcnn import GatedPixelCNN
    from genzoo_lite.models.autoregressive.pixelcnn import pixel_levels, train_autoregressive
    from genzoo_lite.models.quantized.vqvae2 import VQVAE2, train_vqvae2
    from genzoo_lite.models.quantized.vqvae_prior import VQVAE2Prior, train_prior

    taught = "notebooks/06_vqvae2"

    def build_vqgan_from(vqvae: Mapping[str, Any], discriminator: Mapping[str, Any]) -> nn.Module:
        """models/vqgan.py's build_vqgan with its arguments written out: the VQ-VAE-2 it
        fine-tunes (the architecture of recipe vqvae2, whose weights it starts from) and the
        patch discriminator."""
        return nn.ModuleDict({"vqvae": VQVAE2(**vqvae),
                              "discriminator": PatchDiscriminator(**discriminator)})

    def prior_data(deps):
        x, labels = vq_crops("train")
        top, bottom = deps["vqvae2"].encode(x)
        return {"top": top, "bottom": bottom, "label": labels}

    def pixel_data(deps):
        x, labels = vq_crops("train")
        return {"x": pixel_levels(x), "label": labels}

    return {
        "vqvae2": Recipe(VQVAE2, lambda deps: {"x": vq_crops("train")[0]}, train_vqvae2,
                         dict(num_epochs=20, lr=2e-3, batch_size=64), model=VQVAE2_CROPS,
                         taught_in=taught + ", '3. VQ-VAE-2'"),
        "vqvae2_prior": Recipe(VQVAE2Prior, prior_data,
                               train_prior, dict(num_epochs=20, lr=2e-3, batch_size=64),
                               model=dict(num_codes_top=VQVAE2_CROPS["num_codes_top"],
                                          num_codes_bottom=VQVAE2_CROPS["num_codes_bottom"],
                                          num_classes=len(VQ_IMAGES), channels=32,
                                          num_layers=5, dropout=0.1),
                               requires=("vqvae2",), taught_in=taught + ", '4. Generation'"),
        "vqvae2_pixel_pixelcnn": Recipe(
            GatedPixelCNN, pixel_data, train_autoregressive,
            # All 2400 crops for about the training time of vqvae2 + vqvae2_prior (a fair baseline).
            dict(num_epochs=6, lr=2e-3, batch_size=64, weight_decay=0.0),
            model=dict(levels=16, channels=32, num_layers=5, embed_dim=4, first_kernel=7,
                       kernel_size=3, dropout=0.1, num_classes=len(VQ_IMAGES),
                       cond_channels=None),
            taught_in=taught + ", '4. Generation'"),
        "vqvae2_vqgan": Recipe(
            build_vqgan_from, lambda deps: {"x": vq_crops("train")[0], "start": deps["vqvae2"]},
            train_vqgan_decoder,
            dict(num_epochs=4, lr=5e-4, batch_size=64, feature_weight=1.0,
                 adversarial_weight=0.02),
            model=dict(vqvae=VQVAE2_CROPS, discriminator=dict(in_channels=1, hidden=32)),
            requires=("vqvae2",), taught_in=taught + ", '5. How to improve further'"),
    }


def _pixel_extra_recipes() -> dict[str, Recipe]:
    from genzoo_lite.models.autoregressive.pixel_classifier import (
        PixelClassifier,
        PixelCNNUpsampler,
        train_upsampler,
    )
    from genzoo_lite.models.autoregressive.pixelcnn import train_autoregressive
    from genzoo_lite.models.autoregressive.pixelrnn import PixelRNN

    digits = _digit_levels("train")
    upsample = "notebooks/05_pixelcnn, 'Per-pixel classification vs autoregressive'"
    # each chosen on the val bits/dim, within about a minute of training on one thread
    return {
        "pixelrnn_digits": Recipe(PixelRNN, digits, train_autoregressive,
                                  dict(num_epochs=20, lr=2e-2, batch_size=128, weight_decay=0.0),
                                  model=dict(levels=17, hidden=32, num_layers=1, embed_dim=8,
                                             dropout=0.0),
                                  taught_in="notebooks/05_pixelcnn, 'PixelRNN vs PixelCNN'"),
        "pixel_classifier_digits": Recipe(PixelClassifier, digits, train_upsampler,
                                          dict(num_epochs=50, lr=5e-3, batch_size=64,
                                               weight_decay=0.0),
                                          model=dict(levels=17, channels=32, num_layers=4,
                                                     dropout=0.0), taught_in=upsample),
        "pixelcnn_upsampler_digits": Recipe(PixelCNNUpsampler, digits, train_upsampler,
                                            dict(num_epochs=28, lr=3e-3, batch_size=64,
                                                 weight_decay=1e-4),
                                            model=dict(levels=17, features=32, encoder_layers=4,
                                                       channels=32, num_layers=5, dropout=0.2),
                                            taught_in=upsample),
    }


# ----- the digit classifier behind the digits FID: notebook 00 --------------------------------
def _classifier_recipes() -> dict[str, Recipe]:
    from genzoo_lite.evaluation.digit_classifier import DigitClassifier, train_digit_classifier

    def labelled(deps):
        (x, labels), (x_val, labels_val) = load_digits("train"), load_digits("val")
        return {"x": x, "labels": labels, "x_val": x_val, "labels_val": labels_val}

    # num_epochs: the val accuracy stops rising at about 30 (about 99%)
    return {"digit_classifier": Recipe(
        DigitClassifier, labelled, train_digit_classifier,
        dict(num_epochs=30, lr=3e-3, batch_size=64, weight_decay=1e-4),
        model=dict(channels=32, features=64, dropout=0.3),
        taught_in="notebooks/07_zoo_comparison, '3. Sample quality beside likelihood'")}


RECIPES: dict[str, Recipe] = {**_toy2d_recipes(), **_vae_recipes(),
                              **_pixelcnn_recipes(), **_vqvae_recipes(),
                              **_pixel_extra_recipes(), **_larsen_recipes(),
                              **_classifier_recipes()}
