"""Latent-space against pixel-space sampling time at the same output size (notebooks/06_vqvae2).

Also both models' test bits per pixel on the same 16-level test crops (the pixel PixelCNN's
exact, the VQ model's the bound of genzoo_lite.evaluation.vq_bits) and the patch distance
(genzoo_lite.evaluation.texture_stats) of the timed brick samples to the held-out brick crops.

Usage: python benchmarks/bench_vqvae.py [--n 8] [--repeats 3]
Prints one JSON line. Uses the shipped weights (vqvae2, vqvae2_prior, vqvae2_pixel_pixelcnn).
"""
from __future__ import annotations

import argparse
import json

import torch

from genzoo_lite import best_time, load_pretrained, pretrained_history
from genzoo_lite.evaluation.texture_stats import patch_distance
from genzoo_lite.evaluation.vq_bits import decoder_sigma, vq_bits_per_dim
from genzoo_lite.models.autoregressive.pixelcnn import pixel_levels
from genzoo_lite.registry.recipes import VQ_IMAGES, vq_crops


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
    latent, pixel_out = [], []
    latent_s = best_time(lambda: latent.append(prior.sample(
        vqvae, args.n, top_shape, torch.Generator().manual_seed(0), label=label)),
        repeat=args.repeats)
    pixel_s = best_time(lambda: pixel_out.append(pixel.sample(
        args.n, size, generator=torch.Generator().manual_seed(0), label=label)),
        repeat=args.repeats)

    x_train, labels = vq_crops("train")
    x_test, labels_test = vq_crops("test")
    brick = VQ_IMAGES.index("brick")
    reference = x_test[labels_test == brick]
    vq_bits = vq_bits_per_dim(vqvae, prior, x_test, labels_test, decoder_sigma(vqvae, x_train),
                              pixel.levels)
    pixel_bits = pixel.bits_per_dim(pixel_levels(x_test, pixel.levels), labels_test,
                                    batch_size=32)
    distance = {name: round(patch_distance(v, reference), 4) for name, v in [
        ("training_crops_floor", x_train[labels == brick][:args.n]),
        ("vqvae2_samples", latent[-1].clamp(0, 1)),
        ("pixel_pixelcnn_samples", pixel_out[-1] / (pixel.levels - 1)),
        ("uniform_noise", torch.rand(args.n, *crop.shape[1:],
                                     generator=torch.Generator().manual_seed(0)))]}
    train_s = {name: pretrained_history(name)["train_seconds"][0]
               for name in ("vqvae2", "vqvae2_prior", "vqvae2_pixel_pixelcnn")}
    passes = top.numel() + bottom.numel()
    print(json.dumps({
        "latent_vs_pixel_speedup": round(pixel_s / latent_s, 1),
        "latent_seconds": round(latent_s, 3), "pixel_seconds": round(pixel_s, 3),
        "n": args.n, "repeats": args.repeats, "threads": 1,
        "vqvae2_test_bits_per_dim_bound": round(vq_bits["total"], 3),
        "vqvae2_test_bits_per_dim_codes": round(vq_bits["codes"], 3),
        "pixel_pixelcnn_test_bits_per_dim": round(pixel_bits, 3),
        "brick_patch_distance": distance,
        "train_seconds": train_s,
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
