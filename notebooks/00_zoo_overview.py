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
# *Generative Model Zoo, part II: the whole lecture on one page.*
#
# **You will learn**
# 1. the lecture's taxonomy: explicit densities (normalized or not), latent-variable models,
#    autoregressive models, and implicit models;
# 2. what an implicit model (a small GAN) can and cannot tell you, and what four models' samples
#    of the same toy data reveal: EM's local optima (and the restarts that fix them), a GAN's
#    bridges between modes;
# 3. how every density model of the lecture scores on **one** test set, and which of those
#    numbers are exact and which are only bounds;
# 4. what their samples look like side by side, and where each notebook goes deeper.
#
# The models were trained in notebooks 01 to 05; here they are loaded from the weights shipped
# with `genzoo_lite`, or fitted on the spot when that takes a second.

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

from genzoo_lite import RECIPES, best_time, density_contour, image_grid, load_digits
from genzoo_lite import check_claim, load_pretrained, pretrained_history, savefig, set_seed, toy2d
from genzoo_lite.exercises import zoo as checks
from genzoo_lite.models.ebm import langevin
from genzoo_lite.models.digits_gan import generate
from genzoo_lite.models.gaussian import discretized_gaussian_log_prob, fit_gmm
from genzoo_lite.sample_quality import DigitQuality

set_seed(0)
torch.set_num_threads(1)  # every model here is small: one thread is faster than two
plt.rcParams["figure.dpi"] = 80

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. The taxonomy
#
# | family | model here | what it gives | sampling | notebook |
# |---|---|---|---|---|
# | explicit, normalized | Gaussian, mixture of Gaussians | exact $p_\theta(x)$ | ancestral, one step | 01 |
# | explicit, unnormalized | energy-based model $e^{-E_\theta(x)}/Z(\theta)$ | $E_\theta(x)$; $Z$ only in 2-D | Langevin MCMC | 02 |
# | latent variable | VAE $\int p_\theta(x\mid z)p(z)\,dz$ | a lower bound (ELBO, IWAE) | one decoder pass | 03 |
# | autoregressive, non-parametric | Efros–Leung | no number; a sampler of $P(p \mid N(p))$ | pixel by pixel | 04 |
# | autoregressive | PixelCNN $\prod_i P(p_i \mid p_{<i})$ | exact $P(x)$ | pixel by pixel | 05 |
# | latent + autoregressive | VQ-VAE-2 | exact $P$ of the codes | code by code, then decode | 06 |
# | implicit | GAN $x = G_\theta(z)$ | nothing | one generator pass | here |
#
# Two terms of the table in one line each:
# * **Langevin MCMC**: gradient descent on the energy plus Gaussian noise; the noise makes the
#   chain wander over $e^{-E_\theta(x)}$ instead of stopping at its minima
#   ([02 · Energy-based models](02_ebm.ipynb), section 4).
# * **ELBO, IWAE**: two lower bounds on a VAE's $\log p_\theta(x)$; IWAE averages $k$ importance
#   weights and gets tighter as $k$ grows ([03 · VAE](03_vae.ipynb), sections 2 and 7).

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. Implicit models: a GAN samples but has no likelihood
# A generator $G_\theta$ maps noise $z \sim \mathcal{N}(0, I)$ to points; a discriminator
# $D_\phi$ learns to tell them from data, and $G_\theta$ learns to fool it:
# $$\min_G \max_D\; \mathbb{E}_{x\sim p_\text{data}}[\log D(x)] +
#   \mathbb{E}_{z}[\log(1 - D(G(z)))].$$
# Below, the GAN beside held-out data and two explicit models of notebooks 01 and 02, all on the
# same eight Gaussians: a mixture of $k = 8$ Gaussians fitted by EM, and the energy-based model
# sampled by 500 Langevin steps from uniform starting points.

# %% slideshow={"slide_type": "fragment"}
data = RECIPES["gan_eight_gaussians"].data({})["x"]  # the GAN's training set, (5000, 2)
held_out = toy2d("eight_gaussians", 2000, seed=1)
gan = load_pretrained("gan_eight_gaussians")  # {"generator", "discriminator"}
gen = torch.Generator().manual_seed(0)
samples_2d = {"data": held_out[:1000], "GAN": gan["generator"].sample(1000, generator=gen)}
gmm = fit_gmm(data, k=8, n_iter=100, seed=0)
samples_2d["GMM (k = 8)"] = gmm.sample(1000, generator=gen).float()
ebm = load_pretrained("ebm_eight_gaussians")  # trained in notebook 02
step = RECIPES["ebm_eight_gaussians"].settings["step_size"]  # its Langevin eta in training
start = torch.rand(1000, 2, generator=gen) * 6 - 3
samples_2d["EBM (Langevin)"] = langevin(ebm["energy"], start, 500, step, math.sqrt(2 * step),
                                        generator=gen)
print(f"GMM held-out log-likelihood: {gmm.log_prob(held_out).mean().item():.3f} nats/point")
print("GAN held-out log-likelihood: not defined; the generator has no density to evaluate")

angles = torch.arange(8) * math.pi / 4
modes = 2 * torch.stack([angles.cos(), angles.sin()], dim=1)  # toy2d's 8 centres, (8, 2)
on_mode = 3 * 0.2  # within 3 standard deviations (toy2d's 0.2) of a centre: on that mode


def nearest_mode(points):
    """Distance to the nearest of the eight centres, and which one: (N,), (N,)."""
    return torch.cdist(points.float(), modes).min(dim=1)

# %% [markdown] slideshow={"slide_type": "fragment"}
# The four samplers side by side, on the same axes; red points lie farther than $3\sigma = 0.6$
# from every mode's centre.

# %% slideshow={"slide_type": "fragment"}
fig, axes = plt.subplots(1, 4, figsize=(13, 3.4), sharex=True, sharey=True)
for ax, (name, points) in zip(axes, samples_2d.items()):
    far = nearest_mode(points)[0] > on_mode
    ax.scatter(*points[~far].T, s=2, c="C0" if name == "data" else "C1")
    ax.scatter(*points[far].T, s=2, c="C3")
    ax.set_title(name)
    ax.set_aspect("equal")
    ax.set_xlim(-3, 3)
    ax.set_ylim(-3, 3)
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# Do they all put their points on the eight modes? Count, for each sampler, the samples on its
# least-visited mode, the share far from every mode, and the share outside the plotted square;
# and for the GMM, which component explains each mode's centre (the largest responsibility there).

# %% slideshow={"slide_type": "fragment"}
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
owner = gmm.responsibilities(modes).argmax(dim=1)  # the component explaining each centre, (8,)
modes_per_component = torch.bincount(owner, minlength=8)
print(f"GMM: modes explained by each of its 8 components: {modes_per_component.tolist()}")
check_claim(min(fewest.values()) > 0, "every sampler reaches all eight modes")
check_claim(max(far_share, key=far_share.get) == "EBM (Langevin)",
            "the EBM leaves the largest share far from the modes")
check_claim(all(far_share[name] > 5 * far_share["data"] for name in samples_2d if name != "data"),
            "every sampler puts over 5x the data's share far from every mode")

# %% [markdown] slideshow={"slide_type": "fragment"}
# Every sampler reaches all eight modes, but none looks like the data:
# * **GMM**: EM stopped in a **local optimum**. Two of its components each explain two modes, with
#   one wide ellipse between them, and two more components explain none; only four modes get a
#   component of their own (the red + of seed 0 in the next figure).
# * **GAN**: its samples reach every mode, and trails of samples join one mode to the next and run
#   outward, far from every mode: **mode bridging**. $G_\theta$ is a continuous function of one
#   connected cloud of $z$, so its possible outputs form one connected set: it cannot put mass on
#   eight separate modes without some on paths between them; training can only make those thin.
# * **EBM**: its Langevin chains leave the largest share of points far from the modes, many outside
#   the plotted square; how these samples improve with longer chains is measured in
#   [02 · Energy-based models](02_ebm.ipynb), section 6.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### EM finds a local optimum; restarts fix it
# EM climbs from its starting point (eight data points chosen by the seed) to a local maximum of
# the likelihood, not necessarily the global one ([01 · Gaussian MLE](01_gaussian_mle.ipynb),
# section 4). The standard fix: run EM from several starts and keep the fit with the highest
# training log-likelihood (what scikit-learn's `GaussianMixture(n_init=5)` does).

# %% slideshow={"slide_type": "fragment"}
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
assert (torch.bincount(fits[best_seed].responsibilities(modes).argmax(dim=1)) == 1).all()
assert fits[best_seed].log_prob(held_out).mean() > fits[0].log_prob(held_out).mean()

fig, axes = plt.subplots(1, 2, figsize=(7, 3.5))
for ax, seed in zip(axes, [0, best_seed]):
    density_contour(fits[seed].log_prob, ax=ax, data=held_out[:500], title=f"EM from seed {seed}")
    ax.plot(*fits[seed].means.T, "r+", ms=10)
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# The restart with the highest training log-likelihood puts one component (red +) on each mode and
# scores higher on held-out points too, at the cost of five EM runs instead of one.
#
# Only the GMM can say how likely a held-out point is; the EBM can, up to $Z(\theta)$, which
# notebook 02 computes on a grid; the GAN never can.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3. One test set, every model
# The 8x8 digits have 17 gray levels, so a model of them is a distribution over
# $17^{64}$ images, and its score is the **negative log-likelihood of the test split in bits per
# dimension**: $-\log_2 P(x) / 64$, averaged over the 447 test digits (trained on the first
# 1000 digits, validated on the next 350). Lower is better; guessing each level uniformly scores
# $\log_2 17$ (the first row of the table below).
#
# Two kinds of numbers appear:
# * **exact**: $P(x)$ is computed exactly (uniform guess, discretized Gaussian, independent pixels,
#   PixelCNNs);
# * **bound**: only a lower bound on $\log P(x)$ is computable, so the bits/dim is an upper bound.
#   The GMM is a continuous density: **dequantization** adds uniform noise $u \sim U[0, 1)^{64}$
#   to the integer levels, and since $P(x) = \int p(x + u)\,du$ over that unit cube, Jensen's
#   inequality gives $\log P(x) \ge \mathbb{E}_{u}[\log p(x + u)]$. The VAE is scored by IWAE
#   with $k = 1000$ (and by the ELBO, for comparison).

# %% slideshow={"slide_type": "fragment"}
x_train, _ = load_digits("train")
x_test, _ = load_digits("test")
flat_train, flat_test = x_train.flatten(1).long(), x_test.flatten(1).long()  # (N, 64) levels
BITS = 64 * math.log(2)  # nats per image -> bits per dimension
results = {"uniform guess": (math.log2(17), "exact", 0)}

# a discretized Gaussian, one per pixel, fitted by maximum likelihood
sigma_floor = 0.3  # levels added to every sigma
mu, sigma = flat_train.double().mean(0), flat_train.double().std(0, unbiased=False) + sigma_floor
log_p = discretized_gaussian_log_prob(flat_test, mu, sigma, levels=17)
results["discretized Gaussian"] = (-log_p.mean().item() / BITS, "exact", 2 * 64)
ml_sigma = flat_train.double().std(0, unbiased=False)  # the maximum-likelihood sigma, (64,)
print(f"{(ml_sigma < sigma_floor).sum()} pixels have a maximum-likelihood sigma below "
      f"sigma_floor = {sigma_floor} levels")
for floor in [0.001, sigma_floor]:
    log_p_floor = discretized_gaussian_log_prob(flat_test, mu, ml_sigma + floor, levels=17)
    print(f"sigma + {floor}: test {-log_p_floor.mean().item() / BITS:.3f} bits/dim")

# a full-covariance GMM on dequantized digits (x + u, u ~ U[0, 1)): a bound
u_gen = torch.Generator().manual_seed(0)
dequantized = flat_train.double() + torch.rand(flat_train.shape, generator=u_gen,
                                               dtype=torch.float64)
digit_gmm = fit_gmm(dequantized, k=10, n_iter=50, seed=0, reg_covar=0.1)
bound = torch.stack([digit_gmm.log_prob(flat_test.double() + torch.rand(
    flat_test.shape, generator=u_gen, dtype=torch.float64)) for _ in range(20)]).mean(0)
results["GMM, k=10"] = (-bound.mean().item() / BITS, "bound", 10 * (1 + 64 + 64 * 65 // 2))

# %% [markdown] slideshow={"slide_type": "fragment"}
# Each pixel's σ is its maximum-likelihood value plus `sigma_floor` levels, a setting chosen by
# hand, not fitted. Pixels that are (almost) always blank in training have a σ near zero, and the
# rare test digit with a little ink there is charged many bits for it: with a floor of 0.001
# levels the test score is 3.088 bits/dim, with `sigma_floor` 2.692.

# %% slideshow={"slide_type": "fragment"}
shipped = {"independent pixels": "independent_digits", "PixelCNN": "pixelcnn_digits",
           "Gated PixelCNN": "gated_pixelcnn_digits",
           "Gated PixelCNN pair": "gated_pixelcnn_pair_digits"}  # trained in notebook 05
neural = {name: load_pretrained(weights) for name, weights in shipped.items()}
for name, model in neural.items():
    results[name] = (model.bits_per_dim(x_test), "exact", sum(p.numel() for p in model.parameters()))

vae = load_pretrained("vae_digits_8d")  # trained in notebook 03
vae_params = sum(p.numel() for p in vae.parameters())
with torch.no_grad():
    for k in [1, 1000]:  # k = 1: the ELBO
        bound_k = vae.iwae_bound(x_test, k, generator=torch.Generator().manual_seed(0))  # (447,)
        label = "VAE, 8-D (ELBO)" if k == 1 else f"VAE, 8-D (IWAE k={k})"
        results[label] = (-bound_k.mean().item() / BITS, "bound", vae_params)

# %% [markdown] slideshow={"slide_type": "fragment"}
# The table, worst to best:

# %% slideshow={"slide_type": "fragment"}
print(f"{'model':24s} {'test bits/dim':>13s}  {'':5s} {'parameters':>10s}")
for name, (bpd, kind, params) in sorted(results.items(), key=lambda item: -item[1][0]):
    print(f"{name:24s} {bpd:13.3f}  {kind:5s} {params:10,d}")
check_claim(results["Gated PixelCNN"][0] < results["PixelCNN"][0] < results["independent pixels"][0],
            "Gated PixelCNN < PixelCNN < independent pixels in bits/dim")
check_claim(results["Gated PixelCNN pair"][0] < results["Gated PixelCNN"][0],
            "the pair has fewer bits/dim than one Gated PixelCNN")
assert results["VAE, 8-D (IWAE k=1000)"][0] < results["VAE, 8-D (ELBO)"][0]  # a tighter bound
check_claim(max(bpd for bpd, _, _ in results.values()) == results["uniform guess"][0],
            "every model beats the uniform guess")

# %% [markdown] slideshow={"slide_type": "subslide"}
# Reading the table:
# * Every model beats the uniform guess.
# * Modelling the pixels **jointly** is what pays: independent pixels (one categorical
#   distribution per pixel, blind to all the others) are far behind the autoregressive models.
# * The Gated PixelCNN beats the plain one. The plain PixelCNN's stacked masked convolutions never
#   see some of the pixels above and to the right of the current one, its **blind spot**; the
#   gated one sees every earlier pixel ([05 · PixelCNN](05_pixelcnn.ipynb), section 3). Two
#   Gated PixelCNNs whose conditionals are averaged (the "pair", still one autoregressive
#   model) beat one of them (05, "What helps on 1000 digits").
# * The VAE's figures are upper bounds on its true bits/dim: IWAE with $k = 1000$ is tighter
#   than the ELBO, and the true value lies lower still, by an amount no bound here can tell.
# * The GMM's bound is loose in another way: a continuous density spreads mass inside each
#   integer bin that a discrete model would not need to.
#
# How long does each model take to sample one digit? (Timings vary with the machine.)

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
gan = load_pretrained("gan_digits_8d")  # implicit: samples, no likelihood (notebook 03)
samplers = {
    "uniform guess": lambda n, g: torch.randint(0, 17, (n, 64), generator=g),
    "discretized Gaussian": lambda n, g: (mu + sigma * torch.randn(n, 64, generator=g,
                                          dtype=torch.float64)).round().clamp(0, 16),
    "GMM, k=10": lambda n, g: digit_gmm.sample(n, generator=g).floor().clamp(0, 16),
    "independent pixels": lambda n, g: neural["independent pixels"].sample(n, generator=g),
    "VAE, 8-D": lambda n, g: vae.sample(n, generator=g),
    "VAE, 8-D (mean image)": lambda n, g: vae.decode(torch.randn(n, 8, generator=g)),  # E[x|z]
    "PixelCNN": lambda n, g: neural["PixelCNN"].sample(n, generator=g),
    "Gated PixelCNN": lambda n, g: neural["Gated PixelCNN"].sample(n, generator=g),
    "Gated PixelCNN pair": lambda n, g: neural["Gated PixelCNN pair"].sample(n, generator=g),
    "GAN (digits)": lambda n, g: generate(gan, torch.randn(n, 8, generator=g)),
}
sample_ms = {}
with torch.no_grad():
    for name, sampler in samplers.items():  # best of 3 batches of 16 samples
        seconds = best_time(lambda: sampler(16, torch.Generator().manual_seed(1)))
        sample_ms[name] = 1000 * seconds / 16
        print(f"{name:24s} {sample_ms[name]:8.2f} ms per sample")
assert min(sample_ms["PixelCNN"], sample_ms["Gated PixelCNN"]) > sample_ms["VAE, 8-D"]

# %% [markdown] slideshow={"slide_type": "fragment"}
# The autoregressive models pay for their exact likelihood with 64 network passes per digit, the
# lecture's "slow sampling". How long each model took to train was recorded in its training
# history when the shipped weights were trained from their recipes (one torch thread, on a
# machine that may have been busy with other jobs: a rough guide, not a benchmark):

# %% slideshow={"slide_type": "fragment"}
for name in ["gan_eight_gaussians", "ebm_eight_gaussians", *shipped.values(), "vae_digits_8d"]:
    seconds = pretrained_history(name)["train_seconds"][0]
    print(f"{name:26s} trained in {seconds:7.1f} s")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Sample quality beside likelihood
# Bits/dim measures how much probability a model puts on the test digits, not how its samples
# look: a model can score well on one and badly on the other (Theis et al. 2016). To judge
# samples, the FID of image models, with a small digit classifier (recipe `digit_classifier`,
# trained on the 1000 training digits) in place of the Inception network:
# * **FID for 8x8 digits**: fit a Gaussian to the classifier's penultimate features (64 numbers
#   per digit) of 200 samples and one to those of the training digits; their Fréchet distance
#   $\lVert \mu_s - \mu_r \rVert^2 + \mathrm{tr}\,(\Sigma_s + \Sigma_r - 2 (\Sigma_s \Sigma_r)^{1/2})$.
#   Lower is better; noise, blur and missing digits all raise it.
# * **confidence** (mean largest class probability) and **entropy** (mean entropy of
#   $p(\text{class} \mid x)$, in bits; at most $\log_2 10$): does each sample look like one digit?
#
# FID is biased upwards for a finite number of samples, so the reference is not 0: it is 200 real
# test digits, never trained on, scored the same way (and, for the spread, the next 200).

# %% slideshow={"slide_type": "fragment"}
classifier = load_pretrained("digit_classifier")
_, y_test = load_digits("test")
accuracy = (classifier.predict_proba(x_test).argmax(1) == y_test).float().mean().item()
print(f"digit classifier: {accuracy:.1%} test accuracy")
quality = DigitQuality(classifier, x_train)  # the reference: the 1000 training digits' features
n_quality = 200  # samples per model; the reference scores as many test digits (FID depends on it)
scores, drawn = {"test digits (reference)": quality(x_test[:n_quality])}, {}
other_reference = quality(x_test[n_quality:2 * n_quality]).fid  # the next 200 test digits
with torch.no_grad():
    for name, sampler in samplers.items():  # seed 2: other samples than the pictures below
        images = sampler(n_quality, torch.Generator().manual_seed(2)).reshape(-1, 1, 8, 8)
        drawn[name] = images.double().clamp(0, 16)
        scores[name] = quality(drawn[name])
bound_of = {"VAE, 8-D": "VAE, 8-D (IWAE k=1000)", "VAE, 8-D (mean image)": "VAE, 8-D (IWAE k=1000)"}
bits = {name: results[bound_of.get(name, name)][0] if bound_of.get(name, name) in results
        else math.nan for name in scores}  # the GAN and the reference have no bits/dim


def print_quality_table():
    print(f"{'':24s} {'bits/dim':>8s} {'FID':>7s} {'confidence':>10s} {'entropy':>8s}")
    for name, (fid, confidence, entropy) in sorted(scores.items(), key=lambda item: item[1].fid):
        bpd = f"{bits[name]:8.3f}" if math.isfinite(bits[name]) else f"{'-':>8s}"
        print(f"{name:24s} {bpd} {fid:7.1f} {confidence:10.3f} {entropy:8.3f}")


print_quality_table()
disagree = [(a, b) for a in scores for b in scores  # pairs the two scores rank oppositely
            if bits[a] < bits[b] and scores[a].fid > scores[b].fid]
for a, b in disagree:
    print(f"better likelihood, worse samples: {a} ({bits[a]:.3f} bits/dim, FID "
          f"{scores[a].fid:.1f}) against {b} ({bits[b]:.3f}, FID {scores[b].fid:.1f})")
reference = scores["test digits (reference)"].fid
print(f"reference: 200 test digits score FID {reference:.1f}, the next 200 {other_reference:.1f}")
real_like = [name for name, score in scores.items()
             if score.fid < max(reference, other_reference) and name != "test digits (reference)"]
print("samples that score like real digits:", ", ".join(real_like))
check_claim(real_like == ["Gated PixelCNN"], "only the Gated PixelCNN scores like real digits")
check_claim(scores["VAE, 8-D (mean image)"].fid > scores["VAE, 8-D"].fid,
            "the VAE's mean images score worse than its samples")  # same model, same bits/dim
check_claim(scores["GMM, k=10"].fid < scores["independent pixels"].fid,
            "the GMM's samples score better than independent pixels'")
check_claim(("Gated PixelCNN pair", "Gated PixelCNN") in disagree,
            "the pair: better likelihood, worse FID than one Gated PixelCNN")
check_claim(("VAE, 8-D (mean image)", "PixelCNN") in disagree,
            "the VAE's mean images: better likelihood, worse FID than the PixelCNN")
with_bits = sorted(scores[name].fid for name in scores if math.isfinite(bits[name]))
check_claim(scores["GAN (digits)"].fid < with_bits[len(with_bits) // 2],
            "the GAN's FID beats most models with a likelihood")

# %% [markdown] slideshow={"slide_type": "subslide"}
# Where the two scores disagree (the pairs printed above), and why:
# * **The GMM** has the worst bits/dim of the fitted models (3.051, a bound), yet draws much
#   better digits than independent pixels (FID 69.1 against 118.2) and the discretized Gaussian
#   (165.3). The per-pixel models spread probability well over the levels each pixel takes, but
#   never draw a stroke; each GMM component keeps the correlations of a whole style of digit.
# * **Why blurry?** The VAE's mean images $\mathbb{E}[x \mid z]$ belong to the same model, with
#   the same bits/dim, as its samples, yet score a far worse FID. The blur is not a lack of
#   likelihood: it comes from showing the average of all the digits the decoder finds plausible
#   for one $z$, instead of one of them (a sample, each pixel drawn on its own given $z$, is
#   speckled instead). Likelihood scores the distribution, not the picture shown.
# * **Close models swap places too**: the VAE's bound (1.963 bits/dim) edges the plain PixelCNN's
#   exact 1.966, and its samples score a slightly better FID (45.2 against 47.8), but its mean
#   images, the same model, score 68.9. Among the gated models, the pair has the better bits/dim
#   and one alone draws the better digits (FID 16.2 against 24.5): averaging two models'
#   conditionals spreads probability over whatever either finds plausible, which the test
#   digits reward and the samples show as less decided strokes.
# * **Samples that score like real digits**: the single Gated PixelCNN's FID (16.2) is as low as
#   that of two sets of 200 real test digits (21.4 and 17.2), even a little lower. Its samples
#   are compared with the training digits it was fitted to, and at 200 samples a difference of a
#   few units is noise.
# * **The GAN** has no likelihood at all, and its FID (36.4) beats most of the models that have
#   one.
#
# Theis et al.'s sharpest example: mix a good model with noise.

# %% slideshow={"slide_type": "fragment"}
# The Gated PixelCNN 1% of the time, uniform noise 99% of the time. Exact:
# log P(x) = log(0.01 P_gated(x) + 0.99 / 17^64) >= log P_gated(x) - log(100).
with torch.no_grad():
    log_p_gated = neural["Gated PixelCNN"].log_prob(x_test.long()).double()  # nats, (447,)
log_p_mix = torch.logaddexp(log_p_gated + math.log(0.01),
                            torch.full_like(log_p_gated, math.log(0.99) - 64 * math.log(17)))
mixture = "1% Gated + 99% noise"
bits[mixture] = -log_p_mix.mean().item() / BITS
use_gated = torch.rand(n_quality, generator=torch.Generator().manual_seed(3)) < 0.01
scores[mixture] = quality(torch.where(use_gated[:, None, None, None], drawn["Gated PixelCNN"],
                                      drawn["uniform guess"]))
print_quality_table()
cost = bits[mixture] + log_p_gated.mean().item() / BITS
print(f"the noise costs {cost:.3f} bits/dim; at most log2(100) / 64 = "
      f"{math.log2(100) / 64:.3f}")
fitted = [name for name in scores if math.isfinite(bits[name])
          and name not in ("uniform guess", "VAE, 8-D (mean image)", mixture)]
beaten = [name for name in fitted if bits[name] > bits[mixture]]
print(f"the mixture has better bits/dim than {len(beaten)} of the {len(fitted)} fitted models: "
      f"{', '.join(beaten)}")
assert cost <= math.log2(100) / 64 + 1e-9  # the bound derived above
check_claim(2 * len(beaten) > len(fitted), "the noisy mixture beats most fitted models in bits/dim")
check_claim(scores[mixture].fid > max(scores[name].fid for name in fitted),
            "the noisy mixture has the worst FID")

# %% [markdown] slideshow={"slide_type": "fragment"}
# **Likelihood barely notices noise.** Drawing uniform noise 99% of the time costs the Gated
# PixelCNN at most $\log_2(100)/64$ bits/dim (0.104): the mixture still has better bits/dim than
# most of the fitted models, while its FID is worse than all of theirs. Bits/dim averages
# $\log P(x)$ over the test digits, and a log barely moves when a probability is divided by 100;
# the eye sees every sample. A good likelihood is neither necessary nor sufficient for good
# samples (Theis et al. 2016): report both numbers.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4. Samples side by side
# The same 16 random seeds for every model. The two continuous models' samples are rounded to the
# 17 levels for display (the GMM's can also fall outside 0..16: those are clipped); the VAE's mean
# images and the GAN's images are shown as they are, between levels.

# %% slideshow={"slide_type": "fragment"}
rows = {"test digits": x_test[:16]}
for name, sampler in samplers.items():
    with torch.no_grad():
        rows[name] = sampler(16, torch.Generator().manual_seed(1)).reshape(16, 1, 8, 8)
fig, axes = plt.subplots(2, math.ceil(len(rows) / 2), figsize=(10.5, 4.9))
for ax in axes.flat[len(rows):]:
    ax.axis("off")
for ax, (name, images) in zip(axes.flat, rows.items()):
    image_grid(images, nrow=4, ax=ax, vmax=16)
    ax.set_title(name, fontsize=9)
savefig(fig, "00_zoo_samples")
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# * The **discretized Gaussian** gives speckle: gray pixels scattered where digits usually have
#   ink, and no strokes, since every pixel is drawn on its own. **Independent pixels** look alike,
#   with more contrast, for the same reason.
# * The **GMM** gives noisy but mostly legible digits: each component is one style of digit, with
#   the correlations between all its pixels.
# * The **VAE** gives digit-like shapes with rough strokes: given $z$, each pixel is again drawn
#   on its own (its learned-$\sigma$ Gaussian decoder keeps the spread small where it is sure of
#   a pixel). Its **mean images** $\mathbb{E}[x \mid z]$, what VAE figures usually
#   show, are smooth and blurry: the average of the many digits the decoder finds plausible.
# * The **PixelCNNs** draw strokes that connect: the gated ones mostly legible digits, the plain
#   one more broken ones.
# * The **GAN**, which has no likelihood at all, draws smooth digits, some of them malformed.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5. Where each notebook goes deeper
# * [01 · Gaussian MLE](01_gaussian_mle.ipynb): maximum likelihood by calculus and by gradients,
#   EM for the mixture, outlier detection.
# * [02 · Energy-based models](02_ebm.ipynb): the contrastive gradient checked on a grid,
#   Langevin sampling with sliders, training with persistent chains.
# * [03 · VAE](03_vae.ipynb): the ELBO, the reparameterization trick, latent sliders, the bound's
#   gap, blurry samples, VAE + GAN.
# * [04 · Efros–Leung](04_efros_leung.ipynb): non-parametric texture synthesis, one pixel at a time.
# * [05 · PixelCNN](05_pixelcnn.ipynb): masks, receptive fields, the blind spot, completions.
# * [06 · VQ-VAE-2](06_vqvae2.ipynb): vector quantization and a PixelCNN prior over codes.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
# The lowest test bits/dim of section 3's table:

# %% slideshow={"slide_type": "fragment"}
winner = min(results, key=lambda name: results[name][0])
print(f"{winner}: {results[winner][0]:.2f} bits/dim ({results[winner][1]})")

# %% [markdown] slideshow={"slide_type": "fragment"}
# * Explicit models give a number for every image: exact for the discretized Gaussian,
#   independent pixels and autoregressive models, a bound for the GMM on dequantized digits and
#   for VAEs, unnormalized for EBMs. Implicit models (GANs) only sample.
# * Fitting can fail in ways the samples show: EM stops in local optima (restarts fix it), a GAN
#   bridges the modes it covers.
# * On the digits, the joint autoregressive models win (the pair of Gated PixelCNNs first), and
#   pay with one network pass per pixel when sampling.
# * Likelihood and sample quality disagree (Theis et al. 2016): the digit FID ranks the models
#   differently from bits/dim, and a model that mostly draws noise keeps almost all of its bits/dim.

# %% [markdown] slideshow={"slide_type": "skip"}
# ## Exercises
# Each exercise has a cell to edit and a self-check that says what is wrong.
#
# **Exercise 1 (warm-up).** A model assigns a test digit $\log P(x) = -95$ nats. Write the
# conversion to bits per dimension for an image of `num_pixels` pixels.

# %% slideshow={"slide_type": "skip"}
def exercise_bits_per_dim(log_p_nats, num_pixels):
    """Bits per dimension of an image with log P(x) = log_p_nats nats and num_pixels pixels."""
    # YOUR CODE HERE
    raise NotImplementedError()


checks.check_bits_per_dim(exercise_bits_per_dim)

# %% [markdown] slideshow={"slide_type": "skip"}
# **Exercise 2.** Section 3 dequantized the digits as $x + u$ on the integer scale. Most
# continuous models (flows, diffusion models) are instead trained on $y = (x + u) / L$ in
# $[0, 1)^D$, with $L = 17$ levels here, and report $\log p(y)$. A density on a cube that small
# can exceed 1: a model reporting $+150$ nats per digit is not broken. Write the upper bound on
# the bits/dim of the integer levels $x$ from the mean $\log p(y)$ (nats per image). Go back from
# $y$ to $x + u$ by a change of variables; what would you get without its Jacobian?

# %% slideshow={"slide_type": "skip"}
def exercise_dequantized_bits(log_p_y, num_pixels, levels):
    """Upper bound on the bits/dim of the integer levels x, from the mean log-density log_p_y
    (nats per image) of a continuous model of y = (x + u) / levels."""
    # YOUR CODE HERE
    raise NotImplementedError()


checks.check_dequantized_bits(exercise_dequantized_bits)

# %% [markdown] slideshow={"slide_type": "skip"}
# **Exercise 3.** The table of section 3 mixes exact numbers and bounds. Write a rule that says
# which of two models **certainly** has the lower true test bits/dim: return `"A"` or `"B"`, or
# `"unknown"` when the numbers cannot tell. `kind` is `"exact"` or `"bound"`, as in the table.
# Then try it on the table's rows (`results[name][:2]` is the bits/dim and the kind): is the VAE
# certainly worse than the PixelCNN?

# %% slideshow={"slide_type": "skip"}
def exercise_better_model(bpd_a, kind_a, bpd_b, kind_b):
    """'A' or 'B' if that model certainly has the lower true bits/dim, else 'unknown'."""
    # YOUR CODE HERE
    raise NotImplementedError()


checks.check_better_model(exercise_better_model)
