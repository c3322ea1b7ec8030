"""Solutions to the exercises of notebooks/03_vae (instructor key; tools/editions.py merges the
bodies between the markers into the notebook)."""
import torch


def exercise_kl_gaussians(mu_q, log_var_q, mu_p, log_var_p):
    """KL(N(mu_q, diag e^log_var_q) || N(mu_p, diag e^log_var_p)) per row: a (N,) tensor."""
    ### BEGIN SOLUTION
    var_q, var_p = log_var_q.exp(), log_var_p.exp()
    return 0.5 * (log_var_p - log_var_q + (var_q + (mu_q - mu_p) ** 2) / var_p - 1).sum(dim=-1)
    ### END SOLUTION


def exercise_score_grad_log_sigma(f, z, mu, sigma):
    """Single-sample estimates (M, L) of d E_q[f] / d log sigma for q = N(mu, diag sigma^2),
    from f (M,) = f(z_i) and z (M, L), with a leave-one-out baseline."""
    ### BEGIN SOLUTION
    score = (z - mu) ** 2 / sigma**2 - 1  # d log q(z) / d log sigma_j
    baseline = (f.sum() - f) / (len(f) - 1)  # mean of f over the other samples
    return (f - baseline)[:, None] * score
    ### END SOLUTION


def exercise_elbo_gap(x, w, b, s, q_mu, q_std):
    """log p(x) - ELBO(q) for p(z) = N(0, 1), p(x|z) = N(w z + b, s^2 I) and q = N(q_mu, q_std^2):
    a (N,) tensor."""
    ### BEGIN SOLUTION
    post_var = 1 / (1 + (w**2).sum() / s**2)  # precisions add: prior 1, likelihood |w|^2 / s^2
    post_mu = post_var * ((x - b) @ w) / s**2
    # the gap is KL(q || p(z|x)) between two 1-D Gaussians
    return (0.5 * torch.log(post_var / q_std**2)
            + (q_std**2 + (q_mu - post_mu) ** 2) / (2 * post_var) - 0.5)
    ### END SOLUTION


# Exercise 4 (open): the amortization gap. A reference run (about 10 s on one thread):
#
#     for p in vae2.parameters():
#         p.requires_grad_(False)
#     x = x_test[:20]
#     with torch.no_grad():
#         mu0, lv0 = vae2.encode(x)
#
#     def elbo_of(mu, lv, gen, k):
#         z = mu + (0.5 * lv).exp() * torch.randn(k, *mu.shape, generator=gen)  # (k, N, L)
#         rec = vae2.log_px_given_z(x.repeat(k, 1, 1, 1), z.reshape(-1, mu.shape[1]))
#         return rec.reshape(k, -1).mean(0) - 0.5 * (mu**2 + lv.exp() - 1 - lv).sum(1)
#
#     mu, lv = mu0.clone().requires_grad_(True), lv0.clone().requires_grad_(True)
#     opt, gen = torch.optim.Adam([mu, lv], lr=0.1), torch.Generator().manual_seed(0)
#     for _ in range(100):
#         opt.zero_grad()
#         (-elbo_of(mu, lv, gen, 32).sum()).backward()
#         opt.step()
#     with torch.no_grad():
#         before = elbo_of(mu0, lv0, torch.Generator().manual_seed(1), 2000)
#         after = elbo_of(mu, lv, torch.Generator().manual_seed(1), 2000)
#
# gives (torch 2.13 CPU) a mean ELBO of -97.57 nats with the encoder's q and -95.88 with the
# optimized q: a gain of 1.68 nats on average, median 0.71, from 0.05 to 6.57, 11 of the 20
# digits below one nat. Section 7's gap between ELBO and IWAE_1000 for the 2-D VAE is about
# 1.8 nats (-98.19 against -96.37, all test digits): most of log p(x) - ELBO is the
# amortization gap (one encoder for all digits), little is the approximation gap (a Gaussian q
# against the true posterior), which is small for a 2-D latent (the two numbers come from
# different digit sets, so compare them loosely). A better encoder, or a few such steps per
# digit at test time (semi-amortized inference), closes this part of the gap.
