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
# # 00 · The generative model zoo at a glance
#
# *Generative Model Zoo, part II: a map of the lecture before its sections.*
#
# **You will learn**
# 1. the lecture's taxonomy: explicit densities (normalized or not), latent-variable models,
#    autoregressive models, and implicit models;
# 2. what an explicit model gives that an implicit one (a small GAN) does not, and what the
#    samples of four models of the same toy data reveal: a fit stuck in a local optimum, a GAN's
#    bridges between modes;
# 3. what samples of every digits model of the lecture look like side by side, and which
#    notebook teaches each one.
#
# The neural models load the weights shipped with `genzoo_lite` (the energy-based model is trained
# in notebook 02, the digit models in notebooks 03 and 05, the 2-D GAN from its recipe
# `gan_eight_gaussians`); the mixtures of Gaussians are fitted on the spot in seconds.

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

# %% slideshow={"slide_type": "skip"}
# %matplotlib inline
import math

import matplotlib.pyplot as plt
import torch

from genzoo_lite import RECIPES, check_claim, density_contour, image_grid, load_digits
from genzoo_lite import load_pretrained, savefig, set_seed, toy2d
from genzoo_lite.exercises import zoo as checks
from genzoo_lite.models.energy.ebm import langevin
from genzoo_lite.models.adversarial.digits_gan import generate
from genzoo_lite.models.explicit.gaussian import fit_gmm
from genzoo_lite.views.figure_alt import show
from genzoo_lite.views.plots import LINE_COLOURS

set_seed(0)
torch.set_num_threads(1)  # every model here is small: one thread is faster than two
plt.rcParams["figure.dpi"] = 80

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. The taxonomy
#
# | family | model | what it gives | sampling | notebook |
# |---|---|---|---|---|
# | explicit, normalized | Gaussian, mixture of Gaussians | exact $p_\theta(x)$ | one step | 01 |
# | explicit, unnormalized | energy-based model (EBM), $e^{-E_\theta(x)}/Z(\theta)$ | $E_\theta(x)$ only | Langevin MCMC | 02 |
# | latent variable | VAE, $\int p_\theta(x\mid z)p(z)\,dz$ | a lower bound on $\log p_\theta(x)$ | one decoder pass | 03 |
# | autoregressive, non-parametric | Efros–Leung, $P(p \mid N(p))$ | no number | pixel by pixel | 04 |
# | autoregressive | PixelCNN, $\prod_i P(p_i \mid p_{<i})$ | exact $P(x)$ | pixel by pixel | 05 |
# | latent + autoregressive | VQ-VAE-2 | exact $P$ of the codes | codes, then decode | 06 |
# | implicit | GAN, $x = G_\theta(z)$ | nothing | one generator pass | here, 03 |

# %% [markdown] slideshow={"slide_type": "subslide"}
# Three terms of the table in one line each:
# * **$Z(\theta)$**: the integral of $e^{-E_\theta(x)}$ over all $x$, which turns an energy into a
#   density when it is finite (nothing makes a network's energy rise far from the data; notebook
#   02's eight_gaussians energy does not, so there the density is defined on the plotted
#   square); in more than a few dimensions no one can compute it.
# * **Langevin MCMC**: gradient descent on the energy plus Gaussian noise; the noise makes the
#   chain wander over $e^{-E_\theta(x)}$ instead of stopping at its minima
#   ([02 · Energy-based models](02_ebm.ipynb), section 4).
# * **The VAE's bound**: $\log p_\theta(x)$ is an integral over $z$ that no one can compute
#   either; the VAE maximizes a lower bound on it, the ELBO ([03 · VAE](03_vae.ipynb), section 2).

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. Explicit and implicit models on toy data
# A GAN is implicit: a generator $G_\theta$ maps noise $z \sim \mathcal{N}(0, I)$ to points; a
# discriminator $D_\phi$ learns to tell them from data, and $G_\theta$ learns to fool it:
# $$\min_G \max_D\; \mathbb{E}_{x\sim p_\text{data}}[\log D(x)] +
#   \mathbb{E}_{z}[\log(1 - D(G(z)))].$$
# Below, the GAN beside held-out data and two explicit models, all fitted to the same eight
# Gaussians: a mixture of $k = 8$ Gaussians (notebook 01) and the energy-based model (notebook
# 02) sampled by 500 Langevin steps from uniform starting points.

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
data = RECIPES["gan_eight_gaussians"].data({})["x"]  # the GAN's training set, (5000, 2)
held_out = toy2d("eight_gaussians", 2000, seed=1)
gan = load_pretrained("gan_eight_gaussians")  # {"generator", "discriminator"}
gen = torch.Generator().manual_seed(0)
samples_2d = {"data": held_out[:1000], "GAN": gan["generator"].sample(1000, generator=gen)}
gmm = fit_gmm(data, k=8, n_iter=100, seed=0)  # EM, notebook 01
samples_2d["GMM (k = 8)"] = gmm.sample(1000, generator=gen).float()
ebm = load_pretrained("ebm_eight_gaussians")  # trained in notebook 02
step = RECIPES["ebm_eight_gaussians"].settings["step_size"]  # its Langevin eta in training
start = torch.rand(1000, 2, generator=gen) * 6 - 3
samples_2d["EBM (Langevin)"] = langevin(ebm["energy"], start, 500, step, math.sqrt(2 * step),
                                        generator=gen)
print(f"GMM held-out log-likelihood: {gmm.log_prob(held_out).mean().item():.3f} nats/point")
print("EBM held-out log-likelihood: none on the plane (this energy has no finite Z(theta)); "
      "notebook 02 computes one on the plotted square with a grid")
print("GAN held-out log-likelihood: not defined; the generator has no density to evaluate")

angles = torch.arange(8) * math.pi / 4
modes = 2 * torch.stack([angles.cos(), angles.sin()], dim=1)  # toy2d's 8 centres, (8, 2)
on_mode = 3 * 0.2  # within 3 standard deviations (toy2d's 0.2) of a centre: on that mode


def nearest_mode(points):
    """Distance to the nearest of the eight centres, and which one: (N,), (N,)."""
    return torch.cdist(points.float(), modes).min(dim=1)

# %% [markdown] slideshow={"slide_type": "subslide"}
# The four samplers on the same axes; points farther than $3\sigma = 0.6$ from every mode's centre
# are drawn as crosses, the others as dots.

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
fig, axes = plt.subplots(1, 4, figsize=(13, 3.4), sharex=True, sharey=True)
for ax, (name, points) in zip(axes, samples_2d.items()):
    far = nearest_mode(points)[0] > on_mode
    ax.scatter(*points[~far].T, s=2, c=LINE_COLOURS[0], label="on a mode")
    ax.scatter(*points[far].T, s=12, c=LINE_COLOURS[1], marker="x", linewidths=0.8,
               label="far from every mode")
    ax.set_title(name)
    ax.set_aspect("equal")
    ax.set_xlim(-3, 3)
    ax.set_ylim(-3, 3)
axes[0].legend(loc="lower left", fontsize=7, markerscale=2)
show(fig, alt="Four scatter plots on the same square: the toy data (eight round clusters on a "
     "circle), then samples of the GAN, the GMM (k = 8) and the EBM (Langevin). Points near a "
     "mode are dots, points far from every mode are crosses. The data and the EBM show all eight "
     "clusters, the EBM with more stray crosses over the plane; the GAN's points run along the "
     "circle between the modes, and the GMM stretches some modes into elongated streaks.")

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure: 1000 points from each of held-out data, the GAN, the GMM and the EBM, on the square
# from -3 to 3; crosses mark points far from all eight modes.*

# %% [markdown] slideshow={"slide_type": "subslide"}
# Do they all put their points on the eight modes? For each sampler: the samples on its
# least-visited mode, the share far from every mode, the share outside the plotted square; and,
# for the GMM, how many modes each of its 8 components is the most probable source of.

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
print(f"{'':15s} {'fewest on one mode':>18s} {'far from every mode':>19s}"
      f" {'outside the plot':>16s}")
far_share, fewest = {}, {}
for name, points in samples_2d.items():
    distance, nearest = nearest_mode(points)  # (1000,) each
    per_mode = torch.bincount(nearest[distance <= on_mode], minlength=8)  # (8,)
    far_share[name] = (distance > on_mode).float().mean().item()
    fewest[name] = per_mode.min().item()
    outside = (points.abs() > 3).any(dim=1).float().mean().item()
    print(f"{name:15s} {fewest[name]:18d} {far_share[name]:19.1%} {outside:16.1%}")
# p(component | centre) by Bayes' rule; the argmax is the component that best explains a centre
owner = gmm.responsibilities(modes).argmax(dim=1)  # (8,)
modes_per_component = torch.bincount(owner, minlength=8)
print(f"GMM: modes explained by each of its 8 components: {modes_per_component.tolist()}")
check_claim(min(fewest.values()) > 0, "every sampler reaches all eight modes")
check_claim(max(far_share, key=far_share.get) == "EBM (Langevin)",
            "the EBM leaves the largest share far from the modes")
check_claim(all(far_share[name] > 5 * far_share["data"] for name in samples_2d if name != "data"),
            "every sampler puts over 5x the data's share far from every mode")
check_claim(sorted(modes_per_component.tolist()) == [0, 0, 1, 1, 1, 1, 2, 2],
            "EM from seed 0: two components explain two modes each, two explain none")

# %% [markdown] slideshow={"slide_type": "subslide"}
# Every sampler reaches all eight modes, but none looks like the data:
# * **GMM**: EM stopped in a **local optimum**: two components each explain two modes, with one
#   wide ellipse between them, and two explain none.
# * **GAN**: trails of samples join one mode to the next and run outward: **mode bridging**.
#   $G_\theta$ is continuous and its $z$ fill one connected cloud, so its outputs form one
#   connected set: it cannot put mass on eight separate modes without some on paths between them.
# * **EBM**: its Langevin chains leave the largest share far from the modes, many outside the
#   square: this energy falls without bound outside the square, so its chains drift further out
#   the longer they run. How Langevin chains behave, and how an EBM is trained with them:
#   notebook 02, sections 4 to 6 ("Outside the box").

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### EM finds a local optimum; restarts fix it
# EM, the algorithm that fits a mixture ([01 · Gaussian MLE](01_gaussian_mle.ipynb), section 4),
# climbs from its starting point (eight data points chosen by the seed) to a local maximum of the
# likelihood. The standard fix: run it from several starts and keep the fit with the highest
# training log-likelihood (scikit-learn's `GaussianMixture(n_init=5)`).

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
fits = {0: gmm} | {seed: fit_gmm(data, k=8, n_iter=100, seed=seed) for seed in range(1, 5)}
for seed, fit in fits.items():
    one_each = (torch.bincount(fit.responsibilities(modes).argmax(dim=1), minlength=8) == 1).sum()
    print(f"seed {seed}: train log-likelihood {fit.log_likelihoods[-1]:.3f} nats/point, "
          f"components with exactly one mode: {one_each}")
# Restarts that reach the same optimum tie (to the last digits, which differ between CPUs): among
# the fits within 0.01 nats/point of the best, keep the lowest seed.
top = max(fit.log_likelihoods[-1] for fit in fits.values())
best_seed = min(seed for seed, fit in fits.items() if fit.log_likelihoods[-1] > top - 0.01)
for name, seed in [("seed 0", 0), (f"best of {len(fits)} (seed {best_seed})", best_seed)]:
    print(f"{name:20s} held-out log-likelihood {fits[seed].log_prob(held_out).mean():.3f}")
check_claim((torch.bincount(fits[best_seed].responsibilities(modes).argmax(dim=1)) == 1).all(),
            "the best restart puts one component on each mode")
check_claim(fits[best_seed].log_prob(held_out).mean() > fits[0].log_prob(held_out).mean(),
            "the best restart scores higher on held-out points than seed 0")

# %% [markdown] slideshow={"slide_type": "subslide"}
# The fit from seed 0 beside the best restart:

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
fig, axes = plt.subplots(1, 2, figsize=(7, 3.3))
for ax, seed in zip(axes, [0, best_seed]):
    density_contour(fits[seed].log_prob, ax=ax, data=held_out[:500], title=f"EM from seed {seed}")
    ax.plot(*fits[seed].means.T, "r+", ms=10, label="component means")
axes[0].legend(loc="lower left", fontsize=7)
show(fig, alt="Two density maps of the eight-mode toy data (bright = likely) with held-out "
     "points as white dots and each component's mean as a red plus. The fit from seed 0 (left) "
     "stretches single components across pairs of neighbouring modes; the best restart (right) "
     "puts one round component, and one plus, on each of the eight modes.")

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure: the two fits' densities (brighter is more likely) over held-out points, with each
# component's mean as a red +.* The best restart puts one component on each mode and scores
# higher on held-out points too.

# %% [markdown] slideshow={"slide_type": "fragment"}
# Only an explicit model says how likely a held-out point is: the GMM gives a number, in
# nats per point. The EBM gives an energy, which ranks points (lower energy, more likely) but is
# no probability without a normalizer, and this energy has none on the plane: notebook 02 defines
# its density on the square. The GAN gives nothing: it can only be judged by its samples.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3. Samples of every digits model, side by side
# Each digits model (8x8 digits, 17 gray levels, trained on 1000 of them) draws 16 samples with
# the same random seed. The GMM, a density over real numbers, was fitted to the levels plus a
# little uniform noise (notebook 07 says why); its samples are rounded down to levels.

# %% slideshow={"slide_type": "skip"}
x_train, _ = load_digits("train")
x_test, _ = load_digits("test")
flat_train = x_train.flatten(1).double()  # (1000, 64) levels 0..16
noise = torch.rand(flat_train.shape, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
digit_gmm = fit_gmm(flat_train + noise, k=10, n_iter=50, seed=0, reg_covar=0.1)
neural = {name: load_pretrained(name) for name in
          ["independent_digits", "pixelcnn_digits", "gated_pixelcnn_digits"]}  # notebook 05
vae = load_pretrained("vae_digits_8d")  # notebook 03
digits_gan = load_pretrained("gan_digits_8d")  # notebook 03
samplers = {  # (title, notebook) -> (n, generator) -> n samples on the level scale
    ("uniform noise", "07"): lambda n, g: torch.randint(0, 17, (n, 64), generator=g),
    ("independent pixels", "05"): lambda n, g: neural["independent_digits"].sample(n, generator=g),
    ("GMM, k = 10", "01"): lambda n, g: digit_gmm.sample(n, generator=g).floor().clamp(0, 16),
    ("VAE samples", "03"): lambda n, g: vae.sample(n, generator=g),
    ("VAE mean images", "03"): lambda n, g: vae.decode(torch.randn(n, 8, generator=g)),  # E[x|z]
    ("PixelCNN", "05"): lambda n, g: neural["pixelcnn_digits"].sample(n, generator=g),
    ("Gated PixelCNN", "05"): lambda n, g: neural["gated_pixelcnn_digits"].sample(n, generator=g),
    ("GAN", "03"): lambda n, g: generate(digits_gan, torch.randn(n, 8, generator=g)),
}

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
rows = {"test digits": x_test[:16]}
with torch.no_grad():
    for (name, notebook), sampler in samplers.items():
        images = sampler(16, torch.Generator().manual_seed(1))
        rows[f"{name} ({notebook})"] = images.reshape(16, 1, 8, 8)
fig, axes = plt.subplots(2, math.ceil(len(rows) / 2), figsize=(10.5, 4.6))
for ax in axes.flat[len(rows):]:
    ax.axis("off")
for ax, (name, images) in zip(axes.flat, rows.items()):
    image_grid(images, nrow=4, ax=ax, vmax=16)
    ax.set_title(name, fontsize=10)
savefig(fig, "00_zoo_samples")
show(fig, alt="Nine 4x4 grids of 8x8 digits, dark ink on white: test digits, then samples of "
     "uniform noise, independent pixels, the GMM, the VAE (samples and mean images), PixelCNN, "
     "Gated PixelCNN and the GAN. Noise and independent pixels give specks without strokes; the "
     "GMM and VAE samples are grainy, the VAE mean images smooth and blurred; the PixelCNNs and "
     "the GAN draw connected strokes, the GAN's and Gated PixelCNN's closest to the test digits.")

# %% [markdown] slideshow={"slide_type": "fragment"}
# *Figure: 16 test digits and 16 samples of each model (the notebook that teaches it in brackets),
# dark ink on white.*

# %% [markdown] slideshow={"slide_type": "subslide"}
# What to see:
# * **Independent pixels** give speckle: every pixel is drawn on its own, so ink lands where digits
#   often have it, but no strokes form.
# * The **GMM** gives noisy but often legible digits: each component is one style of digit, with
#   the correlations between all its pixels.
# * The **VAE**'s samples are rough digit shapes: given $z$, each pixel is again drawn on its own.
#   Its **mean images** $\mathbb{E}[x \mid z]$, what VAE figures usually show, are smooth and
#   blurry: the average of the many digits the decoder finds plausible for one $z$.
# * The **PixelCNNs** draw each pixel given all the earlier ones, so their strokes connect far more
#   often than the per-pixel samples'.
# * The **GAN**, which has no likelihood at all, draws smooth digits.
#
# Which of these models is the best density model of the digits, and does the best one also draw
# the best digits? Notebook 07 answers both on one test set.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4. Where each notebook goes deeper
# * [01 · Gaussian MLE](01_gaussian_mle.ipynb): maximum likelihood by calculus and by gradients,
#   EM for the mixture, outlier detection, explicit against implicit models.
# * [02 · Energy-based models](02_ebm.ipynb): the gradient of the log-likelihood of an energy,
#   Langevin sampling with sliders, training with persistent chains.
# * [03 · VAE](03_vae.ipynb): the ELBO, the reparameterization trick, latent sliders, how tight
#   the bound is, blurry samples, VAE + GAN.
# * [04 · Efros–Leung](04_efros_leung.ipynb): non-parametric texture synthesis, one pixel at a time.
# * [05 · PixelCNN](05_pixelcnn.ipynb): colors as classes, the chain rule, masked convolutions,
#   sampling and completions, why sampling is slow.
# * [06 · VQ-VAE-2](06_vqvae2.ipynb): vector quantization and a PixelCNN prior over codes.
# * [07 · The zoo compared](07_zoo_comparison.ipynb): every digits model on one test set, in
#   likelihood (exact numbers and bounds) and in sample quality, and where the two disagree.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
# * Explicit models give a number for every point: exactly for a Gaussian, a mixture and the
#   PixelCNNs (Efros–Leung gives no number), as a bound for a VAE; an energy-based model gives
#   an energy, no probability without its normalizer $Z(\theta)$, intractable in high dimensions
#   and not even finite for every energy. Implicit models (GANs) only sample.
# * Fitting can fail in ways the samples show: EM stops in local optima (restarts fix it), a GAN
#   bridges the modes it covers.
# * How a model draws its pixels shows in its samples: on their own (speckle), as the mean of
#   many plausible digits (blur), or one after another given the earlier ones (strokes).

# %% [markdown] slideshow={"slide_type": "skip"}
# ## Exercises
# Each checked exercise has a cell to edit and a self-check that says what is wrong.
#
# **Exercise 1 (warm-up).** Notebooks 05 and 07 score digit models in **bits per dimension**:
# $-\log_2 P(x)$ divided by the number of pixels. A model assigns a test digit
# $\log P(x) = -95$ nats. Write the conversion to bits per dimension for an image of
# `num_pixels` pixels.

# %% slideshow={"slide_type": "skip"}
def exercise_bits_per_dim(log_p_nats, num_pixels):
    """Bits per dimension of an image with log P(x) = log_p_nats nats and num_pixels pixels."""
    # YOUR CODE HERE
    raise NotImplementedError()


checks.check_bits_per_dim(exercise_bits_per_dim)

# %% [markdown] slideshow={"slide_type": "skip"}
# **Exercise 2 (open).** Section 2 ran EM from five seeds. Run it from 20 seeds
# (`fit_gmm(data, k=8, n_iter=100, seed=seed)`) and count how many runs put exactly one
# component on each mode. How many restarts would you need to reach such a fit with
# probability $0.99$? Does the training log-likelihood alone tell you which runs those are?
