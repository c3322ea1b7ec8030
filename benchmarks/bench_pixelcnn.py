"""Benchmark: seconds to draw 16 samples from the shipped Gated PixelCNN at several image sizes.

Sampling is sequential (one network pass per pixel), so the time grows with the number of
pixels H W times the cost of a pass over H W pixels. Taught in notebooks/05_pixelcnn,
"8. Why sampling is slow". Prints one JSON dict: {"pixelcnn_sample_seconds": {side: seconds}}.

Usage: python benchmarks/bench_pixelcnn.py [SIDE ...]   (default sides 8 16 32; one thread)
"""
from __future__ import annotations

import json
import sys

import torch

from genzoo_lite import best_time, load_pretrained


def main(argv: list[str]) -> int:
    sides = [int(a) for a in argv] or [8, 16, 32]
    torch.set_num_threads(1)  # as in the notebook: tiny convolutions, one thread is fastest
    model = load_pretrained("gated_pixelcnn_digits")
    model.sample(2, shape=(4, 4), generator=torch.Generator().manual_seed(0))  # warm-up
    result = {}
    for side in sides:
        def draw(side=side):
            return model.sample(16, shape=(side, side), generator=torch.Generator().manual_seed(0))

        result[str(side)] = round(best_time(draw, repeat=2 if side <= 16 else 1), 4)
    print(json.dumps({"pixelcnn_sample_seconds": result}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
