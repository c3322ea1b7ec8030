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
# # 02 · Energy-based models: the contrastive gradient and Langevin sampling
#
# *Generative Model Zoo, part II: "Energy-based models — learning algorithm".*
#
# **You will learn**
# 1. how an energy $E_\theta(x)$ defines a density $e^{-E_\theta(x)} / Z(\theta)$, why
#    $Z(\theta)$ is the problem, and why it need not even be finite;
# 2. the gradient of the log-likelihood, $-\mathbb{E}_\text{data}[\nabla_\theta E] +
#    \mathbb{E}_\text{model}[\nabla_\theta E]$, and "how to measure this?", checked on a grid;
# 3. Langevin dynamics, the sampler that answers the question (with sliders, and what breaks);
# 4. training an EBM with persistent chains on three toy data sets, where its chains go, and
#    how it compares with the Gaussian and the mixture of notebook 01;
# 5. abnormality detection with energies.

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
# The only setup cell: imports and a fixed seed.

# %% slideshow={"slide_type": "skip"}
# %matplotlib inline
import copy
import math

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.metrics import roc_auc_score
from sklearn.mixture import GaussianMixture

from genzoo_lite import (RECIPES, assert_close, check_claim, load_pretrained, pretrained_history,
                         savefig, set_seed, toy2d)
from genzoo_lite.exercises import ebm as checks
from genzoo_lite.views.langevin import LangevinView
from genzoo_lite.models.energy.ebm import EnergyMLP, LangevinDivergedError, contrastive_loss
from genzoo_lite.models.energy.ebm import box_log_prob, grid_points, langevin
from genzoo_lite.models.energy.training import ReplayBuffer, ebm_step
from genzoo_lite.models.explicit.gaussian import fit_gaussian, fit_gmm, gaussian_log_prob
from genzoo_lite.registry.recipes import EBM_DATASETS
from genzoo_lite.views.figure_alt import show, show_live
from genzoo_lite.views.plots import LINE_COLOURS

set_seed(0)
torch.set_num_threads(1)  # these 2-D models are fastest on the CPU with one thread
plt.rcParams["figure.dpi"] = 80

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. An energy defines a density
#
# An energy-based model (EBM) is any function $E_\theta: \mathbb{R}^D \to \mathbb{R}$, here a
# small MLP with smooth activations. Low energy means likely:
#
# $$p_\theta(x) = \frac{e^{-E_\theta(x)}}{Z(\theta)}, \qquad Z(\theta) = \int e^{-E_\theta(x)}\,dx .$$
#
# The network is free to be anything, which is the appeal, and the price is $Z(\theta)$: an
# integral over all of $\mathbb{R}^D$ with no closed form, and finite only if $e^{-E_\theta}$
# falls off fast enough far from the data, which nothing forces a network to do. So in 2-D we
# define the density on a box $B = [-3, 3]^2$ (the square every plot shows), zero outside it:
#
# $$p_\theta(x) = \frac{e^{-E_\theta(x)}}{Z_B(\theta)}\ \text{ on } B, \qquad
#   Z_B(\theta) = \int_B e^{-E_\theta(x)}\,dx \approx \sum_{g} e^{-E_\theta(x_g)}\,\Delta A,$$
#
# a sum over the cells $g$ of a grid (`box_log_prob`). Every density in this notebook is such a
# box density.

# %% slideshow={"slide_type": "subslide"}
energy = EnergyMLP(dim=2, hidden=64, depth=3)  # an untrained E_theta: (N, 2) -> (N,)
grid, cell_area = grid_points(lim=3.0, n=200)  # (40000, 2), the area of one cell
with torch.no_grad():
    e_grid = energy(grid)  # (40000,)
log_Z = (torch.logsumexp(-e_grid, dim=0) + math.log(cell_area)).item()
print(f"{len(grid)} grid points on [-3, 3]^2, log Z = {log_Z:.3f}")
print(f"the same grid in D = 64 (an 8x8 image): 200^64 = 10^{64 * math.log10(200):.0f} points")

# %% [markdown] slideshow={"slide_type": "fragment"}
# A grid needs $n^D$ evaluations: fine for $D = 2$, hopeless for images. So we need to learn
# $\theta$ **without ever computing $Z(\theta)$**.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. The gradient of the log-likelihood
#
# Maximum likelihood, as in notebook 01, climbs $\mathbb{E}_{x \sim p_\text{data}}[\log
# p_\theta(x)]$. With $\log p_\theta(x) = -E_\theta(x) - \log Z(\theta)$, the slide's first step is
#
# $$\nabla_{\theta} \mathbb{E}_{\mathbf{x} \sim p_{\text{data}}} [\log p_{\theta}(\mathbf{x})]
#   = \nabla_{\theta} \mathbb{E}_{\mathbf{x} \sim p_{\text{data}}} \Big[\log
#     \frac{e^{-E_{\theta}(\mathbf{x})}}{Z(\theta)}\Big]
#   = -\mathbb{E}_{\mathbf{x} \sim p_{\text{data}}} [\nabla_{\theta} E_{\theta}(\mathbf{x})]
#     - \nabla_{\theta} \log Z(\theta).$$
#
# **How to measure this?** The first term is an average over data. For the second, differentiate
# under the integral:
#
# $$\nabla_\theta \log Z(\theta) = \frac{1}{Z(\theta)}\int \nabla_\theta e^{-E_\theta(x)}\,dx
#   = -\int \frac{e^{-E_\theta(x)}}{Z(\theta)}\,\nabla_\theta E_\theta(x)\,dx
#   = -\mathbb{E}_{\mathbf{x} \sim p_{\theta}}[\nabla_{\theta} E_{\theta}(\mathbf{x})] .$$

# %% [markdown] slideshow={"slide_type": "subslide"}
# So the gradient is a difference of two expectations, each estimated with $N$ samples:
#
# $$\begin{aligned} \nabla_{\theta} \mathbb{E}_{\mathbf{x} \sim p_{\text{data}}}[\log
#   p_{\theta}(\mathbf{x})] &= -\mathbb{E}_{\mathbf{x} \sim p_{\text{data}}}[\nabla_{\theta}
#   E_{\theta}(\mathbf{x})] + \mathbb{E}_{\mathbf{x} \sim p_{\theta}}[\nabla_{\theta}
#   E_{\theta}(\mathbf{x})] \\ &\approx -\frac{1}{N} \sum_{i=1}^{N} \nabla_{\theta}
#   E_{\theta}(\mathbf{x}^{(i)}) + \frac{1}{N} \sum_{i=1}^{N} \nabla_{\theta}
#   E_{\theta}(\hat{\mathbf{x}}^{(i)}), \qquad \mathbf{x}^{(i)} \sim p_{\text{data}}, \quad
#   \hat{\mathbf{x}}^{(i)} \sim p_{\theta} . \end{aligned}$$
#
# Push the energy **down** on data, **up** on the model's own samples. Written as a loss to
# *minimize* (its gradient is minus the estimate above), it is one line, the *contrastive loss*:

# %% slideshow={"slide_type": "subslide"}
def my_contrastive_loss(energy, x_data, x_model):
    """mean E(x_data) - mean E(x_model): its theta-gradient is -(the slide's estimate)."""
    return energy(x_data).mean() - energy(x_model.detach()).mean()


x_a, x_b = toy2d("two_moons", 256, seed=0), toy2d("rings", 256, seed=0)
print(f"contrastive loss, moons vs rings: {my_contrastive_loss(energy, x_a, x_b).item():.4f}")

# %% slideshow={"slide_type": "skip"}
assert_close(my_contrastive_loss(energy, x_a, x_b),
             contrastive_loss(energy, x_a, x_b))

# %% [markdown] slideshow={"slide_type": "subslide"}
# The model samples are constants (`detach`): the gradient is taken through $E_\theta$ at fixed
# points, exactly as in the sum over $\hat x^{(i)}$. The library's `contrastive_loss` adds an
# optional $\alpha\,(\overline{E(x)^2} + \overline{E(\hat x)^2})$ that keeps energies near zero
# (Du & Mordatch, 2019); we use it for training in section 5.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3. Checking the estimator on a grid
#
# Is the estimate right? In 2-D we can compute the **exact** gradient: take $Z$ as the grid sum,
# $\log p_\theta(x) = -E_\theta(x) - \log Z$, and let autograd differentiate the average
# log-likelihood. A tiny EBM in float64 keeps it exact to rounding. "Data" is a fixed set of 1000
# moons points; exact model samples come from $p_\theta$ on the grid (pick cells with
# probability $\propto e^{-E}$), so the only error left is Monte-Carlo error.

# %% slideshow={"slide_type": "subslide"}
set_seed(1)
tiny = EnergyMLP(dim=2, hidden=16, depth=2).double()
params = list(tiny.parameters())
grid64, area64 = grid_points(lim=3.0, n=150)
grid64 = grid64.double()  # (22500, 2)
x_data = toy2d("two_moons", 1000, seed=0).double()  # (1000, 2)


def flat_grad(scalar):
    """d scalar / d theta, all parameters flattened into one vector."""
    return torch.cat([g.reshape(-1) for g in torch.autograd.grad(scalar, params)])


def log_Z_grid():
    return torch.logsumexp(-tiny(grid64), 0) + math.log(area64)


grad_exact = flat_grad((-tiny(x_data)).mean() - log_Z_grid())  # grad_theta E_data[log p_theta]
p_grid = torch.softmax(-tiny(grid64), 0).detach()  # p_theta on the grid cells, (22500,)
print(f"{len(params)} parameter tensors, {grad_exact.numel()} numbers; |exact gradient| = "
      f"{grad_exact.norm():.4f}")

# %% slideshow={"slide_type": "skip"}
assert_close(flat_grad(log_Z_grid()), -flat_grad((p_grid * tiny(grid64)).sum()))
print("grad log Z == -E_p[grad E] on the grid: checked")

# %% [markdown] slideshow={"slide_type": "subslide"}
# The identity $\nabla_\theta \log Z = -\mathbb{E}_{p_\theta}[\nabla_\theta E_\theta]$ holds to
# rounding. Now the Monte-Carlo estimate with $N$ data and $N$ model samples, 20 repeats per $N$:

# %% slideshow={"slide_type": "fragment"}
gen = torch.Generator().manual_seed(0)
sizes = [10, 30, 100, 300, 1000, 3000, 10000]
rel_errors = []  # root-mean-square relative error per N
for n in sizes:
    squared = []
    for _ in range(20):
        xd = x_data[torch.randint(len(x_data), (n,), generator=gen)]  # x^(i) ~ p_data
        xm = grid64[torch.multinomial(p_grid, n, replacement=True, generator=gen)]  # ~ p_theta
        estimate = -flat_grad(contrastive_loss(tiny, xd, xm))
        squared.append(((estimate - grad_exact).norm() / grad_exact.norm()).item() ** 2)
    rel_errors.append(math.sqrt(np.mean(squared)))
slope = np.polyfit(np.log(sizes), np.log(rel_errors), 1)[0]
for n, err in zip(sizes, rel_errors):
    print(f"N = {n:5d}: relative error {err:.3f}")
print(f"log-log slope {slope:.2f} (1/sqrt(N) has slope -0.5)")

# %% slideshow={"slide_type": "skip"}
assert abs(slope + 0.5) < 0.1

# %% slideshow={"slide_type": "subslide"} tags=["hide-input"] jupyter={"source_hidden": true}
fig, ax = plt.subplots(figsize=(4.6, 3.4))
ax.loglog(sizes, rel_errors, "o-", label="contrastive estimate vs exact")
ax.loglog(sizes, rel_errors[0] * np.sqrt(sizes[0] / np.array(sizes)), "k--", lw=1,
          label=r"$\propto 1/\sqrt{N}$")
ax.set_xlabel("N (data samples = model samples)")
ax.set_ylabel("relative error of the gradient")
ax.legend()
savefig(fig, "02_contrastive_check")
show(fig, alt="Log-log plot of the relative error of the contrastive gradient estimate against N, "
     "the number of data and of model samples (circles on a solid line), beside a dashed "
     "reference line proportional to 1/sqrt(N). The measured errors follow the reference line: "
     "the error halves each time N grows fourfold.")

# %% [markdown] slideshow={"slide_type": "fragment"}
# The estimate is unbiased and its error falls like $1/\sqrt{N}$: the slide's estimator is right,
# **if** we can draw $\hat x \sim p_\theta$. On a grid we cheated; in general we need a sampler
# that only uses $E_\theta$, not $Z$.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4. Langevin dynamics
#
# Langevin dynamics walks downhill on the energy and adds noise:
#
# $$x_{t+1} = x_t - \eta\, \nabla_x E_\theta(x_t) + \sqrt{2\eta}\;\xi_t, \qquad
#   \xi_t \sim \mathcal{N}(0, I).$$
#
# It needs only $\nabla_x E$, never $Z$. With the noise scaled as $\sqrt{2\eta}$, the chain's
# distribution tends to $p_\theta \propto e^{-E_\theta}$ as $\eta \to 0$ and $t \to \infty$.
# Without noise it is gradient descent and every chain falls into the nearest minimum. We try it
# on an energy whose samples we know: four Gaussian wells of width $\sigma = 0.35$,
# $E(x) = -\log \sum_k e^{-|x - c_k|^2 / 2\sigma^2}$.

# %% slideshow={"slide_type": "subslide"}
centres = torch.tensor([[-1.2, -1.2], [-1.2, 1.2], [1.2, -1.2], [1.2, 1.2]])  # (4, 2)
sigma = 0.35


def four_wells(x):
    """E(x) for x (N, 2): exp(-E) is a mixture of 4 Gaussians N(c_k, sigma^2 I)."""
    d2 = ((x[:, None, :] - centres) ** 2).sum(-1)  # (N, 4) squared distances
    return -torch.logsumexp(-d2 / (2 * sigma**2), dim=1)  # (N,)


def langevin_step(energy, x, step_size, xi):
    """One step of the update above, with the noise xi given."""
    x = x.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(energy(x).sum(), x)  # grad_x E, (N, 2)
    return (x - step_size * grad + math.sqrt(2 * step_size) * xi).detach()


x0 = torch.rand(400, 2, generator=torch.Generator().manual_seed(0)) * 6 - 3  # uniform on the box
xi = torch.randn(400, 2, generator=torch.Generator().manual_seed(1))
by_hand = langevin_step(four_wells, x0, 0.01, xi)
by_library = langevin(four_wells, x0, 1, 0.01, math.sqrt(0.02),
                      generator=torch.Generator().manual_seed(1))

# %% slideshow={"slide_type": "skip"}
assert_close(by_hand, by_library)
print("one Langevin step by hand == genzoo_lite's langevin")

# %% [markdown] slideshow={"slide_type": "subslide"}
# How good are the samples? For each sample take the nearest well; exact samples have a standard
# deviation of $\sigma = 0.35$ per coordinate around it. Three settings: the right one, no noise,
# and a step too large for the wells' curvature $1/\sigma^2 \approx 8$.

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
def spread(x):
    """Per-coordinate standard deviation of x (N, 2) around each point's nearest well."""
    nearest = centres[((x[:, None, :] - centres) ** 2).sum(-1).argmin(1)]  # (N, 2)
    return ((x - nearest) ** 2).mean().sqrt().item()


settings = {"step 0.01, noise sqrt(2 step)": (0.01, math.sqrt(0.02)),
            "step 0.01, no noise": (0.01, 0.0),
            "step 0.2, noise sqrt(2 step)": (0.2, math.sqrt(0.4))}
chains = {}
for name, (step, noise) in settings.items():
    chains[name] = langevin(four_wells, x0, 300, step, noise, return_chain=True,
                            generator=torch.Generator().manual_seed(2))  # (301, 400, 2)
    print(f"{name:30s} spread {spread(chains[name][-1]):.3f}   (exact samples: {sigma})")
eta = 0.01
print(f"one well sampled with step {eta}: spread sigma / sqrt(1 - eta / (2 sigma^2)) = "
      f"{sigma / math.sqrt(1 - eta / (2 * sigma**2)):.3f}; Monte-Carlo standard error of a "
      f"spread from {len(x0)} chains: {sigma / math.sqrt(4 * len(x0)):.3f}")

# %% slideshow={"slide_type": "subslide"} tags=["hide-input"] jupyter={"source_hidden": true}
axis = np.linspace(-3, 3, 150)
with torch.no_grad():
    e_wells = four_wells(grid_points(3.0, 150)[0]).reshape(150, 150).numpy()
fig, axes = plt.subplots(1, 3, figsize=(12, 4), sharey=True)
for ax, (name, chain) in zip(axes, chains.items()):
    ax.contour(axis, axis, e_wells, levels=15, cmap="Greys", linewidths=0.7)
    ax.scatter(*chain[-1].T, s=3, c="C0", alpha=0.6)
    for k in range(3):  # three chains' first 60 steps
        ax.plot(*chain[:61, k].T, lw=0.8, c=LINE_COLOURS[k + 1])
        ax.plot(*chain[0, k], "os^"[k], c=LINE_COLOURS[k + 1], ms=6)  # start: its own marker
    ax.set_title(f"{name}\nspread {spread(chain[-1]):.2f} (target {sigma})", fontsize=10)
    ax.set_xlim(-3, 3)
    ax.set_ylim(-3, 3)
    ax.set_aspect("equal")
savefig(fig, "02_langevin")
show(fig, alt="Three panels of Langevin sampling on four wells (grey energy contours): the final "
     "positions of all chains as dots, and the first 60 steps of three chains as lines from "
     "their starting markers. Step 0.01 with noise: the chains roll into the wells and the dots "
     "form four compact clouds. Step 0.01 without noise: every chain stops at the bottom of its "
     "well, the dots collapse onto four points. Step 0.2 with noise: the paths jump back and "
     "forth across the wells and the dots scatter far too widely.")

# %% [markdown] slideshow={"slide_type": "fragment"}
# (The lines are three chains' first 60 steps, from the larger markers.) With the right noise the chains
# roll into a well and then keep jiggling with the right spread: 0.367 against 0.35, where a
# single well sampled with this step would give 0.357 (the finite step's bias) and the rest is
# about one Monte-Carlo standard error (0.009). Without noise they stop at the minima: gradient
# descent finds modes, it does not sample. With $\eta = 0.2$ each step overshoots: it moves
# $\eta/\sigma^2 = 1.6$ times the distance to the well's centre, to the other side. The samples
# are far too spread out (0.704): a finite step has a bias that grows with $\eta$. Larger still
# ($\eta = 0.5$, past the stability limit below) and the chains explode; `langevin` detects it
# instead of returning garbage:

# %% slideshow={"slide_type": "subslide"} tags=["hide-input"] jupyter={"source_hidden": true}
print(f"gradient descent on a well of width sigma is stable only for eta < 2 sigma^2 = "
      f"{2 * sigma**2:.3f}: a step multiplies the distance to the centre by |1 - eta / sigma^2|, "
      f"{abs(1 - 0.5 / sigma**2):.2f} for eta = 0.5")
try:  # (a step just past the limit, e.g. 0.3, diverges only after hundreds of steps, at a
    # step that differs from CPU to CPU; 0.5 diverges within a few dozen on every machine)
    langevin(four_wells, x0, 300, 0.5, math.sqrt(1.0), generator=torch.Generator().manual_seed(2))
except LangevinDivergedError as err:
    print(err)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Langevin, live
# Move the step size $\eta$, the noise (as a multiple of $\sqrt{2\eta}$) and the number of
# steps, for 200 chains from fixed starts. Try: no noise; a tiny step with few steps (the chains
# have not arrived yet); $\eta$ above 0.245 (divergence). (Without a widget front end, this cell
# shows a static image of the default setting.)

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
langevin_view = LangevinView(four_wells, x0[:200], max_steps=200,
                             caption=lambda x: f"spread {spread(x):.3f} (target {sigma})")
show_live(langevin_view, alt="The live view's starting picture: 200 chains after 200 Langevin "
          "steps on the four-well energy (grey shading, darker = lower), gathered in four clouds, "
          "one per well; the title gives the step size, the noise and the spread against the "
          "target.")

# %% [markdown] slideshow={"slide_type": "fragment"}
# Moving the sliders: without noise the chains slide to the four minima and the spread falls
# towards zero; a tiny step or a few steps leave them between their starts and the wells; a
# step above the stability limit makes the chains diverge, and the title says so instead of
# drawing them.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5. Training with persistent chains
#
# Every gradient step needs fresh samples $\hat x \sim p_\theta$, and $p_\theta$ changes a little
# at each step. Running Langevin from noise to convergence every time is too slow. **Persistent
# chains** (a replay buffer, as in Du & Mordatch 2019) keep the samples between steps: each step
# continues the stored chains for a few Langevin steps on the *current* energy, since the model
# moved only a little. A few of the chains drawn restart from uniform noise (the recipes'
# `reinit_prob`, printed in section 6), so that regions the chains never visit can still be
# found. One training step:

# %% slideshow={"slide_type": "subslide"}
def my_ebm_step(energy, optimizer, x_data, buffer, n_steps, step_size, alpha):
    idx, x_start = buffer.sample(len(x_data))  # stored chains (a few restarted from noise)
    x_model = langevin(energy, x_start, n_steps, step_size, math.sqrt(2 * step_size),
                       generator=buffer.generator)  # x_hat ~ p_theta, approximately
    buffer.push(idx, x_model)  # the chains persist into the next step
    e_data, e_model = energy(x_data), energy(x_model)
    loss = e_data.mean() - e_model.mean() + alpha * (e_data**2).mean() + alpha * (e_model**2).mean()
    optimizer.zero_grad()
    loss.backward()  # theta-gradient: -(the slide's estimate) + the regularizer's
    optimizer.step()
    return loss.item()


models = [EnergyMLP(dim=2, hidden=64, depth=3)]
models.append(copy.deepcopy(models[0]))  # two identical energies
optimizers = [torch.optim.Adam(m.parameters(), lr=2e-3, betas=(0.0, 0.999)) for m in models]
buffers = [ReplayBuffer(1024, generator=torch.Generator().manual_seed(0)) for _ in range(2)]
batch = toy2d("eight_gaussians", 256, seed=0)
for _ in range(3):
    my_ebm_step(models[0], optimizers[0], batch, buffers[0], 20, 0.01, alpha=0.1)
    losses = ebm_step(models[1], buffers[1], batch, langevin_steps=20, step_size=0.01, alpha=0.1)
    optimizers[1].zero_grad()  # what genzoo_lite's fit does with the returned "loss"
    losses["loss"].backward()
    optimizers[1].step()

# %% slideshow={"slide_type": "skip"}
assert_close(models[0].state_dict(), models[1].state_dict())
assert_close(buffers[0].x, buffers[1].x)
print("three training steps by hand == genzoo_lite's ebm_step")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6. Training on toy data
#
# `train_ebm` repeats that step with `genzoo_lite`'s training loop `fit` (a random batch of data
# and a few Langevin steps per step), keeping snapshots of the energy and the history of the two
# mean energies. Training takes minutes per data set on a laptop CPU, so the weights ship with
# the package; `GENZOO_RETRAIN=1` retrains them with exactly this code. Every setting is in the
# model's recipe, `RECIPES["ebm_<data set>"].settings`, printed below.

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
DATASETS = list(EBM_DATASETS)  # eight_gaussians, two_moons, rings
settings = {name: RECIPES[f"ebm_{name}"].settings for name in DATASETS}
train_sets = {name: RECIPES[f"ebm_{name}"].data({})["x"] for name in DATASETS}  # (4000, 2)
held_out = {name: toy2d(name, 2000, seed=1) for name in DATASETS}
runs = {name: load_pretrained(f"ebm_{name}") for name in DATASETS}  # {"energy", "snapshots"}
for name in DATASETS:
    s = settings[name]
    print(f"{name:16s} {s['num_steps']} steps of batch {s['batch_size']}, "
          f"{s['langevin_steps']} Langevin steps of eta = {s['step_size']}, alpha = {s['alpha']}, "
          f"{s['reinit_prob']:.0%} of the chains drawn restarted, snapshots after "
          f"{s['snapshot_at']}")
ring_width = 0.08  # the rings' radial standard deviation (genzoo_lite.core.data)
for eta in (0.01, settings["rings"]["step_size"]):
    print(f"rings, eta = {eta}: Langevin's variance across a ring is "
          f"{1 / (1 - eta / (2 * ring_width**2)):.1f}x the true one")

# %% [markdown] slideshow={"slide_type": "subslide"}
# The Langevin step must be small against the squared width of the thinnest structure. Across a
# ring (width $\sigma = 0.08$, curvature $1/\sigma^2 \approx 156$) Langevin with step $\eta$
# samples a variance $1/(1 - \eta/2\sigma^2)$ times too large (section 4's overshoot, for one
# Gaussian well): 4.6x at $\eta = 0.01$, so the rings get a smaller step (1.2x).
#
# What did training see? The mean energy of the data batch and of the chains' samples, at every
# step. The contrastive term pushes the first down and the second up.

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
fig, axes = plt.subplots(1, 3, figsize=(12, 2.8), sharey=True)
histories = {name: pretrained_history(f"ebm_{name}") for name in DATASETS}  # one entry a step
for ax, name in zip(axes, DATASETS):
    ax.plot(histories[name]["energy_data"], lw=0.6, c=LINE_COLOURS[0], label="mean E(data)")
    ax.plot(histories[name]["energy_model"], lw=0.6, ls="--", c=LINE_COLOURS[1],
            label="mean E(model samples)")
    ax.set_title(name)
    ax.set_xlabel("training step")
axes[0].legend()
show(fig, alt="Three panels, one per data set (eight_gaussians, two_moons, rings): the mean "
     "energy of the data batch (solid line) and of the model's samples (dashed line) at every "
     "training step. After a short start both fluctuate around separate levels, the samples' "
     "energy above the data's, with a steady gap between them.")
print(f"{'last 200 steps':16s} E(data)  E(samples)    sum     gap   2α(<E_d²> + <E_s²>)"
      "  2α(<E_d²> + E_s²)")
gaps = {}
for name in DATASETS:
    e_data = np.mean(histories[name]["energy_data"][-200:])
    e_model = np.mean(histories[name]["energy_model"][-200:])
    gaps[name] = e_model - e_data
    # the recorded loss minus its contrastive term is the regularizer alpha(<E_d^2> + <E_s^2>)
    regularizer = np.mean(histories[name]["loss"][-200:]) - (e_data - e_model)
    with torch.no_grad():  # <E_d^2> with the final energy, on the training set
        m2_data = runs[name]["energy"](train_sets[name]).pow(2).mean().item()
    bound = 2 * settings[name]["alpha"] * (m2_data + e_model**2)
    print(f"{name:16s} {e_data:7.3f} {e_model:10.3f} {e_data + e_model:8.3f} {gaps[name]:7.3f} "
          f"{2 * regularizer:13.3f} {bound:19.3f}")
    check_claim(abs(e_data + e_model) < 0.02, f"{name}: the curves mirror each other within 0.02")
    check_claim(abs(2 * regularizer - gaps[name]) < 0.02 * gaps[name],
                f"{name}: the gap equals twice the recorded regularizer within 2 %")
    check_claim(gaps[name] > bound, f"{name}: the gap exceeds the regularizer's share")

# %% [markdown] slideshow={"slide_type": "subslide"}
# **What the curves show.** They are mirror images around 0 (the column "sum" is at most 0.009
# away from 0), and they do not meet: a gap of 0.962 to 1.942 remains. Both follow from the
# loss, which is the contrastive term *plus* the regularizer
# $\alpha(\overline{E_d^2} + \overline{E_s^2})$ ($d$: data batch, $s$: the chains' samples). Where
# training settles, the loss (with the samples held fixed, as in the loss) must be flat on
# average along two directions that any network with a final linear layer has:
# * shifting $E$ by a constant $c$ (the last bias) leaves $p_\theta$ and the contrastive term
#   unchanged and changes the regularizer by $2\alpha c\,(\bar E_d + \bar E_s)$ to first
#   order: so $\bar E_d + \bar E_s = 0$, the mirror image;
# * scaling $E$ by $1 + \epsilon$ (the last weights and bias) changes the loss by
#   $\epsilon\,[(\bar E_d - \bar E_s) + 2\alpha(\overline{E_d^2} + \overline{E_s^2})]$ to first
#   order: so the gap is $\bar E_s - \bar E_d = 2\alpha(\overline{E_d^2} + \overline{E_s^2}) > 0$.
#
# The recorded loss confirms the second: the loss minus its contrastive term is the regularizer,
# and twice it (the column $2\alpha(\overline{E_d^2} + \overline{E_s^2})$) equals the gap within
# 2 % on all three sets.
#
# %% [markdown] slideshow={"slide_type": "subslide"}
# Without the regularizer ($\alpha = 0$) the second condition makes the curves meet wherever
# training settles, even for an imperfect network; with it they cannot. But the regularizer
# alone asks for a gap of at least $2\alpha(\overline{E_d^2} + \bar E_s^2)$, the last column, far
# below the gap: the rest, the difference of the last two columns, is $2\alpha\,\mathrm{Var}(E_s)$
# (as $\overline{E_s^2} = \bar E_s^2 + \mathrm{Var}(E_s)$), some samples sitting at far higher
# energy than the data. Are the samples from $p_\theta$ at all, or chains that lag behind it
# (short-run MCMC)? Test it on the final energies: chains from the same uniform starts, run for
# one training update's Langevin steps, five and twenty times as many, and 500 steps (the
# samples drawn below), against exact samples of the box density $p_\theta$ on the grid (as in
# section 3).

# %% slideshow={"slide_type": "subslide"} tags=["hide-input"] jupyter={"source_hidden": true}
multiples = [1, 5, 20]  # times the Langevin steps of one training update
far = 0.2  # a sample farther than this from every held-out point is off the data
start = torch.rand(1000, 2, generator=torch.Generator().manual_seed(4)) * 6 - 3  # uniform
points300, area300 = grid_points(3.0, 300)
fresh, exacts, gap_se, gap_5x = {}, {}, {}, {}  # name -> the chains' 501 states (501, 1000, 2)
for name in DATASETS:
    energy, s = runs[name]["energy"], settings[name]
    fresh[name] = langevin(energy, start, 500, s["step_size"], math.sqrt(2 * s["step_size"]),
                           generator=torch.Generator().manual_seed(5), return_chain=True)
    lengths = [m * s["langevin_steps"] for m in multiples] + [500]
    with torch.no_grad():  # exact samples: grid cells drawn with probability exp(-E) / Z
        p_cells = torch.softmax(-energy(points300), 0)
    cells = torch.multinomial(p_cells, 1000, replacement=True,
                              generator=torch.Generator().manual_seed(6))
    jitter = (torch.rand(1000, 2, generator=torch.Generator().manual_seed(7)) - 0.5)
    exact = points300[cells] + jitter * math.sqrt(area300)  # (1000, 2), uniform in each cell
    exacts[name] = exact
    with torch.no_grad():
        e_held_out = energy(held_out[name]).mean()
        gap = [(energy(x).mean() - e_held_out).item() for x in [*fresh[name][lengths], exact]]
    off = [(torch.cdist(x, held_out[name]).min(1).values > far).float().mean().item()
           for x in [*fresh[name][lengths], exact]]
    print(f"{name} (training gap {gaps[name]:.3f})\n  {'Langevin steps':22s}"
          + "".join(f"{n:>7d}" for n in lengths) + "  exact p_theta")
    print(f"  {'E(samples) - E(data)':22s}" + "".join(f"{g:7.3f}" for g in gap))
    print(f"  {f'off the data (> {far})':22s}" + "".join(f"{o:7.1%}" for o in off))
    check_claim(gap[0] > gap[1] > gap[2] and off[0] > off[1] > off[2],
                f"{name}: longer chains lower the gap and the share off the data")
    # 0.15: over two and a half Monte-Carlo standard errors of eight_gaussians' 5x gap (printed
    # below), as its training gap lies within the noise of that column
    check_claim(gap[2] < gaps[name] < gap[1] + 0.15,
                f"{name}: training's gap lies between 20x and about 5x one update's chains")
    with torch.no_grad():
        gap_se[name] = energy(fresh[name][lengths[1]]).std().item() / math.sqrt(len(start))
    gap_5x[name] = gap[1]
print("Monte-Carlo standard error of a gap, 5x column: "
      + ", ".join(f"{name} {se:.3f}" for name, se in gap_se.items()))
check_claim(abs(gaps["eight_gaussians"] - gap_5x["eight_gaussians"])
            < 2 * gap_se["eight_gaussians"],
            "eight_gaussians: the training gap lies within the noise of the 5x column")
samples = {name: fresh[name][-1] for name in DATASETS}  # the 500-step chains, (1000, 2)
angles = torch.arange(8) * math.pi / 4  # eight_gaussians: modes at radius 2, data spread 0.2


def mode_spread(x):
    """Per-coordinate standard deviation of x (N, 2) around each point's nearest mode."""
    modes = 2.0 * torch.stack([angles.cos(), angles.sin()], dim=1)  # (8, 2)
    return ((x - modes[torch.cdist(x, modes).argmin(1)]) ** 2).mean().sqrt().item()


spreads = {"exact p_theta": mode_spread(exacts["eight_gaussians"]),
           "held-out data": mode_spread(held_out["eight_gaussians"])}
print("eight_gaussians, spread around the nearest mode: "
      + ", ".join(f"{k} {v:.3f}" for k, v in spreads.items()))
check_claim(spreads["exact p_theta"] > 1.1 * spreads["held-out data"],
            "eight_gaussians: the box density is more spread than the data")

# %% [markdown] slideshow={"slide_type": "subslide"}
# **What the test shows.** From 20 to 400 steps, longer chains from the same starts lower the
# samples' energy and put fewer of them off the data, on all three sets: the gap falls from
# 2.333 to 0.582 (eight_gaussians), 3.382 to 1.583 (two_moons) and 2.688 to 1.510 (rings), and
# the share off the data from 40.3 % to 13.3 %, 51.8 % to 23.5 % and 41.7 % to 21.5 %. Exact
# samples of the box densities do much better. On two_moons and rings they have a gap of 0.097
# and -0.047 and only about 2 % of them are off the data: there the energies fit the data, and
# the gap of training (1.942 and 1.752) is almost all the sampler's. 20 Langevin steps per
# update on persistent chains give samples that lag behind $p_\theta$, as if they had run about
# 100 (eight_gaussians) to a few hundred (two_moons, rings) steps from noise on the final energy:
# the training gaps lie between the 100- and 400-step columns, on eight_gaussians within the
# Monte-Carlo noise of the 100-step one.
#
# On eight_gaussians exact samples keep a gap of 0.348: $p_\theta$ itself differs from the data.
# The sign says how. A positive gap means the model's own samples sit at higher energy than the
# data, so $p_\theta$ puts mass where the data are sparse: it is **more spread** than the data
# (0.281 against 0.201 around the nearest mode, and 4.9 % of its exact samples off the data).

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The learned densities
# The learned box density $e^{-E_\theta(x)}/Z_B$ on $[-3, 3]^2$, and the 500-step Langevin
# samples from above over the held-out data (grey).

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
def density_image(energy, lim=3.0, n=150):
    """The box density exp(-E) / Z_B on [-lim, lim]^2 as an (n, n) image."""
    points = grid_points(lim, n)[0]
    return box_log_prob(lambda x: -energy(x), points, lim=lim, n=n)[0].exp().reshape(n, n).numpy()


fig, axes = plt.subplots(2, 3, figsize=(7.2, 4.6))
for col, name in zip(axes.T, DATASETS):
    image = col[0].imshow(density_image(runs[name]["energy"]), origin="lower",
                          extent=(-3, 3, -3, 3))
    fig.colorbar(image, ax=col[0], ticks=[], label="bright = high", fraction=0.046, pad=0.03)
    col[1].scatter(*held_out[name][:1000].T, s=2, c="0.75")
    col[1].scatter(*samples[name].T, s=7, c=LINE_COLOURS[1], marker="x", linewidths=0.5)
    col[0].set_title(name)
axes[0, 0].set_ylabel("learned density\n(on the box)")
axes[1, 0].set_ylabel("Langevin samples (x)\nheld-out data (grey dots)")
for ax in axes.flat:
    ax.set(xlim=(-3, 3), ylim=(-3, 3), aspect="equal", xticks=[], yticks=[])
fig.tight_layout()
savefig(fig, "02_ebm_toy")
show(fig, alt="Top row: the learned box density for each data set (bright = high): eight bright "
     "spots on a circle, two crescent moons, and three concentric rings with the centre partly "
     "filled in. Bottom row: the Langevin samples (crosses) over the held-out data (grey dots): "
     "the samples follow the modes, the moons and the rings, with some stray samples off the "
     "data.")
radius = points300.norm(dim=1)  # rings: the mass inside the inner ring (radius 0.5)
p_rings = box_log_prob(lambda x: -runs["rings"]["energy"](x), points300)[0].exp() * area300
print(f"rings, mass within radius 0.3 of the centre: EBM {p_rings[radius < 0.3].sum():.1%}, "
      f"held-out data {(held_out['rings'].norm(dim=1) < 0.3).float().mean():.1%}")
outside = {name: (samples[name].abs() > 3).any(1).float().mean().item() for name in DATASETS}
print("500-step chains outside the plotted box: "
      + ", ".join(f"{name} {share:.1%}" for name, share in outside.items()))

# %% [markdown] slideshow={"slide_type": "subslide"}
# The densities find all eight modes, both moons and all three rings, though the inner ring is
# partly filled in: 3.3 % of the EBM's mass lies within radius 0.3 of the centre, where the
# held-out data have 0.2 %. The samples follow the data, apart from the stray chains that the
# table above counts as off the data, and some are not in the picture at all: 9.8 %, 13.2 % and
# 13.8 % of the chains are outside the box.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Outside the box
# Training only sees where its chains go; they start and restart uniformly on the box, and
# nothing in the loss asks for high energy far beyond it, so the energy there is whatever the
# network extrapolates. What does it do there? The lowest energy over 720 directions at radius
# $r$, and where the chains go when they run longer:

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
radii = [3, 6, 10, 20, 50]
directions = torch.arange(720) * math.pi / 360  # every half degree
ray = torch.stack([directions.cos(), directions.sin()], dim=1)  # (720, 2) unit vectors
print(f"{'lowest E at radius r':18s}" + "".join(f"{r:>8d}" for r in radii) + "  mean E(data)")
lowest = {}
for name in DATASETS:
    with torch.no_grad():
        lowest[name] = [runs[name]["energy"](r * ray).min().item() for r in radii]
        e_data = runs[name]["energy"](held_out[name]).mean().item()
    print(f"{name:18s}" + "".join(f"{e:8.2f}" for e in lowest[name]) + f"{e_data:10.2f}")
    steps = list(zip(lowest[name][1:], lowest[name][2:]))  # from r = 6 outward
    if name == "eight_gaussians":
        check_claim(all(a > b for a, b in steps) and lowest[name][-1] < e_data - 20,
                    f"{name}: the lowest energy falls without bound beyond r = 6")
    else:
        check_claim(all(a < b for a, b in steps), f"{name}: the lowest energy grows beyond r = 6")
with torch.no_grad():
    worst = runs["eight_gaussians"]["energy"](50 * ray).argmin().item()
print(f"eight_gaussians: at r = 50 the lowest energy lies at {worst / 2:.0f} degrees")
print(f"{'chains outside the box':30s} after  500   1000   2000   3000 steps")
for name in DATASETS:  # continue the 500-step chains of above on the same energy
    energy, eta, g = runs[name]["energy"], settings[name]["step_size"], torch.Generator()
    states = [samples[name]]
    for n_more in (500, 1000, 1000):
        states.append(langevin(energy, states[-1], n_more, eta, math.sqrt(2 * eta),
                               generator=g.manual_seed(len(states))))
    share = [(x.abs() > 3).any(1).float().mean().item() for x in states]
    print(f"  {name:34s}" + "".join(f"{v:7.1%}" for v in share))
    if name == "eight_gaussians":
        check_claim(share[1] < share[2] < share[3], f"{name}: longer chains leave the box more")
    else:
        check_claim(share[3] < share[1], f"{name}: chains that leave the box come back")

# %% [markdown] slideshow={"slide_type": "subslide"}
# On two_moons and rings the energy grows with the distance: $e^{-E_\theta}$ has a finite
# integral over the plane, and chains that wander off come back (fewer are outside the box
# after 3000 steps than after 1000). On eight_gaussians it **falls without bound** along one
# valley that runs out past the south-west mode, from 0.25 at $r = 6$ to -32.64 at $r = 50$. Then
# $\int_{\mathbb{R}^2} e^{-E_\theta}\,dx = \infty$: there is no $Z(\theta)$, and
# $e^{-E_\theta}/Z$ is no density on the plane. Langevin samples $e^{-E_\theta}$ wherever it
# is, so its chains drift down that valley, and the longer they run the more of them leave the
# box (from 13.3 % after 1000 steps to 21.5 % after 3000): for this energy longer chains give
# *worse* samples.
#
# What it means: an energy trained on samples from a bounded region defines a density only on
# that region. The model here is the box density of section 1: it is what the exact samples
# above, the density plots and the log-likelihoods below use. Sampling it with Langevin needs
# chains kept in the box (reflected at its walls); making the energy normalizable on the plane
# needs a confining term, such as adding $|x|^2 / 2s^2$ for a wide $s$, during training.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Snapshots of the energy over training
# The energy $E_\theta$ (dark = low) after 25, 100, 400, 1000 and 2000 training steps.

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
fig, axes = plt.subplots(3, 5, figsize=(8.2, 5))
points150 = grid_points(3.0, 150)[0]
for row, name in zip(axes, DATASETS):
    run, s = runs[name], settings[name]
    stages = [*zip(s["snapshot_at"], run["snapshots"]), (s["num_steps"], run["energy"])]
    for ax, (it, snapshot) in zip(row, stages):
        with torch.no_grad():
            e = snapshot(points150).reshape(150, 150).numpy()
        ax.imshow(e, origin="lower", extent=(-3, 3, -3, 3), cmap="magma")
        ax.set(xticks=[], yticks=[])
        if name == DATASETS[0]:
            ax.set_title(f"step {it}", fontsize=10)
    row[0].set_ylabel(name, fontsize=9)
fig.tight_layout(pad=0.3)
fig.text(0.5, -0.01, "energy: dark = low (likely), bright = high", ha="center", va="top")
savefig(fig, "02_ebm_snapshots")
show(fig, alt="A grid of energy maps (dark = low), one row per data set and one column per "
     "snapshot of training. Each row starts from one broad dark blob that sharpens over training "
     "into the data's shape: eight dark spots on a circle, two interlocking dark moons, and dark "
     "rings.")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Held-out log-likelihood against the baselines of notebook 01
# Average negative log-likelihood (nats per point, lower is better) of 2000 held-out points,
# every model as a density on the box $[-3, 3]^2$ (all held-out points lie in it): the EBM's
# $e^{-E_\theta}/Z_B$, and the maximum-likelihood Gaussian, an 8-component GMM fitted by
# notebook 01's EM (the best of five starts by training log-likelihood, notebook 00's fix for
# local optima) and a 32-component GMM (scikit-learn's EM), each divided by its own mass on
# the box. `box_log_prob` does all four with the same 300 x 300 grid.

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
def box_nll(log_density, x, n=300):
    """Average -log p_B(x) of the density restricted to [-3, 3]^2, and log of its mass there."""
    log_p, log_z = box_log_prob(log_density, x, lim=3.0, n=n)
    return -log_p.mean().item(), log_z


print(f"{'data set':16s}   EBM   Gaussian  GMM k=8  GMM k=32   (held-out NLL on the box)")
nll, box_mass, grid_change, restart_nll = {}, {}, 0.0, {}
for name in DATASETS:
    x_train, x_val, energy = train_sets[name], held_out[name], runs[name]["energy"]
    mu, cov = fit_gaussian(x_train)
    restarts = [fit_gmm(x_train, k=8, n_iter=100, seed=seed) for seed in range(5)]
    # keep the best start by training log-likelihood; starts within 0.01 nats/point of it tie
    # (their last digits differ between CPUs), and the first of them wins
    top = max(fit.log_likelihoods[-1] for fit in restarts)
    gmm8 = next(fit for fit in restarts if fit.log_likelihoods[-1] > top - 0.01)
    restart_nll[name] = [box_nll(fit.log_prob, x_val)[0] for fit in restarts]
    gmm32 = GaussianMixture(32, random_state=0).fit(x_train.double().numpy())
    models = {"EBM": lambda x, e=energy: -e(x),  # log of exp(-E), unnormalized
              "Gaussian": lambda x, m=mu, c=cov: gaussian_log_prob(x, m, c),
              "GMM": gmm8.log_prob,
              "GMM32": lambda x, g=gmm32: torch.from_numpy(g.score_samples(x.double().numpy()))}
    nll[name] = {}
    for model, log_density in models.items():
        nll[name][model], log_mass = box_nll(log_density, x_val)
        if model != "EBM":
            box_mass[name, model] = math.exp(log_mass)
    print(f"{name:16s} " + "".join(f"{v:8.3f} " for v in nll[name].values()))
    grid_change = max(grid_change, abs(box_nll(models["EBM"], x_val, n=600)[0] - nll[name]["EBM"]))
    check_claim(nll[name]["EBM"] < nll[name]["Gaussian"] and nll[name]["GMM32"] < nll[name]["EBM"],
                f"{name}: GMM32 < EBM < Gaussian in held-out NLL")
check_claim(nll["rings"]["EBM"] < nll["rings"]["GMM"], "rings: the EBM beats the 8-component GMM")
gains = [nll[name]["Gaussian"] - nll[name]["EBM"] for name in DATASETS]
print(f"the EBM beats the Gaussian by {min(gains):.2f} to {max(gains):.2f} nats/point; a 600 x 600 "
      f"grid changes its NLL by at most {grid_change:.4f}")
print("eight_gaussians, held-out NLL of the five EM starts for k = 8: "
      + ", ".join(f"{v:.3f}" for v in restart_nll["eight_gaussians"]))
check_claim(sum(v > nll["eight_gaussians"]["EBM"] + 0.02 for v in restart_nll["eight_gaussians"])
            == 2, "eight_gaussians: two of the five EM starts stop where the EBM beats them")
mass_gauss = min(m for (_, model), m in box_mass.items() if model == "Gaussian")
mass_gmm = min(m for (_, model), m in box_mass.items() if model != "Gaussian")
print(f"the baselines' least mass on the box: Gaussian {mass_gauss:.3f} (eight_gaussians), GMMs "
      f"{mass_gmm:.4f}; normalizing on the box lowers an NLL by at most "
      f"{-math.log(mass_gauss):.2f} and {-math.log(mass_gmm):.4f}")
for (name, model), m in box_mass.items():
    check_claim(-math.log(m) < 0.5 * abs(nll[name][model] - nll[name]["EBM"]),
                f"{name}, {model}: the box's share of its NLL is small against its gap to the EBM")
angle = torch.atan2(points300[:, 1], points300[:, 0])  # eight_gaussians: mass of each mode
mode = torch.round(angle / (math.pi / 4)).long() % 8  # (90000,) the nearest of the 8 directions
p_cells = box_log_prob(lambda x: -runs["eight_gaussians"]["energy"](x), points300)[0].exp() * area300
mass = torch.zeros(8, dtype=p_cells.dtype).index_add_(0, mode, p_cells)
print(f"eight_gaussians: the EBM gives its modes {mass.min():.3f} to {mass.max():.3f} of the mass "
      f"(the data: {1 / 8} each)")

# %% [markdown] slideshow={"slide_type": "subslide"}
# The EBM beats the single Gaussian on all three data sets, by 0.52 to 1.64 nats per point.
# Against the 8-component GMM it loses on eight_gaussians (1.849 vs 1.712: there the GMM is the
# true model family, while the EBM is more spread than the data, as the exact samples showed,
# and gives its eight modes 0.097 to 0.146 of the mass instead of 0.125 each) and on two_moons
# (1.857 vs 1.804), and it wins on rings (2.309 vs 2.703), where eight ellipses cannot follow
# three circles. With 32 components the GMM beats the EBM on all three, on rings with 1.961: in
# 2-D a mixture is hard to beat, once EM finds a good optimum. The restarts matter: on
# eight_gaussians two of the five starts stop at 1.879 and 1.877, and there the EBM would win.
#
# On the box the baselines lose little: their mass there is at least 0.931 (the Gaussian on
# eight_gaussians) and 0.9996 for the GMMs, so normalizing them on the box lowers their NLL by
# at most 0.07 nats for the Gaussian and 0.0004 for the GMMs, far less than each baseline's gap
# to the EBM. The EBM's appeal is that the same recipe, a contrastive gradient with Langevin
# samples, works for any energy network in any dimension; only the grid that normalizes it here
# is limited to 2-D (a 600 x 600 grid changes the NLL by at most 0.0002).

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7. Abnormality detection: detect unlikely events
#
# A density ranks events by how likely they are, and for *ranking* the energy alone suffices:
# $\log p_\theta(x) = -E_\theta(x) - \log Z_B$, and $\log Z_B$ is the same for every $x$ in the
# box. So an EBM flags unusual inputs without ever computing $Z_B$. Mix the 2000 held-out two-moons points with
# 200 points uniform on the box, and flag every point whose energy is above the 99th percentile
# of the training points' energies.

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
moons = runs["two_moons"]["energy"]
odd = torch.rand(200, 2, generator=torch.Generator().manual_seed(6)) * 6 - 3
with torch.no_grad():
    threshold = torch.quantile(moons(train_sets["two_moons"]), 0.99).item()
    e_normal, e_odd = moons(held_out["two_moons"]), moons(odd)
scores = torch.cat([e_normal, e_odd]).numpy()
is_odd = np.r_[np.zeros(len(e_normal)), np.ones(len(e_odd))]
print(f"AUROC of the energy as an abnormality score: {roc_auc_score(is_odd, scores):.3f}")
print(f"flagged: {(e_odd > threshold).float().mean():.1%} of the uniform points, "
      f"{(e_normal > threshold).float().mean():.1%} of the held-out moons")
away = torch.cdist(odd, train_sets["two_moons"]).min(1).values > far  # (200,) off the moons
auroc_away = roc_auc_score(is_odd[: len(e_normal) + int(away.sum())],
                           torch.cat([e_normal, e_odd[away]]).numpy())
print(f"without the {int((~away).sum())} uniform points within {far} of a training point: "
      f"AUROC {auroc_away:.4f}, {(e_odd[away] > threshold).float().mean():.1%} flagged")

# %% slideshow={"slide_type": "subslide"} tags=["hide-input"] jupyter={"source_hidden": true}
fig, ax = plt.subplots(figsize=(4.6, 4.6))
with torch.no_grad():
    e_map = moons(points150).reshape(150, 150).numpy()
ax.imshow(e_map, origin="lower", extent=(-3, 3, -3, 3), cmap="magma", alpha=0.8)
ax.contour(axis, axis, e_map, levels=[threshold], colors="w", linewidths=1)
ax.scatter(*held_out["two_moons"][:500].T, s=2, c="C0", label="held-out moons")
flag = (e_odd > threshold).numpy()
ax.scatter(*odd[flag].T, s=12, marker="x", c="C3", label="uniform, flagged")
ax.scatter(*odd[~flag].T, s=16, marker="+", c="C2", label="uniform, not flagged")
ax.set(xlim=(-3, 3), ylim=(-3, 3), aspect="equal", title="energy (dark = low), threshold (white)")
ax.legend(loc="lower left", fontsize=7)
savefig(fig, "02_abnormality")
show(fig, alt="The two-moons energy (dark = low) with the threshold as a white contour around "
     "both moons. Held-out moon points (dots) lie inside it; uniform points flagged as abnormal "
     "(crosses) lie outside; the few uniform points not flagged (pluses) lie on or next to a "
     "moon.")

# %% [markdown] slideshow={"slide_type": "fragment"}
# 79 % of the uniform points are flagged at a false-alarm rate of 1.3 % on normal points. The
# missed ones (green +) lie on or right next to a moon: under the data distribution they are not
# unusual, so no detector could flag them, and that overlap is nearly all of the gap between the
# AUROC of 0.951 and 1. Without the 61 uniform points within 0.2 of a training point the AUROC is
# 0.9999, and 100 % of the rest are flagged.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
# * An EBM is any energy $E_\theta(x)$; $p_\theta = e^{-E_\theta}/Z(\theta)$, and $Z(\theta)$ is
#   an integral we cannot compute outside toy dimensions. Nor need it be finite: an energy
#   trained on a box may fall without bound outside it, so here every density is defined and
#   compared on the box.
# * The log-likelihood gradient is $-\mathbb{E}_\text{data}[\nabla_\theta E] +
#   \mathbb{E}_{p_\theta}[\nabla_\theta E]$: $Z$ disappears, but we need samples from the model.
#   With exact samples the Monte-Carlo estimate matches the exact gradient, with an error
#   $\propto 1/\sqrt N$.
# * Langevin dynamics, $x \leftarrow x - \eta\nabla_x E + \sqrt{2\eta}\,\xi$, samples
#   $e^{-E}$ using only $\nabla_x E$. No noise finds modes only; too large a step spreads the
#   samples or diverges.
# * Training alternates a few Langevin steps on persistent chains with a contrastive gradient
#   step. The mean energies of data and samples stay apart: the energy regularizer requires a
#   gap, and the short-run chains lag behind $p_\theta$. Exact samples of the box densities
#   close most of the gap on two_moons and rings; longer chains help up to a point, but on an
#   energy with no finite $Z$ they drift away from the data.
# * Energies rank inputs by likelihood without $Z$: abnormality detection.

# %% [markdown] slideshow={"slide_type": "skip"}
# ## Exercises
# Each exercise has a cell to edit and a self-check that says what is wrong. Exercises 1 and 2
# use an energy that is linear in $\theta$, $E_\theta(x) = \theta^\top \phi(x)$ with a feature
# map $\phi: \mathbb{R}^2 \to \mathbb{R}^J$ (`features(x)` returns (N, J)): an exponential
# family, where $Z(\theta)$ on the grid is all we need.
#
# **Exercise 1 (warm-up).** Return $\nabla_\theta \log Z(\theta)$ on the grid
# `grid_points(lim, n)` as $-\mathbb{E}_{p_\theta}[\nabla_\theta E_\theta]$ (section 2), a (J,)
# tensor, without calling autograd (the check refuses it inside your function). The check
# compares it with autograd's gradient of the grid's $\log Z$.

# %% slideshow={"slide_type": "skip"}
def exercise_grad_log_partition(features, theta, lim, n):
    """d log Z / d theta for E_theta(x) = features(x) @ theta, Z on grid_points(lim, n): (J,)."""
    # YOUR CODE HERE
    raise NotImplementedError()


checks.check_grad_log_partition(exercise_grad_log_partition)

# %% [markdown] slideshow={"slide_type": "skip"}
# **Exercise 2.** Differentiate once more: derive the Hessian $\nabla^2_\theta \log Z(\theta)$
# (J, J) by hand (the weights $p_\theta(x_g)$ depend on $\theta$ too) and compute it on the
# grid, again without autograd. What does it say about the shape of the log-likelihood as a
# function of $\theta$, and so about what gradient ascent can find for an exponential family?

# %% slideshow={"slide_type": "skip"}
def exercise_hessian_log_partition(features, theta, lim, n):
    """d^2 log Z / d theta^2 for E_theta(x) = features(x) @ theta on grid_points(lim, n): (J, J)."""
    # YOUR CODE HERE
    raise NotImplementedError()


checks.check_hessian_log_partition(exercise_hessian_log_partition)

# %% [markdown] slideshow={"slide_type": "skip"}
# **Exercise 3.** Section 4 found that a finite step $\eta$ widens the samples of a well of
# width $\sigma$ to $\sigma / \sqrt{1 - \eta / (2\sigma^2)}$. For the energy
# $E(x) = \sum_d x_d^2 / (2\sigma_d^2)$, whose wells have a different width $\sigma_d$ per
# coordinate, return the largest step for which every coordinate's spread is at most
# $(1 + \text{tol})\,\sigma_d$.

# %% slideshow={"slide_type": "skip"}
def exercise_max_step_size(sigmas, tol):
    """Largest Langevin step keeping every coordinate's spread within (1 + tol) sigma_d."""
    # YOUR CODE HERE
    raise NotImplementedError()


checks.check_max_step_size(exercise_max_step_size)

# %% [markdown] slideshow={"slide_type": "skip"}
# **Exercise 4 (open).** How well does Langevin move *between* modes? Start all 400 chains at
# the top-right well of `four_wells`, `x_start = centres[3].repeat(400, 1)`, run
# `langevin(four_wells, x_start, 300, 0.01, math.sqrt(0.02),
# generator=torch.Generator().manual_seed(0))` and count the chains nearest to each well; exact
# samples would put about 100 in each. Run it again with 3000 steps (about 10 s), and then
# sample $e^{-E/2}$ (temperature 2: pass `lambda x: four_wells(x) / 2`) for 3000 steps. How do
# the counts change with the number of steps and with the temperature, and why? What would
# chains like these do to the model term of the contrastive gradient during training?
