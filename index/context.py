"""The whole item or section around a passage, so precedent wording can be read and copied in place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from precedent.corpus.chunking import Chunk
from precedent.index.index import Index

from precedent.errors import InvalidQuery

MAX_CONTEXT = 12000
"""Characters shown around a passage when its section is longer than this."""


@dataclass(frozen=True)
class Context:
    title: str
    text: str
    passage_start: int
    """Offsets of the passage inside `text`."""
    passage_end: int


def context_of(index: Index, chunk: Chunk) -> Context:
    """The minute item (or paper section) holding `chunk`, with the passage's place in it.

    Only documents held by the index are read; nothing here touches the file system.
    """
    record = index.documents.get(chunk.doc_id)
    if record is None:
        raise InvalidQuery(f"{chunk.doc_id!r} is not in this index; search again to get current passages")
    text = record["text"]
    start, end, title = _enclosing(record, chunk)
    if end - start > MAX_CONTEXT:
        start = max(start, chunk.start - MAX_CONTEXT // 2)
        end = min(end, chunk.end + MAX_CONTEXT // 2)
    return Context(title, text[start:end], chunk.start - start, chunk.end - start)


def passage_at(index: Index, doc_id: str, offset: int) -> Chunk | None:
    """The passage of `doc_id` holding character `offset`, if the index holds one."""
    return next((c for c in index.chunks if c.doc_id == doc_id and c.start <= offset < c.end), None)


def _enclosing(record: dict, chunk: Chunk) -> tuple[int, int, str]:
    for paper in record["papers"]:
        if not paper["start"] <= chunk.start < paper["end"]:
            continue
        for item in paper["items"]:
            if item["start"] <= chunk.start < item["end"] and paper["paper_type"] != "agenda":
                return item["start"], item["end"], f"{paper['title']} — Minute {item['number']}: {item['title']}"
        return paper["start"], paper["end"], paper["title"]
    return chunk.start, chunk.end, chunk.paper_title


@dataclass(frozen=True)
class Place:
    """Where an item (or a whole meeting's paper) sits: a heading to show and the offset to open it at."""

    heading: str
    doc_id: str
    start: int
    """`doc_id` "" for a meeting or minute the papers name but the archive does not hold ("Cabinet, 6 January
    2015"): shown, not linked."""

    def to_dict(self) -> dict:
        return {"heading": self.heading, "doc": self.doc_id or None, "start": self.start if self.doc_id else None}


def named_place(reference) -> Place:
    """A reference the archive does not hold, as the papers name it: body, meeting date, minute."""
    from precedent.corpus.dates import format_date

    parts = [reference.committee, format_date(reference.meeting_date) if reference.meeting_date else ""]
    if reference.item is not None:
        parts.append(f"Minute {reference.item}" + (f"/{reference.year % 100:02d}" if reference.year else ""))
    return Place(", ".join(p for p in parts if p) or reference.text, "", 0)


def place_of(index: Index, key) -> Place | None:
    """The item or meeting a `corpus.links.ItemKey` names, as a heading and an offset; None if not held."""
    from precedent.corpus.dates import format_date

    record = index.documents.get(key.doc_id)
    if record is None:
        return None
    when = format_date(date.fromisoformat(key.meeting_date)) if key.meeting_date else ""
    for paper in record["papers"]:
        if key.meeting_date and paper["meeting_date"] != key.meeting_date:
            continue
        for item in paper["items"] if key.item is not None else ():
            if item["number"] == key.item:
                label = "Agenda item" if paper["paper_type"] == "agenda" else "Minute"
                parts = [record.get("committee", ""), when, f"{label} {item['number']}: {item['title']}"]
                return Place(", ".join(p for p in parts if p), key.doc_id, item["start"])
        if key.item is None:
            parts = [record.get("committee", ""), when, paper["title"]]
            return Place(", ".join(p for p in parts if p), key.doc_id, paper["start"])
    return None
