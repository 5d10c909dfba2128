"""PDF papers: pypdf's text of each page, the offset where each page starts, and its furniture."""

from __future__ import annotations

import io
import logging
import re
import unicodedata
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from precedent.corpus.document import Document
from precedent.corpus.furniture import blanked, find_furniture, line_end_hyphens
from precedent.corpus.markup import BULLET_GLYPHS
from precedent.corpus.text import clean_title, normalise_newlines, title_from_text
from precedent.corpus.typeset import Run, body_size, heading_lines, run_collector, typeset_lines

from precedent.errors import UnreadableFile

PAGE_SEPARATOR = "\n\n"
LIGATURE = re.compile("[\ufb00-\ufb06]")
"""Typesetters' ligatures ("ﬁ", "ﬀ"): read as their letters, or "brieﬁng" never matches "briefing"."""
BULLET = re.compile(rf"(?m)^([ \t]*)[{BULLET_GLYPHS}][ \t]+")
"""A list item's bullet glyph at a line's start: read as "- ", the marker the text papers use, not as a table
cell before a gap."""
LIST_MARK = re.compile(rf"[{BULLET_GLYPHS}-] +")
"""A list item's marker opening a table cell, whose wrapped lines hang after it."""
CELL_GAP = re.compile(r"(?<=\S) {3,}(?=\S)")
"""A run of spaces inside a laid-out line: a table's cell break when the lines around it break at the same
column, else a word space that layout widened (a superscript, a glyph of unknown width)."""

SPLIT_WORD = re.compile(r"([^\W\d_]+)[ \t](?=([^\W\d_]+))")
"""Two runs of letters one space apart: one word that layout split ("har ms") when the page's plain text has
them whole and never apart."""

Cell = tuple[int, int, str]
"""A cell of a laid-out line: the columns it starts and ends at, and its text."""


def read_pdf(data: bytes, path: Path, doc_id: str) -> Document:
    """Pages' text joined by a blank line; pypdf's complaints become `Document.warnings`, not log noise."""
    with _pypdf_quiet() as complaints:
        pages, runs, title, notes, outline = _extract(data, path)
    text_parts: list[str] = []
    page_starts: list[int] = []
    offset = 0
    for page in pages:
        page_starts.append(offset)
        text_parts.append(page)
        offset += len(page) + len(PAGE_SEPARATOR)
    text = PAGE_SEPARATOR.join(text_parts)
    if not text.strip():
        raise UnreadableFile(path, "no text layer (scanned?); run OCR first")
    furniture = find_furniture(text, tuple(page_starts))
    if complaints:
        notes.append(f"pypdf: {complaints[0]}" + (f" (and {len(complaints) - 1} more)" if len(complaints) > 1 else ""))
    return Document(
        doc_id,
        str(path),
        text,
        title or title_from_text(blanked(text, furniture.spans)),
        page_starts=tuple(page_starts),
        warnings=tuple(notes),
        page_labels=furniture.labels if any(furniture.labels) else (),
        furniture=furniture.spans,
        hyphens=line_end_hyphens(text),
        headings=heading_spans(pages, page_starts, runs),
        outline=outline,
    )


def heading_spans(pages: list[str], page_starts: list[int], runs: list[list[Run]]) -> tuple[tuple[int, int], ...]:
    """Spans of the laid-out lines each page sets in bold or larger type, a wrapped title as one span; a table
    row (cells apart by tabs) is never one."""
    body = body_size(runs)
    spans: list[tuple[int, int]] = []
    for page, start, page_runs in zip(pages, page_starts, runs, strict=True):
        wanted: dict[str, bool] = {}
        for text, goes_on in heading_lines(typeset_lines(page_runs), body):
            key = squashed(plain_glyphs(text))
            wanted[key] = wanted.get(key, True) and goes_on  # a line that also stands alone starts a heading
        offset, last_heading_line = start, -2
        for number, line in enumerate(page.split("\n")):
            key = squashed(line)
            if key in wanted and "\t" not in line:
                if wanted[key] and last_heading_line == number - 1:
                    spans[-1] = (spans[-1][0], offset + len(line))
                else:
                    spans.append((offset, offset + len(line)))
                last_heading_line = number
            offset += len(line) + 1
    return tuple(spans)


def _extract(data: bytes, path: Path) -> tuple[list[str], list[list[Run]], str, list[str], tuple[tuple[int, str], ...]]:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    if b"%PDF-" not in data[:1024]:
        raise UnreadableFile(path, "not a PDF: no %PDF- header (a different file type named .pdf?)")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except DependencyError:
                raise UnreadableFile(
                    path,
                    "encrypted PDF (AES) and the `cryptography` package is missing; save an unencrypted copy",
                ) from None
            if not opened:
                raise UnreadableFile(path, "encrypted PDF; save an unencrypted copy")
        page_objects = list(reader.pages)
    except UnreadableFile:
        raise
    except Exception as error:  # pypdf raises many types on malformed input
        raise UnreadableFile(path, f"corrupt or truncated PDF: {_reason(error)}") from None
    if not page_objects:
        raise UnreadableFile(path, "corrupt or truncated PDF: no pages found")
    pages: list[str] = []
    runs: list[list[Run]] = []
    notes: list[str] = []
    for number, page in enumerate(page_objects, start=1):
        page_runs, visit = run_collector()
        try:
            pages.append(_page_text(page, visit))
        except Exception as error:
            pages.append("")
            page_runs.clear()
            notes.append(f"page {number}: text could not be extracted ({_reason(error)})")
        runs.append(page_runs)
    return pages, runs, _metadata_title(reader), notes, _outline(reader)


def _page_text(page, visit) -> str:
    """A page's lines as laid out: paragraphs apart, table rows with their cells tab-separated. `visit` sees
    each run of the page's plain text, with its font."""
    plain = page.extract_text(visitor_text=visit) or ""
    try:
        laid_out = page.extract_text(extraction_mode="layout") or ""
    except Exception:  # pypdf's layout mode fails on some fonts; its plain text still has every word
        return plain_glyphs(normalise_newlines(plain)).strip("\n")
    return rejoin_split_words(tidy_layout(plain_glyphs(normalise_newlines(laid_out)), plain), plain)


def rejoin_split_words(laid: str, plain: str) -> str:
    """`laid` with the words layout mode split by a gap ("the har   ms") joined where `plain`, pypdf's plain
    text of the same page, has that word and never its halves apart: layout places glyphs on a grid and a
    kerned pair can land a column apart."""
    plain = plain_glyphs(plain)
    words = set(re.findall(r"[^\W\d_]+", plain))

    def join(match: re.Match[str]) -> str:
        first, second = match[1], match[2]
        if first + second in words and not re.search(rf"\b{first}\s+{second}\b", plain):
            return first
        return match[0]

    return SPLIT_WORD.sub(join, laid)


def plain_glyphs(text: str) -> str:
    """Ligatures as their letters and line-start bullets as "- "."""
    text = BULLET.sub(lambda m: f"{m[1]}- ", text)
    return LIGATURE.sub(lambda m: unicodedata.normalize("NFKC", m[0]), text)


def tidy_layout(text: str, plain: str = "") -> str:
    """pypdf's layout text made plain: indentation and runs of blank lines dropped, gaps inside a line made
    one space, except gaps at the same column in neighbouring lines, which are a table's cell breaks (a tab).
    A table row whose cells wrap over several lines is read cell after cell (`table_rows`); `plain`, the
    page's text in content order, tells a row whose every cell wraps from the next row."""
    lines = [line.rstrip() for line in text.split("\n")]
    gaps = [{m.end() for m in CELL_GAP.finditer(line.strip() and line)} for line in lines]
    laid: list[list[Cell] | None] = []
    for i, line in enumerate(lines):
        if not line.strip():
            laid.append(None)
            continue
        near = _neighbours_gaps(lines, gaps, i)
        aligned = {col for col in gaps[i] if near & _around(col, line)}
        cells: list[Cell] = []
        start = cursor = len(line) - len(line.lstrip())
        parts: list[str] = []
        for match in CELL_GAP.finditer(line):
            if match.start() < cursor:
                continue
            parts.append(line[cursor : match.start()])
            if match.end() in aligned:
                cells.append((start, match.start(), "".join(parts)))
                parts, start = [], match.end()
            else:
                parts.append(" ")
            cursor = match.end()
        parts.append(line[cursor:])
        cells.append((start, len(line), "".join(parts)))
        laid.append(cells)
    out: list[str] = []
    for row in table_rows(laid, cell_key(plain)):
        if row is None:
            if out and out[-1]:
                out.append("")
            continue
        out.append("\t".join(cell for _, _, cell in row))
    return "\n".join(out).strip("\n")


def table_rows(lines: list[list[Cell] | None], plain: str = "") -> Iterator[list[Cell] | None]:
    """Laid-out lines (each its cells, None for a blank line) with each wrapped table row made one line of
    cells, a cell's wrapped lines and its further paragraphs joined by a space.

    Cells are top-aligned, so below a row's first line (two or more cells) its wrapped lines fill some of
    the same columns, each column until its cell ends. A line continues the row when each of its cells
    starts at a column the line above has a cell at and ends before the row's next column starts, and it
    fills fewer columns than the line above, or the same ones but fewer than the widest line of its block.
    A line filling every column of the line above also continues it where `plain` (the page's content-order
    text, whitespace removed) has each of its cells straight after the same column's text above: PDF writers
    emit a table cell by cell, so a row whose every cell wraps reads on there. Otherwise such a line, a new
    column, or a line running across a column (a paragraph under the table) starts afresh. A table whose
    single-line rows leave a column empty, under a row that fills it, cannot be told from wrapped cells: its
    rows are read as one."""
    widest = [0] * len(lines)
    i = 0
    while i < len(lines):  # each run of lines between blank lines: the most cells any line of it has
        j = i
        while j < len(lines) and lines[j] is not None:
            j += 1
        most = max((len(line or ()) for line in lines[i:j]), default=0)
        widest[i:j] = [most] * (j - i)
        i = j + 1
    i = 0
    while i < len(lines):
        first = lines[i]
        if first is None or len(first) < 2:
            yield first
            i += 1
            continue
        columns = [start for start, _, _ in first]
        bounds = dict(zip(columns, [*columns[1:], None], strict=True))
        cells = [[text] for _, _, text in first]
        hangs = _hangs(first, columns)
        above = columns
        j = i + 1
        while j < len(lines):
            line = lines[j]
            if line is None:
                if not _cell_paragraph(lines[j + 1] if j + 1 < len(lines) else None, columns):
                    break
                above = columns
                j += 1
                continue
            starts = [_in_row(start, above, columns, hangs) for start, _, _ in line]
            if None in starts or len(set(starts)) < len(starts):
                break
            full = len(line) == len(above) and len(line) >= widest[i]
            resumes = not set(starts) <= set(above)
            if (len(line) > len(above) or full or resumes) and not _reads_on(line, starts, columns, cells, plain):
                break
            ends = [end for _, end, _ in line]
            if any(bounds[col] is not None and end >= bounds[col] for col, end in zip(starts, ends, strict=True)):
                break
            for col, (_, _, text) in zip(starts, line, strict=True):
                cells[columns.index(col)].append(text)
            hangs.update(_hangs(line, starts))
            above = starts
            j += 1
        yield [(start, end, " ".join(parts)) for (start, end, _), parts in zip(first, cells, strict=True)]
        i = j


def _reads_on(line: list[Cell], starts: list[int], columns: list[int], cells: list[list[str]], plain: str) -> bool:
    """Whether every cell of `line` follows its column's text so far in `plain` (`cell_key`): a wrapped cell."""
    return bool(plain) and all(
        cell_key(cells[columns.index(col)][-1] + text) in plain for col, (_, _, text) in zip(starts, line, strict=True)
    )


def cell_key(text: str) -> str:
    """`text` without whitespace or list markers, for finding a laid-out cell in content-order text, whose
    bullets fall at line starts where the layout's fall mid-line."""
    return re.sub(rf"[\s{BULLET_GLYPHS}-]+", "", plain_glyphs(text))


def _in_row(col: int, above: list[int], columns: list[int], hangs: dict[int, int]) -> int | None:
    """The column a cell starting at `col` continues: one the line above has a cell at, or one of the row's
    columns but its first, where a cell that paused for a line (between its list items) resumes."""
    found = _column(col, above, hangs)
    if found is None:
        found = _column(col, columns, hangs)
    return None if found is None or (found == columns[0] and found not in above) else found


def squashed(text: str) -> str:
    """`text` without whitespace, for comparing layout text with content-order text."""
    return re.sub(r"\s+", "", text)


def _cell_paragraph(line: list[Cell] | None, columns: list[int]) -> bool:
    """Whether `line`, below a blank line inside a table row, is a cell's next paragraph: every cell of it
    lines up with a column of the row other than the first, which a new row or a paragraph under the table
    would start in."""
    if not line:
        return False
    return all((col := _column(start, columns)) is not None and col != columns[0] for start, _, _ in line)


def _around(col: int, line: str) -> set[int]:
    """The columns a cell starting at `col` of `line` lines up with: its own, within a character, and, for a
    list item, where its text starts, which its wrapped lines hang at."""
    mark = LIST_MARK.match(line, col)
    cols = {col, mark.end()} if mark else {col}
    return {c + step for c in cols for step in (-1, 0, 1)}


def _hangs(line: list[Cell], columns: list[int]) -> dict[int, int]:
    """For each cell of `line` opening with a list marker, its column and where its text starts: a list
    item's wrapped lines hang there."""
    return {
        col: start + len(m[0])
        for col, (start, _, text) in zip(columns, line, strict=True)
        if (m := LIST_MARK.match(text))
    }


def _column(col: int, columns: list[int], hangs: dict[int, int] | None = None) -> int | None:
    """The column in `columns` that a cell starting at `col` lines up with (within a character), if any, or
    whose list item's text (`hangs`) it lines up with."""
    hangs = hangs or {}
    return next((c for c in columns if abs(c - col) <= 1 or abs(hangs.get(c, c) - col) <= 1), None)


def _neighbours_gaps(lines: list[str], gaps: list[set[int]], i: int, reach: int = 12) -> set[int]:
    """The columns where a cell starts in the lines within `reach` above and below line `i`, not past a
    blank line: their gaps' ends and their indentation, as a table row's neighbour may be a cell's wrapped
    line on its own (the cells left of it ended) or a row leaving a column empty. A heading row whose cells
    wrap over several lines meets the next row's columns only that far down (docs/pdf.md)."""
    near: set[int] = set()
    for step in (-1, 1):
        j = i + step
        while 0 <= j < len(lines) and abs(j - i) <= reach and lines[j].strip():
            near |= gaps[j]
            near.add(len(lines[j]) - len(lines[j].lstrip()))
            j += step
    return near


def _outline(reader) -> tuple[tuple[int, str], ...]:
    """The PDF's top-level bookmarks as (1-based page, title), in page order; none when it has no outline or
    pypdf cannot read it."""
    try:
        entries = [
            (reader.get_destination_page_number(entry) + 1, clean_title(str(entry.title)))
            for entry in reader.outline
            if not isinstance(entry, list)  # a nested list holds an entry's children
        ]
    except Exception:  # a malformed outline is no reason to lose the text
        return ()
    return tuple(sorted(entry for entry in entries if entry[0] > 0 and entry[1]))


def _metadata_title(reader) -> str:
    try:
        title = reader.metadata.title if reader.metadata else None
    except Exception:
        return ""
    if not isinstance(title, str):
        return ""
    title = clean_title(title.removeprefix("Microsoft Word - "))
    return "" if title.lower() in ("untitled", "title") else title


def _reason(error: Exception) -> str:
    return str(error) or type(error).__name__


@contextmanager
def _pypdf_quiet() -> Iterator[list[str]]:
    """Collect pypdf's log records and warnings instead of printing them."""
    complaints: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            complaints.append(record.getMessage())

    logger = logging.getLogger("pypdf")
    handler = Collect(logging.WARNING)
    saved = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield complaints
        complaints.extend(str(w.message) for w in caught)
    finally:
        logger.removeHandler(handler)
        logger.propagate = saved
