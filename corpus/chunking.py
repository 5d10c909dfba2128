"""Cutting papers into passages inside their structure, never across an item or paper boundary.

A chunk's `text` is the verbatim slice `Document.text[start:end]`; what is embedded and keyword-indexed
is `header + text`, where the header names the paper, meeting and item so that a passage reading
"RESOLVED that the report be noted" can still be found by its topic.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from functools import cache

from precedent.corpus.dates import format_date
from precedent.corpus.furniture import blanked, joined, spaced_breaks, spans_within, without_breaks
from precedent.corpus.markup import BULLET_GLYPHS, TAG, alnum_count, clean_line, flat, letters
from precedent.corpus.minutes import ATTENDANCE_TITLE, PROCEEDINGS_TITLE, first_prose
from precedent.corpus.papers import BLANK_PAGE
from precedent.corpus.sections import AUTHORS_TITLE, CONTENTS_TITLE, trimmed_end
from precedent.corpus.structure import Paper, ParsedDocument

CHUNKER_VERSION = 38
"""Bumped whenever structure finding or chunking changes what passages a document gives, so an index
built by older code re-chunks every document instead of mixing old and new passages."""
CHUNK_SIZE = 1100
CHUNK_OVERLAP = 150
"""Passages of a paragraph or two; the dense score is still the best 300-character window's (docs/design.md)."""
MIN_ALNUM = 20
"""A piece with fewer letters and digits than this is a label or an empty form cell, not a passage."""


@dataclass(frozen=True)
class ChunkerSettings:
    chunk_size: int = CHUNK_SIZE
    chunk_overlap: int = CHUNK_OVERLAP
    headers: bool = True
    dense_window: int = 300
    """Passages longer than this many characters are embedded as several windows of at most this size
    (each with the passage's header) and a passage's dense score is its best window's: MiniLM matches a
    question better against a few sentences than against a whole passage. 0 embeds each passage whole."""
    merge_labels: bool = True
    """Sections holding nothing but a label and the paper's title (a cover sheet's "Title: X") join the
    section after them instead of becoming passages that match every question about the paper."""
    split_resolutions: bool = True
    """Give each numbered part of a RESOLVED block ("1) That ...") a passage of its own: each is a
    decision in its own right."""
    lead_ins: bool = True
    """A passage that starts inside a list carries the sentence introducing the list ("The additional
    services commissioned in 2022/23 will be continued in 2023/24 including:") in its header."""
    item_openings: bool = True
    """A minute item's passages after its first carry the item's opening words in their header: an item
    titled "Question submitted by Councillor X" or "Planning Directorate" says what it is about only in
    the lines under its title."""
    item_matters: bool = True
    """A minute item of lettered matters ("(a)" ... "(b) Update on the O'Connell Street Project") gives each
    passage the title of the matter it is in, in place of the item's opening: the opening names matter (a)."""

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Chunk:
    """One passage with everything a citation needs."""

    doc_id: str
    start: int
    end: int
    text: str
    header: str
    kind: str
    """"resolved", "item", "attendance", "recommendation" (a report's recommendations to the meeting), "contact"
    (a paper's authors and their contact details), "contents" (a paper's list of contents) or "section"."""
    paper_type: str
    paper_title: str
    committee: str
    meeting_date: str
    """ISO date of the meeting the passage records or is for, or ""."""
    item: int | None = None
    item_title: str = ""
    section: str = ""
    page: int | None = None
    private: bool = False
    search_text: str = ""
    """The passage as searched when it differs from `text`: words hyphenated at line ends joined."""
    url: str = ""
    """The address the paper was fetched from (`precedent fetch`), or ""."""
    furniture: tuple[tuple[int, int], ...] = ()
    """Spans of `text` that are a page's running header or footer: a passage read on over a page break
    crosses them. Shown and searched without them (`precedent.display`)."""
    last_page: int | None = None
    """The page the passage ends on, when it runs on past `page`."""
    agenda_item: str = ""
    """The agenda item the passage's paper is for ("5", "5a"), or ""."""
    wrapped: bool = False
    """Its document breaks at every printed line (`hard_wrapped`, judged on the whole text): its sentences run on
    over line breaks however few the passage alone holds."""

    @property
    def chunk_id(self) -> str:
        return f"{self.doc_id}#{self.start}-{self.end}"

    @property
    def paper(self) -> tuple[str, str, str]:
        """Which paper of which document the passage is from."""
        return self.doc_id, self.paper_type, self.paper_title

    @property
    def unbroken(self) -> str:
        """`text` with the page breaks it crosses as spaces, its offsets unchanged: its sentences as read."""
        return spaced_breaks(self.text, self.furniture) if self.furniture else self.text

    @property
    def indexed_text(self) -> str:
        """What the embedder and BM25 see."""
        body = self.search_text or self.text
        return f"{self.header}\n{body}" if self.header else body

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Chunk:
        if data.get("furniture"):
            data = {**data, "furniture": tuple(tuple(span) for span in data["furniture"])}
        return cls(**data)


SEPARATORS = (r"\n\n", r"\n", r"\. ", r"; ", r", ", r" ", r"")
"""Where a passage may end, best first: paragraphs, lines, sentences, clauses, words."""
WRAPPED_SEPARATORS = (
    r"(?<=[.!?)\]”\"'*])\n\n",  # a paragraph ending a sentence, a quotation or a bold heading
    r"(?<=[.!?])\n",  # a line ending a sentence
    r"(?<=[.!?]) ",  # a sentence ending inside a line
    *SEPARATORS,
)
"""The same for a hard-wrapped text (a scanned page: a break after every printed line), where a break that
ends a sentence comes first; otherwise a sentence is cut at a line end and its halves land in two passages."""
SOFT_BREAK = re.compile(r"[a-z,;](?:\*\*\n+\*\*|\n+)(?=[a-z])")
WRAPPED_SHARE = 0.05
"""A text is hard-wrapped when this share of its line breaks fall inside a sentence (a lower-case word or a
comma, a break, a lower-case word; a scan that bolds each printed line closes and reopens the bold around
it). The bundled papers have 0-0.9%; 98% of the Limerick minutes, scanned, have 7.8% or more (median 27%)."""


def hard_wrapped(text: str) -> bool:
    breaks = text.count("\n")
    return breaks > 0 and len(SOFT_BREAK.findall(text)) >= WRAPPED_SHARE * breaks


@cache
def _splitter(size: int, overlap: int, wrapped: bool = False):
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    return RecursiveCharacterTextSplitter(
        chunk_size=size,
        chunk_overlap=overlap,
        separators=list(WRAPPED_SEPARATORS if wrapped else SEPARATORS),
        is_separator_regex=True,
    )


def dense_texts(chunks: list[Chunk], window: int) -> tuple[list[str], list[int]]:
    """What the embedder sees for these passages, and which passage (by position) each text belongs to.

    A passage up to `window` characters is one text, its `indexed_text`; a longer one is cut into
    windows of at most `window` characters, each preceded by the passage's header.
    """
    texts: list[str] = []
    owners: list[int] = []
    for position, chunk in enumerate(chunks):
        body = chunk.search_text or chunk.text
        if window <= 0 or len(body) <= window:
            pieces = [chunk.indexed_text]
        else:
            windows = _splitter(window, 0).split_text(body) or [body]
            pieces = [f"{chunk.header}\n{piece}" if chunk.header else piece for piece in windows]
        texts += pieces
        owners += [position] * len(pieces)
    return texts, owners


def _without_blank_pages(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """text[start:end] in parts that leave out blank-page notices."""
    skipped = [(m.start(), m.end()) for m in BLANK_PAGE.finditer(text, start, end)]
    cursor = start
    for skip_start, skip_end in sorted(skipped):
        if skip_start > cursor:
            yield cursor, skip_start
        cursor = max(cursor, skip_end)
    if cursor < end or not skipped:
        yield cursor, end


RESOLUTION_PART = re.compile(r"(?m)^[ \t*>-]*\(?(?P<label>\d{1,2}|[ivx]{1,4}|[a-h])\)")


def _numbering(label: str) -> str:
    return "digits" if label.isdigit() else "roman" if set(label) <= set("ivx") and label != "i" else "letters"


def _resolution_parts(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """A RESOLVED block cut before each top-level numbered part ("1)", "2)"); the lead-in ("RESOLVED
    that:") stays with part one and lettered sub-parts ("a) ...") stay with the part they belong to."""
    parts = list(RESOLUTION_PART.finditer(text, start, end))
    top = _numbering(parts[0].group("label")) if parts else ""
    cuts = [m.start() for m in parts if _numbering(m.group("label")) == top]
    if len(cuts) < 2:
        return [(start, end)]
    bounds = [start, *cuts[1:], end]
    return [(a, trimmed_end(text, a, b)) for a, b in zip(bounds, bounds[1:], strict=False)]


def _units(paper: Paper, text: str, settings: ChunkerSettings) -> Iterator[tuple[int, int, str, dict]]:
    """Spans to split, each with its kind and the citation fields it gives its chunks."""
    for section in paper.sections if paper.items and paper.paper_type != "agenda" else ():
        # one unit, so passages are cut as before; those from its first prose on are the business before item 1
        business = first_prose(text, section.start, section.end)
        yield section.start, section.end, "attendance", {"section": section.title, "business": business}
    if paper.items and paper.paper_type != "agenda":
        for item in paper.items:
            fields = {"item": item.number, "item_title": item.title, "private": item.private}
            if settings.item_openings:
                fields["opening"] = item_opening(text, item.start, item.end, item.title)
            if settings.item_matters:
                fields["matters"] = item_matters(text, item.start, item.end)
            cursor = item.start
            for block_start, block_end in item.resolved:
                yield cursor, block_start, "item", fields
                parts = (
                    _resolution_parts(text, block_start, block_end)
                    if settings.split_resolutions
                    else [(block_start, block_end)]
                )
                for part_start, part_end in parts:
                    yield part_start, part_end, "resolved", {**fields, "section": "Resolution"}
                cursor = block_end
            yield cursor, item.end, "item", fields
        return
    for section in paper.sections or ():
        fields = {"section": section.title}
        cursor = section.start
        for block_start, block_end in (b for b in paper.resolved if section.start <= b[0] < section.end):
            yield cursor, block_start, _section_kind(paper, section.title), fields
            parts = (
                _resolution_parts(text, block_start, block_end)
                if settings.split_resolutions
                else [(block_start, block_end)]
            )
            for part_start, part_end in parts:
                yield part_start, part_end, "resolved", {"section": "Resolution"}
            cursor = block_end
        yield cursor, section.end, _section_kind(paper, section.title), fields


RECOMMENDATIONS = re.compile(r"(?i)\brecommendations?\b|\b(?:is|are) (?:recommended|requested|asked)\b")
"""A report's or briefing note's "2 Recommendations" or "2.1 Scrutiny Co-ordination Committee is recommended
to": what the meeting was asked to decide."""


def _section_kind(paper: Paper, title: str) -> str:
    if paper.paper_type == "minutes" and title == ATTENDANCE_TITLE:
        return "attendance"
    if title == AUTHORS_TITLE:
        return "contact"
    if title == CONTENTS_TITLE:
        return "contents"
    if paper.paper_type in ("report", "briefing note") and RECOMMENDATIONS.search(title):
        return "recommendation"
    return "section"


OPENING_CHARS = 160


MATTER = re.compile(r"(?m)^[ \t#*]*\(([a-z]|[ivx]{1,4})\)[ \t*]*(?:\n[ \t]*){0,2}[ \t*]*([A-Z][^\n]{2,300})$")
"""A lettered matter of a minute item: "**(b)**" over "**Update on the O'Connell Street Project**", or
"(c) Part 8 Procedure – ..." on one line."""
MATTER_CHARS = 120


def item_matters(text: str, start: int, end: int) -> tuple[tuple[int, str], ...]:
    """Where each lettered matter of a minute item starts, with its label and title ("(b) Update on ..."),
    when the item has two or more of them from "(a)" on; otherwise none."""
    found = [(m.start(), m[1], clean_line(m[2])) for m in MATTER.finditer(text, start, end)]
    if len(found) < 2 or found[0][1] != "a":
        return ()
    return tuple(
        (at, f"({label}) {title if len(title) <= MATTER_CHARS else title[:MATTER_CHARS].rsplit(' ', 1)[0] + ' …'}")
        for at, label, title in found
    )


def _matter_at(matters: tuple[tuple[int, str], ...], start: int) -> str:
    """The title of the lettered matter a passage starting at `start` is in, or ""."""
    at = bisect.bisect_right([m[0] for m in matters], start)
    return matters[at - 1][1] if at else ""


def item_opening(text: str, start: int, end: int, title: str) -> tuple[str, int]:
    """The first `OPENING_CHARS` characters of an item after its number and title, and where its title ends:
    passages starting after that point carry the opening in their header.

    Returns ("", end) when the item has no text after its title or opens a list of matters.
    """
    heading = _letters(title)
    seen, after_title, words, cursor = "", None, [], start
    for line in text[start : min(end, start + 4000)].split("\n"):
        line_end = cursor + len(line)
        cursor = line_end + 1
        if after_title is None:
            seen += _letters(line)
            if heading in seen:
                after_title = line_end
            continue
        cleaned = flat(line)
        if cleaned:
            words.append(cleaned)
            if sum(len(w) + 1 for w in words) >= OPENING_CHARS:
                break
    if after_title is None or not words or LIST_ITEM.match(words[0]):
        return "", end  # an item of several lettered matters ("(a) Circulated ...") has no one opening
    opening = " ".join(words)
    if len(opening) > OPENING_CHARS:
        opening = opening[:OPENING_CHARS].rsplit(" ", 1)[0] + " …"
    return opening, after_title + 1


def _only_a_heading(piece: str, fields: dict) -> bool:
    """A piece that is its item's or section's heading and little else ("43. Call-In Stage 2 - ...").

    The heading's letters count against the piece only when the piece holds the heading: a short RESOLVED
    block under a long item title ("RESOLVED that the contents of the briefing note be noted.") is a passage.
    """
    letters = _letters(piece)
    for label in (fields.get("item_title"), fields.get("section")):
        heading = _letters(label or "")
        if heading and heading in letters:
            letters = letters.replace(heading, "", 1)
            break
    return len(letters) - 3 < MIN_ALNUM


def _letters(text: str) -> str:
    return letters(TAG.sub("", text))


def _is_label(text: str, start: int, end: int, fields: dict, paper: Paper) -> bool:
    """A section holding only its heading and the paper's own title, like a cover sheet's "Title: X"."""
    body = text[start:end]
    words = alnum_count(body) - alnum_count(fields.get("section", ""))
    if paper.title and clean_line(paper.title).lower() in clean_line(body).lower():
        words -= alnum_count(paper.title)
    return words < MIN_ALNUM


def _merge_labels(units: list, text: str, paper: Paper) -> list:
    """Join label-only sections onto the section after them, so the label is kept with what it heads."""
    merged: list = []
    pending_start = None
    for start, end, kind, fields in units:
        if pending_start is not None:
            start, pending_start = pending_start, None
        if kind == "section" and _is_label(text, start, end, fields, paper):
            pending_start = start
            continue
        merged.append((start, end, kind, fields))
    if pending_start is not None:
        if merged and merged[-1][2] == "section":
            last = merged.pop()
            merged.append((last[0], units[-1][1], last[2], last[3]))
        else:
            merged.append((pending_start, *units[-1][1:]))
    return merged


TABLE_ROW = re.compile(r"[ \t]*\|.*\||[^\n\t]*\t[^\n]*")
TABLE_RULE = re.compile(r"[ \t]*\|?[ \t]*:?-{3,}.*")
TABLE_LOOKBACK = 20_000


def table_columns(text: str, start: int, floor: int) -> str:
    """The column headings of the table a passage starting at `start` is in the middle of, or "".

    A passage cut from the middle of a long table ("| Religion and belief | NI | ...") keeps its meaning
    only with the table's heading row ("Protected Characteristic | Impact type | ..."). A table that
    continues on a new page under an empty heading row takes the headings of the table above it.
    """
    below = text[start : start + 2000].split("\n", 2)
    first = _cells(below[0])
    if not TABLE_ROW.fullmatch(below[0]) or (first and len(below) > 1 and TABLE_RULE.fullmatch(below[1])):
        return ""
    above = text[max(floor, start - TABLE_LOOKBACK) : start].split("\n")
    above.pop()  # the empty piece after the last newline before `start`
    under_rule = False
    top_row = ""
    for line in reversed(above):
        if TABLE_RULE.fullmatch(line):
            under_rule = True
        elif TABLE_ROW.fullmatch(line):
            cells = _cells(line)
            if under_rule and cells:
                return cells
            under_rule = False
            top_row = cells if "\t" in line else top_row
        elif line.strip():
            break
    return "" if top_row == first else top_row


LIST_ITEM = re.compile(rf"[ \t]*(?:[-*·–{BULLET_GLYPHS}]|\(?(?:\d{{1,2}}|[a-z]|[ivx]{{1,4}})[.)])[ \t]+\S")
LEAD_IN_END = re.compile(r"[:：]\s*-?\s*$")
SENTENCE_START = re.compile(r"(?<=[.?!])\s+(?=[A-Z])")
LEAD_IN_CHARS = 300


def list_lead_in(text: str, start: int, floor: int) -> str:
    """The sentence introducing the list a passage starting at `start` is in the middle of, or "".

    A passage cut from a list ("- Specialist workers embedded into the Caludon Centre ...") says what
    the items are only with the sentence above them that ends in a colon.
    """
    if not LIST_ITEM.match(text, start):
        return ""
    above = text[max(floor, start - TABLE_LOOKBACK) : start].split("\n")
    for line in reversed(above):
        if not line.strip() or LIST_ITEM.match(line):
            continue
        if not LEAD_IN_END.search(line):
            return ""
        sentence = SENTENCE_START.split(clean_line(line))[-1]
        return sentence if len(sentence) <= LEAD_IN_CHARS else "…" + sentence[-LEAD_IN_CHARS:]
    return ""


def _cells(row: str) -> str:
    return " | ".join(cell for cell in (clean_line(c) for c in re.split(r"[|\t]", row)) if cell)


def _header(parsed: ParsedDocument, paper: Paper, fields: dict, opening: str = "") -> str:
    title = paper.title or paper.paper_type
    parts = [f"{paper.parent} – {title}" if paper.parent else title]
    date_text = format_date(paper.meeting_date)
    if date_text and date_text not in parts[0]:
        parts.append(date_text)
    if fields.get("item") is not None:
        parts.append(f"Minute {fields['item']}: {fields['item_title']}")
    if opening:
        parts.append(opening)
    if fields.get("section"):
        parts.append(fields["section"])
    return " | ".join(clean_line(p) for p in parts if p)


def chunk_document(parsed: ParsedDocument, settings: ChunkerSettings = ChunkerSettings()) -> list[Chunk]:
    """All passages of one parsed document, in document order."""
    doc = parsed.document
    text = doc.text
    wrapped = hard_wrapped(text)
    splitter = _splitter(settings.chunk_size, settings.chunk_overlap, wrapped)
    chunks: list[Chunk] = []
    url = doc.published.url if doc.published else ""
    restricted = bool(doc.published and doc.published.restricted)
    structure_text = blanked(text, doc.furniture)  # an item's opening words never hold a page's header or footer
    for paper in parsed.papers:
        units = list(_units(paper, structure_text, settings))
        units = _merge_labels(units, text, paper) if settings.merge_labels else units
        covered = units or [(paper.start, paper.end, "section", {})]
        for unit_start, unit_end, unit_kind, unit_fields in covered:
            business = unit_fields.get("business")
            proceedings = {**unit_fields, "section": PROCEEDINGS_TITLE}
            unit_header = _header(parsed, paper, unit_fields) if settings.headers else ""
            proceedings_header = _header(parsed, paper, proceedings) if settings.headers and business else ""
            opening, opening_end = unit_fields.get("opening", ("", 0))
            opened = _header(parsed, paper, unit_fields, opening) if settings.headers and opening else unit_header
            for part_start, part_end in _without_blank_pages(text, unit_start, unit_end):
                # split as read with the furniture blanked, so a paragraph runs on over a page break
                for start, end in _pieces(splitter, structure_text, part_start, part_end, settings.chunk_overlap):
                    piece = text[start:end]
                    if _only_a_heading(piece, unit_fields):
                        continue
                    kind, fields, header = unit_kind, unit_fields, unit_header
                    if business is not None and start >= business:
                        kind, fields, header = "section", proceedings, proceedings_header
                    crossed = spans_within(doc.furniture, start, end)
                    columns = table_columns(text, start, unit_start) if settings.headers else ""
                    here = opened if opening and start >= opening_end else header  # the first holds the opening
                    matter = _matter_at(fields.get("matters", ()), start) if kind == "item" else ""
                    if matter and settings.headers:
                        here = _header(parsed, paper, fields, matter)
                    if settings.headers and settings.lead_ins and not columns:
                        columns = list_lead_in(text, start, unit_start)
                    chunks.append(
                        Chunk(
                            doc_id=doc.doc_id,
                            start=start,
                            end=end,
                            text=piece,
                            header=f"{here} | {columns}" if columns else here,
                            kind=kind,
                            paper_type=paper.paper_type,
                            paper_title=paper.title,
                            committee=parsed.committee,
                            meeting_date=paper.meeting_date.isoformat() if paper.meeting_date else "",
                            item=fields.get("item"),
                            item_title=fields.get("item_title", ""),
                            section=fields.get("section", ""),
                            page=doc.page_at(start),
                            private=bool(fields.get("private")) or restricted,
                            search_text=_search_text(piece, start, doc.hyphens, crossed),
                            url=url,
                            furniture=crossed,
                            last_page=doc.page_at(end - 1) if crossed else None,
                            agenda_item=paper.agenda_item,
                            wrapped=wrapped,
                        )
                    )
    return chunks


def _search_text(piece: str, start: int, hyphens: tuple[int, ...], furniture: tuple[tuple[int, int], ...]) -> str:
    """The passage as searched: hyphenated words joined, and read on over the page breaks it crosses."""
    searched = joined(piece, start, hyphens) if hyphens else piece
    if furniture:  # each hyphen joined before a header or footer moves it two characters back
        first = bisect.bisect_left(hyphens, start)
        moved = []
        for a, b in furniture:
            shift = 2 * (bisect.bisect_left(hyphens, start + a) - first)
            moved.append((a - shift, b - shift))
        searched = without_breaks(searched, tuple(moved))
    return searched if searched != piece else ""


def _pieces(splitter, text: str, start: int, end: int, overlap: int) -> Iterator[tuple[int, int]]:
    """Offsets of the splitter's pieces of text[start:end]; each piece is found verbatim in order.

    A piece overlaps the one before by at most `overlap` characters, so it is looked for from there: text
    that repeats (a sentence printed again and again) is placed where the splitter took it from, not at an
    earlier copy. Looking from just after the previous piece's start, as before, placed the 2 MB of a
    one-line file of one repeated sentence within its first 120 KB.
    """
    span = text[start:end]
    if not span.strip():
        return
    cursor = after = 0
    for piece in splitter.split_text(span):
        found = span.find(piece, cursor)
        if found < 0:
            found = span.find(piece, after)
        if found < 0:  # the splitter rewrote white space; fall back to the piece's own extent
            continue
        yield start + found, start + found + len(piece)
        after = found + 1
        cursor = max(after, found + len(piece) - overlap)
