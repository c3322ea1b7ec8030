"""Latent-space against pixel-space sampling time at the same output size (notebooks/06_vqvae2).

Usage: python benchmarks/bench_vqvae.py [--n 8] [--repeats 3]
Prints one JSON line. Uses the shipped weights (vqvae2, vqvae2_prior, vqvae2_pixel_pixelcnn).
"""
from __future__ import annotations

import argparse
import json
import time

import torch

from genzoo_lite import load_weights
from genzoo_lite.models.pixelcnn import GatedPixelCNN
from genzoo_lite.models.vqvae import VQVAE2, VQVAE2Prior


def best_of(fn, repeats: int) -> float:
    """The fastest of ``repeats`` wall-clock runs of fn(), in seconds (least disturbed by load)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=8, help="images per sampling call")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    vqvae, prior = VQVAE2().eval(), VQVAE2Prior(32, 64, num_classes=8).eval()
    pixel = GatedPixelCNN(levels=16, channels=32, num_layers=5, num_classes=8, dropout=0.1).eval()
    for model, name in [(vqvae, "vqvae2"), (prior, "vqvae2_prior"),
                        (pixel, "vqvae2_pixel_pixelcnn")]:
        load_weights(model, name)
    label = torch.zeros(args.n, dtype=torch.long)  # brick
    latent_s = best_of(lambda: prior.sample(vqvae, args.n, (4, 4), torch.Generator().manual_seed(0),
                                            label=label), args.repeats)
    pixel_s = best_of(lambda: pixel.sample(args.n, (32, 32), generator=torch.Generator()
                                           .manual_seed(0), label=label), args.repeats)
    print(json.dumps({
        "latent_vs_pixel_speedup": round(pixel_s / latent_s, 1),
        "latent_seconds": round(latent_s, 3), "pixel_seconds": round(pixel_s, 3),
        "n": args.n, "repeats": args.repeats, "threads": 1,
        "notes": (f"best of {args.repeats} wall-clock runs, each sampling n={args.n} 32x32 "
                  "images: latent = VQVAE2Prior.sample (16 top-code PixelCNN passes at 4x4 + 64 "
                  "bottom-code passes at 8x8 conditioned on the top, then one VQ-VAE-2 decode); "
                  "pixel = GatedPixelCNN.sample of 16-level images at 32x32 (1024 passes). "
                  "Same Gated PixelCNN family (32 channels, 5 gated layers) for all three "
                  "PixelCNNs; CPU, 1 thread; the machine may be shared, so absolute seconds vary."),
    }))


if __name__ == "__main__":
    main()
