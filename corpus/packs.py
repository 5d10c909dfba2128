"""Where an agenda pack's papers begin, by its own agenda: the "(Pages 5 - 12)" each item names.

The agenda's page numbers are printed ones; `Document.page_labels` maps them to the PDF's pages, which a
cover or an unnumbered front page shifts.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from precedent.corpus.document import Document
from precedent.corpus.markup import clean_line

PAGES_REF = re.compile(r"\(\s*Pages?\s+(\d{1,4})(?:\s*[-–]\s*(\d{1,4}))?\s*\)")
AGENDA_PAGES = 4
"""The agenda is read from a pack's first pages; references further on are a report's own."""
ITEM_NUMBER = re.compile(r"^(\d{1,2}[a-z]?)[.)]?\s+(?=[A-Z])")
"""An agenda item's number opening its line: "5. Domestic Abuse Update", "5a) Appendix"; not a time
("10.10 a.m.")."""
SUB_ITEM = re.compile(r"^(\([a-z]\))\s")
"""A lettered part of an agenda item: "(a) To agree the minutes of the previous meeting"."""
TITLE_LINES = 4
"""Lines an agenda item's title may wrap over, the reference on the last."""


class AgendaRef(NamedTuple):
    """Where a paper the agenda names by its pages begins, and the agenda item it is for."""

    start: int
    number: str
    """The item's number as the agenda prints it ("5", "5a"), or ""."""
    title: str


def referenced_papers(doc: Document) -> list[AgendaRef]:
    """The offset at which each paper the agenda names by its pages begins, with the item's number and title.

    An agenda that names no pages falls back to the PDF's bookmarks (`_bookmarked`). Empty for a document
    without pages or with neither; references out of order, or to pages the document does not have, are
    ignored.
    """
    if len(doc.page_starts) < 2:
        return []
    head_end = doc.page_starts[min(AGENDA_PAGES, len(doc.page_starts) - 1)]
    found: list[AgendaRef] = []
    last_page = 1
    for match in PAGES_REF.finditer(doc.text, 0, head_end):
        page = _pdf_page(doc, int(match[1]))
        if page is None or page <= last_page:
            continue
        last_page = page
        found.append(AgendaRef(doc.page_starts[page - 1], *_item(doc.text, match.start())))
    return found or _bookmarked(doc, head_end)


def _bookmarked(doc: Document, head_end: int) -> list[AgendaRef]:
    """The papers a pack's bookmarks start, where a bookmark names an item of its agenda ("4 Coventry Community
    Safety Plan" for "4. Coventry Community Safety Plan"): a bookmark that names no item (a heading inside a
    paper, as a typesetter's outline has) starts none."""
    items = {}
    for line in doc.text[:head_end].split("\n"):
        numbered = ITEM_NUMBER.match(clean_line(line))
        if numbered:
            items.setdefault(_words(clean_line(line)[numbered.end() :]), numbered[1])
    found: list[AgendaRef] = []
    last_page = 1
    for page, title in doc.outline:
        numbered = ITEM_NUMBER.match(title)
        words = _words(title[numbered.end() :] if numbered else title)
        number = next((n for item, n in items.items() if _same_title(words, item)), None)
        if number is None or page <= last_page or (numbered and numbered[1] != number):
            continue
        last_page = page
        found.append(AgendaRef(doc.page_starts[page - 1], number, title[numbered.end() :] if numbered else title))
    return found


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def _same_title(bookmark: str, item: str) -> bool:
    """Whether a bookmark's words are an agenda item's: the same, or one the start of the other where the
    agenda wraps its line."""
    shorter = min(bookmark, item, key=len)
    return len(shorter) >= 8 and (bookmark.startswith(item) or item.startswith(bookmark))


def _pdf_page(doc: Document, printed: int) -> int | None:
    """The 1-based PDF page that prints `printed`; printed numbers equal PDF pages when none are printed."""
    labels = doc.page_labels
    if labels and str(printed) in labels:
        return labels.index(str(printed)) + 1
    shifts = [int(label) - i for i, label in enumerate(labels, start=1) if label.isdigit()]
    shift = max(set(shifts), key=shifts.count) if shifts else 0
    page = printed - shift
    return page if 1 <= page <= len(doc.page_starts) else None


def _item(text: str, ref: int) -> tuple[str, str]:
    """The agenda item's number and title: the line holding the reference and those above it back to the
    line the item's number opens ("5. Progress Update on the ... and" over "Abuse (DVA) ... (Pages 26 - 32)").
    A lettered part ("(a) To agree the minutes") is numbered under the item above it: "3(a)"."""
    lines: list[str] = []
    end = text.find("\n", ref)
    end = len(text) if end < 0 else end
    start = text.rfind("\n", 0, ref) + 1
    number = ""
    while len(lines) < TITLE_LINES:
        line = clean_line(PAGES_REF.sub("", text[start:end]).split("(Page")[0])
        if not line and lines:
            break
        lines.insert(0, line)
        numbered, part = ITEM_NUMBER.match(line), SUB_ITEM.match(line)
        if numbered or part or start == 0:
            if numbered:
                number, lines[0] = numbered[1], line[numbered.end() :]
            elif part:
                number = _parent_number(text, start) + part[1]
            break
        end, start = start - 1, text.rfind("\n", 0, start - 1) + 1
    return number, " ".join(line for line in lines if line)[:200]


def _parent_number(text: str, start: int) -> str:
    """The number of the item a lettered part at `start` belongs to: the nearest numbered line above it."""
    for line in reversed(text[max(0, start - 400) : start].split("\n")[-TITLE_LINES:]):
        numbered = ITEM_NUMBER.match(clean_line(line))
        if numbered:
            return numbered[1]
    return ""
