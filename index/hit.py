"""What a search returns: a `Hit` per passage, each with the one `Citation` type every surface renders."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field, replace
from datetime import date

from precedent.corpus.chunking import Chunk
from precedent.corpus.dates import format_date


@dataclass(frozen=True)
class Citation:
    """Where a passage comes from, down to the minute number and page when known."""

    doc_id: str
    paper_title: str
    paper_type: str
    committee: str
    meeting_date: str
    item: int | None
    item_title: str
    section: str
    page: int | None
    url: str = ""
    """The address the paper was fetched from, or ""."""
    last_page: int | None = None
    """The page the passage ends on, when it runs on over a page break."""
    agenda_item: str = ""
    """The agenda item a paper (not a minute) is for, as its pack's agenda or its site numbers it."""

    @classmethod
    def of(cls, chunk: Chunk) -> Citation:
        return cls(
            chunk.doc_id,
            chunk.paper_title,
            chunk.paper_type,
            chunk.committee,
            chunk.meeting_date,
            chunk.item,
            chunk.item_title,
            chunk.section,
            chunk.page,
            chunk.url,
            chunk.last_page,
            chunk.agenda_item,
        )

    @property
    def date_text(self) -> str:
        return format_date(date.fromisoformat(self.meeting_date)) if self.meeting_date else ""

    def spanning(self, page_starts, start: int, end: int) -> Citation:
        """This citation naming the pages that `start`..`end` of its document lie on (`page_starts`, none for
        a document without pages): a whole RESOLVED block, of which the passage found may be one part."""
        if not page_starts:
            return self
        first, last = bisect_right(page_starts, start), bisect_right(page_starts, max(start, end - 1))
        return replace(self, page=first, last_page=last if last != first else None)

    @property
    def pages(self) -> str:
        """ "p. 12", or "pp. 12-13" for a passage running on over a page break."""
        if self.last_page and self.last_page != self.page:
            return f"pp. {self.page}-{self.last_page}"
        return f"p. {self.page}" if self.page else ""

    def heading(self) -> str:
        """The citation as a person writes it, e.g. `Scrutiny Co-ordination Committee, 4 February 2015,
        Minute 43: Call-In Stage 2 - Public Space Protection Order (Coventry Dog Control)`."""
        parts = [self.committee, self.date_text]
        if self.item is not None:
            label = "Agenda item" if self.paper_type == "agenda" else "Minute"
            parts.append(f"{label} {self.item}: {self.item_title}" if self.item_title else f"{label} {self.item}")
        else:
            kind = self.paper_type.capitalize() if self.paper_type else "Paper"
            if self.agenda_item:
                parts.append(f"Item {self.agenda_item}")
            parts.append(f"{kind}: {self.paper_title}" if self.paper_title else kind)
            if self.section and self.section != self.paper_title:
                parts.append(self.section)
        if self.page:
            parts.append(self.pages)
        return ", ".join(p for p in parts if p)

    def line(self) -> str:
        """One human-readable line, e.g.
        `Scrutiny Co-ordination Committee — Minutes of the meeting of 4 February 2015 — Minute 43:
        Call-In Stage 2 … — Resolution — 000_598379763418fa6f.txt`."""
        paper = self.paper_title or self.paper_type.capitalize()
        if self.paper_type not in ("minutes", "agenda", "web page") and self.paper_type:
            paper = f"{self.paper_type.capitalize()}: {paper}"
        if self.date_text and self.date_text not in paper:
            paper = f"{paper}, meeting of {self.date_text}"
        if self.agenda_item and self.item is None:
            paper = f"{paper}, item {self.agenda_item}"
        parts = [self.committee, paper]
        if self.item is not None:
            parts.append(
                f"Minute {self.item}: {self.item_title}"
                if self.paper_type != "agenda"
                else f"Agenda item {self.item}: {self.item_title}"
            )
        if self.section and self.section != self.item_title:
            parts.append(self.section)
        if self.page:
            parts.append(self.pages)
        parts.append(self.doc_id)
        return " — ".join(p for p in parts if p)


@dataclass(frozen=True)
class Hit:
    """A ranked passage. `score` is the fused score; `retrievers` says which retrievers found it."""

    chunk: Chunk
    score: float
    rank: int
    retrievers: tuple[str, ...] = ()
    highlights: tuple[tuple[int, int], ...] = ()
    """Offsets into `chunk.text` of the sentences that best answer the query."""
    also_in: tuple[Citation, ...] = field(default=())
    """The same text printed elsewhere (minutes reprinted in the next pack, a web page)."""

    @property
    def text(self) -> str:
        return self.chunk.text

    def citation(self) -> Citation:
        return Citation.of(self.chunk)

    def to_dict(self) -> dict:
        """The JSON shape shared by `precedent search --json`, the app's API and eval runs."""
        c = self.chunk
        return {
            "rank": self.rank,
            "score": round(float(self.score), 6),
            "text": c.text,
            "doc": c.doc_id,
            "title": c.paper_title,
            "paper_type": c.paper_type,
            "committee": c.committee,
            "meeting_date": c.meeting_date or None,
            "item": c.item,
            "item_title": c.item_title or None,
            "section": c.section or None,
            "page": c.page,
            "start": c.start,
            "end": c.end,
            "citation": self.citation().line(),
            "url": c.url,
            "retrievers": list(self.retrievers),
            "highlights": [list(span) for span in self.highlights],
            "also_in": [other.line() for other in self.also_in],
            "last_page": c.last_page,
            "furniture": [list(span) for span in c.furniture],
            "agenda_item": c.agenda_item or None,
        }
