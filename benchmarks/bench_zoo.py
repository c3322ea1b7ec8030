"""Test bits/dim of the shipped digits models: the registry's part of the zoo table.

Each model comes from ``load_pretrained``; exact models score with ``bits_per_dim``, the VAE
with its IWAE bound (k = 1000), on the 447 test digits. The figures are deterministic, so they
reproduce notebooks/00_zoo_overview, "3. One test set, every model" (which also fits a
discretized Gaussian and a GMM on the spot; those have no recipe and are not timed here).

Usage: python benchmarks/bench_zoo.py [--quick]   (--quick: IWAE with k = 10)
Prints one JSON line: {"test_bits_per_dim": {model: bits}, "test_bits_per_dim_kind": {...}}.
"""
from __future__ import annotations

import argparse
import json
import math

import torch
from torch import nn

from genzoo_lite import load_digits, load_pretrained

#: The zoo table's models that are shipped: its label -> recipe name.
ZOO = {"independent pixels": "independent_digits", "PixelCNN": "pixelcnn_digits",
       "Gated PixelCNN": "gated_pixelcnn_digits", "Gated PixelCNN pair": "gated_pixelcnn_pair_digits",
       "VAE, 8-D": "vae_digits_8d"}


@torch.no_grad()
def digits_bits_per_dim(model: nn.Module, x: torch.Tensor, k: int = 1000) -> tuple[float, str]:
    """(-log2 P(x) / pixels averaged over x, "exact"), or for a model with only a bound
    (an ``iwae_bound(x, k)``), the bits/dim of that bound and "bound, IWAE k=...". """
    if hasattr(model, "bits_per_dim"):
        return float(model.bits_per_dim(x)), "exact"
    bound = model.iwae_bound(x, k, generator=torch.Generator().manual_seed(0))  # (N,) nats
    return -bound.mean().item() / (x[0].numel() * math.log(2)), f"bound, IWAE k={k}"


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="IWAE with k = 10, not 1000")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    x_test, _ = load_digits("test")
    bits, kinds = {}, {}
    k = 10 if args.quick else 1000
    for label, name in ZOO.items():
        value, kind = digits_bits_per_dim(load_pretrained(name), x_test, k)
        bits[label], kinds[label] = round(value, 3), kind
    return {"test_bits_per_dim": bits, "test_bits_per_dim_kind": kinds}


if __name__ == "__main__":
    print(json.dumps(main()))
