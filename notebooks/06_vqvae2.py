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
# # 06 · Vector quantization and VQ-VAE-2
# **A VAE with a PixelCNN prior over discrete codes.**
#
# *Generative Model Zoo, part II: "VQ-VAE-2: VAE + PixelCNN" [Razavi et al. 2019], "Vector
# Quantization (VQ)", "How to improve further?" (slide credit: Robin Rombach).*
#
# **You will learn**
# 1. vector quantization as clustering: k-means, EM (notebook 01), end-to-end learning;
# 2. the VQ-VAE: nearest code, straight-through gradient, codebook and commitment losses,
#    perplexity and dead codes;
# 3. a two-level VQ-VAE (our variant of VQ-VAE-2): what its top and bottom codes carry;
# 4. why a VQ-VAE is a VAE, and generation with the PixelCNN of notebook 05 as its prior,
#    against a pixel-space PixelCNN and Efros–Leung;
# 5. how to improve further: a feature-space loss and a patch discriminator (the VQGAN idea).

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
# The VQ-VAE-2, its prior, the pixel-space PixelCNN and the VQGAN decoder load small shipped
# weights with `load_pretrained` (`GENZOO_RETRAIN=1` retrains them from their recipes in
# `genzoo_lite.registry.recipes`, with the trainers shown here, into your user cache).
# The only setup cell: imports, a fixed seed, the data. The data (`vq_crops`) are 32x32 crops
# of the eight grayscale images bundled with scikit-image (four textures, four photos), training
# crops from the top three quarters of each image and test crops from the bottom quarter;
# `labels` says which image a crop came from (its index in `VQ_IMAGES`).

# %% slideshow={"slide_type": "skip"}
# %matplotlib inline
import math
import time

import matplotlib.pyplot as plt
import torch
from sklearn.cluster import KMeans

from genzoo_lite import (RECIPES, assert_close, best_time, check_claim, image_grid,
                         load_pretrained, savefig, set_seed, toy2d)
from genzoo_lite.registry.pretrained import pretrained_history
from genzoo_lite.core.data import load_image
from genzoo_lite.exercises import vqvae as checks
from genzoo_lite.evaluation.metrics import edge_magnitudes
from genzoo_lite.models.explicit.gaussian import fit_gmm
from genzoo_lite.models.autoregressive.pixelcnn import pixel_levels
from genzoo_lite.models.quantized.quantizer import VectorQuantizer, perplexity
from genzoo_lite.models.nonparametric.efros_leung_fast import efros_leung
from genzoo_lite.registry.recipes import VQ_IMAGES, vq_crops
from genzoo_lite.evaluation.texture_stats import patch_distance
from genzoo_lite.evaluation.vq_bits import decoder_sigma, vq_bits_per_dim
from genzoo_lite.views.figure_alt import show
from genzoo_lite.views.plots import LINE_COLOURS

set_seed(0)
torch.set_num_threads(1)  # small models: one thread is fastest, and the cores are shared
plt.rcParams["figure.dpi"] = 80
x_train, labels = vq_crops("train")  # (2400, 1, 32, 32) in [0, 1]; labels (2400,) in 0..7
x_test, labels_test = vq_crops("test")  # (800, 1, 32, 32), from the images' bottom quarters

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. Vector quantization as clustering
# Vector quantization (VQ) maps a continuous vector $z \in \mathbb{R}^D$ to one of $K$ codes
# $e_1, \dots, e_K$ (the codebook): $q(z) = e_k$ with $k = \arg\min_j \lVert z - e_j \rVert^2$.
# Three ways to choose the codebook:
# * **k-means** minimizes the quantization error $\sum_n \min_k \lVert z_n - e_k\rVert^2$,
#   alternating "assign each point to its nearest code" and "move each code to the mean of its
#   points";
# * **EM for a GMM** (notebook 01) does the same with *soft* assignments (responsibilities) and
#   a covariance per component; k-means is its limit with equal, shrinking spherical covariances;
# * **end-to-end learning** (the VQ-VAE, next section) moves the codes by gradient descent
#   together with the network that produces the $z$'s.
#
# On 2-D points with eight clusters, k-means (scikit-learn) and EM (our `fit_gmm`), each
# keeping the best of four random starts (both can stop in a local optimum), find the same
# eight centres:

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
points = toy2d("eight_gaussians", 2000, seed=0)  # (2000, 2)
kmeans = KMeans(n_clusters=8, n_init=4, random_state=0).fit(points.numpy())
fits = [fit_gmm(points, 8, n_iter=100, seed=s) for s in range(4)]  # 4 starts, as n_init=4
gmm = max(fits, key=lambda f: f.log_likelihoods[-1])
centres_km = torch.tensor(kmeans.cluster_centers_)  # (8, 2)
match = torch.cdist(gmm.means.float(), centres_km.float()).min(dim=1).values  # (8,)
print(f"k-means: mean squared quantization error {kmeans.inertia_ / len(points):.4f}")
print(f"largest distance, GMM mean to nearest k-means centre: {match.max():.3f}")
assert match.max() < 0.1

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### A codebook of image patches
# The same clustering on **image patches** gives a codebook of patches: cut the brick texture
# into 4x4 patches (16-D vectors), run k-means with $K = 32$, and rebuild the image from the
# nearest code of each patch. Every patch now costs $\log_2 32 = 5$ bits instead of 16 gray
# values.

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
brick = torch.tensor(load_image("brick")[:128, :128], dtype=torch.float32)  # (128, 128)
patches = brick.unfold(0, 4, 4).unfold(1, 4, 4).reshape(-1, 16)  # (1024, 16)
patch_km = KMeans(n_clusters=32, n_init=2, random_state=0).fit(patches.numpy())
codebook = torch.tensor(patch_km.cluster_centers_, dtype=torch.float32)  # (32, 16)
codes = torch.cdist(patches, codebook).argmin(dim=1)  # (1024,)
rebuilt = codebook[codes].reshape(32, 32, 4, 4).permute(0, 2, 1, 3).reshape(128, 128)
print(f"patch codebook: RMSE {((rebuilt - brick) ** 2).mean().sqrt():.4f} (gray values in "
      f"[0, 1]),\n  perplexity {perplexity(codes, 32):.1f} of 32 codes")
fig, axes = plt.subplots(1, 4, figsize=(13, 3.4))
axes[0].scatter(*points.T, s=2, alpha=0.3, c=LINE_COLOURS[0])
axes[0].scatter(*centres_km.T, marker="x", c=LINE_COLOURS[1], label="k-means")
axes[0].scatter(*gmm.means.T, marker="+", s=80, c="k", label="GMM (EM)")
axes[0].legend(fontsize=7)
axes[0].set_title("2-D points: two codebooks")
image_grid(codebook.reshape(32, 1, 4, 4), nrow=8, ax=axes[1], cmap="gray", title="32 patch codes")
image_grid(brick[None], ax=axes[2], cmap="gray", vmax=1, title="brick (128x128)")
image_grid(rebuilt[None], ax=axes[3], cmap="gray", vmax=1, title="from 32 codes, 5 bits/patch")
savefig(fig, "06_kmeans")
show(fig, alt="Left: 2-D points in eight round clusters (dots) with two codebooks on top: the "
     "k-means centres (crosses) and the GMM means (pluses), one of each in every cluster. Then "
     "the 32 k-means codes of 4x4 brick patches, the brick image, and the same image rebuilt "
     "from those codes: the mortar lines survive, the fine grain is lost.")

# %% [markdown] slideshow={"slide_type": "fragment"}
# The rebuilt bricks keep the mortar lines but lose the fine grain: 32 fixed 4x4 patches are a
# coarse vocabulary. A learned encoder can choose *what* to quantize instead of raw pixels.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. VQ-VAE: encoder → nearest code → decoder
# The VQ-VAE [van den Oord et al. 2017] quantizes the encoder's output map
# $z_e(x) \in \mathbb{R}^{D \times h \times w}$ position by position,
# $$z_q(x)_{ij} = e_k, \qquad k = \arg\min_j \lVert z_e(x)_{ij} - e_j\rVert^2,$$
# and decodes $z_q$. The argmin is written with
# $\lVert z - e\rVert^2 = \lVert z\rVert^2 - 2\,z\cdot e + \lVert e\rVert^2$, one matrix product
# for all positions. Here it is, checked against the library's `VectorQuantizer`:

# %% slideshow={"slide_type": "fragment"}
def quantize(z_e, codebook):  # z_e (N, D, H, W), codebook (K, D)
    n, d, h, w = z_e.shape
    flat = z_e.permute(0, 2, 3, 1).reshape(-1, d)  # (N H W, D)
    dist2 = (flat**2).sum(1, keepdim=True) - 2 * flat @ codebook.T + (codebook**2).sum(1)  # (M, K)
    indices = dist2.argmin(dim=1)  # (M,)
    return codebook[indices].reshape(n, h, w, d).permute(0, 3, 1, 2), indices.reshape(n, h, w)

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
vq = VectorQuantizer(num_codes=16, dim=4).eval()
torch.nn.init.normal_(vq.codebook)
z_e = torch.randn(2, 4, 3, 3, generator=torch.Generator().manual_seed(0))
z_q, indices = quantize(z_e, vq.codebook.detach())
out = vq(z_e)
assert_close(out.quantized, z_q)
assert torch.equal(out.indices, indices)
print("indices of the first map:\n", indices[0])

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The straight-through estimator
# The argmin has no useful gradient: $\partial z_q / \partial z_e = 0$ almost everywhere. The
# VQ-VAE copies the decoder's gradient from $z_q$ to $z_e$ unchanged, as if quantization were
# the identity. With the stop-gradient $\mathrm{sg}[\cdot]$ (`.detach()`):
# $$z_q = z_e + \mathrm{sg}[e_k - z_e]: \qquad \text{forward } e_k, \qquad
#   \frac{\partial z_q}{\partial z_e} = I.$$
# The library writes the same thing as $\mathrm{sg}[e_k] + (z_e - \mathrm{sg}[z_e])$, whose
# forward value is *exactly* $e_k$ ($z_e - z_e = 0$ in floating point, while $z_e + (e_k - z_e)$
# can be off by a rounding error). The check: the gradient of $\sum z_q \cdot g$ is $g$.

# %% slideshow={"slide_type": "fragment"}
z_e = torch.randn(2, 4, 3, 3, generator=torch.Generator().manual_seed(1), requires_grad=True)
g = torch.randn(2, 4, 3, 3, generator=torch.Generator().manual_seed(2))
z_q = z_e + (quantize(z_e, vq.codebook.detach())[0] - z_e).detach()  # straight-through
(grad_ours,) = torch.autograd.grad((z_q * g).sum(), z_e)
(grad_lib,) = torch.autograd.grad((vq(z_e).quantized * g).sum(), z_e)
print(f"max |grad - g|: ours {(grad_ours - g).abs().max():.1e}, "
      f"library {(grad_lib - g).abs().max():.1e}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Codebook and commitment losses
# Because the gradient skips the codebook, the codes need a loss of their own. The VQ-VAE
# objective for one image is
# $$\mathcal{L} = \lVert x - D(z_q)\rVert^2 + \underbrace{\lVert \mathrm{sg}[z_e] - e\rVert^2}_{\text{codebook: moves } e}
#   + \beta\,\underbrace{\lVert z_e - \mathrm{sg}[e]\rVert^2}_{\text{commitment: moves } z_e},
#   \qquad \beta = 0.25.$$
# The codebook term pulls each used code towards the encoder outputs assigned to it (a
# gradient-descent k-means step); the commitment term stops the encoder's outputs from drifting
# away from their codes. Which parameters does each term move?

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
z_e = torch.randn(2, 4, 3, 3, generator=torch.Generator().manual_seed(3), requires_grad=True)
e = vq.codebook[vq(z_e).indices].permute(0, 3, 1, 2)  # (N, D, H, W), differentiable in e
codebook_term = ((z_e.detach() - e) ** 2).mean()
commitment_term = ((z_e - e.detach()) ** 2).mean()
for name, term in [("codebook", codebook_term), ("commitment", commitment_term)]:
    grads = torch.autograd.grad(term, (z_e, vq.codebook), retain_graph=True, allow_unused=True)
    g_z, g_e = (0.0 if g is None else g.norm().item() for g in grads)  # None: not in the graph
    print(f"{name:10s} {term:.4f}: |grad z_e| {g_z:.4f}, |grad codebook| {g_e:.4f}")

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
lib_loss = vq(z_e).loss
assert_close(lib_loss, codebook_term + 0.25 * commitment_term)
print(f"library loss = codebook + 0.25 commitment = {lib_loss:.4f}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Code usage and perplexity
# How many codes does a model really use? Counting "codes used at least once" overstates it: a
# code used once in a million positions counts like the busiest one. The **perplexity** of the
# usage frequencies $p_k$ counts codes by their share,
# $$\mathrm{perplexity} = \exp\Big(-\sum_k p_k \log p_k\Big) \in [1, K]:$$
# it is $K$ when all codes are used equally and 1 when one code takes every position. It is
# *not* the perplexity of a language model (that one measures a model's predictions, this one
# only the histogram of codes).

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
cases = {"uniform over 16": torch.arange(160) % 16, "one code": torch.zeros(160, dtype=torch.long),
         "4 codes equally": torch.arange(160) % 4,
         "1 code 90 %, 15 rare": torch.cat([torch.zeros(144), torch.arange(16) % 15 + 1]).long()}
for name, idx in cases.items():
    print(f"{name:22s} codes used {len(idx.unique()):2d}, perplexity {perplexity(idx, 16):5.2f}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# The last row: 16 codes "used", but the perplexity says about 2.
#
# ### Dead codes, and the fix
# A code that is never the nearest gets no codebook gradient, so it never moves: it is dead.
# This happens when codes start far from the encoder's outputs. Below, end-to-end learning of a
# 16-code quantizer on the 2-D points (no encoder, only the codebook and commitment losses),
# starting from codes in one far corner, once without and once with **restarts** (a code whose
# running usage falls below a threshold is moved onto a random current input; the k-means
# initialization of `kmeans_init=True` is another fix).

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
def learn_codebook(restart_threshold):
    gen = torch.Generator().manual_seed(0)  # draws the start and the restarts
    q = VectorQuantizer(16, 2, restart_threshold=restart_threshold)
    with torch.no_grad():
        q.codebook.copy_(torch.tensor([3.0, 3.0]) + 0.3 * torch.rand(16, 2, generator=gen))
    z = points.T.reshape(1, 2, 40, 50)  # the 2000 points as a 40x50 "map"
    opt = torch.optim.Adam(q.parameters(), lr=0.05)
    for _ in range(200):
        loss = q.train()(z, generator=gen).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
    return q.eval(), q.eval()(z)


for threshold in (None, 1.0):
    q, out = learn_codebook(threshold)
    print(f"restart {str(threshold):4s}: {len(out.indices.unique()):2d} of 16 codes used, "
          f"perplexity {out.perplexity:5.2f},\n  loss {out.loss:.3f}, restarts {q.restarts}")

# %% [markdown] slideshow={"slide_type": "fragment"}
# Without restarts only the few codes nearest the data ever win and the rest stay in the
# corner; with restarts all 16 codes are used and the quantization loss drops accordingly.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3. Two levels of codes: our variant of VQ-VAE-2
# VQ-VAE-2 [Razavi et al. 2019] quantizes at two resolutions. For our 32x32 crops: the bottom
# encoder maps a crop to an 8x8 feature map (a quarter of the resolution); the top encoder
# halves that again and quantizes a **4x4 top map** ($K_{top} = 32$ codes); the **8x8 bottom
# map** ($K_{bottom} = 64$ codes) is quantized after the top, and the decoder sees both levels.
#
# **Ours is a variant.** In the paper the decoded top codes are concatenated with the bottom
# encoder's features, the bottom level quantizes what is computed from both, and the decoder
# takes both code maps side by side. Ours quantizes the *residual*, the bottom features minus
# the decoded top codes, and decodes the sum of the bottom codes and the upsampled top codes;
# and half of the training crops are decoded from their top codes alone, bottom codes set to
# zero (`bottom_dropout=0.5`, not in the paper). Why: an 8x8 map can carry a whole 32x32 crop,
# so nothing would make the decoder use the top level; the residual makes the bottom codes
# "what the top missed", and the dropout forces the top codes to carry the coarse image.
# Three more differences from the paper: our codebooks are learned by the codebook loss above
# with Adam (plus k-means initialization and restarts), not updated by exponential moving
# averages; our priors (section 4) have no self-attention layers (the paper's top prior has
# them); and our bottom prior sees the top codes as a one-hot map added inside its gates, where
# the paper's bottom prior reads them through a separate conditioning network.

# %% [markdown] slideshow={"slide_type": "subslide"}
# The slide's recipe has two stages. First the encoder and decoder, trained with the loss of
# section 2 on both levels (`train_vqvae2`: Adam, k-means initialization and dead-code
# restarts; its settings, `RECIPES["vqvae2"]`, printed); the prior over the codes comes second,
# in section 4.

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
vqvae = load_pretrained("vqvae2")
print(f"VQ-VAE-2: {sum(p.numel() for p in vqvae.parameters())} parameters, bottom_dropout "
      f"{vqvae.bottom_dropout},\ntrained by train_vqvae2 with "
      + ", ".join(f"{k}={v}" for k, v in RECIPES["vqvae2"].settings.items()))
with torch.no_grad():
    out = vqvae(x_test)
    top_test, bottom_test = vqvae.encode(x_test)  # (800, 4, 4), (800, 8, 8)
    assert torch.equal(vqvae.decode_codes(top_test, bottom_test), out.x_hat)
print(f"test reconstruction: MSE {out.recon_loss:.5f}, RMSE {out.recon_loss.sqrt():.4f}")
for level, q, idx in [("top", vqvae.quant_top, top_test), ("bottom", vqvae.quant_bottom,
                                                             bottom_test)]:
    print(f"{level:6s} {tuple(idx.shape[1:])}: perplexity {perplexity(idx, q.num_codes):5.1f}, "
          f"codes used {len(idx.unique())} of {q.num_codes}")
bits = (top_test[0].numel() * math.log2(vqvae.quant_top.num_codes)
        + bottom_test[0].numel() * math.log2(vqvae.quant_bottom.num_codes))
print(f"one crop = {bits:.0f} bits of codes, against 32 x 32 x 8 = 8192 bits")

# %% [markdown] slideshow={"slide_type": "fragment"}
# The codes are all the decoder sees (`decode_codes(*encode(x))` equals the reconstruction).
# Both codebooks are in use, and a crop costs 464 bits instead of 8192, at an RMSE of 0.064
# gray values. Whether the decoder *needs* each level is the next experiment.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### What do the top and bottom codes carry?
# Decode four test crops (row 1) with their own codes (row 2), with the **top codes of another
# crop** (row 3), and with **every bottom code replaced by the most frequent one** (row 4).

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
pick = torch.tensor([0, 1, 2, 4])  # brick, grass, gravel, camera
top_c, bottom_c = top_test[pick], bottom_test[pick]
common = torch.bincount(bottom_test.flatten()).argmax()
with torch.no_grad():
    own = vqvae.decode_codes(top_c, bottom_c)
    swapped_top = vqvae.decode_codes(top_c.roll(1, 0), bottom_c)
    no_bottom = vqvae.decode_codes(top_c, torch.full_like(bottom_c, common))
change_top = (swapped_top - own).abs().mean(dim=(1, 2, 3))  # (4,): one per crop
change_bottom = (no_bottom - own).abs().mean(dim=(1, 2, 3))
print("mean |change| of the decoded crops: all, then brick, grass, gravel, camera")
for name, change in [("swap top", change_top), ("flatten bottom", change_bottom)]:
    print(f"  {name:14s} {change.mean():.4f}; " + ", ".join(f"{c:.3f}" for c in change))
fig, ax = plt.subplots(figsize=(5.6, 4.0))
rows = torch.cat([x_test[pick], own, swapped_top, no_bottom]).clamp(0, 1)
image_grid(rows, nrow=4, ax=ax, cmap="gray", vmax=1, title="four test crops, decoded")
for i, row_name in enumerate(["input", "own codes", "top codes of\nanother crop",
                              "own top,\nflat bottom"]):
    ax.text(-3, 1 + 33 * i + 16, row_name, ha="right", va="center")  # rows are 32 px + 1 pad
savefig(fig, "06_levels")
show(fig, alt="Four test crops in columns (brick, grass, gravel, camera) and four rows: the "
     "input, decoded from its own codes (a blurred copy), decoded with the top codes of another "
     "crop (the detail stays, the brightness changes), and decoded from its own top codes with "
     "a constant bottom level (the coarse layout and brightness stay, the fine grain is gone).")

# %% [markdown] slideshow={"slide_type": "subslide"}
# Both levels matter, and they carry different things. Swapping the top codes changes the
# decoded crops by 0.09 on average (gray values in [0, 1]), flattening the bottom codes by 0.06.
# Row 4, decoded from the own top codes and one constant bottom code, keeps each crop's coarse
# layout and brightness (the brick's light band on its dark ground, the gravel's large blobs)
# but loses the fine grain: the top level carries the coarse image, the bottom level the detail
# on top of it. Row 3 (each crop with the top codes of the crop to its left, the first with the
# last's) keeps the detail but takes the other crop's brightness: the brick, given the camera
# crop's top codes, changes most (0.129), its dark ground turning lighter gray.
#
# That split of the work is what the bottom dropout is meant to force. We have not trained the
# model without it here, so the need for it is the argument above (an 8x8 bottom map can
# carry the whole crop alone), not something this notebook measures. In the paper's
# 256x256 models the top level carries global shape without such a trick.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### A whole photo through the fully convolutional model
# Nothing in the network depends on the input size (any multiple of 8): the camera photo at
# 256x256 becomes a 32x32 top map and a 64x64 bottom map.

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
camera = torch.tensor(load_image("camera")[::2, ::2], dtype=torch.float32)[None, None]
with torch.no_grad():
    top_cam, bottom_cam = vqvae.encode(camera)  # (1, 32, 32), (1, 64, 64)
    camera_hat = vqvae.decode_codes(top_cam, bottom_cam).clamp(0, 1)
print(f"camera 256x256: top {tuple(top_cam.shape[1:])}, bottom {tuple(bottom_cam.shape[1:])}, "
      f"RMSE {((camera_hat - camera) ** 2).mean().sqrt():.4f}")
fig, axes = plt.subplots(1, 2, figsize=(8, 4))
image_grid(camera, ax=axes[0], cmap="gray", vmax=1, title="camera (256x256)")
image_grid(camera_hat, ax=axes[1], cmap="gray", vmax=1, title="decoded from its codes")
savefig(fig, "06_whole_image")
show(fig, alt="The cameraman photo and its reconstruction from its VQ-VAE codes: the man, the "
     "camera and the tripod come back with their main edges, blurred; the grass texture is "
     "smoothed and a faint blocky pattern shows in the sky.")

# %% [markdown] slideshow={"slide_type": "fragment"}
# The photo was never seen whole in training (only crops, and the camera's bottom quarter not
# at all), yet it comes back with its main edges, blurred; the fine texture of the grass is
# smoothed, and a faint blocky pattern shows in the flat sky.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4. Generation: a PixelCNN over codes
# **Why a VQ-VAE is a VAE.** Read the encoder as a posterior over the code index $k$ at each
# position: $q(k\,|\,x) = 1$ for the nearest code and 0 for the others (one-hot), and take a
# *uniform* prior $p(k) = 1/K$. Then at every position
# $$\mathrm{KL}\big(q(k|x)\,\|\,p(k)\big) = \sum_k q(k|x) \log\frac{q(k|x)}{1/K} = \log K,$$
# the same for every image: the ELBO of notebook 03, $\mathbb{E}_q[\log p(x|z)] - \mathrm{KL}$, is
# the reconstruction term minus a constant, and with a Gaussian $p(x|z)$ of fixed $\sigma$ that
# term is the L2 loss of section 2. Summed over our two maps the constant is
# $16 \log_2 32 + 64 \log_2 64$ bits: exactly the 464 bits of the fixed-length code.
#
# The uniform prior is only a training device. After training, a PixelCNN fitted to the codes
# replaces it: the *PixelCNN* gives the VAE an expressive prior (instead of a Gaussian or a
# uniform), and the VAE gives the PixelCNN a compact code (instead of pixels).

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The prior over the two code maps
# The prior is the Gated PixelCNN of notebook 05, unchanged, over code maps instead of pixels:
# $$p(\text{top}, \text{bottom}\,|\,y) = \prod_i p(\text{top}_i\,|\,\text{top}_{<i}, y)\;
#   \prod_j p(\text{bottom}_j\,|\,\text{bottom}_{<j}, \text{top}, y),$$
# the bottom PixelCNN conditioned on the one-hot top codes as a spatial map (`cond=`), both on
# the image label $y$ (which of the eight images a crop came from). Training is maximum
# likelihood on the code maps of the training crops (`train_prior`); the VQ-VAE stays fixed.
# Sampling draws the 16 top codes, then the 64 bottom codes, then decodes once.

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
prior = load_pretrained("vqvae2_prior")
print("prior trained by train_prior with "
      + ", ".join(f"{k}={v}" for k, v in RECIPES["vqvae2_prior"].settings.items()))
bits_top, bits_bottom = prior.bits_per_code(top_test, bottom_test, labels_test)
print(f"test: {bits_top:.2f} bits per top code (uniform: {math.log2(prior.num_codes_top):.0f}),\n"
      f"  {bits_bottom:.2f} bits per bottom code given the top "
      f"(uniform: {math.log2(prior.num_codes_bottom):.0f})")
crop_bits = top_test[0].numel() * bits_top + bottom_test[0].numel() * bits_bottom
print(f"= {crop_bits:.0f} bits per crop, {crop_bits / 1024:.3f} bits per pixel")

# %% [markdown] slideshow={"slide_type": "subslide"}
# For the comparison, a pixel-space Gated PixelCNN of the same family, conditioned on the same
# labels, over the crops quantized to 16 gray levels, trained on all training crops for about
# twice the training time of the VQ-VAE-2 and its prior together (settings and times printed), and
# Efros–Leung
# (notebook 04) grown from a 64x64 patch of the same texture. Each makes four brick and four
# gravel crops. Sampling whole 32x32 crops pixel by pixel is slow (timed below), so the pixel
# PixelCNN draws only the **top 8 rows** of each crop. That is not a different model: no pixel
# of a PixelCNN sees the rows below it, so its predictions for the top rows are the same with
# or without the rest of the crop (checked in the code), and the 8 rows are exactly the first 256
# of a whole crop's 1024 sampling steps.

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
pixel_cnn = load_pretrained("vqvae2_pixel_pixelcnn")
levels = pixel_cnn.levels
print("pixel PixelCNN trained with "
      + ", ".join(f"{k}={v}" for k, v in RECIPES["vqvae2_pixel_pixelcnn"].settings.items()))
bits_pixel = pixel_cnn.bits_per_dim(pixel_levels(x_test, levels), labels_test,
                                    batch_size=32)  # small batches run faster on this CPU
print(f"pixel PixelCNN: {bits_pixel:.2f} bits per pixel, {levels}-level test crops "
      f"(uniform: {math.log2(levels):.0f})")
train_s = {name: pretrained_history(name)["train_seconds"][0]  # measured when retrained
           for name in ("vqvae2", "vqvae2_prior", "vqvae2_pixel_pixelcnn")}
print(f"training seconds: VQ-VAE-2 {train_s['vqvae2']:.0f} + prior {train_s['vqvae2_prior']:.0f}"
      f", pixel PixelCNN {train_s['vqvae2_pixel_pixelcnn']:.0f}")
sigma = decoder_sigma(vqvae, x_train)  # the decoder's p(x | codes): a Gaussian of this width
vq_bits = vq_bits_per_dim(vqvae, prior, x_test, labels_test, sigma, levels)
print(f"VQ-VAE-2 + prior, same crops, bits per pixel (sigma {sigma:.4f}):\n"
      f"  their codes {vq_bits['codes']:.3f} + the pixels given the codes "
      f"{vq_bits['pixels']:.2f}\n  = {vq_bits['total']:.2f} (an upper bound)")
print(f"  (the codes of the unquantized crops: {crop_bits / 1024:.3f})")
# A lower bound: p(x) = sum_z p(z) p(x|z) <= max_z p(x|z), and whatever mean the decoder
# outputs, an interior level gets at most the mass of one bin of width 1/(levels - 1).
step = 1 / (levels - 1)
p_interior = 2 * torch.distributions.Normal(0.0, sigma).cdf(torch.tensor(step / 2)).item() - 1
x_test_levels = pixel_levels(x_test, levels)
interior = ((x_test_levels > 0) & (x_test_levels < levels - 1)).float().mean().item()
vq_lower = interior * -math.log2(p_interior)  # the end levels: at least 0 bits
print(f"an interior level gets at most P = {p_interior:.3f} ({-math.log2(p_interior):.2f} bits);\n"
      f"  {interior:.1%} of the test pixels are interior:\n"
      f"  the VQ model needs at least {vq_lower:.2f} bits per pixel")
check_claim(bits_pixel < vq_lower, "the pixel PixelCNN's exact bits are below the VQ model's lower bound")

# %% [markdown] slideshow={"slide_type": "subslide"}
# Both numbers are bits per pixel of the same 16-level test crops. The pixel PixelCNN's (1.27)
# is exact. The VQ model's (2.35) is an upper bound on its own: with the encoder's codes
# $z(x)$, $p(x) = \sum_z p(z)\,p(x|z) \ge p(z(x))\,p(x|z(x))$, where $p(z)$ is the prior and
# $p(x|z)$ a Gaussian around the decoded crop (`genzoo_lite.evaluation.vq_bits`). An upper bound alone
# cannot rank the two: the VQ model's true bits could lie below it. The lower bound settles it:
# $p(x) \le \max_z p(x|z)$, and no decoded mean gives an interior gray level more than 0.337,
# so the VQ model needs at least 1.57 bits per pixel whatever its codes and prior (for the
# decoder width σ fitted on the training crops, its maximum-likelihood value; a narrower σ
# lowers this bound but raises the cost of the pixels given the codes). Its true
# value lies between 1.57 and 2.35, above the pixel model's 1.27: in likelihood the pixel model
# wins. The codes are cheap (0.268 bits per pixel; 0.256 above was for the codes of the
# unquantized crops, the codes here are those of the 16-level crops); the pixels given the
# codes cost most of the bits (2.08), because the L2 decoder's blur leaves the fine grain
# unexplained.

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
n_each, rows = 4, 8  # crops per texture; rows of each pixel-space crop
y = torch.tensor([VQ_IMAGES.index("brick")] * n_each + [VQ_IMAGES.index("gravel")] * n_each)
x_levels = pixel_levels(x_test[:len(y)], levels)  # (8, 1, 32, 32), any crops will do
with torch.no_grad():  # the logits of the top rows do not depend on the rows below them
    assert_close(pixel_cnn(x_levels[..., :rows, :], y),
                 pixel_cnn(x_levels, y)[..., :rows, :])
gen = torch.Generator().manual_seed(0)
latent_samples = prior.sample(vqvae, len(y), generator=gen, label=y).clamp(0, 1)  # (8, 1, 32, 32)
start = time.perf_counter()
pixel_rows = pixel_cnn.sample(len(y), (rows, 32), generator=gen, label=y)  # (8, 1, 8, 32) levels
strip_s = time.perf_counter() - start  # printed with the other timings below
pixel_samples = pixel_rows / (levels - 1)  # gray values in [0, 1]
efros = torch.stack([torch.tensor(efros_leung(load_image(name)[:64, :64], (32, 32), window=9,
                                              seed=s), dtype=torch.float32)
                     for name in ("brick", "gravel") for s in range(n_each)])[:, None]

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Four brick and four gravel crops from each sampler
# Test crops for comparison; the pixel PixelCNN's are its top 8 rows.

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
textures = torch.tensor([VQ_IMAGES.index("brick"), VQ_IMAGES.index("gravel")])
reference = x_test[torch.isin(labels_test, textures)]  # (200, 1, 32, 32), never trained on
fig, axes = plt.subplots(2, 2, figsize=(10, 5.4))
shown = torch.cat([x_test[labels_test == t][:n_each] for t in textures])  # (8, 1, 32, 32)
image_grid(shown, nrow=4, ax=axes[0, 0], cmap="gray", vmax=1, title="test crops (brick, gravel)")
image_grid(latent_samples, nrow=4, ax=axes[0, 1], cmap="gray", vmax=1, title="VQ-VAE-2 prior")
image_grid(pixel_samples, nrow=2, ax=axes[1, 0], cmap="gray", vmax=1,
           title=f"pixel PixelCNN (top {rows} rows)")
image_grid(efros, nrow=4, ax=axes[1, 1], cmap="gray", vmax=1, title="Efros-Leung")
savefig(fig, "06_samples")
show(fig, alt="Four brick and four gravel crops from each source: test crops; VQ-VAE-2 prior "
     "samples (blurred bricks and stone-like blobs); the pixel PixelCNN's samples (only the top "
     "rows, flat patches with few edges); and Efros-Leung (sharp bricks and stones, the closest "
     "to the test crops).")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Judging the samples: a patch statistic
# Compare the *distribution* of 5x5
# patches (each minus its mean) with that of held-out test crops: `patch_distance` projects
# both sets on 128 random directions and averages the Wasserstein-1 distances of the
# projections (a sliced Wasserstein distance, as in Karras et al. 2018); lower is better. It has
# a spread of its own: every set is scored with the same number of patches (896, as in the
# pixel model's eight 8-row strips), over five seeds; the test crops against themselves show
# what subsampling alone gives. The mean edge $|x_{i,j+1} - x_{ij}|$ tells smooth from noisy.

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
num_patches = pixel_samples.shape[0] * (rows - 4) * (32 - 4)  # 5x5 patches in 8 strips: 896
seeds = range(5)


def scored(pick):  # pick(seed) -> a set of crops; mean and std of its distance over the seeds
    d = torch.tensor([patch_distance(pick(seed), reference, max_patches=num_patches, seed=seed)
                      for seed in seeds])
    return d.mean().item(), d.std().item()


def training_draw(seed):  # 8 training crops, 4 of each texture, a different draw per seed
    gen = torch.Generator().manual_seed(seed)
    each = [x_train[labels == t] for t in textures]  # (300, 1, 32, 32) each
    return torch.cat([x[torch.randperm(len(x), generator=gen)[:n_each]] for x in each])


noise = torch.rand(len(y), 1, 32, 32, generator=torch.Generator().manual_seed(0))
sets = {"test crops against themselves": lambda seed: reference,
        "8 training crops": training_draw,
        f"8 training crops at {levels} levels":
            lambda seed: pixel_levels(training_draw(seed), levels) / (levels - 1),
        "VQ-VAE-2 prior": lambda seed: latent_samples,
        "pixel PixelCNN (8 rows)": lambda seed: pixel_samples,
        "Efros-Leung": lambda seed: efros, "uniform noise": lambda seed: noise}
print(f"patch distance to the {len(reference)} test crops of brick and gravel\n"
      f"({num_patches} patches a side, mean +- std over {len(seeds)} seeds), and the mean "
      f"|edge|\n(test crops: {edge_magnitudes(reference).mean():.4f}):")
distance = {}
for name, pick in sets.items():
    distance[name] = scored(pick)
    print(f"  {name:30s} {distance[name][0]:.4f} +- {distance[name][1]:.4f}; "
          f"edge {edge_magnitudes(pick(0)).mean():.4f}")
(vq_d, vq_s), (px_d, px_s) = distance["VQ-VAE-2 prior"], distance["pixel PixelCNN (8 rows)"]
check_claim(distance["Efros-Leung"][0] < min(vq_d, px_d) and abs(vq_d - px_d) < vq_s + px_s,
            "Efros-Leung closest; the VQ-VAE-2 and the pixel PixelCNN within each other's spread")

# %% [markdown] slideshow={"slide_type": "subslide"}
# The statistic has a floor well above zero: the test crops scored against themselves give
# 0.0047, from drawing 896 patches alone, and eight real training crops 0.0081, with a spread of
# 0.0024 from one draw of eight crops to the next. Efros–Leung, which copies real pixels (some
# of its outputs are whole crops of its sample), scores 0.0079: as close to the test crops as
# real crops are. The VQ-VAE-2 samples (0.0127) and the
# pixel PixelCNN's strips (0.0125) are further away, and their difference is inside the
# statistic's spread: this test does not separate them. (Their spreads, over seeds for the same
# eight samples, leave out a new draw of samples, which the real crops' row shows is larger.)
# The edges say how each errs: the VQ-VAE-2 samples are too smooth (mean edge 0.0283 against the
# test crops' 0.0340; the L2-trained decoder averages fine detail), the pixel PixelCNN slightly
# too sharp (0.0407). Quantizing real crops to 16 gray levels scores 0.0093, within the real
# crops' spread, so the levels are not what holds the pixel model back. Against a fair baseline
# the latent model wins neither on likelihood nor on this texture statistic; what it wins is
# speed.

# %% [markdown] slideshow={"slide_type": "subslide"}
# How long does each take? The latent sampler is timed as the best of three runs. The pixel
# sampler's cost is its number of passes times the time of one pass of the network: checked on
# the 8-row run above, then applied to whole 32x32 crops.

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
# NBVAL_IGNORE_OUTPUT
latent_s = best_time(lambda: prior.sample(vqvae, len(y), label=y,
                                          generator=torch.Generator().manual_seed(1)))
with torch.no_grad():
    pass_rows_s = best_time(lambda: pixel_cnn(pixel_rows, y))  # one pass on (8, 1, 8, 32)
    pass_full_s = best_time(lambda: pixel_cnn(x_levels, y))  # one pass on (8, 1, 32, 32)
pixel_s = 32 * 32 * pass_full_s  # a whole crop takes 1024 passes
print(f"pixel PixelCNN, top {rows} rows of {len(y)} crops: sampled in {strip_s:.2f} s;\n"
      f"  {rows * 32} passes x {1e3 * pass_rows_s:.1f} ms = {rows * 32 * pass_rows_s:.2f} s")
print(f"pixel PixelCNN, {len(y)} whole crops: 1024 passes x {1e3 * pass_full_s:.1f} ms\n"
      f"  = {pixel_s:.1f} s, {pixel_s / len(y):.2f} s per crop")
print(f"VQ-VAE-2 prior + decoder, {len(y)} whole crops: {latent_s:.2f} s,\n"
      f"  {latent_s / len(y):.3f} s per crop: {pixel_s / latent_s:.0f}x faster in latent space")
check_claim(pixel_s / latent_s >= 10, "sampling in latent space is at least ten times faster")

# %% [markdown] slideshow={"slide_type": "subslide"}
# (Timings vary with the machine's load; `benchmarks/bench_vqvae.py` samples whole crops in both
# spaces and measures the same ratio with the same models.) The latent model makes
# $16 + 64 = 80$ sequential PixelCNN passes on 4x4 and 8x8 maps and one decoder pass; the pixel
# model makes $32 \times 32 = 1024$ passes on 32x32 maps. Latent space is an order of magnitude
# or more
# faster here (the printed ratio), the paper's "order of magnitude", and the gap grows with the
# image size.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5. How to improve further
# The lecture's list: better architectures; a **perceptual loss** instead of L2/L1 (compare
# features of a network, not pixels); a **discriminator** to favour realism over per-pixel
# reconstruction; a **transformer** instead of a CNN as the prior. VQGAN [Esser et al. 2021]
# does all of these. Here the middle two, at small scale: keep the encoder and codebooks (so the
# prior above still fits), and fine-tune only the decoder with
# $$\mathcal{L}_{dec} = \lVert x - \hat x\rVert^2
#   + \lambda_{feat}\,\lVert \phi(x) - \phi(\hat x)\rVert^2
#   - \lambda_{adv}\,\log \sigma\big(D_{patch}(\hat x)\big),$$
# where $D_{patch}$ is a small PatchGAN discriminator that outputs one real-or-decoded logit
# for each overlapping region of the image (checked below: each logit sees an 18x18 window),
# and $\phi$ is the VQ-VAE-2's own trained bottom encoder, kept fixed.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### A stand-in for a perceptual loss
# The middle term (`encoder_feature_distance`) is only a stand-in for a perceptual loss: a real one
# (LPIPS, VGG features) compares features of a network pretrained on natural images, whose
# weights we cannot download here. The model is one `ModuleDict`
# `{"vqvae": VQVAE2, "discriminator": PatchDiscriminator}`, started from the VQ-VAE-2 above;
# the weights $\lambda$ are among its printed settings.

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
vqgan = load_pretrained("vqvae2_vqgan")
print("trained by train_vqgan_decoder with\n  "
      + ", ".join(f"{k}={v}" for k, v in RECIPES["vqvae2_vqgan"].settings.items()))
x_probe = torch.zeros(1, 1, 32, 32, requires_grad=True)
logits = vqgan["discriminator"](x_probe)  # (1, 1, 8, 8): one logit per region
(grad,) = torch.autograd.grad(logits[0, 0, 4, 4], x_probe)  # one logit, away from the border
seen = grad[0, 0].abs() > 0
print(f"discriminator: {tuple(logits.shape[2:])} logits for a 32x32 crop;\n"
      f"  one logit sees {int(seen.any(1).sum())}x{int(seen.any(0).sum())} pixels")
with torch.no_grad():
    assert torch.equal(vqgan["vqvae"].encode(x_test)[1], bottom_test)  # the same codes
    recon_l2 = vqvae.decode_codes(top_test, bottom_test)
    recon_gan = vqgan["vqvae"].decode_codes(top_test, bottom_test)
    gan_samples = vqgan["vqvae"].decode_codes(*prior.sample_codes(
        len(y), generator=torch.Generator().manual_seed(0), label=y)).clamp(0, 1)
print(f"against the {len(x_test)} test crops (mean |edge| {edge_magnitudes(x_test).mean():.4f}):")
print(f"{'':22s} {'MSE':>7s}  patch distance  mean |edge|")
print(f"{'training crops (floor)':22s} {'':7s} {patch_distance(x_train, x_test):10.4f} "
      f"{edge_magnitudes(x_train).mean():12.4f}")
for name, r in [("L2 decoder", recon_l2), ("feature + GAN decoder", recon_gan)]:
    mse = ((r - x_test) ** 2).mean()
    r = r.clamp(0, 1)
    print(f"{name:22s} {mse:.5f} {patch_distance(r, x_test):10.4f} "
          f"{edge_magnitudes(r).mean():12.4f}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Reconstructions and prior samples with the new decoder

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
fig, axes = plt.subplots(2, 2, figsize=(10, 5.4))
image_grid(x_test[:8], nrow=4, ax=axes[0, 0], cmap="gray", vmax=1, title="test crops")
image_grid(recon_l2[:8].clamp(0, 1), nrow=4, ax=axes[0, 1], cmap="gray", vmax=1,
           title="L2 decoder")
image_grid(recon_gan[:8].clamp(0, 1), nrow=4, ax=axes[1, 0], cmap="gray", vmax=1,
           title="feature + GAN decoder")
image_grid(gan_samples, nrow=4, ax=axes[1, 1], cmap="gray", vmax=1,
           title="prior samples, new decoder")
savefig(fig, "06_vqgan")
show(fig, alt="Eight test crops, their reconstructions by the L2 decoder (blurred) and by the "
     "feature + GAN decoder (sharper edges, with a fine regular grain on the flat crops), and "
     "prior samples decoded by the new decoder (brick and stone-like texture).")
print("                L2 decoder -> feature + GAN decoder")
for name, before, after in [
        ("MSE", ((recon_l2 - x_test) ** 2).mean(), ((recon_gan - x_test) ** 2).mean()),
        ("patch distance", patch_distance(recon_l2.clamp(0, 1), x_test),
         patch_distance(recon_gan.clamp(0, 1), x_test)),
        ("mean |edge|", edge_magnitudes(recon_l2.clamp(0, 1)).mean(),
         edge_magnitudes(recon_gan.clamp(0, 1)).mean())]:
    digits = 5 if name == "MSE" else 4
    print(f"{name:15s} {before:.{digits}f} -> {after:.{digits}f}")
print(f"test crops: mean |edge| {edge_magnitudes(x_test).mean():.4f}; training crops' patch "
      f"distance (floor) {patch_distance(x_train, x_test):.4f}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# Read the numbers honestly: the fine-tuned decoder trades per-pixel error for edges. Its MSE
# rises from 0.00409 to 0.00455, while its patch distance to the test crops falls from 0.0158 to
# 0.0125 and its mean edge (0.0320, the L2 decoder's 0.0202) comes closer to the test crops'
# 0.0375: less blur. Both stay well above the floor of 0.0073, and part of the new edges is a
# fine regular grain on the flat crops, not their real texture. Whether the result looks better
# at 32x32 is a judgement call, and the gain is small next to what VQGAN shows on 256x256
# images, where L2 blur is much worse. The
# third improvement, a **transformer prior** over the code sequence instead of the PixelCNN
# (VQGAN, DALL·E), replaces the masked convolutions by masked self-attention: every code sees
# every earlier code, not just a receptive field.
#
# Autoregressive models also work extremely well for audio and music (WaveNet, Jukebox, which
# uses a VQ-VAE over raw audio), the same "discrete codes + autoregressive prior" recipe.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
# * Vector quantization maps vectors to the nearest of $K$ codes; k-means, EM for a GMM and
#   end-to-end learning are three ways to find the codes.
# * A VQ-VAE quantizes the encoder's map; the straight-through estimator copies the gradient past
#   the argmin; the codebook term moves the codes, the commitment term ($\beta$) the encoder.
#   Perplexity counts the codes in effective use; dead codes need restarts or k-means starts.
# * A VQ-VAE is a VAE with a one-hot posterior and a uniform prior (the KL is the constant
#   $\log K$ per position); after training, a PixelCNN over the code maps replaces that prior.
# * Our two-level variant of VQ-VAE-2: the top codes carry the coarse image, the bottom codes
#   the detail. Sampling takes 80 sequential steps for a 32x32 crop instead of 1024.
# * Against a pixel PixelCNN trained for about twice as long, the latent model loses in likelihood
#   (a lower bound settles it) and ties on a patch statistic judged against held-out crops; it
#   wins on speed. A feature-space and an adversarial loss trade pixel error for sharper edges,
#   part of them a regular grain rather than real texture.

# %% [markdown] slideshow={"slide_type": "skip"}
# ## Exercises
# Each checked exercise has a cell to edit and a self-check that names what is wrong. The check
# builds its own inputs, so it does not depend on the cells above.
#
# **Exercise 1.** (A warm-up.) Section 3 counted the bits of a 32x32 crop's codes. The model is
# fully convolutional, so it encodes images of other sizes too. Write
# `exercise_compression_ratio(model, height, width)`: the bits of a `height` x `width` gray
# image at 8 bits per pixel, divided by the bits of its two code maps, each code stored in
# $\log_2 K$ bits ($K$ is that level's `num_codes`). The check passes untrained models with
# other codebook sizes and other image sizes: read what you need from `model`.

# %% slideshow={"slide_type": "skip"}
def exercise_compression_ratio(model, height, width):
    """Bits of a height x width 8-bit gray image / bits of its two code maps."""
    # YOUR CODE HERE
    raise NotImplementedError()


checks.check_compression_ratio(exercise_compression_ratio)

# %% [markdown] slideshow={"slide_type": "skip"}
# **Exercise 2.** A larger codebook costs more bits per code and a larger prior, and past some
# size its extra codes go unused. Pick the size by perplexity: `usage` maps each codebook size
# $K$ to a tensor (K,) of how often each code was used, after training one quantizer of that
# size. Return the **smallest** $K$ whose perplexity reaches $0.9$ times the highest perplexity
# among all the sizes.

# %% slideshow={"slide_type": "skip"}
def exercise_codebook_size(usage):
    """The smallest K whose perplexity reaches 0.9 times the highest; usage = {K: counts}."""
    # YOUR CODE HERE
    raise NotImplementedError()


checks.check_codebook_size(exercise_codebook_size)

# %% [markdown] slideshow={"slide_type": "skip"}
# **Exercise 3.** A fixed-length code spends $\log_2 K$ bits on every code, rare and busy ones
# alike. An entropy coder (Huffman or arithmetic coding) that knows how often each code is used
# needs, on average, the entropy of that usage per code. Write
# `exercise_usage_bits(top, bottom, num_codes_top, num_codes_bottom)`: the average bits per
# image of the code maps `top` (N, h, w) and `bottom` (N, 2h, 2w) coded that way, each level
# with its own usage. How is that entropy related to the perplexity of section 2?

# %% slideshow={"slide_type": "skip"}
def exercise_usage_bits(top, bottom, num_codes_top, num_codes_bottom):
    """Average bits per image when each level's codes are entropy-coded by their usage."""
    # YOUR CODE HERE
    raise NotImplementedError()


checks.check_usage_bits(exercise_usage_bits)

# %% [markdown] slideshow={"slide_type": "skip"}
# **Exercise 4 (open).** How many bits does a test crop need? Compare, per crop: its 8-bit
# pixels (8192 bits), the fixed-length codes (464 bits, section 3), your Exercise 3 on
# `top_test` and `bottom_test` with the shipped codebook sizes, and the prior's `crop_bits`
# (section 4). This takes a second. Which needs the fewest bits, and how far apart are the
# four? What does that say about where the structure of the crops lives?
# And what is your Exercise 1's ratio for the whole 256x256 camera image, and why?
#
# **Exercise 5 (open).** Dead codes have a third fix. Copy `learn_codebook` (section 2, "Dead
# codes") with an argument for the starting codes, and train without restarts from (a) the far
# corner, as there, (b) the centre of the data, `torch.zeros(2)` plus the same small noise, and
# (c) 16 training points drawn at random, `points[torch.randperm(2000, generator=gen)[:16]]`.
# Each run takes a few seconds. How many codes does each start end up using, and how does its
# loss compare with the restarts'? Why is the centre of the data, inside the ring of eight
# clusters, a better or a worse start than the corner?
