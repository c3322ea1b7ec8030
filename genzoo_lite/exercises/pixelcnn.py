"""Self-checks for notebooks/05_pixelcnn.

Each check builds its own small, seeded model (the global random stream is left untouched) and
runs in well under a second, so the grader can call it outside the notebook.
"""
from __future__ import annotations

import copy
from collections.abc import Callable

import torch
import torch.nn.functional as F

from genzoo_lite.exercises._report import (
    Exercise,
    Result,
    confirm,
    not_attempted,
    not_on_random,
    on_random_inputs,
    random_inputs,
    report,
    same_tensor,
)
from genzoo_lite.exercises._report import call_answer as _call
from genzoo_lite.models.autoregressive.gated_pixelcnn import GatedLayer, GatedPixelCNN
from genzoo_lite.models.autoregressive.pixelcnn import MaskedConv2d

__all__ = ["check_column_mask", "check_gated_layer", "check_log_prob_given", "EXERCISES"]


def _seeded(build: Callable, seed: int = 0):
    """``build()`` under a fixed seed, without moving the caller's global random stream."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build()


def _dependencies(out_fn: Callable[[torch.Tensor], torch.Tensor], e: torch.Tensor) -> torch.Tensor:
    """Bool (HW, HW): [i, j] = the output at raster pixel i has a gradient from input pixel j.
    ``e`` is one input (1, C, H, W); ``out_fn`` maps a batch of inputs to (B, K, H, W)."""
    size = e.shape[2] * e.shape[3]
    e = e.detach().repeat(size, 1, 1, 1).requires_grad_(True)  # copy i answers for pixel i
    out = out_fn(e).flatten(2)  # (HW, K, HW)
    (grad,) = torch.autograd.grad(out[torch.arange(size), :, torch.arange(size)].sum(), e)
    return (grad.abs().sum(dim=1) > 0).flatten(1)


# ----- Exercise 1: a mask for column-major order -------------------------------------------
def _column_stack(masks: dict[str, torch.Tensor]) -> torch.Tensor:
    """Dependencies (36, 36) of a 5x5 mask-A layer and two 3x3 mask-B layers on a 6x6 map."""
    gen = torch.Generator().manual_seed(0)
    weights = [torch.randn(4, 2, 5, 5, generator=gen) * masks["A"]] + [
        torch.randn(4, 4, 3, 3, generator=gen) * masks["B"] for _ in range(2)]

    def run(h):
        for w in weights:
            h = torch.tanh(F.conv2d(h, w, padding=w.shape[-1] // 2))
        return h

    return _dependencies(run, torch.randn(1, 2, 6, 6, generator=gen))


def check_column_mask(make_mask: Callable[[int, str], torch.Tensor]) -> Result:
    """Exercise 1: ``make_mask(k, mask_type)``, the (k, k) mask for column-major order (down each
    column, columns left to right); checked by the gradients of a small masked stack."""
    name = "Exercise 1"
    masks = {}
    for k, mask_type in ((3, "A"), (3, "B"), (5, "A"), (5, "B")):
        value, error = _call(make_mask, k, mask_type)
        if error == "not_attempted":
            return report(not_attempted("which kernel positions come earlier in column "
                                        "order?"), name)
        if error:
            return report(Result(False, error), name)
        value = torch.as_tensor(value, dtype=torch.float32)
        if value.shape != (k, k) or not ((value == 0) | (value == 1)).all():
            return report(Result(False, f"make_mask({k}, {mask_type!r}) must be a ({k}, {k}) "
                                        f"tensor of 0s and 1s, got shape {tuple(value.shape)}"),
                          name)
        masks[k, mask_type] = value
    seen = _column_stack({"A": masks[5, "A"], "B": masks[3, "B"]})
    col = torch.arange(36).view(6, 6).T.flatten()  # column-order position of raster pixel i
    later = col[None, :] >= col[:, None]  # [i, j]: j is i itself or comes after it
    right = {key: MaskedConv2d.build_mask(key[0], key[0], key[1]).T for key in masks}
    if all(torch.equal(masks[key], right[key]) for key in masks) and not seen[later].any():
        i = torch.arange(36)
        near = seen[i[6:], i[6:] - 6].all() and seen[i[i % 6 > 0], i[i % 6 > 0] - 1].all()
        return report(confirm(Result(True, "causal in column order; every output sees the "
                                           "pixel above and the pixel to the left: "
                                           f"{bool(near)}"), random_column_mask, make_mask),
                      name)
    raster = {key: MaskedConv2d.build_mask(key[0], key[0], key[1]) for key in masks}
    if all(torch.equal(masks[key], raster[key]) for key in masks):
        return report(Result(False, "that is the raster-order mask of section 2: in column "
                                    "order the pixel below comes next, not the one to the "
                                    "right"), name)
    if seen[later].any():
        i, j = (int(t) for t in seen.logical_and(later).nonzero()[0])
        what = "itself" if i == j else f"the later pixel {divmod(j, 6)}"
        hint = ("mask A must hide the centre" if i == j else "in column order the columns to "
                "the right, and the pixels below the centre in its column, come later")
        return report(Result(False, f"not causal in column order: the output at "
                                    f"{divmod(i, 6)} depends on {what} ({hint})"), name)
    if any(masks[k, "B"][k // 2, k // 2] == 0 for k in (3, 5)):
        return report(Result(False, "mask B keeps the centre (the features there already "
                                    "exclude the pixel itself)"), name)
    return report(Result(False, "causal, but it hides earlier pixels: every column left of the "
                                "centre comes earlier, and so do the pixels above the centre "
                                "in its own column"), name)


# ----- Exercise 2: a gated layer -----------------------------------------------------------
class PartsOnly(GatedLayer):
    """A :class:`GatedLayer` whose parts work but which refuses to run as a whole: the exercise
    is to build the layer from ``v_conv``, ``h_conv``, ``v_to_h``, ``h_out`` and ``gate``."""

    def forward(self, *args, **kwargs):
        raise RuntimeError("the exercise builds the layer from its parts (layer.v_conv, "
                           "layer.h_conv, layer.v_to_h, layer.h_out, GatedLayer.gate); "
                           "calling layer itself is not an answer")


def _parts_only(layer: GatedLayer) -> PartsOnly:
    """A copy of ``layer`` (same weights) that the student's function receives."""
    parts = copy.deepcopy(layer)
    parts.__class__ = PartsOnly
    return parts


def _gated_stack(fn: Callable, model: GatedPixelCNN, bias: torch.Tensor) -> Callable:
    layers = [_parts_only(layer) for layer in model.layers]

    def run(e):
        v, h = model.v_first(e), model.h_first(e)
        for layer in layers:
            v, h = fn(layer, v, h, bias)
        return model.head(h)
    return run


def _perturbed(e: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """(1 + HW, C, H, W): ``e``, then one copy per raster pixel j with pixel j redrawn."""
    size = e.shape[2] * e.shape[3]
    batch = e.repeat(size + 1, 1, 1, 1)
    fresh = torch.randn(size, e.shape[1], generator=gen, dtype=e.dtype)
    batch[1:].view(size, e.shape[1], size)[torch.arange(size), :, torch.arange(size)] = fresh
    return batch


def _changed(out: torch.Tensor) -> torch.Tensor:
    """Bool (HW, HW): [i, j] = redrawing input pixel j changed the output at raster pixel i.
    The same dependencies the gradients give, but from values only: the grader records the
    student's outputs in the submission's kernel and finds them in a clean process."""
    out = torch.as_tensor(out, dtype=torch.float64).detach().flatten(2)  # (1 + HW, K, HW)
    return ((out[1:] - out[:1]).abs().amax(dim=1) > 1e-9).T


def check_gated_layer(gated_layer: Callable[[GatedLayer, torch.Tensor, torch.Tensor,
                                             torch.Tensor], tuple]) -> Result:
    """Exercise 2: ``gated_layer(layer, v, h, bias) -> (v_new, h_new)``, one layer of the Gated
    PixelCNN from the convolutions of ``layer``; a 3-layer model built on it must be causal and
    see every earlier pixel of a 6x6 image, and match the gated equations."""
    name = "Exercise 2"
    model = _seeded(lambda: GatedPixelCNN(levels=4, channels=6, num_layers=3, embed_dim=3,
                                          first_kernel=5, dropout=0.0).double().eval())
    gen = torch.Generator().manual_seed(1)
    bias = torch.randn(1, 12, 1, 1, generator=gen, dtype=torch.float64)  # one per channel
    e = torch.randn(1, 3, 6, 6, generator=gen, dtype=torch.float64)
    with torch.no_grad():
        out, error = _call(_gated_stack(gated_layer, model, bias), _perturbed(e, gen))
    if error == "not_attempted":
        return report(not_attempted("build v' and h' from the parts of layer"), name)
    if error:
        return report(Result(False, error), name)
    seen = _changed(out)
    later = torch.triu(torch.ones(36, 36, dtype=torch.bool))
    if seen[later].any():
        i, j = (int(t) for t in seen.logical_and(later).nonzero()[0])
        return report(Result(False, f"not causal: the output at {divmod(i, 6)} depends on "
                                    f"{'itself' if i == j else divmod(j, 6)}. Only the vertical "
                                    "stack may feed the horizontal one: the horizontal features "
                                    "see the current row, and a vertical k x k kernel would "
                                    "carry them to the row below"), name)
    unseen = int((~seen[~later]).sum())
    if unseen:
        return report(Result(False, f"blind spot: {unseen} (pixel, earlier pixel) pairs unseen. "
                                    "The head reads the horizontal stack, which sees only its "
                                    "own row: add the vertical features (layer.v_to_h of "
                                    "v_conv(v)) inside its gate"), name)
    v, h = (torch.randn(1, 6, 6, 6, generator=gen, dtype=torch.float64) for _ in range(2))
    layer = model.layers[0]
    with torch.no_grad():
        value, error = _call(gated_layer, _parts_only(layer), v.clone(), h.clone(), bias)
        if error:
            return report(Result(False, error), name)
        try:
            v_new, h_new = (torch.as_tensor(t, dtype=torch.float64) for t in value)
        except (TypeError, ValueError, RuntimeError):
            return report(Result(False, "return the pair (v_new, h_new) of tensors"), name)
        v_ok, h_ok = layer(v, h, bias)
        f, g = (layer.v_conv(v) + bias).chunk(2, dim=1)
        h_feat = layer.h_conv(h) + layer.v_to_h(layer.v_conv(v))
        gate_h = GatedLayer.gate(h_feat + bias)
    if not torch.allclose(v_new, v_ok, atol=1e-5):
        if torch.allclose(v_new, torch.sigmoid(f) * torch.tanh(g), atol=1e-5):
            msg = "tanh and sigmoid swapped: tanh on the first half of the channels, sigmoid " \
                  "(the gate) on the second"
        elif torch.allclose(v_new, GatedLayer.gate(layer.v_conv(v)), atol=1e-5):
            msg = "v' ignores the conditioning: add bias inside the gate"
        else:
            msg = "v' differs from tanh(first half) * sigmoid(second half) of v_conv(v) + bias"
        return report(Result(False, msg), name)
    if not torch.allclose(h_new, h_ok, atol=1e-5):
        if torch.allclose(h_new, h_ok - h, atol=1e-5):
            msg = "the horizontal stack is residual: h' = h + h_out(...)"
        elif torch.allclose(h_new, h + gate_h, atol=1e-5):
            msg = "pass the gated horizontal features through layer.h_out (1x1) before adding h"
        elif torch.allclose(h_new, h + layer.h_out(GatedLayer.gate(h_feat)), atol=1e-5):
            msg = "h' ignores the conditioning: add bias inside its gate too"
        else:
            msg = "causal and no blind spot, but h' differs from the equation above"
        return report(Result(False, msg), name)
    return report(confirm(Result(True, "causal, no blind spot, and the gated equations"),
                          random_gated_layer, gated_layer), name)


# ----- Exercise 3: log P(hidden | known) ---------------------------------------------------
def _log_p(model, x, use_logits=False):
    with torch.no_grad():
        logits = model(x).double()
    per_pixel = logits if use_logits else torch.log_softmax(logits, dim=1)
    return per_pixel.gather(1, x)[:, 0]  # (N, H, W)


def check_log_prob_given(log_prob_given: Callable[[torch.nn.Module, torch.Tensor, torch.Tensor],
                                                  torch.Tensor]) -> Result:
    """Exercise 3: ``log_prob_given(model, x, known)`` = log P(x_hidden | x_known) (N,) in nats
    when every known pixel precedes every hidden one in raster order; ValueError otherwise."""
    name = "Exercise 3"
    model = _seeded(lambda: GatedPixelCNN(levels=5, channels=8, num_layers=2, embed_dim=4,
                                          first_kernel=5, dropout=0.0).eval())
    x = torch.randint(0, 5, (3, 1, 6, 6), generator=torch.Generator().manual_seed(2))
    rows, cols = torch.meshgrid(torch.arange(6), torch.arange(6), indexing="ij")
    cases = {"the top 3 rows": rows < 3, "the first 15 pixels": rows * 6 + cols < 15}
    for what, known in cases.items():
        try:
            value = log_prob_given(model, x.clone(), known.clone())
        except NotImplementedError:
            return report(not_attempted("which conditionals make up P(hidden | known)?"), name)
        except ValueError:
            return report(Result(False, f"raised ValueError with {what} known, but they all "
                                        "come before the hidden pixels: the chain rule gives "
                                        "the conditional exactly here"), name)
        except Exception as err:  # noqa: BLE001 - a student's error becomes a message
            return report(Result(False, f"your function raised {type(err).__name__}: {err}"),
                          name)
        value = torch.as_tensor(value, dtype=torch.float64).detach().reshape(-1)
        terms = _log_p(model, x)
        right = terms[:, ~known].sum(dim=1)
        if value.shape != right.shape:
            return report(Result(False, f"expected one log-probability per image, shape (3,), "
                                        f"got {tuple(value.shape)}"), name)
        if torch.allclose(value, right, atol=1e-4):
            continue
        mistakes = [
            (terms.sum(dim=(1, 2)), "that is log P(x), the joint: leave out the known pixels' "
                                    "own terms"),
            (terms[:, known].sum(dim=1), "that is log P(known); sum over the hidden pixels"),
            (_log_p(model, x * known)[:, ~known].sum(dim=1),
             "you hid the hidden pixels from the model: each hidden x_i is conditioned on all "
             "earlier pixels, earlier hidden ones included, so pass the full x"),
            (_log_p(model, x, use_logits=True)[:, ~known].sum(dim=1),
             "you summed raw logits; take log_softmax over the levels first"),
            (right.exp(), "that is a probability; the exercise asks for its log"),
            (-right, "wrong sign: a log-probability is at most 0")]
        msg = next((m for wrong, m in mistakes if torch.allclose(value, wrong, atol=1e-4)),
                   f"with {what} known: max difference "
                   f"{(value - right).abs().max().item():.3g} nats from the right answer")
        return report(Result(False, msg), name)
    try:
        log_prob_given(model, x.clone(), cols < 3)
    except ValueError:
        return report(confirm(Result(True, "the sum over the hidden pixels, and a ValueError "
                                           "when a known pixel comes after a hidden one"),
                              random_log_prob_given, log_prob_given), name)
    except Exception as err:  # noqa: BLE001
        return report(Result(False, f"with the left half known, raise ValueError (got "
                                    f"{type(err).__name__}: {err})"), name)
    return report(Result(False, "with the left half known, the hidden pixel (0, 3) comes "
                                "before the known (1, 0), and its conditional never sees it: "
                                "the sum is not log P(hidden | known). Raise ValueError"), name)



# ----- the grader's random inputs (genzoo-grade draws a new seed for every run) ---------------
def random_column_mask(make_mask: Callable, seed: int) -> Result:
    k = int(torch.randint(6, 9, (1,), generator=torch.Generator().manual_seed(seed))) | 1
    cases = [((k, t), MaskedConv2d.build_mask(k, k, t).T, f"k = {k}, mask {t}") for t in "AB"]

    def same(value, right) -> bool:
        try:
            return torch.equal(torch.as_tensor(value, dtype=torch.float32), right.float())
        except (TypeError, ValueError, RuntimeError):
            return False

    return on_random_inputs(make_mask, cases, same)


def random_gated_layer(gated_layer: Callable, seed: int) -> Result:
    model = _seeded(lambda: GatedPixelCNN(levels=4, channels=5, num_layers=2, embed_dim=3,
                                          first_kernel=5, dropout=0.0).double().eval(), seed)
    gen = torch.Generator().manual_seed(seed)
    cases = []
    with torch.no_grad():
        for layer in model.layers:
            v, h = (torch.randn(2, 5, 5, 7, generator=gen, dtype=torch.float64)
                    for _ in range(2))
            bias = torch.randn(2, 10, 1, 1, generator=gen, dtype=torch.float64)
            cases.append(((_parts_only(layer), v, h, bias), layer(v, h, bias),
                          "a random 5-channel layer on 2 images of 5x7"))

    def same(value, right) -> bool:
        try:
            return len(value) == 2 and all(
                torch.allclose(torch.as_tensor(a, dtype=torch.float64), b, atol=1e-5)
                for a, b in zip(value, right))
        except (TypeError, ValueError, RuntimeError):
            return False

    with torch.no_grad():
        return on_random_inputs(gated_layer, cases, same)


def random_log_prob_given(log_prob_given: Callable, seed: int) -> Result:
    model = _seeded(lambda: GatedPixelCNN(levels=4, channels=6, num_layers=2, embed_dim=3,
                                          first_kernel=5, dropout=0.0).eval(), seed)
    gen = torch.Generator().manual_seed(seed)
    x = torch.randint(0, 4, (2, 1, 5, 7), generator=gen)
    cut = int(torch.randint(4, 31, (1,), generator=gen))
    known = (torch.arange(35) < cut).view(5, 7)
    right = _log_p(model, x)[:, ~known].sum(dim=1)
    result = on_random_inputs(log_prob_given, [((model, x.clone(), known.clone()), right,
                                                f"the first {cut} of 5x7 pixels known")],
                              same_tensor(atol=1e-4))
    if not result.ok:
        return result
    scattered = known.clone()
    scattered[4, 6], scattered[0, 0] = True, False  # the last pixel known, the first hidden
    try:
        log_prob_given(model, x.clone(), scattered)
    except ValueError:
        return result
    except Exception as err:  # noqa: BLE001 - a student's error becomes a message
        return Result(False, f"on {random_inputs()}, with a known pixel after a hidden one: "
                             f"raise ValueError (got {type(err).__name__}: {err})")
    return Result(False, not_on_random("(a known pixel after a hidden one raised no "
                                       "ValueError)"))


EXERCISES = [
    Exercise("Exercise 1", "exercise_column_mask", check_column_mask, random_column_mask),
    Exercise("Exercise 2", "exercise_gated_layer", check_gated_layer, random_gated_layer),
    Exercise("Exercise 3", "exercise_log_prob_given", check_log_prob_given,
             random_log_prob_given)]
