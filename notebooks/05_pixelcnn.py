# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] slideshow={"slide_type": "slide"}
# # 05 · PixelCNN
# **Autoregressive image models.**
#
# *Generative Model Zoo, part II: "Autoregressive image synthesis" (PixelRNN / PixelCNN, van den
# Oord et al. 2016), "PixelCNN vs. PixelRNN", "How to improve PixelCNN?", "Per-pixel
# classification vs. Autoregressive".*
#
# **You will learn**
# 1. the chain rule, each factor a softmax trained by cross-entropy (= maximum likelihood);
# 2. masked convolutions (masks A and B), checked by gradients;
# 3. the blind spot of the plain PixelCNN, removed by the Gated PixelCNN;
# 4. independent against autoregressive prediction, in bits/dim and in samples;
# 5. sampling pixel by pixel, temperature, and image completion;
# 6. the PixelRNN against the PixelCNN: context, likelihood, cost;
# 7. the limitations, measured: slow sampling, accumulating errors;
# 8. the probability of a whole image; per-pixel classification against autoregressive.

# %% slideshow={"slide_type": "skip"}
# On Google Colab only: install genzoo-lite (code and weights) from GitHub; elsewhere a no-op.
# Colab's own torch and libraries are kept (--no-deps). OWNER: see the README, "Binder and Colab".
import sys

if "google.colab" in sys.modules:
    import subprocess

    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "git+https://github.com/OWNER/genzoo-lite"], check=True)

# %% [markdown] slideshow={"slide_type": "skip"}
# ## Setup
# The models load shipped weights (set `GENZOO_RETRAIN=1` to train them, a few minutes on a
# laptop CPU). The same `GatedPixelCNN` is the prior over VQ-VAE-2 codes in notebook 06.
# The only setup cell: imports, a fixed seed, one thread (the models are tiny and run on the CPU).

# %% slideshow={"slide_type": "skip"}
# %matplotlib inline
import itertools
import math

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from matplotlib.ticker import FormatStrFormatter, LogLocator, NullFormatter
from skimage.util import montage

from genzoo_lite import (RECIPES, assert_close, best_time, check_claim, image_grid, load_digits,
                         load_pretrained, pretrained_history, savefig, set_seed)
from genzoo_lite.exercises import pixelcnn as checks
from genzoo_lite.models.autoregressive.gated_pixelcnn import (GatedLayer,  # noqa: F401 (Exercise 2's answer)
                                               GatedPixelCNN, HorizontalStackConv2d,
                                               VerticalStackConv2d)
from genzoo_lite.models.autoregressive.pixel_classifier import downsample
from genzoo_lite.models.autoregressive.pixelcnn import MaskedConv2d, PixelCNN
from genzoo_lite.models.autoregressive.pixelrnn import dependency_matrix, skew
from genzoo_lite.views.live import LiveFigure
from genzoo_lite.views.figure_alt import show, show_live
from genzoo_lite.views.plots import LINE_COLOURS, shade_pixels

set_seed(0)
torch.set_num_threads(1)  # tiny convolutions: extra threads cost more than they save
plt.rcParams["figure.dpi"] = 80

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. Colors as classes, and the chain rule
#
# The digits have 17 gray levels, $0..16$. Instead of regressing an intensity we treat each level
# as a **class**: a network $f_\theta$ outputs $K = 17$ logits per pixel, and **softmax
# regression** turns them into probabilities
#
# $$\hat{\mathbf{y}} = \texttt{softmax}(f_\theta(\mathbf{x}))
#   = [P_\theta(Y = 1 \mid X = \mathbf{x}), \dots, P_\theta(Y = K \mid X = \mathbf{x})].$$
#
# The **cross-entropy** with the one-hot truth $\mathbf{y}$ picks out the negative
# log-likelihood of the true class, so minimizing it is maximum likelihood:
#
# $$H(\mathbf{y}, \hat{\mathbf{y}}) = -\sum_{k=1}^K y_k \log \hat y_k, \qquad
#   f^* = \arg\min_{f} \sum_{i=1}^N H(\mathbf{y}_i, \hat{\mathbf{y}}_i).$$

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
x_train, _ = load_digits("train")  # (1000, 1, 8, 8) uint8 in 0..16
x_val, _ = load_digits("val")
x_test, _ = load_digits("test")
x_train, x_val, x_test = x_train.long(), x_val.long(), x_test.long()
levels = 17

logits = torch.tensor([[2.0, 0.5, -1.0] + [-3.0] * 14])  # (1, K): one pixel's prediction
y = torch.tensor([1])  # the true level
y_hat = torch.softmax(logits, dim=1)
H = -(F.one_hot(y, levels) * y_hat.log()).sum()
print(f"P(true level) = {y_hat[0, 1]:.4f}")
print(f"H(y, y_hat) = {H:.4f} = -log P = {-y_hat[0, 1].log():.4f} "
      f"= F.cross_entropy {F.cross_entropy(logits, y):.4f}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# An image is many pixels. Order them in **raster order** (row by row, left to right) and apply
# the general product rule:
#
# $$P(\mathbf{p}) = \prod_{i=1}^{N} P(p_i \mid p_1, \dots, p_{i-1}).$$
#
# No approximation: every distribution over images factors this way. A PixelCNN is one network
# whose output at pixel $i$ is the softmax $P(p_i \mid p_{<i})$, so one forward pass gives all
# $N$ factors, and the loss is the cross-entropy summed over pixels. Because each factor is a
# normalized softmax, the product is a normalized distribution **by construction**: on a tiny
# 2x2 image with 2 levels we can add $P(\mathbf{p})$ over all $2^4$ images, even untrained.

# %% slideshow={"slide_type": "fragment"}
tiny = GatedPixelCNN(levels=2, channels=8, num_layers=1).eval()
all_images = torch.tensor(list(itertools.product([0, 1], repeat=4))).reshape(16, 1, 2, 2)
with torch.no_grad():
    mass = tiny.log_prob(all_images).exp().sum().item()
print(f"sum over all 16 binary 2x2 images of P(p) = {mass:.6f}")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. Masked convolutions
#
# The network may let the output at pixel $i$ depend only on $p_1, \dots, p_{i-1}$. A
# convolution sees a $k \times k$ neighbourhood, so we zero the kernel weights on pixels that
# come later in raster order: rows below the centre and the pixels right of the centre.
#
# * **Mask A** (first layer) also hides the centre: the prediction for $p_i$ must not see $p_i$.
# * **Mask B** (later layers) keeps the centre: the feature there already excludes $p_i$.

# %% slideshow={"slide_type": "fragment"}
def make_mask(k: int, mask_type: str) -> torch.Tensor:
    """The (k, k) raster-order mask: 1 = the weight may be used."""
    mask = torch.zeros(k, k)
    mask[: k // 2] = 1  # every row above the centre
    mask[k // 2, : k // 2 + (mask_type == "B")] = 1  # the centre row: left part (+ centre for B)
    return mask

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
for mask_type in "AB":  # the same masks as the library's
    assert_close(make_mask(5, mask_type), MaskedConv2d(1, 1, 5, mask_type).mask)
print(make_mask(5, "A").int().numpy())

# %% [markdown] slideshow={"slide_type": "subslide"}
# `MaskedConv2d` multiplies its weight by that mask in every forward pass. Stacking them keeps
# the model causal, and **gradients** prove it: the gradient of the logits at pixel $i$ with
# respect to the (embedded) input is zero wherever the input cannot influence them. We draw it
# for one output pixel of an untrained `PixelCNN` (5 mask-B layers after a 7x7 mask-A layer).

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
def receptive_field(model, pixel: tuple[int, int], size: int = 8) -> torch.Tensor:
    """|d logits(pixel) / d input| summed over channels: (size, size)."""
    x = torch.zeros(1, 1, size, size, dtype=torch.long)
    e = model.embed_input(x).detach().requires_grad_(True)  # (1, E, H, W)
    model.forward_embedded(e)[0, :, pixel[0], pixel[1]].sum().backward()
    return e.grad[0].abs().sum(dim=0)  # (H, W)


def unseen_earlier_pixels(model, size: int = 8) -> int:
    """How many (pixel, earlier pixel) pairs have zero gradient; asserts causality too."""
    unseen = 0
    for i in range(size * size):
        seen = receptive_field(model, divmod(i, size), size).flatten() > 0
        assert not seen[i:].any(), f"pixel {i} sees itself or a later pixel"
        unseen += int((~seen[:i]).sum())
    return unseen


plain = PixelCNN().eval()
print(f"plain PixelCNN: causal; {unseen_earlier_pixels(plain)} of {64 * 63 // 2} "
      "(pixel, earlier\npixel) pairs are not seen")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3. The blind spot and the Gated PixelCNN
#
# Causal, but blind: each mask-B layer widens the view by one column to the right only together
# with one row up, so a triangle of pixels above and to the right is never seen, however deep
# the stack (left panel below). The **Gated PixelCNN** (van den Oord et al. 2016) splits the
# network in two stacks:
#
# * a **vertical stack** with $k \times k$ kernels over the rows strictly above (it may look
#   right as far as it likes, since those rows are all earlier);
# * a **horizontal stack** with $1 \times k$ kernels over the current row, left of the pixel,
#   which also receives the vertical stack's features.
#
# Each layer uses a gated activation, with an optional conditioning $\mathbf{s}$ (a class, or
# in VQ-VAE-2 a map of codes) added inside the gate:
#
# $$\mathbf{y} = \tanh(W_{f} * \mathbf{x} + V_f\,\mathbf{s}) \odot
#   \sigma(W_{g} * \mathbf{x} + V_g\,\mathbf{s}).$$

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Masks and receptive fields
# Left: the masks (dark = weight used). Right: the pixels that the output at (5, 2) sees, by
# gradients; the half-tone square is the pixel itself.

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
fig, axes = plt.subplots(1, 6, figsize=(18, 3.4))
panels = [(MaskedConv2d.build_mask(5, 5, "A"), "mask A"), (MaskedConv2d.build_mask(5, 5, "B"),
          "mask B"), (VerticalStackConv2d(1, 1, 5, "A").mask, "vertical stack, A"),
          (HorizontalStackConv2d(1, 1, 5, "A").mask, "horizontal stack, A (1x5)")]
for ax, (mask, title) in zip(axes, panels):
    ax.imshow(mask, cmap="Blues", vmin=0, vmax=1.3)
    ax.set_title(title, fontsize=9)
gated = GatedPixelCNN().eval()
target = (5, 2)
for ax, model, title in [(axes[4], plain, "PixelCNN"), (axes[5], gated, "Gated PixelCNN")]:
    seen = (receptive_field(model, target) > 0).float()
    seen[target] = 0.5
    ax.imshow(seen, cmap="Blues", vmin=0, vmax=1.3)
    ax.set_title(f"{title}: pixels seen (dark)\nby the output at {target}", fontsize=9)
for ax in axes:
    ax.set_xticks([])
    ax.set_yticks([])
savefig(fig, "05_masks_receptive_field")
show(fig, alt="Six small grids, dark = used. The 5x5 masks: A uses the rows above and the pixels "
     "left of the centre, B also the centre, the vertical stack only the rows above; the 1x5 "
     "horizontal-stack mask uses the pixels to the left. The last two panels mark the pixels of "
     "an 8x8 image that the output at (5, 2) sees (the pixel itself light): the PixelCNN misses "
     "pixels above and to the right of it, its blind spot; the Gated PixelCNN sees every row "
     "above and the pixels to the left.")
print(f"Gated PixelCNN: causal; {unseen_earlier_pixels(gated)} (pixel, earlier pixel) pairs "
      "not seen")

# %% [markdown] slideshow={"slide_type": "fragment"}
# The plain PixelCNN's output at (5, 2) misses the upper-right triangle; the gated model sees
# every earlier pixel of the 8x8 image, and nothing later.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4. Independent pixels against autoregressive
#
# The simplest baseline predicts every pixel **independently**, its own categorical $P(p_i)$
# with no input at all. It is a *marginal* model of each pixel, not the lecture's per-pixel
# classifier: colorization classifies each pixel's color bin *from an input*, the gray image, a
# conditional model (section 12 puts that one against an autoregressive model on the same
# task). The baseline's maximum-likelihood fit is a count:
#
# $$P(p_i = k) = \frac{\#\{n : p_i^{(n)} = k\} + a}{N + aK},$$
#
# with a small pseudo-count $a$ so that an unseen level is not impossible. The autoregressive
# models predict **sequentially**: each pixel given the ones before it.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Training, stopping on `val`, scoring on `test`
# We train on the 1000 `train` digits, stop training by the bits/dim of the 350 `val` digits,
# and report the 447 `test` digits once. Bits/dim is the negative log-likelihood per pixel in
# bits, $-\log_2 P(\mathbf{x}) / 64$: lower is better, and $\log_2 17 = 4.09$ is a uniform
# guess. The independent model is fitted by counting (`fit_counts`); the two networks minimize
# the cross-entropy `model.loss(x)` with Adam (`train_autoregressive`, one call of
# `genzoo_lite.fit`). 1000 images are few, so the Gated PixelCNN also uses dropout and an
# average of its weights, and stops early on `val`; the plain PixelCNN has no dropout and
# trains for a fixed 12 epochs, where its `val` bits/dim stopped improving in longer runs.
# `load_pretrained` loads the shipped weights (`GENZOO_RETRAIN=1`: trains them with these
# settings); the settings live in one place, `RECIPES`.

# %% slideshow={"slide_type": "skip"}
names = ["independent_digits", "pixelcnn_digits", "gated_pixelcnn_digits"]
independent, pixelcnn, gated = models = [load_pretrained(name) for name in names]
for name, model in zip(names, models):
    settings = ", ".join(f"{key}={value}" for key, value in RECIPES[name].settings.items())
    print(f"{name} ({type(model).__name__}):\n  " + settings.replace("weight_decay", "\n  weight_decay"))

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
print("bits/dim         train    val   test")
bpd = {}
named_models = {"independent": independent, "PixelCNN": pixelcnn, "Gated PixelCNN": gated}
for name, model in named_models.items():
    bpd[name] = [model.bits_per_dim(x) for x in (x_train, x_val, x_test)]
    print(f"{name:15s} " + "  ".join(f"{b:5.3f}" for b in bpd[name]))
for split, column in [("val", 1), ("test", 2)]:
    check_claim(bpd["Gated PixelCNN"][column] < bpd["PixelCNN"][column]
                < bpd["independent"][column],
                f"Gated PixelCNN < PixelCNN < independent in {split} bits/dim")
context_saving = bpd["independent"][2] - bpd["PixelCNN"][2]
print(f"test bits/dim saved by the earlier pixels: {context_saving:.2f} = "
      f"{64 * context_saving:.0f} bits per digit")
print(f"by removing the blind spot: {bpd['PixelCNN'][2] - bpd['Gated PixelCNN'][2]:.2f} more")

# %% [markdown] slideshow={"slide_type": "subslide"}
# The three models rank the same on `val` as on `test`. Seeing the earlier pixels saves 0.43
# bits per pixel on the test digits (28 bits per digit); removing the blind spot saves another
# 0.19. Now the samples: the independent model draws all
# 64 pixels at once, each from its own marginal, so every stroke is a coin flip of its own; the
# autoregressive models draw pixel by pixel (section 5), and the strokes connect.

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
gen = torch.Generator().manual_seed(0)
fig, axes = plt.subplots(1, 4, figsize=(15, 4))
image_grid(x_test[:16], nrow=4, ax=axes[0], title="test digits")
for ax, (name, model) in zip(axes[1:], named_models.items()):
    image_grid(model.sample(16, generator=gen), nrow=4, ax=ax, vmax=16,
               title=f"{name}: {bpd[name][2]:.2f} bits/dim")
savefig(fig, "05_samples")
show(fig, alt="Four 4x4 grids: test digits, then samples of the independent-pixel model, the "
     "PixelCNN and the Gated PixelCNN (bits/dim in the titles). Independent pixels give speckled "
     "blobs without connected strokes; the PixelCNN's strokes connect but wander; the Gated "
     "PixelCNN's samples look most like digits.")

# %% [markdown] slideshow={"slide_type": "fragment"}
# The shipped Gated PixelCNN's training (an average of its weights, a cosine learning-rate
# decay, small batches) and the variants tried before it are recorded in
# [`benchmarks/RESULTS.md`](../benchmarks/RESULTS.md#notebooks-03-05-06-what-left-the-lecture-line),
# with how they were compared.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5. Sampling pixel by pixel
#
# The chain rule read forwards is a sampler. Draw $p_1 \sim P(p_1)$, then
# $p_2 \sim P(p_2 \mid p_1)$, and so on:
#
# $$p_i \sim P(p_i \mid p_1, \ldots, p_{i-1}), \qquad
#   \mathbf{p} \sim \prod_{i=1}^N P(p_i \mid p_1, \dots, p_{i-1}).$$
#
# These are **exact** samples of the learned distribution, but they take $N = 64$ network
# passes, one per pixel. A **temperature** $T$ divides the logits: $T < 1$ sharpens each
# conditional, $T > 1$ flattens it.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The sampler
# The loop is the whole algorithm (the library's `sample` is the same loop, checked). Pixels
# not sampled yet are zeros, and the masks keep the network from using them anyway.

# %% slideshow={"slide_type": "fragment"}
def sample_by_hand(model, n, temperature=1.0, generator=None, snapshots=()):
    x = torch.zeros(n, 1, 8, 8, dtype=torch.long)
    frames = []
    for i in range(64):
        if i in snapshots:
            frames.append(x.clone())
        r, c = divmod(i, 8)
        with torch.no_grad():
            logits = model(x)[:, :, r, c] / temperature  # (n, levels): P(p_i | p_<i)
        x[:, 0, r, c] = torch.multinomial(torch.softmax(logits, 1), 1, generator=generator)[:, 0]
    return x, frames + [x]

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### A sample in the making
# Four samples after 0, 8, ..., 64 drawn pixels (hatched orange: not drawn yet).

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
steps = [0, 8, 16, 24, 32, 40, 48, 56]
x_hand, frames = sample_by_hand(gated, 4, generator=torch.Generator().manual_seed(1),
                                snapshots=steps)
assert torch.equal(x_hand, gated.sample(4, generator=torch.Generator().manual_seed(1)))
raster_index = torch.arange(64).view(8, 8)
fig, axes = plt.subplots(1, len(frames), figsize=(15, 3.6))
for ax, frame, step in zip(axes, frames, steps + [64]):
    image_grid(frame, nrow=1, ax=ax, vmax=16, title=f"{step} pixels")
    unsampled = (raster_index >= step).float().expand(len(frame), 8, 8).numpy()  # (4, 8, 8)
    shade = montage(unsampled, fill=0, grid_shape=(len(frame), 1), padding_width=1)
    shade_pixels(ax, shade > 0)  # the pixels the sampler has not drawn yet
savefig(fig, "05_sampling_strip")
show(fig, alt="Nine columns of the same four samples after 0, 8, 16, ..., 64 drawn pixels: the "
     "hatched part, not drawn yet, shrinks row by row from the top as the sampler fills the "
     "image in raster order, and the strokes appear from the top down.")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Temperature, live
# The samples for six temperatures are drawn once, with the same generator seed, and the
# slider picks among them. Low temperatures give clean, typical, repetitive digits; high ones,
# noisy strokes.

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
temperatures = [0.5, 0.7, 0.85, 1.0, 1.2, 1.5]
by_temperature = {t: gated.sample(16, temperature=t, generator=torch.Generator().manual_seed(2))
                  for t in temperatures}
for t in temperatures:
    print(f"T = {t:4.2f}: mean ink {by_temperature[t].float().mean():.2f}, "
          f"mean log P(x) {gated.log_prob(by_temperature[t]).mean():7.1f} nats")

temp_fig = Figure(figsize=(3.3, 3.3))
temp_ax = temp_fig.add_subplot()


def draw_temperature(temperature):
    temp_ax.clear()
    image_grid(by_temperature[temperature], nrow=4, ax=temp_ax, vmax=16,
               title=f"Gated PixelCNN, T = {temperature}")


temperature_view = LiveFigure(temp_fig, draw_temperature, {
    "temperature": widgets.SelectionSlider(options=temperatures, value=1.0,
                                           description="T")})
show_live(temperature_view, alt="The live view's starting picture: 16 Gated PixelCNN samples "
          "in a 4x4 grid at the temperature named in the title.")

# %% [markdown] slideshow={"slide_type": "subslide"}
# Moving the slider from the lowest to the highest temperature: at the low end the samples are
# clean, bold and much alike; in the middle they are the model's ordinary samples; at the high
# end the strokes break up into noisy specks. The mean ink and $\log P(x)$ printed above follow
# the same path.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6. Image completion
#
# As in the PixelRNN figure: hide part of a test digit, sample the hidden pixels in raster
# order given the known ones, and compare with the original (hatched orange: the hidden
# pixels).
# `complete` keeps every known pixel. Each hidden pixel is drawn from $P(p_i \mid p_{<i})$: it
# sees the known pixels **before** it in raster order, never those after it.

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
rows, cols = torch.meshgrid(torch.arange(8), torch.arange(8), indexing="ij")
known_masks = {"bottom half hidden": rows < 4, "right half hidden": cols < 4,
               "left half hidden": cols >= 4}
digits = x_test[[3, 11, 25, 40]]  # (4, 1, 8, 8)
fig, axes = plt.subplots(1, len(known_masks), figsize=(15, 3.8))
for ax, (title, known) in zip(axes, known_masks.items()):
    completions = torch.stack([gated.complete(digits, known,
                                              generator=torch.Generator().manual_seed(s))
                               for s in range(4)], dim=1)  # (4 digits, 4 samples, 1, 8, 8)
    assert (completions[:, :, :, known] == digits[:, None, :, known]).all()
    occluded = digits * known  # the hidden pixels set to 0, hatched below
    row = torch.cat([occluded[:, None], completions, digits[:, None]], dim=1)  # (4, 6, 1, 8, 8)
    image_grid(row.flatten(0, 1), nrow=6, ax=ax, vmax=16,  # one digit per row
               title=f"{title}\noccluded | 4 completions | original")
    hidden = torch.zeros(4, 6, 8, 8)
    hidden[:, 0] = (~known).float()
    shade_pixels(ax, montage(hidden.flatten(0, 1).numpy(), fill=0, grid_shape=(4, 6),
                             padding_width=1) > 0)
savefig(fig, "05_completions")
show(fig, alt="Image completion in three panels: bottom half, right half and left half hidden. "
     "Each row is one test digit: the occluded input with the hidden part hatched, four "
     "completions, and the original. With the bottom or the right half hidden the completions "
     "are plausible variants of the original; with the left half hidden they vary more and often "
     "become another digit.")

# %% [markdown] slideshow={"slide_type": "subslide"}
# With the top half known the completions are plausible variations of the original. With the
# right half hidden, each hidden pixel still sees the known left part of its own row and of the
# rows above. With the **left** half hidden, each hidden pixel sees the known right halves of
# the rows above, but never the known right half of its own row, which comes later in raster
# order: the completions can still meet it, but nothing in the model makes them. A PixelCNN
# conditions only on the past; conditioning on arbitrary known pixels needs another ordering or
# another model.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7. PixelRNN vs PixelCNN
#
# The same paper (van den Oord et al. 2016) first computed the chain rule with **recurrent**
# layers. Its Diagonal BiLSTM *skews* the image, moving row $r$ by $r$ places to the right, so
# that each anti-diagonal $r + c = t$ becomes one column; an LSTM then steps through the
# $H + W - 1$ columns, and its state at pixel $(r, c)$ comes from the states above and to the left:
#
# $$[\mathbf{o}, \mathbf{f}, \mathbf{i}, \mathbf{g}]_{r,c} =
#   \sigma\big(\mathbf{K}^{is} \mathbf{x}_{r,c} + \mathbf{K}^{ss} \circledast
#   [\mathbf{h}_{r-1,c}, \mathbf{h}_{r,c-1}]\big), \qquad
#   \mathbf{c}_{r,c} = \mathbf{f} \odot \mathbf{c}_{r,c-1} + \mathbf{i} \odot \mathbf{g}, \qquad
#   \mathbf{h}_{r,c} = \mathbf{o} \odot \tanh(\mathbf{c}_{r,c}),$$
#
# with $\sigma$ the sigmoid for $\mathbf{o}, \mathbf{f}, \mathbf{i}$ and tanh for $\mathbf{g}$.
# So $\mathbf{h}_{r,c}$ summarizes the whole quadrant above and to the left. A second LSTM sweeps
# from the right (the quadrant above and to the right); its output is shifted down one row, so
# it reports only rows above. In the first layer the left-to-right LSTM reads the input shifted
# one pixel right, so no output sees its own pixel. (The paper's other layer, the Row LSTM, is
# cheaper but sees only a triangle above each pixel, a blind spot like the plain PixelCNN's; we
# build the Diagonal BiLSTM so that the comparison is full context against parallel training.)
# The skew of a small array:

# %% slideshow={"slide_type": "fragment"}
a = torch.arange(1, 13).reshape(1, 1, 3, 4)  # (N, C, H, W)
print(skew(a)[0, 0].numpy())  # column t holds the anti-diagonal r + c = t, zeros around it

# %% [markdown] slideshow={"slide_type": "subslide"}
# Our PixelRNN is small, a single Diagonal BiLSTM layer and a 1x1 head, trained like the
# PixelCNNs (`train_autoregressive` on the training digits, epochs and learning rate chosen on
# the validation digits). Its receptive field, by the gradients of section 2 (all output pixels
# in one backward pass, `dependency_matrix`), next to the PixelCNNs':

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
pixelrnn = load_pretrained("pixelrnn_digits")
ar_models = {"PixelCNN": pixelcnn, "Gated PixelCNN": gated, "PixelRNN": pixelrnn}
future = torch.triu(torch.ones(64, 64, dtype=torch.bool))  # [i, j]: pixel j is i or later
fig, axes = plt.subplots(1, 3, figsize=(8, 2.9))
for ax, (name, model) in zip(axes, ar_models.items()):
    seen = dependency_matrix(model)  # (64, 64): do the logits at i depend on pixel j?
    assert not seen[future].any(), "not causal"
    print(f"{name:15s} (5, 2) sees {int(seen[42].sum())} of 42 pixels before it; "
          f"{int((~seen[~future]).sum())} pairs unseen")
    field = seen[42].float().reshape(8, 8)
    field[5, 2] = 0.5  # the pixel itself
    ax.imshow(field, cmap="Blues", vmin=0, vmax=1.3)
    ax.set_title(f"{name}:\npixels seen by (5, 2) (dark)", fontsize=9)
    ax.set_axis_off()
savefig(fig, "05_pixelrnn_receptive_field")
show(fig, alt="Three 8x8 grids marking the pixels that the output at (5, 2) sees (dark; the pixel "
     "itself light). The PixelCNN misses pixels above and to the right of it, its blind spot; "
     "the Gated PixelCNN and the PixelRNN see every earlier pixel: all rows above and the pixels "
     "to the left.")

# %% [markdown] slideshow={"slide_type": "subslide"}
# Like the Gated PixelCNN, the PixelRNN sees every earlier pixel and nothing later; the plain
# PixelCNN misses the triangle above and to the right. How well does each fit the test digits,
# how large is it, and how long did it train (recorded when the shipped weights were trained,
# one CPU thread, with the epochs and batch size chosen for each)?

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
recipe_names = {"PixelCNN": "pixelcnn_digits", "Gated PixelCNN": "gated_pixelcnn_digits",
                "PixelRNN": "pixelrnn_digits"}
ar_bpd = {}
for name, model in ar_models.items():
    ar_bpd[name] = model.bits_per_dim(x_test)
    history = pretrained_history(recipe_names[name])
    size = sum(p.numel() for p in model.parameters())
    print(f"{name:15s} test {ar_bpd[name]:.3f} bits/dim; {size:6d} parameters;\n"
          f"{'':15s} trained {len(history['loss'])} epochs in {history['train_seconds'][0]:.0f} s")
check_claim(ar_bpd["Gated PixelCNN"] < ar_bpd["PixelRNN"] < ar_bpd["PixelCNN"],
            "Gated PixelCNN < PixelRNN < PixelCNN in test bits/dim")

# %% [markdown] slideshow={"slide_type": "fragment"}
# The PixelRNN, which sees every earlier pixel, needs fewer bits than the plain PixelCNN (1.860
# against 1.966 bits/dim), and the Gated PixelCNN, which also has no blind spot, fewer still
# (1.779). This is one trained model of each, differing in size and training too: it fits the
# blind spot costing bits without isolating it. The training times were recorded on a machine
# shared with other jobs: read them as rough.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The price of recurrence
# The price of recurrence is **sequential** computation, in training too: a PixelCNN layer is one
# convolution over all pixels at once, a Diagonal BiLSTM layer is $H + W - 1$ LSTM steps, one
# after the other. Measured on this machine (best of a few runs; the numbers depend on its
# load):

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
# NBVAL_IGNORE_OUTPUT
batch = x_train[:64]
step_ms = {}
for name, model in ar_models.items():
    params = list(model.parameters())
    step_ms[name] = 1000 * best_time(lambda: torch.autograd.grad(model.loss(batch), params),
                                     repeat=3)
    draw = best_time(lambda: model.sample(8, generator=torch.Generator().manual_seed(0)),
                     repeat=2)
    print(f"{name:15s} a training step (64 digits) {step_ms[name]:4.0f} ms; "
          f"8 samples {draw:.2f} s")
print(f"PixelRNN step / PixelCNN step: {step_ms['PixelRNN'] / step_ms['PixelCNN']:.1f}x")
print(f"sequential LSTM steps per layer: {8 + 8 - 1} at 8x8, {256 + 256 - 1} at 256x256")

# %% [markdown] slideshow={"slide_type": "fragment"}
# On 8x8 digits and one CPU thread every operation is tiny, and the PixelRNN's step costs the
# ratio above of a plain PixelCNN step. The gap grows with the image: a 256x256 image needs 511
# LSTM steps per layer, one after the other, while a GPU computes a convolution over all pixels
# at once; that is what made the PixelCNN the practical choice.
# Sampling is slow for both, $HW$ passes: recurrence makes each pass dearer, not fewer.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 8. Why sampling is slow
#
# Training and `log_prob` evaluate all $N$ conditionals in **one** parallel pass, because the
# true image is known. Sampling cannot: pixel $i$ needs pixel $i - 1$ first. An $H \times W$
# image therefore needs $HW$ sequential passes, each over the whole image, and the cost of a
# pass grows with the image too:
#
# $$\text{time} \approx HW \cdot c(HW), \qquad c(HW) \propto (HW)^{a},\ 0 \le a \le 1
#   \quad\Rightarrow\quad \text{time} \propto (HW)^{1 + a}.$$

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Timing the sampler
# The network is fully convolutional, so the trained model runs at any size. We time 8 samples
# and one pass at each size and fit the slopes on log-log axes (the numbers depend on the
# machine and its load; each is the best of a few runs, one run for the larger sizes).

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
# NBVAL_IGNORE_OUTPUT
sides, n = [4, 6, 8, 10, 12], 8
pixels = [side * side for side in sides]
sample_seconds, pass_seconds = [], []
for side in sides:
    blank = torch.zeros(n, 1, side, side, dtype=torch.long)
    with torch.no_grad():
        pass_seconds.append(best_time(lambda: gated(blank), repeat=10))  # what log_prob needs
    draw = lambda: gated.sample(n, shape=(side, side),  # noqa: E731
                                generator=torch.Generator().manual_seed(0))
    sample_seconds.append(best_time(draw, repeat=2 if side <= 8 else 1))
    print(f"{side:2d}x{side:<2d}: {side * side:3d} passes, {sample_seconds[-1]:.2f} s for {n} "
          f"samples; one pass {1000 * pass_seconds[-1]:.1f} ms")
slope = np.polyfit(np.log(pixels), np.log(sample_seconds), 1)[0]
pass_slope = np.polyfit(np.log(pixels), np.log(pass_seconds), 1)[0]
print(f"fitted slopes: sampling time ~ (HW)^{slope:.2f}, one pass ~ (HW)^{pass_slope:.2f}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### On log-log axes
# Left: seconds for 8 samples against the number of pixels; right: one network pass.

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
fig, axes = plt.subplots(1, 2, figsize=(9, 3), layout="constrained")
for ax, times, fitted, label, xlabel in [
        (axes[0], sample_seconds, slope, f"seconds for {n} samples",
         "pixels H W (= sequential passes)"),
        (axes[1], [1000 * t for t in pass_seconds], pass_slope, "milliseconds for one pass",
         "pixels H W")]:
    ax.loglog(pixels, times, "o-", color=LINE_COLOURS[0], label=f"fitted slope {fitted:.2f}")
    ax.set_xticks(pixels, labels=[str(p) for p in pixels])
    ax.yaxis.set_major_locator(LogLocator(subs=(1, 2, 5)))  # a few plain labels, no overlap
    ax.yaxis.set_major_formatter(FormatStrFormatter("%g"))
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_minor_formatter(NullFormatter())
    ax.set(xlabel=xlabel, ylabel=label)
    ax.legend()
savefig(fig, "05_sampling_time")
show(fig, alt="Two log-log plots against the number of pixels H W: left, the seconds to draw the "
     "samples; right, the milliseconds for one network pass. Both rise with the image size, the "
     "sampling time more steeply than one pass; the legends give the fitted slopes.")

# %% [markdown] slideshow={"slide_type": "fragment"}
# The sampling time grows faster than the number of passes: each pass also costs more on a
# larger image. The fitted slopes move with the machine and its load (at these tiny sizes the
# fixed costs per layer weigh a lot, and a busy machine adds noise), so read them as rough. On
# large images a pass costs about $HW$ and the time approaches $(HW)^2$; caching each layer's
# features (section 10) brings it back to about $HW$.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 9. Errors accumulate
#
# Training uses **teacher forcing**: every conditional $P(x_i \mid x_{<i})$ sees the real
# earlier pixels. Sampling is **free-running**: it sees its own earlier draws. If a draw goes
# astray, the later conditionals work from a context unlike any seen in training and may go
# further astray: errors accumulate. To measure it we let the plain PixelCNN draw 447 digits
# two ways:
#
# * teacher-forced: pixel by pixel along each test digit,
#   $\tilde x_i \sim P(x_i \mid x_{<i})$ with the **real** $x_{<i}$ (one pass);
# * free-running: 447 ordinary samples, $\hat x_i \sim P(x_i \mid \hat x_{<i})$ (64 passes);
#
# and a judge, the Gated PixelCNN (a better model of the same digits), scores each drawn pixel
# in its context: its bits for $\tilde x_i$ given $x_{<i}$, and for $\hat x_i$ given
# $\hat x_{<i}$, minus its bits for the real $x_i$ given $x_{<i}$. Averaged by row, the first
# is the sampler's one-step error; the difference between the two is what the drawn context adds.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Measured on the 447 test digits
# The judge's extra bits per pixel, by row, for both ways of drawing (and their difference).

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
gen = torch.Generator().manual_seed(0)
with torch.no_grad():
    probs = torch.softmax(pixelcnn(x_test), dim=1).permute(0, 2, 3, 1)  # (N, 8, 8, levels)
forced = torch.multinomial(probs.reshape(-1, 17), 1, generator=gen).view(x_test.shape)
free = pixelcnn.sample(len(x_test), generator=gen)  # (N, 1, 8, 8), pixel by pixel


def judged_bits(context, values):
    """The judge's bits for each pixel's value given the pixels before it in ``context``."""
    with torch.no_grad():
        log_p = torch.log_softmax(gated(context), dim=1).gather(1, values)  # (N, 1, 8, 8)
    return -log_p[:, 0] / math.log(2)  # (N, 8, 8)

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
real_bits = judged_bits(x_test, x_test)
by_row = {"teacher-forced": (judged_bits(x_test, forced) - real_bits).mean(dim=2),  # (N, 8)
          "free-running": (judged_bits(free, free) - real_bits).mean(dim=2)}
fig, ax = plt.subplots(figsize=(4.5, 3))
for (name, excess), style, colour in zip(by_row.items(), ["o-", "s--"], LINE_COLOURS):
    ax.plot(range(8), excess.mean(dim=0), style, color=colour, label=name)
ax.set(xlabel="row (later rows follow more drawn pixels)", ylabel="judge's extra bits/pixel")
ax.legend()
savefig(fig, "05_error_accumulation")
show(fig, alt="The judge's extra bits per pixel by row, for teacher-forced draws (circles, solid "
     "line) and free-running samples (squares, dashed line). Both rise down the image; the "
     "free-running curve lies mostly above the teacher-forced one, furthest in the last row.")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### By row, with standard errors
# The free-running samples are new digits, not the test digits. Each row's difference subtracts
# the same real-digit baseline from both, so it is an average of independent per-digit
# differences, and its standard error is printed.

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
gap = by_row["free-running"] - by_row["teacher-forced"]  # (N, 8): per-index differences
print("row             " + " ".join(f"{r:5d}" for r in range(8)))
for name, excess in [*by_row.items(), ("difference", gap)]:
    print(f"{name:15s} " + " ".join(f"{v:5.2f}" for v in excess.mean(dim=0)))
print("standard error  " + " ".join(f"{v:5.2f}" for v in gap.std(dim=0) / len(gap) ** 0.5))
gap_all = gap.mean(dim=1)  # (N,): per digit, over all rows
print(f"all rows: teacher-forced {by_row['teacher-forced'].mean():.2f}, free-running "
      f"{by_row['free-running'].mean():.2f},\n  difference {gap_all.mean():.2f} +- "
      f"{gap_all.std() / len(gap_all) ** 0.5:.2f}")

# %% [markdown] slideshow={"slide_type": "fragment"}
# The teacher-forced excess, the plain PixelCNN's one-step error as the judge sees it, already
# grows down the image. The free-running excess grows faster: the difference, what the drawn
# context adds, is nothing in the first row (-0.01 +- 0.03 bits/pixel) and 0.32 +- 0.07 in the
# last; over all rows it raises the excess from 0.50 to 0.60 bits/pixel (by 0.11 +- 0.02). So
# errors do accumulate, measurably, but on these small digits the effect is modest next to the
# one-step error. In completion (section 6) most of the context is real, which is why the
# lecture expects little harm there.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 10. Further: PixelCNN++ and faster sampling
#
# * **PixelCNN++** (Salimans et al. 2017): a discretized logistic mixture instead of a 256-way
#   softmax (neighbouring levels share probability), whole pixels instead of sub-pixels,
#   coarse-to-fine downsampling with shortcuts, ResNet blocks and dropout. Its output layer is
#   in the library (`LogisticMixtureGatedPixelCNN`); on our 17 levels it did not beat the
#   softmax in our runs (`benchmarks/RESULTS.md`), so the shipped model keeps the softmax.
# * **Faster sampling**: cache each layer's features so a step computes only the new pixel
#   (Fast PixelCNN++, Ramachandran et al. 2017: $HW$ small steps instead of $HW$ full passes);
#   sample several pixels at once (multiscale / parallel PixelCNN, Reed et al. 2017); or
#   sample in a small **latent** grid of codes and decode it: VQ-VAE-2, notebook 06, uses this
#   very `GatedPixelCNN` as its prior, conditioned on a class or a map of top-level codes.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 11. The probability of a full configuration
#
# Multiplying all conditionals evaluates the probability of a full joint configuration of
# pixels: `log_prob` returns $\log P(\mathbf{x}) = \sum_i \log P(x_i \mid x_{<i})$ exactly, one
# pass per batch. Which test digits does the gated model find most and least likely?

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
with torch.no_grad():
    test_log_p = gated.log_prob(x_test)  # (447,) nats
order = test_log_p.argsort()
print(f"log P(x): most likely {test_log_p.max():.1f} nats, median {test_log_p.median():.1f}, "
      f"least likely {test_log_p.min():.1f}")
print(f"P(most likely test digit) = 2^{test_log_p.max() / math.log(2):.0f}; "
      f"a uniform guess: 17^-64 = 2^{-64 * math.log2(17):.0f}")
fig, axes = plt.subplots(1, 2, figsize=(12, 3.4))
image_grid(x_test[order[-10:].flip(0)], nrow=5, ax=axes[0], vmax=16,
           title="most likely test digits")
image_grid(x_test[order[:10]], nrow=5, ax=axes[1], vmax=16, title="least likely test digits")
savefig(fig, "05_likely")
show(fig, alt="The ten most likely test digits under the Gated PixelCNN (left: thin, upright 1s) "
     "and the ten least likely (right: heavy, blotchy digits with a lot of ink, such as 8s and "
     "9s).")

# %% [markdown] slideshow={"slide_type": "fragment"}
# The most likely digits are thin, simple strokes (mostly 1s): few ink pixels to pay for. The
# least likely are thick, unusual or broken. An exact likelihood rewards simplicity, not beauty:
# keep that in mind before using $P(\mathbf{x})$ as a quality score.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 12. Per-pixel classification vs autoregressive
#
# Colorization (Zhang et al. 2016) classifies each pixel's color into one of 313 ab bins **from
# an input**, the gray image: the lecture's per-pixel classification is a *conditional* model,
# every pixel predicted independently given the input (section 4's independent model had no
# input). To put it against an autoregressive model on one task, both get the means of the
# 2x2 blocks of a digit, a 4x4 map $\mathbf{s}$ (`downsample`), and predict the 8x8 digit, 17
# levels per pixel:
#
# $$\text{per-pixel:}\quad P(\mathbf{x} \mid \mathbf{s}) = \prod_i P(x_i \mid \mathbf{s}),
#   \qquad \text{autoregressive:}\quad
#   P(\mathbf{x} \mid \mathbf{s}) = \prod_i P(x_i \mid x_1, \dots, x_{i-1}, \mathbf{s}).$$
#
# Both read $\mathbf{s}$ through the same small convolutional encoder, which lets every pixel
# see the whole 4x4 input. `PixelClassifier` puts a 17-way softmax on each pixel's features;
# `PixelCNNUpsampler` is a Gated PixelCNN that adds them inside its gates (`cond=`, as the prior
# of notebook 06 receives the top-level codes). Both minimize the cross-entropy of the true
# digit given its downsample, on the training digits.

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
s_test = downsample(x_test)  # (447, 1, 4, 4): the means of the 2x2 blocks / 16
classifier = load_pretrained("pixel_classifier_digits")
upsampler = load_pretrained("pixelcnn_upsampler_digits")
cond_bpd = {"per-pixel": classifier.bits_per_dim(x_test, cond=s_test),
            "autoregressive": upsampler.bits_per_dim(x_test, cond=s_test)}
for name, bits in cond_bpd.items():
    print(f"{name:15s} test bits/dim of x given its downsample: {bits:.3f}")
saving = cond_bpd["per-pixel"] - cond_bpd["autoregressive"]
print(f"the earlier pixels save {saving:.2f} bits/dim = {64 * saving:.0f} bits per digit")
check_claim(saving > 0, "the autoregressive upsampler needs fewer bits than the per-pixel one")

# %% [markdown] slideshow={"slide_type": "subslide"}
# Even given its 4x4 downsample, a digit's pixels are not independent: seeing the earlier ones
# saves 0.18 bits/dim, 11 bits per digit. The difference matters most where the input leaves
# the most open, so we pick the test inputs on which the per-pixel classifier is least certain
# (the largest entropy of its softmax, averaged over the pixels):

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
with torch.no_grad():
    p = torch.softmax(classifier(x_test, cond=s_test), dim=1)  # (N, 17, 8, 8)
open_bits = -(p * p.clamp_min(1e-12).log2()).sum(dim=1).mean(dim=(1, 2))  # (N,)
ambiguous = open_bits.argsort(descending=True)[:4]
print(f"classifier's entropy: {open_bits.mean():.2f} bits/pixel on average,\n"
      f"  {open_bits[ambiguous].min():.2f} or more on the four inputs below")

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
picks = x_test[ambiguous]  # (4, 1, 8, 8)
s = downsample(picks).repeat_interleave(4, dim=0)  # each input 4 times: (16, 1, 4, 4)
gen = torch.Generator().manual_seed(0)
drawn = {"per-pixel classifier": classifier.sample(16, cond=s, generator=gen),
         "autoregressive (Gated PixelCNN)": upsampler.sample(16, cond=s, generator=gen)}
blocky = 16 * downsample(picks).repeat_interleave(2, 2).repeat_interleave(2, 3)  # the input
fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
for ax, (title, x) in zip(axes, drawn.items()):
    row = torch.cat([blocky[:, None], x.view(4, 4, 1, 8, 8), picks[:, None]], dim=1)
    image_grid(row.flatten(0, 1), nrow=6, ax=ax, vmax=16,
               title=f"{title}\ninput | 4 samples | original")
savefig(fig, "05_per_pixel_vs_autoregressive")
show(fig, alt="Super-resolution of four ambiguous 4x4 inputs (one per row): the blocky input, "
     "four samples and the original, for the per-pixel classifier (left) and the autoregressive "
     "Gated PixelCNN (right). The per-pixel samples mix two readings in one image; each "
     "autoregressive sample commits to one clean digit, not always the original.")

# %% [markdown] slideshow={"slide_type": "subslide"}
# Where the input is ambiguous, the per-pixel samples blend the possible digits into blotchy,
# speckled strokes: each pixel is drawn alone, so nothing makes neighbours agree. The
# autoregressive samples commit to one digit each, and different samples may commit to
# different digits. Over typical inputs, a judge that never saw them, the Gated PixelCNN of
# section 4, scores samples for the first 64 test inputs (bits/dim: lower is more
# digit-like), and re-downsampling shows how well each matches its input:

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
num_inputs = 64
s = s_test[:num_inputs]
gen = torch.Generator().manual_seed(1)
drawn = {"test digits": x_test[:num_inputs],
         "per-pixel samples": classifier.sample(num_inputs, cond=s, generator=gen),
         "per-pixel mode (T -> 0)": classifier.sample(num_inputs, cond=s, temperature=1e-4,
                                                      generator=gen),
         "autoregressive samples": upsampler.sample(num_inputs, cond=s, generator=gen)}
judged = {}
print("judge: the Gated PixelCNN's bits/dim; off by: the mean error\nof the block means, in levels")
for name, x in drawn.items():
    judged[name] = gated.bits_per_dim(x)
    off = (16 * (downsample(x) - s)).abs().mean()  # mean block-mean error, in levels
    print(f"{name:24s} judge: {judged[name]:.2f} bits/dim; off by {off:.2f}")
check_claim(judged["autoregressive samples"] < judged["per-pixel samples"],
            "the judge prefers the autoregressive samples to the per-pixel ones")

# %% [markdown] slideshow={"slide_type": "fragment"}
# The judge finds the per-pixel samples the least digit-like (2.14 bits/dim, against 1.96 for
# the autoregressive samples and 1.79 for the real digits), and their block means stray
# further from the input (0.55 levels against 0.39). The per-pixel **mode**, each pixel's most
# likely level, scores 1.69, better than real digits: one smooth, typical guess per input, not
# a sample (colorization faces the same choice, and takes an "annealed mean" between the mode
# and the mean).

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The slide's key idea
# Both approaches predict **discrete** values with a softmax and a
# cross-entropy: 17 gray levels here, 313 ab color bins in colorization, and in notebook 06 the
# codes of a VQ-VAE, whose grid a PixelCNN models autoregressively. The difference is
# independent against sequential prediction: one pass that cannot make the pixels agree, or
# $HW$ passes that can.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
# * The chain rule factors any image distribution into per-pixel conditionals; a softmax over
#   gray levels makes each a classification, trained by cross-entropy = maximum likelihood.
# * Masked convolutions make one network compute all conditionals at once; gradients prove
#   causality. The plain PixelCNN has a blind spot, the gated one with its two stacks does not.
# * Test bits/dim (train / val / test splits): independent > PixelCNN > PixelRNN > Gated
#   PixelCNN. The PixelRNN's LSTMs see every earlier pixel too, but compute sequentially even
#   in training.
# * Sampling is exact but sequential: $HW$ passes, each costlier on larger images (measured
#   slope above 1); errors accumulate when the sampler conditions on its own draws.
# * A PixelCNN completes images given the pixels before the hole and scores whole images.
# * Per-pixel classification (colorization) and autoregressive models both predict discrete
#   values with a softmax; one predicts the pixels independently given the input, the other
#   sequentially, and the sequential one makes the pixels agree.

# %% [markdown] slideshow={"slide_type": "skip"}
# ## Exercises
# Each checked exercise has a cell to edit and a self-check that names what is wrong. The check
# builds its own small model, so it does not depend on the cells above.
#
# **Exercise 1.** Raster order is one choice among many. Write the $k \times k$ mask, type "A"
# or "B", for **column-major** order: down each column, the columns from left to right. The
# check stacks a 5x5 mask-A layer and two 3x3 mask-B layers made with your masks and tests with
# gradients, on a 6x6 image, that no output depends on its own pixel or on a later one in
# column order.

# %% slideshow={"slide_type": "skip"}
def exercise_column_mask(k, mask_type):
    """The (k, k) mask for column-major order: 1 = the weight may be used."""
    # YOUR CODE HERE
    raise NotImplementedError()


checks.check_column_mask(exercise_column_mask)

# %% [markdown] slideshow={"slide_type": "skip"}
# **Exercise 2.** Write one layer of the Gated PixelCNN (section 3) from the parts of `layer`,
# a `GatedLayer`: `layer.v_conv` (the vertical stack's $k \times k$ convolution, mask B),
# `layer.h_conv` (the horizontal stack's $1 \times k$ one, mask B), both with $2C$ output
# channels, the 1x1 convolutions `layer.v_to_h` ($2C \to 2C$) and `layer.h_out`
# ($C \to C$), and `GatedLayer.gate(a)`, tanh of the first half of the channels times the
# sigmoid of the second half. The vertical stack is $\mathbf{v}' = \text{gate}(W_v * \mathbf{v}
# + \mathbf{s})$, with the conditioning $\mathbf{s}$ = `bias`; the horizontal stack is
# residual, $\mathbf{h}' = \mathbf{h} + W_o\,\text{gate}(\dots + \mathbf{s})$. What goes
# inside its gate, and which stack may feed which? Use the parts only: the check's `layer`
# refuses to run as a whole. The check builds a 3-layer model on your function and tests, by
# redrawing one input pixel at a time, that every output pixel of a 6x6 image sees every
# earlier pixel and no later one, then compares the values.

# %% slideshow={"slide_type": "skip"}
def exercise_gated_layer(layer, v, h, bias):
    """One gated layer: returns (v_new, h_new), each (N, C, H, W)."""
    # YOUR CODE HERE
    raise NotImplementedError()


checks.check_gated_layer(exercise_gated_layer)

# %% [markdown] slideshow={"slide_type": "skip"}
# **Exercise 3.** Section 6 completes digits from their known pixels. How likely is the
# original under the model, given the known part? Write `exercise_log_prob_given(model, x,
# known)`: $\log P(\mathbf{x}_\text{hidden} \mid \mathbf{x}_\text{known})$ in nats for each
# image, a tensor (N,), with `known` a bool (H, W) mask. The model's conditionals give it
# exactly for some masks only: return it when they do, and raise `ValueError` when they do
# not. Hint: $P(\mathbf{x}) = P(\mathbf{x}_\text{known})\,P(\mathbf{x}_\text{hidden} \mid
# \mathbf{x}_\text{known})$; which factors of the chain rule make up each side?

# %% slideshow={"slide_type": "skip"}
def exercise_log_prob_given(model, x, known):
    """log P(x_hidden | x_known) in nats, a tensor (N,); ValueError where it is not exact."""
    # YOUR CODE HERE
    raise NotImplementedError()


checks.check_log_prob_given(exercise_log_prob_given)

# %% [markdown] slideshow={"slide_type": "skip"}
# **Exercise 4 (open).** How deep must each model be to see every earlier pixel? Count the
# unseen (pixel, earlier pixel) pairs with `unseen_earlier_pixels` (section 2) for untrained
# `GatedPixelCNN(num_layers=L).eval()` and `PixelCNN(num_layers=L).eval()`, L = 0 to 5 (a few
# seconds: the count depends on the masks, not on the weights). Does either model reach 0 of
# the 2016 pairs, and from which depth? Explain what you see from the kernel sizes (7x7 in the
# first layer, 3x3 after), and explain how the gated model without any gated layer compares.
