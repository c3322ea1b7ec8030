"""Self-checks for notebooks/06_vqvae2.

Each check builds its own inputs (untrained seeded models, or code usage drawn from fixed
distributions) in well under a second, so the grader can call it outside the notebook.
"""
from __future__ import annotations

import math
from collections.abc import Callable

import torch

from genzoo_lite.exercises._report import (
    Exercise,
    Result,
    as_number,
    confirm,
    not_attempted,
    on_random_inputs,
    report,
    same_number,
)
from genzoo_lite.exercises._report import call_answer as _call
from genzoo_lite.models.quantized.quantizer import perplexity
from genzoo_lite.models.quantized.vqvae2 import VQVAE2

__all__ = ["check_compression_ratio", "check_codebook_size", "check_usage_bits", "EXERCISES"]


def _close(value: float, target: float) -> bool:
    return math.isclose(value, target, rel_tol=1e-4)


# ----- Exercise 1: compression ratio of the two code maps ----------------------------------
def check_compression_ratio(compression_ratio: Callable[[VQVAE2, int, int], float]) -> Result:
    """Exercise 1: ``compression_ratio(model, height, width)`` = bits of an 8-bit gray image /
    bits of its two code maps, each code stored in log2(K) bits (fixed length)."""
    name = "Exercise 1"
    ratios = []
    for k_top, k_bottom, height, width in ((32, 64, 32, 32), (16, 256, 64, 48)):
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            model = VQVAE2(num_codes_top=k_top, num_codes_bottom=k_bottom).eval()
        value, error = _call(compression_ratio, model, height, width)
        if error == "not_attempted":
            return report(not_attempted("how many codes at each level, and how many bits each?"),
                          name)
        if error:
            return report(Result(False, error), name)
        value, _ = as_number(value)
        if value is None:
            return report(Result(False, "expected a number (pixel bits / code bits)"), name)
        pixels = height * width
        top, bottom = pixels // 64, pixels // 16  # maps of H/8 x W/8 and H/4 x W/4 codes
        code_bits = top * math.log2(k_top) + bottom * math.log2(k_bottom)
        right = 8 * pixels / code_bits
        if _close(value, right):
            ratios.append(f"{right:.1f}x at {height}x{width} with K = {k_top}, {k_bottom}")
            continue
        mistakes = [
            (1 / right, "upside down: the ratio is the pixels' bits over the codes' bits"),
            (8 * pixels / (top * math.log(k_top) + bottom * math.log(k_bottom)),
             "log K is in nats: a code that is one of K values takes log2(K) bits"),
            (8 * pixels / (top * k_top + bottom * k_bottom),
             "a code is one of K values: it takes log2(K) bits, not K"),
            (8 * pixels / (bottom * math.log2(k_bottom)), "you left out the top code map"),
            (8 * pixels / (top * math.log2(k_top)), "you left out the bottom code map"),
            (pixels / code_bits, "a gray pixel of 256 levels takes 8 bits, not 1"),
            (8 * pixels / (16 * math.log2(k_top) + 64 * math.log2(k_bottom)),
             f"the code maps grow with the image: at {height}x{width} the top map is "
             f"{height // 8}x{width // 8}, not 4x4 (try model.encode on a blank image)")]
        msg = next((m for wrong, m in mistakes if _close(value, wrong)),
                   f"got {value:.4g} for a {height}x{width} image with K = {k_top} top and "
                   f"{k_bottom} bottom codes, expected {right:.4g}")
        return report(Result(False, msg), name)
    return report(confirm(Result(True, "; ".join(ratios)), random_compression_ratio,
                          compression_ratio), name)


# ----- Exercise 2: the codebook size by perplexity -----------------------------------------
# Perplexity per codebook size, as after training one quantizer of each size: it stops growing
# past some size. Placed so that a perplexity in another base picks another size: the rule on
# perplexities gives 64; on entropies (log perplexity) 16; on 2 ** (entropy in nats) 32; on
# e ** (entropy in bits) 128; and the largest perplexity (256) is not the largest size (512).
_PERPLEXITY = {8: 8.0, 16: 15.5, 32: 17.5, 64: 18.3, 128: 19.0, 256: 20.0, 512: 19.6}


def _usage() -> dict[int, torch.Tensor]:
    """Code counts (4096 codes in all) with the perplexities of ``_PERPLEXITY``: a geometric
    usage over the K codes, its decay found by bisection (rare codes round to 0, dead)."""
    def counts(k: int, target: float, total: int = 4096) -> torch.Tensor:
        lo, hi = 0.0, 4.0
        for _ in range(60):
            rate = (lo + hi) / 2
            p = torch.exp(-rate * torch.arange(k, dtype=torch.float64))
            c = (total * p / p.sum()).round().long()
            q = c[c > 0].double() / c.sum()
            lo, hi = (rate, hi) if (-(q * q.log()).sum()).exp() > target else (lo, rate)
        return c[torch.randperm(k, generator=torch.Generator().manual_seed(k))]

    return {k: counts(k, target) for k, target in _PERPLEXITY.items()}


def _perplexities(usage: dict[int, torch.Tensor]) -> dict[int, float]:
    return {k: perplexity(torch.repeat_interleave(torch.arange(k), c), k).item()
            for k, c in usage.items()}


def _smallest_reaching(scores: dict[int, float], fraction: float = 0.9) -> int:
    best = max(scores.values())
    return min(k for k, s in scores.items() if s >= fraction * best)


def check_codebook_size(pick_size: Callable[[dict[int, torch.Tensor]], int]) -> Result:
    """Exercise 2: ``pick_size(usage)`` with ``usage = {K: counts (K,)}`` returns the smallest
    K whose perplexity reaches 0.9 times the highest perplexity of all sizes."""
    name = "Exercise 2"
    usage = _usage()
    value, error = _call(pick_size, {k: c.clone() for k, c in usage.items()})
    if error == "not_attempted":
        return report(not_attempted("the perplexity of each size's counts, then the rule"), name)
    if error:
        return report(Result(False, error), name)
    scores = _perplexities(usage)
    right = _smallest_reaching(scores)
    if value == right:
        return report(confirm(Result(True, f"K = {right}: perplexity {scores[right]:.1f}, "
                                           f"against at most {max(scores.values()):.1f} for any "
                                           "size"), random_codebook_size, pick_size), name)
    used = {k: float((c > 0).sum()) for k, c in usage.items()}
    fullest = max(s / k for k, s in scores.items())
    if any(value == k and s / k > fullest - 1e-4 for k, s in scores.items()):
        return report(Result(False, "that size uses the largest fraction of its codes; the "
                                    "rule asks for the perplexity itself"), name)
    mistakes = [
        (max(usage), "the largest codebook is not the best: past some size the extra codes go "
                     "unused, and the perplexity stops growing"),
        (max(scores, key=scores.get), "that size has the highest perplexity; the rule asks for "
                                      "the smallest size within 0.9 of it"),
        (_smallest_reaching({k: math.log(s) for k, s in scores.items()}),
         "you compared entropies (log perplexity); the rule compares perplexities"),
        (_smallest_reaching({k: 2 ** math.log(s) for k, s in scores.items()}),
         "the base of the perplexity must match the entropy's log: exp(entropy in nats), or "
         "2 ** (entropy in bits); you raised 2 to an entropy in nats"),
        (_smallest_reaching({k: math.exp(math.log2(s)) for k, s in scores.items()}),
         "the base of the perplexity must match the entropy's log: exp(entropy in nats), or "
         "2 ** (entropy in bits); you raised e to an entropy in bits"),
        (_smallest_reaching(used), "you counted the codes used at least once; rare codes count "
                                   "as much as busy ones there, use the perplexity")]
    msg = next((m for wrong, m in mistakes if value == wrong),
               f"got {value!r}, expected one of the sizes {sorted(usage)}: the smallest whose "
               "perplexity reaches 0.9 times the highest")
    return report(Result(False, msg), name)


# ----- Exercise 3: bits per crop with codes entropy-coded by their usage -------------------
def _code_maps() -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(3)
    p_top = 1 / torch.arange(1.0, 33.0)  # (32,) a Zipf-like usage
    p_bottom = torch.exp(-torch.arange(64.0) / 12)  # (64,)
    top = torch.multinomial(p_top, 40 * 15, True, generator=gen).view(40, 3, 5)
    bottom = torch.multinomial(p_bottom, 40 * 60, True, generator=gen).view(40, 6, 10)
    return top, bottom


def check_usage_bits(usage_bits: Callable[[torch.Tensor, torch.Tensor, int, int], float]
                     ) -> Result:
    """Exercise 3: ``usage_bits(top, bottom, num_codes_top, num_codes_bottom)`` = the average
    bits per image when each level's codes are entropy-coded by their usage frequencies."""
    name = "Exercise 3"
    top, bottom = _code_maps()
    value, error = _call(usage_bits, top.clone(), bottom.clone(), 32, 64)
    if error == "not_attempted":
        return report(not_attempted("bits per code from the usage, times codes per image"),
                      name)
    if error:
        return report(Result(False, error), name)
    value, _ = as_number(value)
    if value is None:
        return report(Result(False, "expected a number: bits per image"), name)
    p_top, p_bottom = perplexity(top, 32).item(), perplexity(bottom, 64).item()
    right = 15 * math.log2(p_top) + 60 * math.log2(p_bottom)
    if _close(value, right):
        return report(confirm(Result(True, f"{right:.1f} bits per image, against "
                                           f"{15 * 5 + 60 * 6} for fixed-length codes"),
                              random_usage_bits, usage_bits), name)
    mistakes = [
        (15 * 5 + 60 * 6, "that is the fixed-length code (log2 K bits per code); coding by "
                          "usage needs only log2(perplexity) bits per code on average"),
        (15 * math.log(p_top) + 60 * math.log(p_bottom), "that is in nats: divide by ln 2"),
        (40 * right, "that is the total for all 40 images; the exercise asks per image"),
        (math.log2(p_top) + math.log2(p_bottom), "that is bits per code at each level, "
                                                 "added; multiply by the codes per image"),
        (15 * p_top + 60 * p_bottom, "a perplexity is a number of codes, not bits: a code "
                                     "takes log2(perplexity) bits"),
        (60 * math.log2(p_bottom), "you left out the top codes"),
        (15 * math.log2(p_top), "you left out the bottom codes")]
    msg = next((m for wrong, m in mistakes if _close(value, wrong)),
               f"got {value:.4g} bits per image, expected {right:.4g}")
    return report(Result(False, msg), name)



# ----- the grader's random inputs (genzoo-grade draws a new seed for every run) ---------------
def random_compression_ratio(compression_ratio: Callable, seed: int) -> Result:
    gen = torch.Generator().manual_seed(seed)
    k_top, k_bottom = (2 ** int(torch.randint(3, 10, (1,), generator=gen)) for _ in range(2))
    height, width = (16 * int(torch.randint(2, 7, (1,), generator=gen)) for _ in range(2))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = VQVAE2(num_codes_top=k_top, num_codes_bottom=k_bottom).eval()
    pixels = height * width
    right = 8 * pixels / (pixels // 64 * math.log2(k_top) + pixels // 16 * math.log2(k_bottom))
    return on_random_inputs(compression_ratio, [((model, height, width), right,
                                                 f"{height}x{width}, K = {k_top}, {k_bottom}")],
                            same_number(rel=1e-4))


def random_codebook_size(pick_size: Callable, seed: int) -> Result:
    gen = torch.Generator().manual_seed(seed)
    usage = {}
    for k in (8, 16, 32, 64, 128, 256):
        counts = torch.zeros(k, dtype=torch.long)
        busy = int(torch.randint(max(2, min(k // 4, 24)), min(k, 48) + 1, (1,), generator=gen))
        counts[:busy] = torch.randint(20, 200, (busy,), generator=gen)
        usage[k] = counts[torch.randperm(k, generator=gen)]
    right = _smallest_reaching(_perplexities(usage))

    def same(value, want) -> bool:
        number, error = as_number(value)
        return error is None and number == want

    return on_random_inputs(pick_size, [(({k: c.clone() for k, c in usage.items()},), right,
                                         "random code counts for K = 8 ... 256")], same)


def random_usage_bits(usage_bits: Callable, seed: int) -> Result:
    gen = torch.Generator().manual_seed(seed)
    k_top, k_bottom = 16, 128
    top = torch.multinomial(torch.rand(k_top, generator=gen) ** 3, 30 * 12, True,
                            generator=gen).view(30, 3, 4)
    bottom = torch.multinomial(torch.rand(k_bottom, generator=gen) ** 3, 30 * 48, True,
                               generator=gen).view(30, 6, 8)
    right = 12 * math.log2(perplexity(top, k_top).item()) + \
        48 * math.log2(perplexity(bottom, k_bottom).item())
    return on_random_inputs(usage_bits, [((top.clone(), bottom.clone(), k_top, k_bottom), right,
                                          "30 random 3x4 and 6x8 code maps, K = 16, 128")],
                            same_number(rel=1e-4))


EXERCISES = [
    Exercise("Exercise 1", "exercise_compression_ratio", check_compression_ratio,
             random_compression_ratio),
    Exercise("Exercise 2", "exercise_codebook_size", check_codebook_size, random_codebook_size),
    Exercise("Exercise 3", "exercise_usage_bits", check_usage_bits, random_usage_bits)]
