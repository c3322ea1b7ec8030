"""Training time of every digits model of the zoo table, retrained from scratch.

Each recipe is the one its notebook uses (cells named below); nothing is saved, so the shipped
weights are never touched. Prints one JSON line: {"training_seconds": {model: seconds}}.
"""
from __future__ import annotations

import json
import time

import torch

from genzoo_lite import fit, load_digits
from genzoo_lite.models.gaussian import fit_gmm
from genzoo_lite.models.pixelcnn import GatedPixelCNN, IndependentPixels, PixelCNN
from genzoo_lite.models.vae import VAE, train_vae


def nll(model, x):
    return model.loss(x)


def main() -> None:
    torch.set_num_threads(1)  # as the notebooks do
    x_train, _ = load_digits("train")
    x_val, _ = load_digits("val")
    x_test, _ = load_digits("test")
    recipes = {  # notebooks/05_pixelcnn "recipes", notebooks/03_vae "vae_digits_8d",
        # notebooks/00_zoo_overview "a full-covariance GMM"
        "GMM, k=10": lambda: fit_gmm(x_train.flatten(1).double()
                                     + torch.rand(1000, 64, generator=torch.Generator()
                                                  .manual_seed(0), dtype=torch.float64),
                                     k=10, n_iter=50, seed=0, reg_covar=0.1),
        "independent pixels": lambda: IndependentPixels().fit_counts(x_train, pseudo_count=0.5),
        "VAE, 8-D": lambda: train_vae(VAE(latent_dim=8, dropout=0.3), x_train, num_epochs=150,
                                      x_val=x_val, progress=False),
        "PixelCNN": lambda: fit(PixelCNN(), nll, x_train, seed=0, num_epochs=12, lr=5e-3,
                                batch_size=64, progress=False),
        "Gated PixelCNN": lambda: fit(GatedPixelCNN(), nll, x_train, seed=0, num_epochs=18,
                                      lr=5e-3, weight_decay=1e-4, batch_size=64,
                                      progress=False),
    }
    seconds = {}
    for name, recipe in recipes.items():
        torch.manual_seed(0)
        start = time.perf_counter()
        recipe()
        seconds[name] = round(time.perf_counter() - start, 1)
    print(json.dumps({"training_seconds": seconds}))


if __name__ == "__main__":
    main()
