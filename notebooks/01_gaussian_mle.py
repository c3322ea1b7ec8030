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
# # 01 · Explicit densities: the Gaussian, maximum likelihood and the mixture of Gaussians
#
# *Generative Model Zoo, part II: "Explicit Density Models" and "Case study #1: Fitting a
# Gaussian to data".*
#
# **You will learn**
# 1. what an explicit density model $p_\theta: \mathcal{X} \to [0, \infty)$ is, normalized or not;
# 2. maximum likelihood, $\max_\theta \mathbb{E}_{x \sim p_\text{data}}[\log p_\theta(x)]$, and
#    its closed-form optimum for a Gaussian, derived and checked by gradient ascent;
# 3. what the likelihood landscape looks like (sliders);
# 4. the mixture of Gaussians fitted by EM: the first latent-variable model (the VAE, notebook 03,
#    picks it up);
# 5. how a density detects unlikely events (outlier digits);
# 6. explicit against implicit models (the GAN).
#
# Every cell runs in seconds on a laptop CPU.

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
# The only setup cell: imports and a fixed seed (everything here is small enough for the CPU).

# %% slideshow={"slide_type": "skip"}
# %matplotlib inline
import math

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure

from genzoo_lite import (assert_close, check_claim, density_contour, image_grid, load_digits,
                         savefig, set_seed, toy2d)
from genzoo_lite.evaluation.metrics import auroc
from genzoo_lite.exercises import gaussian_mle as checks
from genzoo_lite.models.explicit.gaussian import em_step, fit_gaussian, fit_gmm, init_gmm
from genzoo_lite.models.explicit.gaussian import gaussian_log_prob
from genzoo_lite.views.live import LiveFigure
from genzoo_lite.views.figure_alt import show, show_live
from genzoo_lite.views.plots import LINE_COLOURS

set_seed(0)
torch.set_num_threads(1)  # tiny tensors: one thread is faster, and steady on a busy machine
plt.rcParams["figure.dpi"] = 80

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. Explicit density models
#
# An explicit density model assigns every point $x$ a number $p_\theta(x) \ge 0$.
# A **normalized** density integrates to one, $\int p_\theta(x)\,dx = 1$, so it can be compared
# across models. Some models only output an **unnormalized** score, an *energy* $E_\theta(x)$ with
# $\tilde p_\theta(x) = e^{-E_\theta(x)}$; turning it into a density needs the normalizer
# $Z(\theta) = \int e^{-E_\theta(x)}dx$ (notebook 02 is about that integral).
#
# In one dimension we can check both numerically on a grid.

# %% slideshow={"slide_type": "subslide"} tags=["hide-input"] jupyter={"source_hidden": true}
x_grid = torch.linspace(-6, 6, 2001, dtype=torch.float64)
dx = (x_grid[1] - x_grid[0]).item()
gauss = torch.distributions.Normal(0.0, 1.0).log_prob(x_grid).exp()
energy = x_grid**4 / 4 - x_grid**2  # a double well
unnormalized = torch.exp(-energy)
Z = unnormalized.sum().item() * dx
print(f"integral of N(x; 0, 1)   = {gauss.sum().item() * dx:.4f}")
print(f"integral of exp(-E(x))   = Z = {Z:.4f}   (not 1: unnormalized)")

fig, axes = plt.subplots(1, 2, figsize=(9, 2.8))
axes[0].plot(x_grid, gauss)
axes[0].set_title("normalized: N(x; 0, 1)")
axes[1].plot(x_grid, unnormalized, color=LINE_COLOURS[0], label="exp(-E(x))")
axes[1].plot(x_grid, unnormalized / Z, "--", color=LINE_COLOURS[1], label="exp(-E(x)) / Z")
axes[1].set_title("unnormalized energy model")
axes[1].legend()
for ax in axes:
    ax.set_xlim(-3.5, 3.5)
show(fig, alt="Left: the standard normal density, one bell centred on 0. Right: the double-well "
     "model exp(-E(x)) as a solid line, two peaks well above 1, and the same curve divided by Z "
     "as a dashed line: the same shape scaled down so that its area is 1.")

# %% [markdown] slideshow={"slide_type": "fragment"}
# Dividing by $Z$ makes the double well a proper density. Here $Z$ took a sum over 2001 grid
# points; in 64 dimensions (an 8x8 image) the same grid would need $2001^{64}$ points.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. Case study 1: fitting a Gaussian by maximum likelihood
#
# Our 1-D data: the **amount of ink** of each training digit (mean pixel value, 0 = blank, 1 =
# all black). The digits are scikit-learn's bundled 8x8 images with 17 gray levels.

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
images, labels = load_digits("train")  # (1000, 1, 8, 8) uint8 in 0..16
ink = images.double().mean(dim=(1, 2, 3)) / 16  # (1000,)
print(f"{len(ink)} training digits, ink between {ink.min():.3f} and {ink.max():.3f}")

fig, axes = plt.subplots(1, 2, figsize=(9, 2.6), gridspec_kw={"width_ratios": [1, 1.4]})
image_grid(images[:24], nrow=12, ax=axes[0], title="training digits")
axes[1].hist(ink.numpy(), bins=40, density=True, color="#7d8fa6")
axes[1].set_xlabel("ink")
show(fig, alt="Left: 24 training digits in two rows. Right: a histogram of the ink of every "
     "training digit (its mean pixel value): one hump, somewhat skewed, with a longer tail "
     "towards more ink.")

# %% [markdown] slideshow={"slide_type": "subslide"}
# We only consider Gaussian fits, $p_\theta(x) = \mathcal{N}(x; \mu, \sigma^2)$ with
# $\theta = [\mu, \sigma]$, and maximize the average log-likelihood of the $N$ data points
#
# $$\mathcal{L}(\mu, \sigma) = \frac{1}{N}\sum_{i=1}^N \log \mathcal{N}(x_i; \mu, \sigma^2)
#   = -\tfrac12 \log(2\pi\sigma^2) - \frac{1}{2\sigma^2}\,\frac{1}{N}\sum_{i=1}^N (x_i - \mu)^2 .$$
#
# Setting the derivatives to zero:
#
# $$\frac{\partial \mathcal{L}}{\partial \mu} = \frac{1}{\sigma^2}\,\frac1N\sum_i (x_i - \mu) = 0
#   \;\Rightarrow\; \mu = \frac{1}{N}\sum_{i=1}^{N} x_i ,
# \qquad
# \frac{\partial \mathcal{L}}{\partial \sigma} = -\frac{1}{\sigma} + \frac{1}{\sigma^3}\,\frac1N
#   \sum_i (x_i - \mu)^2 = 0
#   \;\Rightarrow\; \sigma^2 = \frac{1}{N}\sum_{i=1}^{N} (x_i - \mu)^2 .$$
#
# The maximum-likelihood estimates $\hat\mu$ and $\hat\sigma$ are the mean and the root of the
# mean squared deviation: note the $1/N$, not the $1/(N-1)$ of the unbiased estimator.

# %% slideshow={"slide_type": "subslide"}
def avg_log_lik(x, mu, sigma):
    """L(mu, sigma): the average Gaussian log-likelihood of the data x (the equation above)."""
    return (-0.5 * torch.log(2 * math.pi * sigma**2) - (x - mu) ** 2 / (2 * sigma**2)).mean()


mu_hat = ink.mean()
sigma_hat = ((ink - mu_hat) ** 2).mean().sqrt()
best = avg_log_lik(ink, mu_hat, sigma_hat).item()
print(f"closed form: mu = {mu_hat:.4f}, sigma = {sigma_hat:.4f}, L = {best:.4f} nats")

# %% slideshow={"slide_type": "skip"}
mu_lib, cov_lib = fit_gaussian(ink[:, None])  # the library's version, for D dimensions
assert_close(mu_lib[0], mu_hat)
assert_close(cov_lib[0, 0], sigma_hat**2)

# %% [markdown] slideshow={"slide_type": "fragment"}
# $\mathcal{L}$ is positive: a density is not a probability and can exceed 1. With $\sigma$
# this small, $\mathcal{N}(x; \mu, \sigma^2)$ peaks at $1/\sqrt{2\pi\sigma^2}$, far above 1, and
# the probability of a small interval is the density times the interval's width.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Gradient ascent reaches the closed form
# Most models have no closed form, so they climb $\mathcal{L}$ by gradient ascent. We do the same
# here, where we know the answer, with the optimizer most of this lecture's models use, Adam: it
# steps along the gradient rescaled per parameter (by a running average of its size). We
# optimize $\log\sigma$ instead of $\sigma$ so that $\sigma$ stays positive whatever the step.

# %% slideshow={"slide_type": "fragment"}
mu = torch.tensor(0.42, dtype=torch.float64, requires_grad=True)
log_sigma = torch.tensor(math.log(0.1), dtype=torch.float64, requires_grad=True)
optimizer = torch.optim.Adam([mu, log_sigma], lr=0.005)
path = []
for _ in range(600):
    loss = -avg_log_lik(ink, mu, log_sigma.exp())  # ascent on L = descent on -L
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    path.append((mu.item(), log_sigma.exp().item(), -loss.item()))
path = np.array(path)
print(f"gradient ascent after 600 steps: mu = {path[-1, 0]:.4f}, sigma = {path[-1, 1]:.4f}")

# %% slideshow={"slide_type": "skip"}
assert abs(path[-1, 0] - mu_hat.item()) < 1e-3 and abs(path[-1, 1] - sigma_hat.item()) < 1e-3

# %% [markdown] slideshow={"slide_type": "subslide"}
# The path of the ascent on the landscape $\mathcal{L}(\mu, \sigma)$, and $\mathcal{L}$ per
# step. The mean squared deviation from any $\mu$ is $\hat\sigma^2 + (\hat\mu - \mu)^2$, so
# $\mathcal{L}(\mu, \sigma) = -\tfrac12\log(2\pi\sigma^2) - (\hat\sigma^2 + (\hat\mu - \mu)^2)
# / 2\sigma^2$: $\hat\mu$ and $\hat\sigma$ summarize the data completely (they are *sufficient
# statistics*), and $\mu = \hat\mu$ is best whatever $\sigma$ is.

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
mus = torch.linspace(0.2, 0.45, 121, dtype=torch.float64)
sigmas = torch.linspace(0.015, 0.12, 121, dtype=torch.float64)
# L at every (sigma, mu) of the grid. The data enter only through mu_hat and sigma_hat, since
# mean((x - mu)^2) = sigma_hat^2 + (mu_hat - mu)^2: no pass over the 1000 points per grid point
landscape = (-0.5 * torch.log(2 * math.pi * sigmas[:, None] ** 2)
             - (sigma_hat**2 + (mu_hat - mus[None, :]) ** 2) / (2 * sigmas[:, None] ** 2))
for i, j in [(0, 0), (60, 30), (120, 120)]:  # the same as the equation over the data
    assert_close(landscape[i, j], avg_log_lik(ink, mus[j], sigmas[i]))

fig, axes = plt.subplots(1, 2, figsize=(10, 3.4), layout="constrained")
contours = axes[0].contourf(mus, sigmas, landscape.clamp(min=-1), levels=30, cmap="viridis")
fig.colorbar(contours, ax=axes[0], label="L (nats, clipped at -1)")
axes[0].plot(path[:, 0], path[:, 1], "w.-", ms=2, lw=1, label="gradient ascent")
axes[0].plot(path[0, 0], path[0, 1], "wo", ms=7, mec="k", label="start")
axes[0].plot(mu_hat, sigma_hat, "r*", ms=14, label="closed form")
axes[0].set_xlabel("mu")
axes[0].set_ylabel("sigma")
axes[0].legend(loc="lower right", fontsize="small", facecolor="0.3", labelcolor="white")
axes[1].plot(path[:, 2], label="gradient ascent")
axes[1].axhline(best, color="r", ls="--", label="closed-form maximum")
axes[1].set_xlabel("step")
axes[1].set_ylabel("L (nats)")
axes[1].set_ylim(path[:, 2].min() - 0.2, best + 0.3)
axes[1].legend()
savefig(fig, "01_gaussian_mle")
show(fig, alt="Left: the average log-likelihood L over mu (horizontal) and sigma (vertical) as "
     "filled contours with a colourbar, brightest in a narrow peak at small sigma; the path of "
     "gradient ascent (white line) runs from its start (white dot) in the upper right down into "
     "the peak and ends on the closed-form maximum (red star); the legend sits in the lower "
     "right corner. Right: L per step of the ascent (solid line) rises quickly, "
     "then levels off on the closed-form maximum (dashed horizontal line).")

# %% [markdown] slideshow={"slide_type": "fragment"}
# The ascent ends on the red star: maximum likelihood by calculus and by gradients agree.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The likelihood landscape, live
# Move $\mu$ and $\sigma$: the curve is $\mathcal{N}(x; \mu, \sigma^2)$ over the data histogram,
# the title its average log-likelihood against the maximum. Too narrow a $\sigma$ punishes the
# points in the tails; too wide spreads the probability thin. (Without a widget front end, this
# cell shows a static image of the starting state.)

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
live_fig = Figure(figsize=(6, 2.8), layout="constrained")  # room for the title it sets
live_ax = live_fig.add_subplot()
live_ax.hist(ink.numpy(), bins=40, density=True, color="#7d8fa6")
xs = torch.linspace(0.15, 0.5, 300, dtype=torch.float64)
# zorder 3 draws the curve above the axes' frame, so a move redraws the curve alone
(curve,) = live_ax.plot(xs, xs * 0, "C3", lw=2, zorder=3)
live_ax.set_xlim(0.15, 0.5)
live_ax.set_ylim(-0.5, 28)  # the curve's tails just above the axis line
live_ax.set_ylabel("density")
live_ax.set_xlabel("ink")


def draw_gaussian(mu, sigma):
    curve.set_ydata(torch.distributions.Normal(mu, sigma).log_prob(xs).exp().numpy())
    live_ax.set_title(f"L = {avg_log_lik(ink, mu, torch.tensor(sigma)).item():.3f} nats"
                      f"  (maximum {best:.3f})")


likelihood_view = LiveFigure(live_fig, draw_gaussian, {
    "mu": widgets.FloatSlider(value=0.38, min=0.2, max=0.45, step=0.002, description="mu"),
    "sigma": widgets.FloatSlider(value=0.015, min=0.01, max=0.12, step=0.001, description="sigma"),
})
show_live(likelihood_view, alt="The live view's starting picture: the ink histogram of the "
          "training digits with the Gaussian N(x; mu, sigma^2) as a red curve, a tall narrow peak "
          "to the right of most of the data, so the title's log-likelihood is far below the "
          "maximum.")

# %% [markdown] slideshow={"slide_type": "fragment"}
# Moving the sliders: with $\mu$ in the middle of the histogram and $\sigma$ about the data's
# spread the curve covers the data and $\mathcal{L}$ in the title nearly reaches the maximum (the
# sliders' steps do not land exactly on $\hat\mu$ and $\hat\sigma$). A narrow
# $\sigma$ away from the data, as at the start, drives $\mathcal{L}$ far below it; a wide
# $\sigma$ flattens the curve and lowers $\mathcal{L}$ more gently.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3. A 2-D Gaussian on toy data
# The same estimator in $D$ dimensions: $\mu = \frac1N\sum_i x_i$ and
# $\Sigma = \frac1N\sum_i (x_i-\mu)(x_i-\mu)^\top$ (`fit_gaussian`). On two moons it finds the
# right mean and spread, but one ellipse cannot follow two curved arms.

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
moons = toy2d("two_moons", 1000, seed=0)
moons_val = toy2d("two_moons", 1000, seed=1)  # held out: a fresh sample
mu2, cov2 = fit_gaussian(moons)
gauss_val = gaussian_log_prob(moons_val, mu2, cov2).mean().item()
print(f"mu = {mu2.numpy().round(3)}, held-out log-likelihood {gauss_val:.3f} nats/point")

fig, ax = plt.subplots(figsize=(5.4, 5.4))
density_contour(lambda p: gaussian_log_prob(p, mu2, cov2), ax=ax, data=moons,
                title="one Gaussian (bright = likely)")
show(fig, alt="The density of the one Gaussian fitted to the two moons (filled contours, bright "
     "= likely) under the data as white dots: one tilted ellipse, brightest in the middle "
     "between the moons where there are few points, while the tips of both arms lie in its faint "
     "outer rings.")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4. A mixture of Gaussians, fitted by EM
# $$p_\theta(x) = \sum_{k=1}^{K} w_k\, \mathcal{N}(x; u_k, \Sigma_k), \qquad w_k \ge 0,\ \sum_k w_k = 1.$$
#
# Read it as a **latent-variable model**: first draw a hidden label $z \sim \text{Cat}(w)$, then
# $x \sim \mathcal{N}(u_z, \Sigma_z)$, so $p(x) = \sum_z p(z)\,p(x \mid z)$. The log of a sum has
# no closed-form maximum, but **expectation-maximization** climbs it by alternating two closed
# forms:
#
# * **E-step**: how responsible is component $k$ for point $n$?
#   $\;r_{nk} = \dfrac{w_k \mathcal{N}(x_n; u_k, \Sigma_k)}{\sum_j w_j \mathcal{N}(x_n; u_j, \Sigma_j)}$
# * **M-step**: the Gaussian MLE of section 2, with each point weighted by $r_{nk}$
#   ($N_k = \sum_n r_{nk}$): $\;w_k = \frac{N_k}{N},\; u_k = \frac{1}{N_k}\sum_n r_{nk} x_n,\;
#   \Sigma_k = \frac{1}{N_k}\sum_n r_{nk}(x_n - u_k)(x_n - u_k)^\top$.
#
# Here is one EM step written out, checked against the library's `em_step`.

# %% slideshow={"slide_type": "subslide"}
gmm0 = init_gmm(moons, k=8, seed=0)  # 8 data points as means, the data covariance for all
x64 = moons.double()
log_joint = gmm0.weights.log() + torch.stack(
    [gaussian_log_prob(x64, gmm0.means[k], gmm0.covs[k]) for k in range(8)], dim=1)  # (N, K)
r = torch.softmax(log_joint, dim=1)  # E-step: normalize over k
N_k = r.sum(dim=0)  # (K,)
w = N_k / len(x64)  # M-step
u = r.T @ x64 / N_k[:, None]  # (K, D)
Sigma = torch.stack([(r[:, k, None] * (x64 - u[k])).T @ (x64 - u[k]) / N_k[k] for k in range(8)])

# %% slideshow={"slide_type": "skip"}
gmm1 = em_step(gmm0, moons)
assert_close(w, gmm1.weights)
assert_close(u, gmm1.means)
assert_close(Sigma + 1e-6 * torch.eye(2, dtype=torch.float64), gmm1.covs)
print("one EM step by hand == genzoo_lite's em_step")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### EM never lowers the likelihood
# `fit_gmm` repeats that step. EM never lowers the log-likelihood (each step maximizes a lower
# bound that touches it: the same bound the VAE's ELBO generalizes), which the curve shows. It
# climbs to a *local* maximum that depends on the start (here 8 data points chosen by the seed).

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
gmm = fit_gmm(moons, k=8, n_iter=100, seed=0)
lls = np.array(gmm.log_likelihoods)
print(f"log-likelihood: iteration 1 {lls[0]:.3f}, iteration 100 {lls[-1]:.3f} nats/point")
print(f"largest decrease between iterations: {max(0.0, -np.diff(lls).min()):.1e}")

snapshots = [1, 5, 20, 100]
fig, axes = plt.subplots(1, 5, figsize=(15, 3.2))
axes[0].plot(np.arange(1, 101), lls)
axes[0].set_xlabel("EM iteration")
axes[0].set_ylabel("mean log-likelihood")
for ax, it in zip(axes[1:], snapshots):
    snap = fit_gmm(moons, k=8, n_iter=it, seed=0)
    density_contour(snap.log_prob, ax=ax, data=moons, title=f"after {it} iteration{'s' * (it != 1)}")
    ax.plot(snap.means[:, 0], snap.means[:, 1], "r+", ms=8)
fig.text(0.6, 0.14, "density: bright = likely; red +: the component means", ha="center",
         va="top")
savefig(fig, "01_gmm_em")
show(fig, alt="Left: the mean log-likelihood over 100 EM iterations, rising steeply at first, "
     "then in small steps, never falling. Right: the density of the mixture on the two moons "
     "after 1, 5, 20 and 100 iterations, with the component means as red pluses: one broad blob "
     "after 1 iteration, components spreading along the moons after 5, and after 20 and 100 the "
     "means lined up along both arms and the density following the two curves.")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### How many components?
# More components *can* fit the training points better, but EM only finds a local optimum, so a
# larger $K$ is not guaranteed a higher training log-likelihood. The held-out points (the fresh
# sample of section 3) tell when extra components start to memorize. (The library's argument
# `k` is this $K$.)

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
print(" K   train LL   held-out LL   train - held-out  (nats/point)")
train_ll, val_ll = {}, {}
for k in [1, 2, 4, 8, 16, 32]:
    g = fit_gmm(moons, k=k, n_iter=100, seed=0)
    train_ll[k], val_ll[k] = g.log_likelihoods[-1], g.log_prob(moons_val).mean().item()
    print(f"{k:2d}   {train_ll[k]:7.3f}   {val_ll[k]:9.3f}   {train_ll[k] - val_ll[k]:12.3f}")
check_claim(all(train_ll[a] < train_ll[b] for a, b in [(1, 2), (2, 4), (4, 8), (8, 16), (16, 32)]),
            "the training log-likelihood rises with every K here")
check_claim(val_ll[8] > val_ll[4] + 0.5 and val_ll[32] < val_ll[16] - 0.03,
            "held-out: a steep rise up to K = 8, a fall from K = 16 to 32")

# %% [markdown] slideshow={"slide_type": "fragment"}
# Here the training log-likelihood rises with every $K$, from -2.841 to -1.627. The held-out one
# rises steeply up to $K = 8$ (several components per moon), changes little at 16, and falls
# at 32 while training still gains: the gap grows from 0.066 at $K = 8$ to 0.247 at
# $K = 32$, the extra components fit the training points' noise. $K$ between 8 and 16 is the
# choice the held-out data support.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Sampling from the mixture
# The model is generative: sample $z$, then $x \mid z$. Swap the discrete $z$ for a continuous
# one and the table of means $u_z$ for a neural network $G_\theta(z)$, and you have the VAE of
# notebook 03.

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
gen = torch.Generator().manual_seed(0)
samples = gmm.sample(1000, generator=gen)
fig, axes = plt.subplots(1, 2, figsize=(7, 3.4), sharex=True, sharey=True)
axes[0].scatter(*moons.T, s=2, c=LINE_COLOURS[0])
axes[0].set_title("data")
axes[1].scatter(*samples.T, s=2, c=LINE_COLOURS[1])
axes[1].set_title("GMM samples (K = 8)")
for ax in axes:
    ax.set_aspect("equal")
show(fig, alt="Two scatter plots on the same axes: the two-moons data (left) and samples of the "
     "8-component mixture (right). The samples trace both curved arms like the data, a little "
     "more spread around them.")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5. Abnormality detection: detect unlikely events
# A normalized density says how surprising a new point is. Fit a 10-component GMM to the 64
# pixels of the training digits (a small `reg_covar` keeps the always-blank corner pixels from
# giving a zero variance), then rank the test digits by $\log p(x)$.

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
x_train = images.flatten(1).double() / 16  # (1000, 64) in [0, 1]
test_images, test_labels = load_digits("test")
x_test = test_images.flatten(1).double() / 16
digit_gmm = fit_gmm(x_train, k=10, n_iter=50, seed=0, reg_covar=0.01)
test_ll = digit_gmm.log_prob(x_test)
order = test_ll.argsort()
print(f"test log p(x): median {test_ll.median():.1f}, min {test_ll.min():.1f} nats")
pixel_sd = digit_gmm.covs.diagonal(dim1=1, dim2=2).sqrt()  # (10, 64) per component and pixel
print(f"a pixel's standard deviation within a component: median {pixel_sd.median():.2f}")
log_2pi = 64 * math.log(2 * math.pi)
log_peak = -0.5 * (log_2pi + torch.linalg.slogdet(digit_gmm.covs)[1])  # log N(u_k; u_k, Sigma_k)
log_peak_indep = -0.5 * (log_2pi + 2 * pixel_sd.log().sum(dim=1))  # the same, pixels independent
print(f"a component's peak log-density: {log_peak.min():.0f} to {log_peak.max():.0f} nats "
      f"(its 64 pixels as if independent: {log_peak_indep.min():.0f} to "
      f"{log_peak_indep.max():.0f})")
check_claim(bool((log_peak > log_peak_indep + 10).all()),
            "correlated pixels raise every component's peak far above the independent-pixel one")

fig, axes = plt.subplots(1, 2, figsize=(18, 2.6))
image_grid(test_images[order[:10]], nrow=10, ax=axes[0], title="least likely test digits")
image_grid(test_images[order[-10:]], nrow=10, ax=axes[1], title="most likely test digits")
savefig(fig, "01_outliers")
show(fig, alt="Two rows of ten test digits: the least likely under the digit mixture (left: "
     "heavy strokes and odd shapes, mostly 7s and 2s) and the most likely (right: plain, thin "
     "digits, mostly 0s, 7s and 2s).")

# %% [markdown] slideshow={"slide_type": "subslide"}
# The least likely digits have heavy strokes and odd shapes; the most likely are plain, mostly
# 0s, 7s and 2s. The log-densities are large and positive (a median of 39.5 nats): each pixel's
# density is narrow (a median standard deviation of 0.22 on a scale of 0 to 1, so a peak near
# 2). With a full covariance a component's peak, $1/\sqrt{(2\pi)^{64}\det\Sigma_k}$, is higher
# still: correlated pixels shrink $\det\Sigma_k$ below the product of the pixel variances, so
# the peaks lie between $e^{57}$ and $e^{68}$ (between $e^{39}$ and $e^{50}$ were the pixels
# independent), far above 1, as in section 2. Now genuinely abnormal inputs: the same test digits
# mirrored top to bottom (`flip(1)` reverses the rows), and random noise with the same ink.
# How well does $\log p(x)$ separate them from normal digits? (AUROC 1 = perfectly.)

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
flipped = x_test.reshape(-1, 8, 8).flip(1).reshape(-1, 64)
noise = torch.rand(len(x_test), 64, generator=gen, dtype=torch.float64) * 2 * x_test.mean()
for name, odd in [("mirrored digits", flipped), ("noise", noise)]:
    odd_ll = digit_gmm.log_prob(odd)
    scores = torch.cat([test_ll, odd_ll]).numpy()
    is_odd = np.r_[np.zeros(len(test_ll)), np.ones(len(odd_ll))]
    area = auroc(is_odd, -scores)
    print(f"{name:18s} median log p = {odd_ll.median():9.1f}   AUROC = {area:.3f}")
flipped_ll = digit_gmm.log_prob(flipped)
per_class = []
for c in range(10):  # the mirrored digits of one class against all normal test digits
    scores = torch.cat([test_ll, flipped_ll[test_labels == c]]).numpy()
    is_odd = np.r_[np.zeros(len(test_ll)), np.ones(int((test_labels == c).sum()))]
    per_class.append(auroc(is_odd, -scores))
below_own = torch.stack([(flipped_ll < test_ll)[test_labels == c].double().mean()
                         for c in range(10)])  # each mirrored digit against its own original
class_median = torch.stack([test_ll[test_labels == c].median() for c in range(10)])
print("mirrored AUROC by digit                   "
      + "  ".join(f"{c}: {a:.2f}" for c, a in enumerate(per_class)))
print("mirrored below its own original, by digit "
      + "  ".join(f"{c}: {b:.0%}" for c, b in enumerate(below_own)))
print("median log p of the normal test digits    "
      + "  ".join(f"{c}: {m:.0f}" for c, m in enumerate(class_median)))
check_claim(per_class[0] < 0.5 and below_own[0] > 0.9 and int(class_median.argmax()) == 0,
            "mirrored 0s score below chance, though most are below their own originals, and "
            "0s are the most likely class")

# %% [markdown] slideshow={"slide_type": "fragment"}
# Noise is spotted perfectly; mirrored digits are harder (AUROC 0.843). By digit, the AUROC mixes
# two things: how much mirroring changes a digit, and how likely its class is to begin with.
# Mirrored 0s score 0.44, below chance, although 93% of them are less likely than their own
# originals: 0s are the most likely class (median log p 47), so a mirrored 0 still beats many
# normal digits of other classes. A threshold on $\log p(x)$ compares an input with all digits,
# not with what it would have been.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6. Explicit versus implicit models
# Everything above **represents the density directly**: we can evaluate $p_\theta(x)$. An
# **implicit** model represents the data-generating process instead: a sampler
# $x = G_\theta(z)$, $z \sim \mathcal{N}(0, I)$ (case study 2 of the lecture, the GAN). Sampling
# is one function call, but $p_\theta(x)$ is nowhere written down. In the toy generator below
# all mass lies on a curve, so $p(x)$ is not even a finite function of $x$; a GAN trains
# $G_\theta$ through a discriminator instead of a likelihood (notebook 00 shows a trained one).

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
def G(z):  # a fixed "generator"
    return torch.cat([torch.sin(2 * z), z * torch.cos(2 * z)], dim=1)


z = torch.randn(1000, 1, generator=gen)
x_fake = G(z)
fig, ax = plt.subplots(figsize=(3.4, 3.4))
ax.scatter(*x_fake.T, s=2)
ax.set_title("implicit: samples of G(z), no p(x)")
ax.set_aspect("equal")
show(fig, alt="Samples of the implicit generator G(z): every point lies on one thin curve that "
     "loops around twice; the rare samples with a large z sit far out on its two arms, above "
     "and below the loops. All mass sits on the curve, so there is no density p(x) to draw.")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
# * An explicit density model outputs $p_\theta(x)$; normalized models integrate to one, energy
#   models need $Z(\theta)$.
# * Maximum likelihood maximizes $\mathbb{E}_{p_\text{data}}[\log p_\theta(x)]$. For a Gaussian
#   the optimum is the sample mean and the $1/N$ variance, and gradient ascent finds the same.
# * A mixture of Gaussians is a latent-variable model; EM fits it with closed-form steps that never
#   lower the likelihood, up to a local optimum. Held-out data choose the number of components.
# * A density is not a probability: it can exceed 1, so a log-likelihood can be positive.
# * A density ranks events by how likely they are: outlier detection.
# * Implicit models (GANs) sample without a density.

# %% [markdown] slideshow={"slide_type": "skip"}
# ## Exercises
# Each exercise has a cell to edit and a self-check that says what is wrong.
#
# **Exercise 1 (warm-up).** Write the maximum-likelihood variance of a 1-D tensor.

# %% slideshow={"slide_type": "skip"}
def exercise_mle_variance(x):
    """The maximum-likelihood variance sigma^2 of a 1-D tensor x."""
    # YOUR CODE HERE
    raise NotImplementedError()


checks.check_mle_variance(exercise_mle_variance)

# %% [markdown] slideshow={"slide_type": "skip"}
# **Exercise 2.** Positive, right-skewed data (incomes, waiting times) often fit a Gaussian
# badly. Model $z = \log y \sim \mathcal{N}(\mu, \sigma^2)$ instead (a log-normal):
# fit $\mu, \sigma^2$ by maximum likelihood on $\log y$ and return the average log-likelihood of
# **$y$** in nats per point, so that it can be compared with a Gaussian fitted to $y$ itself.
# The density of $y$ is not the density of $z$: change variables.

# %% slideshow={"slide_type": "skip"}
def exercise_lognormal_fit(y):
    """Average log-likelihood of positive y (nats per point) under the MLE model
    log y ~ N(mu, sigma^2)."""
    # YOUR CODE HERE
    raise NotImplementedError()


checks.check_lognormal_fit(exercise_lognormal_fit)

# %% [markdown] slideshow={"slide_type": "skip"}
# **Exercise 3.** How much does a full covariance buy over a diagonal one (independent
# coordinates)? For data `x` of shape (N, D) return the maximized average log-likelihood of the
# full-covariance Gaussian minus that of the diagonal one, in nats per point. Plug the MLE into
# the average log-likelihood first: the result needs no density evaluations, only two
# log-determinants. When is the gain zero?

# %% slideshow={"slide_type": "skip"}
def exercise_full_minus_diag(x):
    """Maximized average log-likelihood of a full-covariance Gaussian minus a diagonal one, for
    x (N, D), in nats per point."""
    # YOUR CODE HERE
    raise NotImplementedError()


checks.check_full_minus_diag(exercise_full_minus_diag)

# %% [markdown] slideshow={"slide_type": "skip"}
# **Exercise 4 (open).** Fit `fit_gmm(x, k, n_iter=100, seed=0)` on `x = toy2d("rings", 1000,
# seed=0)` for k = 2, 8, 32 and score a fresh sample `toy2d("rings", 1000, seed=1)` (about 10 s in
# all), next to one Gaussian. How does the held-out log-likelihood change as $K$ grows, and
# why? How many components does a ring need? Compare the train and held-out numbers as $K$
# grows. Plot `density_contour(g.log_prob, data=x)` for each $K$ to see what the
# components do.
