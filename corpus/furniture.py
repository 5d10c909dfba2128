"""Page furniture of paged text: running headers and footers, printed page numbers, line-end hyphens.

Furniture stays in `Document.text`, so offsets remain verbatim; its spans are recorded so that passages
leave it out. A word hyphenated across a line end is recorded by the offset of its hyphen, for search.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

PAGE_NUMBER = re.compile(r"(?i)^[\s\-–—|]*(?:page\s+)?(\d{1,4})(?:\s*(?:of|/)\s*\d{1,4})?[\s\-–—|]*$")
"""A line that is only a page number: "Page 5", "5", "Page 5 of 40", "- 5 -"."""
EDGE_LINES = 3
"""How many lines at a page's top and at its bottom may be furniture (pypdf may put a header last)."""
REPEAT_SHARE = 0.3
"""A line at the edge of at least this share of pages (and of two or more) is a running header or footer."""
RULED_BREAK = re.compile(r"(?m)^---[ \t]*$\n?")
"""A converter's page break in text from a PDF: a line of three hyphens (a Markdown rule)."""
CONVERTER_NOTE = re.compile(r"(?m)^[ \t]*\*?<small>[^\n]*</small>\*?[ \t]*$")
"""A line that is only small print in markup, a converter's note ("Scanned page, text may contain errors")."""
CONFIRMED_SHARE = 0.5
"""Rules are page breaks only when at least this share of the pages after the first print their number."""
HYPHEN = re.compile(r"([^\W\d_]+)-\n([^\W\d_]+)")
WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class Furniture:
    spans: tuple[tuple[int, int], ...]
    labels: tuple[str, ...]


def find_furniture(text: str, page_starts: tuple[int, ...]) -> Furniture:
    """Running headers, footers and page-number lines of each page of `text`, and each page's printed number."""
    pages = _pages(text, page_starts)
    edges = [_edge_lines(text, start, end) for start, end in pages]
    keys = Counter(key for lines in edges for key in {_key(text[a:b]) for a, b in lines})
    needed = max(2, REPEAT_SHARE * len(pages))
    numbers = [[(a, b, int(m[1])) for a, b in lines if (m := PAGE_NUMBER.match(text[a:b]))] for lines in edges]
    shift = Counter(n - i for i, found in enumerate(numbers, start=1) for _, _, n in found).most_common(1)
    offset = shift[0][0] if shift else None
    spans: list[tuple[int, int]] = []
    labels: list[str] = []
    for i, lines in enumerate(edges, start=1):
        label = ""
        for a, b, number in numbers[i - 1]:
            if number - i == offset or text[a:b].strip().lower().startswith("page"):
                spans.append((a, b))
                label = label or str(number)
        for a, b in lines:
            if len(pages) >= 2 and keys[_key(text[a:b])] >= needed and (a, b) not in spans:
                spans.append((a, b))
        labels.append(label)
    return Furniture(tuple(sorted(spans)), tuple(labels))


def ruled_pages(text: str) -> tuple[tuple[int, ...], Furniture] | None:
    """Page starts and furniture of a text converted from a PDF with a "---" line at each page break, or None.

    A Markdown rule is also a plain section break, so the rules count as pages only when the pages' own
    printed numbers (or a converter's note opening them) confirm them. Furniture here is the rules, the page
    numbers and the converter's notes; a line repeated at page edges is not, since in minutes it is as often
    the record ("And Resolved:").
    """
    rules = [(m.start(), m.start() + len(m[0].rstrip("\n"))) for m in RULED_BREAK.finditer(text)]
    if not rules:
        return None
    starts = (0, *(b + 1 for _, b in rules if b + 1 < len(text)))
    found = find_furniture(text, starts)
    noted = [bool(CONVERTER_NOTE.match(text, _first_line(text, start))) for start in starts]
    confirmed = sum(bool(label) or note for label, note in zip(found.labels[1:], noted[1:], strict=True))
    if confirmed < max(1, CONFIRMED_SHARE * (len(starts) - 1)):
        return None
    numbers = [(a, b) for a, b in found.spans if PAGE_NUMBER.match(text[a:b].replace("*", ""))]
    notes = [(m.start(), m.end()) for m in CONVERTER_NOTE.finditer(text)]
    return starts, Furniture(tuple(sorted({*numbers, *rules, *notes})), found.labels)


BLANK_LINE = re.compile(r"[ \t]*\n")


def _first_line(text: str, start: int) -> int:
    """Where the first non-blank line at or after `start` begins."""
    while (found := BLANK_LINE.match(text, start)) is not None:
        start = found.end()
    return start


def blanked(text: str, spans: tuple[tuple[int, int], ...]) -> str:
    """`text` with the given spans turned to spaces, its offsets unchanged: what structure finding reads."""
    if not spans:
        return text
    pieces, cursor = [], 0
    for start, end in spans:
        pieces += [text[cursor:start], re.sub(r"[^\n]", " ", text[start:end])]
        cursor = end
    return "".join(pieces) + text[cursor:]


def line_end_hyphens(text: str) -> tuple[int, ...]:
    """Offsets of hyphens that break a word at a line end ("com-\nmittee"), not those of a compound.

    A hyphenated word is joined when the document writes it whole elsewhere; otherwise the hyphen is kept, as
    in a compound broken after its hyphen ("multi-\nfaceted", "invest-to-\nsave").
    """
    words = Counter(WORD.findall(text.lower()))
    return tuple(m.end(1) for m in HYPHEN.finditer(text) if words[f"{m[1]}{m[2]}".lower()])


def joined(text: str, start: int, hyphens: tuple[int, ...]) -> str:
    """`text` (the slice of the document from `start`) with the given line-end hyphens and their breaks taken out."""
    import bisect

    end = start + len(text)
    at = [h - start for h in hyphens[bisect.bisect_left(hyphens, start) : bisect.bisect_left(hyphens, end)]]
    if not at:
        return text
    pieces, cursor = [], 0
    for pos in at:
        pieces.append(text[cursor:pos])
        cursor = pos + 2  # the hyphen and the line break
    return "".join(pieces) + text[cursor:]


def spans_within(spans, start: int, end: int) -> tuple[tuple[int, int], ...]:
    """The spans (of a document) that lie inside `start`..`end`, as offsets into that slice."""
    return tuple((a - start, b - start) for a, b in spans if start <= a and b <= end)


def page_breaks(text: str, spans: tuple[tuple[int, int], ...]) -> list[tuple[int, int]]:
    """Where `text` crosses a page's furniture (`spans`, offsets into `text`), each as a span of `text` read as
    one break: a run of header and footer lines with the white space around them."""
    runs: list[tuple[int, int]] = []
    for a, b in spans:
        if a < 0 or b > len(text):
            continue
        while a > 0 and text[a - 1].isspace():
            a -= 1
        while b < len(text) and text[b].isspace():
            b += 1
        if runs and a <= runs[-1][1]:
            runs[-1] = (runs[-1][0], b)
        else:
            runs.append((a, b))
    return runs


def read_across(text: str, start: int, end: int) -> str:
    """What the page break `text[start:end]` reads as: one line break where the sentence runs on to a
    lower-case word ("quantitative methods and" over "qualitative methods"), else a paragraph break."""
    runs_on = end < len(text) and text[end].islower() and (start == 0 or text[start - 1] not in ".!?")
    return "\n" if runs_on else "\n\n"


def spaced_breaks(text: str, spans: tuple[tuple[int, int], ...]) -> str:
    """`text` with each page break it crosses (`page_breaks`) as spaces, its offsets unchanged: a sentence
    runs on over the break."""
    for a, b in page_breaks(text, spans):
        text = text[:a] + " " * (b - a) + text[b:]
    return text


def without_breaks(text: str, spans: tuple[tuple[int, int], ...]) -> str:
    """`text` read across its page breaks (`page_breaks`): what a passage spanning two pages is searched as."""
    pieces, cursor = [], 0
    for a, b in page_breaks(text, spans):
        pieces += [text[cursor:a], read_across(text, a, b)]
        cursor = b
    return "".join(pieces) + text[cursor:]


def _pages(text: str, page_starts: tuple[int, ...]) -> list[tuple[int, int]]:
    bounds = [*page_starts, len(text)]
    return [(a, b) for a, b in zip(bounds, bounds[1:], strict=False)]


def _edge_lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The first and last `EDGE_LINES` non-empty lines of text[start:end], as spans."""
    lines = []
    cursor = start
    while cursor < end:
        stop = text.find("\n", cursor, end)
        stop = end if stop < 0 else stop
        if text[cursor:stop].strip():
            lines.append((cursor, stop))
        cursor = stop + 1
    if len(lines) <= 2 * EDGE_LINES:
        return lines
    return lines[:EDGE_LINES] + lines[-EDGE_LINES:]


def _key(line: str) -> str:
    return " ".join(re.sub(r"\d+", "#", line.lower()).split())
