"""Self-checks for notebooks/00_zoo_overview (Exercise 1) and 07_zoo_comparison (Exercises 1
and 2 there, registered in :mod:`.zoo_comparison`)."""
from __future__ import annotations

import math
import random
from collections.abc import Callable

from genzoo_lite.exercises._report import (
    Exercise,
    Result,
    as_number,
    call_answer,
    confirm,
    not_attempted,
    on_random_inputs,
    report,
    same_number,
)

__all__ = ["check_bits_per_dim", "check_dequantized_bits", "check_better_model", "EXERCISES"]


def check_bits_per_dim(bits_per_dim: Callable[[float, int], float]) -> Result:
    """Exercise 1: ``bits_per_dim(log_p_nats, num_pixels)`` = -log_p / (num_pixels * ln 2)."""
    name = "Exercise 1"
    value, error = call_answer(bits_per_dim, -95.0, 64)
    if error == "not_attempted":
        return report(not_attempted("convert nats per image to bits per pixel"), name)
    if error:
        return report(Result(False, error), name)
    value, error = as_number(value)
    if error:
        return report(Result(False, error), name)
    right = 95.0 / (64 * math.log(2))
    if math.isclose(value, right, rel_tol=1e-6):
        return report(confirm(Result(True, f"{value:.4f} bits/dim"), random_bits_per_dim,
                              bits_per_dim), name)
    if math.isclose(value, -right, rel_tol=1e-6):
        msg = "wrong sign: bits/dim is the negative log-likelihood, a positive number"
    elif math.isclose(value, 95.0 / 64, rel_tol=1e-6):
        msg = "that is nats per dimension: divide by ln 2 to get bits"
    elif math.isclose(value, 95.0 / math.log(2), rel_tol=1e-6):
        msg = "that is bits per image: divide by the number of pixels"
    elif math.isclose(value, 95.0 / (64 * math.log(10)), rel_tol=1e-6):
        msg = "you used log base 10; bits need ln 2"
    else:
        msg = f"got {value:.4f}, expected {right:.4f}"
    return report(Result(False, msg), name)


# (mean log p(y) in nats per image, pixels, levels): a density on [0, 1)^D may exceed 1, so
# log p(y) > 0 is normal; two settings tell levels from levels - 1 and per-image from per-pixel.
_DEQUANT_CASES = [(150.0, 64, 17), (3.0, 4, 5)]


def check_dequantized_bits(dequantized_bits: Callable[[float, int, int], float]) -> Result:
    """Exercise 1 of 07: ``dequantized_bits(log_p_y, num_pixels, levels)``: the bits/dim bound on
    the integer levels x of a density fitted to y = (x + u) / levels, u ~ U[0, 1)^D; the Jacobian
    dy/dx = 1 / levels per pixel gives -log_p_y / (D ln 2) + log2(levels)."""
    name = "Exercise 1"
    values = []
    for log_p, d, levels in _DEQUANT_CASES:
        value, error = call_answer(dequantized_bits, log_p, d, levels)
        if error == "not_attempted":
            return report(not_attempted("add the change of variables from y back to levels x"),
                          name)
        if error:
            return report(Result(False, error), name)
        value, error = as_number(value)
        if error:
            return report(Result(False, error), name)
        values.append(value)

    def matches(formula) -> bool:
        return all(math.isclose(v, formula(lp, d, lv), rel_tol=1e-6, abs_tol=1e-9)
                   for v, (lp, d, lv) in zip(values, _DEQUANT_CASES))

    def base(lp, d, lv):
        return -lp / (d * math.log(2))

    if matches(lambda lp, d, lv: base(lp, d, lv) + math.log2(lv)):
        first = values[0]
        return report(confirm(Result(True, f"{first:.4f} bits/dim for the first model (without "
                                           f"the Jacobian it would be "
                                           f"{base(*_DEQUANT_CASES[0]):.4f}, negative, impossible "
                                           "for a discrete distribution)"),
                              random_dequantized_bits, dequantized_bits), name)
    wrong = [
        (lambda lp, d, lv: base(lp, d, lv),
         "the Jacobian is missing: p_x(x + u) = p_y(y) |dy/dx| with dy/dx = 1/levels per pixel; "
         "without it the bits/dim can even come out negative"),
        (lambda lp, d, lv: base(lp, d, lv) - math.log2(lv),
         "the Jacobian has the wrong sign: y = (x + u) / levels squeezes each unit bin to width "
         "1/levels, so log p_x = log p_y - D log(levels), which adds log2(levels) bits/dim"),
        (lambda lp, d, lv: base(lp, d, lv) + math.log2(lv - 1),
         "you used levels - 1: the scale here is y = (x + u) / levels (u fills each bin, so "
         "the largest level maps to just below 1)"),
        (lambda lp, d, lv: base(lp, d, lv) + math.log2(lv) / d,
         "the Jacobian applies once per pixel: D log(levels) per image, log2(levels) per "
         "dimension"),
        (lambda lp, d, lv: base(lp, d, lv) + math.log(lv),
         "the Jacobian term is in nats: bits need log2(levels)"),
        (lambda lp, d, lv: lp / (d * math.log(2)) + math.log2(lv),
         "the log-density term has the wrong sign: bits/dim is -log p / (D ln 2)"),
        (lambda lp, d, lv: -lp / d + math.log(lv),
         "that is nats per dimension: divide by ln 2 to get bits"),
    ]
    for formula, msg in wrong:
        if matches(formula):
            return report(Result(False, msg), name)
    right = base(*_DEQUANT_CASES[0]) + math.log2(_DEQUANT_CASES[0][2])
    return report(Result(False, f"got {values[0]:.4f} for log p(y) = {_DEQUANT_CASES[0][0]} "
                                f"nats, D = 64, 17 levels; expected {right:.4f}"), name)


# (bits/dim A, kind A, bits/dim B, kind B) -> which model has the lower TRUE bits/dim.
_RANK_CASES = [
    ((2.0, "exact", 2.5, "exact"), "A"),
    ((2.5, "exact", 2.0, "exact"), "B"),
    ((2.0, "bound", 2.5, "exact"), "A"),
    ((2.5, "bound", 2.0, "exact"), "unknown"),
    ((2.5, "exact", 2.0, "bound"), "B"),
    ((2.0, "exact", 2.5, "bound"), "unknown"),
    ((2.0, "bound", 2.5, "bound"), "unknown"),
]


def _as_if_exact(a, _ka, b, _kb) -> str:
    return "A" if a < b else "B"


def _as_if_lower(a, ka, b, kb) -> str:
    """The answers of someone who reads a bound as a lower bound on the bits/dim."""
    if ka == kb == "bound":
        return "unknown"
    if ka == "bound":
        return "B" if a > b else "unknown"
    if kb == "bound":
        return "A" if b > a else "unknown"
    return _as_if_exact(a, ka, b, kb)


def check_better_model(better_model: Callable[[float, str, float, str], str]) -> Result:
    """Exercise 2 of 07: ``better_model(bpd_a, kind_a, bpd_b, kind_b)`` returns "A", "B" or
    "unknown": which model certainly has the lower true bits/dim, when a "bound" is an upper bound
    on it."""
    name = "Exercise 2"
    answers = []
    for args, _ in _RANK_CASES:
        value, error = call_answer(better_model, *args)
        if error == "not_attempted":
            return report(not_attempted("decide which comparisons a bound can settle"), name)
        if error:
            return report(Result(False, error), name)
        if value not in ("A", "B", "unknown"):
            return report(Result(False, f"return 'A', 'B' or 'unknown', got {value!r} for "
                                        f"{args}"), name)
        answers.append(value)
    expected = [want for _, want in _RANK_CASES]
    if answers == expected:
        return report(confirm(Result(True, f"all {len(expected)} comparisons right"),
                              random_better_model, better_model), name)
    if answers == [_as_if_exact(*args) for args, _ in _RANK_CASES]:
        msg = ("you compared the numbers as if they were exact: a 'bound' bits/dim is an upper "
               "bound, the model's true value may lie lower, so it wins only where even the "
               "bound is lower than the other model")
    elif answers == [_as_if_lower(*args) for args, _ in _RANK_CASES]:
        msg = ("backwards: log P(x) >= bound means -log2 P(x) / D <= the bound's bits/dim, so "
               "the bound is an UPPER bound on the true bits/dim")
    elif answers == ["unknown" if "bound" in (args[1], args[3]) else want
                     for args, want in _RANK_CASES]:
        msg = ("too cautious: a model whose upper bound is already lower than the other model's "
               "exact value certainly wins")
    else:
        bad = next(args for (args, want), got in zip(_RANK_CASES, answers) if got != want)
        want = dict(_RANK_CASES)[bad]
        msg = (f"for A = {bad[0]} ({bad[1]}), B = {bad[2]} ({bad[3]}) the answer is {want!r}, "
               f"you said {answers[_RANK_CASES.index((bad, want))]!r}")
    return report(Result(False, msg), name)


# ----- the grader's random inputs (genzoo-grade draws a new seed for every run) ---------------
def random_bits_per_dim(bits_per_dim: Callable, seed: int) -> Result:
    rng = random.Random(seed)
    cases = []
    for _ in range(3):
        log_p, d = -rng.uniform(10, 3000), rng.choice([16, 64, 256, 784, 1024])
        cases.append(((log_p, d), -log_p / (d * math.log(2)), f"{log_p:.4f} nats, {d} pixels"))
    return on_random_inputs(bits_per_dim, cases, same_number())


def random_dequantized_bits(dequantized_bits: Callable, seed: int) -> Result:
    rng = random.Random(seed)
    cases = []
    for _ in range(3):
        log_p, d, levels = rng.uniform(-2000, 2000), rng.choice([16, 64, 784]), \
            rng.choice([2, 4, 16, 256])
        cases.append(((log_p, d, levels), -log_p / (d * math.log(2)) + math.log2(levels),
                      f"log p(y) = {log_p:.4f}, D = {d}, {levels} levels"))
    return on_random_inputs(dequantized_bits, cases, same_number())


def random_better_model(better_model: Callable, seed: int) -> Result:
    rng = random.Random(seed)
    cases = []
    for _ in range(8):
        a, b = rng.sample([round(rng.uniform(0.5, 8), 3) for _ in range(4)], 2)
        while a == b:
            b = round(rng.uniform(0.5, 8), 3)
        ka, kb = rng.choice(["exact", "bound"]), rng.choice(["exact", "bound"])
        # the lower number wins for certain only when the other model's value is exact
        want = ("A" if kb == "exact" else "unknown") if a < b else \
            ("B" if ka == "exact" else "unknown")
        cases.append(((a, ka, b, kb), want, f"A = {a} ({ka}), B = {b} ({kb})"))
    return on_random_inputs(better_model, cases,
                            lambda value, want: type(value) is str and value == want)


EXERCISES = [  # notebook 00; 07's two are in zoo_comparison.py
    Exercise("Exercise 1", "exercise_bits_per_dim", check_bits_per_dim, random_bits_per_dim),
]
