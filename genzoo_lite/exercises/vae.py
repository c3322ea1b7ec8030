"""Self-checks for notebooks/03_vae."""
from __future__ import annotations

import math
from collections.abc import Callable

import torch

from ..models import vae as _vae
from ._report import call_answer as _call, not_attempted, report, Result

__all__ = ["check_kl", "check_reparameterize", "check_iwae"]

_MU = torch.tensor([[0.5, -1.0, 2.0], [0.0, 0.3, -0.7]], dtype=torch.float64)
_LOG_VAR = torch.tensor([[0.2, -1.5, 0.7], [-0.4, 1.1, 0.0]], dtype=torch.float64)


def _as_tensor(value, shape: tuple[int, ...]) -> tuple[torch.Tensor | None, str | None]:
    try:
        value = torch.as_tensor(value, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError) as err:
        return None, f"expected a tensor, got {type(value).__name__} ({err})"
    if tuple(value.shape) != shape:
        return None, f"expected shape {shape}, got {tuple(value.shape)}"
    return value, None


def check_kl(kl: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> Result:
    """Exercise 1: ``kl(mu, log_var)`` must return KL(N(mu, exp(log_var)) || N(0, I)), (N,)."""
    name = "Exercise 1"
    value, error = _call(kl, _MU.clone(), _LOG_VAR.clone())
    if error == "not_attempted":
        return report(not_attempted("write the closed-form KL"), name)
    if error:
        return report(Result(False, error), name)
    value, error = _as_tensor(value, (2,))
    if error:
        return report(Result(False, error + ": one KL per row, summed over the latent dims"), name)
    right = _vae.gaussian_kl(_MU, _LOG_VAR)
    if torch.allclose(value, right):
        return report(Result(True, f"KL = {right.numpy().round(4).tolist()} nats"), name)
    var = _LOG_VAR.exp()
    if torch.allclose(value, 2 * right):
        msg = "twice the right value: the KL has a factor 1/2 in front"
    elif torch.allclose(value, -right):
        msg = "wrong sign: a KL divergence is never negative"
    elif torch.allclose(value, 0.5 * (_MU**2 + var.sqrt() - 1 - _LOG_VAR).sum(1)):
        msg = "you used sigma where sigma^2 = exp(log_var) belongs"
    elif torch.allclose(value, 0.5 * (var - 1 - _LOG_VAR).sum(1)):
        msg = "the mu^2 term is missing: moving the mean away from 0 costs KL too"
    else:
        msg = (f"got {value.numpy().round(4).tolist()}, expected "
               f"{right.numpy().round(4).tolist()}; 1/2 sum(mu^2 + sigma^2 - 1 - log sigma^2)")
    return report(Result(False, msg), name)


def check_reparameterize(reparameterize: Callable[[torch.Tensor, torch.Tensor, torch.Tensor],
                                                  torch.Tensor]) -> Result:
    """Exercise 2: ``reparameterize(mu, log_var, eps)`` must return z = mu + sigma * eps."""
    name = "Exercise 2"
    eps = torch.tensor([[1.0, -0.5, 2.0], [0.3, 1.5, -1.0]], dtype=torch.float64)
    mu = _MU.clone().requires_grad_(True)
    value, error = _call(reparameterize, mu, _LOG_VAR.clone(), eps)
    if error == "not_attempted":
        return report(not_attempted("write z from mu, log_var and eps"), name)
    if error:
        return report(Result(False, error), name)
    if not isinstance(value, torch.Tensor) or not value.requires_grad:
        return report(Result(False, "z carries no gradient to mu: build it from mu with torch "
                                    "operations (no .item(), no torch.randn inside)"), name)
    value, error = _as_tensor(value.detach(), (2, 3))
    if error:
        return report(Result(False, error), name)
    right = _vae.reparameterize(_MU, _LOG_VAR, eps)
    if torch.allclose(value, right):
        return report(Result(True, "z = mu + exp(log_var / 2) * eps, differentiable in mu and "
                                   "sigma"), name)
    if torch.allclose(value, _MU + _LOG_VAR.exp() * eps):
        msg = "exp(log_var) is the variance; the standard deviation is exp(log_var / 2)"
    elif torch.allclose(value, _MU + _LOG_VAR * eps):
        msg = "log_var is a log-variance; turn it into sigma with exp(log_var / 2)"
    elif torch.allclose(value, (0.5 * _LOG_VAR).exp() * eps):
        msg = "you forgot to add the mean mu"
    else:
        msg = "not mu + sigma * eps; use the eps you are given (the check fixes the noise)"
    return report(Result(False, msg), name)


def check_iwae(iwae: Callable[[torch.Tensor], torch.Tensor]) -> Result:
    """Exercise 3: ``iwae(log_w)`` with log_w (k, N) must return log (1/k) sum_i w_i, (N,)."""
    name = "Exercise 3"
    gen = torch.Generator().manual_seed(0)
    log_w = -1000 + 3 * torch.randn(50, 4, generator=gen, dtype=torch.float64)
    value, error = _call(iwae, log_w.clone())
    if error == "not_attempted":
        return report(not_attempted("write the importance-weighted bound"), name)
    if error:
        return report(Result(False, error), name)
    value, error = _as_tensor(value, (4,))
    if error:
        return report(Result(False, error + ": reduce over the k samples (dim 0)"), name)
    if not torch.isfinite(value).all():
        return report(Result(False, "got inf/nan: exp(-1000) underflows to 0; use "
                                    "torch.logsumexp"), name)
    right = torch.logsumexp(log_w, 0) - math.log(50)
    if torch.allclose(value, right):
        return report(Result(True, "log (1/k) sum_i w_i, computed stably"), name)
    if torch.allclose(value, log_w.mean(0)):
        msg = "that is the average of log w: the ELBO (k = 1 bound), not the IWAE bound"
    elif torch.allclose(value, right + math.log(50)):
        msg = "you forgot the 1/k: subtract log(k)"
    else:
        msg = "not log (1/k) sum_i exp(log_w_i); check the dimension you reduce over (0 = samples)"
    return report(Result(False, msg), name)
