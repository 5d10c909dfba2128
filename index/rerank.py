"""Second-stage ranking features over the fused candidates, each switchable for `eval --compare`."""

from __future__ import annotations

import heapq
import re
from functools import lru_cache

import numpy as np
from precedent.corpus.chunking import Chunk
from precedent.corpus.dates import DAY, MONTH_NAME, MONTHS

DECISION_WORDS = re.compile(
    r"\b(agree[sd]?|agreement|decid\w*|decision\w*|resolv\w*|resolution\w*|recommend\w*|outcome"
    r"|concur\w*|endors\w*|conclu\w*|request\w*|ask|asked)\b",
    re.IGNORECASE,
)
"""Questions like "what did scrutiny agree/decide/resolve/ask officers to do about X": RESOLVED text is the answer."""


MONTH_YEAR = re.compile(
    r"\b(?:" + DAY + r")?(" + MONTH_NAME + r")\b\.?,?\s+(\d{4})\b",
    re.IGNORECASE,
)
"""A month by its name or abbreviation, not a word that starts like one ("decisions 2015", "market 2015")."""
YEAR = re.compile(r"\b(?:meetings?|minutes)\s+(?:in|during|of)\s+((?:19|20)\d{2})\b", re.IGNORECASE)
"""A bare year ("tribunals supported in 2014") is usually about the content, not the meeting; only
"meetings in 2014" is taken as a meeting period."""
SINCE = re.compile(r"\b(?:since|after)\s+((?:19|20)\d{2})\b", re.IGNORECASE)
LATEST = re.compile(r"\b(?:last|latest|most recent)\s+(?:[a-z-]+\s+){0,2}?(?:meeting|minutes)\b", re.IGNORECASE)
""""the last meeting", "the latest scrutiny meeting", "the most recent committee minutes"."""
LATEST_AMONG = 10


def query_period(query: str, latest: str = "") -> tuple[str, str] | None:
    """The meeting-date window a question names, as ISO prefix bounds: "in April 2023" -> 2023-04.

    Args:
        latest: the ISO date "the last meeting" means; without it such a question names no period.

    Returns (low, high) compared against ISO dates by string prefix; None when the question names no date.
    """
    match = MONTH_YEAR.search(query)
    if match:
        return _iso(match), _iso(match)
    match = SINCE.search(query)
    if match:
        return match.group(1), "9999"
    match = YEAR.search(query)
    if match:
        return match.group(1), match.group(1)
    if latest and LATEST.search(query):
        return latest, latest
    return None


def in_period(meeting_date: str, period: tuple[str, str]) -> bool:
    low, high = period
    return bool(meeting_date) and meeting_date[: len(low)] >= low and meeting_date[: len(high)] <= high


YEAR_WRITTEN = re.compile(r"\b(?:19|20)\d{2}\b")


def _iso(match: re.Match[str]) -> str:
    """A `MONTH_YEAR` match as an ISO prefix: "1st March 2023" -> 2023-03-01, "October 2021" -> 2021-10."""
    day, month, year = match.group(1), MONTHS[match.group(2).lower()], match.group(3)
    return f"{year}-{month:02d}" + (f"-{int(day):02d}" if day else "")


@lru_cache(maxsize=65_536)
def dates_named(text: str) -> frozenset[str]:
    """The days and months a passage writes out ("held on 1 March 2023", "in October 2021"), as ISO
    prefixes, found once per passage text."""
    if not YEAR_WRITTEN.search(text):  # most passages name no year; the month search is slow (bundled: 47 -> 25 ms)
        return frozenset()
    return frozenset(map(_iso, MONTH_YEAR.finditer(text)))


NAMED_DATES_AT_MOST = 2
"""A passage naming more dates than this is a calendar or a work programme, not about any one of them."""


def about_period(chunk: Chunk, period: tuple[str, str]) -> bool:
    """Whether a passage is from a meeting in `period`, or names the one day, month or year it is.

    A question's date is not always its answer's meeting date: "the 1 March 2023 minutes were signed off"
    is answered by the next meeting's minutes, which say "the minutes of the meeting held on 1 March 2023
    were agreed and signed".
    """
    if in_period(chunk.meeting_date, period):
        return True
    low, high = period
    if low != high:  # "since 2015" is about meetings; every later date a passage names would be too broad
        return False
    named = dates_named(chunk.text)
    return len(named) <= NAMED_DATES_AT_MOST and any(in_period(day, period) for day in named)


def boost_period(query: str, chunks: list[Chunk], fused: dict[int, float], factor: float) -> dict[int, float]:
    """Raise passages about the period the question names ("in October 2013", "since 2015"; `about_period`).

    "The last meeting" is the latest meeting among the `LATEST_AMONG` best passages: the latest that
    discussed the question's topic, within any filters.
    """
    if factor == 1.0:
        return fused
    period = query_period(query)
    if period is None and LATEST.search(query):
        best = heapq.nlargest(LATEST_AMONG, fused, key=fused.__getitem__)
        period = query_period(query, latest=max((chunks[cid].meeting_date for cid in best), default=""))
    if period is None:
        return fused
    return {cid: score * factor if about_period(chunks[cid], period) else score for cid, score in fused.items()}


ATTENDANCE_WORDS = re.compile(
    r"\b(in the chair|chaired|who (?:was|were|is) (?:the )?chair\w*|present|attend\w*|apologies|absent"
    r"|substitut\w*|venue|where (?:was|is|will|did)\b.{0,80}\b(?:held|meet|take place|took place))\b",
    re.IGNORECASE,
)
"""Questions about who was at a meeting or where it was held; not every "who" ("who did the committee ask
to write to")."""


CONTACT_WORDS = re.compile(
    r"\b(who (?:wrote|authored|prepared|is the author)|authors?|author\(s\)|contact\w*|e-?mail address"
    r"|phone number|telephone)\b",
    re.IGNORECASE,
)
"""Questions about who wrote a paper or whom to ask about it."""


RECOMMENDED_WORDS = re.compile(r"\b(?:recommended|asked|requested) to\b", re.IGNORECASE)
"""What was the committee "recommended / asked to" do: a report's Recommendations section answers."""
ASKED_KIND = {
    "resolved": DECISION_WORDS,
    "attendance": ATTENDANCE_WORDS,
    "contact": CONTACT_WORDS,
    "recommendation": RECOMMENDED_WORDS,
}


def asks_for(kind: str, query: str) -> bool:
    """Whether the question asks for passages of `kind`: "resolved", "attendance", "contact" or
    "recommendation"."""
    return bool(ASKED_KIND[kind].search(query))


def boost_kind(kind: str, query: str, chunks: list[Chunk], fused: dict[int, float], factor: float) -> dict[int, float]:
    """Scores with every passage of `kind` multiplied by `factor` when the question asks for that kind."""
    if factor == 1.0 or not asks_for(kind, query):
        return fused
    return {cid: score * factor if chunks[cid].kind == kind else score for cid, score in fused.items()}


def lift_to_paper(
    kind: str,
    query: str,
    chunks: list[Chunk],
    fused: dict[int, float],
    by_paper: dict[tuple, list[int]],
    allowed: np.ndarray | None = None,
) -> dict[int, float]:
    """For a question asking for `kind`, each paper's passages of that kind score at least as well as the
    paper's best passage: an author block names no topic ("NAME: Joy Adams ..."), its paper does.

    Args:
        allowed: the search's filter mask over chunks; a passage it excludes is never brought in.
    """
    if not asks_for(kind, query):
        return fused
    best: dict[tuple, float] = {}
    for chunk_id, score in fused.items():
        paper = chunks[chunk_id].paper
        best[paper] = max(best.get(paper, 0.0), score)
    lifted = dict(fused)
    for paper, score in best.items():
        for chunk_id in by_paper.get(paper, ()):
            if allowed is None or allowed[chunk_id]:
                lifted[chunk_id] = max(lifted.get(chunk_id, 0.0), score)
    return lifted
