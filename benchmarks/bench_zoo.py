"""Test bits/dim of the shipped digits models: the registry's part of the zoo table.

Each model comes from ``load_pretrained`` and is scored by the library's
``genzoo_lite.evaluation.metrics.model_bits_per_dim`` (as in the notebook): exact models with their
``bits_per_dim``, the VAE with its IWAE bound (k = 1000), on the 447 test digits. The figures
are deterministic, so they reproduce notebooks/07_zoo_comparison, "1. One test set, bits per
dimension" (which also fits a discretized Gaussian and a GMM on the spot; those have no recipe and
are not timed here).

Usage: python benchmarks/bench_zoo.py [--quick]   (--quick: IWAE with k = 10)
Prints one JSON line: {"test_bits_per_dim": {model: bits}, "test_bits_per_dim_kind": {...}}.
"""
from __future__ import annotations

import argparse
import json

import torch

from genzoo_lite import load_digits, load_pretrained
from genzoo_lite.evaluation.metrics import model_bits_per_dim

#: The zoo table's models that are shipped: its label -> recipe name.
ZOO = {"independent pixels": "independent_digits", "PixelCNN": "pixelcnn_digits",
       "Gated PixelCNN": "gated_pixelcnn_digits",
       "Gated PixelCNN pair": "gated_pixelcnn_pair_digits", "VAE, 8-D": "vae_digits_8d"}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="IWAE with k = 10, not 1000")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    x_test, _ = load_digits("test")
    bits, kinds = {}, {}
    k = 10 if args.quick else 1000
    for label, name in ZOO.items():
        value, kind = model_bits_per_dim(load_pretrained(name), x_test, k)
        bits[label], kinds[label] = round(value, 3), kind
    return {"test_bits_per_dim": bits, "test_bits_per_dim_kind": kinds}


if __name__ == "__main__":
    print(json.dumps(main()))
