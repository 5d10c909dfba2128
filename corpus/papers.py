"""Finding the papers inside a document: an agenda pack's agenda, minutes, notes, reports, appendices."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from precedent.corpus.dates import first_date
from precedent.corpus.document import Document
from precedent.corpus.furniture import blanked
from precedent.corpus.markup import TAG, alnum_count, clean_line, flat, line_bounds
from precedent.corpus.minutes import (
    agenda_items,
    attendance,
    itemless_sections,
    minute_items,
    resolved_blocks,
    web_items,
)
from precedent.corpus.packs import AgendaRef, referenced_papers
from precedent.corpus.sections import sections, trimmed_end
from precedent.corpus.structure import Paper, ParsedDocument

BLANK_PAGE = re.compile(r"(?im)^[ \t*#_-]*this page is intentionally(?: left)? blank[ \t*._]*$")
MINUTES_HEADING = re.compile(
    r"(?im)^[ \t#*]*(?:"
    r"minutes\s+of\s+the\s+meeting\s+of\b"  # "Minutes of the meeting of Scrutiny Co-ordination Committee held"
    r"|(?:\d{1,3}[ \t]+[ \t#*]*)?minutes\s+of\s+proceedings\s+(?:at|of)\b"  # a page number first
    r"|minutes\s+of\s+(?!the\s+(?:previous|last|next)\b)(?:[\w&,'’.-]+\s+){0,8}?meeting"  # "... Area Committee Meeting"
    r"(?=\s+(?:of|held)\b|[ \t*.:]*$)(?![^\n]*\b(?:were|was|shall|will|form|proposed|agreed|adopted)\b)"
    r"|an?\s+(?:(?:monthly|special|annual|ordinary)\s+)?meeting\s+of\s+[^\n]{3,200}?"  # "A meeting of ... was held on"
    r"\b(?:was\s+held|(?<!be )held\s+(?:on|in|at))\b"
    r")[^\n]*$"
)
"""The line minutes open with. Its words may be apart by any white space, as a scan that prints "MINUTES", "OF",
"PROCEEDINGS" a line each has them; a line going on "were proposed", "will be held" or "shall", or a sentence
("Minutes of the July meeting."), is minutes spoken of, not a heading."""
MARKERS = (
    ("minutes", MINUTES_HEADING),
    ("briefing note", re.compile(r"(?im)^[ \t#*]*briefing note[ \t*:]*$")),
    ("report", re.compile(r"(?im)^[ \t#*]*(?:public report\b|name of cabinet member\b)[^\n]*$")),
    ("appendix", re.compile(r"(?im)^[ \t#*]*appendix\s+[A-Z0-9]{1,3}[ \t*]*$")),
    (
        "work programme",
        re.compile(r"(?im)^[ \t#*]*(?:[A-Z][\w-]*\s+){0,4}work programme\s+\d{4}\s*[-/–]\s*\d{2,4}[ \t*]*$"),
    ),
)
AUTHORS_END = re.compile(r"(?im)^[ \t*]*enquiries should be directed to the above person[^\n]*$")
"""The line that closes a Coventry report's or briefing note's author block: what follows, unless it is the
report's table of contributors, is an appendix (a strategy, a needs assessment) with no "Appendix 1" line."""
AGENDA_SIGNS = re.compile(r"(?im)^\W*(time and date|public business|agenda)\b")
WEB_PAGE = re.compile(r"(?is)\A\s*agenda and minutes\b.{0,400}?\n\s*Items\s*\n\s*No\.\s*Item")
COMMITTEE = re.compile(r"(?im)^[ \t#*]*([A-Z][\w&,'’ -]{3,80}?(?:Committee|Board|Cabinet|Council|Panel|Forum))\b")
MINUTES_OF = re.compile(
    r"(?i)\bminutes of (?:the )?(?:proceedings (?:at|of) )?(?:(?:an?|the) )?(?:(?!committee\b|council\b)[\w-]+ ){0,5}?"
    r"meeting (?:of|for) (?:the )?(.{3,150}?),? held\b"
)
"""The body whose meeting a set of minutes records, read on the head with its markup and line breaks taken out:
"Minutes of the meeting of Scrutiny Co-ordination Committee held", "MINUTES OF PROCEEDINGS AT ONLINE SPECIAL
MEETING OF THE MUNICIPAL DISTRICT OF ADARE-RATHKEALE HELD". A committee's own meeting ("JOINT POLICING SUB
COMMITTEE MEETING OF THE MUNICIPAL DISTRICT") is left to `COMMITTEE`."""
MEETING_OF = re.compile(r"(?i)^(?:minutes of )?(?:proceedings (?:at|of) )?(?:(?:an?|the) )?(?:meeting of )?(?:the )?")
"""The words before a body's name on a line `COMMITTEE` found: "A meeting of the Community ... Committee"."""
SMALL_WORDS = frozenset({"a", "an", "and", "at", "for", "in", "of", "on", "or", "the", "to"})
TITLE_FIELD = re.compile(r"(?im)^[ \t*-]*(?:report title|subject|title)[ \t*]*:[ \t*]*([^\n]*)$")
HEADER_LINE = re.compile(r"(?i)^[ \t#*]*[\w ]{0,40}council[ \t*]*$")
"""The line just above a paper's first line naming the council ("Coventry City Council") belongs to it."""
LEAD_IN = 600
"""Text after a blank page and before a paper's first line that still belongs to that paper."""


def parse_document(doc: Document) -> ParsedDocument:
    """Find committee, meeting, papers, minute items, RESOLVED blocks and sections in one document."""
    text = _masked(doc)
    if WEB_PAGE.match(text):
        return _web_page(doc, text)
    head = text[:3000]
    meeting = first_date(head) if AGENDA_SIGNS.search(head) else None
    refs = referenced_papers(doc)
    referenced = {ref.start: ref.title for ref in refs}
    papers = [_finish(text, paper, meeting, doc.headings, doc.furniture) for paper in _split(text, referenced)]
    papers = [_agenda_titled(p, referenced) for p in papers]
    papers = _agenda_items(papers, refs)
    papers = _with_parents([p for p in papers if _has_alnum(text[p.start : p.end])])
    if doc.title and papers and papers[0].paper_type in ("document", "minutes"):
        # a record's or file's own title beats a guessed one: "Minutes - Municipal District of Newcastle West -
        # 12th July 2017" names the body, where "Minutes of the meeting of 12 July 2017" does not
        papers[0] = replace(papers[0], title=doc.title)
    titled = first_date(doc.title) if doc.title and not any(p.meeting_date for p in papers) else None
    if titled:  # "Minutes - Meeting of ... - 11th June 2014" whose heading the scan garbled ("11™ JUNE")
        papers = [replace(p, meeting_date=titled) for p in papers]
    parsed = ParsedDocument(doc, _committee(text), meeting or _paper_date(papers), tuple(papers))
    return _as_published(parsed) if doc.published else parsed


def _as_published(parsed: ParsedDocument) -> ParsedDocument:
    """The committee, meeting date and agenda item the site states replace the guessed ones; a set of minutes
    keeps the date it records, as a pack prints the previous meeting's minutes."""
    published = parsed.document.published
    day = published.day
    papers = tuple(
        paper if not day or (paper.paper_type == "minutes" and paper.meeting_date) else replace(paper, meeting_date=day)
        for paper in parsed.papers
    )
    if published.item:
        papers = tuple(replace(paper, agenda_item=published.item) for paper in papers)
    return replace(
        parsed,
        committee=published.committee or parsed.committee,
        meeting_date=day or parsed.meeting_date,
        papers=papers,
    )


def _agenda_titled(paper: Paper, referenced: dict[int, str]) -> Paper:
    """A paper the agenda names by its pages and whose own first lines say nothing of its type takes the
    agenda item's title."""
    title = referenced.get(paper.start)
    return replace(paper, title=title) if title and paper.paper_type == "document" else paper


def _agenda_items(papers: list[Paper], refs: list[AgendaRef]) -> list[Paper]:
    """The paper starting at a page an agenda item names is for that item, and so are the appendices after
    it; a paper no reference starts is for none (a reference whose page did not map is no evidence)."""
    numbers = {ref.start: ref.number for ref in refs if ref.number}
    out: list[Paper] = []
    for paper in papers:
        if paper.start in numbers:
            paper = replace(paper, agenda_item=numbers[paper.start])
        elif paper.paper_type == "appendix" and out:
            paper = replace(paper, agenda_item=out[-1].agenda_item)
        out.append(paper)
    return out


def _with_parents(papers: list[Paper]) -> list[Paper]:
    """Appendices belong to the report or briefing note before them in the pack."""
    parent = ""
    linked = []
    for paper in papers:
        if paper.paper_type in ("report", "briefing note"):
            parent = paper.title
        elif paper.paper_type == "appendix" and parent:
            paper = replace(paper, parent=parent)
        else:
            parent = ""
        linked.append(paper)
    return linked


def _paper_date(papers: list[Paper]) -> date | None:
    return next((p.meeting_date for p in papers if p.meeting_date), None)


def _committee(text: str) -> str:
    match = MINUTES_OF.search(flat(text[:20000]))
    if match:
        return _capitalised(clean_line(match.group(1)))
    match = COMMITTEE.search(text[:3000])
    return _capitalised(MEETING_OF.sub("", clean_line(match.group(1)))) if match else ""


def _capitalised(name: str) -> str:
    """A name written in capitals, as a name is written: "METROPOLITAN DISTRICT OF LIMERICK" -> "Metropolitan
    District of Limerick"; a name already in mixed case is left as it is."""
    name = re.sub(r"(?<=\w)- (?=\w)", "-", name)  # "ADARE-\nRATHKEALE" had its line break made a space
    if name != name.upper():
        return name
    return "".join(_word_case(word, first=not i) for i, word in enumerate(re.split(r"(\s+|-)", name)))


def _word_case(word: str, *, first: bool) -> str:
    low = word.lower()
    if low in SMALL_WORDS:
        return low.capitalize() if first else low
    if len(word) <= 3 and word.isalpha() and not set(low) & set("aeiou"):
        return word  # an acronym: JPC, SPC (not SUB)
    return word[:1] + low[1:]


def _split(text: str, referenced: dict[int, str] | None = None) -> list[Paper]:
    """Cut at blank pages, at pages the agenda names and at the first lines of papers; a short lead-in after
    a blank page or at the top of a named page is kept."""
    events: list[tuple[int, int, str | None]] = [(m.start(), m.end(), None) for m in BLANK_PAGE.finditer(text)]
    events += [(pos, pos, None) for pos in referenced or ()]
    for kind, pattern in MARKERS:
        events += [(m.start(), m.start(), kind) for m in pattern.finditer(text)]
    events += [
        (m.end() + 1, m.end() + 1, "appendix") for m in AUTHORS_END.finditer(text) if _appendix_follows(text, m.end())
    ]
    events.sort(key=lambda e: (e[0], e[2] is not None))

    first_type = "agenda" if AGENDA_SIGNS.search(text[:3000]) else "document"
    papers: list[Paper] = []
    start, kind = 0, first_type
    for event_start, event_end, event_kind in events:
        if event_kind is None:
            papers.append(Paper(kind or "", "", start, event_start))
            start, kind = event_end, None
            continue
        lead_in = text[start:event_start]
        opening = not papers and start == 0 and kind == "document"  # a note before a document's first paper
        if (kind in (None, event_kind) or opening) and len(lead_in.strip()) < LEAD_IN:
            kind = event_kind
        elif kind == event_kind == "work programme":
            continue
        elif kind in ("minutes", "agenda") and event_kind in ("work programme", "appendix"):
            continue
        else:
            cut = _with_header_line(text, event_start)
            papers.append(Paper(kind or "", "", start, cut))
            start, kind = cut, event_kind
    papers.append(Paper(kind or "", "", start, len(text)))
    return _resolve_pending([p for p in papers if text[p.start : p.end].strip()], text, set(referenced or ()))


def _appendix_follows(text: str, pos: int) -> bool:
    """Whether substantial text that is not a table of contributors follows an author block."""
    after = text[pos : pos + 3000].lstrip()
    return alnum_count(after) >= 200 and "contributor" not in after.split("\n", 1)[0].lower()


def _masked(doc: Document) -> str:
    """The document's text with its page furniture blanked out, offsets unchanged: a running header is no
    paper's title, a page number no heading."""
    return blanked(doc.text, doc.furniture)


def _has_alnum(span: str) -> bool:
    """`alnum_count(span) > 0`, stopping at the first letter or digit instead of counting them all."""
    return any(ch.isalnum() for ch in TAG.sub("", span))


def _with_header_line(text: str, pos: int) -> int:
    end = trimmed_end(text, pos, pos)  # the end of text[:pos].rstrip(), without copying text[:pos]
    line_start, _ = line_bounds(text, end)
    return line_start if HEADER_LINE.match(text[line_start:end]) else pos


def _resolve_pending(papers: list[Paper], text: str, referenced: set[int]) -> list[Paper]:
    """Papers after a blank page with no first line of their own: a report's next page, or an appendix; one
    the agenda names by its pages is a paper of its own."""
    resolved: list[Paper] = []
    for paper in papers:
        if paper.paper_type:
            resolved.append(paper)
            continue
        opening = text[paper.start : paper.start + 200].lstrip().lower()
        previous = resolved[-1] if resolved else None
        if previous and opening.startswith("report title"):
            resolved[-1] = replace(previous, end=paper.end)
        else:
            is_appendix = (
                previous
                and paper.start not in referenced
                and previous.paper_type in ("report", "briefing note", "appendix")
            )
            resolved.append(replace(paper, paper_type="appendix" if is_appendix else "document"))
    return resolved


def _first_line(text: str, start: int, end: int, words: int = 1) -> str:
    """The first line of text[start:end] with letters or digits and at least `words` words."""
    for line in text[start:end].splitlines():
        cleaned = clean_line(line)
        if (
            alnum_count(cleaned) >= 3
            and len(cleaned.split()) >= words
            and cleaned.lower() not in ("coventry city council", "public report")
        ):
            return cleaned[:200]
    return ""


def _title(text: str, paper: Paper) -> str:
    head = text[paper.start : min(paper.end, paper.start + 2500)]
    if paper.paper_type in ("briefing note", "report"):
        match = TITLE_FIELD.search(head)
        if match:
            value = clean_line(match.group(1))
            if not value:
                value = _first_line(head, match.end(), len(head))
            if value:
                return value[:200]
    if paper.paper_type == "work programme":
        marker = MARKERS[-1][1].search(text, paper.start, paper.end)
        if marker:
            return clean_line(marker.group(0))
    if paper.paper_type == "appendix":  # a cover line of one word ("COVENTRY") is not its title
        first = _first_line(text, paper.start, paper.end, words=2)
        rest = _first_line(text, text.find(first[:20], paper.start) + len(first), paper.end) if first else ""
        return f"{first} – {rest}" if first.lower().startswith("appendix") and rest else first
    return _first_line(text, paper.start, paper.end)


def _finish(
    text: str,
    paper: Paper,
    meeting: date | None,
    headings: tuple[tuple[int, int], ...] = (),
    furniture: tuple[tuple[int, int], ...] = (),
) -> Paper:
    """Give a paper its title, meeting date, items and sections (`headings`: the lines a PDF sets as such;
    `furniture`: its pages' headers and footers)."""
    kind = paper.paper_type
    if kind == "minutes":
        marker = MARKERS[0][1].search(text, paper.start, paper.end)
        recorded = first_date(flat(text[marker.start() : marker.start() + 400])) if marker else None
        items = minute_items(text, paper.start, paper.end, furniture)
        title = f"Minutes of the meeting of {recorded:%-d %B %Y}" if recorded else "Minutes"
        if items:
            return replace(
                paper, title=title, meeting_date=recorded, items=items, sections=attendance(text, paper.start, items)
            )
        # no numbered items found: after who attended, its headings are its structure and hold its decisions
        parts = itemless_sections(text, paper.start, paper.end, headings)
        decided = tuple(block for part in parts for block in resolved_blocks(text, part.start, part.end, furniture))
        return replace(paper, title=title, meeting_date=recorded, sections=parts, resolved=decided)
    if kind == "agenda":
        items = agenda_items(text, paper.start, paper.end)
        return replace(
            paper,
            title="Agenda",
            meeting_date=meeting,
            items=items,
            sections=sections(text, paper.start, paper.end, headings),
        )
    return replace(
        paper,
        title=_title(text, paper),
        meeting_date=meeting or first_date(text[paper.start : paper.start + 2000]),
        sections=sections(text, paper.start, paper.end, headings),
    )


def _web_page(doc: Document, text: str) -> ParsedDocument:
    """A saved ModernGov "agenda and minutes" page: one paper whose items carry their minutes."""
    header_end = text.find("\nItems")
    header = text[: header_end if header_end > 0 else 600]
    meeting = first_date(header)
    committee_line = next((ln for ln in header.splitlines()[1:] if " - " in ln), "")
    committee = clean_line(committee_line.split(" - ")[0])
    items = web_items(text, 0, len(text))
    paper = Paper(
        "web page",
        f"Agenda and minutes, {committee}".strip(", "),
        0,
        len(text),
        meeting,
        items,
        (*attendance(text, 0, items),),
    )
    return ParsedDocument(doc, committee, meeting, (paper,))
