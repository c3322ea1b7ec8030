"""What helps a Gated PixelCNN and a VAE on 1000 training digits: measured variants (issue 16).

Printed in notebooks/05_pixelcnn, "What helps on 1000 digits", and notebooks/03_vae. Each row:
trained on the 1000 ``train`` digits on one thread (seed 0), the epoch kept by the ``val``
split where marked, scored once on the 447 ``test`` digits. Training time twice: the CPU
seconds of the training thread (``time.process_time``, including the per-epoch validation) and
the wall seconds (for the 26-epoch and the two shipped rows: CPU seconds of the whole
``tools/retrain_weights.py`` process). All were measured on a 2-core machine shared with other
jobs (load 5 to 18): the wall seconds are inflated several times, the CPU seconds somewhat. Bits/dim and nats
reproduce exactly; ``python benchmarks/bench_likelihood.py --variants`` retrains the Gated
PixelCNN rows (``model``: its constructor arguments; ``train``: ``train_autoregressive``'s).
"""
from __future__ import annotations

__all__ = ["GATED_VARIANTS", "VAE_VARIANTS"]

_OLD = dict(lr=5e-3, batch_size=64, weight_decay=1e-4)
_EMA = dict(_OLD, ema_decay=0.99)  # + cosine lr decay + early stopping on val (models/ema.py)

#: Gated PixelCNN variants (17-level softmax unless ``mixtures``), test bits/dim.
GATED_VARIANTS = (
    dict(variant="previous recipe: 18 epochs, constant lr", model={},
         train=dict(_OLD, num_epochs=18), test_bits=1.8249, cpu_s=35.7, wall_s=146.9),
    dict(variant="+ EMA of weights, cosine lr, val stop; 40 epochs", model={},
         train=dict(_EMA, num_epochs=40), test_bits=1.8028, cpu_s=77.6, wall_s=731.7),
    dict(variant="same, 26 epochs (cosine over 26)", model={},
         train=dict(_EMA, num_epochs=26), test_bits=1.8153, cpu_s=60.4, wall_s=784.2),
    dict(variant="shipped: cosine over 40, stop 3 epochs after the best (28)", model={},
         train=dict(_EMA, num_epochs=40, patience=3), test_bits=1.8028, cpu_s=65.8,
         wall_s=453.0),
    dict(variant="same, dropout 0.4 (from 0.2), 28 epochs", model=dict(dropout=0.4),
         train=dict(_EMA, num_epochs=28), test_bits=1.8266, cpu_s=55.2, wall_s=616.1),
    dict(variant="same, dropout 0.5, weight decay 1e-3, 28 epochs", model=dict(dropout=0.5),
         train=dict(_EMA, num_epochs=28, weight_decay=1e-3), test_bits=1.8762, cpu_s=55.3,
         wall_s=615.3),
    dict(variant="PixelCNN++ output: 5 discretized logistics, EMA, 40 epochs",
         model=dict(mixtures=5), mixtures=5, train=dict(_EMA, num_epochs=40),
         test_bits=1.8254, cpu_s=104.3, wall_s=773.9),
)

#: 8-D VAE variants (categorical decoder), test negative IWAE_1000 bound in nats per digit.
VAE_VARIANTS = (
    dict(variant="previous recipe: ELBO, hidden 200, dropout 0.3, 150 epochs",
         test_nats=93.84, cpu_s=27.7, wall_s=290.1),
    dict(variant="IWAE k=5 objective, same network, 150 epochs", test_nats=92.99, cpu_s=47.6,
         wall_s=584.2),
    dict(variant="shipped: IWAE k=5, 80 epochs, val stop on the IWAE_5 bound",
         test_nats=93.07, cpu_s=36.5, wall_s=474.1),
)
