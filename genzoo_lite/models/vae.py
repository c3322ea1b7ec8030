"""The variational autoencoder on 8x8 digits: encoder q_psi(z|x), decoder p_theta(x|z), the ELBO,
the importance-weighted bound, a plain autoencoder to compare with, and VAE/GAN.

Taught in notebooks/03_vae: "The ELBO" (``VAE.elbo``, ``gaussian_kl``), "Importance sampling with
q" and "Is the bound tight?" (``VAE.log_weights``, ``VAE.iwae_bound``), "Autoencoder against VAE"
(``Autoencoder``), "Why are the results blurry?" (the ``likelihood`` choice) and "VAE + GAN"
(``Discriminator``, ``train_vaegan``).

Every log-probability is in nats per image, over the discrete space of 17^64 images, so the
categorical and the (discretized) Gaussian decoder can be compared number for number.
"""
from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F
from tqdm.auto import tqdm

from ..data import DIGIT_LEVELS
from ..train import DivergedError, fit

__all__ = ["LIKELIHOODS", "check_digits", "gaussian_kl", "VAE", "Autoencoder", "Discriminator",
           "train_vae", "train_autoencoder", "train_vaegan"]

#: The decoder likelihoods p_theta(x|z) a :class:`VAE` offers.
LIKELIHOODS = ("categorical", "gaussian")
_PIXELS = 64
_MIN_SIGMA = 0.1  # levels; keeps a learned G_sigma from collapsing onto one level


def check_digits(x: object) -> torch.Tensor:
    """Validate digits as returned by ``load_digits``: an integer tensor (N, 1, 8, 8) in 0..16.

    Raises:
        TypeError: x is not a tensor, or is floating point.
        ValueError: wrong shape, N = 0, or a value outside 0..16.
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a torch.Tensor of digits (N, 1, 8, 8), got {type(x).__name__}")
    if x.is_floating_point() or x.is_complex() or x.dtype == torch.bool:
        raise TypeError(f"x must hold integer levels 0..16 (uint8, as load_digits returns), got "
                        f"{x.dtype}; do not divide by 16 before passing digits in")
    if x.ndim != 4 or tuple(x.shape[1:]) != (1, 8, 8) or x.shape[0] < 1:
        raise ValueError(f"x must have shape (N, 1, 8, 8) with N >= 1, got {tuple(x.shape)}")
    low, high = int(x.min()), int(x.max())
    if low < 0 or high >= DIGIT_LEVELS:
        raise ValueError(f"x must hold levels 0..{DIGIT_LEVELS - 1}, found values in "
                         f"[{low}, {high}]")
    return x


def _check_positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be an int >= 1, got {value!r}")
    return value


def _mlp(d_in: int, hidden: int, d_out: int, dropout: float = 0.0) -> nn.Sequential:
    return nn.Sequential(nn.Linear(d_in, hidden), nn.LeakyReLU(0.1), nn.Dropout(dropout),
                         nn.Linear(hidden, hidden), nn.LeakyReLU(0.1), nn.Dropout(dropout),
                         nn.Linear(hidden, d_out))


def gaussian_kl(mu: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, diag(exp(log_var))) || N(0, I)) in closed form, summed over the last dim.

    Taught in notebooks/03_vae, "The ELBO": 1/2 sum_j (mu_j^2 + sigma_j^2 - 1 - log sigma_j^2).
    """
    return 0.5 * (mu.pow(2) + log_var.exp() - 1.0 - log_var).sum(dim=-1)


class _Decoder(nn.Module):
    """p_theta(x|z): an MLP from z to a distribution over the 17 levels of each of 64 pixels."""

    def __init__(self, latent_dim: int, hidden: int, likelihood: str, sigma: float | None,
                 dropout: float = 0.0) -> None:
        super().__init__()
        if likelihood not in LIKELIHOODS:
            raise ValueError(f"unknown likelihood {likelihood!r}; valid: "
                             f"{', '.join(map(repr, LIKELIHOODS))}")
        if likelihood == "categorical" and sigma is not None:
            raise ValueError("sigma applies only to likelihood='gaussian'; the categorical "
                             f"decoder has none, got sigma={sigma!r}")
        if sigma is not None and not (isinstance(sigma, (int, float)) and sigma > 0):
            raise ValueError(f"sigma must be a positive number of levels or None (learned), "
                             f"got {sigma!r}")
        self.likelihood, self.sigma = likelihood, None if sigma is None else float(sigma)
        per_pixel = {"categorical": DIGIT_LEVELS, "gaussian": 1 if sigma is not None else 2}
        self.net = _mlp(latent_dim, hidden, _PIXELS * per_pixel[likelihood], dropout)
        self.register_buffer("levels", torch.arange(DIGIT_LEVELS, dtype=torch.float32),
                             persistent=False)

    def level_log_probs(self, z: torch.Tensor) -> torch.Tensor:
        """log p(x_pixel = level | z): (..., 1, 8, 8, 17), normalized over the last dim."""
        h = self.net(z)  # (..., 64 * per_pixel)
        if self.likelihood == "categorical":
            logits = h.unflatten(-1, (1, 8, 8, DIGIT_LEVELS))
            return F.log_softmax(logits, dim=-1)
        h = h.unflatten(-1, (-1, 1, 8, 8))  # (..., 1 or 2, 1, 8, 8)
        mu = 8.0 + 8.0 * h[..., 0, :, :, :]  # G_mu(z), in levels
        if self.sigma is None:
            sigma = _MIN_SIGMA + F.softplus(h[..., 1, :, :, :] + 1.0)  # G_sigma(z)
        else:
            sigma = torch.full_like(mu, self.sigma)
        # A Gaussian on the level axis, discretized to bins [k - 1/2, k + 1/2]; the outer bins
        # stretch to -inf and +inf, so the 17 probabilities sum to one.
        edges = torch.arange(DIGIT_LEVELS + 1, device=z.device, dtype=mu.dtype) - 0.5
        cdf = torch.special.ndtr((edges - mu[..., None]) / sigma[..., None])  # (..., 18)
        cdf = torch.cat([torch.zeros_like(cdf[..., :1]), cdf[..., 1:-1],
                         torch.ones_like(cdf[..., :1])], dim=-1)
        return torch.log((cdf[..., 1:] - cdf[..., :-1]).clamp(min=1e-12))


class VAE(nn.Module):
    """A variational autoencoder for 8x8 digits with a N(0, I) prior on z.

    Taught in notebooks/03_vae. Encoder q_psi(z|x) = N(mu(x), diag(exp(log_var(x)))) and decoder
    p_theta(x|z), both MLPs with two hidden layers.

    Args:
        latent_dim: size of z.
        hidden: width of the hidden layers.
        likelihood: ``"categorical"`` (a softmax over the 17 levels of each pixel) or
            ``"gaussian"`` (N(G_mu(z), G_sigma(z)^2) on the level axis, discretized to the 17
            levels; with a fixed sigma its log-likelihood is, up to the binning, an L2 loss).
        sigma: for ``"gaussian"`` only: a fixed standard deviation in levels, or None to learn
            G_sigma(z).
        dropout: dropout probability after each hidden layer while training (1000 digits are
            few; it delays overfitting). Off in eval mode, so bounds are deterministic in z.
    """

    def __init__(self, latent_dim: int = 2, hidden: int = 200, likelihood: str = "categorical",
                 sigma: float | None = None, dropout: float = 0.0) -> None:
        super().__init__()
        self.latent_dim = _check_positive_int("latent_dim", latent_dim)
        _check_positive_int("hidden", hidden)
        if not (isinstance(dropout, (int, float)) and 0 <= dropout < 1):
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
        self.encoder = _mlp(_PIXELS, hidden, 2 * latent_dim, dropout)
        self.decoder = _Decoder(latent_dim, hidden, likelihood, sigma, dropout)

    @property
    def likelihood(self) -> str:
        return self.decoder.likelihood

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """q_psi(z|x): its mean ``mu`` and ``log_var``, each (N, latent_dim)."""
        x = check_digits(x)
        dtype = self.encoder[0].weight.dtype
        h = self.encoder(x.flatten(1).to(dtype) / (DIGIT_LEVELS - 1))  # (N, 2 * L)
        mu, log_var = h.chunk(2, dim=-1)
        return mu, log_var.clamp(-12.0, 6.0)

    def level_log_probs(self, z: torch.Tensor) -> torch.Tensor:
        """log p_theta(x_pixel = level | z) for every pixel and level: (..., 1, 8, 8, 17)."""
        return self.decoder.level_log_probs(z)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """x_hat = E[x | z], the expected level of each pixel: float (..., 1, 8, 8) in [0, 16]."""
        return (self.level_log_probs(z).exp() * self.decoder.levels).sum(dim=-1)

    def log_px_given_z(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """log p_theta(x|z) summed over the 64 pixels. z (N, L) or (K, N, L) gives (N,) / (K, N)."""
        x = check_digits(x)
        log_probs = self.level_log_probs(z)  # (..., N, 1, 8, 8, 17)
        index = x.long().expand(*log_probs.shape[:-1])[..., None]
        return log_probs.gather(-1, index)[..., 0].flatten(-3).sum(dim=-1)

    def elbo(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """The ELBO E_q[log p(x|z)] - KL(q(z|x) || p(z)) per image, nats (N,).

        One reparameterized sample z = mu + sigma * eps estimates the expectation; the KL is exact.
        """
        mu, log_var = self.encode(x)  # (N, L) each
        eps = torch.randn(mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)
        z = mu + (0.5 * log_var).exp() * eps  # the reparameterization trick
        return self.log_px_given_z(x, z) - gaussian_kl(mu, log_var)

    def log_weights(self, x: torch.Tensor, k: int, generator: torch.Generator | None = None,
                    chunk: int = 50) -> torch.Tensor:
        """log w_i = log p(x, z_i) - log q(z_i|x) for k samples z_i ~ q(z|x): (k, N).

        Computed ``chunk`` samples at a time, so k = 1000 on the test split fits in memory.
        """
        _check_positive_int("k", k)
        _check_positive_int("chunk", chunk)
        mu, log_var = self.encode(x)  # (N, L)
        std = (0.5 * log_var).exp()
        prior = torch.distributions.Normal(0.0, 1.0)
        out = []
        for start in range(0, k, chunk):
            m = min(chunk, k - start)
            eps = torch.randn((m, *mu.shape), generator=generator, device=mu.device,
                              dtype=mu.dtype)  # (m, N, L)
            z = mu + std * eps
            log_q = torch.distributions.Normal(mu, std).log_prob(z).sum(-1)  # (m, N)
            log_prior = prior.log_prob(z).sum(-1)
            out.append(self.log_px_given_z(x, z) + log_prior - log_q)
        return torch.cat(out)

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
        _check_positive_int("n", n)
        device = self.decoder.levels.device
        z = torch.randn(n, self.latent_dim, generator=generator, device=device)
        probs = self.level_log_probs(z).exp().reshape(-1, DIGIT_LEVELS)  # (n * 64, 17)
        x = torch.multinomial(probs, 1, generator=generator)
        return x.reshape(n, 1, 8, 8).to(torch.uint8)


class Autoencoder(nn.Module):
    """A deterministic autoencoder (Hinton and Salakhutdinov 2006): z = f(x), x ~ p(x | z).

    Taught in notebooks/03_vae, "Autoencoder against VAE": the same networks as :class:`VAE`,
    trained on reconstruction alone, so nothing makes its codes look like N(0, I).
    """

    def __init__(self, latent_dim: int = 2, hidden: int = 200) -> None:
        super().__init__()
        self.latent_dim = _check_positive_int("latent_dim", latent_dim)
        _check_positive_int("hidden", hidden)
        self.encoder = _mlp(_PIXELS, hidden, latent_dim)
        self.decoder = _Decoder(latent_dim, hidden, "categorical", None)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The code z = f(x): (N, latent_dim)."""
        x = check_digits(x)
        return self.encoder(x.flatten(1).to(self.encoder[0].weight.dtype) / (DIGIT_LEVELS - 1))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """The expected image under the decoder: float (..., 1, 8, 8) in [0, 16]."""
        return (self.decoder.level_log_probs(z).exp() * self.decoder.levels).sum(dim=-1)

    def reconstruction_log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log p(x | z = f(x)) per image, nats (N,): the only training signal."""
        log_probs = self.decoder.level_log_probs(self.encode(x))  # (N, 1, 8, 8, 17)
        return log_probs.gather(-1, x.long()[..., None])[..., 0].flatten(1).sum(dim=1)


class Discriminator(nn.Module):
    """D(x): is this 8x8 image real? A small CNN whose hidden layer Dis_l(x) also serves as the
    feature space of VAE/GAN's reconstruction loss. Taught in notebooks/03_vae, "VAE + GAN".

    Inputs are float images (N, 1, 8, 8) scaled to [0, 1].
    """

    def __init__(self, channels: int = 32) -> None:
        super().__init__()
        _check_positive_int("channels", channels)
        self.features = nn.Sequential(  # Dis_l: (N, 1, 8, 8) -> (N, 2C * 4 * 4)
            nn.Conv2d(1, channels, 3, padding=1), nn.LeakyReLU(0.2),
            nn.Conv2d(channels, 2 * channels, 3, stride=2, padding=1), nn.LeakyReLU(0.2),
            nn.Flatten())
        self.head = nn.Linear(2 * channels * 16, 1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(logit of "real", Dis_l(x) features)``: shapes (N,) and (N, F)."""
        h = self.features(x)
        return self.head(h)[:, 0], h


def train_vae(model: VAE, x: torch.Tensor, num_epochs: int = 200,
              x_val: torch.Tensor | None = None, check_every: int = 5, lr: float = 1e-3,
              batch_size: int = 64, seed: int = 0, progress: bool = True) -> dict[str, list[float]]:
    """Maximize the mean ELBO of the digits x with :func:`genzoo_lite.fit` (Adam).

    Taught in notebooks/03_vae, "A VAE with a 2-D latent". With only 1000 training digits a VAE
    overfits within a few dozen epochs, so when ``x_val`` is given the model keeps the weights of
    the epoch with the best validation ELBO (early stopping). The reparameterization noise comes
    from generators seeded with ``seed``, so the same call gives the same model.

    Returns:
        ``"train"``: the mean negative ELBO (nats per digit) of each epoch; ``"val"``: the
        validation negative ELBO every ``check_every`` epochs; ``"best_epoch"``: one entry.
    """
    x = check_digits(x)
    _check_positive_int("num_epochs", num_epochs)
    _check_positive_int("check_every", check_every)
    if x_val is not None:
        check_digits(x_val)
    noise = torch.Generator(device=x.device).manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)

    def negative_elbo(m: VAE, batch: torch.Tensor) -> torch.Tensor:
        return -m.elbo(batch, generator=noise).mean()

    history: dict[str, list[float]] = {"train": [], "val": [], "best_epoch": [num_epochs]}
    best_val, best_state = math.inf, None
    bar = tqdm(range(0, num_epochs, check_every), desc="VAE", disable=not progress)
    for start in bar:
        epochs = min(check_every, num_epochs - start)
        history["train"] += fit(model, negative_elbo, x, num_epochs=epochs, batch_size=batch_size,
                                seed=seed + start, progress=False, optimizer=opt)
        if x_val is None:
            continue
        with torch.no_grad():
            val_gen = torch.Generator(device=x.device).manual_seed(seed)
            val = -model.elbo(x_val, generator=val_gen).mean().item()
        history["val"].append(val)
        if val < best_val:
            best_val, history["best_epoch"] = val, [start + epochs]
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        bar.set_postfix(train=f"{history['train'][-1]:.1f}", val=f"{val:.1f}")
    if best_state is not None:
        model.load_state_dict(best_state)
    return history


def train_autoencoder(model: Autoencoder, x: torch.Tensor, num_epochs: int = 300,
                      lr: float = 1e-3, batch_size: int = 64, seed: int = 0,
                      progress: bool = True) -> list[float]:
    """Minimize the reconstruction loss -log p(x | f(x)); returns its mean per epoch."""
    x = check_digits(x)
    return fit(model, lambda m, batch: -m.reconstruction_log_prob(batch).mean(), x,
               num_epochs=num_epochs, lr=lr, batch_size=batch_size, seed=seed, progress=progress)


def train_vaegan(vae: VAE, disc: Discriminator, x: torch.Tensor, num_epochs: int = 300,
                 lr: float = 3e-4, gamma: float = 0.1, batch_size: int = 64, seed: int = 0,
                 progress: bool = True) -> dict[str, list[float]]:
    """Train VAE/GAN (Larsen et al. 2015): the pixel likelihood is replaced by a feature-matching
    loss in the discriminator's hidden layer Dis_l, and a GAN loss pushes decodes to look real.

    Taught in notebooks/03_vae, "VAE + GAN". With x_tilde = decode(z), z ~ q(z|x), and
    x_p = decode(z_p), z_p ~ N(0, I) (images scaled to [0, 1]):

    * L_prior = KL(q(z|x) || p(z)),  L_Disl = 1/2 ||Dis_l(x) - Dis_l(x_tilde)||^2,
    * encoder: L_prior + L_Disl;  decoder: gamma * L_Disl + the non-saturating GAN loss on
      x_tilde and x_p;  discriminator: binary cross-entropy, x real, x_tilde and x_p fake.

    Args:
        vae: a :class:`VAE` (its decoder's mean ``decode(z)`` is the generator's image).
        disc: a :class:`Discriminator`.
        gamma: weight of the feature-matching loss in the decoder's objective.

    Returns:
        Per-epoch means of ``"prior"``, ``"disl"``, ``"gan_decoder"`` and ``"discriminator"``.
    """
    x = check_digits(x)
    _check_positive_int("num_epochs", num_epochs)
    _check_positive_int("batch_size", batch_size)
    if not gamma > 0:
        raise ValueError(f"gamma must be positive, got {gamma!r}")
    generator = torch.Generator(device=x.device).manual_seed(seed)
    opt_enc = torch.optim.Adam(vae.encoder.parameters(), lr=lr, betas=(0.5, 0.999))
    opt_dec = torch.optim.Adam(vae.decoder.parameters(), lr=lr, betas=(0.5, 0.999))
    opt_dis = torch.optim.Adam(disc.parameters(), lr=lr, betas=(0.5, 0.999))
    scale = 1.0 / (DIGIT_LEVELS - 1)
    history: dict[str, list[float]] = {"prior": [], "disl": [], "gan_decoder": [],
                                       "discriminator": []}
    vae.train()
    disc.train()
    bar = tqdm(range(num_epochs), desc="VAE/GAN", disable=not progress)
    for epoch in bar:
        order = torch.randperm(len(x), generator=generator)
        sums = dict.fromkeys(history, 0.0)
        for start in range(0, len(x), batch_size):
            batch = x[order[start:start + batch_size]]
            n = len(batch)
            real = batch.float() * scale  # (n, 1, 8, 8)
            mu, log_var = vae.encode(batch)
            eps = torch.randn(mu.shape, generator=generator, device=x.device)
            x_tilde = vae.decode(mu + (0.5 * log_var).exp() * eps) * scale
            z_p = torch.randn(mu.shape, generator=generator, device=x.device)
            x_p = vae.decode(z_p) * scale

            # discriminator step on detached fakes
            logit_real, _ = disc(real)
            logit_fake, _ = disc(torch.cat([x_tilde, x_p]).detach())
            loss_dis = (F.binary_cross_entropy_with_logits(logit_real, torch.ones_like(logit_real))
                        + F.binary_cross_entropy_with_logits(logit_fake,
                                                             torch.zeros_like(logit_fake)))
            opt_dis.zero_grad(set_to_none=True)
            loss_dis.backward()
            opt_dis.step()

            # encoder and decoder against the updated discriminator
            _, feat_real = disc(real)
            logit_gen, feat_all = disc(torch.cat([x_tilde, x_p]))
            l_disl = 0.5 * (feat_all[:n] - feat_real.detach()).pow(2).sum(dim=1).mean()
            l_prior = gaussian_kl(mu, log_var).mean()
            l_gan = F.binary_cross_entropy_with_logits(logit_gen, torch.ones_like(logit_gen))
            loss_enc = l_prior + l_disl
            loss_dec = gamma * l_disl + l_gan
            if not (torch.isfinite(loss_enc) and torch.isfinite(loss_dec)
                    and torch.isfinite(loss_dis)):
                vae.eval()
                disc.eval()
                raise DivergedError(f"VAE/GAN loss became NaN/inf at epoch {epoch}; lower lr={lr}")
            opt_enc.zero_grad(set_to_none=True)
            opt_dec.zero_grad(set_to_none=True)
            enc_grads = torch.autograd.grad(loss_enc, list(vae.encoder.parameters()),
                                            retain_graph=True)
            loss_dec.backward(inputs=list(vae.decoder.parameters()))
            for p, g in zip(vae.encoder.parameters(), enc_grads):
                p.grad = g
            opt_enc.step()
            opt_dec.step()
            for key, value in (("prior", l_prior), ("disl", l_disl), ("gan_decoder", l_gan),
                               ("discriminator", loss_dis)):
                sums[key] += value.item() * n
        for key in history:
            history[key].append(sums[key] / len(x))
        bar.set_postfix(disl=f"{history['disl'][-1]:.3g}", d=f"{history['discriminator'][-1]:.3g}")
    vae.eval()
    disc.eval()
    return history
