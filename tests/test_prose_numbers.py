"""Every number a notebook's prose states is printed or asserted right above it.

A decimal (2.05), a percentage (79 %) or a ratio (134x) in a markdown cell, outside maths and
code, must be backed: some number in the text output of the code cells since the previous
markdown cell, or in an ``assert`` or ``check_claim`` line of the code cell directly above,
must round to it (at
the prose's precision). Numbers that are settings or definitions, not results, are listed in
``DEFINITIONS`` with the reason. A sentence whose number the output below contradicts is worse
in front of a class than a missing feature; this test makes it fail in CI instead.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9]*.ipynb"))

#: (notebook prefix, number as written, why it needs no output): settings and definitions.
DEFINITIONS: set[tuple[str, str]] = {
    ("07", "99"),  # section 4's mixture: the uniform guess 99% of the time, a setting
    ("07", "1"),  # ... and the Gated PixelCNN 1% of the time
}

PROSE_NUMBER = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(\s?%|x\b|×)|(?<![\w.])(\d+\.\d+)(?![\w.])")
ANY_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")


def prose(markdown: str) -> str:
    """markdown without maths, inline code and link targets."""
    for pattern in (r"\$\$.*?\$\$", r"\$[^$\n]*\$", r"`[^`]*`", r"\]\([^)]*\)"):
        markdown = re.sub(pattern, " ", markdown, flags=re.S)
    return markdown


def claims(text: str) -> list[tuple[str, int]]:
    """(number, position) of every decimal, percentage and ratio in text."""
    return [(m.group(1) or m.group(3), m.start()) for m in PROSE_NUMBER.finditer(text)]


def backed(number: str, evidence: str) -> bool:
    decimals = len(number.split(".")[1]) if "." in number else 0
    target = float(number)
    for m in ANY_NUMBER.finditer(evidence):
        value = float(m.group(0))
        for v in (value, 100 * value):  # a fraction printed, a percentage stated
            if round(abs(v), decimals) == target:
                return True
    return False


def outputs(cell: dict) -> str:
    text = []
    for out in cell.get("outputs", []):
        if "text" in out:
            text.append("".join(out["text"]))
        elif "data" in out and "text/plain" in out["data"]:
            text.append("".join(out["data"]["text/plain"]))
    return "\n".join(text)


def unbacked(path: Path) -> list[str]:
    cells = json.loads(path.read_text())["cells"]
    problems, evidence, above = [], [], ""
    for cell in cells:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code":
            evidence.append(outputs(cell))
            above = "\n".join(line for line in source.splitlines()
                               if "assert" in line or "check_claim(" in line)
            continue
        text = prose(source)
        for number, at in claims(text):
            if (path.stem[:2], number) in DEFINITIONS:
                continue
            if not backed(number, "\n".join(evidence) + "\n" + above):
                problems.append(f"{number!r} in '...{text[max(0, at - 60):at + 30]}...'"
                                .replace("\n", " "))
        evidence, above = [], ""
    return problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_prose_numbers_are_printed_or_asserted_above(path):
    problems = unbacked(path)
    assert not problems, (f"{path.name}: numbers in prose that no output or assert above backs "
                          "(print them, assert them, or list a setting in DEFINITIONS):\n  "
                          + "\n  ".join(problems))
