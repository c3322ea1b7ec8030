"""Latent-space against pixel-space sampling time at the same output size (notebooks/06_vqvae2).

Usage: python benchmarks/bench_vqvae.py [--n 8] [--repeats 3]
Prints one JSON line. Uses the shipped weights (vqvae2, vqvae2_prior, vqvae2_pixel_pixelcnn).
"""
from __future__ import annotations

import argparse
import json

import torch

from genzoo_lite import best_time, load_pretrained
from genzoo_lite.recipes import VQ_IMAGES, vq_crops


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=8, help="images per sampling call")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    vqvae, prior = load_pretrained("vqvae2"), load_pretrained("vqvae2_prior")
    pixel = load_pretrained("vqvae2_pixel_pixelcnn")
    crop = vq_crops("test")[0][:1]  # (1, 1, H, W): the size both models sample at
    size = tuple(crop.shape[2:])
    top, bottom = vqvae.encode(crop)
    top_shape = tuple(top.shape[1:])
    label = torch.full((args.n,), VQ_IMAGES.index("brick"))
    latent_s = best_time(lambda: prior.sample(vqvae, args.n, top_shape,
                                              torch.Generator().manual_seed(0), label=label),
                         repeat=args.repeats)
    pixel_s = best_time(lambda: pixel.sample(args.n, size, generator=torch.Generator()
                                             .manual_seed(0), label=label), repeat=args.repeats)
    passes = top.numel() + bottom.numel()
    print(json.dumps({
        "latent_vs_pixel_speedup": round(pixel_s / latent_s, 1),
        "latent_seconds": round(latent_s, 3), "pixel_seconds": round(pixel_s, 3),
        "n": args.n, "repeats": args.repeats, "threads": 1,
        "notes": (f"best of {args.repeats} wall-clock runs (genzoo_lite.best_time), each sampling "
                  f"n={args.n} {size[0]}x{size[1]} images: latent = VQVAE2Prior.sample "
                  f"({top.numel()} top-code PixelCNN passes at {top_shape[0]}x{top_shape[1]} + "
                  f"{bottom.numel()} bottom-code passes at {bottom.shape[1]}x{bottom.shape[2]} "
                  f"conditioned on the top, {passes} in all, then one VQ-VAE-2 decode); "
                  f"pixel = GatedPixelCNN.sample of {pixel.levels}-level images "
                  f"({size[0] * size[1]} passes). The shipped models of RECIPES['vqvae2_prior'] "
                  "and RECIPES['vqvae2_pixel_pixelcnn']; CPU, 1 thread; the machine may be "
                  "shared, so absolute seconds vary."),
    }))


if __name__ == "__main__":
    main()
