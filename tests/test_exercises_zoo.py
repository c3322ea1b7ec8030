"""The self-checks of notebooks 00 (Exercise 1) and 07 (Exercises 1 and 2): the instructor's
solutions pass, the usual mistakes are named."""
import math

from solutions import load_solutions

from genzoo_lite.exercises import zoo, zoo_comparison

SOL = load_solutions("00_zoo_overview")
SOL07 = load_solutions("07_zoo_comparison")


def todo(*_):
    raise NotImplementedError()


def test_registry_matches_solutions():
    assert [e.function for e in zoo.EXERCISES] == ["exercise_bits_per_dim"]
    assert [(e.label, e.function) for e in zoo_comparison.EXERCISES] == [
        ("Exercise 1", "exercise_dequantized_bits"), ("Exercise 2", "exercise_better_model")]
    for registry, key in ((zoo.EXERCISES, SOL), (zoo_comparison.EXERCISES, SOL07)):
        for e in registry:
            assert e.check(getattr(key, e.function)).ok, e.label


def test_bits_per_dim_check(capsys):
    assert zoo.check_bits_per_dim(SOL.exercise_bits_per_dim).ok
    assert "✓ Exercise 1" in capsys.readouterr().out
    assert "nats per dimension" in zoo.check_bits_per_dim(lambda lp, n: -lp / n).message
    assert "wrong sign" in zoo.check_bits_per_dim(lambda lp, n: lp / (n * math.log(2))).message
    assert "bits per image" in zoo.check_bits_per_dim(lambda lp, n: -lp / math.log(2)).message
    assert "not attempted" in zoo.check_bits_per_dim(todo).message
    assert "ZeroDivisionError" in zoo.check_bits_per_dim(lambda lp, n: 1 / 0).message
    assert "expected a number" in zoo.check_bits_per_dim(lambda lp, n: None).message


def test_dequantized_bits_check(capsys):
    assert zoo.check_dequantized_bits(SOL07.exercise_dequantized_bits).ok
    assert "✓ Exercise 1" in capsys.readouterr().out

    def base(lp, d):
        return -lp / (d * math.log(2))

    named = {
        "Jacobian is missing": lambda lp, d, lv: base(lp, d),
        "wrong sign": lambda lp, d, lv: base(lp, d) - math.log2(lv),
        "levels - 1": lambda lp, d, lv: base(lp, d) + math.log2(lv - 1),
        "once per pixel": lambda lp, d, lv: base(lp, d) + math.log2(lv) / d,
        "in nats": lambda lp, d, lv: base(lp, d) + math.log(lv),
        "log-density term": lambda lp, d, lv: -base(lp, d) + math.log2(lv),
    }
    for phrase, answer in named.items():
        result = zoo.check_dequantized_bits(answer)
        assert not result.ok and phrase in result.message, (phrase, result.message)
    assert "not attempted" in zoo.check_dequantized_bits(todo).message
    assert "ValueError" in zoo.check_dequantized_bits(lambda lp, d, lv: math.log(-lv)).message
    assert "expected" in zoo.check_dequantized_bits(lambda lp, d, lv: 0.0).message


def test_better_model_check(capsys):
    assert zoo.check_better_model(SOL07.exercise_better_model).ok
    assert "✓ Exercise 2" in capsys.readouterr().out
    as_exact = zoo.check_better_model(lambda a, ka, b, kb: "A" if a < b else "B")
    assert "as if they were exact" in as_exact.message
    cautious = zoo.check_better_model(
        lambda a, ka, b, kb: "unknown" if "bound" in (ka, kb) else ("A" if a < b else "B"))
    assert "too cautious" in cautious.message
    backwards = zoo.check_better_model(
        lambda a, ka, b, kb: zoo._as_if_lower(a, ka, b, kb))
    assert "UPPER bound" in backwards.message
    assert "return 'A', 'B' or 'unknown'" in zoo.check_better_model(lambda *a: 1).message
    assert "not attempted" in zoo.check_better_model(todo).message
    assert "KeyError" in zoo.check_better_model(lambda *a: {}["x"]).message


def test_a_hard_coded_bits_per_dim_fails():
    """The right number for the notebook's -95 nats and 64 pixels, returned for any input."""
    right_here = 95.0 / (64 * math.log(2))
    result = zoo.check_bits_per_dim(lambda lp, n: right_here)
    assert not result.ok and "not on the check's random inputs" in result.message, result


def test_07_lookup_answers_fail():
    """Right on every fixed case of 07's checks, wrong elsewhere."""
    table = {(lp, d, lv): -lp / (d * math.log(2)) + math.log2(lv)
             for lp, d, lv in zoo._DEQUANT_CASES}
    result = zoo.check_dequantized_bits(lambda lp, d, lv: table.get((lp, d, lv), 0.0))
    assert not result.ok and "not on the check's random inputs" in result.message, result
    ranks = dict(zoo._RANK_CASES)
    result = zoo.check_better_model(lambda *args: ranks.get(args, "A"))
    assert not result.ok and "not on the check's random inputs" in result.message, result
