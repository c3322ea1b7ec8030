"""Solutions to the exercises of notebooks/01_gaussian_mle (instructor key; tools/editions.py
merges the bodies between the markers into the notebook)."""
import math

import torch


def exercise_mle_variance(x):
    """The maximum-likelihood variance sigma^2 of a 1-D tensor x."""
    ### BEGIN SOLUTION
    return ((x - x.mean()) ** 2).mean()
    ### END SOLUTION


def exercise_lognormal_fit(y):
    """Average log-likelihood of positive y (nats per point) under the MLE model
    log y ~ N(mu, sigma^2)."""
    ### BEGIN SOLUTION
    z = torch.log(y)
    mu, sigma2 = z.mean(), ((z - z.mean()) ** 2).mean()
    log_p_z = -0.5 * torch.log(2 * math.pi * sigma2) - (z - mu) ** 2 / (2 * sigma2)
    return (log_p_z - z).mean()  # Jacobian: log |dz/dy| = log(1/y) = -z
    ### END SOLUTION


def exercise_full_minus_diag(x):
    """Maximized average log-likelihood of a full-covariance Gaussian minus a diagonal one, for
    x (N, D), in nats per point."""
    ### BEGIN SOLUTION
    xc = x - x.mean(0)
    cov = xc.T @ xc / len(x)
    # at the MLE the quadratic term is -D/2 for both models: only -log det(Sigma) / 2 differs
    return 0.5 * (torch.log(cov.diagonal()).sum() - torch.logdet(cov))
    ### END SOLUTION


# Exercise 4 (open): rings, fit_gmm(x, k, n_iter=100, seed=0) on toy2d("rings", 1000, seed=0),
# held out on toy2d("rings", 1000, seed=1), nats per point (train / held-out):
#   k = 1: -2.847 / -2.827   k = 2: -2.840 / -2.819   k = 4: -2.783 / -2.775
#   k = 8: -2.758 / -2.758   k = 16: -2.541 / -2.557  k = 32: -1.894 / -2.062
# A ring is curved everywhere, and each Gaussian component is one straight ellipse: a few
# components only add broad blobs that cover the rings and the gaps between them alike (k <= 8
# barely beats one Gaussian). The likelihood jumps once the components are short enough to tile
# the rings (k = 16 to 32, several per ring); the growing train/held-out gap (0.17 nats at
# k = 32) shows the tiles starting to fit the training points' noise. Held-out likelihood, not
# training likelihood, is what tells how many components the data supports.
