"""Sample quality beside likelihood for the shipped digits models: digit FID and test bits/dim.

Each model from ``load_pretrained`` draws ``--n`` samples (seed 2, as notebooks/07_zoo_comparison,
"3. Sample quality beside likelihood"); they are scored by ``DigitQuality`` (the shipped
``digit_classifier``'s features, against the 1000 training digits). The reference is the first
``--n`` test digits scored the same way. Bits/dim as in bench_zoo (exact, or the VAE's IWAE
bound). The discretized Gaussian and the GMM are fitted in the notebook and have no recipe.

Usage: python benchmarks/bench_quality.py [--quick] [--n N]   (--quick: IWAE k = 10, N = 100)
Prints one JSON line: {"digit_fid": {model: FID}, "test_bits_per_dim": {...}, ...}.
"""
from __future__ import annotations

import argparse
import json
import math

import torch

try:
    from benchmarks.bench_zoo import ZOO
except ImportError:  # run as `python benchmarks/bench_quality.py`: its folder comes first
    from bench_zoo import ZOO

from genzoo_lite import load_digits, load_pretrained
from genzoo_lite.evaluation.metrics import model_bits_per_dim
from genzoo_lite.evaluation.sample_quality import DigitQuality
from genzoo_lite.models.adversarial.digits_gan import generate


def samplers() -> dict:
    """label -> (sampler(n, generator), recipe scored for bits/dim or None)."""
    models = {label: load_pretrained(name) for label, name in ZOO.items()}
    vae, gan = models["VAE, 8-D"], load_pretrained("gan_digits_8d")
    found = {label: (lambda n, g, m=model: m.sample(n, generator=g), label)
             for label, model in models.items()}
    found["VAE, 8-D (mean image)"] = (lambda n, g: vae.decode(torch.randn(n, 8, generator=g)),
                                      "VAE, 8-D")
    found["GAN (digits)"] = (lambda n, g: generate(gan, torch.randn(n, 8, generator=g)), None)
    return found


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="IWAE k = 10 and 100 samples")
    parser.add_argument("--n", type=int, default=None, help="samples per model (default 200)")
    args = parser.parse_args(argv)
    n = args.n or (100 if args.quick else 200)
    torch.set_num_threads(1)
    (x_train, _), (x_test, y_test) = load_digits("train"), load_digits("test")
    classifier = load_pretrained("digit_classifier")
    quality = DigitQuality(classifier, x_train)
    accuracy = (classifier.predict_proba(x_test).argmax(1) == y_test).float().mean().item()
    scores = {"test digits (reference)": quality(x_test[:n])}
    bits: dict[str, float | None] = {"test digits (reference)": None}
    k = 10 if args.quick else 1000
    with torch.no_grad():
        for label, (sampler, scored) in samplers().items():
            images = sampler(n, torch.Generator().manual_seed(2)).reshape(-1, 1, 8, 8)
            scores[label] = quality(images.double().clamp(0, 16))
            bits[label] = (round(model_bits_per_dim(load_pretrained(ZOO[scored]), x_test, k)[0],
                                 3) if scored else None)
    return {"digit_fid": {m: round(s.fid, 1) for m, s in scores.items()},
            "test_bits_per_dim": bits,
            "classifier_confidence": {m: round(s.confidence, 3) for m, s in scores.items()},
            "classifier_entropy_bits": {m: round(s.entropy, 3) for m, s in scores.items()},
            "samples_per_model": n, "classifier_test_accuracy": round(accuracy, 4),
            "max_entropy_bits": round(math.log2(10), 3)}


if __name__ == "__main__":
    print(json.dumps(main()))
