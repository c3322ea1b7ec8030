"""Solutions of notebooks/06_vqvae2.py (the instructor's key; merged by tools/editions.py)."""
import math

import torch
from genzoo_lite.models.quantized.quantizer import perplexity


def exercise_compression_ratio(model, height, width):
    """Bits of a height x width 8-bit gray image / bits of its two code maps."""
    ### BEGIN SOLUTION
    with torch.no_grad():  # the map sizes, whatever the downsampling
        top, bottom = model.encode(torch.zeros(1, 1, height, width))
    code_bits = (top.numel() * math.log2(model.quant_top.num_codes)
                 + bottom.numel() * math.log2(model.quant_bottom.num_codes))
    return 8 * height * width / code_bits
    ### END SOLUTION


def exercise_codebook_size(usage):
    """The smallest K whose perplexity reaches 0.9 times the highest; usage = {K: counts}."""
    ### BEGIN SOLUTION
    scores = {}
    for k, counts in usage.items():
        p = counts.double() / counts.sum()
        scores[k] = math.exp(-(p[p > 0] * p[p > 0].log()).sum().item())  # 0 log 0 = 0
    best = max(scores.values())
    return min(k for k, s in scores.items() if s >= 0.9 * best)
    ### END SOLUTION


def exercise_usage_bits(top, bottom, num_codes_top, num_codes_bottom):
    """Average bits per image when each level's codes are entropy-coded by their usage."""
    ### BEGIN SOLUTION
    # The entropy of the usage is log2(perplexity) bits per code; an image has
    # top[0].numel() top codes and bottom[0].numel() bottom codes.
    return (top[0].numel() * math.log2(perplexity(top, num_codes_top).item())
            + bottom[0].numel() * math.log2(perplexity(bottom, num_codes_bottom).item()))
    ### END SOLUTION


# Exercise 4 (open): with the notebook's variables,
#     usage = exercise_usage_bits(top_test, bottom_test, vqvae.quant_top.num_codes,
#                                 vqvae.quant_bottom.num_codes)
# gives about 433 bits per test crop, against 464 for fixed-length codes and 8192 for the
# pixels; the prior's crop_bits is about 262. The usage is fairly even (perplexities about 23
# of 32 top codes and 50 of 64 bottom codes), so coding by usage saves only about 30 bits. The
# prior saves about 200 bits more: most of the structure is in which codes occur together
# (neighbours, the top map for the bottom one, the label), not in how often each code occurs.
# exercise_compression_ratio(vqvae, 256, 256) is the same 17.7 as for a 32x32 crop: the model
# is fully convolutional, both code maps scale with the number of pixels.

# Exercise 5 (open): for example
#     def learn_codebook_from(start, restart_threshold=None):
#         gen = torch.Generator().manual_seed(0)
#         q = VectorQuantizer(16, 2, restart_threshold=restart_threshold)
#         with torch.no_grad():
#             q.codebook.copy_(start)
#         ...  # the same 200 Adam steps as learn_codebook
#     noise = 0.3 * torch.rand(16, 2, generator=torch.Generator().manual_seed(0))
#     pick = torch.randperm(2000, generator=torch.Generator().manual_seed(0))[:16]
#     starts = {"corner": torch.tensor([3.0, 3.0]) + noise, "centre": noise,
#               "data": points[pick]}
# gives 2, 5 and 16 codes used, perplexities about 1.9, 4.8 and 14.8, losses about 1.57, 0.32
# and 0.034 (the restarts of section 2: 0.034). From the centre the codes are nearer the data
# than from the corner, but all 16 start in one small square: the few codes at its edge are the
# nearest for every cluster, win everything and move out, and the others stay behind, dead.
# Starting on data points is the idea behind k-means initialisation (kmeans_init=True): every
# code starts where data is, so every code is the nearest for some points.
