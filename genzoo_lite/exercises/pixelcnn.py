"""Self-checks for notebooks/05_pixelcnn."""
from __future__ import annotations

import math
from collections.abc import Callable

import torch

from ..models.autoregressive import AutoregressiveModel
from ..models.pixelcnn import MaskedConv2d
from ._report import call_answer as _call, not_attempted, report, Result

__all__ = ["check_mask", "check_bits_per_dim", "check_chain_rule"]


def check_mask(make_mask: Callable[[int, str], torch.Tensor]) -> Result:
    """Exercise 1: ``make_mask(k, mask_type)`` must return the (k, k) 0/1 raster-order mask."""
    name = "Exercise 1"
    for k in (3, 5):
        for mask_type in ("A", "B"):
            value, error = _call(make_mask, k, mask_type)
            if error == "not_attempted":
                return report(not_attempted("build the mask with zeros, then set the ones"), name)
            if error:
                return report(Result(False, error), name)
            value = torch.as_tensor(value, dtype=torch.float32)
            right = MaskedConv2d.build_mask(k, k, mask_type)
            if value.shape != right.shape:
                return report(Result(False, f"make_mask({k}, {mask_type!r}) has shape "
                                            f"{tuple(value.shape)}, expected ({k}, {k})"), name)
            if torch.equal(value, right):
                continue
            c = k // 2
            if mask_type == "A" and value[c, c] == 1:
                msg = ("mask A must hide the centre: the first layer would see the pixel it "
                       "predicts, and the loss would drop to ~0 by copying it")
            elif mask_type == "B" and value[c, c] == 0:
                msg = "mask B keeps the centre (the features there already exclude x_i)"
            elif torch.equal(value, right.T):
                msg = "transposed: raster order runs along rows, so zero the rows below the centre"
            elif value[c + 1:].any():
                msg = "rows below the centre must be zero: those pixels come later in raster order"
            elif value[c, c + 1:].any():
                msg = "pixels right of the centre in its row come later: set them to zero"
            else:
                msg = (f"make_mask({k}, {mask_type!r}) hides pixels that come earlier; every row "
                       "above the centre and the left part of its row should be 1")
            return report(Result(False, msg), name)
    return report(Result(True, "masks A and B are causal and keep every earlier pixel"), name)


def check_bits_per_dim(bits_per_dim: Callable[[torch.Tensor, int], float]) -> Result:
    """Exercise 2: ``bits_per_dim(log_p, num_pixels)`` from per-image log P(x) in nats."""
    name = "Exercise 2"
    log_p = torch.tensor([-90.0, -110.5, -70.25], dtype=torch.float64)
    value, error = _call(bits_per_dim, log_p.clone(), 64)
    if error == "not_attempted":
        return report(not_attempted("turn nats per image into bits per pixel"), name)
    if error:
        return report(Result(False, error), name)
    value = float(value)
    right = float(-log_p.mean() / (64 * math.log(2)))
    if math.isclose(value, right, rel_tol=1e-6):
        return report(Result(True, f"{value:.4f} bits/dim"), name)
    if math.isclose(value, -right, rel_tol=1e-6):
        msg = "wrong sign: bits/dim is the NEGATIVE log-likelihood (lower is better)"
    elif math.isclose(value, right * math.log(2), rel_tol=1e-6):
        msg = "that is nats per pixel: divide by log(2) to turn nats into bits"
    elif math.isclose(value, right * 64, rel_tol=1e-6):
        msg = "that is bits per image: divide by the number of pixels"
    elif math.isclose(value, right * math.log(2) / math.log(10), rel_tol=1e-6):
        msg = "you divided by log(10); bits need log(2)"
    else:
        msg = f"got {value:.4f}, expected {right:.4f}: -mean(log_p) / (pixels * ln 2)"
    return report(Result(False, msg), name)


def check_chain_rule(log_prob_one_at_a_time: Callable[[AutoregressiveModel, torch.Tensor],
                                                      torch.Tensor],
                     model: AutoregressiveModel, x: torch.Tensor) -> Result:
    """Exercise 3: log P(x) as the sum of the conditionals log P(x_i | x_<i), one pixel at a
    time; compared with ``model.log_prob(x)``."""
    name = "Exercise 3"
    value, error = _call(log_prob_one_at_a_time, model, x.clone())
    if error == "not_attempted":
        return report(not_attempted("add log P(x_i | x_<i) over the pixels"), name)
    if error:
        return report(Result(False, error), name)
    with torch.no_grad():
        right = model.log_prob(x).double()
        logits = model(x).double()  # (N, levels, H, W)
    value = torch.as_tensor(value, dtype=torch.float64).detach()
    if value.shape != right.shape:
        return report(Result(False, f"expected one log-probability per image, shape "
                                    f"{tuple(right.shape)}, got {tuple(value.shape)}"), name)
    if torch.allclose(value, right, atol=1e-3):
        return report(Result(True, "the product of the conditionals is the model's P(x)"), name)
    log_softmax = torch.log_softmax(logits, dim=1)  # (N, levels, H, W)
    if torch.allclose(value, logits.gather(1, x.long()).sum(dim=(1, 2, 3)), atol=1e-3):
        msg = "you summed raw logits; take log_softmax over the levels first"
    elif torch.allclose(value, right.exp(), atol=1e-6):
        msg = "that is P(x) itself; the exercise asks for log P(x) (sum the logs)"
    elif torch.allclose(value, log_softmax.exp().gather(1, x.long()).sum(dim=(1, 2, 3)),
                        atol=1e-3):
        msg = "you added probabilities; the chain rule multiplies them (adds their logs)"
    elif torch.allclose(value, log_softmax.amax(dim=1).sum(dim=(1, 2)), atol=1e-3):
        msg = ("you took the most likely level at each pixel; use the probability of the "
               "observed value x_i (gather at x)")
    else:
        msg = f"max difference {(value - right).abs().max().item():.3g} nats from model.log_prob"
    return report(Result(False, msg), name)
