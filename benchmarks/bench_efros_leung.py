"""Efros-Leung cost: the vectorized version against the reference loop, in ms per output pixel.

The target case (at most 0.1 ms per pixel): a 64x64 output from the 64x64 top-left crop of the
brick texture with an 11x11 window (error_threshold 0.1, seed 0). Also the fast version's cost
against the window size and the sample size. A script, not a test: times depend on the machine
and its load, which is reported with the numbers.

Usage: python benchmarks/bench_efros_leung.py [--quick]
  --quick  time the reference on a 16x16 output instead of the full 64x64 one (its cost per
           pixel hardly depends on the output size; the full run takes minutes).
Progress goes to stderr; the last line on stdout is one JSON object (read by benchmarks/run.py).
"""
from __future__ import annotations

import json
import os
import sys

import numpy as np
import torch

from genzoo_lite.core.data import load_texture
from genzoo_lite.core.timing import best_time
from genzoo_lite.models.nonparametric.efros_leung import SEED_SIZE, efros_leung_reference
from genzoo_lite.models.nonparametric.efros_leung_fast import efros_leung


def ms_per_pixel(synth, sample: np.ndarray, size: int, window: int, repeat: int = 1
                 ) -> tuple[float, np.ndarray]:
    """Best time of ``repeat`` runs in ms per synthesized pixel (the seed patch is copied, not
    synthesized), and the output."""
    outputs = []
    seconds = best_time(lambda: outputs.append(
        synth(sample, (size, size), window=window, error_threshold=0.1, seed=0)), repeat=repeat)
    return 1000 * seconds / (size * size - SEED_SIZE**2), outputs[-1]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(quick: bool) -> dict:
    torch.set_num_threads(1)  # as in the notebooks: extra threads only wait on a busy machine
    brick = load_texture("brick")
    sample = brick[:64, :64]
    load_before = os.getloadavg()[0]

    fast_ms, fast_out = ms_per_pixel(efros_leung, sample, 64, 11, repeat=3)
    log(f"fast, 64x64 output, window 11: {fast_ms:.3f} ms/pixel")
    ref_size = 16 if quick else 64
    ref_ms, ref_out = ms_per_pixel(efros_leung_reference, sample, ref_size, 11)
    log(f"reference, {ref_size}x{ref_size} output, window 11: {ref_ms:.2f} ms/pixel")
    if quick:
        identical = bool(np.array_equal(efros_leung(sample, (16, 16), window=11, seed=0),
                                        ref_out))
    else:
        identical = bool(np.array_equal(fast_out, ref_out))

    by_window = {}
    for window in (5, 7, 11, 15, 21):
        by_window[window] = round(ms_per_pixel(efros_leung, sample, 32, window, repeat=2)[0], 4)
        log(f"fast, 32x32 output, window {window}: {by_window[window]} ms/pixel")
    by_sample = {}
    for side in (32, 48, 64, 96, 128, 192):
        by_sample[side] = round(ms_per_pixel(efros_leung, brick[:side, :side], 32, 11,
                                             repeat=2)[0], 4)
        log(f"fast, 32x32 output, sample {side}x{side}: {by_sample[side]} ms/pixel")

    return {
        "efros_leung_ms_per_pixel": round(fast_ms, 4),
        "efros_leung_reference_ms_per_pixel": round(ref_ms, 3),
        "efros_leung_speedup": round(ref_ms / fast_ms, 1),
        "efros_leung_reference_output": f"{ref_size}x{ref_size}",
        "efros_leung_fast_equals_reference": identical,
        "efros_leung_ms_per_pixel_by_window": by_window,
        "efros_leung_ms_per_pixel_by_sample_side": by_sample,
        "efros_leung_threads": 1,
        "efros_leung_load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }


if __name__ == "__main__":
    print(json.dumps(main(quick="--quick" in sys.argv[1:])))
