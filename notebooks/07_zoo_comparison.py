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
# # 07 · The zoo compared: likelihood and samples
#
# *Generative Model Zoo, part II, closing: every digits model of notebooks 01 to 05 on one
# test set.*
#
# **You will learn**
# 1. how to score every density model of the lecture on one test set in bits per dimension, and
#    which of those numbers are exact and which are only bounds;
# 2. when a bound can be ranked against an exact number, and when the numbers cannot tell;
# 3. a sample-quality score for digits (a digit FID), its noise, and where it and the likelihood
#    disagree;
# 4. why a good likelihood is not sufficient for good samples.
#
# The neural models load the weights shipped with `genzoo_lite` (trained in notebooks 03 and 05);
# the Gaussian and the mixture of Gaussians are fitted here in seconds.

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

import torch

from genzoo_lite import check_claim, load_digits, load_pretrained, set_seed
from genzoo_lite.exercises import zoo as checks
from genzoo_lite.models.adversarial.digits_gan import generate
from genzoo_lite.models.explicit.gaussian import discretized_gaussian_log_prob, fit_gmm
from genzoo_lite.evaluation.metrics import bits_per_dim
from genzoo_lite.evaluation.sample_quality import DigitQuality, frechet_distance, gaussian_stats

set_seed(0)
torch.set_num_threads(1)  # every model here is small: one thread is faster than two

x_train, _ = load_digits("train")  # 1000 digits: every model was fitted on these
x_val, _ = load_digits("val")  # 350 digits: settings are chosen on these
x_test, y_test = load_digits("test")  # 447 digits: scored once, in the tables below
flat_train, flat_val, flat_test = (x.flatten(1).long() for x in (x_train, x_val, x_test))  # (N, 64)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. One test set, bits per dimension
# The 8x8 digits have 17 gray levels, so a model of them is a distribution over $17^{64}$ images.
# Its score is the **negative log-likelihood of the test split in bits per dimension**,
# $-\log_2 P(x) / 64$ averaged over the 447 test digits. Every model was trained on the first 1000
# digits; the one setting chosen in this notebook is chosen on the next 350 (`val`), and the test
# digits are scored once. Lower is better; guessing each level uniformly scores $\log_2 17$
# bits/dim.
#
# Some models give $P(x)$ exactly: the uniform guess, a discretized Gaussian per pixel, the
# independent pixels and the PixelCNNs of notebook 05 (the chain rule multiplies their
# conditionals). For two models only a **bound** is computable.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Two bounds: dequantization and the VAE's
# * A **mixture of Gaussians** is a density over real numbers, not a distribution over levels.
#   **Dequantization** turns it into one: the probability of a digit $x$ is the density's mass
#   on the unit cube above it, $P(x) = \int_{[0,1)^{64}} p(x + u)\,du$. Fit the density to
#   $x + u$, $u \sim U[0, 1)^{64}$; the integral has no closed form, but by Jensen's inequality
#   $\log P(x) \ge \mathbb{E}_{u}[\log p(x + u)]$, which noise draws estimate.
# * The **VAE** of notebook 03 gives the ELBO and, tighter, IWAE with $k$ importance samples:
#   lower bounds on $\log P(x)$.
#
# A lower bound on $\log P(x)$ is an **upper** bound on the bits/dim: the model's true value lies
# below the number printed, by an amount the bound cannot tell.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The per-pixel Gaussian needs a floor under σ
# The discretized Gaussian bins a Gaussian per pixel into the 17 levels. Pixels that are (almost)
# always blank in training have a maximum-likelihood σ near zero, and a held-out digit with a
# little ink there is charged many bits for it. So σ gets a floor, a setting chosen on `val`:

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
mu, ml_sigma = flat_train.double().mean(0), flat_train.double().std(0, unbiased=False)  # (64,)


def gaussian_bits(x, floor):
    """Mean bits/dim of integer digits x (N, 64) under the per-pixel Gaussians, sigma + floor."""
    return bits_per_dim(discretized_gaussian_log_prob(x, mu, ml_sigma + floor, levels=17), 64)


val_bits = {floor: gaussian_bits(flat_val, floor) for floor in [0.001, 0.1, 0.3, 1.0, 3.0]}
for floor, bpd in val_bits.items():
    print(f"sigma + {floor:5} levels: val {bpd:.3f} bits/dim")
sigma_floor = min(val_bits, key=val_bits.get)
print(f"chosen on val: sigma_floor = {sigma_floor}")

# %% slideshow={"slide_type": "skip"}
results = {"uniform guess": (math.log2(17), "exact"),
           "discretized Gaussian": (gaussian_bits(flat_test, sigma_floor), "exact")}

# a full-covariance GMM on dequantized digits: its settings (k = 10 components, 0.1 added to
# every variance) are fixed by hand, not tuned
u_gen = torch.Generator().manual_seed(0)
dequantized = flat_train.double() + torch.rand(flat_train.shape, generator=u_gen,
                                               dtype=torch.float64)
digit_gmm = fit_gmm(dequantized, k=10, n_iter=50, seed=0, reg_covar=0.1)
bound = torch.stack([digit_gmm.log_prob(flat_test.double() + torch.rand(
    flat_test.shape, generator=u_gen, dtype=torch.float64)) for _ in range(20)]).mean(0)
results["GMM, k=10"] = (bits_per_dim(bound, 64), "bound")

shipped = {"independent pixels": "independent_digits", "PixelCNN": "pixelcnn_digits",
           "Gated PixelCNN": "gated_pixelcnn_digits",
           "Gated PixelCNN pair": "gated_pixelcnn_pair_digits"}  # trained in notebook 05
neural = {name: load_pretrained(weights) for name, weights in shipped.items()}
for name, model in neural.items():
    results[name] = (model.bits_per_dim(x_test), "exact")

# %% [markdown] slideshow={"slide_type": "fragment"}
# The VAE's bounds are estimates: they average random importance samples. Three seeds show how
# much the estimate itself moves.

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
vae = load_pretrained("vae_digits_8d")  # trained in notebook 03
estimates = {}
with torch.no_grad():
    for k in [1, 1000]:  # k = 1: the ELBO
        estimates[k] = [bits_per_dim(vae.iwae_bound(
            x_test, k, generator=torch.Generator().manual_seed(seed)), 64) for seed in range(3)]
        print(f"k = {k:4d}, seeds 0, 1, 2: " + ", ".join(f"{e:.4f}" for e in estimates[k])
              + " bits/dim")
# the largest (most cautious) estimate goes into the table
results["VAE, 8-D (ELBO)"] = (max(estimates[1]), "bound")
results["VAE, 8-D (IWAE k=1000)"] = (max(estimates[1000]), "bound")
iwae_range = max(estimates[1000]) - min(estimates[1000])  # how far the estimate moves

# %% [markdown] slideshow={"slide_type": "subslide"}
# The table, worst to best (the "pair" is two Gated PixelCNNs whose conditionals are averaged,
# still one autoregressive model, trained in notebook 05):

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
print(f"{'model':24s} {'test bits/dim':>13s}  kind")
for name, (bpd, kind) in sorted(results.items(), key=lambda item: -item[1][0]):
    print(f"{name:24s} {bpd:13.3f}  {kind}")
check_claim(results["Gated PixelCNN"][0] < results["PixelCNN"][0] < results["independent pixels"][0],
            "Gated PixelCNN < PixelCNN < independent pixels in bits/dim")
check_claim(max(bpd for bpd, _ in results.values()) == results["uniform guess"][0],
            "every model beats the uniform guess")
check_claim(results["VAE, 8-D (IWAE k=1000)"][0] < min(estimates[1]) - 10 * iwae_range,
            "IWAE k=1000 is tighter than the ELBO, by far more than its seed-to-seed range")

# %% [markdown] slideshow={"slide_type": "fragment"}
# * Every model beats the uniform guess, and modelling the pixels **jointly** pays: independent
#   pixels (one distribution per pixel, blind to all the others) are far behind the
#   autoregressive models, whose exact numbers rank among themselves as printed.
# * The VAE's IWAE bound is tighter than its ELBO, and its true bits/dim lies lower still.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. Ranking a bound against an exact number
# Write $b$ for a printed bits/dim and $t$ for the model's true one: $t = b$ if the number is
# exact, $t \le b$ if it is a bound. Model A is **certainly** better than model B only when
# $$t_A \le b_A < b_B = t_B,$$
# that is, A's number is lower **and B's is exact**. A bound above an exact number settles
# nothing: the bounded model's true value may lie on either side.
#
# Applied to the table: the GMM's bound is above the exact numbers of the per-pixel models, so
# whether the GMM is a better or a worse density model of the digits than they are, these numbers
# cannot tell. One more condition: the VAE's bound is an **estimate**, so "lower" must mean lower
# by more than the estimate moves between seeds. Against the plain PixelCNN:

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
margin = results["PixelCNN"][0] - results["VAE, 8-D (IWAE k=1000)"][0]
print(f"PixelCNN (exact) minus the VAE's bound: {margin:.4f} bits/dim; "
      f"the bound's range over three seeds: {iwae_range:.4f}")
check_claim(abs(margin) < 3 * iwae_range,
            "the VAE's bound and the PixelCNN's exact number differ by less than 3 seed ranges")

# %% [markdown] slideshow={"slide_type": "fragment"}
# The two differ by no more than the estimate's own noise: not settled either. So among the
# fitted models, the VAE is certainly better only than those whose exact numbers lie well above
# its bound.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3. Sample quality beside likelihood
# Bits/dim measures how much probability a model puts on the test digits, not how its samples
# look: a model can score well on one and badly on the other (Theis, van den Oord and Bethge
# 2016, "A note on the evaluation of generative models"). Image models are judged by the
# **FID** (Fréchet Inception Distance); here a small digit classifier (recipe
# `digit_classifier`, trained on the 1000 training digits) takes the place of the Inception
# network:
# * fit a Gaussian to the classifier's penultimate features (64 numbers per digit) of 200 samples
#   and one to those of the training digits; the **digit FID** is their Fréchet distance
#   $\lVert \mu_s - \mu_r \rVert^2 + \mathrm{tr}\,(\Sigma_s + \Sigma_r - 2 (\Sigma_s \Sigma_r)^{1/2})$.
#   Lower is better; noise, blur and missing digits all raise it.
# * **confidence**: the classifier's mean largest class probability. Does each sample look like
#   one digit?

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### How noisy is a FID of 200 digits?
# FID is biased upwards at a finite number of samples, so the floor is not 0: it is what **real**
# held-out digits score, 200 at a time. And one set of 200 samples is one draw: resampling it
# (a bootstrap, 200 resamples) estimates how much the FID moves from one set to another.

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
classifier = load_pretrained("digit_classifier")
accuracy = (classifier.predict_proba(x_test).argmax(1) == y_test).float().mean().item()
print(f"digit classifier: {accuracy:.1%} test accuracy")
quality = DigitQuality(classifier, x_train)  # the reference: the 1000 training digits' features
n_quality = 200  # digits per scored set (FID depends on it)
real_sets = {"test digits 1-200": x_test[:n_quality], "test digits 201-400": x_test[n_quality:2 * n_quality],
             "val digits 1-200": x_val[:n_quality]}  # never trained on
real_fid = {name: quality(images).fid for name, images in real_sets.items()}
for name, value in real_fid.items():
    print(f"{name:20s} FID {value:5.1f}")


def bootstrap_spread(images, n_resamples=200, seed=0):
    """Standard deviation of the FID over resamples (with replacement) of one set of images."""
    features = quality.features(images)  # (N, 64)
    gen = torch.Generator().manual_seed(seed)
    values = [frechet_distance(*gaussian_stats(features[torch.randint(len(features), (len(features),),
                                                                       generator=gen)]),
                               *quality.reference_stats) for _ in range(n_resamples)]
    return torch.tensor(values).std().item()


print(f"bootstrap spread of one real set: {bootstrap_spread(x_test[:n_quality]):.1f}")

# %% [markdown] slideshow={"slide_type": "fragment"}
# Three sets of real digits that no model was trained on score from 17.2 to 21.4, not 0; the
# bootstrap spread of one set, 3.9, is of the same size as their differences. Below, every model
# draws 200 samples and gets the same two numbers: its FID and the bootstrap spread of that FID.

# %% slideshow={"slide_type": "skip"}
gan = load_pretrained("gan_digits_8d")  # implicit: samples, no likelihood (notebook 03)
samplers = {  # each (n, generator) -> n samples on the level scale, (n, 64) or (n, 1, 8, 8)
    "uniform guess": lambda n, g: torch.randint(0, 17, (n, 64), generator=g),
    "discretized Gaussian": lambda n, g: (mu + (ml_sigma + sigma_floor) * torch.randn(
        n, 64, generator=g, dtype=torch.float64)).round().clamp(0, 16),
    "GMM, k=10": lambda n, g: digit_gmm.sample(n, generator=g).floor().clamp(0, 16),
    "independent pixels": lambda n, g: neural["independent pixels"].sample(n, generator=g),
    "VAE, 8-D": lambda n, g: vae.sample(n, generator=g),
    "VAE, 8-D (mean image)": lambda n, g: vae.decode(torch.randn(n, 8, generator=g)),  # E[x|z]
    "PixelCNN": lambda n, g: neural["PixelCNN"].sample(n, generator=g),
    "Gated PixelCNN": lambda n, g: neural["Gated PixelCNN"].sample(n, generator=g),
    "Gated PixelCNN pair": lambda n, g: neural["Gated PixelCNN pair"].sample(n, generator=g),
    "GAN (digits)": lambda n, g: generate(gan, torch.randn(n, 8, generator=g)),
}
bits = {name: results[name] for name in samplers if name in results}  # (bits/dim, kind)
for name in ["VAE, 8-D", "VAE, 8-D (mean image)"]:  # one model, its samples and its mean images
    bits[name] = results["VAE, 8-D (IWAE k=1000)"]
scores, spread, drawn = {}, {}, {}
with torch.no_grad():
    for name, sampler in samplers.items():
        images = sampler(n_quality, torch.Generator().manual_seed(2)).reshape(-1, 1, 8, 8)
        drawn[name] = images.double().clamp(0, 16)
        scores[name], spread[name] = quality(drawn[name]), bootstrap_spread(drawn[name])


def certainly_lower_bits(a, b):
    """a's true bits/dim is certainly below b's: b's number is exact and a's is lower, by more
    than three times the range of a's estimate if a's is an estimated bound (the VAE's)."""
    noise = 3 * iwae_range if bits.get(a) == results["VAE, 8-D (IWAE k=1000)"] else 0.0
    return a in bits and b in bits and bits[a][0] + noise < bits[b][0] and bits[b][1] == "exact"


def clearly_worse_fid(a, b):
    return scores[a].fid - scores[b].fid > 2 * math.hypot(spread[a], spread[b])


def print_quality_table():
    print(f"{'':24s} {'bits/dim':>8s} {'kind':5s} {'FID':>6s} {'± spread':>8s} {'confidence':>10s}")
    for name, score in sorted(scores.items(), key=lambda item: item[1].fid):
        bpd, kind = bits.get(name, (math.nan, "-"))
        bpd_text = f"{bpd:8.3f}" if math.isfinite(bpd) else f"{'-':>8s}"
        print(f"{name:24s} {bpd_text} {kind:5s} {score.fid:6.1f} {spread[name]:8.1f} "
              f"{score.confidence:10.3f}")

# %% slideshow={"slide_type": "subslide"} tags=["hide-input"] jupyter={"source_hidden": true}
print_quality_table()
print(f"real digits: FID {min(real_fid.values()):.1f} to {max(real_fid.values()):.1f}")
per_pixel, joint = ["discretized Gaussian", "independent pixels"], [
    "GMM, k=10", "VAE, 8-D", "VAE, 8-D (mean image)", "PixelCNN", "Gated PixelCNN", "Gated PixelCNN pair"]
check_claim(all(clearly_worse_fid(a, b) for a in per_pixel for b in joint),
            "the per-pixel models score clearly worse than every model that correlates the pixels")
check_claim(min(scores[n].fid for n in joint) < scores["GAN (digits)"].fid < max(scores[n].fid for n in joint),
            "the GAN scores within the range of the models with a likelihood")
check_claim(all(scores[n].fid + spread[n] > min(real_fid.values()) for n in joint),
            "no model's FID lies below the real digits' range by more than its own spread")

# %% [markdown] slideshow={"slide_type": "fragment"}
# The per-pixel models (discretized Gaussian, independent pixels) score clearly worse than every
# model that correlates the pixels; the GAN, which has no likelihood at all, scores within the
# range of the models that have one. A model may score below the real sets' range (the real
# sets are only three draws): no model does so by more than its own spread, so at 200 samples
# this FID cannot tell the best models' samples from real digits.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Where the two scores disagree
# A pair disagrees when one model is **certainly** better in likelihood (section 2's rule) and
# **clearly** worse in FID: by more than twice the two sets' combined bootstrap spread.

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
disagree = [(a, b) for a in scores for b in scores
            if certainly_lower_bits(a, b) and clearly_worse_fid(a, b)]
print("certainly better likelihood and clearly worse FID:",
      ", ".join(f"{a} against {b}" for a, b in disagree) or "no pair of models")
near_misses = [("Gated PixelCNN pair", "Gated PixelCNN"),  # two exact numbers
               ("VAE, 8-D (mean image)", "Gated PixelCNN"),  # a bound against an exact number
               ("discretized Gaussian", "GMM, k=10"), ("independent pixels", "GMM, k=10")]
yes_no = {True: "yes", False: "no"}
for a, b in near_misses:
    print(f"A = {a} ({bits[a][0]:.3f} {bits[a][1]}, FID {scores[a].fid:.1f}), "
          f"B = {b} ({bits[b][0]:.3f} {bits[b][1]}, FID {scores[b].fid:.1f})\n"
          f"    A certainly the better density model: {yes_no[certainly_lower_bits(a, b)]}; "
          f"A's FID clearly worse: {yes_no[clearly_worse_fid(a, b)]}")
print("the VAE's mean images against its own samples (one likelihood): FID clearly worse: "
      f"{yes_no[clearly_worse_fid('VAE, 8-D (mean image)', 'VAE, 8-D')]}")
check_claim(not disagree, "no pair is certainly better in likelihood and clearly worse in FID")
check_claim(certainly_lower_bits(*near_misses[0]) and not clearly_worse_fid(*near_misses[0]),
            "the pair: certainly better likelihood, FID difference within the noise")
check_claim(all(clearly_worse_fid(a, b) and not certainly_lower_bits(a, b)
                for a, b in near_misses[1:]), "the other near misses: clear FID, unsettled likelihood")
check_claim(clearly_worse_fid("VAE, 8-D (mean image)", "VAE, 8-D"),
            "the VAE's mean images score clearly worse than its samples")

# %% [markdown] slideshow={"slide_type": "subslide"}
# With the bounds and the noise taken into account, no two models here are ranked in opposite
# order by both scores. The near misses teach more than a ranking would:
# * **Why blurry?** The VAE's mean images $\mathbb{E}[x \mid z]$ belong to the same model, with
#   the same likelihood, as its samples, yet score a clearly worse FID, and a clearly worse one
#   than the Gated PixelCNN, whose exact bits/dim lies below the VAE's bound: the bound cannot
#   say which of the two is the better density model. A mean image shows the average of all the digits the decoder finds plausible for one $z$, not one of
#   them: likelihood scores the distribution, not the picture shown.
# * **Two exact numbers**: the pair of Gated PixelCNNs is certainly the better density model;
#   its FID is higher than one Gated PixelCNN's, but by less than this score's noise at 200
#   samples, so the samples do not show a difference.
# * **The GMM** draws clearly better digits than the per-pixel models (each of its components
#   keeps the correlations of a whole style of digit), while its bound, above their exact
#   numbers, cannot say which is the better density model.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4. A model that draws noise 99% of the time
# Theis et al.'s sharpest example: mix a good model with noise. Take the Gated PixelCNN 1% of the
# time and the uniform guess 99% of the time. Its likelihood is exact, and
# $$\log P(x) = \log\big(0.01\,P_\text{gated}(x) + 0.99 \cdot 17^{-64}\big) \ge
#   \log P_\text{gated}(x) - \log 100,$$
# so the noise costs at most $\log_2(100) / 64$ bits/dim, whatever the digits.

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
with torch.no_grad():
    log_p_gated = neural["Gated PixelCNN"].log_prob(x_test.long()).double()  # nats, (447,)
log_p_mix = torch.logaddexp(log_p_gated + math.log(0.01),
                            torch.full_like(log_p_gated, math.log(0.99) - 64 * math.log(17)))
mixture = "1% Gated + 99% noise"
bits[mixture] = (bits_per_dim(log_p_mix, 64), "exact")
use_gated = torch.rand(n_quality, generator=torch.Generator().manual_seed(3)) < 0.01
drawn[mixture] = torch.where(use_gated[:, None, None, None], drawn["Gated PixelCNN"],
                             drawn["uniform guess"])
scores[mixture], spread[mixture] = quality(drawn[mixture]), bootstrap_spread(drawn[mixture])
cost = bits[mixture][0] - bits_per_dim(log_p_gated, 64)
assert cost <= math.log2(100) / 64 + 1e-9  # the bound derived above
print(f"the noise costs {cost:.3f} bits/dim; at most log2(100) / 64 = {math.log2(100) / 64:.3f}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# Which fitted models does the mixture certainly beat in bits/dim, and which can the numbers not
# rank against it?

# %% slideshow={"slide_type": "fragment"} tags=["hide-input"] jupyter={"source_hidden": true}
fitted = [name for name in bits if name not in ("uniform guess", "VAE, 8-D (mean image)", mixture)]
certain = [name for name in fitted if certainly_lower_bits(mixture, name)]
unsettled = [name for name in fitted if bits[name][1] == "bound" and bits[name][0] > bits[mixture][0]]
print(f"mixture: {bits[mixture][0]:.3f} bits/dim (exact), FID {scores[mixture].fid:.1f}")
print(f"certainly better than {len(certain)} of the {len(fitted)} fitted models: {', '.join(certain)}")
print(f"bounds above it, not settled: {', '.join(unsettled)}")
check_claim("PixelCNN" in certain, "the noisy mixture certainly beats the plain PixelCNN in bits/dim")
check_claim(all(clearly_worse_fid(mixture, name) for name in fitted),
            "the noisy mixture's FID is clearly worse than every fitted model's")

# %% [markdown] slideshow={"slide_type": "fragment"}
# **Likelihood barely notices noise.** The mixture is still certainly a better density model of
# the digits than three of the seven fitted models, the plain PixelCNN among them, which draws
# recognizable digits (against the two bounds above it the numbers cannot tell), while its FID is
# clearly worse than every fitted model's. Bits/dim averages $\log P(x)$ over the test digits, and a log
# barely moves when a probability is divided by 100; the eye sees every sample. A good likelihood
# is not sufficient for good samples (Theis et al. also show that it is not necessary): report
# both numbers.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
# * On one test set, bits/dim ranks density models, but only exact numbers rank freely: a bound
#   (dequantization for a continuous density, the ELBO or IWAE for a VAE) beats an exact number
#   for certain only when it is already below it; above it, the numbers cannot tell.
# * Modelling the pixels jointly pays: the autoregressive models have the lowest exact bits/dim,
#   and pay with one network pass per pixel when sampling (notebook 05, section 8).
# * Sample quality needs its own score, here a digit FID, read against what real digits score
#   and against its own spread. It ranks the models differently: the VAE's mean images and its
#   samples share one likelihood, and a model that mostly draws noise keeps almost all of its
#   bits/dim.

# %% [markdown] slideshow={"slide_type": "skip"}
# ## Exercises
# Each checked exercise has a cell to edit and a self-check that says what is wrong.
#
# **Exercise 1.** Section 1 dequantized the digits as $x + u$ on the integer scale. Most
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
# **Exercise 2.** Write section 2's rule as a function: return `"A"` or `"B"` if that model
# **certainly** has the lower true test bits/dim, or `"unknown"` when the numbers cannot tell.
# `kind` is `"exact"` or `"bound"`, as in the table. Then run it on the table's rows
# (`results[name]` is the bits/dim and the kind): which models is the VAE (IWAE) certainly better
# than, and which are certainly better than the VAE?

# %% slideshow={"slide_type": "skip"}
def exercise_better_model(bpd_a, kind_a, bpd_b, kind_b):
    """'A' or 'B' if that model certainly has the lower true bits/dim, else 'unknown'."""
    # YOUR CODE HERE
    raise NotImplementedError()


checks.check_better_model(exercise_better_model)

# %% [markdown] slideshow={"slide_type": "skip"}
# **Exercise 3 (open).** Section 4 mixed the Gated PixelCNN with noise at weight $0.99$. Redo the
# mixture with a noise weight $w$ for a few values of $w$ between $0.99$ and $1 - 10^{-13}$. How
# large must $w$ be before the mixture is no longer certainly better than the independent pixels?
# Derive the answer from the bound of section 4 first, then check it with the code.
