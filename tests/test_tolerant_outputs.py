"""The numeric tolerance nbval compares notebook outputs with
(genzoo_lite.testing.tolerant_outputs): words exactly, numbers within RTOL or UNITS in their last
printed digit."""
import json

import pytest

from genzoo_lite.testing.tolerant_outputs import (
    RTOL,
    UNITS,
    align_numbers,
    align_outputs,
    compare_cell_outputs,
    numbers_close,
    text_difference,
)

pytest_plugins = ["pytester"]


def stream(text):
    return {"output_type": "stream", "name": "stdout", "text": text}


def test_equal_text_matches():
    assert text_difference("test NLL 87.54 nats\n", "test NLL 87.54 nats\n") is None


def test_last_digits_within_the_tolerance_match():
    assert text_difference("variance 3613059.5\n", "variance 3613058.5\n") is None
    assert text_difference("2.0% of the chains", "1.9% of the chains") is None  # one unit
    # An ELBO that differed by 0.16 % between two CPUs came from torch.special.ndtr's lower-tail
    # cancellation (genzoo_lite.core.distributions.normal_cdf avoids it); it is now a real change.
    assert not numbers_close("-92.67", "-92.82")


def test_a_model_worse_by_a_hundredth_of_a_bit_fails():
    # bits/dim are printed with three or four decimals: with two, 0.01 is one unit of the last
    # digit, which a value near a rounding boundary can move by on any CPU.
    for shipped in ("1.7787", "1.752", "3.051", "2.350"):
        worse = f"{float(shipped) + 0.01:.{len(shipped.split('.')[1])}f}"
        assert text_difference(f"test bits/dim {shipped}", f"test bits/dim {worse}")


def test_numbers_beyond_the_tolerance_fail():
    assert "beyond the tolerance" in text_difference("87.54 nats", "88.10 nats")
    assert text_difference("components with one mode: 8", "components with one mode: 7")
    assert text_difference("AUROC 0.951", "AUROC 0.940")


def test_integers_compare_relatively_not_by_units():
    assert not numbers_close("4", "3")  # a best seed that flips is a change
    assert numbers_close("3613059", str(round(3613059 * (1 + RTOL / 2))))
    assert not numbers_close("100", "101")  # 1 % apart


def test_different_words_fail_whatever_the_numbers():
    assert "words differ" in text_difference("seed 4: -1.687", "seed 4: -1.687 diverged")
    assert "words differ" in text_difference("PixelCNN 1.80\nGated 1.78\n",
                                             "Gated 1.78\nPixelCNN 1.80\n")


def test_a_row_that_moves_fails_even_with_the_same_numbers():
    table = "VAE       87.14\nPixelCNN   1.80\n"
    moved = "PixelCNN  87.14\nVAE        1.80\n"
    assert text_difference(table, moved)


def test_digits_glued_to_words_are_words():
    assert text_difference("layer f16 done", "layer f17 done")
    assert text_difference("01_gaussian_mle", "02_gaussian_mle")


def test_units_scale_with_the_printed_precision():
    assert numbers_close("0.5", "0.6") == (UNITS >= 1)
    assert not numbers_close("0.500", "0.600")
    assert numbers_close("1.5e-03", "1.6e-03") == (UNITS >= 1)


def test_nan_matches_only_nan():
    assert numbers_close("nan", "nan") and not numbers_close("nan", "1.0")


def test_align_numbers_rewrites_only_close_numbers():
    assert align_numbers("a 1.00 b 5.00", "a 1.01 b 6.00") == "a 1.00 b 6.00"
    assert align_numbers("a 1.00", "b 1.01") == "b 1.01"  # words differ: left for the diff


def test_cell_comparison_joins_streams_and_sanitizes():
    saved = [stream("loss 0.500\n"), stream("took 12 ms\n")]
    fresh = [stream("loss 0.501\ntook 80 ms\n")]
    def sanitize(text):
        return text.replace("12 ms", "T").replace("80 ms", "T")

    assert compare_cell_outputs(saved, fresh, sanitize) is None
    assert compare_cell_outputs(saved, [stream("loss 0.700\ntook 12 ms\n")])


def test_align_outputs_pairs_texts_of_the_same_kind():
    saved = [{"output_type": "execute_result", "data": {"text/plain": "0.250"}, "metadata": {}}]
    fresh = [{"output_type": "execute_result", "data": {"text/plain": "0.251"}, "metadata": {}}]
    new, ref = align_outputs(fresh, saved)
    assert new[0]["data"]["text/plain"] == "0.250" and fresh[0]["data"]["text/plain"] == "0.251"


def _notebook(saved_text: str, printed: str) -> str:
    cell = {"cell_type": "code", "execution_count": 1, "metadata": {}, "id": "c1",
            "source": f"print({printed!r})", "outputs": [stream(saved_text + "\n")]}
    return json.dumps({"cells": [cell], "metadata": {"kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5})


@pytest.mark.parametrize("printed, passes", [("bits/dim 1.7788", True),
                                             ("bits/dim 1.7887", False),
                                             ("bits/dime 1.7787", False)])
def test_nbval_uses_the_tolerance(pytester, printed, passes):
    """The plugin, as the root conftest loads it for `make test`, on a one-cell notebook."""
    pytester.makefile(".ipynb", probe=_notebook("bits/dim 1.7787", printed))
    result = pytester.runpytest_subprocess("--nbval", "-p", "genzoo_lite.testing.tolerant_outputs",
                                           "-p", "no:cacheprovider", "probe.ipynb")
    result.assert_outcomes(passed=1) if passes else result.assert_outcomes(failed=1)
