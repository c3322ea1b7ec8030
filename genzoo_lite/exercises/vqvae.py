"""Self-checks for notebooks/06_vqvae2."""
from __future__ import annotations

import math
from collections.abc import Callable

import torch

from ..models.quantizer import perplexity
from ._report import call_answer as _call, not_attempted, report, Result

__all__ = ["check_nearest_code", "check_straight_through", "check_perplexity"]

_CODEBOOK = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [3.0, 3.0]])
_Z = torch.tensor([[0.1, 0.2], [0.8, -0.1], [0.4, 0.9], [2.0, 2.5], [-1.0, 0.3], [0.6, 0.5]])


def check_nearest_code(nearest_code: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
                       ) -> Result:
    """Exercise 1: ``nearest_code(z, codebook)`` returns, per row of z (M, D), the index of the
    nearest codebook row (K, D) in Euclidean distance."""
    name = "Exercise 1"
    value, error = _call(nearest_code, _Z.clone(), _CODEBOOK.clone())
    if error == "not_attempted":
        return report(not_attempted("return the argmin over codes of ||z - e_k||^2"), name)
    if error:
        return report(Result(False, error), name)
    value = torch.as_tensor(value)
    right = torch.cdist(_Z, _CODEBOOK).argmin(dim=1)
    if value.shape != right.shape:
        return report(Result(False, f"expected one index per row of z, shape "
                                    f"{tuple(right.shape)}, got {tuple(value.shape)}"), name)
    if torch.equal(value.long(), right):
        return report(Result(True, f"indices {right.tolist()}"), name)
    if torch.equal(value.long(), torch.cdist(_Z, _CODEBOOK).argmax(dim=1)):
        msg = "you took the farthest code (argmax); the nearest is the argmin"
    elif torch.equal(value.long(), (_Z @ _CODEBOOK.T).argmax(dim=1)):
        msg = ("you took the largest dot product z . e_k; the distance also has the "
               "+||e_k||^2 term, which differs between codes")
    else:
        msg = f"got {value.tolist()}, expected {right.tolist()}"
    return report(Result(False, msg), name)


def check_straight_through(straight_through: Callable[[torch.Tensor, torch.Tensor],
                                                      torch.Tensor]) -> Result:
    """Exercise 2: ``straight_through(z_e, e)`` has the value e and the gradient of z_e."""
    name = "Exercise 2"
    z_e = _Z.clone().requires_grad_(True)
    e = _CODEBOOK[torch.cdist(_Z, _CODEBOOK).argmin(1)].clone().requires_grad_(True)
    value, error = _call(straight_through, z_e, e)
    if error == "not_attempted":
        return report(not_attempted("forward: the code e; backward: the identity to z_e"), name)
    if error:
        return report(Result(False, error), name)
    if not isinstance(value, torch.Tensor) or value.shape != e.shape:
        return report(Result(False, f"expected a tensor of shape {tuple(e.shape)}"), name)
    if not torch.allclose(value, e):
        return report(Result(False, "the forward value must be the code e, not z_e"), name)
    if not value.requires_grad:
        return report(Result(False, "no gradient reaches z_e: did you detach everything?"), name)
    g = torch.arange(12.0).reshape(6, 2)
    grads = torch.autograd.grad((value * g).sum(), (z_e, e), allow_unused=True)
    if grads[0] is None or not torch.allclose(grads[0], g):
        return report(Result(False, "d output / d z_e must be the identity: write it as "
                                    "z_e + (e - z_e).detach()"), name)
    if grads[1] is not None and grads[1].abs().sum() > 0:
        return report(Result(False, "the codes got a gradient through this path too; the "
                                    "codebook loss alone should move them (detach e)"), name)
    return report(Result(True, "forward the code, backward the identity"), name)


def check_perplexity(usage_perplexity: Callable[[torch.Tensor, int], torch.Tensor]) -> Result:
    """Exercise 3: ``usage_perplexity(indices, num_codes)`` = exp(entropy of code usage)."""
    name = "Exercise 3"
    indices = torch.tensor([0, 0, 0, 1, 1, 2, 5, 5])
    value, error = _call(usage_perplexity, indices.clone(), 8)
    if error == "not_attempted":
        return report(not_attempted("count each code, normalise, exp(-sum p log p)"), name)
    if error:
        return report(Result(False, error), name)
    right = perplexity(indices, 8).item()
    value = float(value)
    if math.isnan(value):
        msg = "got NaN: unused codes have p = 0, and 0 * log 0 must count as 0"
    elif math.isclose(value, right, rel_tol=1e-5):
        return report(Result(True, f"perplexity {right:.3f} of 8 codes (4 used)"), name)
    elif math.isclose(value, math.log(right), rel_tol=1e-5):
        msg = "that is the entropy in nats; the perplexity is its exponential"
    elif math.isclose(value, math.log2(right), rel_tol=1e-5):
        msg = "that is the entropy in bits; the perplexity is 2**bits = exp(nats)"
    elif math.isclose(value, 4.0):
        msg = "that is the number of codes used; the perplexity weighs them by how often"
    else:
        msg = f"got {value:.4f}, expected {right:.4f}"
    return report(Result(False, msg), name)
