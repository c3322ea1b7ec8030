"""notebooks/05_pixelcnn: the key passes every check, and each usual mistake gets its message."""
from __future__ import annotations

import torch
from solutions import load_solutions

from genzoo_lite.exercises import pixelcnn as ex
from genzoo_lite.models.autoregressive.gated_pixelcnn import GatedLayer
from genzoo_lite.models.autoregressive.pixelcnn import MaskedConv2d

key = load_solutions("05_pixelcnn")


def test_column_mask_names_the_mistakes():
    def right(k, t):
        return key.exercise_column_mask(k, t)

    assert "raster-order mask" in ex.check_column_mask(
        lambda k, t: MaskedConv2d.build_mask(k, k, t)).message
    assert "on itself" not in ex.check_column_mask(right).message
    assert "depends on itself" in ex.check_column_mask(lambda k, t: right(k, "B")).message
    assert "mask B keeps the centre" in ex.check_column_mask(lambda k, t: right(k, "A")).message
    flipped = ex.check_column_mask(lambda k, t: right(k, t).flip(1))  # columns to the right
    assert "not causal in column order" in flipped.message and "later pixel" in flipped.message
    only_above = ex.check_column_mask(lambda k, t: right(k, t) * (torch.arange(k) == k // 2))
    assert "hides earlier pixels" in only_above.message
    assert "(3, 3) tensor" in ex.check_column_mask(lambda k, t: torch.ones(2, 2)).message


def test_gated_layer_names_the_mistakes():
    def wired(layer, v, h, bias, *, h_into_v=False, v_into_h=True, gate=GatedLayer.gate,
              residual=True, h_out=True, bias_h=True):
        v_feat = layer.v_conv(v + h if h_into_v else v)
        v_new = gate(v_feat + bias)
        h_feat = layer.h_conv(h) + (layer.v_to_h(v_feat) if v_into_h else 0)
        g = gate(h_feat + (bias if bias_h else 0))
        return v_new, (h if residual else 0) + (layer.h_out(g) if h_out else g)

    assert ex.check_gated_layer(wired).ok
    msg = ex.check_gated_layer(lambda *a: wired(*a, h_into_v=True)).message
    assert "not causal" in msg and "Only the vertical stack may feed" in msg
    assert "blind spot" in ex.check_gated_layer(lambda *a: wired(*a, v_into_h=False)).message

    def swapped(a):
        f, g = a.chunk(2, dim=1)
        return torch.sigmoid(f) * torch.tanh(g)

    assert "swapped" in ex.check_gated_layer(lambda *a: wired(*a, gate=swapped)).message
    assert "residual" in ex.check_gated_layer(lambda *a: wired(*a, residual=False)).message
    assert "h_out" in ex.check_gated_layer(lambda *a: wired(*a, h_out=False)).message
    assert "conditioning" in ex.check_gated_layer(lambda *a: wired(*a, bias_h=False)).message


def test_log_prob_given_names_the_mistakes():
    right = key.exercise_log_prob_given

    def terms(model, x, logits=False):
        out = model(x)
        return (out if logits else torch.log_softmax(out, 1)).gather(1, x)[:, 0]

    def summed(which):
        def answer(model, x, known):
            right(model, x, known)  # the ValueError for the left half
            t = terms(model, x)
            return {"all": t.sum((1, 2)), "known": t[:, known].sum(1),
                    "zeroed": terms(model, x * known)[:, ~known].sum(1),
                    "logits": terms(model, x, True)[:, ~known].sum(1)}[which]
        return answer

    assert "joint" in ex.check_log_prob_given(summed("all")).message
    assert "log P(known)" in ex.check_log_prob_given(summed("known")).message
    assert "pass the full x" in ex.check_log_prob_given(summed("zeroed")).message
    assert "raw logits" in ex.check_log_prob_given(summed("logits")).message
    assert "its log" in ex.check_log_prob_given(lambda *a: right(*a).exp()).message
    assert "Raise ValueError" in ex.check_log_prob_given(
        lambda m, x, k: terms(m, x)[:, ~k].sum(1)).message

    def always_raises(model, x, known):
        raise ValueError("never exact")

    assert "gives the conditional exactly" in ex.check_log_prob_given(always_raises).message

    def wrong_error(model, x, known):
        if known[0, -1] == 0:
            raise TypeError("left half")
        return right(model, x, known)

    assert "raise ValueError (got TypeError" in ex.check_log_prob_given(wrong_error).message


def test_checks_leave_the_global_random_stream_alone():
    torch.manual_seed(0)
    for exercise in ex.EXERCISES:
        exercise.check(getattr(key, exercise.function))
    after = torch.rand(1)
    torch.manual_seed(0)
    assert torch.equal(after, torch.rand(1))


def test_calling_the_layer_itself_fails(capsys):
    """Exercise 2 builds the layer from its parts: the check's layers refuse to run whole."""
    for answer in (lambda layer, v, h, bias: layer(v, h, bias),
                   lambda layer, v, h, bias: layer.forward(v, h, bias)):
        result = ex.check_gated_layer(answer)
        assert not result.ok and "calling layer itself is not an answer" in result.message
        result = ex.random_gated_layer(answer, 7)
        assert not result.ok and "calling layer itself" in result.message, result
    assert ex.check_gated_layer(key.exercise_gated_layer).ok
    capsys.readouterr()


def test_the_grader_sees_the_layer_refuse():
    import json

    from genzoo_lite.grading.in_kernel import probe_function
    from genzoo_lite.grading.judge import judge_exercise

    exercise = ex.EXERCISES[1]
    record = json.loads(json.dumps(probe_function(
        exercise, lambda layer, v, h, bias: layer(v, h, bias), 60, 5)))
    row = judge_exercise(exercise, record, 5)
    assert row["score"] == 0 and "calling layer itself" in row["detail"], row
