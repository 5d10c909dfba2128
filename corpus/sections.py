"""Headed sections of reports, briefing notes and appendices."""

from __future__ import annotations

import re

from corpus.markup import clean_line
from corpus.structure import Section

HEADING = re.compile(
    r"(?m)^(?:#{1,6}[ \t]+(?P<md>[^\n]{2,400})"
    r"|\*\*(?P<bold>[^*\n]{3,120})\*\*[ \t]*:?[ \t]*"
    r"|(?:- )?(?P<num>\d{1,2}(?:\.\d{1,2})?\.?[ \t]+[A-Z][^.\n]{2,80}))$"
)
"""Markdown headings (a form's long question counts: "### 20. What will be the impact on the workforce...?"),
bold lines, numbered headings ("2.1 Background"), and short plain lines standing alone above a paragraph
("An ageing population")."""
TITLE_CHARS = 150


def sections(text: str, start: int, end: int) -> tuple[Section, ...]:
    """Split a paper at its headings; text before the first heading is a section with no title."""
    cuts: list[tuple[int, str]] = [(start, "")]
    for match in HEADING.finditer(text, start, end):
        title = clean_line(next(group for group in match.groups() if group))
        if len(title) > TITLE_CHARS:  # a form's question: its first sentence names the section
            title = re.split(r"(?<=[^\W\d_][?.])\s", title, maxsplit=1)[0][:TITLE_CHARS]
        if title and any(ch.isalpha() for ch in title):
            cuts.append((match.start(), title))
    found = []
    for i, (cut, title) in enumerate(cuts):
        cut_end = cuts[i + 1][0] if i + 1 < len(cuts) else end
        if text[cut:cut_end].strip():
            found.append(Section(title, cut, trimmed_end(text, cut, cut_end)))
    return tuple(found)


def trimmed_end(text: str, start: int, end: int) -> int:
    """`len(text[:end].rstrip())` without copying `text[:end]`: a 50 MB pack has thousands of spans to trim."""
    start = min(start, end)
    while start > 0:
        if stripped := text[start:end].rstrip():
            return start + len(stripped)
        start, end = max(0, start - 4096), start
    return len(text[:end].rstrip())
