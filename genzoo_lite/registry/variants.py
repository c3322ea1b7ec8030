"""What helps a Gated PixelCNN and a VAE on 1000 training digits: measured variants.

Printed in notebooks/05_pixelcnn, "What helps on 1000 digits" (``GATED_VARIANTS``) and
notebooks/03_vae, "What helps on 1000 digits" (``VAE_VARIANTS``). Each row: trained on the 1000
``train`` digits on one thread (seed 0), the epoch kept by the ``val`` split where marked,
scored once on the 447 ``test`` digits. Training time as the CPU seconds of the training thread
(``time.process_time``, including the validation checks); the Gated PixelCNN rows also give the
wall seconds (for the 26-epoch and the two shipped rows: CPU seconds of the whole
``tools/retrain_weights.py`` process). All were measured on a 2-core machine shared with other
jobs: the wall seconds are inflated several times, the CPU seconds somewhat. Bits/dim and nats
reproduce exactly: ``python benchmarks/bench_likelihood.py --variants {gated,vae,all}`` retrains
the rows from their ``model`` (constructor arguments) and ``train`` (the trainer's arguments).

The shipped rows, and the rows described as changes to them ("shipped, but ..."), derive their
settings from ``RECIPES`` at each access, never restate them: a changed recipe changes them too
(and its measured figures are stale until ``bench_likelihood.py --variants`` is rerun). The
earlier recipes are written out: they are records of what was measured.
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
    their conditionals averaged, models/pixelcnn_ensemble.py), test bits/dim."""
    single, pair = RECIPES["gated_pixelcnn_digits"], RECIPES["gated_pixelcnn_pair_digits"]
    pair_member = {k: v for k, v in pair.model.items() if k != "num_members"}
    members = pair.model["num_members"]
    return (
        dict(variant="previous recipe: 18 epochs, constant lr", model=_EARLIER_GATED,
             train=dict(_OLD, num_epochs=18), test_bits=1.8249, cpu_s=35.7, wall_s=146.9),
        dict(variant="+ EMA of weights, cosine lr, val stop; 40 epochs", model=_EARLIER_GATED,
             train=dict(_EMA, num_epochs=40), test_bits=1.8028, cpu_s=77.6, wall_s=731.7),
        dict(variant="same, 26 epochs (cosine over 26)", model=_EARLIER_GATED,
             train=dict(_EMA, num_epochs=26), test_bits=1.8153, cpu_s=60.4, wall_s=784.2),
        dict(variant="cosine over 40, stop 3 epochs after the best (28)", model=_EARLIER_GATED,
             train=dict(_EMA, num_epochs=40, patience=3), test_bits=1.8028, cpu_s=65.8,
             wall_s=453.0),
        dict(variant="same, dropout 0.4 (from 0.2), 28 epochs",
             model=dict(_EARLIER_GATED, dropout=0.4),
             train=dict(_EMA, num_epochs=28), test_bits=1.8266, cpu_s=55.2, wall_s=616.1),
        dict(variant="same, dropout 0.5, weight decay 1e-3, 28 epochs",
             model=dict(_EARLIER_GATED, dropout=0.5),
             train=dict(_EMA, num_epochs=28, weight_decay=1e-3), test_bits=1.8762, cpu_s=55.3,
             wall_s=615.3),
        dict(variant="PixelCNN++ output: 5 discretized logistics, EMA, 40 epochs",
             model=dict(mixtures=5), mixtures=5, train=dict(_EMA, num_epochs=40),
             test_bits=1.8264, cpu_s=98.4, wall_s=105.1),
        dict(variant="shipped: EMA warm-up, batch 16, embedding 16 (14 of 17)",
             model=dict(single.model), train=dict(single.settings), test_bits=1.7787,
             cpu_s=30.1, wall_s=30.2),
        dict(variant="shipped pair: two of those (24 epochs, lr 7e-3), averaged",
             model=pair_member, members=members, train=dict(pair.settings),
             test_bits=1.7522, cpu_s=59.0, wall_s=59.2),
        dict(variant="pair, cosine over 28 epochs: over the 60 s budget",
             model=pair_member, members=members, train=dict(pair.settings, num_epochs=28),
             test_bits=1.7492, cpu_s=69.0, wall_s=69.0),
        dict(variant="pair, cosine over 30 epochs: over the 60 s budget",
             model=pair_member, members=members, train=dict(pair.settings, num_epochs=30),
             test_bits=1.7450, cpu_s=61.2, wall_s=61.2),
    )


#: The 8-D VAE's earlier training settings: the ELBO, then the IWAE bound with k = 5.
_ELBO = dict(num_epochs=150, lr=1e-3, batch_size=64, check_every=5)
_IWAE = dict(_ELBO, iwae_k=5)


def vae_variants() -> tuple[dict[str, Any], ...]:
    """8-D VAE variants (``model``: VAE's constructor arguments; ``train``: ``train_vae``'s,
    with the ``val`` split for early stopping), test negative IWAE_1000 bound in nats per
    digit."""
    shipped = RECIPES["vae_digits_8d"]
    model, train = dict(shipped.model), dict(shipped.settings)
    categorical = dict(model, likelihood="categorical", sigma=None)
    return (
        dict(variant="categorical decoder, ELBO, dropout 0.3 (an earlier recipe)",
             model=dict(categorical, dropout=0.3), train=_ELBO,
             test_nats=94.18, cpu_s=16.7, best_epoch=110),
        dict(variant="categorical, IWAE k=5, 80 epochs (previous recipe)",
             model=dict(categorical, dropout=0.3), train=dict(_IWAE, num_epochs=80),
             test_nats=93.07, cpu_s=18.9, best_epoch=70),
        dict(variant="learned-sigma Gaussian decoder, ELBO, dropout 0.3",
             model=dict(model, dropout=0.3), train=_ELBO,
             test_nats=91.61, cpu_s=11.2, best_epoch=150),
        dict(variant="same, IWAE k=5, 80 epochs",
             model=dict(model, dropout=0.3), train=dict(_IWAE, num_epochs=80),
             test_nats=91.42, cpu_s=11.4, best_epoch=80),
        dict(variant="same, 200 epochs",
             model=dict(model, dropout=0.3), train=dict(_IWAE, num_epochs=200),
             test_nats=88.84, cpu_s=30.4, best_epoch=190),
        dict(variant="same, lr 2e-3",
             model=dict(model, dropout=0.3), train=train,
             test_nats=88.72, cpu_s=35.0, best_epoch=125),
        dict(variant=f"shipped: same, dropout {model['dropout']}",
             model=model, train=train,
             test_nats=87.14, cpu_s=32.2, best_epoch=155),
        dict(variant="shipped, but dropout 0.1",
             model=dict(model, dropout=0.1), train=train,
             test_nats=87.7, cpu_s=27.2, best_epoch=65),
        dict(variant="shipped, but a 16-D latent",
             model=dict(model, latent_dim=16), train=train,
             test_nats=86.97, cpu_s=28.8, best_epoch=165),
        dict(variant="shipped, but hidden layers of 300",
             model=dict(model, hidden=300), train=train,
             test_nats=88.25, cpu_s=42.3, best_epoch=65),
        dict(variant="shipped, but the categorical decoder",
             model=categorical, train=train,
             test_nats=93.19, cpu_s=54.8, best_epoch=45),
    )


def __getattr__(name: str) -> tuple[dict[str, Any], ...]:
    """``GATED_VARIANTS`` and ``VAE_VARIANTS``, computed from ``RECIPES`` at each access."""
    if name == "GATED_VARIANTS":
        return gated_variants()
    if name == "VAE_VARIANTS":
        return vae_variants()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
