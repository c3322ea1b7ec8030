"""What helps a Gated PixelCNN and a VAE on 1000 training digits: measured variants.

Shown in benchmarks/RESULTS.md, "What helps on 1000 digits". Each row: trained on the 1000
``train`` digits on one thread (seed 0), the epoch kept by the ``val`` split where marked, and
scored on the 350 ``val`` digits (``val_bits``, ``val_nats``). The variants are compared on
``val`` only; the row chosen on ``val`` is the shipped recipe (``chosen``), and only that row
carries a ``test`` figure (``test_bits``, ``test_nats``: the 447 ``test`` digits, scored once).
Training time as the CPU seconds of the training thread (``time.process_time``, including the
validation checks), measured on a 2-core machine shared with other jobs, so only roughly
comparable between rows. The figures reproduce: ``python benchmarks/bench_likelihood.py
--variants {gated,vae,all}`` retrains the rows from their ``model`` (constructor arguments) and
``train`` (the trainer's arguments) and scores them on ``val``.

The shipped rows derive their settings from ``RECIPES`` at each access, never restate them: a
changed recipe changes them too (and its measured figures are stale until ``bench_likelihood.py
--variants`` is rerun). The other rows are written out: they are records of what was measured.
"""
from __future__ import annotations

from typing import Any

from genzoo_lite.registry.recipes import RECIPES

# GATED_VARIANTS and VAE_VARIANTS are computed by the module's __getattr__, below
__all__ = ["GATED_VARIANTS", "VAE_VARIANTS", "gated_variants", "vae_variants"]  # noqa: F822

_OLD = dict(lr=5e-3, batch_size=64, weight_decay=1e-4)
_EMA = dict(_OLD, ema_decay=0.99)  # + cosine lr decay + early stopping on val (models/ema.py)
#: The Gated PixelCNN's constructor arguments before the shipped embedding of 16 (dropout 0.2).
_EARLIER_GATED = dict(levels=17, channels=32, num_layers=5, embed_dim=4, first_kernel=7,
                      kernel_size=3, dropout=0.2, num_classes=None, cond_channels=None)


def gated_variants() -> tuple[dict[str, Any], ...]:
    """Gated PixelCNN variants (17-level softmax unless ``mixtures``; ``members``: that many,
    their conditionals averaged, models/autoregressive/ensemble.py): ``val_bits``, bits/dim on
    the 350 ``val`` digits, the figure they are compared on. Two recipes are chosen on ``val``
    (``chosen``): one Gated PixelCNN, and the pair's schedule among the pairs trained within
    the 60 s budget; only they carry ``test_bits``, on the 447 ``test`` digits, measured once."""
    single, pair = RECIPES["gated_pixelcnn_digits"], RECIPES["gated_pixelcnn_pair_digits"]
    pair_member = {k: v for k, v in pair.model.items() if k != "num_members"}
    members = pair.model["num_members"]
    return (
        dict(variant="an earlier recipe: 18 epochs, constant lr", model=_EARLIER_GATED,
             train=dict(_OLD, num_epochs=18), val_bits=1.8873, cpu_s=21.3, best_epoch=18),
        dict(variant="+ EMA of weights, cosine lr, val stop; 40 epochs", model=_EARLIER_GATED,
             train=dict(_EMA, num_epochs=40), val_bits=1.873, cpu_s=61.1, best_epoch=25),
        dict(variant="same, 26 epochs (cosine over 26)", model=_EARLIER_GATED,
             train=dict(_EMA, num_epochs=26), val_bits=1.8871, cpu_s=38.6, best_epoch=26),
        dict(variant="cosine over 40, stop 3 epochs after the best", model=_EARLIER_GATED,
             train=dict(_EMA, num_epochs=40, patience=3), val_bits=1.873, cpu_s=44.1,
             best_epoch=25),
        dict(variant="same, dropout 0.4 (from 0.2), 28 epochs",
             model=dict(_EARLIER_GATED, dropout=0.4),
             train=dict(_EMA, num_epochs=28), val_bits=1.8901, cpu_s=40.6, best_epoch=28),
        dict(variant="same, dropout 0.5, weight decay 1e-3, 28 epochs",
             model=dict(_EARLIER_GATED, dropout=0.5),
             train=dict(_EMA, num_epochs=28, weight_decay=1e-3), val_bits=1.9437, cpu_s=36.7,
             best_epoch=28),
        dict(variant="PixelCNN++ output: 5 discretized logistics, EMA, 40 epochs",
             model=dict(mixtures=5), mixtures=5, train=dict(_EMA, num_epochs=40),
             val_bits=1.8762, cpu_s=104.2, best_epoch=33),
        dict(variant="shipped: EMA warm-up, batch 16, embedding 16",
             model=dict(single.model), train=dict(single.settings), val_bits=1.8364,
             cpu_s=34.0, best_epoch=14, chosen=True, test_bits=1.7787),
        dict(variant="pair: two of those (cosine over 24 epochs, lr 7e-3, stop 1 epoch after "
                     "the best), averaged (the pair shipped before)",
             model=pair_member, members=members, train=dict(pair.settings, num_epochs=24),
             val_bits=1.8135, cpu_s=49.3, best_epoch=[13, 11]),
        dict(variant="pair, cosine over 28 epochs",
             model=pair_member, members=members, train=dict(pair.settings, num_epochs=28),
             val_bits=1.8172, cpu_s=53.3, best_epoch=[13, 13]),
        dict(variant=f"shipped pair: cosine over {pair.settings['num_epochs']} epochs",
             model=pair_member, members=members, train=dict(pair.settings),
             val_bits=1.8069, cpu_s=51.7, best_epoch=[13, 13], chosen=True, test_bits=1.7495),
    )


#: The 8-D VAE's earlier training settings: the ELBO, then the IWAE bound with k = 5.
_ELBO = dict(num_epochs=150, lr=1e-3, batch_size=64, check_every=5)
_IWAE = dict(_ELBO, iwae_k=5)
#: The 8-D VAE shipped before the choice on val: learned-sigma decoder, dropout 0.2, IWAE_5
#: for 200 epochs at lr 2e-3.
_VAE8_DROPOUT_02 = dict(latent_dim=8, hidden=200, likelihood="gaussian", sigma=None,
                        dropout=0.2)
_IWAE_200 = dict(_IWAE, num_epochs=200, lr=2e-3)


def vae_variants() -> tuple[dict[str, Any], ...]:
    """8-D VAE variants (``model``: VAE's constructor arguments; ``train``: ``train_vae``'s,
    with the ``val`` split for early stopping): ``val_nats``, the negative IWAE_1000 bound on
    the 350 ``val`` digits in nats per digit, the figure they are compared on; the row chosen
    on ``val`` (``chosen``, the shipped recipe) also ``test_nats``, on the 447 ``test`` digits,
    measured once. The 16-D row is shown beside them: the recipe is an 8-D VAE."""
    shipped = RECIPES["vae_digits_8d"]
    model, train = dict(shipped.model), dict(shipped.settings)
    categorical = dict(_VAE8_DROPOUT_02, likelihood="categorical", sigma=None)
    return (
        dict(variant="categorical decoder, ELBO, dropout 0.3 (an earlier recipe)",
             model=dict(categorical, dropout=0.3), train=_ELBO,
             val_nats=97.74, cpu_s=15.0, best_epoch=110),
        dict(variant="categorical, IWAE k=5, 80 epochs (an earlier recipe)",
             model=dict(categorical, dropout=0.3), train=dict(_IWAE, num_epochs=80),
             val_nats=97.0, cpu_s=22.2, best_epoch=70),
        dict(variant="learned-sigma Gaussian decoder, ELBO, dropout 0.3",
             model=dict(_VAE8_DROPOUT_02, dropout=0.3), train=_ELBO,
             val_nats=94.99, cpu_s=13.0, best_epoch=150),
        dict(variant="same, IWAE k=5, 80 epochs",
             model=dict(_VAE8_DROPOUT_02, dropout=0.3), train=dict(_IWAE, num_epochs=80),
             val_nats=95.16, cpu_s=13.9, best_epoch=80),
        dict(variant="same, 200 epochs",
             model=dict(_VAE8_DROPOUT_02, dropout=0.3), train=dict(_IWAE, num_epochs=200),
             val_nats=92.48, cpu_s=34.8, best_epoch=190),
        dict(variant="same, lr 2e-3",
             model=dict(_VAE8_DROPOUT_02, dropout=0.3), train=_IWAE_200,
             val_nats=91.77, cpu_s=35.1, best_epoch=190),
        dict(variant="same, dropout 0.2 (the recipe shipped before)",
             model=_VAE8_DROPOUT_02, train=_IWAE_200,
             val_nats=91.34, cpu_s=34.5, best_epoch=185),
        dict(variant=f"shipped: same, dropout {model['dropout']}",
             model=model, train=train,
             val_nats=90.42, cpu_s=33.4, best_epoch=105, chosen=True, test_nats=87.21),
        dict(variant="dropout 0.2, a 16-D latent",
             model=dict(_VAE8_DROPOUT_02, latent_dim=16), train=_IWAE_200,
             val_nats=90.84, cpu_s=33.5, best_epoch=175),
        dict(variant="dropout 0.2, hidden layers of 300",
             model=dict(_VAE8_DROPOUT_02, hidden=300), train=_IWAE_200,
             val_nats=91.08, cpu_s=45.7, best_epoch=90),
        dict(variant="dropout 0.2, the categorical decoder",
             model=categorical, train=_IWAE_200,
             val_nats=97.31, cpu_s=45.1, best_epoch=45),
    )


def __getattr__(name: str) -> tuple[dict[str, Any], ...]:
    """``GATED_VARIANTS`` and ``VAE_VARIANTS``, computed from ``RECIPES`` at each access."""
    if name == "GATED_VARIANTS":
        return gated_variants()
    if name == "VAE_VARIANTS":
        return vae_variants()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
