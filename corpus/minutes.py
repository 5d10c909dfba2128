"""Numbered items in minutes and agendas, and the RESOLVED blocks inside minute items."""

from __future__ import annotations

import re

from precedent.corpus.markup import clean_line
from precedent.corpus.sections import trimmed_end
from precedent.corpus.structure import Item, Section

MINUTE_LINE = re.compile(r"(?m)^[ \t#>*-]*(\d{1,3})\.[ \t]*(?:\*\*)?[ \t]*(?:\n[ \t]*){0,2}[ \t*]*([A-Z][^\n]{1,200})$")
"""A minute's number and title: on one line ("43. Call-In Stage 2"), or the number on a line of its own and the
title on the next ("**1.**", "**Adoption of Minutes**", as scanned Limerick minutes print them)."""
AGENDA_ENTRY = re.compile(r"(?:^|\*\*)[ \t#*]*(\d{1,2})\.[ \t]*(?:\*\*)?[ \t]*([^*\n]{2,200})", re.MULTILINE)
WEB_ITEM = re.compile(r"(?m)^(\d{1,3})\.[ \t]*\n\s*\n?([^\n]{2,200})$")
RESOLVED = re.compile(r"(?m)^[ \t#>*-]*(?:\*\*)?[ \t]*RESOLVED\b", re.IGNORECASE)
PRIVATE = re.compile(r"(?im)^[ \t#*]*private business\b")
PAGES = re.compile(r"\(?\s*Pages?\s+\d+\s*(?:-\s*\d+)?\s*\)?\s*$")
FILE_ICON = re.compile(r"\s*pdf icon PDF \d+ KB\s*$")


def _longest_run(candidates: list[tuple[int, int, str, int]]) -> list[tuple[int, int, str, int]]:
    """The longest chain of consecutively numbered candidates in document order.

    A minute numbered 43 must follow 42; numbered paragraphs of a report quoted inside an item ("1.
    Context") break no chain because the chain is chosen by length, not by first appearance. Each candidate's
    chain continues at the first later candidate numbered one more, so chains are measured right to left in
    one pass (a register of 40,000 numbered lines took 48 s when each chain was walked separately).
    """
    following: list[int | None] = [None] * len(candidates)
    length = [0] * len(candidates)
    first_at: dict[int, int] = {}
    for i in range(len(candidates) - 1, -1, -1):
        following[i] = first_at.get(candidates[i][0] + 1)
        length[i] = 1 + (length[following[i]] if following[i] is not None else 0)
        first_at[candidates[i][0]] = i
    best: list[tuple[int, int, str, int]] = []
    at = max(range(len(candidates)), key=lambda i: (length[i], -i), default=None)
    while at is not None:
        best.append(candidates[at])
        at = following[at]
    return best


def _items(
    text: str, start: int, end: int, pattern: re.Pattern[str], *, min_items: int = 2
) -> list[tuple[int, int, str, int]]:
    candidates = []
    for match in pattern.finditer(text, start, end):
        title = FILE_ICON.sub("", PAGES.sub("", clean_line(match.group(2)))).strip()
        if title and len(title) <= 160:
            candidates.append((int(match.group(1)), match.start(1), title, match.end()))
    run = _longest_run(candidates)
    return run if len(run) >= min_items else []


def _entry_start(text: str, pos: int) -> int:
    """An entry starts at its line's start, unless it shares the line with the entry before it."""
    line_start = text.rfind("\n", 0, pos) + 1
    return line_start if not text[line_start:pos].strip(" \t#>*-") else pos


def _private_from(text: str, start: int, end: int) -> int:
    match = PRIVATE.search(text, start, end)
    return match.start() if match else end


def resolved_blocks(text: str, start: int, end: int) -> tuple[tuple[int, int], ...]:
    """Spans of each RESOLVED block in an item: from the word to the next block or the item's end."""
    starts = [m.start() for m in RESOLVED.finditer(text, start, end)]
    blocks = []
    for i, block_start in enumerate(starts):
        line_start = text.rfind("\n", 0, block_start) + 1
        block_end = starts[i + 1] if i + 1 < len(starts) else end
        blocks.append((line_start, trimmed_end(text, block_start, block_end)))
    return tuple(blocks)


def _build(text: str, run: list[tuple[int, int, str, int]], end: int, *, resolutions: bool) -> tuple[Item, ...]:
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
                resolved=resolved_blocks(text, item_start, item_end) if resolutions else (),
                private=item_start > private_from,
            )
        )
    return tuple(items)


def minute_items(text: str, start: int, end: int) -> tuple[Item, ...]:
    """The numbered items of minutes between `start` and `end`."""
    return _build(text, _items(text, start, end, MINUTE_LINE), end, resolutions=True)


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
    return (Section("Attendance", start, trimmed_end(text, start, items[0].start)),)
