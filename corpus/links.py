"""Resolving references to the minutes and meetings of the archive: what a decision refers to, and what refers
to it. Works on document records (`corpus.structure.document_record`), the form the index stores."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from precedent.corpus.references import MEETING_SORTS, Reference, body_key, find_references

if TYPE_CHECKING:
    from precedent.corpus.chunking import Chunk

REFERENCES = "references.jsonl"
"""The file of an index generation holding its links."""
MUNICIPAL_YEAR_STARTS = (5, 1)
"""A municipal year runs from 1 May (the annual meeting) to 30 April: "Minute 20/14" is of 2014/15."""
SCANNED = ("minutes", "web page", "agenda", "document")
"""Papers read for references: those of a meeting, and papers of no known type (minutes without a heading).
Reports and briefing notes name meetings too, mostly ahead ("to Cabinet on 14 April")."""
RECORD_TYPES = ("minutes", "web page")
"""Papers that record a meeting; an agenda of the same meeting is its target only when no record is held."""


@dataclass(frozen=True, order=True)
class ItemKey:
    """A minute or agenda item (`item` None: the whole meeting or paper) as the index stores it."""

    doc_id: str
    meeting_date: str
    """ISO date, or "" when the paper's meeting is unknown."""
    item: int | None = None

    @classmethod
    def of(cls, chunk: Chunk) -> ItemKey:
        """The item a passage belongs to (its paper, when it is in no item)."""
        return cls(chunk.doc_id, chunk.meeting_date, chunk.item)

    def to_list(self) -> list:
        return [self.doc_id, self.meeting_date, self.item]

    @classmethod
    def from_list(cls, value: list) -> ItemKey:
        return cls(value[0], value[1], value[2])


@dataclass(frozen=True)
class Link:
    """A reference from an item and the item or meeting of the archive it names; `target` None when the
    archive does not hold it."""

    source: ItemKey
    target: ItemKey | None
    reference: Reference

    def to_dict(self) -> dict:
        return {
            "source": self.source.to_list(),
            "target": self.target.to_list() if self.target else None,
            "reference": self.reference.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict) -> Link:
        target = data["target"]
        return cls(
            ItemKey.from_list(data["source"]),
            ItemKey.from_list(target) if target else None,
            Reference.from_dict(data["reference"]),
        )


@dataclass(frozen=True)
class Meeting:
    """One paper of the archive for one meeting: its body, date and item numbers."""

    doc_id: str
    committee: str
    key: str
    """`body_key(committee)`."""
    meeting_date: date | None
    """The paper's meeting, else its document's (for matching references by date)."""
    key_date: str
    """The paper's own meeting date as its passages carry it (`Chunk.meeting_date`), "" when unknown."""
    paper_type: str
    start: int
    end: int
    items: tuple[tuple[int, int, int], ...]
    """(number, start, end) of each item."""
    sorts: frozenset[str] = frozenset()
    """Words of `MEETING_SORTS` in the document's title: "special", "annual"."""
    titled: frozenset[str] = frozenset()
    """The words of the document's title as `body_key` keeps them, for telling bodies that share a parsed name."""


def municipal_year(day: date) -> int:
    """The year a municipal year starts in: 4 February 2015 is in 2014/15, so 2014."""
    return day.year if (day.month, day.day) >= MUNICIPAL_YEAR_STARTS else day.year - 1


def same_body(named: str, held: str) -> bool:
    """Whether `body_key`s name the same body: equal, one's words within the other's with the same last word
    ("environment strategic policy committee" within "council environment strategic policy committee"), or a
    name of two words or more within the other ("metropolitan district" within "metropolitan district limerick")."""
    if not named or not held:
        return False
    if named == held:
        return True
    a, b = named.split(), held.split()
    if len(a) >= 2 and set(a) <= set(b):  # a garbled heading: "... Cappamore-Kilmallock on Athenacey Graveyard"
        return True
    return a[-1] == b[-1] and (set(a) <= set(b) or set(b) <= set(a))


class Archive:
    """Every paper with a meeting date, by date, for resolving references."""

    def __init__(self, records: Iterable[dict]):
        self.records = {r["doc_id"]: r for r in records}
        self.meetings: list[Meeting] = []
        self.by_date: dict[date, list[Meeting]] = {}
        self.by_doc: dict[str, list[Meeting]] = {}
        for record in self.records.values():
            for paper in record["papers"]:
                when = paper["meeting_date"] or record["meeting_date"]
                meeting = Meeting(
                    record["doc_id"],
                    record["committee"],
                    body_key(record["committee"]),
                    date.fromisoformat(when) if when else None,
                    paper["meeting_date"],
                    paper["paper_type"],
                    paper["start"],
                    paper["end"],
                    tuple((i["number"], i["start"], i["end"]) for i in paper["items"]),
                    _sorts(record["title"]),
                    frozenset(body_key(record["title"]).split()),
                )
                self.meetings.append(meeting)
                self.by_doc.setdefault(meeting.doc_id, []).append(meeting)
                if meeting.meeting_date:
                    self.by_date.setdefault(meeting.meeting_date, []).append(meeting)

    def links(self) -> list[Link]:
        """Every reference in the archive, resolved where it can be, in document order; an item naming itself
        ("the full minutes text for item 48" in item 48) is no cross-reference and is left out."""
        found = []
        for record in self.records.values():
            for reference in references_in(record):
                link = self.link(reference)
                if not (reference.kind == "same minutes" and reference.item == link.source.item):
                    found.append(link)
        return found

    def link(self, reference: Reference) -> Link:
        source, paper = self.source(reference)
        return Link(source, self.resolve(reference, paper), reference)

    def source(self, reference: Reference) -> tuple[ItemKey, Meeting | None]:
        """The item (or paper) holding a reference, and the paper it is in."""
        record = self.records[reference.doc_id]
        paper = next((m for m in self.by_doc.get(reference.doc_id, ()) if m.start <= reference.start < m.end), None)
        if paper is None:
            return ItemKey(reference.doc_id, record["meeting_date"], None), None
        number = next((n for n, s, e in paper.items if s <= reference.start < e), None)
        return ItemKey(reference.doc_id, paper.key_date, number), paper

    def resolve(self, reference: Reference, paper: Meeting | None) -> ItemKey | None:
        """The item or meeting of the archive a reference names, or None when the archive does not hold it."""
        source_key = body_key(self.records[reference.doc_id]["committee"])
        named = body_key(reference.committee) if reference.committee else source_key
        if reference.kind == "same minutes":
            return self._same_minutes(reference, paper)
        if reference.meeting_date:
            meeting = self._meeting(named, reference.meeting_date, reference.item, _sorts(reference.text))
            if meeting is None:
                return None
            return ItemKey(meeting.doc_id, meeting.key_date, reference.item)
        if reference.kind == "minute" and reference.item is not None and paper and paper.meeting_date:
            return self._numbered(named, reference, paper)
        return None

    def _same_minutes(self, reference: Reference, paper: Meeting | None) -> ItemKey | None:
        if paper is None or reference.item not in {n for n, _, _ in paper.items}:
            return None
        here = next((n for n, s, e in paper.items if s <= reference.start < e), None)
        if here is not None and (
            (reference.direction == "above" and reference.item >= here)
            or (reference.direction == "below" and reference.item <= here)
        ):
            return None  # the text contradicts itself: "Minute 48 above" in minute 46
        return ItemKey(paper.doc_id, paper.key_date, reference.item)

    def _meeting(self, named: str, day: date, item: int | None, sorts: frozenset[str]) -> Meeting | None:
        """The paper recording a body's meeting on a day (its minutes before its agenda), holding `item` if
        given; of two meetings that day, the one whose title shares the reference's "Special", "Annual", then the
        one whose body shares more of the words the reference names."""
        held = [m for m in self.by_date.get(day, ()) if same_body(named, m.key)]
        if item is not None:
            held = [m for m in held if item in {n for n, _, _ in m.items}]
        if not held:
            return None
        words = set(named.split())
        return min(
            held,
            key=lambda m: (
                -len(sorts & m.sorts),
                -len(words & set(m.key.split())),
                m.key != named,
                m.paper_type not in RECORD_TYPES,
                not m.items,
                -len(words & m.titled),
                m.doc_id,
                m.start,
            ),
        )

    def _numbered(self, named: str, reference: Reference, paper: Meeting) -> ItemKey | None:
        """A minute by number alone: of the municipal year its suffix names, else of the source's, up to the
        source meeting; unresolved when two meetings of that year have a minute so numbered."""
        year = reference.year if reference.year is not None else municipal_year(paper.meeting_date)
        held = {}
        for meeting in self.meetings:
            if (
                meeting.paper_type in RECORD_TYPES
                and meeting.meeting_date
                and same_body(named, meeting.key)
                and municipal_year(meeting.meeting_date) == year
                and meeting.meeting_date <= paper.meeting_date
                and reference.item in {n for n, _, _ in meeting.items}
            ):
                held.setdefault(meeting.meeting_date, []).append(meeting)
        if len(held) != 1:
            return None
        (meetings,) = held.values()
        best = min(meetings, key=lambda m: (m.doc_id, m.start))
        return ItemKey(best.doc_id, best.key_date, reference.item)


def _sorts(text: str) -> frozenset[str]:
    return frozenset(re.findall(rf"\b(?:{MEETING_SORTS})\b", text.lower()))


def references_in(record: dict) -> list[Reference]:
    """The references in each paper of a document record, each read against its paper's meeting date."""
    text = record["text"]
    found: list[Reference] = []
    for paper in record["papers"]:
        if paper["paper_type"] not in SCANNED:
            continue
        when = paper["meeting_date"] or record["meeting_date"]
        found += find_references(
            text,
            record["doc_id"],
            start=paper["start"],
            end=paper["end"],
            meeting_date=date.fromisoformat(when) if when else None,
        )
    return found


def link_references(records: Iterable[dict]) -> list[Link]:
    """Every reference in `records`, each with the archive item or meeting it names (or None)."""
    return Archive(records).links()


def referred_to_by(links: Iterable[Link]) -> dict[ItemKey, list[Link]]:
    """The inverse of links: for each target, the links that name it."""
    inverse: dict[ItemKey, list[Link]] = {}
    for link in links:
        if link.target is not None:
            inverse.setdefault(link.target, []).append(link)
    return inverse


def save_links(path: Path, links: Iterable[Link]) -> None:
    """Links as JSON lines, one a line."""
    with open(path, "w", encoding="utf-8") as handle:
        for link in links:
            handle.write(json.dumps(link.to_dict(), ensure_ascii=False) + "\n")


def load_links(path: Path) -> list[Link]:
    """Links saved by `save_links`; none when the file is absent (an index built before references)."""
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as handle:
        return [Link.from_dict(json.loads(line)) for line in handle if line.strip()]
