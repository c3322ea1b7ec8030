"""What every autoregressive image model shares: the chain rule, its checks, sampling, completion.

Every model here is a distribution over integer images x (N, 1, H, W) with values
0..levels-1, factorized by the chain rule in raster order,
P(x) = prod_i P(x_i | x_1, ..., x_{i-1}), each factor a softmax over the ``levels`` classes.
Taught in notebooks/05_pixelcnn; the same models are the prior over VQ-VAE-2 codes in
notebooks/06_vqvae2, conditioned through ``label=`` (a class per image) and ``cond=`` (a spatial
map, e.g. the embedded top-level codes). The networks are in :mod:`.pixelcnn`,
:mod:`.gated_pixelcnn` and :mod:`genzoo_lite.models.explicit.independent`.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from genzoo_lite.core.checks import check_int, check_levels, check_number

__all__ = ["AutoregressiveModel"]


class AutoregressiveModel(nn.Module):
    """What every model here shares: input checks, log_prob, bits/dim, sampling, completion.

    A subclass implements ``_logits(x, label, cond) -> (N, levels, H, W)`` where the logits at
    pixel i may depend only on pixels before i in raster order. Taught in
    notebooks/05_pixelcnn, "1. Colors as classes, and the chain rule" and "5. Sampling pixel by
    pixel".

    Conditioning (optional, fixed at construction):
        ``num_classes``: ``label`` is an int64 tensor (N,) of classes 0..num_classes-1.
        ``cond_channels``: ``cond`` is a float map (N, cond_channels, h, w) whose h, w divide
            the image's H, W (a coarser map is repeated by nearest-neighbour upsampling), e.g.
            the embedded top codes of VQ-VAE-2 when modelling the bottom codes.
    """

    def __init__(self, levels: int, num_classes: int | None, cond_channels: int | None) -> None:
        super().__init__()
        self.levels = check_int("levels", levels, minimum=2)
        self.num_classes = None if num_classes is None else check_int("num_classes", num_classes)
        self.cond_channels = (None if cond_channels is None
                              else check_int("cond_channels", cond_channels))

    # ----- input checks (plumbing) -----
    def _check_conditioning(self, n: int, size: tuple[int, int], label: torch.Tensor | None,
                            cond: torch.Tensor | None) -> torch.Tensor | None:
        if self.num_classes is None and label is not None:
            raise ValueError("label given, but the model was built with num_classes=None")
        if self.num_classes is not None:
            if not isinstance(label, torch.Tensor) or label.dtype != torch.int64:
                raise TypeError(f"this model needs label, an int64 tensor (N,) of classes "
                                f"0..{self.num_classes - 1}; got {type(label).__name__}"
                                + (f" {label.dtype}" if isinstance(label, torch.Tensor) else ""))
            if label.shape != (n,) or int(label.min()) < 0 or int(label.max()) >= self.num_classes:
                raise ValueError(f"label must have shape ({n},) with values 0.."
                                 f"{self.num_classes - 1}, got shape {tuple(label.shape)}, "
                                 f"values {int(label.min())}..{int(label.max())}")
        if self.cond_channels is None:
            if cond is not None:
                raise ValueError("cond given, but the model was built with cond_channels=None")
            return None
        if not isinstance(cond, torch.Tensor) or not cond.is_floating_point():
            raise TypeError(f"this model needs cond, a float tensor (N, {self.cond_channels}, "
                            f"h, w); got {type(cond).__name__}"
                            + (f" {cond.dtype}" if isinstance(cond, torch.Tensor) else ""))
        h, w = size
        if (cond.ndim != 4 or cond.shape[:2] != (n, self.cond_channels) or h % cond.shape[2]
                or w % cond.shape[3]):
            raise ValueError(f"cond must have shape ({n}, {self.cond_channels}, h, w) with h, w "
                             f"dividing the image size {h}x{w}, got {tuple(cond.shape)}")
        if cond.shape[2:] != size:
            cond = F.interpolate(cond, size=size, mode="nearest")
        return cond  # (N, cond_channels, H, W)

    # ----- the model -----
    def _logits(self, x: torch.Tensor, label: torch.Tensor | None,
                cond: torch.Tensor | None) -> torch.Tensor:
        raise NotImplementedError  # each model defines its own network

    def forward(self, x: torch.Tensor, label: torch.Tensor | None = None,
                cond: torch.Tensor | None = None) -> torch.Tensor:
        """Logits (N, levels, H, W) of P(x_i | x_<i) at every pixel, in one parallel pass."""
        check_levels(x, self.levels)
        cond = self._check_conditioning(x.shape[0], tuple(x.shape[2:]), label, cond)
        return self._logits(x.long(), label, cond)

    def log_prob(self, x: torch.Tensor, label: torch.Tensor | None = None,
                 cond: torch.Tensor | None = None) -> torch.Tensor:
        """log P(x) = sum_i log P(x_i | x_<i), in nats per image: a tensor (N,).

        Taught in notebooks/05_pixelcnn, "11. The probability of a full configuration".
        """
        logits = self(x, label, cond)  # (N, levels, H, W)
        log_p = torch.log_softmax(logits, dim=1).gather(1, x.long())  # (N, 1, H, W)
        return log_p.sum(dim=(1, 2, 3))

    def loss(self, x: torch.Tensor, label: torch.Tensor | None = None,
             cond: torch.Tensor | None = None) -> torch.Tensor:
        """The training loss: cross-entropy, -log P(x_i | x_<i) averaged over pixels (nats)."""
        return F.cross_entropy(self(x, label, cond), x[:, 0].long())

    @torch.no_grad()
    def bits_per_dim(self, x: torch.Tensor, label: torch.Tensor | None = None,
                     cond: torch.Tensor | None = None, batch_size: int = 512) -> float:
        """The average negative log-likelihood in bits per pixel: -log2 P(x) / (H W)."""
        check_levels(x, self.levels)
        total = 0.0
        for start in range(0, len(x), batch_size):
            part = slice(start, start + batch_size)
            total += -self.log_prob(x[part], None if label is None else label[part],
                                    None if cond is None else cond[part]).sum().item()
        return total / (len(x) * x.shape[2] * x.shape[3] * math.log(2))

    @torch.no_grad()
    def sample(self, n: int, shape: tuple[int, int] = (8, 8), temperature: float = 1.0,
               generator: torch.Generator | None = None, label: torch.Tensor | None = None,
               cond: torch.Tensor | None = None) -> torch.Tensor:
        """Draw n images pixel by pixel: x_i ~ softmax(logits_i / temperature), H W passes.

        Returns int64 (n, 1, H, W). Taught in notebooks/05_pixelcnn, "5. Sampling pixel by pixel".
        """
        check_int("n", n)
        check_image_shape(shape)
        device = next(self.parameters()).device
        x = torch.zeros(n, 1, *shape, dtype=torch.long, device=device)
        unknown = torch.ones(n, 1, *shape, dtype=torch.bool, device=device)
        return self._fill(x, unknown, temperature, generator, label, cond)

    @torch.no_grad()
    def complete(self, x: torch.Tensor, known_mask: torch.Tensor,
                 generator: torch.Generator | None = None, temperature: float = 1.0,
                 label: torch.Tensor | None = None, cond: torch.Tensor | None = None
                 ) -> torch.Tensor:
        """Sample the pixels where ``known_mask`` is False, in raster order; keep the others.

        Each unknown pixel is drawn from P(x_i | x_<i): it sees every known pixel before it in
        raster order, but not the known pixels after it (a PixelCNN cannot look ahead).

        Args:
            x: integer images (N, 1, H, W); the values at unknown pixels are ignored.
            known_mask: bool, shape (H, W) (one mask for all images) or (N, 1, H, W).

        Returns int64 (N, 1, H, W). Taught in notebooks/05_pixelcnn, "6. Image completion".
        """
        check_levels(x, self.levels)
        if not isinstance(known_mask, torch.Tensor) or known_mask.dtype != torch.bool:
            raise TypeError("known_mask must be a bool tensor (True = known pixel), got "
                            + (str(known_mask.dtype) if isinstance(known_mask, torch.Tensor)
                               else type(known_mask).__name__))
        if known_mask.shape not in (x.shape, x.shape[2:]):
            raise ValueError(f"known_mask must have shape {tuple(x.shape[2:])} or "
                             f"{tuple(x.shape)} to match x, got {tuple(known_mask.shape)}")
        unknown = ~known_mask.to(x.device).expand(x.shape)  # (N, 1, H, W)
        return self._fill(x.long().clone(), unknown, temperature, generator, label, cond)

    def _fill(self, x: torch.Tensor, unknown: torch.Tensor, temperature: float,
              generator: torch.Generator | None, label: torch.Tensor | None,
              cond: torch.Tensor | None) -> torch.Tensor:
        """Overwrite x at the unknown pixels, one raster position at a time (in place)."""
        temperature = check_number("temperature", temperature)
        n, _, h, w = x.shape
        cond = self._check_conditioning(n, (h, w), label, cond)
        for i in range(h):
            for j in range(w):
                todo = unknown[:, 0, i, j]  # (N,)
                if not todo.any():
                    continue
                logits = self._logits(x, label, cond)[:, :, i, j]  # (N, levels)
                probs = torch.softmax(logits / temperature, dim=1)
                drawn = torch.multinomial(probs, 1, generator=generator)[:, 0]  # (N,)
                x[:, 0, i, j] = torch.where(todo, drawn, x[:, 0, i, j])
        return x


def check_image_shape(shape: object) -> None:
    """Raise ValueError unless ``shape`` is a tuple (H, W) of positive ints."""
    if not isinstance(shape, tuple) or len(shape) != 2:
        raise ValueError(f"shape must be a tuple (H, W) of positive ints, got {shape!r}")
    check_int("shape[0] (H)", shape[0])
    check_int("shape[1] (W)", shape[1])


def conditioning_layers(num_classes: int | None, cond_channels: int | None, out: int,
                        num_layers: int) -> tuple[nn.ModuleList | None, nn.ModuleList | None]:
    """Per layer, a class embedding and a 1x1 conv of the cond map, both to ``out`` channels."""
    label_embed = (None if num_classes is None else nn.ModuleList(
        nn.Embedding(num_classes, out) for _ in range(num_layers)))
    cond_proj = (None if cond_channels is None else nn.ModuleList(
        nn.Conv2d(cond_channels, out, 1) for _ in range(num_layers)))
    return label_embed, cond_proj


def conditioning_bias(layer: int, label_embed: nn.ModuleList | None,
                      cond_proj: nn.ModuleList | None, label: torch.Tensor | None,
                      cond: torch.Tensor | None) -> torch.Tensor | float:
    """The term added inside layer ``layer``: V y (a class) + V * s (a map), or 0."""
    bias: torch.Tensor | float = 0.0
    if label_embed is not None:
        bias = bias + label_embed[layer](label)[:, :, None, None]  # (N, C, 1, 1)
    if cond_proj is not None:
        bias = bias + cond_proj[layer](cond)  # (N, C, H, W)
    return bias


class EmbeddedCNN(AutoregressiveModel):
    """Shared by PixelCNN and GatedPixelCNN: embed the levels, then a causal network."""

    embed: nn.Embedding

    def embed_input(self, x: torch.Tensor) -> torch.Tensor:
        """Each level k becomes a learned vector (one-hot(k) times a matrix): (N, E, H, W)."""
        return self.embed(x[:, 0].long()).permute(0, 3, 1, 2)

    def forward_embedded(self, e: torch.Tensor, label: torch.Tensor | None = None,
                         cond: torch.Tensor | None = None) -> torch.Tensor:
        """Logits (N, levels, H, W) from the embedded input e (N, E, H, W); differentiable in
        e, which is how notebooks/05_pixelcnn draws receptive fields. ``cond`` must already
        have the image's H, W (``forward`` checks and upsamples it)."""
        raise NotImplementedError  # each model defines its own network

    def _logits(self, x: torch.Tensor, label: torch.Tensor | None,
                cond: torch.Tensor | None) -> torch.Tensor:
        return self.forward_embedded(self.embed_input(x), label, cond)
