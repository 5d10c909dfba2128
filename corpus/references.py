"""References in minutes to other minutes and meetings: "Further to Minute 20/14", "Minute 43 above", "the
minutes of the meeting held on 4 February 2015", "Cabinet on 6th January", "referred from full Council".

Patterns run on a flattened copy of the text (markup and tags out, white space single) so that a phrase broken
over scanned lines or bold runs still reads as one; every span is mapped back to `Document.text`.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from datetime import date

from precedent.corpus.dates import WRITTEN_DATE, written_date

KINDS = ("minute", "same minutes", "minutes", "meeting", "decision", "referral")
""""minute": a numbered minute ("Minute 20/14", "their Minute 66"); "same minutes": one of the same minutes
("Minute 43 above", "Item No. 4"); "minutes": minutes adopted or named by their meeting's date; "meeting": a
meeting of a body held on a date; "decision": what a body decided on a date ("Cabinet on 6th January");
"referral": an item referred from or by another body."""

NOISE = re.compile(r"\s*(?:(?:<[^<>\n]{1,200}>|[*_#`]+|\\(?=[_*]))\s*)+|\s{2,}|[\t\n\r\f\v]")
"""Markup with the white space around it, and white space other than a single space: what `Flat` rewrites."""
SPACE = re.compile(r"\s")
DATE = "(?i:" + WRITTEN_DATE.pattern + ")"
HEAD = r"(?:Cabinet|Council|Committee|Sub[- ]?Committee|Board|Panel|Forum|SPC|JPC|District)"
NAME_WORD = r"(?:[A-Z][\w&’'.-]*,?|and|of|the|for|&)"
BODY = (
    r"(?P<body>(?:(?:[Ff]ull|[Tt]he|[Tt]heir|[Ii]ts)[ \n])?(?:[A-Z][\w&’'.-]*[ \n]{1,2}(?:"
    + NAME_WORD
    + r"[ \n]{1,2}){0,9}?)?"
    + HEAD
    + r")\b"
)
WEEKDAY = r"(?:(?i:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?"
ON_DATE = (
    r"(?:\s*,)?\s+(?:at\s+(?:its|their)\s+(?:\w+\s+)?meeting\s+)?(?:held\s+)?(?:on|of)\s+(?:the\s+)?" + WEEKDAY + DATE
)
VERBS = r"(?:approved|agreed|decided|resolved|considered|noted|adopted|endorsed|accepted|rejected)"

MINUTE = re.compile(
    r"(?i)\b(?P<their>(?:their|its)\s+)?(?:minute|item)s?\s(?!\s)(?:nos?\.?(?:\s(?!\s))?|number\s)?(?P<num>\d{1,4})"
    r"(?:\s*/\s*(?P<yy>\d{2}))?(?![\d/]|\.\d|:|\s*(?:minutes|mins|hours|am|pm|a\.m|p\.m)\b)"
    r"(?:\s*\(\s*[a-z]\s*\))?(?:\s+(?P<dir>above|below))?"
)
MINUTE_OF_MEETING = re.compile(
    r"(?i)\s*,?\s*(?:in|of|on|from)\s+the\s+(?:draft\s+)?(?:minutes|agenda)\s+(?:of|for)\s+(?:the\s+)?"
    r"(?P<pre>(?:[\w&’'-]+\s+){0,10}?)(?:meeting\s+)?(?:held\s+)?(?:on|of)\s+(?:the\s+)?" + DATE
)
"""What follows "Item No. 17" when it is an item of another meeting: "in the Minutes of Meeting of 5th July"."""
MEETING_SORTS = (
    "special|ordinary|annual|monthly|budget|budgetary|plan|adjourned|inaugural|online|statutory|general|virtual"
)
"""The words before "Meeting" that tell two meetings of a body on one day apart: "Special Meeting of the ..."."""
MINUTES_OF = re.compile(
    r"(?i)\bminutes\s+of\s+(?:the\s+)?(?P<pre>(?:[\w&’'-]+\s+){0,16}?)(?:held\s+)?(?:on|of|dated)\s+(?:the\s+)?" + DATE
)
MEETING_OF = re.compile(
    r"(?i)\b(?:(?:" + MEETING_SORTS + r")\s+){0,3}meeting\s+of\s+(?:the\s+)?"
    r"(?P<body>(?:[\w&’'-]+\s+){1,10}?)held\s+(?:on\s+)?(?:the\s+)?" + DATE
)
DECISION = re.compile(BODY + r"(?:\s+decisions?(?:\s+(?:made|taken))?)?" + ON_DATE)
DECISION_AFTER = re.compile(
    r"(?i:at\s+(?:its|their)\s+(?:\w+\s+)?meeting\s+(?:held\s+)?on\s+(?:the\s+)?)"
    + DATE
    + r",?\s+"
    + BODY
    + r"\s+(?i:"
    + VERBS
    + r")"
)
"""The date before the body: "at their meeting on 6th January, 2015 Cabinet approved"."""
REFERRAL = re.compile(
    r"(?i:\breferred\s+(?:from|by)\s+)"
    r"(?P<body>(?:(?i:full|the)\s+){0,2}[A-Z][\w&’'().-]*(?:[ \n]" + NAME_WORD + r"){0,10})"
    r"(?:(?:\s+(?i:meeting))?" + ON_DATE.replace(r"(?:on|of)", r"(?i:on|of)") + r")?"
)
HEADING_BEFORE = re.compile(r"(?i)[ |(:–-]*(?:agenda[ \t]+)?")
DECISION_REACH = 250
"""How far before a date a decision's body and "at its meeting on" may start."""
PARAGRAPH_BEFORE_NAME = re.compile(r".*\n\n(?=(?:[Tt]he|[Ff]ull)[ \n])", re.DOTALL)
"""A heading the name-matching ran on from: the name starts with the paragraph's "The"."""
DECIDED_BY = re.compile(
    r"(?i)(?:\b(?:meetings?|decisions?|minutes|resolutions?|motions?|recommendations?)\s+(?:[\w.’']+\s+){0,3}"
    r"|\b(?:approv\w*|agreed|adopted|considered|endorsed|ratified|granted|passed|made|taken|noted|decided|resolved"
    r"|received)\s+(?:[\w.’']+\s+){0,3})(?:of|from|by|at)\s+$"
)
"""What stands before a body when a date after it is of its decision or meeting ("the decisions made by Cabinet
on", "considered by the Committee on"), not of anything it did ("contacted by the Council on")."""
MEETING_WORDS = re.compile(r"(?i)\b(?:meeting|minutes)\b")
NAMED_BODY = re.compile(BODY)
COMMITTEE_WORD = re.compile(r"(?i)\bcommittee\b")
SENTENCE_REACH = 400
YEARLESS_REACH = 183
"""Days before the meeting a date without a year may name; further back it is more often the next such day."""
THEIR_MINUTE_REACH = 120
"""How far after a body's decision "(their Minute 66 refers)" may stand and still be that body's minute."""

LEADING = re.compile(
    r"(?i)^(?:(?:the|full|its|their|a|an|draft|copy|previous|last|monthly|special|ordinary|annual|online|inaugural"
    r"|adjourned|reports?|chairperson|chair|adopt|adoption|confirm|confirmation|recommendations?|minutes|circulated)"
    r"[\s,]+(?:(?:of|from)\s+)?)*(?:meetings?(?:\s+of(?:\s+the)?)?(?:\s+|$))?"
)
"""What comes before a body's name: "Report of the Chairperson of the", "Special Meeting of the"."""
JOINERS = {"of", "and", "the", "for", "&"}
GENERIC = {"", "committee", "sub committee", "district", "municipal district", "board", "panel", "meeting"}
"""Body names that mean the minutes' own body ("the Committee", "the District")."""
DROPPED = {
    "the",
    "of",
    "and",
    "full",
    "its",
    "their",
    "limerick",
    "city",
    "county",
    "meeting",
    "meetings",
    "monthly",
    "special",
    "ordinary",
    "annual",
    "online",
    "inaugural",
    "adjourned",
    "draft",
    "previous",
    "last",
    "members",
    "s",
    "a",
    "an",
}
"""Words left out when bodies are matched: the sort of meeting, and the council's own name, so that "the Council"
is "Limerick City and County Council" (a word list fitted to the Limerick archive)."""
EXPANSIONS = {
    "spc": "strategic policy committee",
    "jpc": "joint policing committee",
    "subcommittee": "sub committee",
    "md": "municipal district",
}


@dataclass(frozen=True)
class Reference:
    """A reference found at `start`-`end` of a document's text, naming its target as far as the text does.

    `committee` is the body named ("" when the text names none: the minutes' own body); `meeting_date` the
    meeting named; `item` the minute or item number; `year` the municipal year a "20/14" suffix names (2014).
    """

    doc_id: str
    start: int
    end: int
    text: str
    kind: str
    committee: str = ""
    meeting_date: date | None = None
    item: int | None = None
    year: int | None = None
    direction: str = ""
    """"above" or "below" for a minute of the same minutes said to be earlier or later."""

    def to_dict(self) -> dict:
        return {
            "doc_id": self.doc_id,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "kind": self.kind,
            "committee": self.committee,
            "meeting_date": self.meeting_date.isoformat() if self.meeting_date else "",
            "item": self.item,
            "year": self.year,
            "direction": self.direction,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Reference:
        when = data.get("meeting_date") or ""
        return cls(**{**data, "meeting_date": date.fromisoformat(when) if when else None})


class Flat:
    """Text without markup, white space single, with a map from each of its offsets back to the source."""

    def __init__(self, text: str, start: int = 0, end: int | None = None):
        end = len(text) if end is None else end
        parts: list[str] = []
        self.flat_at: list[int] = []
        self.raw_at: list[int] = []
        length, pos = 0, start
        for match in NOISE.finditer(text, start, end):
            if match.start() > pos:
                self.flat_at.append(length)
                self.raw_at.append(pos)
                parts.append(text[pos : match.start()])
                length += match.start() - pos
            noise = match.group()
            lines = min(noise.count("\n"), 2)
            space = "\t" if "\t" in noise else "\n" * lines if lines else " " if SPACE.search(noise) else ""
            if space and length:
                self.flat_at.append(length)
                self.raw_at.append(match.start())
                parts.append(space)
                length += len(space)
            pos = match.end()
        if end > pos:
            self.flat_at.append(length)
            self.raw_at.append(pos)
            parts.append(text[pos:end])
        self.text = "".join(parts)

    def raw(self, offset: int) -> int:
        """The source offset of flat character `offset`."""
        at = bisect.bisect_right(self.flat_at, offset) - 1
        return self.raw_at[at] + offset - self.flat_at[at] if at >= 0 else 0

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        return self.raw(start), self.raw(end - 1) + 1


def find_references(
    text: str, doc_id: str, *, start: int = 0, end: int | None = None, meeting_date: date | None = None
) -> list[Reference]:
    """References in `text[start:end]`, a paper of the meeting of `meeting_date`, in order of position.

    Args:
        meeting_date: the meeting the paper is for; a date without a year is read as the last such day on or
            before it, and a meeting on or after it (the paper's own, or the next) is not a reference.
    """
    flat = Flat(text, start, end)
    found: list[tuple[int, int, str, dict]] = []
    taken: list[tuple[int, int]] = []

    def add(s: int, e: int, kind: str, **target) -> None:
        if any(s < te and ts < e for ts, te in taken):
            return
        taken.append((s, e))
        found.append((s, e, kind, target))

    def past(match: re.Match[str]) -> date | None:
        when = written_date(match, meeting_date)
        if not when or (meeting_date and when >= meeting_date):
            return None
        if not match.group("year") and meeting_date and (meeting_date - when).days > YEARLESS_REACH:
            return None  # "a meeting of the District on 17th July", written in June: the coming one
        return when

    ft = flat.text
    for match in DECISION_AFTER.finditer(ft):
        when = past(match)
        if when:
            add(match.start(), match.end(), "decision", committee=_body(match.group("body")), meeting_date=when)
    for match in MINUTES_OF.finditer(ft):
        when = past(match)
        if when:
            add(match.start(), match.end(), "minutes", committee=_body(match.group("pre")), meeting_date=when)
    for match in MEETING_OF.finditer(ft):
        when = past(match)
        if when:
            add(match.start(), match.end(), "meeting", committee=_body(match.group("body")), meeting_date=when)
    for match in REFERRAL.finditer(ft):
        body = _trim_name(match.group("body"))
        when = past(match) if match.group("day") else None
        stop = match.end() if when else match.start("body") + len(body)
        add(match.start(), stop, "referral", committee=_body(body), meeting_date=when)
    for day in WRITTEN_DATE.finditer(ft):  # a body's name is sought only before a date: 10x faster
        match = DECISION.search(ft, max(0, day.start() - DECISION_REACH), day.end())
        when = past(match) if match and _decided(ft, match) else None
        if when:
            body = match.group("body")
            heading = PARAGRAPH_BEFORE_NAME.search(body)  # "Selection of Preferred Bidder\n\nThe Council, on"
            start = match.start("body") + heading.end() if heading else match.start()
            name = body[heading.end() :] if heading else body
            add(start, match.end(), "decision", committee=_body(name), meeting_date=when)
    for match in MINUTE.finditer(ft):
        _minute(ft, match, add, past, found)
    references = []
    for s, e, kind, target in sorted(found, key=lambda f: f[0]):
        if not target.get("committee") and kind != "same minutes" and COMMITTEE_WORD.search(ft, s, e):
            target = {**target, "committee": _committee_before(ft, s)}
        raw_start, raw_end = flat.raw_span(s, e)
        references.append(Reference(doc_id, raw_start, raw_end, text[raw_start:raw_end], kind, **target))
    return references


def _minute(ft: str, match: re.Match[str], add, past, found) -> None:
    """A numbered minute or item: of the same minutes, of a named meeting, or of a body's decision before it."""
    line_start = ft.rfind("\n", 0, match.start()) + 1
    if match.group(0)[:4].lower() == "item" and HEADING_BEFORE.fullmatch(ft, line_start, match.start()):
        return  # "Item 2: Director's Report", "Agenda Item 6": an item's own heading
    number = int(match.group("num"))
    if match.group("yy"):
        add(match.start(), match.end(), "minute", item=number, year=2000 + int(match.group("yy")))
        return
    of_meeting = MINUTE_OF_MEETING.match(ft, match.end())
    if of_meeting and not match.group("dir"):
        when = past(of_meeting)
        if when:
            body = _body(of_meeting.group("pre"))
            add(match.start(), of_meeting.end(), "minute", committee=body, meeting_date=when, item=number)
            return
    if match.group("their"):
        decided = [f for f in found if f[2] == "decision" and 0 <= match.start() - f[1] <= THEIR_MINUTE_REACH]
        if decided:
            target = decided[-1][3]
            add(match.start(), match.end(), "minute", committee=target["committee"], item=number,
                meeting_date=target["meeting_date"])  # fmt: skip
            return
    if match.group("dir") or match.group(0)[:4].lower() == "item":
        add(match.start(), match.end(), "same minutes", item=number, direction=(match.group("dir") or "").lower())
        return
    add(match.start(), match.end(), "minute", item=number)


def _decided(ft: str, match: re.Match[str]) -> bool:
    """Whether a body-and-date match is of a decision or meeting: said so, or a verb of deciding before it."""
    if "meeting" in match.group(0).lower() or MEETING_WORDS.search(match.group("body")):
        return True
    return bool(DECIDED_BY.search(ft, max(0, match.start() - 80), match.start()))


def _committee_before(ft: str, pos: int) -> str:
    """The committee last named earlier in the sentence, which "the Committee" then means: "report of the
    Chairperson of the Travel and Transportation Strategic Policy Committee in relation to Meeting of the
    Committee held on 20th October"; "" (the minutes' own) when there is none."""
    start = max(ft.rfind(". ", 0, pos), pos - SENTENCE_REACH)
    named = ""
    for match in NAMED_BODY.finditer(ft, start, pos):
        body = _body(match.group("body"))
        if body and body_key(body).endswith("committee"):
            named = body
    return named


def _trim_name(name: str) -> str:
    """A body's name without the lower-case words a greedy match took after it ("Council and")."""
    return re.sub(r"(?:\s+(?:and|of|the|for|&))+$", "", name.strip(" \t\n,;:"))


def _body(name: str) -> str:
    """The name of the body a reference names, "" when it names only a meeting or the minutes' own body."""
    name = _trim_name(LEADING.sub("", name.strip()))
    if name[:1].isupper():  # "Municipal District of Cappamore-Kilmallock regarding Athenacy": the name ends
        words = name.split()
        cut = next((i for i, w in enumerate(words) if w[:1].islower() and w not in JOINERS), len(words))
        name = _trim_name(" ".join(words[:cut]))
    name = re.sub(r"(?i)\s+meetings?$", "", name)
    name = re.sub(r"\s+", " ", re.sub(r"(?<=\w)-\s+(?=\w)", "-", name))  # "Adare-\nRathkeale"
    return "" if body_key(name) in GENERIC else name


def body_key(name: str) -> str:
    """A body's name reduced for matching: "Limerick City & County Council’s Travel and Transportation SPC" ->
    "council travel transportation strategic policy committee"."""
    name = name.lower().replace("&", " and ").replace("’s", "").replace("'s", "")
    words = []
    for word in re.split(r"[^a-z0-9]+", name):
        words += EXPANSIONS.get(word, word).split()
    words = [w for w in words if w and w not in DROPPED]
    while words and words[0] in ("meeting", "minutes", "draft", "copy"):
        words.pop(0)
    return " ".join(words)
