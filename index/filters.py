"""Search filters: committee, meeting date range, paper type; validated with the valid values named."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from precedent.corpus.chunking import Chunk
from precedent.corpus.structure import PAPER_TYPES

from precedent.errors import InvalidQuery


@dataclass(frozen=True)
class Filters:
    committee: str = ""
    date_from: date | None = None
    date_to: date | None = None
    paper_types: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    """Passage kinds to keep: "resolved", "item", "attendance", "recommendation", "contact", "contents",
    "section" (`corpus.chunking.Chunk.kind`)."""

    def __post_init__(self):
        unknown = [t for t in self.paper_types if t not in PAPER_TYPES]
        if unknown:
            raise InvalidQuery(f"unknown paper type {unknown[0]!r}; valid types are: {', '.join(PAPER_TYPES)}")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise InvalidQuery(f"the date range is empty: from {self.date_from} is after to {self.date_to}")

    @property
    def active(self) -> bool:
        return bool(self.committee or self.date_from or self.date_to or self.paper_types or self.kinds)

    def mask(self, chunks: list[Chunk]) -> np.ndarray:
        """True for every chunk the filters let through."""
        keep = np.ones(len(chunks), dtype=bool)
        committee = self.committee.casefold()
        for row, chunk in enumerate(chunks):
            if committee and committee not in chunk.committee.casefold():
                keep[row] = False
            elif self.paper_types and chunk.paper_type not in self.paper_types:
                keep[row] = False
            elif self.kinds and chunk.kind not in self.kinds:
                keep[row] = False
            elif self.date_from or self.date_to:
                when = date.fromisoformat(chunk.meeting_date) if chunk.meeting_date else None
                if when is None or (self.date_from and when < self.date_from) or (self.date_to and when > self.date_to):
                    keep[row] = False
        return keep


def parse_day(value: str | None, name: str) -> date | None:
    """A YYYY-MM-DD filter value, or a clear error."""
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError as err:
        raise InvalidQuery(f"{name} must be a date written YYYY-MM-DD, e.g. 2015-02-04; got {value!r}") from err
