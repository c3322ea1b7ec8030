"""Solutions to the exercises of notebooks/00_zoo_overview (instructor key; tools/editions.py
merges the bodies between the markers into the notebook)."""
import math


def exercise_bits_per_dim(log_p_nats, num_pixels):
    """Bits per dimension of an image with log P(x) = log_p_nats (nats) and num_pixels pixels."""
    ### BEGIN SOLUTION
    return -log_p_nats / (num_pixels * math.log(2))
    ### END SOLUTION


# Exercise 2 (open): with the notebook's `data` and `modes`,
#     for seed in range(20):
#         fit = fit_gmm(data, k=8, n_iter=100, seed=seed)
#         one_each = (torch.bincount(fit.responsibilities(modes).argmax(1), minlength=8) == 1).all()
# gives 6 of the 20 runs with one component on each mode (seeds 3, 4, 11, 13, 15, 17), so one run
# succeeds with probability about 0.3, and n restarts all fail with probability about 0.7^n:
# 0.7^n <= 0.01 needs n >= log(0.01) / log(0.7), about 13 restarts. Here the training
# log-likelihood does tell them apart: the six good runs all reach -1.687 nats/point, every
# other run -1.847 or less, so "keep the restart with the highest training log-likelihood"
# finds a good fit whenever one of the restarts is good. (The estimate of 0.3 from 20 runs is
# itself rough: anything from about 0.1 to 0.5 is consistent with 6 of 20.)
