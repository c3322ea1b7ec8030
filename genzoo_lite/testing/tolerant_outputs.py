"""Compare a notebook's printed outputs with a numeric tolerance: words exactly, numbers closely.

Torch's last digits depend on the CPU (vector width, BLAS, the vectorised paths of its random
number generators), so a notebook re-run on a student's laptop prints, say, ``3613058.5`` where
the saved output says ``3613059.5``, or ``2.0 %`` for ``1.9 %``. Every other character must
match. The rule, applied to each number in a text output (``stdout``, ``stderr``,
``text/plain``, ``text/html``, ``text/markdown``):

* the text between numbers matches word for word (a table row that moves fails);
* an integer matches within ``RTOL`` of its reference value (relative);
* a decimal matches within ``RTOL`` (relative) or ``UNITS`` units of its last printed digit,
  whichever is larger.

RTOL and UNITS were chosen from the spread measured between an Intel Xeon, an AMD EPYC and the
EPYC under ``ATEN_CPU_CAPABILITY=default`` / ``avx2`` (``tools/execute_under_kernels.py``):
continuous values within 3e-7 relative, and printed values one unit apart where a value sits on
a rounding boundary. RTOL is still small enough that a model 0.01 bits/dim worse fails.
This module is also the pytest plugin that makes nbval use the rule (loaded by the root
``conftest.py``; ``pytest -p genzoo_lite.testing.tolerant_outputs`` elsewhere), and is used by
``tools/execute_under_kernels.py``.
"""
from __future__ import annotations

import copy
import math
import re
from collections import defaultdict
from collections.abc import Callable

RTOL = 1e-3
UNITS = 1

#: a number as a notebook prints it: sign, digits, optional decimals and exponent. Digits glued
#: to a word ("x1", "f16", "01_gaussian") are part of that word.
NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w])")

TEXT_KEYS = ("text", "text/plain", "text/html", "text/markdown", "text/latex")


def last_digit_unit(number: str) -> float | None:
    """The value of one unit in the last printed digit of ``number``; None for an integer."""
    mantissa, _, exponent = number.lower().partition("e")
    if "." not in mantissa and not exponent:
        return None
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    return 10.0 ** (int(exponent or 0) - decimals)


def numbers_close(reference: str, value: str, rtol: float = RTOL, units: float = UNITS) -> bool:
    """True if the printed ``value`` is within tolerance of the printed ``reference``."""
    ref, new = float(reference), float(value)
    if math.isnan(ref) or math.isnan(new):
        return math.isnan(ref) and math.isnan(new)
    unit = last_digit_unit(reference)
    allowed = rtol * abs(ref) if unit is None else max(rtol * abs(ref), units * unit)
    return abs(ref - new) <= allowed * (1 + 1e-9)


def split_numbers(text: str) -> tuple[list[str], list[str]]:
    """(words, numbers): the text between numbers, and the numbers, in order."""
    return NUMBER.split(text), NUMBER.findall(text)


def text_difference(reference: str, value: str) -> str | None:
    """None if ``value`` matches ``reference`` under the rule, else what differs."""
    if reference == value:
        return None
    ref_words, ref_numbers = split_numbers(reference)
    new_words, new_numbers = split_numbers(value)
    if ref_words != new_words or len(ref_numbers) != len(new_numbers):
        for ref_line, new_line in zip(reference.splitlines(), value.splitlines()):
            if split_numbers(ref_line)[0] != split_numbers(new_line)[0]:
                return f"words differ: {ref_line!r} became {new_line!r}"
        return "words differ (lines added or removed)"
    for ref, new in zip(ref_numbers, new_numbers):
        if not numbers_close(ref, new):
            return f"{ref} became {new} (beyond the tolerance)"
    return None


def align_numbers(reference: str, value: str) -> str:
    """``value`` with each number that is within tolerance of ``reference``'s replaced by it.

    Leaves ``value`` as it is where the words differ, so a plain comparison then reports it."""
    ref_words, ref_numbers = split_numbers(reference)
    new_words, new_numbers = split_numbers(value)
    if ref_words != new_words or len(ref_numbers) != len(new_numbers):
        return value
    out = [new_words[0]]
    for word, ref, new in zip(new_words[1:], ref_numbers, new_numbers):
        out += [ref if numbers_close(ref, new) else new, word]
    return "".join(out)


def _texts(outputs: list, sanitize: Callable[[str], str]) -> dict[str, list[str]]:
    """Each output's text, by kind (``stdout``, ``text/plain``, ...), streams joined."""
    texts: dict[str, list[str]] = defaultdict(list)
    streams: dict[str, list[str]] = defaultdict(list)
    for out in outputs:
        if out.get("output_type") == "stream":
            streams[out.get("name", "stdout")].append(_join(out.get("text", "")))
        for key, data in out.get("data", {}).items():
            if key in TEXT_KEYS:
                texts[key].append(sanitize(_join(data)))
    for name, parts in streams.items():
        texts[name].append(sanitize("".join(parts)))
    return texts


def _join(text) -> str:
    return text if isinstance(text, str) else "".join(text)


def compare_cell_outputs(reference: list, fresh: list,
                         sanitize: Callable[[str], str] = lambda text: text) -> str | None:
    """None if a code cell's fresh text outputs match its saved ones under the rule.

    ``sanitize`` is applied to both first (nbval's ``--nbval-sanitize-with`` patterns)."""
    ref, new = _texts(reference, sanitize), _texts(fresh, sanitize)
    if set(ref) != set(new):
        return f"output kinds differ: {sorted(ref)} became {sorted(new)}"
    for key in ref:
        if len(ref[key]) != len(new[key]):
            return f"{key}: {len(ref[key])} outputs became {len(new[key])}"
        for old, current in zip(ref[key], new[key]):
            problem = text_difference(old, current)
            if problem:
                return f"{key}: {problem}"
    return None


def _text_slots(outputs: list) -> list[tuple[str, dict, str]]:
    """(kind, holder, field) of every text in ``outputs``, in order: holder[field] is the text."""
    slots = []
    for out in outputs:
        if out.get("output_type") == "stream":
            slots.append((f"stream:{out.get('name', 'stdout')}", out, "text"))
        for key in out.get("data", {}):
            if key in TEXT_KEYS:
                slots.append((key, out["data"], key))
    return slots


def align_outputs(fresh: list, reference: list,
                  sanitize: Callable[[str], str] = lambda text: text) -> tuple[list, list]:
    """Copies of (fresh, reference), texts sanitized, fresh numbers within tolerance aligned.

    The n-th text of each kind in ``fresh`` is aligned with the n-th of that kind in
    ``reference`` (streams are expected coalesced, as nbval does before comparing). Whatever
    differs beyond the rule is left as it is, for the caller's exact comparison to report."""
    fresh, reference = copy.deepcopy(fresh), copy.deepcopy(reference)
    by_kind: dict[str, list[tuple[dict, str]]] = defaultdict(list)
    for kind, holder, field in _text_slots(reference):
        holder[field] = sanitize(_join(holder[field]))
        by_kind[kind].append((holder, field))
    seen: dict[str, int] = defaultdict(int)
    for kind, holder, field in _text_slots(fresh):
        holder[field] = sanitize(_join(holder[field]))
        if seen[kind] < len(by_kind[kind]):
            ref_holder, ref_field = by_kind[kind][seen[kind]]
            holder[field] = align_numbers(ref_holder[ref_field], holder[field])
        seen[kind] += 1
    return fresh, reference


def pytest_configure(config) -> None:
    """Make nbval's own comparison see each fresh number within tolerance as the saved one."""
    if not config.pluginmanager.hasplugin("nbval"):
        return
    from nbval.plugin import IPyNbCell

    exact = IPyNbCell.compare_outputs
    if getattr(exact, "tolerant", False):
        return

    def compare_outputs(self, test, ref, skip_compare=None):
        test, ref = align_outputs(test, ref, self.sanitize)  # nbval has coalesced the streams
        return exact(self, test, ref, skip_compare)

    compare_outputs.tolerant = True
    IPyNbCell.compare_outputs = compare_outputs
