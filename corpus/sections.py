"""Headed sections of reports, briefing notes and appendices."""

from __future__ import annotations

import re
from collections.abc import Sequence

from precedent.corpus.markup import clean_line
from precedent.corpus.structure import Section

HEADING = re.compile(
    r"(?m)^(?:#{1,6}[ \t]+(?P<md>[^\n]{2,400})"
    r"|(?P<bold>(?:\d{1,2}\.[ \t]+)?(?:\*\*[^*\n]{1,120}\*\*){1,8}[ \t]*(?:\(Pages?[^)\n]{1,30}\))?)[ \t]*:?[ \t]*"
    r"|(?:- )?(?P<num>\d{1,2}(?:\.\d{1,2})?\.?[ \t]+[A-Z][^.\n]{2,80}))$(?!\n[ \t]*[a-z])"
)
"""Markdown headings (a form's long question counts: "### 20. What will be the impact on the workforce...?"),
lines of bold runs (an agenda's "**10.10 a.m.****4. Coventry Drugs Strategy (2015 - 2017)**",
"**5. Progress Update ...** (Pages 31 - 36)" or "4. **Coventry Community Safety Plan** (Pages 9 - 14)") and
numbered headings ("2.1 Background"). A line followed at once by a line in lower case is none of these: it
starts a paragraph whose sentence goes on below it, as a PDF's lines do ("1.1 Coventry has produced a ...")."""
BOLD_RUN = re.compile(r"\*\*([^*\n]+)\*\*")
TIME_OF_DAY = re.compile(r"\d{1,2}[.:]\d{2}\s*[ap]\.?m\.?", re.IGNORECASE)
"""An agenda's time slot ("**10.55 a.m.**") is not a heading; before an item's title it is dropped."""
TITLE_CHARS = 150
WRAPPED_WIDTH = 0.75
"""A numbered line at least this share of its paragraph's widest line, run straight on into the next line, is
a wrapped paragraph's first line, not a heading."""
WRAPPED_MIN_CHARS = 40
"""Narrower than this, a line is not a page's measure: a heading ("2.1 Background"), whatever lies below it."""
WRAPPED_LINES = 6
SENTENCE_END = re.compile(r"[^\W\d_]{2}[.;:](?:\s|$)")
CAPS_HEADING = re.compile(
    r"(?m)^[ \t]*(?P<caps>(?:\d[\d.]*\s*[-–]\s*)?[A-Z][A-Z ,&'’/()–-]{3,78}[A-Z)])[ \t]*\n[ \t]*\n"
)
"""A line in capitals standing alone ("SERVICE PROVISION - PRISONS", "1.4 - KEY FINDINGS AND RECOMMENDATIONS")."""
COUNCIL_NAME = re.compile(r"\b([A-Z][a-z]+)(?: City| County| Borough| District)? Council\b")
"""The place in "Coventry City Council": printed in capitals alone on a page, it is a logo, not a heading."""
CONTENTS_TITLE = "Contents"
CONTENTS_ENTRY = (
    r"[^\n]*?(?:\.{2,}|\t|\||[ ])[ \t]*\d{1,3}(?:[ \t]*[-–][ \t]*\d{1,3})?[ \t]*\|?[ \t]*(?:\n[ \t]*)*(?:\n|\Z)"
)
CONTENTS = re.compile(
    r"(?im)^[#*\t ]*(?:table of )?contents(?: page)?[*\t ]*\n"
    r"(?:[^\n]{0,60}\n){0,4}?"
    r"(?:" + CONTENTS_ENTRY + r"){3}"
    r"(?:" + CONTENTS_ENTRY + r"|[ \t]*\|[ |\t:-]*\|[ \t]*(?:\n|\Z))*"
)
"""A contents list: its heading, a few lines of table heading or front matter, then at least three entries
ending in a page number or range ("| 2) Survey Overview | 4 |", "1.\tVision for Coventry\t7",
"| Introduction..... | 3 |", "| 6) Common themes | 8-12 |"), across a table that breaks and starts again.
Its entries are not the paper's headings ("2.\tPolicy and Evidence\t8" read as a numbered heading)."""
AUTHORS_TITLE = "Report author(s) and contact"
AUTHORS_START = re.compile(r"(?im)^[#*\s]*(?:report\s+author(?:s|\s*\(s\))?[*\s]*:|name:[ \t]*\w)")
"""Where a paper names its authors and contact details: "Report Author(s):", "### **Report Authors:**",
"NAME: Joy Adams"."""
CONTACT_LABEL = re.compile(
    r"[#*\s]*(?:name|job title|directorate|service|tel\w*|phone|e-?mail|enquiries|contact|report author\w*)\b",
    re.IGNORECASE,
)


def _is_contact_line(line: str) -> bool:
    """A line of an author block: a label, an address, or a short line such as "Rachel Chapman, Consultant
    in Public Health". A heading, a table row, a sentence or a long line ends the block."""
    line = line.strip()
    if CONTACT_LABEL.match(line):
        return True
    if line.startswith(("#", "|")) or "\t" in line:
        return False
    return "@" in line or (len(line) <= 80 and not line.endswith((".", ";", ":")))


def sections(text: str, start: int, end: int, headings: Sequence[tuple[int, int]] = ()) -> tuple[Section, ...]:
    """Split a paper at its headings; text before the first heading is a section with no title. `headings` are
    the spans of lines a PDF sets in bold or larger type (`Document.headings`), headings as the text papers'
    bold lines are."""
    cuts: list[tuple[int, str]] = [(start, "")]
    typeset = {a: b for a, b in headings if start <= a < end}
    for match in HEADING.finditer(text, start, end):
        if match.start() in typeset:  # the PDF's type says it is a heading, and where its wrapped lines end
            continue
        if match["num"] and _wraps_on(text, match.start(), match.end(), end):
            continue
        title = clean_line(_bold_title(match["bold"]) if match["bold"] else (match["md"] or match["num"]))
        if len(title) > TITLE_CHARS:  # a form's question: its first sentence names the section
            title = re.split(r"(?<=[^\W\d_][?.])\s", title, maxsplit=1)[0][:TITLE_CHARS]
        if title and any(ch.isalpha() for ch in title):
            cuts.append((match.start(), title))
    for cut, cut_end in typeset.items():
        title = clean_line(" ".join(text[cut:cut_end].split()))
        if any(ch.isalpha() for ch in title) and not TIME_OF_DAY.fullmatch(title):
            cuts.append((cut, title[:TITLE_CHARS]))
    cuts += _caps_headings(text, start, end, {cut for cut, _ in cuts})
    cuts.sort()
    for match in CONTENTS.finditer(text, start, end):
        cuts = _set_apart(cuts, match.start(), match.end(), CONTENTS_TITLE, end)
    for block_start, block_end in _author_blocks(text, start, end):
        cuts = _set_apart(cuts, block_start, block_end, AUTHORS_TITLE, end)
    found = []
    for i, (cut, title) in enumerate(cuts):
        cut_end = cuts[i + 1][0] if i + 1 < len(cuts) else end
        if text[cut:cut_end].strip():
            found.append(Section(title, cut, trimmed_end(text, cut, cut_end)))
    return tuple(found)


def _wraps_on(text: str, line_start: int, line_end: int, end: int) -> bool:
    """Whether the line opens a PDF's wrapped paragraph: it spans the page's measure, as the lines it runs
    straight on into do, and the sentence ends below it ("- 3.2 The EIP team comprised ... from Coventry
    Haven" over "Women's Aid (CHWA), and Panahghar. All of them ..."). A heading is narrower ("2.1
    Background"), or ends in "?" or ":", or is in capitals, or stands over a short line; a wrapped title
    ("5. Progress Update on ... and" over "Abuse ... (Pages 31 - 36)") has no full stop below it."""
    below = []
    for line in text[line_end + 1 : end].split("\n", WRAPPED_LINES)[:WRAPPED_LINES]:
        if not line.strip():
            break
        below.append(line.rstrip())
    line = text[line_start:line_end].rstrip()
    width = len(line)
    return (
        bool(below)
        and not line.endswith(("?", ":", ":-"))
        and not line.isupper()
        and width >= WRAPPED_MIN_CHARS
        and width >= WRAPPED_WIDTH * max(width, *map(len, below))
        and max(map(len, below)) >= width / 2
        and SENTENCE_END.search("\n".join(below)) is not None
    )


def _set_apart(cuts: list[tuple[int, str]], block_start: int, block_end: int, title: str, end: int):
    """The cuts with text[block_start:block_end] a section titled `title` and no headings inside it; what
    follows the block, up to the next heading, goes on under the section the block interrupted."""
    before = [cut for cut in cuts if cut[0] < block_start]
    cuts = [*before, (block_start, title), *[cut for cut in cuts if cut[0] >= block_end]]
    if block_end < end and not any(cut[0] == block_end for cut in cuts):
        cuts.append((block_end, before[-1][1] if before else ""))  # a block opening the paper interrupts nothing
    return sorted(cuts)


def _caps_headings(text: str, start: int, end: int, taken: set[int]) -> list[tuple[int, str]]:
    """Headings in capitals; one that recurs in the paper ("RECOMMENDATIONS", "KEY FINDINGS") is a part of
    the latest heading that does not ("SERVICE PROVISION - PRISONS – RECOMMENDATIONS")."""
    furniture = {"ONE", "CITY", "COUNCIL"} | {w.upper() for w in COUNCIL_NAME.findall(text, start, end)}
    found = [
        (m.start("caps"), m["caps"].strip())
        for m in CAPS_HEADING.finditer(text, start, end)
        if m.start("caps") not in taken
        and not m["caps"].startswith("RESOLVED")
        and not set(m["caps"].split()) <= furniture  # a page's "COVENTRY" or "ONE COVENTRY" logo
    ]
    counts: dict[str, int] = {}
    for _, title in found:
        counts[title] = counts.get(title, 0) + 1
    cuts, topic = [], ""
    for position, title in found:
        if counts[title] == 1:
            topic = title
            cuts.append((position, title))
        elif topic:
            cuts.append((position, f"{topic} – {title}"))
    return cuts


def _author_blocks(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of the author and contact blocks in text[start:end], each from its first line to its last."""
    blocks: list[tuple[int, int]] = []
    for match in AUTHORS_START.finditer(text, start, end):
        line_start = text.rfind("\n", start, match.start() + 1) + 1 if match.start() > start else start
        if blocks and line_start < blocks[-1][1]:
            continue
        cursor = block_end = line_start
        while cursor < end:
            line_end = text.find("\n", cursor, end)
            line_end = end if line_end < 0 else line_end
            line = text[cursor:line_end]
            if line.strip():
                if not _is_contact_line(line):
                    break
                block_end = line_end
                if line.strip().lower().startswith("enquiries"):  # "Enquiries should be directed to ..."
                    break
            cursor = line_end + 1
        blocks.append((line_start, block_end))
    return blocks


def _bold_title(line: str) -> str:
    """The title a line of bold runs gives: any item number, its runs without time slots, any "(Pages x - y)"."""
    runs = [run.strip() for run in BOLD_RUN.findall(line) if not TIME_OF_DAY.fullmatch(run.strip())]
    number = line[: line.find("**")].strip()
    pages = line[line.rfind("**") + 2 :].strip()
    title = " – ".join(run for run in runs if run)
    return " ".join(part for part in (number, title, pages) if part) if title else ""


def trimmed_end(text: str, start: int, end: int) -> int:
    """`len(text[:end].rstrip())` without copying `text[:end]`: a 50 MB pack has thousands of spans to trim."""
    start = min(start, end)
    while start > 0:
        if stripped := text[start:end].rstrip():
            return start + len(stripped)
        start, end = max(0, start - 4096), start
    return len(text[:end].rstrip())
