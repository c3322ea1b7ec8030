"""PixelRNN: the chain rule computed by LSTMs that sweep the image along its diagonals.

van den Oord, Kalchbrenner and Kavukcuoglu 2016, "Pixel Recurrent Neural Networks". Of the
paper's two recurrent layers this is the **Diagonal BiLSTM**, not the Row LSTM: its receptive
field holds every earlier pixel, whereas the Row LSTM's is a triangle with a blind spot like the
plain PixelCNN's. So the comparison with the PixelCNN isolates what the slide contrasts: full
context through recurrence, bought with sequential computation even in training, against
parallel training with masked convolutions. Taught in notebooks/05_pixelcnn, "PixelRNN vs
PixelCNN".

One layer, per direction: *skew* the map so that each anti-diagonal becomes a column, then an
LSTM steps through the H + W - 1 columns; the state at pixel (r, c) comes from the states above,
(r-1, c), and left, (r, c-1) (a 2x1 convolution in the skewed map), so it summarizes the whole
quadrant up and to the left. A second LSTM sweeps right to left (the quadrant up and right); its
output is shifted down one row so that it reports only rows strictly above. In the first layer
the left-to-right LSTM reads the input shifted one pixel right, so nothing ever sees x_i: the
two quadrants together are exactly the pixels before i in raster order, with no blind spot.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from genzoo_lite.core.checks import check_int, check_number
from genzoo_lite.models.autoregressive.base import EmbeddedCNN

__all__ = ["DiagonalBiLSTM", "PixelRNN", "skew", "unskew", "dependency_matrix"]


def skew(x: torch.Tensor) -> torch.Tensor:
    """(N, C, H, W) -> (N, C, H, H + W - 1): row r moved r places right, zeros elsewhere.

    Afterwards column t of the map holds the anti-diagonal r + c = t of the image.
    """
    h = x.shape[2]
    return torch.stack([F.pad(x[:, :, r], (r, h - 1 - r)) for r in range(h)], dim=2)


def unskew(s: torch.Tensor, width: int) -> torch.Tensor:
    """The inverse of :func:`skew`: (N, C, H, H + W - 1) -> (N, C, H, W)."""
    return torch.stack([s[:, :, r, r:r + width] for r in range(s.shape[2])], dim=2)


class DiagonalBiLSTM(nn.Module):
    """Two LSTMs over the image's anti-diagonals, one sweeping left to right, one right to left.

    For each direction the gates at (r, c) are ``K_is * x(r, c) + K_ss * [h(r-1, c), h(r, c')]``
    with c' the previous column of the sweep (a 1x1 and a 2x1 convolution in the skewed map);
    then ``cell = f cell' + i g`` and ``h = o tanh(cell)``. The right-to-left LSTM runs on the
    mirrored image. Both run in one loop of H + W - 1 steps: grouped convolutions (``groups=2``)
    keep their weights apart, and halve the number of sequential operations.

    Args:
        in_channels: channels of each direction's input map.
        hidden: channels of each direction's state h (and of its cell).
    """

    def __init__(self, in_channels: int, hidden: int) -> None:
        super().__init__()
        self.hidden = check_int("hidden", hidden)
        self.input_to_state = nn.Conv2d(2 * check_int("in_channels", in_channels),
                                        2 * 4 * hidden, 1, groups=2)
        self.state_to_state = nn.Conv1d(2 * hidden, 2 * 4 * hidden, 2, groups=2)  # rows r-1, r

    def forward(self, to_left: torch.Tensor, to_right: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor]:
        """Inputs (N, C, H, W) of each direction -> its states (N, hidden, H, W).

        The left-to-right state at (r, c) sums up its input at every (<= r, <= c), the
        right-to-left one at every (<= r, >= c).
        """
        n, _, height, width = to_left.shape
        x = torch.cat([to_left, to_right.flip(3)], dim=1)  # (N, 2C, H, W), mirrored right part
        gates_in = skew(self.input_to_state(x))  # (N, 2 * 4 hidden, H, H + W - 1)
        state = x.new_zeros(n, 2 * self.hidden, height)  # (N, 2 hidden, H): previous diagonal
        cell = torch.zeros_like(state)
        states = []
        for t in range(gates_in.shape[3]):
            above = F.pad(state, (1, 0))  # (N, 2 hidden, H + 1): index r holds row r - 1
            gates = gates_in[..., t] + self.state_to_state(above)  # (N, 2 * 4 hidden, H)
            i, f, o, g = gates.view(n, 2, 4, self.hidden, height).unbind(2)  # (N, 2, hidden, H)
            cell = (torch.sigmoid(f) * cell.view_as(f) + torch.sigmoid(i) * torch.tanh(g)
                    ).flatten(1, 2)
            state = (torch.sigmoid(o) * torch.tanh(cell.view_as(o))).flatten(1, 2)
            states.append(state)
        h = unskew(torch.stack(states, dim=3), width)  # (N, 2 hidden, H, W)
        return h[:, :self.hidden], h[:, self.hidden:].flip(3)


def _shift_right(x: torch.Tensor) -> torch.Tensor:
    return F.pad(x, (1, 0))[..., :-1]  # (N, C, H, W): position (r, c) holds (r, c - 1)


def _shift_down(x: torch.Tensor) -> torch.Tensor:
    return F.pad(x, (0, 0, 1, 0))[:, :, :-1]  # position (r, c) holds (r - 1, c)


class PixelRNN(EmbeddedCNN):
    """A tiny PixelRNN: Diagonal BiLSTM layers (with residual connections), then 1x1 layers.

    ``sample``, ``log_prob``, ``bits_per_dim`` and ``complete`` come from
    :class:`~.autoregressive.AutoregressiveModel`; train it with
    :func:`genzoo_lite.models.autoregressive.pixelcnn.train_autoregressive`. Taught in
    notebooks/05_pixelcnn, "PixelRNN vs PixelCNN".

    Args:
        levels: number of pixel values (classes); 17 for the digits.
        hidden: channels of each LSTM's state.
        num_layers: number of Diagonal BiLSTM layers.
        embed_dim: each input level is first embedded as a learned vector of this size.
        dropout: dropout rate on the features between layers and before the head (training only).
    """

    def __init__(self, levels: int = 17, hidden: int = 32, num_layers: int = 1,
                 embed_dim: int = 8, dropout: float = 0.0) -> None:
        super().__init__(levels, None, None)
        check_int("num_layers", num_layers)
        self.embed = nn.Embedding(levels, check_int("embed_dim", embed_dim))
        self.layers = nn.ModuleList(DiagonalBiLSTM(embed_dim if k == 0 else hidden, hidden)
                                    for k in range(num_layers))
        self.dropout = nn.Dropout(check_number("dropout", dropout, strict=False))
        self.head = nn.Sequential(nn.Conv2d(hidden, hidden, 1), nn.ReLU(),
                                  nn.Conv2d(hidden, levels, 1))

    def forward_embedded(self, e: torch.Tensor, label: torch.Tensor | None = None,
                         cond: torch.Tensor | None = None) -> torch.Tensor:
        # first layer: left-to-right sees pixels (<= r, <= c - 1), right-to-left (<= r - 1, >= c)
        to_left, to_right, h = _shift_right(e), e, None
        for layer in self.layers:
            left, right = layer(to_left, to_right)  # (N, hidden, H, W) each
            out = left + _shift_down(right)  # the right-to-left part: rows strictly above only
            h = out if h is None else h + out
            to_left = to_right = self.dropout(h)  # h at (r, c) already excludes x(r, c)
        return self.head(self.dropout(h))  # (N, levels, H, W)


def dependency_matrix(model: EmbeddedCNN, size: int = 8,
                      cond: torch.Tensor | None = None) -> torch.Tensor:
    """Which input pixels each output pixel's logits depend on, measured by gradients.

    Returns a bool tensor (H W, H W): entry [i, j] is True when the logits at raster pixel i
    have a nonzero gradient with respect to the embedded input at raster pixel j. A causal model
    has nothing on or above the diagonal; one with no blind spot has everything below it. Works
    for every model with ``embed_input`` / ``forward_embedded`` (PixelCNN, GatedPixelCNN,
    PixelRNN; pass an eval-mode model). ``cond`` (1, C, size, size), if given, is passed to
    ``forward_embedded`` unchanged. Taught in notebooks/05_pixelcnn, "PixelRNN vs PixelCNN".
    """
    num = check_int("size", size) ** 2
    x = torch.zeros(1, 1, size, size, dtype=torch.long, device=next(model.parameters()).device)
    # one copy of the input per output pixel: copy i back-propagates only from pixel i's logits
    e = model.embed_input(x).detach().repeat(num, 1, 1, 1).requires_grad_(True)  # (HW, E, H, W)
    cond = None if cond is None else cond.expand(num, -1, -1, -1)
    logits = model.forward_embedded(e, None, cond).flatten(2)  # (HW, levels, HW)
    (grad,) = torch.autograd.grad(logits[torch.arange(num), :, torch.arange(num)].sum(), e)
    return (grad.abs().sum(dim=1) > 0).flatten(1)  # (HW, HW)
