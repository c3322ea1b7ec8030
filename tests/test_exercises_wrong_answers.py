"""No constant, lookup table or short cut passes an exercise's self-check.

Every check tries its fixed inputs and then inputs it draws itself from a seeded generator
(``confirm`` with ``CHECK_SEED``), so an answer that is right only on the first call fails. The
named short cuts of each notebook are held to a fail in tests/test_exercises_<topic>.py.
"""
from __future__ import annotations

import pytest
from solutions import load_solutions

from genzoo_lite.exercises import MODULES, exercises_for


@pytest.mark.parametrize("stem", sorted(MODULES))
def test_the_first_right_answer_replayed_fails_every_check(stem, capsys):
    key = load_solutions(stem)
    for exercise in exercises_for(stem):
        right = getattr(key, exercise.function)
        first: list = []

        def replay(*args, right=right, first=first):
            """Right on the check's first call; that same value for every later one."""
            if not first:
                first.append(right(*args))
            return first[0]

        result = exercise.check(replay)
        assert not result.ok, (stem, exercise.label, result.message)
        assert first, (stem, exercise.label, "the check never called the function")
    capsys.readouterr()


@pytest.mark.parametrize("stem", sorted(MODULES))
def test_every_check_calls_the_answer_on_at_least_two_inputs(stem, capsys):
    key = load_solutions(stem)
    for exercise in exercises_for(stem):
        calls, right = [], getattr(key, exercise.function)

        def counted(*args, right=right, calls=calls):
            calls.append(args)
            return right(*args)

        assert exercise.check(counted).ok, (stem, exercise.label)
        assert len(calls) >= 2, (stem, exercise.label, len(calls))
    capsys.readouterr()
