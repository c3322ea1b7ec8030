# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] slideshow={"slide_type": "slide"}
# # 04 · Autoregressive synthesis without a network: Efros-Leung texture synthesis
#
# *Generative Model Zoo, part II: "Texture synthesis by non-parametric sampling [Efros & Leung
# 1999]" and "Synthesizing a pixel: models P(p | N(p))".*
#
# **You will learn**
# 1. how to model $P(p \mid N(p))$, a pixel given its neighbourhood, with no parameters at all:
#    the example texture itself is the model;
# 2. one pixel synthesized step by step: its neighbourhood, its matches in the sample, the
#    distribution it is drawn from;
# 3. the whole growing loop, on four textures;
# 4. why this *is* an autoregressive model, and how its filling order differs from raster order;
# 5. what the window size does to structure and to copying;
# 6. hole filling (the completions PixelCNN makes in notebook 05).

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
# The only setup cell: imports and a fixed seed. Everything here runs on the CPU.

# %% slideshow={"slide_type": "skip"}
# %matplotlib inline
import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from skimage.transform import downscale_local_mean

from genzoo_lite import check_claim, load_texture, savefig, set_seed
from genzoo_lite.exercises import efros_leung as checks
from genzoo_lite.models.nonparametric.efros_leung import (candidate_mask, efros_leung_reference,
                                            gaussian_weights, patch_distances)
from genzoo_lite.models.nonparametric.efros_leung_fast import efros_leung
from genzoo_lite.views.live import LiveFigure
from genzoo_lite.views.figure_alt import show, show_live
from genzoo_lite.views.plots import LINE_COLOURS

set_seed(0)
plt.rcParams["figure.dpi"] = 80
gray = plt.get_cmap("gray").with_extremes(bad="#c8d0e0")  # unfilled pixels (NaN) in light blue

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. The idea: the sample is the model
#
# A texture is stationary (every region looks like every other) and local (a pixel depends
# mostly on its neighbours). So model each pixel $p$ by its conditional given the already
# synthesized pixels around it, $P(p \mid N(p))$, where $N(p)$ is a $w \times w$ window
# centred on $p$.
#
# Efros and Leung estimate that conditional **without parameters**: find every window
# $\omega$ of the example image (the *sample*) that looks like $N(p)$, and draw $p$ from
# their centre pixels. How alike is measured by a Gaussian-weighted sum of squared differences
# over the part of the window that is already filled ($m_k = 1$ there, $0$ elsewhere):
#
# $$d\big(N(p), \omega\big) = \frac{\sum_k G_k\, m_k\, \big(N(p)_k - \omega_k\big)^2}
#   {\sum_k G_k\, m_k}, \qquad G_k \propto \exp\!\Big(-\frac{\|k\|^2}{2\sigma^2}\Big),\;
#   \sigma = \frac{w}{6.4}.$$

# %% [markdown] slideshow={"slide_type": "subslide"}
# With $d_\text{min}$ the best distance, the candidates are the windows within a factor
# $1 + \epsilon$ of it ($\epsilon = 0.1$ in the paper), and $p$ takes the centre value of one of
# them, chosen uniformly:
#
# $$P\big(p = v \mid N(p)\big) = \frac{\big|\{\omega : d(N(p), \omega) \le (1 + \epsilon)\,
#   d_\text{min},\ \text{centre}(\omega) = v\}\big|}
#   {\big|\{\omega : d(N(p), \omega) \le (1 + \epsilon)\, d_\text{min}\}\big|}.$$
#
# A histogram of the centres of near-matching windows: that is the whole model.
#
# Our samples are the bundled grayscale textures, shrunk (by the mean of each 4x4 or 2x2 block)
# so that a 64x64 crop holds several texels (bricks, stones, letters).

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
brick_big = downscale_local_mean(load_texture("brick"), (4, 4))  # (128, 128)
samples = {
    "brick": brick_big[:64, :64],
    "grass": downscale_local_mean(load_texture("grass"), (4, 4))[:64, :64],
    "gravel": downscale_local_mean(load_texture("gravel"), (4, 4))[:64, :64],
    "text": downscale_local_mean(load_texture("text"), (2, 2))[:64, :64],
}
fig, axes = plt.subplots(1, 4, figsize=(14, 3.9))
for ax, (name, sample) in zip(axes, samples.items()):
    ax.imshow(sample, cmap="gray", vmin=0, vmax=1)
    ax.set_title(f"{name} {sample.shape[0]}x{sample.shape[1]}")
    ax.set_axis_off()
show(fig, alt="Four 64x64 grey texture samples: brick (a regular wall of long bricks with light "
     "mortar), grass (dense blades), gravel (small stones) and text (handwritten strokes on a "
     "tilted sheet).")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. One pixel, step by step
#
# Let the library grow a 32x32 brick texture and look back at one of its steps:
# `return_order=True` also returns the step at which each pixel was filled ($-1$ for the seed
# patch it started from), so `order < t` is the image as it was before step $t$.
#
# **The neighbourhood $N(p)$** of the pixel filled at step $t$: pad the image by $w//2$ so every
# window exists; outside the image and at unfilled places the mask $m$ is 0, and those values
# are never used.

# %% slideshow={"slide_type": "subslide"}
sample = samples["brick"]
window, p = 11, 11 // 2
x_hat, order = efros_leung(sample, (32, 32), window=window, seed=0, return_order=True)


def neighbourhood(t):
    """(y, x) of the pixel filled at step t, its window N(p) then, and the mask m."""
    filled = order < t
    y, x = np.argwhere(order == t)[0]
    canvas = np.pad(np.where(filled, x_hat, 0.0), p)  # (32 + 2p, 32 + 2p)
    return y, x, canvas[y:y + window, x:x + window], np.pad(filled, p)[y:y + window, x:x + window]


step = 760
y, x, template, known = neighbourhood(step)
G = gaussian_weights(window)
weights = G * known / (G * known).sum()  # G_k m_k / sum_k G_k m_k
print(f"step {step} fills ({y}, {x}); {known.sum()} of the {window * window} pixels in its "
      "window are known")

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Its matches in the sample.** The distance $d$ of section 1 to every window of the sample,
# written as the plain double loop; `patch_distances` is the library's vectorized copy.

# %% slideshow={"slide_type": "fragment"}
n_i, n_j = sample.shape[0] - window + 1, sample.shape[1] - window + 1
d = np.empty((n_i, n_j))  # d[i, j]: distance to the window whose top-left corner is (i, j)
for i in range(n_i):
    for j in range(n_j):
        d[i, j] = np.sum(weights * (sample[i:i + window, j:j + window] - template) ** 2)

# %% slideshow={"slide_type": "skip"}
np.testing.assert_allclose(d, patch_distances(sample, template, known), rtol=1e-10)

# %% slideshow={"slide_type": "fragment"}
is_candidate = candidate_mask(d, 0.1)  # d <= (1 + eps) d_min
centres = sample[p:p + n_i, p:p + n_j]  # the centre pixel of every window
print(f"d_min = {d.min():.5f}")
for eps in [0.0, 0.1, 0.5, 1.0]:
    print(f"eps = {eps}: {candidate_mask(d, eps).sum():4d} of {d.size} windows are candidates")
print(f"the library filled p with {x_hat[y, x]:.4f}, a candidate centre: "
      f"{x_hat[y, x] in centres[is_candidate]}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# **The distribution it samples from.** Drawing a candidate uniformly is drawing from the
# histogram of their centres. With the paper's $\epsilon = 0.1$ it has a handful of values here;
# loosening $\epsilon$ to 1 shows its shape: it keeps only the dark brick-face mode of the
# marginal $P(p)$ (where about two thirds of the sample's pixels lie) and rules out the light
# mortar.

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
fig, axes = plt.subplots(1, 5, figsize=(16, 3.3), gridspec_kw={"width_ratios": [1, 1, 1, 1, 1.5]})
axes[0].imshow(np.where(order < step, x_hat, np.nan), cmap=gray, vmin=0, vmax=1)
axes[0].add_patch(Rectangle((x - p - 0.5, y - p - 0.5), window, window, fill=False, ec=LINE_COLOURS[1]))
axes[0].plot(x, y, "s", color="C3", ms=4)
axes[0].set_title(f"before step {step}; p in red")
axes[1].imshow(np.where(known, template, np.nan), cmap=gray, vmin=0, vmax=1)
axes[1].set_title("N(p): known part")
axes[2].imshow(weights, cmap="viridis")
axes[2].set_title("weights G m / sum G m\n(bright = heavy)")
axes[3].imshow(sample, cmap="gray", vmin=0, vmax=1)
ci, cj = np.nonzero(is_candidate)
axes[3].plot(cj + p, ci + p, "o", mfc="none", color=LINE_COLOURS[1], ms=7)
axes[3].set_title(f"{len(ci)} candidate centres")
for ax in axes[:4]:
    ax.set_axis_off()
bins = np.linspace(0.3, 0.75, 46)  # the range of the brick sample's values
axes[4].hist(sample.ravel(), bins=bins, density=True, color="#bbb", label="P(p)")
axes[4].hist(centres[candidate_mask(d, 1.0)], bins=bins, density=True, histtype="step", lw=1.5,
             color=LINE_COLOURS[0], label="P(p | N(p)), eps = 1")
axes[4].hist(centres[is_candidate], bins=bins, density=True, color=LINE_COLOURS[1], alpha=0.8,
             hatch="///", edgecolor="white", label="P(p | N(p)), eps = 0.1")
axes[4].axvline(x_hat[y, x], color="k", ls="--", label="drawn")
axes[4].set_xlabel("pixel value")
axes[4].set_ylabel("density")
axes[4].legend(fontsize=8)
savefig(fig, "04_one_pixel")
dark = (0.36, 0.41)  # the dark brick-face mode of the sample's histogram
print(f"sample pixels in the dark mode {dark}: {np.mean((sample >= dark[0]) & (sample <= dark[1])):.0%}")
wide = centres[candidate_mask(d, 1.0)]
print(f"candidate centres at eps = 1 in it: {np.mean((wide >= dark[0]) & (wide <= dark[1])):.0%}")
show(fig, alt="One synthesis step on brick, in five panels: the output so far, a growing disc, "
     "with the pixel p as a small red square and its window outlined; the known part of p's "
     "neighbourhood; the weights of the distance, heaviest next to p; the brick sample with the "
     "candidate centres circled; and histograms of pixel values: the whole sample's (grey, "
     "wide), the candidates' for eps = 1 (outline) and for eps = 0.1 (hatched), both in a narrow "
     "band, with the drawn value as a dashed vertical line inside it.")

# %% [markdown] slideshow={"slide_type": "subslide"}
# The candidates sit at the same place in different bricks: the neighbourhood has located $p$
# within the brick pattern.
#
# This step was chosen because its best match is imperfect. Many steps look different: when
# the known part of the window was itself copied from one place in the sample, the next pixel
# of that place matches *exactly*, $d_\text{min} = 0$, and it is the only candidate. Counting
# over every fifth step:

# %% slideshow={"slide_type": "fragment"}
step_distances = [patch_distances(sample, *neighbourhood(t)[2:])
                  for t in range(0, order.max() + 1, 5)]
exact = [d for d in step_distances if d.min() == 0]
print(f"best match exact (d_min = 0) in {len(exact) / len(step_distances):.0%} of the steps")
# with d_min = 0 the threshold (1 + eps) d_min is 0 whatever eps is
print(f"of those, steps with a single candidate: "
      f"{np.mean([candidate_mask(d, 1.0).sum() == 1 for d in exact]):.0%}")

# %% [markdown] slideshow={"slide_type": "fragment"}
# So the model often *copies*: it continues a piece of the sample until the continuation
# stops fitting, then jumps to the best compromise. Sections 4 and 6 measure how much.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3. The whole loop
#
# Start from a random 3x3 patch of the sample in the middle of an empty output, then repeat
# until every pixel is filled:
#
# 1. **Choose $p$**: the unfilled pixel with the most filled pixels in its window (ties broken
#    at random). The most constrained pixel goes first, so the texture grows outward like an
#    onion.
# 2. **Read $N(p)$** and its mask $m$.
# 3. **Match**: $d(N(p), \omega)$ for every window $\omega$ of the sample (section 2).
# 4. **Sample**: copy the centre of a uniformly chosen candidate into $p$.
#
# `efros_leung_reference` is exactly this loop (with the double loop of section 2 inside).
# `efros_leung` runs the same steps but compares all sample windows at once; from the same seed
# both draw the same random numbers in the same order, so they give the same image. (How it is
# vectorized and what that saves: [benchmarks/RESULTS.md](../benchmarks/RESULTS.md), "Efros-Leung:
# the loop against the vectorized version".)

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
small = samples["brick"][:32, :32]
fast = efros_leung(small, (16, 16), window=7, seed=3)
slow = efros_leung_reference(small, (16, 16), window=7, seed=3)
print(f"fast and reference outputs identical: {np.array_equal(fast, slow)}")
print(f"every output pixel is a sample pixel: {np.isin(fast, small).all()}")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4. Synthesis on four textures
# A 96x96 texture from each 64x64 sample, window 11, $\epsilon = 0.1$: larger than the sample,
# so it cannot be a copy of it. To see how much of it is copied anyway, we count the 9x9 patches
# of the output that occur verbatim in the sample.

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
def copied_fraction(out, sample, size=9):
    """Fraction of the size x size patches of `out` that appear verbatim in `sample`."""
    def patches(img):
        view = np.lib.stride_tricks.sliding_window_view(img, (size, size))
        return [view[i, j].tobytes() for i in range(view.shape[0]) for j in range(view.shape[1])]
    seen = set(patches(sample))
    return np.mean([patch in seen for patch in patches(out)])


def match_distances(out, order, sample, window, every=10):
    """The distances d of section 2 at every `every`-th step of a synthesis, in order."""
    p, maps = window // 2, []
    for t in range(0, order.max() + 1, every):
        y, x = np.argwhere(order == t)[0]
        filled = np.pad(order < t, p)[y:y + window, x:x + window]
        template = np.pad(np.where(order < t, out, 0.0), p)[y:y + window, x:x + window]
        maps.append(patch_distances(sample, template, filled))
    return maps


outputs = {name: efros_leung(s, (96, 96), window=11, seed=1, return_order=True)
           for name, s in samples.items()}
fig, axes = plt.subplots(2, 4, figsize=(9, 5))
for col, name in enumerate(samples):
    axes[0, col].imshow(samples[name], cmap="gray", vmin=0, vmax=1)
    axes[0, col].set(xlim=(-0.5, 95.5), ylim=(95.5, -0.5))  # drawn to the outputs' scale
    axes[0, col].set_title(f"sample: {name} 64x64")
    axes[1, col].imshow(outputs[name][0], cmap="gray", vmin=0, vmax=1)
    axes[1, col].set_title("synthesized 96x96")
for ax in axes.flat:
    ax.set_axis_off()
savefig(fig, "04_textures")
show(fig, alt="Top row: the four 64x64 samples (brick, grass, gravel, text), drawn to scale in "
     "the top-left two thirds of their panels; bottom row: the 96x96 texture synthesized from "
     "each. Each output looks like its sample: bricks stay bricks, stones stay stones, and the "
     "text's strokes come back in pieces.")
copied_96 = {name: copied_fraction(out, samples[name]) for name, (out, _) in outputs.items()}
for name, (out, _) in outputs.items():
    print(f"{name:7s} every output value occurs in the sample: {np.isin(out, samples[name]).all()};"
          f" 9x9 patches copied verbatim: {copied_96[name]:.0%}")
check_claim(all(0.15 < c < 0.4 for c in copied_96.values()),
            "roughly a quarter of each output's 9x9 patches are verbatim copies")

# %% [markdown] slideshow={"slide_type": "subslide"}
# Bricks stay bricks, stones stay stones: the structure comes from copying pixels whose
# neighbourhoods agree, without a single learned parameter. Roughly a quarter of each output's
# 9x9 patches are verbatim copies of the sample; the rest is pieced together.
#
# **Why the output is larger than the sample.** With an output smaller than the sample, the
# copy can cover all of it: if the seed patch lies far enough from the sample's edges, every
# step finds an exact continuation (the known part of its window was copied from one place in
# the sample, that place's next pixel matches it exactly, $d_\text{min} = 0$, one candidate,
# section 2), and the growing output never runs off the sample's edge. Seed 1's patch lies near
# the centre, and its 48x48 output is one crop of the sample (seeds whose patches lie nearer an
# edge give no crop; nor does section 2's output). Efros-Leung synthesizes only where no exact
# continuation exists. 48x48 outputs from seeds 0 to 5, and section 2's 32x32 output:

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
def is_crop(out, sample):
    """Whether `out` is one crop of `sample`, pixel for pixel."""
    crops = np.lib.stride_tricks.sliding_window_view(sample, out.shape)
    return bool((crops == out).all(axis=(2, 3)).any())


def seed_patch_at(out, order, sample):
    """(i, j) in the sample of the 3x3 seed patch an output grew from."""
    y, x = np.argwhere(order < 0).min(axis=0)
    where = (np.lib.stride_tricks.sliding_window_view(sample, (3, 3))
             == out[y:y + 3, x:x + 3]).all(axis=(2, 3))
    return tuple(int(v) for v in np.argwhere(where)[0])


crop_of = {}
for seed in range(6):
    small_output, small_order = efros_leung(samples["brick"], (48, 48), window=11, seed=seed,
                                            return_order=True)
    crop_of[seed] = is_crop(small_output, samples["brick"])
    print(f"seed {seed}: seed patch at {seed_patch_at(small_output, small_order, samples['brick'])}"
          f" of the 64x64 sample; the 48x48 output is one crop of it: {crop_of[seed]}")
print(f"section 2's 32x32 output (seed 0) is one crop of the sample: "
      f"{is_crop(x_hat, samples['brick'])}")
check_claim(crop_of[1] and not any(crop_of[s] for s in crop_of if s != 1)
            and not is_crop(x_hat, samples["brick"]),
            "seed 1's 48x48 output is a crop; the other seeds' and section 2's are not")

# %% [markdown] slideshow={"slide_type": "subslide"}
# **How it grows.** Snapshots of the 96x96 brick output, taken from the order map, and how
# often a step's best match is exact, early and late:

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
out, order_map = outputs["brick"]
n_steps = order_map.max() + 1
fig, axes = plt.subplots(1, 5, figsize=(17, 3.7))
for ax, frac in zip(axes, [0.0, 0.1, 0.3, 0.6, 1.0]):
    t = round(frac * n_steps)
    ax.imshow(np.where(order_map < t, out, np.nan), cmap=gray, vmin=0, vmax=1)
    ax.set_title(f"step {t}")
    ax.set_axis_off()
savefig(fig, "04_growth")
show(fig, alt="Five snapshots of the brick output as it grows: a tiny seed in the centre, then a "
     "disc of brick texture that widens step by step until it fills the square; the part not "
     "filled yet is pale blue.")
growth_exact = np.array([d.min() == 0 for d in match_distances(out, order_map, samples["brick"],
                                                                 11, every=50)])
first_tenth = growth_exact[:len(growth_exact) // 10].mean()
second_half = growth_exact[len(growth_exact) // 2:].mean()
print(f"best match exact in {first_tenth:.0%} of the first tenth of the steps, "
      f"in {second_half:.0%} of the second half")
check_claim(first_tenth > 0.9 and second_half < 0.25,
            "the first steps copy exactly, the late ones rarely find an exact match")

# %% [markdown] slideshow={"slide_type": "fragment"}
# The first steps copy the sample around the seed, as in section 2. Once the copy reaches the
# sample's edge, where the sample has no continuation, exact matches become rare: from there on
# each pixel is the best compromise its window finds, and the output is pieced together.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5. An autoregressive model with the sample as its network
#
# Write the fill order as $\pi(1), \pi(2), \dots$. Every step draws one pixel given the pixels
# already placed, so the output is a sample of the chain rule
#
# $$P(x) = \prod_{i} P\big(x_{\pi(i)} \mid x_{\pi(1)}, \dots, x_{\pi(i-1)}\big),$$
#
# the same factorization PixelCNN (notebook 05) learns. The differences:
#
# * **The conditional**: PixelCNN computes $P(\text{next pixel} \mid \text{previous pixels})$ with
#   a network trained by maximum likelihood; Efros-Leung reads it off the sample by matching,
#   and looks only at the $w \times w$ neighbourhood (a Markov assumption).
# * **The order**: PixelCNN uses raster order, fixed so that a masked convolution can see
#   exactly the pixels above and to the left. Efros-Leung picks the most constrained pixel
#   first, an order that depends on the image:

# %% slideshow={"slide_type": "subslide"} tags=["hide-input"] jupyter={"source_hidden": true}
raster = np.arange(order_map.size).reshape(order_map.shape)
fig, axes = plt.subplots(1, 2, figsize=(8, 3.4))
step_colors = plt.get_cmap("viridis").with_extremes(bad="white")  # the seed patch (step -1)
for ax, steps, title in [(axes[0], order_map, "Efros-Leung (seed in white)"),
                         (axes[1], raster, "raster order (PixelCNN)")]:
    im = ax.imshow(np.where(steps < 0, np.nan, steps), cmap=step_colors, vmin=0,
                   vmax=order_map.size - 1)
    ax.set_title(title)
    ax.set_axis_off()
fig.colorbar(im, ax=axes, label="step at which the pixel is filled", shrink=0.9)
savefig(fig, "04_fill_order")
show(fig, alt="The step at which each pixel is filled, dark early to yellow late (colourbar on the "
     "right). Efros-Leung (left) grows outward from the seed in the centre in octagonal rings; "
     "raster order (right) fills row by row from top to bottom.")

# %% [markdown] slideshow={"slide_type": "subslide"}
# Nothing stops us from running the non-parametric model in raster order. Start from a 3x3 seed
# in the top-left corner and visit pixels row by row: then the known part of each window is,
# apart from the seed patch, exactly the causal half that PixelCNN's masked convolution sees.
# Built from the public pieces of section 2:

# %% slideshow={"slide_type": "fragment"}
def raster_efros_leung(sample, size, window, error_threshold=0.1, seed=0):
    """Efros-Leung with PixelCNN's raster order: each pixel sees only the rows above and the
    pixels to its left."""
    rng, p = np.random.default_rng(seed), window // 2
    canvas, filled = np.zeros((size + 2 * p, size + 2 * p)), np.zeros((size + 2 * p,) * 2, bool)
    i0, j0 = rng.integers(sample.shape[0] - 2), rng.integers(sample.shape[1] - 2)
    canvas[p:p + 3, p:p + 3], filled[p:p + 3, p:p + 3] = sample[i0:i0 + 3, j0:j0 + 3], True
    centres = sample[p:sample.shape[0] - p, p:sample.shape[1] - p].ravel()
    for y in range(size):
        for x in range(size):
            if not filled[y + p, x + p]:
                d = patch_distances(sample, canvas[y:y + window, x:x + window],
                                    filled[y:y + window, x:x + window])
                options = centres[candidate_mask(d, error_threshold).ravel()]
                canvas[y + p, x + p] = rng.choice(options)
                filled[y + p, x + p] = True
    return canvas[p:p + size, p:p + size]


# %% slideshow={"slide_type": "subslide"} tags=["hide-input"] jupyter={"source_hidden": true}
raster_out = raster_efros_leung(small, 48, window=11, seed=1)  # section 3's 32x32 brick sample
onion_out = efros_leung(small, (48, 48), window=11, seed=1)
fig, axes = plt.subplots(1, 2, figsize=(6, 3.2))
for ax, img, title in [(axes[0], onion_out, "most constrained first"),
                       (axes[1], raster_out, "raster order, causal window")]:
    ax.imshow(img, cmap="gray", vmin=0, vmax=1)
    ax.set_title(title)
    ax.set_axis_off()
show(fig, alt="Two 48x48 brick textures grown from the 32x32 brick sample of section 3, "
     "most-constrained-first (left) and in raster order with a causal window (right). Both show "
     "tilted bricks and mortar lines.")
print(f"raster output values all from the sample: {np.isin(raster_out, small).all()}")

# %% [markdown] slideshow={"slide_type": "fragment"}
# Both grow brick texture, 48x48 from a 32x32 sample (so neither can be a crop of it). In raster
# order each pixel is matched on half a window, so it has less to go on. In either order a
# filled pixel is never revisited, so later pixels can only adapt to a mistake: the one-way
# street of every autoregressive sampler, PixelCNN's included (notebook 05, "Errors
# accumulate").

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6. The window size: structure against copying
#
# The window is the model's main knob; $\epsilon$ is the other. The window sets the scale of the
# structure a neighbourhood can recognize. We try them on the text sample, whose strokes are
# long and thin.

# %% [markdown] slideshow={"slide_type": "subslide"}
# The cell below synthesizes 64x64 outputs, as large as the sample, so none can be a crop of it
# (a verbatim copy stops short of the sample's edge, section 4): 4 window sizes x 2 thresholds,
# each from 8 seeds, since one run says little (the seed decides where the growth starts in the
# sample and how far its first verbatim copy reaches). For each setting it prints the median
# and the range over the seeds of the share of 9x9 patches copied verbatim (section 4); for the
# $\epsilon = 0.1$ runs also how often the best match of a step is exact (every 50th step, as in
# section 4), and, at the steps where it is not, how many windows $\epsilon = 0.5$ would admit.

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
grid_sample = samples["text"]
windows, thresholds, seeds = [3, 5, 9, 15], [0.1, 0.5], range(8)
runs = {(w, e, seed): efros_leung(grid_sample, (64, 64), window=w, error_threshold=e, seed=seed,
                                  return_order=True)
        for w in windows for e in thresholds for seed in seeds}
copied = {key: [copied_fraction(runs[key + (seed,)][0], grid_sample) for seed in seeds]
          for key in [(w, e) for w in windows for e in thresholds]}
exact_rate, inexact_candidates = {}, {}
for w in windows:
    maps = [match_distances(*runs[w, 0.1, seed], grid_sample, w, every=50) for seed in seeds]
    exact_rate[w] = [np.mean([d.min() == 0 for d in run]) for run in maps]
    inexact_candidates[w] = np.median([candidate_mask(d, 0.5).sum()
                                       for run in maps for d in run if d.min() > 0])


def spread(values):
    """median [min, max] of fractions, as percentages"""
    return f"{np.median(values):4.0%} [{min(values):3.0%}, {max(values):3.0%}]"


print("copied 9x9 patches, median [min, max] over 8 seeds")
print("window       eps = 0.1         eps = 0.5")
for w in windows:
    print(f"{w:6d}  " + "  ".join(f"{spread(copied[w, e]):>16s}" for e in thresholds))
print("\nwindow 3, eps = 0.1, copied by seed: "
      + " ".join(f"{v:.0%}" for v in copied[3, 0.1]))
print("\neps = 0.1: steps with an exact best match; windows eps = 0.5 admits where it is not exact")
print("window  exact: median [min, max]   candidates at eps = 0.5 (median)")
for w in windows:
    print(f"{w:6d}  {spread(exact_rate[w]):>23s}   {inexact_candidates[w]:8.0f}")
medians = {key: np.median(values) for key, values in copied.items()}
larger = [medians[w, e] for w in windows[1:] for e in thresholds]
check_claim(medians[3, 0.1] < 0.15 and min(larger) > 0.2,
            "window 3's median copied share is the lowest")
low, high = [v for v in copied[3, 0.1] if v < 0.1], [v for v in copied[3, 0.1] if v > 0.3]
check_claim(len(low) >= 4 and len(high) >= 2 and len(low) + len(high) == len(seeds),
            "window 3's runs split: some copy almost nothing, others copy a large share")
check_claim(max(min(copied[w, 0.1]) for w in windows) < min(max(copied[w, 0.1]) for w in windows),
            "at eps = 0.1 the ranges of all four windows overlap")
check_claim(max(larger) < 0.45 and max(medians[w, 0.1] for w in windows[1:])
            - min(medians[w, 0.1] for w in windows[1:]) < 0.1,
            "windows 5 to 15 copy about a third, their medians within a few points")
check_claim(all(max(values) - min(values) > 0.25 for values in copied.values()),
            "at every setting the seeds spread the copied share over more than 25 points")
eps_shift = max(abs(medians[w, 0.5] - medians[w, 0.1]) for w in windows)
print(f"\nlargest change of a median from eps = 0.1 to 0.5: {100 * eps_shift:.0f} points")
check_claim(eps_shift < 0.1, "eps moves no median by 10 points")
check_claim(np.median(exact_rate[3]) < 0.2 and all(np.median(exact_rate[w]) > 0.25
                                                   for w in windows[1:]),
            "window 3's median share of exact matches is the lowest")
check_claim(all(c <= 3 for c in inexact_candidates.values()),
            "eps = 0.5 admits few windows at the inexact steps")
typical = min(seeds, key=lambda seed: sum(abs(copied[w, 0.1][seed] - medians[w, 0.1])
                                          for w in windows))
print(f"closest to the medians at eps = 0.1, shown below and by the sliders: seed {typical}")

# %% slideshow={"slide_type": "subslide"} tags=["hide-input"] jupyter={"source_hidden": true}
fig, axes = plt.subplots(1, len(windows) + 1, figsize=(12, 2.8))
axes[0].imshow(grid_sample, cmap="gray", vmin=0, vmax=1)
axes[0].set_title("sample 64x64")
for ax, w in zip(axes[1:], windows):
    ax.imshow(runs[w, 0.1, typical][0], cmap="gray", vmin=0, vmax=1)
    ax.set_title(f"window {w} (seed {typical})")
for ax in axes:
    ax.set_axis_off()
savefig(fig, "04_window_size")
show(fig, alt="The 64x64 text sample and its 64x64 synthesis from the typical seed with windows "
     "3, 5, 9 and 15. Window 3 breaks the strokes into smudged dashes all over; windows 5 and 9 "
     "copy the looped stroke and the ruled lines in large pieces, with blank sheet between them; "
     "window 15 keeps curved strokes and lines, pieced together and repeated.")

# %% [markdown] slideshow={"slide_type": "subslide"}
# * **Window 3** sees too little to tell a stroke from its surroundings: strokes break into
#   dashes. Its median is the lowest, 4% of the 9x9 patches copied against 31% to 36% for the
#   larger windows (and its best match is exact at a median of 13% of the steps, against 29% to
#   40%), but its runs split: five copy 5% or less, three copy 42% to 80%.
# * **Windows 5 to 15** copy about a third of the patches: pieces of the sample continued
#   verbatim, the exact-match continuation of section 2. The table does not rank them: their
#   medians lie within a few points of each other, far inside the ranges.
# * **The seed matters as much as the window.** At every setting the copied share spreads over
#   more than 25 points from seed to seed, and at $\epsilon = 0.1$ the four windows' ranges
#   overlap: with 8 seeds no window is ranked against another by how much it copies, and one
#   run per window says even less.
#
# $\epsilon$ moves no median by more than 4 points. At most steps the best match is either
# exact, so the threshold $(1 + \epsilon)\,d_\text{min}$ is 0 whatever $\epsilon$ is, or
# clearly better than the rest: where it is not exact, even $\epsilon = 0.5$ admits a median of
# 1 or 2 windows. A good window is on the scale of the largest regular feature; between the
# windows that keep it, the pictures decide, not the copy counts.

# %% slideshow={"slide_type": "subslide"} tags=["hide-input"] jupyter={"source_hidden": true}
live_fig = Figure(figsize=(3.4, 3.6))
live_ax = live_fig.add_subplot()
grid = {(w, e): runs[w, e, typical][0] for w in windows for e in thresholds}
shown = live_ax.imshow(grid[windows[0], 0.1], cmap="gray", vmin=0, vmax=1)
live_ax.set_axis_off()
live_fig.tight_layout()


def show_result(window, threshold):
    shown.set_data(grid[window, threshold])
    live_ax.set_title(f"window {window}, eps {threshold}: "
                      f"{copied[window, threshold][typical]:.0%} copied")


window_view = LiveFigure(live_fig, show_result, {
    "window": widgets.SelectionSlider(options=windows, value=9, description="window"),
    "threshold": widgets.SelectionSlider(options=thresholds, value=0.1, description="eps"),
})
show_live(window_view, alt="The live view's picture: the text texture synthesized from the "
          "typical seed with window 9 and eps 0.1, its share of copied 9x9 patches in the title; "
          "dark strokes cross a grey sheet.")

# %% [markdown] slideshow={"slide_type": "subslide"}
# Moving the sliders switches between the outputs of the typical seed printed above. The window
# changes them as the figure above shows, from broken dashes at the smallest window to long
# strokes; $\epsilon$ changes little, as the table's medians say.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7. Hole filling: constrained synthesis
#
# The same loop completes an image: the known pixels are the seed, and only the hole is grown,
# from its border inward. Pass `image` and `mask` (True = known); what lies under the hole is
# never read. The sample is a hole-free crop of the same texture, away from the image.

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
image = brick_big[64:112, 64:112]  # 48x48, does not overlap the sample brick_big[:64, :64]
mask = np.ones(image.shape, dtype=bool)
mask[16:32, 14:34] = False
completed = efros_leung(samples["brick"], None, window=11, seed=2, image=image, mask=mask)
print(f"known pixels unchanged: {np.array_equal(completed[mask], image[mask])}")
print(f"hole filled with sample pixels: {np.isin(completed[~mask], samples['brick']).all()}")

fig, axes = plt.subplots(1, 3, figsize=(8, 3))
for ax, img, title in [(axes[0], np.where(mask, image, np.nan), "occluded"),
                       (axes[1], completed, "completion"), (axes[2], image, "original")]:
    ax.imshow(img, cmap=gray, vmin=0, vmax=1)
    ax.set_title(title)
    ax.set_axis_off()
savefig(fig, "04_hole_filling")
show(fig, alt="Hole filling on brick: the image with a rectangular hole (pale blue), the "
     "completion, and the original. The completion continues the mortar lines into the hole, "
     "though not where the original has them.")

# %% [markdown] slideshow={"slide_type": "subslide"}
# The completion continues the mortar lines into the hole, though not as the original did: it
# is a sample of $P(\text{hole} \mid \text{known pixels})$, not a reconstruction. Its weak spot
# is the middle, where the fronts grown from opposite sides meet and need not agree: each
# pixel only looks at its own window, so nothing plans ahead for the seam. Notebook 05 shows
# PixelCNN's "occluded / completions / original" on digits: the same conditional sampling, with
# a learned model instead of a sample.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
# * Efros-Leung models $P(p \mid N(p))$ non-parametrically: the candidates are the sample
#   windows within $(1 + \epsilon)\,d_\text{min}$ of the neighbourhood by Gaussian-weighted SSD
#   over its filled part, and $p$ copies the centre of one drawn uniformly.
# * Growing pixel by pixel from a seed, most constrained first, is autoregressive sampling,
#   $P(x) = \prod_i P(x_{\pi(i)} \mid x_{\pi(<i)})$, with the sample in place of a network;
#   PixelCNN fixes $\pi$ to raster order and learns the conditional.
# * The window size is the scale of the structure it can keep (section 6): a 3x3 window breaks
#   the structure up; larger windows continue pieces of the sample verbatim, about a third of
#   the patches in the median; how much any window copies depends on the seed as much as on
#   the window; $\epsilon$ hardly matters. An output smaller than the sample can be a verbatim
#   crop of it (section 4).
# * Constrained synthesis fills holes: the conditional given the known pixels.
# * Every pixel scans the whole sample, and sampling goes one pixel after another, exactly like
#   PixelCNN's sampling: the price of an autoregressive model.

# %% [markdown] slideshow={"slide_type": "skip"}
# ## Exercises
# Each checked exercise has a cell to edit and a self-check that says what is wrong. The checks
# build their own inputs, so they do not depend on the cells above.
#
# **Exercise 1 (warm-up).** Step 1 of the loop: given the bool image `filled` and the window
# size, return `(y, x)` of an unfilled pixel with the most filled pixels in its window (any one
# of them if several tie). Every unfilled pixel is a candidate, also one at the image's edge,
# whose window the edge cuts off.

# %% slideshow={"slide_type": "skip"}
def exercise_next_pixel(filled, window):
    """(y, x) of an unfilled pixel with the most filled pixels in its window."""
    # YOUR CODE HERE
    raise NotImplementedError()


checks.check_next_pixel(exercise_next_pixel)

# %% [markdown] slideshow={"slide_type": "skip"}
# **Exercise 2.** Section 5 ran the model in raster order; any order works as long as each new
# pixel has filled pixels in its window to match. Write a *spiral* order for a `size` x `size`
# output grown from its centre pixel (`size` odd): list every pixel `(y, x)` once, starting at
# the centre, finishing each square ring $\max(|y - c|, |x - c|) = r$ before the next, and
# such that every pixel shares an edge with a pixel listed before it. Where must each ring
# start, and why can it not start at a corner?

# %% slideshow={"slide_type": "skip"}
def exercise_spiral_order(size):
    """Every pixel (y, x) of a size x size image (size odd), from the centre outward in square
    rings, each new pixel sharing an edge with one listed before it."""
    # YOUR CODE HERE
    raise NotImplementedError()


checks.check_spiral_order(exercise_spiral_order)

# %% [markdown] slideshow={"slide_type": "skip"}
# **Exercise 3.** Section 6 counted the 9x9 patches of an output that occur verbatim in the
# sample. To *see* the copying, turn that into a map: return the bool image (shaped like `out`)
# that is True at every output pixel lying inside at least one `size` x `size` patch of `out`
# that occurs verbatim in `sample`. Note that testing each pixel's value alone says nothing:
# every synthesized pixel is a sample pixel (section 3).

# %% slideshow={"slide_type": "skip"}
def exercise_copy_map(out, sample, size):
    """Bool (H, W): True where the output pixel lies in a size x size patch of `out` that occurs
    verbatim in `sample`."""
    # YOUR CODE HERE
    raise NotImplementedError()


checks.check_copy_map(exercise_copy_map)

# %% [markdown] slideshow={"slide_type": "skip"}
# **Exercise 4 (open).** Choose a window for the text sample from where it copies. For each
# window of section 6 (the stored outputs `grid[w, 0.1]`, no new synthesis needed), show the
# output next to `exercise_copy_map(grid[w, 0.1], grid_sample, 9)` and print the fraction of
# covered pixels; it takes seconds. Where do the copied patches lie, and how large are they?
# Which window would you use for this sample, and what would change your answer if the sample
# were four times larger?
