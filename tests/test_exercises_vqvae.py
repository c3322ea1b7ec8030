"""notebooks/06_vqvae2: the key passes every check, and each usual mistake gets its message."""
from __future__ import annotations

import math

import torch
from solutions import load_solutions

from genzoo_lite.exercises import vqvae as ex
from genzoo_lite.models.quantized.quantizer import perplexity

key = load_solutions("06_vqvae2")


def test_compression_ratio_names_the_mistakes():
    def ratio(model, h, w, *, log=math.log2, levels=("top", "bottom"), pixel_bits=8,
              fixed_maps=False):
        maps = {"top": (16 if fixed_maps else h * w // 64, model.quant_top.num_codes),
                "bottom": (64 if fixed_maps else h * w // 16, model.quant_bottom.num_codes)}
        return pixel_bits * h * w / sum(n * log(k) for level, (n, k) in maps.items()
                                        if level in levels)

    assert ex.check_compression_ratio(ratio).ok
    assert "upside down" in ex.check_compression_ratio(lambda *a: 1 / ratio(*a)).message
    assert "nats" in ex.check_compression_ratio(lambda *a: ratio(*a, log=math.log)).message
    assert "not K" in ex.check_compression_ratio(lambda *a: ratio(*a, log=float)).message
    assert "left out the top" in ex.check_compression_ratio(
        lambda *a: ratio(*a, levels=("bottom",))).message
    assert "left out the bottom" in ex.check_compression_ratio(
        lambda *a: ratio(*a, levels=("top",))).message
    assert "8 bits" in ex.check_compression_ratio(lambda *a: ratio(*a, pixel_bits=1)).message
    assert "grow with the image" in ex.check_compression_ratio(
        lambda *a: ratio(*a, fixed_maps=True)).message
    assert "expected a number" in ex.check_compression_ratio(lambda *a: None).message


def test_codebook_size_names_the_mistakes():
    scores = ex._perplexities(ex._usage())
    assert sorted(scores) == [8, 16, 32, 64, 128, 256, 512]
    assert ex.check_codebook_size(key.exercise_codebook_size).ok
    # 64 is right on the fixed usage, but a constant fails on the check's random usage
    assert "not on the check's random inputs" in ex.check_codebook_size(lambda u: 64).message
    assert "largest codebook" in ex.check_codebook_size(lambda u: max(u)).message
    assert "highest perplexity" in ex.check_codebook_size(
        lambda u: max(scores, key=scores.get)).message
    assert "entropies" in ex.check_codebook_size(lambda u: 16).message
    # 8 uses every one of its codes equally (perplexity 8 of 8), the largest fraction
    assert "fraction of its codes" in ex.check_codebook_size(lambda u: 8).message
    assert "expected one of the sizes" in ex.check_codebook_size(lambda u: 100).message


def test_usage_bits_names_the_mistakes():
    def bits(top, bottom, kt, kb, *, log=math.log2, per_image=True):
        n_top, n_bottom = (top[0].numel(), bottom[0].numel()) if per_image else \
            (top.numel(), bottom.numel())
        return n_top * log(perplexity(top, kt)) + n_bottom * log(perplexity(bottom, kb))

    assert ex.check_usage_bits(bits).ok
    assert "fixed-length" in ex.check_usage_bits(
        lambda t, b, kt, kb: t[0].numel() * math.log2(kt) + b[0].numel() * math.log2(kb)).message
    assert "nats" in ex.check_usage_bits(lambda *a: bits(*a, log=torch.log)).message
    assert "all 40 images" in ex.check_usage_bits(lambda *a: bits(*a, per_image=False)).message
    assert "bits per code" in ex.check_usage_bits(
        lambda t, b, kt, kb: math.log2(perplexity(t, kt)) + math.log2(perplexity(b, kb))).message
    assert "not bits" in ex.check_usage_bits(lambda *a: bits(*a, log=lambda p: p)).message
    assert "left out the top" in ex.check_usage_bits(
        lambda t, b, kt, kb: b[0].numel() * math.log2(perplexity(b, kb))).message


def _pick_by(perplexity_of):
    """The exercise's rule on ``perplexity_of(p)``, p the usage frequencies of one size."""
    def pick(usage):
        scores = {}
        for k, counts in usage.items():
            p = counts.double() / counts.sum()
            scores[k] = perplexity_of(p[p > 0])
        best = max(scores.values())
        return min(k for k, s in scores.items() if s >= 0.9 * best)
    return pick


def test_a_perplexity_in_the_wrong_base_fails():
    def nats(p):
        return -(p * p.log()).sum().item()

    def bits(p):
        return -(p * p.log2()).sum().item()

    assert ex.check_codebook_size(_pick_by(lambda p: math.exp(nats(p)))).ok
    assert ex.check_codebook_size(_pick_by(lambda p: 2 ** bits(p))).ok
    for wrong in (lambda p: 2 ** nats(p), lambda p: math.exp(bits(p)),
                  lambda p: 10 ** nats(p), lambda p: 10 ** bits(p), nats, bits):
        result = ex.check_codebook_size(_pick_by(wrong))
        assert not result.ok, result
    assert "base" in ex.check_codebook_size(_pick_by(lambda p: 2 ** nats(p))).message
    assert "base" in ex.check_codebook_size(_pick_by(lambda p: math.exp(bits(p)))).message
