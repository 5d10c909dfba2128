"""Passages as a reader sees them: the papers' wording without the markup their conversion left in it."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable

MARKUP = re.compile(
    r"\*{4}|\*\*"  # bold; "**10.10 a.m.****4. Drugs Strategy**": two bold runs, read apart
    r"|^[ \t]*#{1,6}[ \t]+"  # a heading's hashes
    r"|^[ \t]*-{3,}[ \t]*(?:\n+|$)"  # a rule, with the blank lines after it
    r"|</?(?:b|strong|i|em|u|p|br|span|sup|sub|ul|ol|li)\b[^<>]*>"  # formatting tags; any other tag is text
    r"|\\(?=[\\`*_{}\[\]()#+\-.!|>])"  # an escape before punctuation
    r"|(?<=\n\n)\n+",  # blank lines beyond one
    re.MULTILINE | re.IGNORECASE,
)
"""What is dropped for display. Stored text, `--json` output and highlight offsets keep the converted text as
indexed; only the app and the command line's text output show this cleaner form."""
SEPARATES = re.compile(r"\*{4}|<br\b[^<>]*>|</(?:p|li)\s*>", re.IGNORECASE)
"""Markup standing between two pieces of text ("<p>one</p><p>two</p>"): shown as a space, not dropped."""


def readable(text: str, spans: Iterable[tuple[int, int]] = ()) -> tuple[str, list[tuple[int, int]]]:
    """`text` without `MARKUP`, and `spans` (character offsets into `text`) moved to match.

    "**(i) Review the strategy**" reads "(i) Review the strategy"; "29<sup>th</sup> September" reads "29th
    September"; a "<script>" in a paper stays, as text.
    """
    kept, starts, ends, dropped = [], [], [], [0]  # dropped[i]: characters the first i removals took out
    cursor = 0
    for match in MARKUP.finditer(text):
        instead = " " if SEPARATES.fullmatch(match.group(0)) else ""
        kept += [text[cursor : match.start()], instead]
        starts.append(match.start())
        ends.append(match.end())
        dropped.append(dropped[-1] + match.end() - match.start() - len(instead))
        cursor = match.end()
    kept.append(text[cursor:])

    def moved(offset: int) -> int:
        i = bisect_right(starts, offset)  # removals starting at or before offset
        if i and offset < ends[i - 1]:  # inside a removal: where it was
            return starts[i - 1] - dropped[i - 1]
        return offset - dropped[i]

    return "".join(kept), [(moved(start), moved(end)) for start, end in spans]
