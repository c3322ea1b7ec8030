"""Autoregressive image models: masked convolutions, PixelCNN, Gated PixelCNN, and the
independent-pixels baseline.

Every model here is a distribution over integer images x (N, 1, H, W) with values
0..levels-1, factorized by the chain rule in raster order,
P(x) = prod_i P(x_i | x_1, ..., x_{i-1}), each factor a softmax over the ``levels`` classes.
Taught in notebooks/05_pixelcnn; the same classes are the prior over VQ-VAE-2 codes in
notebooks/06_vqvae2, conditioned through ``label=`` (a class per image) and ``cond=`` (a spatial
map, e.g. the embedded top-level codes).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["MaskedConv2d", "VerticalStackConv2d", "HorizontalStackConv2d", "PixelCNN",
           "GatedPixelCNN", "IndependentPixels", "AutoregressiveModel"]


class MaskedConv2d(nn.Conv2d):
    """A convolution that only sees pixels before the centre in raster order.

    Mask ``"A"`` hides the centre pixel too (first layer: the output at pixel i must not see
    x_i); mask ``"B"`` keeps the centre (later layers: the feature at i already excludes x_i).
    Taught in notebooks/05_pixelcnn, "2. Masked convolutions".

    Args:
        in_channels, out_channels, kernel_size: as for ``nn.Conv2d`` (odd kernel sizes only).
        mask_type: ``"A"`` or ``"B"``.
        **kwargs: passed to ``nn.Conv2d``; ``padding`` defaults to "same" size.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int],
                 mask_type: str = "A", **kwargs) -> None:
        if mask_type not in ("A", "B"):
            raise ValueError(f"mask_type must be 'A' or 'B', got {mask_type!r}")
        kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
        if kh % 2 == 0 or kw % 2 == 0:
            raise ValueError(f"kernel_size must be odd so that it has a centre, got {kernel_size}")
        kwargs.setdefault("padding", (kh // 2, kw // 2))
        super().__init__(in_channels, out_channels, (kh, kw), **kwargs)
        self.mask_type = mask_type
        # not persistent: the mask is rebuilt from mask_type, weight files hold only weights
        self.register_buffer("mask", self.build_mask(kh, kw, mask_type), persistent=False)

    @staticmethod
    def build_mask(kh: int, kw: int, mask_type: str) -> torch.Tensor:
        """The (kh, kw) 0/1 mask: rows above the centre, and the centre row left of centre."""
        mask = torch.zeros(kh, kw)
        mask[:kh // 2] = 1
        mask[kh // 2, :kw // 2 + (mask_type == "B")] = 1
        return mask

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._conv_forward(x, self.weight * self.mask, self.bias)


class VerticalStackConv2d(MaskedConv2d):
    """The vertical stack of the Gated PixelCNN: a k x k kernel over the rows above.

    ``"A"`` sees only rows strictly above the centre; ``"B"`` also the whole centre row (of
    features that themselves see only rows above, so still causal). Taught in
    notebooks/05_pixelcnn, "3. The blind spot and the Gated PixelCNN".
    """

    @staticmethod
    def build_mask(kh: int, kw: int, mask_type: str) -> torch.Tensor:
        mask = torch.zeros(kh, kw)
        mask[:kh // 2 + (mask_type == "B")] = 1
        return mask


class HorizontalStackConv2d(MaskedConv2d):
    """The horizontal stack of the Gated PixelCNN: a 1 x k kernel over the current row, left of
    the centre (``"A"``) or up to and including it (``"B"``). Pass ``kernel_size=(1, k)``.

    Taught in notebooks/05_pixelcnn, "3. The blind spot and the Gated PixelCNN".
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int],
                 mask_type: str = "A", **kwargs) -> None:
        k = kernel_size if isinstance(kernel_size, int) else kernel_size[1]
        super().__init__(in_channels, out_channels, (1, k), mask_type, **kwargs)


def _check_int(name: str, value: object, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    return value


class AutoregressiveModel(nn.Module):
    """What every model here shares: input checks, log_prob, bits/dim, sampling, completion.

    A subclass implements ``_logits(x, label, cond) -> (N, levels, H, W)`` where the logits at
    pixel i may depend only on pixels before i in raster order. Taught in
    notebooks/05_pixelcnn, "1. The chain rule" and "5. Sampling pixel by pixel".

    Conditioning (optional, fixed at construction):
        ``num_classes``: ``label`` is an int64 tensor (N,) of classes 0..num_classes-1.
        ``cond_channels``: ``cond`` is a float map (N, cond_channels, h, w) whose h, w divide
            the image's H, W (a coarser map is repeated by nearest-neighbour upsampling), e.g.
            the embedded top codes of VQ-VAE-2 when modelling the bottom codes.
    """

    def __init__(self, levels: int, num_classes: int | None, cond_channels: int | None) -> None:
        super().__init__()
        self.levels = _check_int("levels", levels, minimum=2)
        self.num_classes = None if num_classes is None else _check_int("num_classes", num_classes)
        self.cond_channels = (None if cond_channels is None
                              else _check_int("cond_channels", cond_channels))

    # ----- input checks (plumbing) -----
    def check_x(self, x: torch.Tensor, name: str = "x") -> None:
        """Raise TypeError/ValueError naming the problem unless x is (N, 1, H, W), 0..levels-1."""
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
        if x.is_floating_point() or x.is_complex() or x.dtype == torch.bool:
            raise TypeError(f"{name} must hold integer levels (int64/uint8), got {x.dtype}; "
                            f"discrete pixels are classes 0..{self.levels - 1}, not intensities")
        if x.ndim != 4 or x.shape[1] != 1 or x.shape[0] < 1:
            raise ValueError(f"{name} must have shape (N, 1, H, W) with N >= 1, "
                             f"got {tuple(x.shape)}")
        lo, hi = int(x.min()), int(x.max())
        if lo < 0 or hi >= self.levels:
            raise ValueError(f"{name} has values in {lo}..{hi}, but this model has "
                             f"levels={self.levels}: allowed values are 0..{self.levels - 1}")

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

    def _check_temperature(self, temperature: float) -> float:
        if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or not (
                math.isfinite(temperature) and temperature > 0):
            raise ValueError(f"temperature must be a finite number > 0, got {temperature!r}")
        return float(temperature)

    # ----- the model -----
    def _logits(self, x: torch.Tensor, label: torch.Tensor | None,
                cond: torch.Tensor | None) -> torch.Tensor:
        raise NotImplementedError  # each model defines its own network

    def forward(self, x: torch.Tensor, label: torch.Tensor | None = None,
                cond: torch.Tensor | None = None) -> torch.Tensor:
        """Logits (N, levels, H, W) of P(x_i | x_<i) at every pixel, in one parallel pass."""
        self.check_x(x)
        cond = self._check_conditioning(x.shape[0], tuple(x.shape[2:]), label, cond)
        return self._logits(x.long(), label, cond)

    def log_prob(self, x: torch.Tensor, label: torch.Tensor | None = None,
                 cond: torch.Tensor | None = None) -> torch.Tensor:
        """log P(x) = sum_i log P(x_i | x_<i), in nats per image: a tensor (N,).

        Taught in notebooks/05_pixelcnn, "8. The probability of a full configuration".
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
        self.check_x(x)
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
        _check_int("n", n)
        if (not isinstance(shape, tuple) or len(shape) != 2
                or any(isinstance(s, bool) or not isinstance(s, int) or s < 1 for s in shape)):
            raise ValueError(f"shape must be a tuple (H, W) of positive ints, got {shape!r}")
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

        Returns int64 (N, 1, H, W). Taught in notebooks/05_pixelcnn, "7. Image completion".
        """
        self.check_x(x)
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
        temperature = self._check_temperature(temperature)
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


def _conditioning_layers(num_classes: int | None, cond_channels: int | None, out: int,
                         num_layers: int) -> tuple[nn.ModuleList | None, nn.ModuleList | None]:
    """Per layer, a class embedding and a 1x1 conv of the cond map, both to ``out`` channels."""
    label_embed = (None if num_classes is None else nn.ModuleList(
        nn.Embedding(num_classes, out) for _ in range(num_layers)))
    cond_proj = (None if cond_channels is None else nn.ModuleList(
        nn.Conv2d(cond_channels, out, 1) for _ in range(num_layers)))
    return label_embed, cond_proj


def _conditioning_bias(layer: int, label_embed: nn.ModuleList | None,
                       cond_proj: nn.ModuleList | None, label: torch.Tensor | None,
                       cond: torch.Tensor | None) -> torch.Tensor | float:
    """The term added inside layer ``layer``: V y (a class) + V * s (a map), or 0."""
    bias: torch.Tensor | float = 0.0
    if label_embed is not None:
        bias = bias + label_embed[layer](label)[:, :, None, None]  # (N, C, 1, 1)
    if cond_proj is not None:
        bias = bias + cond_proj[layer](cond)  # (N, C, H, W)
    return bias


class _MaskedCNN(AutoregressiveModel):
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


class PixelCNN(_MaskedCNN):
    """The plain PixelCNN: a mask-A convolution, then mask-B convolutions, then 1x1 layers.

    Causal, but its receptive field has a blind spot above and to the right (the B masks grow
    it by one column per row). Taught in notebooks/05_pixelcnn, "2. Masked convolutions".

    Args:
        levels: number of pixel values (classes); 17 for the digits, K codes for VQ-VAE-2.
        channels: feature channels of the hidden layers.
        num_layers: number of 3x3 mask-B layers after the 7x7 mask-A layer.
        embed_dim: each input level is first embedded as a learned vector of this size.
        first_kernel: kernel size of the mask-A layer.
        dropout: dropout rate on the hidden features (training only).
        num_classes, cond_channels: optional conditioning (see :class:`AutoregressiveModel`).
    """

    def __init__(self, levels: int = 17, channels: int = 48, num_layers: int = 5,
                 embed_dim: int = 16, first_kernel: int = 7, dropout: float = 0.0,
                 num_classes: int | None = None, cond_channels: int | None = None) -> None:
        super().__init__(levels, num_classes, cond_channels)
        _check_int("num_layers", num_layers, minimum=0)
        self.embed = nn.Embedding(levels, _check_int("embed_dim", embed_dim))
        self.first = MaskedConv2d(embed_dim, _check_int("channels", channels), first_kernel, "A")
        self.hidden = nn.ModuleList(
            MaskedConv2d(channels, channels, 3, "B") for _ in range(num_layers))
        self.dropout = nn.Dropout(dropout)
        self.label_embed, self.cond_proj = _conditioning_layers(
            num_classes, cond_channels, channels, num_layers + 1)
        self.head = nn.Sequential(nn.ReLU(), nn.Conv2d(channels, channels, 1), nn.ReLU(),
                                  nn.Conv2d(channels, levels, 1))

    def forward_embedded(self, e: torch.Tensor, label: torch.Tensor | None = None,
                         cond: torch.Tensor | None = None) -> torch.Tensor:
        h = self.first(e) + _conditioning_bias(0, self.label_embed, self.cond_proj, label, cond)
        for k, conv in enumerate(self.hidden, start=1):  # (N, C, H, W), residual
            bias = _conditioning_bias(k, self.label_embed, self.cond_proj, label, cond)
            h = h + conv(self.dropout(torch.relu(h))) + bias
        return self.head(h)  # (N, levels, H, W)


class GatedLayer(nn.Module):
    """One layer of the Gated PixelCNN (van den Oord et al. 2016, "Conditional Image Generation
    with PixelCNN Decoders"):

    v' = tanh(W_f * v + V_f s) . sigmoid(W_g * v + V_g s)
    h' = h + W_o [tanh(U_f * h + P_f (W * v) + V_f s) . sigmoid(U_g * h + ... + V_g s)]

    with ``s`` the conditioning (``bias``). Taught in notebooks/05_pixelcnn, "3. The blind spot
    and the Gated PixelCNN".
    """

    def __init__(self, channels: int, kernel_size: int = 3, dropout: float = 0.0) -> None:
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.v_conv = VerticalStackConv2d(channels, 2 * channels, kernel_size, "B")
        self.h_conv = HorizontalStackConv2d(channels, 2 * channels, kernel_size, "B")
        self.v_to_h = nn.Conv2d(2 * channels, 2 * channels, 1)
        self.h_out = nn.Conv2d(channels, channels, 1)

    @staticmethod
    def gate(a: torch.Tensor) -> torch.Tensor:
        """tanh(first half) * sigmoid(second half) over the channel axis."""
        f, g = a.chunk(2, dim=1)
        return torch.tanh(f) * torch.sigmoid(g)

    def forward(self, v: torch.Tensor, h: torch.Tensor,
                bias: torch.Tensor | float) -> tuple[torch.Tensor, torch.Tensor]:
        v_feat = self.v_conv(v)  # (N, 2C, H, W): sees rows above only
        v_new = self.gate(v_feat + bias)
        h_feat = self.h_conv(h) + self.v_to_h(v_feat)  # (N, 2C, H, W)
        h_new = h + self.h_out(self.dropout(self.gate(h_feat + bias)))
        return v_new, h_new


class GatedPixelCNN(_MaskedCNN):
    """Gated PixelCNN: a vertical stack (all rows above) feeds a horizontal stack (the current
    row, left), so the receptive field has no blind spot.

    With the defaults (a 7x7 / 1x7 first layer, then 3x3 / 1x3 gated layers) every pixel of an
    8x8 image sees every earlier pixel. Taught in notebooks/05_pixelcnn, "3. The blind spot and
    the Gated PixelCNN"; the prior of notebooks/06_vqvae2.

    Args:
        levels: number of pixel values (classes); 17 for the digits, K codes for VQ-VAE-2.
        channels: feature channels of both stacks.
        num_layers: number of gated layers after the first (mask A) layer.
        embed_dim: each input level is first embedded as a learned vector of this size.
        first_kernel, kernel_size: kernel sizes of the first and of the gated layers.
        dropout: dropout rate inside the horizontal stack's residual branch (training only);
            the default 0.2 suits the 1000 training digits.
        num_classes, cond_channels: optional conditioning, added inside every gate
            (see :class:`AutoregressiveModel`).
    """

    def __init__(self, levels: int = 17, channels: int = 32, num_layers: int = 5,
                 embed_dim: int = 4, first_kernel: int = 7, kernel_size: int = 3,
                 dropout: float = 0.2, num_classes: int | None = None,
                 cond_channels: int | None = None) -> None:
        super().__init__(levels, num_classes, cond_channels)
        _check_int("num_layers", num_layers, minimum=0)
        self.embed = nn.Embedding(levels, _check_int("embed_dim", embed_dim))
        self.v_first = VerticalStackConv2d(embed_dim, _check_int("channels", channels),
                                           first_kernel, "A")
        self.h_first = HorizontalStackConv2d(embed_dim, channels, first_kernel, "A")
        self.layers = nn.ModuleList(
            GatedLayer(channels, kernel_size, dropout) for _ in range(num_layers))
        self.label_embed, self.cond_proj = _conditioning_layers(
            num_classes, cond_channels, 2 * channels, num_layers)
        self.head = nn.Sequential(nn.ReLU(), nn.Conv2d(channels, channels, 1), nn.ReLU(),
                                  nn.Conv2d(channels, levels, 1))

    def forward_embedded(self, e: torch.Tensor, label: torch.Tensor | None = None,
                         cond: torch.Tensor | None = None) -> torch.Tensor:
        v, h = self.v_first(e), self.h_first(e)  # (N, C, H, W) each
        for k, layer in enumerate(self.layers):
            v, h = layer(v, h, _conditioning_bias(k, self.label_embed, self.cond_proj,
                                                  label, cond))
        return self.head(h)  # (N, levels, H, W)


class IndependentPixels(AutoregressiveModel):
    """The per-pixel classification baseline: every pixel its own categorical, P(x) = prod_i
    P(x_i), with no dependence on other pixels (so sampling needs one step, not H W).

    Taught in notebooks/05_pixelcnn, "4. Per-pixel classification against autoregressive".

    Args:
        levels: number of pixel values.
        shape: (H, W) of the images it models (one table of logits per pixel).
    """

    def __init__(self, levels: int = 17, shape: tuple[int, int] = (8, 8)) -> None:
        super().__init__(levels, None, None)
        self.shape = tuple(shape)
        self.logits = nn.Parameter(torch.zeros(levels, *self.shape))  # (levels, H, W)

    def _logits(self, x: torch.Tensor, label: torch.Tensor | None,
                cond: torch.Tensor | None) -> torch.Tensor:
        if tuple(x.shape[2:]) != self.shape:
            raise ValueError(f"IndependentPixels was built for images of shape {self.shape}, "
                             f"got {tuple(x.shape[2:])}")
        return self.logits.expand(x.shape[0], -1, -1, -1)  # (N, levels, H, W)

    @torch.no_grad()
    def fit_counts(self, x: torch.Tensor, pseudo_count: float = 0.5) -> IndependentPixels:
        """The closed-form maximum-likelihood fit: P(x_i = k) = (count + a) / (N + a levels)."""
        self.check_x(x)
        one_hot = F.one_hot(x[:, 0].long(), self.levels).permute(0, 3, 1, 2)  # (N, L, H, W)
        counts = one_hot.sum(dim=0).float() + pseudo_count  # (levels, H, W)
        self.logits.copy_((counts / counts.sum(dim=0)).log())
        return self

    @torch.no_grad()
    def sample(self, n: int, shape: tuple[int, int] = (8, 8), temperature: float = 1.0,
               generator: torch.Generator | None = None, label: torch.Tensor | None = None,
               cond: torch.Tensor | None = None) -> torch.Tensor:
        """All pixels at once: independent pixels need no loop. Returns int64 (n, 1, H, W)."""
        _check_int("n", n)
        temperature = self._check_temperature(temperature)
        if tuple(shape) != self.shape:
            raise ValueError(f"IndependentPixels samples images of shape {self.shape}, "
                             f"got shape={shape!r}")
        self._check_conditioning(n, self.shape, label, cond)
        probs = torch.softmax(self.logits / temperature, dim=0)  # (levels, H, W)
        flat = probs.permute(1, 2, 0).reshape(-1, self.levels)  # (H W, levels)
        drawn = torch.multinomial(flat, n, replacement=True, generator=generator)  # (H W, n)
        return drawn.T.reshape(n, 1, *self.shape)
