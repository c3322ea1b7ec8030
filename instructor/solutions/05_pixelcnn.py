"""Solutions of notebooks/05_pixelcnn.py (the instructor's key; merged by tools/editions.py)."""
import torch
from genzoo_lite.models.autoregressive.gated_pixelcnn import GatedLayer


def exercise_column_mask(k, mask_type):
    """The (k, k) mask for column-major order: 1 = the weight may be used."""
    ### BEGIN SOLUTION
    # Column order is raster order with rows and columns swapped: every column left of the
    # centre is earlier, and in the centre column the pixels above it (and the centre for B).
    mask = torch.zeros(k, k)
    mask[:, : k // 2] = 1
    mask[: k // 2 + (mask_type == "B"), k // 2] = 1
    return mask
    ### END SOLUTION


def exercise_gated_layer(layer, v, h, bias):
    """One gated layer: returns (v_new, h_new), each (N, C, H, W)."""
    ### BEGIN SOLUTION
    v_feat = layer.v_conv(v)  # (N, 2C, H, W): rows above only
    v_new = GatedLayer.gate(v_feat + bias)
    # The vertical features enter the horizontal stack (never the other way round): they see
    # every row above, the horizontal stack the current row up to the pixel.
    h_feat = layer.h_conv(h) + layer.v_to_h(v_feat)
    h_new = h + layer.h_out(GatedLayer.gate(h_feat + bias))
    return v_new, h_new
    ### END SOLUTION


def exercise_log_prob_given(model, x, known):
    """log P(x_hidden | x_known) in nats, a tensor (N,); ValueError unless the known pixels all
    come first in raster order."""
    ### BEGIN SOLUTION
    order = known.flatten()  # raster order
    hidden_at = torch.nonzero(~order)
    if len(hidden_at) and order[hidden_at[0, 0]:].any():
        raise ValueError("a known pixel comes after a hidden one in raster order: the model's "
                         "conditionals cannot see it")
    # P(x) = P(known) P(hidden | known), and with the known pixels first the second factor is
    # the product of the hidden pixels' conditionals, each given the full x before it.
    with torch.no_grad():
        log_p = torch.log_softmax(model(x), dim=1).gather(1, x)[:, 0]  # (N, H, W)
    return log_p[:, ~known].sum(dim=1)
    ### END SOLUTION


# Exercise 4 (open): how deep must the Gated PixelCNN be to see every earlier pixel of an 8x8
# image? With untrained models (the count does not depend on the weights):
#     for L in range(6):
#         print(L, unseen_earlier_pixels(GatedPixelCNN(num_layers=L).eval()),
#               unseen_earlier_pixels(PixelCNN(num_layers=L).eval()))
# gives, for L = 0..5, gated 1872, 696, 366, 126, 0, 0 and plain 1080, 724, 433, 229, 125, 125
# unseen (pixel, earlier pixel) pairs of 2016. The gated model needs 4 layers: its first 7x7
# layer sees 3 rows up and 3 columns to each side, each 3x3 layer one more, and 3 + 4 = 7 is
# the distance across the image. The plain PixelCNN stops at 125 for any depth: its blind
# spot is a triangle that grows with the receptive field, so depth never removes it. With
# num_layers=0 the gated model is worst, since its head reads only the horizontal stack (the
# current row); the vertical stack first reaches the head through a gated layer.
