"""Registry of notebooks/07_zoo_comparison's checked exercises; the checks live in :mod:`.zoo`
(the notebook imports them as ``from genzoo_lite.exercises import zoo as checks``)."""
from __future__ import annotations

from genzoo_lite.exercises._report import Exercise
from genzoo_lite.exercises.zoo import (
                  check_better_model,
                  check_dequantized_bits,
                  random_better_model,
                  random_dequantized_bits,
)

__all__ = ["EXERCISES"]

EXERCISES = [
    Exercise("Exercise 1", "exercise_dequantized_bits", check_dequantized_bits,
             random_dequantized_bits),
    Exercise("Exercise 2", "exercise_better_model", check_better_model, random_better_model),
]
