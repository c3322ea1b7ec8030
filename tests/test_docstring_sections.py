"""Library and benchmark docstrings that name a notebook's section name one that exists.

A reference reads ``notebooks/05_pixelcnn, "8. Why sampling is slow"`` (or with single quotes):
the quoted text must begin a heading of that notebook (its percent-format source),
with or without the heading's number. Exercises
are named by number in bold, not as headings, and are left out.
"""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = re.compile(
    r"notebooks/(\d\d_\w+?)(?:\.ipynb|\.py)?,\s+(?:section\s+)?[\"'“]([^\"'”]+)[\"'”]")


def headings(notebook: Path) -> list[str]:
    """Every heading of ``notebook``, with and without its number ("3. Title" and "Title")."""
    found = [re.sub(r"^# #+\s*", "", line).strip() for line in notebook.read_text().splitlines()
             if re.match(r"^# #{1,4} ", line)]
    return found + [re.sub(r"^\d+\.\s*", "", heading) for heading in found]


def references() -> list[tuple[str, str, str]]:
    found = []
    sources = [*(ROOT / "genzoo_lite").rglob("*.py"), *(ROOT / "benchmarks").glob("*.py")]
    for path in sorted(sources):
        for match in REFERENCE.finditer(path.read_text()):
            title = " ".join(match.group(2).split())
            if title.startswith((":", "Exercise")) or "`" in title:
                continue
            found.append((str(path.relative_to(ROOT)), match.group(1), title))
    return found


def test_the_library_names_sections_at_all():
    assert len(references()) >= 20


def test_every_named_section_exists():
    notebooks = {nb.stem: headings(nb) for nb in (ROOT / "notebooks").glob("[0-9]*.py")}
    missing = [(where, nb, title) for where, nb, title in references()
               if not any(heading.startswith(title) for heading in notebooks.get(nb, []))]
    assert not missing, missing
