"""The structure found in a document: papers in a pack, minute items, RESOLVED blocks, sections.

Every span is a pair of character offsets into `Document.text`, so whatever is shown later is verbatim.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from precedent.corpus.document import Document

PAPER_TYPES = (
    "agenda",
    "minutes",
    "briefing note",
    "report",
    "appendix",
    "work programme",
    "web page",
    "document",
)


@dataclass(frozen=True)
class Item:
    """A numbered item of minutes (a minute) or of an agenda."""

    number: int
    title: str
    start: int
    end: int
    resolved: tuple[tuple[int, int], ...] = ()
    private: bool = False


@dataclass(frozen=True)
class Section:
    """A headed part of a paper; minutes' attendance block is one too."""

    title: str
    start: int
    end: int


@dataclass(frozen=True)
class Paper:
    """One paper inside a document: an agenda pack holds several, a single report is one."""

    paper_type: str
    title: str
    start: int
    end: int
    meeting_date: date | None = None
    items: tuple[Item, ...] = ()
    sections: tuple[Section, ...] = ()
    parent: str = ""
    """For an appendix, the title of the report or briefing note it belongs to."""
    agenda_item: str = ""
    """The agenda item the paper is for ("5", "5a"), as its pack's agenda or its site lists it, or ""."""
    resolved: tuple[tuple[int, int], ...] = ()
    """The decisions of minutes that number no items (a special meeting's one matter), each within its
    section; numbered minutes keep theirs on their items."""


@dataclass(frozen=True)
class ParsedDocument:
    """A document with its committee, the meeting it is for, and the papers found in it."""

    document: Document
    committee: str
    meeting_date: date | None
    papers: tuple[Paper, ...]

    @property
    def doc_id(self) -> str:
        return self.document.doc_id

    def minutes(self) -> list[Paper]:
        return [p for p in self.papers if p.items and p.paper_type in ("minutes", "web page")]


def document_record(parsed: ParsedDocument, fingerprint: str) -> dict:
    """A JSON-ready record of a parsed document, as the index stores it for context and listings."""
    doc = parsed.document
    return {
        "doc_id": doc.doc_id,
        "source": doc.source,
        "title": doc.title,
        "fingerprint": fingerprint,
        "committee": parsed.committee,
        "meeting_date": parsed.meeting_date.isoformat() if parsed.meeting_date else "",
        "warnings": list(doc.warnings),
        "page_starts": list(doc.page_starts),
        "furniture": [list(span) for span in doc.furniture],
        "published": doc.published.to_dict() if doc.published else None,
        "papers": [
            {
                "paper_type": p.paper_type,
                "title": p.title,
                "start": p.start,
                "end": p.end,
                "meeting_date": p.meeting_date.isoformat() if p.meeting_date else "",
                "items": [
                    {
                        "number": i.number,
                        "title": i.title,
                        "start": i.start,
                        "end": i.end,
                        "resolved": [list(r) for r in i.resolved],
                        "private": i.private,
                    }
                    for i in p.items
                ],
                "resolved": [list(r) for r in p.resolved],
            }
            for p in parsed.papers
        ],
        "text": doc.text,
    }
