"""Solutions to the exercises of notebooks/02_ebm (instructor key; tools/editions.py merges the
bodies between the markers into the notebook)."""
import torch

from genzoo_lite.models.energy.ebm import grid_points


def exercise_grad_log_partition(features, theta, lim, n):
    """d log Z / d theta for E_theta(x) = features(x) @ theta, Z on grid_points(lim, n): (J,)."""
    ### BEGIN SOLUTION
    points, _ = grid_points(lim, n)
    phi = features(points.to(theta.dtype))  # (G, J)
    p = torch.softmax(-phi @ theta, dim=0)  # p_theta on the grid cells; the area cancels
    return -p @ phi
    ### END SOLUTION


def exercise_hessian_log_partition(features, theta, lim, n):
    """d^2 log Z / d theta^2 for E_theta(x) = features(x) @ theta on grid_points(lim, n): (J, J)."""
    ### BEGIN SOLUTION
    points, _ = grid_points(lim, n)
    phi = features(points.to(theta.dtype))
    p = torch.softmax(-phi @ theta, dim=0)
    centred = phi - p @ phi
    return centred.T @ (p[:, None] * centred)  # Cov_p[phi]
    ### END SOLUTION


def exercise_max_step_size(sigmas, tol):
    """Largest Langevin step keeping every coordinate's spread within (1 + tol) sigma_d."""
    ### BEGIN SOLUTION
    # sigma / sqrt(1 - eta / (2 sigma^2)) = (1 + tol) sigma, solved for eta; narrowest well wins
    return 2 * min(sigmas) ** 2 * (1 - 1 / (1 + tol) ** 2)
    ### END SOLUTION


# Exercise 4 (open): mode mixing. Reference counts (wells in the order of `centres`, the start
# is the last), generator seed 0 each run:
#   300 steps, eta 0.01:            [2, 25, 16, 357]   (exact samples: about 100 each)
#   3000 steps:                     [41, 93, 82, 184]
#   3000 steps, E / 2 (temperature 2): [88, 118, 92, 102]
# Code: x_start = centres[3].repeat(400, 1)
#       x = langevin(four_wells, x_start, 3000, 0.01, math.sqrt(0.02),
#                    generator=torch.Generator().manual_seed(0))
#       torch.bincount(((x[:, None] - centres) ** 2).sum(-1).argmin(1), minlength=4)
# To leave a well a chain must climb the barrier between wells, about 1.2^2 / (2 * 0.35^2) = 5.9
# nats here; the rate of such crossings falls like exp(-barrier), so the time to mix between
# modes grows exponentially with the barrier, while the time to sample within one well does not.
# Halving the energy halves the barrier (exp(-2.9) instead of exp(-5.9)), and the chains cross
# often. During training the model term E_p[grad E] is then estimated from chains that hold the
# wrong proportion of each mode: the contrastive gradient is biased, mode weights are learned
# badly. Persistent chains (which accumulate crossings over training) and restarts from uniform
# noise (reinit_prob, which drop chains into every basin) are the two remedies used in section 5.
