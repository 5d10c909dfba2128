"""Where an agenda pack's papers begin, by its own agenda: the "(Pages 5 - 12)" each item names.

The agenda's page numbers are printed ones; `Document.page_labels` maps them to the PDF's pages, which a
cover or an unnumbered front page shifts.
"""

from __future__ import annotations

import re

from precedent.corpus.document import Document
from precedent.corpus.markup import clean_line

PAGES_REF = re.compile(r"\(\s*Pages?\s+(\d{1,4})(?:\s*[-–]\s*(\d{1,4}))?\s*\)")
AGENDA_PAGES = 4
"""The agenda is read from a pack's first pages; references further on are a report's own."""


def referenced_papers(doc: Document) -> list[tuple[int, str]]:
    """The offset at which each paper the agenda names by its pages begins, with the item's title.

    Empty for a document without pages or whose agenda names none; references out of order, or to pages
    the document does not have, are ignored.
    """
    if len(doc.page_starts) < 2:
        return []
    head_end = doc.page_starts[min(AGENDA_PAGES, len(doc.page_starts) - 1)]
    found: list[tuple[int, str]] = []
    last_page = 1
    for match in PAGES_REF.finditer(doc.text, 0, head_end):
        page = _pdf_page(doc, int(match[1]))
        if page is None or page <= last_page:
            continue
        last_page = page
        found.append((doc.page_starts[page - 1], _item_title(doc.text, match.start())))
    return found


def _pdf_page(doc: Document, printed: int) -> int | None:
    """The 1-based PDF page that prints `printed`; printed numbers equal PDF pages when none are printed."""
    labels = doc.page_labels
    if labels and str(printed) in labels:
        return labels.index(str(printed)) + 1
    shifts = [int(label) - i for i, label in enumerate(labels, start=1) if label.isdigit()]
    shift = max(set(shifts), key=shifts.count) if shifts else 0
    page = printed - shift
    return page if 1 <= page <= len(doc.page_starts) else None


def _item_title(text: str, ref: int) -> str:
    """The agenda item's title: the line holding the reference, or the line above when it holds only that."""
    line_start = text.rfind("\n", 0, ref) + 1
    line = clean_line(PAGES_REF.sub("", text[line_start : text.find("\n", ref) if "\n" in text[ref:] else None]))
    if len(line) < 3 and line_start > 0:
        above = text.rfind("\n", 0, line_start - 1) + 1
        line = clean_line(text[above : line_start - 1])
    line = re.sub(r"^\d{1,2}\.\s*", "", line)
    return line[:200]
