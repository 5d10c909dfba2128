"""Numbered items in minutes and agendas, and the decisions inside minute items: RESOLVED blocks, and motions
proposed, seconded and resolved or agreed, as Irish councils minute them."""

from __future__ import annotations

import bisect
import re

from precedent.corpus.markup import BULLET_GLYPHS, clean_line
from precedent.corpus.sections import sections, trimmed_end
from precedent.corpus.structure import Item, Section

MINUTE_LINE = re.compile(r"(?m)^[ \t#>*-]*(\d{1,3})\.[ \t]*(?:\*\*)?[ \t]*(?:\n[ \t]*){0,2}[ \t*]*([A-Z][^\n]{1,200})$")
"""A minute's number and title: on one line ("43. Call-In Stage 2"), or the number on a line of its own and the
title on the next ("**1.**", "**Adoption of Minutes**", as scanned Limerick minutes print them)."""
ITEM_LINE = re.compile(
    r"(?m)^[ \t#>*-]*(?:\*\*)?[ \t]*(?:Agenda[ \t]+)?Item[ \t]+(?:No\.?[ \t]*)?(\d{1,3})[ \t]*[.:–-]?[ \t]*(?:\*\*)?"
    r"[ \t]*(?:\n[ \t]*){0,2}[ \t*]*([A-Z][^\n]{1,200})$"
)
"""An item minuted under an "Item" heading: "**Item 3**" over "**URDF Funding Briefing**", "Item 2 – Delegation
Kilfinny Group Water", "**Item 1: Adoption of Minutes**", as strategic policy committees' minutes print them."""
ENTRY_LEAD = re.compile(r"[ \t#>*-]*(?:(?:Agenda[ \t]+)?Item[ \t]+(?:No\.?[ \t]*)?)?")
"""What may stand before an entry's number on its line: markup, or the word "Item"."""
AGENDA_ENTRY = re.compile(r"(?:^|\*\*)[ \t#*]*(\d{1,2})\.[ \t]*(?:\*\*)?[ \t]*([^*\n]{2,200})", re.MULTILINE)
WEB_ITEM = re.compile(r"(?m)^(\d{1,3})\.[ \t]*\n\s*\n?([^\n]{2,200})$")
RESOLVED = re.compile(r"(?m)^[ \t#>*-]*(?:\*\*)?[ \t]*R(?i:ESOLVED)\b")
"""A decision's opening word at a line's start, capitalised: "resolved" starting a line is a wrapped sentence's
last word ("the national issues that had yet to be" over "resolved")."""
MOTION = re.compile(
    r"(?im)(?:^[ \t#>*-]*(?:\*\*)?[ \t]*|(?<=[.!?”] ))(?:proposed\s+by\b|on\s+the\s+proposal\s+of\b"
    r"|it\s+was\s+(?:\w+\s+){0,2}?(?:agreed|resolved)\b|it\s+was\s+proposed\s+by\b"
    r"|(?:the\s+)?(?:an\s+)?(?:leas-)?(?:cathaoirleach|mayor|chair\w*)\s+declared\s+the\s+)"
)
"""Where a decision minuted as a motion starts, at a line's or a sentence's start: "Proposed by Councillor X;
Seconded by Councillor Y; And Resolved:", "On the proposal of ..., it was agreed that", "It was unanimously
agreed", "It was proposed by X, seconded by Y and agreed", "The Cathaoirleach declared the motion carried"."""
OUTCOME = re.compile(r"(?i)\b(?:resolved|agreed|carried|defeated|adopted|approved|lost)\b")
"""A motion is a decision once its outcome is minuted, within `OUTCOME_WITHIN` characters of its start."""
OUTCOME_WITHIN = 400
QUOTED = re.compile(r"[\s:;,*-]*(?:that\s*:?\s*)?[“\"]")
"""The resolution quoted after its outcome word ("And Resolved: “That ...”")."""
CLOSING = re.compile(r"[”\"][.;,]?|\n[ \t]*\n[ \t]*\n")
"""Where a quoted resolution ends: its closing quote, or (unclosed) a paragraph gap that is not a page break."""
SENTENCE_END = re.compile(r"(?<!\bCo)(?<!\bNo)(?<!\bSt)(?<!\bMr)(?<!\bMs)(?<!\bDr)[.!?]”?(?=\s+[^a-z\s]|\s*\Z)")
LIST_ITEM = re.compile(rf"[ \t]*\n\s*(?:[{BULLET_GLYPHS}·–-]|\(?[a-z0-9]{{1,3}}\))[ \t][^\n]*")
"""A bulleted or lettered line after a motion that introduced a list ("it was agreed to allocate the following:")."""
MOTION_AT_MOST = 2500
"""A motion's block ends at its quote's close or its sentence's end; this long at most (an unclosed quote)."""
TAKEN = re.compile(
    r"(?i)\b(?:take|taking|taken)\s+(?:agenda\s+)?items?\s+(?:no\.?\s*)?(\d{1,3})\b"
    r"|\bitems?\s+(?:no\.?\s*)?(\d{1,3})\s+(?:on\s+the\s+agenda\s+)?(?:would\s+be\s+|was\s+|to\s+be\s+)?taken\b"
)
"""Minutes taking an item out of order: "it was agreed to take Item No. 7 on the Agenda at this time", "Item No. 4
was taken next", "It was agreed that Item 8 would be taken next"."""
REPLY = re.compile(r"(?im)^[ \t*#]*(?:reply|response)\b[ \t*]*(?::|$|(?=(?-i:[A-Z])))")
"""The line opening the written answer to a councillor's question or motion: "**REPLY**", "Reply: ...", "REPLY An
inspection ..."; not "Replying, the Engineer stated" nor "Response to the consultation"."""
NOTICE = re.compile(r"(?i)\b[I|l!1] (?:will|would)(?: also)? (?:move|ask)\b")
"""A councillor's notice of motion or question as submitted: "I will move at the next Meeting that ...", "I will ask
..." (a scan may read the "I" as "|", "l" or "1")."""
DECLARED = re.compile(
    r"(?i)\bdeclared\s+(?:(?:councillor|cllr\.?|cmhlr\.?)\s+)?([^.;]{2,60}?)\s+(?:duly\s+)?(?:re-)?(?:elected|appointed)\b"
    r"|\b(?:councillor|cllr\.?|cmhlr\.?)\s+([^.;,]{2,40}?)\s+was\s+(?:then\s+)?declared\s+(?:duly\s+)?(?:re-)?(?:elected|appointed)\b"
)
"""The result of an election as minuted: "the Director of Service declared Councillor Scanlan elected as
Cathaoirleach", "Councillor Donegan was declared elected"; the one elected is its first or second group."""
NOMINATION = re.compile(
    r"(?i)\bthat,?\s+(?:councillor|cllr\.?|cmhlr\.?)\s+([^.;]{2,60}?)\s+be\s+(?:re-)?(?:appointed|elected)\b"
)
"""A candidate's nomination: "That, Councillor Kieran O’Hanlon be appointed Mayor of ..."."""
ATTENDANCE_TITLE = "Attendance"
PROCEEDINGS_TITLE = "Proceedings"
"""What passages of the part before the first item are cited under once its attendance lists end."""
PARAGRAPH_GAP = re.compile(r"\n[ \t]*\n\s*")
WORD = re.compile(r"[A-Za-z][\w'’-]*")
PROSE_WORDS = 10
APOLOGIES = re.compile(r"[ \t*]*(?:an? )?apolog", re.IGNORECASE)
ATTENDANCE_LABEL = re.compile(r"(?i)\b(?:present|(?:in )?attendance|apol\w*|in the chair|members|officials|officers)\b")
MINUTES_TITLE_WORD = re.compile(r"(?i)\b(?:held|meeting|minutes|proceedings)\b")
"""Headings that name no business: an attendance list's label, or a line of the minutes' own wrapped title
("LIMERICK CITY AND COUNTY COUNCIL HELD IN THE")."""
PRIVATE = re.compile(r"(?im)^[ \t#*]*private business\b")
PAGES = re.compile(r"\(?\s*Pages?\s+\d+\s*(?:-\s*\d+)?\s*\)?\s*$")
FILE_ICON = re.compile(r"\s*pdf icon PDF \d+ KB\s*$")


def _longest_run(candidates: list[tuple[int, int, str, int]]) -> list[tuple[int, int, str, int]]:
    """The longest chain of consecutively numbered candidates in document order; one missing number
    ("4." then "6.": unreadable in a scan, or a withdrawn item) does not break a chain.

    A minute numbered 43 must follow 42; numbered paragraphs of a report quoted inside an item ("1.
    Context") break no chain because the chain is chosen by length, not by first appearance. Each candidate's
    chain continues at the first later candidate numbered one more, so chains are measured right to left in
    one pass (a register of 40,000 numbered lines took 48 s when each chain was walked separately).
    """
    following: list[int | None] = [None] * len(candidates)
    length = [0] * len(candidates)
    first_at: dict[int, int] = {}
    for i in range(len(candidates) - 1, -1, -1):
        number = candidates[i][0]
        following[i] = first_at.get(number + 1, first_at.get(number + 2))  # a number OCR lost or minutes skip
        length[i] = 1 + (length[following[i]] if following[i] is not None else 0)
        first_at[number] = i
    best: list[tuple[int, int, str, int]] = []
    at = max(range(len(candidates)), key=lambda i: (length[i], -i), default=None)
    while at is not None:
        best.append(candidates[at])
        at = following[at]
    return best


def _candidates(text: str, start: int, end: int, pattern: re.Pattern[str]) -> list[tuple[int, int, str, int]]:
    """Each numbered line `pattern` finds, as (number, offset, title, end of the heading)."""
    candidates = []
    for match in pattern.finditer(text, start, end):
        title = FILE_ICON.sub("", PAGES.sub("", clean_line(match.group(2)))).strip()
        if title and len(title) <= 160:
            candidates.append((int(match.group(1)), match.start(1), title, match.end()))
    return candidates


def _items(
    text: str, start: int, end: int, pattern: re.Pattern[str], *, min_items: int = 2
) -> list[tuple[int, int, str, int]]:
    run = _longest_run(_candidates(text, start, end, pattern))
    return run if len(run) >= min_items else []


def _taken_out_of_order(
    text: str, start: int, end: int, run: list[tuple[int, int, str, int]], candidates: list[tuple[int, int, str, int]]
) -> list[tuple[int, int, str, int]]:
    """`run` with the items minutes say they took out of order ("it was agreed to take Item No. 7 on the Agenda
    at this time", then "7. Environment and Water" after item 2): the numbered line straight after such a
    statement is that item, where the run lacks its number."""
    numbers = {number for number, *_ in run}
    positions = [pos for _, pos, _, _ in candidates]
    taken = []
    for statement in TAKEN.finditer(text, start, end):
        number = int(statement.group(1) or statement.group(2))
        i = bisect.bisect_left(positions, statement.end())
        if number not in numbers and i < len(candidates) and candidates[i][0] == number:
            taken.append(candidates[i])
            numbers.add(number)
    return sorted(run + taken, key=lambda candidate: candidate[1]) if taken else run


def _entry_start(text: str, pos: int) -> int:
    """An entry starts at its line's start, unless it shares the line with the entry before it."""
    line_start = text.rfind("\n", 0, pos) + 1
    return line_start if ENTRY_LEAD.fullmatch(text, line_start, pos) else pos


def _private_from(text: str, start: int, end: int) -> int:
    match = PRIVATE.search(text, start, end)
    return match.start() if match else end


def resolved_blocks(
    text: str, start: int, end: int, furniture: tuple[tuple[int, int], ...] = ()
) -> tuple[tuple[int, int], ...]:
    """Spans of each decision in an item, in order: a RESOLVED block runs from the word to the next block or
    the item's end; a motion (`MOTION`) from its proposal to its quoted resolution's close or its outcome's
    sentence end, reading on over the page breaks at `furniture` (sorted spans of page headers and footers)."""
    starts = [m.start() for m in RESOLVED.finditer(text, start, end)]
    blocks = []
    for i, block_start in enumerate(starts):
        line_start = text.rfind("\n", 0, block_start) + 1
        block_end = starts[i + 1] if i + 1 < len(starts) else end
        blocks.append((line_start, trimmed_end(text, block_start, block_end)))
    if not blocks:
        blocks = _motions(text, start, end, furniture)
    return tuple(blocks)


def _motions(text: str, start: int, end: int, furniture: tuple[tuple[int, int], ...]) -> list[tuple[int, int]]:
    blocks: list[tuple[int, int]] = []
    for match in MOTION.finditer(text, start, end):
        if blocks and match.start() < blocks[-1][1]:
            continue  # "Proposed by ..., it was agreed": one motion
        outcome = OUTCOME.search(text, match.start(), min(end, match.start() + OUTCOME_WITHIN))
        if not outcome:
            continue
        limit = min(end, outcome.end() + MOTION_AT_MOST)
        quoted = QUOTED.match(text, outcome.end(), limit)
        if quoted:
            close = _closing(text, quoted.end(), limit, furniture)
        else:
            close = SENTENCE_END.search(text, outcome.end(), limit)
        block_end = close.end() if close else limit
        if not quoted and text.rfind(":", outcome.end(), block_end) != -1:  # a lead-in: its list belongs to it
            while (item := LIST_ITEM.match(text, block_end, limit)) is not None:
                block_end = item.end()
        line_start = text.rfind("\n", 0, match.start()) + 1
        block_start = line_start if not text[line_start : match.start()].strip(" \t#>*-") else match.start()
        blocks.append((max(block_start, start), trimmed_end(text, match.start(), block_end)))
    return blocks


def _closing(text: str, start: int, limit: int, furniture: tuple[tuple[int, int], ...]) -> re.Match | None:
    """The first `CLOSING` after `start`; a gap holding a page's header or footer is a page break, and the
    resolution reads on over it ("... to Limerick Twenty Thirty" / page 8 / "Strategic Development DAC ...")."""
    for close in CLOSING.finditer(text, start, limit):
        if not (close.group().startswith("\n") and _overlaps(furniture, close.start(), close.end())):
            return close
    return None


def _overlaps(spans: tuple[tuple[int, int], ...], start: int, end: int) -> bool:
    """Whether any of the sorted, disjoint `spans` overlaps `start`..`end`."""
    i = bisect.bisect_left(spans, (start, start))
    return (i < len(spans) and spans[i][0] < end) or (i > 0 and spans[i - 1][1] > start)


def _build(
    text: str,
    run: list[tuple[int, int, str, int]],
    end: int,
    *,
    resolutions: bool,
    furniture: tuple[tuple[int, int], ...] = (),
) -> tuple[Item, ...]:
    private_from = _private_from(text, run[0][1], end) if run else end
    starts = [_entry_start(text, pos) for _, pos, _, _ in run]
    items = []
    for i, (number, _, title, _) in enumerate(run):
        item_start = starts[i]
        item_end = trimmed_end(text, item_start, starts[i + 1] if i + 1 < len(run) else end)
        items.append(
            Item(
                number=number,
                title=title,
                start=item_start,
                end=item_end,
                resolved=resolved_blocks(text, item_start, item_end, furniture) if resolutions else (),
                private=item_start > private_from,
            )
        )
    return tuple(items)


def minute_items(text: str, start: int, end: int, furniture: tuple[tuple[int, int], ...] = ()) -> tuple[Item, ...]:
    """The numbered items of minutes between `start` and `end`: numbered lines ("43. Call-In") or "Item"
    headings, whichever gives the longer run ("Item 1" to "Item 6" over a "1." and "2." under any other
    business). `furniture`: the page headers and footers, which a decision reads on over."""
    runs = [(_items(text, start, end, pattern), pattern) for pattern in (MINUTE_LINE, ITEM_LINE)]
    run, pattern = max(runs, key=lambda found: len(found[0]))
    if run:
        run = _taken_out_of_order(text, start, end, run, _candidates(text, start, end, pattern))
    return _build(text, run, end, resolutions=True, furniture=furniture)


def web_items(text: str, start: int, end: int) -> tuple[Item, ...]:
    """Items of a ModernGov "agenda and minutes" page, where the number stands on its own line."""
    return _build(text, _items(text, start, end, WEB_ITEM), end, resolutions=True)


def agenda_items(text: str, start: int, end: int) -> tuple[Item, ...]:
    """Agenda entries, several of which may share one line in text converted from a PDF."""
    return _build(text, _items(text, start, end, AGENDA_ENTRY), end, resolutions=False)


def attendance(text: str, start: int, items: tuple[Item, ...]) -> tuple[Section, ...]:
    """The part of minutes before the first item: who was present, apologies, the meeting's header."""
    if not items or items[0].start - start < 20:
        return ()
    return (Section(ATTENDANCE_TITLE, start, trimmed_end(text, start, items[0].start)),)


def first_prose(text: str, start: int, end: int) -> int | None:
    """Where the first paragraph of prose after the minutes' heading starts: at least `PROSE_WORDS` words, most
    of them lower-case, as lists of names and offices ("Councillors Benson, Butler, Collins", "Senior Engineer
    (Mr. J. Ryan)") are not, nor apologies received. Before it, who attended; from it on, business minuted
    before the first item."""
    gaps = [m.end() for m in PARAGRAPH_GAP.finditer(text, start, end)]
    for at, until in zip(gaps, [*gaps[1:], end], strict=False):  # after the heading, "Minutes of the Meeting of ..."
        if APOLOGIES.match(text, at):
            continue
        words = WORD.findall(text, at, until)
        if len(words) >= PROSE_WORDS and sum(w[0].islower() for w in words) >= len(words) / 2:
            return at
    return None


def itemless_sections(
    text: str, start: int, end: int, headings: tuple[tuple[int, int], ...] = ()
) -> tuple[Section, ...]:
    """Sections of minutes without numbered items (a special meeting's one matter): before the first paragraph
    of prose, who attended, whatever headings its title and lists carry; from there on, the paper's headings,
    the business before the first of them "Proceedings" unless a heading naming it stands just above it."""
    found = sections(text, start, end, headings)
    opening = first_prose(text, start, end)
    if opening is None:
        return found
    above = [s for s in found if s.start < opening]
    title = above[-1].title if above else ""
    if (
        not title
        or ATTENDANCE_LABEL.search(title)
        or MINUTES_TITLE_WORD.search(title)
        or title.isupper()
        and " " not in title
    ):
        title = PROCEEDINGS_TITLE
    business_end = next((s.start for s in found if s.start >= opening), end)
    parts = [Section(title, opening, trimmed_end(text, opening, business_end))] if business_end > opening else []
    if opening - start >= 20:
        parts.insert(0, Section(ATTENDANCE_TITLE, start, trimmed_end(text, start, opening)))
    return (*parts, *(s for s in found if s.start >= opening))
