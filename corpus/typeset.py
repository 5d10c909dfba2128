"""Headings a PDF sets apart by type: lines wholly in bold or larger type, read from pypdf's text runs.

Layout text loses fonts, so a PDF's "Foreword" or "Gender" is just a short line; the text papers mark the same
lines with "**" or "#", which `sections` reads as headings. This gives PDFs the same headings."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

BOLD_FONT = re.compile(r"(?i)bold|black|heavy|demi|semibold")
LARGER = 1.15
"""A line whose type is this much larger than the document's body text is set apart as a heading."""
HEADING_CHARS = 120
"""As in the text papers' bold lines: a longer bold line is a bold paragraph."""
BLOCK_LINES = 3
"""A heading wraps over at most this many lines; a longer block of bold lines is a bold paragraph."""
LINE_GAP = 1.6
"""Lines whose baselines are at most this many type sizes apart are drawn one under the other, no gap between."""
SAME_LINE = 2.0
"""Runs whose baselines lie within this many points are one line."""
NOT_A_HEADING = re.compile(r"(?i)^\W*resolved\b")
"""A RESOLVED block is printed in bold in many minutes; it and the bold lines that follow it are a decision."""
LIST_ITEM = re.compile(r"^\s*(?:[-\u2022\u25aa\u25cf\uf0b7*]|\(?[a-z0-9]{1,3}\))\s")
"""A bullet or "(a)"/"1)" marks a list item, not a heading."""


@dataclass(frozen=True)
class Run:
    """Text pypdf drew (a run, or a line of runs): its baseline height, its type size (the smallest on a line)
    and whether it is all in a bold font."""

    text: str
    y: float
    size: float
    bold: bool


def run_collector() -> tuple[list[Run], Callable[..., None]]:
    """A list and a pypdf `visitor_text` callback that fills it with the page's runs."""
    runs: list[Run] = []

    def visit(text, cm, tm, font, size) -> None:
        if not text.strip():
            return
        scale = math.hypot(tm[0], tm[1]) * math.hypot(cm[0], cm[1])
        name = str((font or {}).get("/BaseFont", ""))
        runs.append(Run(text, tm[5] * cm[3] + cm[5], round(size * scale, 1), bool(BOLD_FONT.search(name))))

    return runs, visit


def typeset_lines(runs: Sequence[Run]) -> list[Run]:
    """Runs joined into lines, in the order drawn; a new baseline starts a new line."""
    lines: list[list[Run]] = []
    for run in runs:
        if lines and abs(lines[-1][-1].y - run.y) <= SAME_LINE:
            lines[-1].append(run)
        else:
            lines.append([run])
    return [
        Run("".join(r.text for r in line), line[0].y, min(r.size for r in line), all(r.bold for r in line))
        for line in lines
    ]


def body_size(pages: Sequence[Sequence[Run]]) -> float:
    """The type size most of the document's characters are set in."""
    sizes = Counter()
    for runs in pages:
        for run in runs:
            sizes[run.size] += len(run.text.strip())
    return sizes.most_common(1)[0][0] if sizes else 0.0


def heading_lines(lines: Sequence[Run], body: float) -> list[tuple[str, bool]]:
    """The heading lines of a page, each with whether it goes on the heading above it (a title wrapped over two
    lines). Lines set apart and drawn one under the other form a block; a block of more than `BLOCK_LINES`,
    ending a sentence or run on from the paragraph above is bold text, and a RESOLVED block and the bold lines
    after it are a decision."""
    found: list[tuple[str, bool]] = []
    block: list[Run] = []
    in_decision = inside = False
    above: Run | None = None
    for line in [*lines, None]:
        set_apart = line is not None and (line.bold or (body and line.size >= LARGER * body))
        if block and not (set_apart and _next_line(block[-1], line)):
            in_decision = in_decision or bool(NOT_A_HEADING.match(block[0].text.strip()))
            if not in_decision and not inside:
                found += _block_headings(block)
            block = []
        if not set_apart:
            in_decision = False
        else:
            if not block:  # a bold line run on from the line above is bold words in a paragraph
                inside = above is not None and not above.bold and _next_line(above, line)
            block.append(line)
        above = line
    return found


def _next_line(upper: Run, lower: Run) -> bool:
    """Whether `lower` is drawn straight under `upper`, with no gap between."""
    return 0 < upper.y - lower.y <= LINE_GAP * max(lower.size, 1.0)


def _block_headings(block: list[Run]) -> list[tuple[str, bool]]:
    texts = [line.text.strip() for line in block]
    if len(texts) > BLOCK_LINES or texts[-1].endswith((".", ",", ";")):
        return []
    found = []
    for i, text in enumerate(texts):
        if len(text) > HEADING_CHARS or not _has_letter(text) or LIST_ITEM.match(text):
            return []
        found.append((text, i > 0 and not texts[i - 1].endswith(":")))
    return found


def _has_letter(text: str) -> bool:
    return any(ch.isalpha() for ch in text)
