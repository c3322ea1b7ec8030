"""Sample quality of the digits models beside their likelihood: an FID for 8x8 digits.

Bits/dim scores how much probability a model puts on the test digits; it says little about how
its samples look (Theis et al. 2016, "A note on the evaluation of generative models"). Here the
samples are judged the way FID judges ImageNet models, with a small digit classifier
(:class:`~genzoo_lite.evaluation.digit_classifier.DigitClassifier`, recipe ``digit_classifier``)
in place of the Inception network:

* the **Fréchet distance** between Gaussians fitted to the classifier's penultimate features of
  the samples and of the training digits, ``|mu_a - mu_b|^2 + tr(C_a + C_b - 2 (C_a C_b)^(1/2))``:
  0 for identical feature statistics; noise, blur and missing digit classes all raise it;
* the classifier's **confidence** (mean largest class probability) and **entropy** (mean
  entropy of p(class | sample), bits): does each sample look like one definite digit?

The floor is the held-out test digits' own score: a model whose samples were as good as real
unseen digits would score there, not at 0 (FID is biased upwards at finite sample sizes, so
compare sets of the same size). Taught in notebooks/07_zoo_comparison, "Sample quality beside
likelihood".
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import torch
from torch import nn

from genzoo_lite.core.checks import check_int

__all__ = ["gaussian_stats", "frechet_distance", "fid", "confidence_entropy", "Quality",
           "DigitQuality"]


def gaussian_stats(features: torch.Tensor | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean (D,) and covariance (D, D) of features (N, D), N >= 2, in float64."""
    f = np.asarray(features.detach().cpu() if isinstance(features, torch.Tensor) else features,
                   dtype=np.float64)
    if f.ndim != 2 or f.shape[0] < 2:
        raise ValueError(f"features must have shape (N, D) with N >= 2, got {f.shape}")
    if not np.isfinite(f).all():
        raise ValueError("features have NaN or infinite values")
    return f.mean(0), np.cov(f, rowvar=False).reshape(f.shape[1], f.shape[1])


def _psd_sqrt(c: np.ndarray) -> np.ndarray:
    """The symmetric square root of a covariance, by its eigen decomposition (eigenvalues that
    rounding made slightly negative are set to 0)."""
    w, v = np.linalg.eigh((c + c.T) / 2)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def frechet_distance(mu_a: np.ndarray, cov_a: np.ndarray, mu_b: np.ndarray,
                     cov_b: np.ndarray) -> float:
    """The squared Fréchet (2-Wasserstein) distance between N(mu_a, cov_a) and N(mu_b, cov_b).

    tr (C_a C_b)^(1/2) is computed as the sum of the square roots of the eigenvalues of the
    symmetric matrix C_a^(1/2) C_b C_a^(1/2) (same eigenvalues as C_a C_b): real by construction,
    so no imaginary parts to discard as ``scipy.linalg.sqrtm(C_a @ C_b)`` leaves, and exact for
    singular covariances (dead ReLU features).
    """
    mu_a, mu_b = np.asarray(mu_a, np.float64), np.asarray(mu_b, np.float64)
    cov_a, cov_b = np.asarray(cov_a, np.float64), np.asarray(cov_b, np.float64)
    d = mu_a.shape[0]
    if mu_a.shape != (d,) or mu_b.shape != (d,) or cov_a.shape != (d, d) or cov_b.shape != (d, d):
        raise ValueError(f"need means (D,) and covariances (D, D) of one D, got {mu_a.shape}, "
                         f"{cov_a.shape}, {mu_b.shape}, {cov_b.shape}")
    root_a = _psd_sqrt(cov_a)
    middle = root_a @ cov_b @ root_a
    eig = np.linalg.eigvalsh((middle + middle.T) / 2)
    trace_sqrt = np.sqrt(np.clip(eig, 0, None)).sum()
    value = ((mu_a - mu_b) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b) - 2 * trace_sqrt
    return float(max(value, 0.0))  # rounding can leave -1e-12 for identical statistics


def fid(features_a: torch.Tensor | np.ndarray, features_b: torch.Tensor | np.ndarray) -> float:
    """The Fréchet distance between Gaussians fitted to two feature sets (N_a, D), (N_b, D)."""
    return frechet_distance(*gaussian_stats(features_a), *gaussian_stats(features_b))


def confidence_entropy(probs: torch.Tensor) -> tuple[float, float]:
    """(mean largest probability, mean entropy in bits) of class probabilities (N, K)."""
    if not isinstance(probs, torch.Tensor) or probs.ndim != 2 or len(probs) < 1:
        raise ValueError("probs must be a tensor of class probabilities (N, K)")
    p = probs.double()
    if (p < 0).any() or not torch.allclose(p.sum(1), torch.ones(len(p), dtype=p.dtype),
                                           atol=1e-4):
        raise ValueError("probs must be non-negative with rows summing to 1 (a softmax)")
    entropy = -(p * p.clamp_min(1e-30).log2()).sum(1)
    return float(p.max(1).values.mean()), float(entropy.mean())


class Quality(NamedTuple):
    """One sample set's scores: ``fid`` against the reference set, the classifier's mean
    ``confidence`` and mean ``entropy`` (bits; log2 10 = 3.32 for a uniform guess)."""

    fid: float
    confidence: float
    entropy: float


class DigitQuality:
    """Scores digit sets against a reference set (the training digits) with a trained classifier.

    ``DigitQuality(load_pretrained("digit_classifier"), x_train)(samples)`` gives a
    :class:`Quality`. Samples are (N, 1, 8, 8) on the level scale 0..16 (integers or floats).
    """

    def __init__(self, classifier: nn.Module, reference: torch.Tensor) -> None:
        self.classifier = classifier.eval()
        self.reference_stats = gaussian_stats(self.features(reference))

    @torch.no_grad()
    def features(self, x: torch.Tensor, batch_size: int = 512) -> torch.Tensor:
        """The classifier's penultimate features of x, (N, D)."""
        check_int("batch_size", batch_size)
        return torch.cat([self.classifier.features(x[i:i + batch_size])
                          for i in range(0, len(x), batch_size)])

    def __call__(self, samples: torch.Tensor) -> Quality:
        if not isinstance(samples, torch.Tensor) or samples.ndim != 4 or len(samples) < 2:
            got = (tuple(samples.shape) if isinstance(samples, torch.Tensor)
                   else type(samples).__name__)
            raise ValueError(f"samples must be a tensor (N, 1, 8, 8) with N >= 2, got {got}")
        distance = frechet_distance(*gaussian_stats(self.features(samples)),
                                    *self.reference_stats)
        confidence, entropy = confidence_entropy(self.classifier.predict_proba(samples))
        return Quality(distance, confidence, entropy)


#: log2 of the number of classes: the entropy of a classifier that cannot tell.
MAX_ENTROPY = math.log2(10)
