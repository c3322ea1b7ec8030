"""Vector quantization: the codebook lookup, the straight-through gradient, code usage.

Taught in notebooks/06_vqvae2, "2. VQ-VAE". The nearest-code search, the straight-through
estimator and the codebook + commitment loss are the three lines a student must see; k-means
initialisation and dead-code restarts keep every code in use. Random choices (k-means starts,
restarts) draw from a ``generator=`` passed in, never from the global stream.
"""
from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from genzoo_lite.core.checks import check_fraction, check_int, check_number

__all__ = ["VQOutput", "VectorQuantizer", "perplexity", "check_maps"]


class VQOutput(NamedTuple):
    """What :class:`VectorQuantizer` returns.

    quantized: (N, D, H, W), the nearest codes; its gradient flows straight through to z_e.
    indices: (N, H, W) int64, the index of the nearest code at every position.
    loss: codebook term + beta * commitment term (a scalar).
    perplexity: exp(entropy of the code usage in this batch), between 1 and num_codes.
    """

    quantized: torch.Tensor
    indices: torch.Tensor
    loss: torch.Tensor
    perplexity: torch.Tensor


def check_maps(x: object, name: str, channels: int, setting: str) -> torch.Tensor:
    """``x`` as a float tensor of maps (N, channels, H, W); ``setting`` names what fixes the
    channel count (e.g. "this quantizer's dim"), for the error message."""
    if not isinstance(x, torch.Tensor) or not x.is_floating_point():
        got = str(x.dtype) if isinstance(x, torch.Tensor) else type(x).__name__
        raise TypeError(f"{name} must be a float tensor (N, {channels}, H, W), got {got}")
    if x.ndim != 4:
        raise ValueError(f"{name} must have 4 dimensions (N, C, H, W), got shape "
                         f"{tuple(x.shape)} ({x.ndim} dimensions)")
    if x.shape[1] != channels:
        raise ValueError(f"{name} has {x.shape[1]} channels, but {setting}={channels}: "
                         f"{name} must be (N, {channels}, H, W)")
    return x


def perplexity(indices: torch.Tensor, num_codes: int) -> torch.Tensor:
    """exp(H(p)) of the empirical code usage p: the "effective number of codes" in use.

    Equals num_codes when every code is used equally often and 1 when one code is used.
    Taught in notebooks/06_vqvae2, "2. VQ-VAE", "Code usage and perplexity".
    """
    counts = torch.bincount(indices.reshape(-1), minlength=num_codes).float()  # (K,)
    p = counts / counts.sum()
    entropy = -(p * torch.log(p.clamp_min(1e-30))).sum()  # 0 log 0 = 0
    return entropy.exp()


class VectorQuantizer(nn.Module):
    """Replace every D-dim vector of z_e (N, D, H, W) by its nearest of K codebook rows.

    Taught in notebooks/06_vqvae2, "2. VQ-VAE". Loss (van den Oord et al. 2017):
    ||sg[z_e] - e||^2 (codebook term: moves the codes) + beta ||z_e - sg[e]||^2 (commitment
    term: moves the encoder), each averaged over all entries.

    Args:
        num_codes: K >= 2, the codebook size.
        dim: D >= 1, the length of every code.
        beta: weight of the commitment term (the paper uses 0.25).
        kmeans_init: on the first training batch, set the codebook by k-means on that batch's
            vectors instead of keeping the random initialisation.
        restart_threshold: if not None, during training every code whose running usage
            (an exponential average of its count per batch) falls below this value is
            restarted on a random encoder output of the current batch (dead-code restart).
        usage_decay: in [0, 1), the decay of that running usage.
    """

    def __init__(self, num_codes: int, dim: int, beta: float = 0.25, kmeans_init: bool = False,
                 restart_threshold: float | None = None, usage_decay: float = 0.9) -> None:
        super().__init__()
        self.num_codes = check_int("num_codes", num_codes, 2)
        self.dim = check_int("dim", dim, 1)
        self.beta = check_number("beta", beta, 0.0, strict=False)
        if restart_threshold is not None:
            restart_threshold = check_number("restart_threshold", restart_threshold, 0.0,
                                             strict=False)
        self.usage_decay = check_fraction("usage_decay", usage_decay, upper_open=True)
        self.kmeans_init, self.restart_threshold = kmeans_init, restart_threshold
        self.codebook = nn.Parameter(torch.empty(num_codes, dim).uniform_(-1 / num_codes,
                                                                          1 / num_codes))
        self.register_buffer("usage", torch.ones(num_codes))  # running count per batch
        self.register_buffer("initialized", torch.tensor(0.0))  # 1 once k-means has run
        self.restarts = 0  # how many codes were restarted so far (not saved)

    def check_indices(self, indices: torch.Tensor, name: str = "indices") -> None:
        """Raise TypeError/ValueError unless indices is an integer tensor in 0..num_codes-1."""
        if not isinstance(indices, torch.Tensor) or indices.is_floating_point() or \
                indices.dtype == torch.bool:
            raise TypeError(f"{name} must be an integer tensor of code indices, got "
                            + (str(indices.dtype) if isinstance(indices, torch.Tensor)
                               else type(indices).__name__))
        if indices.numel() and (int(indices.min()) < 0 or int(indices.max()) >= self.num_codes):
            raise ValueError(f"{name} has values {int(indices.min())}..{int(indices.max())}, but "
                             f"the codebook has num_codes={self.num_codes}: allowed "
                             f"0..{self.num_codes - 1}")

    def nearest(self, flat: torch.Tensor) -> torch.Tensor:
        """Index of the nearest code for every row of flat (M, D): argmin_k ||z - e_k||^2."""
        d2 = (flat.pow(2).sum(1, keepdim=True) - 2 * flat @ self.codebook.T
              + self.codebook.pow(2).sum(1)[None, :])  # (M, K)
        return d2.argmin(dim=1)

    def lookup(self, indices: torch.Tensor) -> torch.Tensor:
        """The codes at indices (N, H, W): a tensor (N, D, H, W) of codebook rows."""
        self.check_indices(indices)
        return self.codebook[indices.long()].permute(0, 3, 1, 2)

    @torch.no_grad()
    def init_kmeans(self, flat: torch.Tensor, num_iters: int = 10,
                    generator: torch.Generator | None = None) -> None:
        """Set the codebook by k-means (Lloyd's iterations) on the vectors flat (M, D).

        Starts from K distinct random rows of flat (drawn from ``generator``), so every code
        begins on the data. Written by hand (not scikit-learn) because it runs on the batch's
        tensors inside the training step; tests check it against sklearn's KMeans.
        """
        if flat.shape[0] < self.num_codes:
            raise ValueError(f"k-means needs at least num_codes={self.num_codes} vectors, "
                             f"got {flat.shape[0]}")
        start = torch.randperm(flat.shape[0], generator=generator)[:self.num_codes]
        self.codebook.copy_(flat[start.to(flat.device)])
        for _ in range(num_iters):
            idx = self.nearest(flat)  # (M,)
            counts = torch.bincount(idx, minlength=self.num_codes).float()  # (K,)
            sums = torch.zeros_like(self.codebook).index_add_(0, idx, flat)  # (K, D)
            used = counts > 0
            self.codebook[used] = sums[used] / counts[used, None]
        self.initialized.fill_(1.0)

    @torch.no_grad()
    def restart_dead_codes(self, flat: torch.Tensor,
                           generator: torch.Generator | None = None) -> int:
        """Move every code whose running usage is below ``restart_threshold`` onto a random
        row of flat (M, D), distinct rows drawn from ``generator`` (two codes on one row would
        leave one dead); returns how many codes were restarted."""
        dead = (self.usage < self.restart_threshold).nonzero().squeeze(1)[:flat.shape[0]]
        if len(dead):
            pick = torch.randperm(flat.shape[0], generator=generator)[:len(dead)]
            self.codebook[dead] = flat[pick.to(flat.device)]
            self.usage[dead] = self.usage.mean()  # give a restarted code time to be used
            self.restarts += len(dead)
        return len(dead)

    def forward(self, z_e: torch.Tensor, generator: torch.Generator | None = None) -> VQOutput:
        """Quantize z_e (N, D, H, W). In training mode also track code usage, run the k-means
        initialisation once and restart dead codes, drawing from ``generator``."""
        check_maps(z_e, "z_e", self.dim, "this quantizer's codes have dim")
        n, d, h, w = z_e.shape
        flat = z_e.permute(0, 2, 3, 1).reshape(-1, d)  # (N H W, D)
        if self.training and self.kmeans_init and not self.initialized:
            self.init_kmeans(flat.detach(), generator=generator)
        indices = self.nearest(flat.detach())  # (N H W,)
        if self.training:
            counts = torch.bincount(indices, minlength=self.num_codes).float()
            self.usage.mul_(self.usage_decay).add_((1 - self.usage_decay) * counts)
            if (self.restart_threshold is not None
                    and self.restart_dead_codes(flat.detach(), generator)):
                indices = self.nearest(flat.detach())
        e = self.codebook[indices].reshape(n, h, w, d).permute(0, 3, 1, 2)  # (N, D, H, W)
        codebook_loss = F.mse_loss(e, z_e.detach())  # ||sg[z_e] - e||^2
        commitment_loss = F.mse_loss(z_e, e.detach())  # ||z_e - sg[e]||^2
        # Straight-through: forward value e exactly (z_e - sg[z_e] is exactly 0),
        # backward d quantized / d z_e = identity.
        quantized = e.detach() + (z_e - z_e.detach())
        return VQOutput(quantized, indices.reshape(n, h, w),
                        codebook_loss + self.beta * commitment_loss,
                        perplexity(indices, self.num_codes))
