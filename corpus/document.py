"""The text of one source file, as read from disk, before any structure is found."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from precedent.corpus.published import Published


@dataclass(frozen=True)
class Document:
    """One source file's text.

    `doc_id` is the file name (or the `_id` of a JSONL record); every character offset elsewhere in
    Precedent points into `text`. `page_starts` holds the offset at which each page begins (page 1 at
    index 0) when the format has pages (PDF); it is empty when pages are unknown. `page_labels` holds the
    number printed on each page ("" where none is), `furniture` the spans of running headers, footers and
    page numbers (kept in `text`, out of what passages show and search) and `hyphens` the offsets of
    line-end hyphens that break a word, joined for search. `headings` holds the spans of lines a PDF sets in
    bold or larger type, `outline` its top-level bookmarks as (page, title). `published` is what the site a
    file was fetched from states about it (`precedent fetch`), None for other files.
    """

    doc_id: str
    source: str
    text: str
    title: str = ""
    page_starts: tuple[int, ...] = ()
    warnings: tuple[str, ...] = field(default=())
    page_labels: tuple[str, ...] = ()
    furniture: tuple[tuple[int, int], ...] = ()
    hyphens: tuple[int, ...] = ()
    headings: tuple[tuple[int, int], ...] = ()
    outline: tuple[tuple[int, str], ...] = ()
    published: Published | None = None

    def page_at(self, offset: int) -> int | None:
        """The 1-based page holding character `offset`, or None when the format has no pages."""
        if not self.page_starts:
            return None
        return max(1, bisect.bisect_right(self.page_starts, offset))
