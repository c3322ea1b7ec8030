"""The variational autoencoder on 8x8 digits: encoder q_psi(z|x), decoder p_theta(x|z), the ELBO,
the importance-weighted bound, and its trainer.

Taught in notebooks/03_vae: "The ELBO" (``VAE.elbo``, ``gaussian_kl``), "Importance sampling with
q" and "Is the bound tight?" (``VAE.log_weights``, ``VAE.iwae_bound``) and "Why are the results
blurry?" (the ``likelihood`` choice of :class:`Decoder`). The plain autoencoder is in
:mod:`.autoencoder`, VAE/GAN in :mod:`genzoo_lite.models.adversarial.vaegan`; both reuse
:func:`mlp` and :class:`Decoder`.

Every log-probability is in nats per image, over the discrete space of 17^64 images, so the
categorical and the (discretized) Gaussian decoder can be compared number for number.
"""
from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from genzoo_lite.core.checks import (
    check_choice,
    check_fraction,
    check_int,
    check_levels,
    check_number,
)
from genzoo_lite.core.data import DIGIT_LEVELS
from genzoo_lite.core.distributions import (
    discretized_gaussian_log_prob_at,
    discretized_gaussian_log_probs,
)
from genzoo_lite.core.train import History, fit

__all__ = ["LIKELIHOODS", "gaussian_kl", "standard_normal", "reparameterize", "mlp",
           "encoder_input", "Decoder", "VAE", "train_vae"]

#: The decoder likelihoods p_theta(x|z) a :class:`VAE` offers.
LIKELIHOODS = ("categorical", "gaussian")
_PIXELS = 64
_SHAPE = (1, 8, 8)  # one digit, as load_digits gives it
_MIN_SIGMA = 0.1  # levels; keeps a learned G_sigma from collapsing onto one level


def mlp(d_in: int, hidden: int, d_out: int, dropout: float = 0.0) -> nn.Sequential:
    """The encoders' and decoders' network: two hidden layers (LeakyReLU, then dropout)."""
    return nn.Sequential(nn.Linear(d_in, hidden), nn.LeakyReLU(0.1), nn.Dropout(dropout),
                         nn.Linear(hidden, hidden), nn.LeakyReLU(0.1), nn.Dropout(dropout),
                         nn.Linear(hidden, d_out))


def encoder_input(x: torch.Tensor, encoder: nn.Sequential) -> torch.Tensor:
    """Digits x (N, 1, 8, 8), checked, as an :func:`mlp` encoder's input: (N, 64) in [0, 1]."""
    x = check_levels(x, DIGIT_LEVELS, shape=_SHAPE)
    return x.flatten(1).to(encoder[0].weight.dtype) / (DIGIT_LEVELS - 1)


def gaussian_kl(mu: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, diag(exp(log_var))) || N(0, I)) in closed form, summed over the last dim.

    Taught in notebooks/03_vae, "The ELBO": 1/2 sum_j (mu_j^2 + sigma_j^2 - 1 - log sigma_j^2).
    """
    return 0.5 * (mu.pow(2) + log_var.exp() - 1.0 - log_var).sum(dim=-1)


def standard_normal(shape: tuple[int, ...], generator: torch.Generator | None,
                    like: torch.Tensor) -> torch.Tensor:
    """eps ~ N(0, I) of ``shape`` from ``generator`` (drawn on its device), as like's device and
    dtype: the noise of every sampling step here."""
    device = generator.device if generator is not None else like.device
    eps = torch.randn(shape, generator=generator, device=device, dtype=like.dtype)
    return eps.to(like.device)


def reparameterize(mu: torch.Tensor, log_var: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """z = mu + sigma * eps: with eps ~ N(0, I), a sample of N(mu, diag(exp(log_var))) that is
    differentiable in mu and log_var. Taught in notebooks/03_vae, "The reparameterization trick".
    """
    return mu + (0.5 * log_var).exp() * eps


class Decoder(nn.Module):
    """p_theta(x|z): an MLP from z to a distribution over the 17 levels of each of 64 pixels.

    Taught in notebooks/03_vae, "Why are the results blurry?". ``"categorical"``: a softmax over
    the levels; ``"gaussian"``: N(G_mu(z), G_sigma(z)^2) on the level axis, discretized to the 17
    levels by :func:`genzoo_lite.core.distributions.discretized_gaussian_log_probs`, with a fixed
    ``sigma`` (in levels) or a learned G_sigma (``sigma=None``).
    """

    def __init__(self, latent_dim: int, hidden: int, likelihood: str = "categorical",
                 sigma: float | None = None, dropout: float = 0.0) -> None:
        super().__init__()
        check_choice("likelihood", likelihood, LIKELIHOODS)
        if likelihood == "categorical" and sigma is not None:
            raise ValueError("sigma applies only to likelihood='gaussian'; the categorical "
                             f"decoder has none, got sigma={sigma!r}")
        self.likelihood = likelihood
        self.sigma = None if sigma is None else check_number("sigma (levels)", sigma)
        per_pixel = {"categorical": DIGIT_LEVELS, "gaussian": 1 if sigma is not None else 2}
        self.net = mlp(latent_dim, hidden, _PIXELS * per_pixel[likelihood], dropout)
        self.register_buffer("levels", torch.arange(DIGIT_LEVELS, dtype=torch.float32),
                             persistent=False)

    def level_log_probs(self, z: torch.Tensor) -> torch.Tensor:
        """log p(x_pixel = level | z): (..., 1, 8, 8, 17), normalized over the last dim."""
        if self.likelihood == "categorical":
            return F.log_softmax(self.net(z).unflatten(-1, (1, 8, 8, DIGIT_LEVELS)), dim=-1)
        return discretized_gaussian_log_probs(*self.gaussian(z), DIGIT_LEVELS)

    def gaussian(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The Gaussian decoder's G_mu(z) and G_sigma(z), in levels: each (..., 1, 8, 8)."""
        h = self.net(z).unflatten(-1, (-1, 1, 8, 8))  # (..., 1 or 2, 1, 8, 8)
        mu = 8.0 + 8.0 * h[..., 0, :, :, :]  # G_mu(z), in levels
        if self.sigma is None:
            sigma = _MIN_SIGMA + F.softplus(h[..., 1, :, :, :] + 1.0)  # G_sigma(z)
        else:
            sigma = torch.full_like(mu, self.sigma)
        return mu, sigma

    def mean(self, z: torch.Tensor) -> torch.Tensor:
        """E[x | z], the expected level of each pixel: float (..., 1, 8, 8) in [0, 16]."""
        return (self.level_log_probs(z).exp() * self.levels).sum(dim=-1)


class VAE(nn.Module):
    """A variational autoencoder for 8x8 digits with a N(0, I) prior on z.

    Taught in notebooks/03_vae. Encoder q_psi(z|x) = N(mu(x), diag(exp(log_var(x)))) and decoder
    p_theta(x|z) (:class:`Decoder`), both MLPs with two hidden layers.

    Args:
        latent_dim: size of z.
        hidden: width of the hidden layers.
        likelihood: ``"categorical"`` (a softmax over the 17 levels of each pixel) or
            ``"gaussian"`` (a Gaussian on the level axis, discretized to the 17 levels; with a
            fixed sigma its log-likelihood is, up to the binning, an L2 loss).
        sigma: for ``"gaussian"`` only: a fixed standard deviation in levels, or None to learn
            G_sigma(z).
        dropout: dropout probability after each hidden layer while training (1000 digits are
            few; it delays overfitting). Off in eval mode, so bounds are deterministic in z.
    """

    def __init__(self, latent_dim: int = 2, hidden: int = 200, likelihood: str = "categorical",
                 sigma: float | None = None, dropout: float = 0.0) -> None:
        super().__init__()
        self.latent_dim = check_int("latent_dim", latent_dim)
        check_int("hidden", hidden)
        check_fraction("dropout", dropout, upper_open=True)
        self.encoder = mlp(_PIXELS, hidden, 2 * latent_dim, dropout)
        self.decoder = Decoder(latent_dim, hidden, likelihood, sigma, dropout)

    @property
    def likelihood(self) -> str:
        return self.decoder.likelihood

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """q_psi(z|x): its mean ``mu`` and ``log_var``, each (N, latent_dim)."""
        mu, log_var = self.encoder(encoder_input(x, self.encoder)).chunk(2, dim=-1)
        return mu, log_var.clamp(-12.0, 6.0)

    def level_log_probs(self, z: torch.Tensor) -> torch.Tensor:
        """log p_theta(x_pixel = level | z) for every pixel and level: (..., 1, 8, 8, 17)."""
        return self.decoder.level_log_probs(z)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """x_hat = E[x | z], the expected level of each pixel: float (..., 1, 8, 8) in [0, 16]."""
        return self.decoder.mean(z)

    def log_px_given_z(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """log p_theta(x|z) summed over the 64 pixels. z (N, L) or (K, N, L) gives (N,) / (K, N)."""
        x = check_levels(x, DIGIT_LEVELS, shape=_SHAPE)
        if self.likelihood == "gaussian":  # only the observed levels: 17x less memory
            mu, sigma = self.decoder.gaussian(z)  # (..., N, 1, 8, 8)
            log_p = discretized_gaussian_log_prob_at(x.expand(mu.shape), mu, sigma, DIGIT_LEVELS)
            return log_p.flatten(-3).sum(dim=-1)
        log_probs = self.level_log_probs(z)  # (..., N, 1, 8, 8, 17)
        index = x.long().expand(*log_probs.shape[:-1])[..., None]
        return log_probs.gather(-1, index)[..., 0].flatten(-3).sum(dim=-1)

    def elbo(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """The ELBO E_q[log p(x|z)] - KL(q(z|x) || p(z)) per image, nats (N,).

        One reparameterized sample z = mu + sigma * eps (eps from ``generator``) estimates the
        expectation; the KL is exact.
        """
        mu, log_var = self.encode(x)  # (N, L) each
        z = reparameterize(mu, log_var, standard_normal(mu.shape, generator, mu))
        return self.log_px_given_z(x, z) - gaussian_kl(mu, log_var)

    def log_weights(self, x: torch.Tensor, k: int, generator: torch.Generator | None = None,
                    chunk: int = 25) -> torch.Tensor:
        """log w_i = log p(x, z_i) - log q(z_i|x) for k samples z_i ~ q(z|x): (k, N).

        The decoder runs on ``chunk`` samples at a time, so k = 1000 on the test split fits in
        memory; the noise is drawn 50 samples at a time whatever ``chunk`` is, so the result
        does not depend on ``chunk``.
        """
        check_int("k", k)
        check_int("chunk", chunk)
        mu, log_var = self.encode(x)  # (N, L)
        eps = torch.cat([standard_normal((min(50, k - start), *mu.shape), generator, mu)
                         for start in range(0, k, 50)])  # (k, N, L)
        z = reparameterize(mu, log_var, eps)
        log_q = torch.distributions.Normal(mu, (0.5 * log_var).exp()).log_prob(z).sum(-1)
        log_prior = torch.distributions.Normal(0.0, 1.0).log_prob(z).sum(-1)  # (k, N)
        log_px_z = torch.cat([self.log_px_given_z(x, part) for part in z.split(chunk)])
        return log_px_z + log_prior - log_q

    def iwae_bound(self, x: torch.Tensor, k: int,
                   generator: torch.Generator | None = None) -> torch.Tensor:
        """The importance-weighted bound log (1/k) sum_i p(x, z_i) / q(z_i|x), nats (N,).

        k = 1 is a (noisier) ELBO; the bound rises towards log p(x) as k grows.
        """
        log_w = self.log_weights(x, k, generator=generator)  # (k, N)
        return torch.logsumexp(log_w, dim=0) - math.log(k)

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n digits x ~ p_theta(x|z), z ~ N(0, I): uint8 (n, 1, 8, 8) in 0..16.

        Every pixel is drawn from its own distribution; ``decode(z)`` gives their mean instead.
        """
        check_int("n", n)
        z = standard_normal((n, self.latent_dim), generator, self.decoder.levels)  # (n, L)
        probs = self.level_log_probs(z).exp().reshape(-1, DIGIT_LEVELS)  # (n * 64, 17)
        x = torch.multinomial(probs, 1, generator=generator)
        return x.reshape(n, 1, 8, 8).to(torch.uint8)


def train_vae(model: VAE, x: torch.Tensor, x_val: torch.Tensor | None = None, *,
              num_epochs: int, lr: float, batch_size: int, check_every: int = 5,
              iwae_k: int = 1, generator: torch.Generator | None = None,
              progress: bool = True) -> History:
    """Minimize the mean negative ELBO of the digits x with Adam, through :func:`fit`.

    Taught in notebooks/03_vae, "The reparameterization trick"; the settings of the shipped
    VAEs are ``RECIPES["vae_digits_2d"]`` etc. With only 1000 training digits a VAE overfits
    within a few dozen epochs, so when ``x_val`` is given the validation bound is computed every
    ``check_every`` epochs (with the same noise each time) and the model keeps the weights of
    the best check (early stopping). ``iwae_k`` > 1 trains on the importance-weighted bound
    with that many samples per digit instead (Burda et al. 2016: a tighter bound to push up;
    the shipped 8-D VAE's setting). ``generator`` draws the shuffling and the
    reparameterization noise (and seeds dropout), so it alone fixes the weights.

    Returns:
        ``"loss"``: the mean negative ELBO (or IWAE_k bound), nats per digit, of each epoch;
        with ``x_val``, ``"val_loss"``: the validation negative bound at each check;
        ``"best_epoch"``: one entry, the number of epochs behind the weights kept.
    """
    check_levels(x, DIGIT_LEVELS, shape=_SHAPE)
    check_int("check_every", check_every)
    check_int("iwae_k", iwae_k)
    if x_val is not None:
        check_levels(x_val, DIGIT_LEVELS, "x_val", shape=_SHAPE)
    generator = generator if generator is not None else torch.Generator().manual_seed(0)
    val_seed = int(torch.randint(2**62, (1,), generator=generator))
    best: dict = {"loss": math.inf, "state": None}

    def step(batch: torch.Tensor, noise: torch.Generator = generator) -> torch.Tensor:
        if iwae_k == 1:
            return -model.elbo(batch, generator=noise).mean()
        log_w = model.log_weights(batch, iwae_k, generator=noise, chunk=iwae_k)
        return -(torch.logsumexp(log_w, dim=0) - math.log(iwae_k)).mean()

    def validate(epoch: int, history: History) -> None:
        done = epoch + 1
        if x_val is None or (done % check_every and done != num_epochs):
            return
        model.eval()
        with torch.no_grad():
            noise = torch.Generator(device=generator.device).manual_seed(val_seed)
            loss = step(x_val, noise).item()
        model.train()
        history.setdefault("val_loss", []).append(loss)
        if loss < best["loss"]:
            history["best_epoch"] = [done]
            best.update(loss=loss, state={k: v.detach().clone()
                                          for k, v in model.state_dict().items()})

    history = fit(model, step, x, num_epochs, lr=lr, batch_size=batch_size, generator=generator,
                  after_period=validate, progress=progress, desc="VAE")
    if best["state"] is not None:
        model.load_state_dict(best["state"])
    history.setdefault("best_epoch", [num_epochs])
    return history
