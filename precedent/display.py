"""Passages as a reader sees them: the papers' wording without the markup their conversion left in it."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator

from precedent.corpus.chunking import hard_wrapped
from precedent.corpus.furniture import page_breaks, read_across, spans_within
from precedent.index.highlight import blank_lines_wrap_sentences

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
DOUBLE_SPACED = re.compile(MARKUP.pattern.replace(r"|(?<=\n\n)\n+", r"|(?<=\n)\n+"), MARKUP.flags)
"""For a scanned page printed with a blank line after every line (hard-wrapped, `corpus.chunking.hard_wrapped`,
and mostly blank lines): every blank line is dropped."""
DOUBLE_SPACED_SHARE = 0.4
"""A text is printed double-spaced when at least this share of its lines are blank."""
SHORT_SPACED = re.compile(r"[^\s.!?:;]\n\n(?=[a-z])")
"""A blank line inside a sentence, before a lower-case word: a text of four lines or fewer (a decision, an
answer) is double-spaced when it has one."""
SYMBOL_FONT = str.maketrans({"\uf0b7": "•", "\uf0a7": "▪", "\uf0d8": "➢", "\uf0fc": "✓"})
"""Bullets a PDF's Symbol or Wingdings font left as private-use characters, shown as what they print."""
WRAP = 0.75
WRAP_MIN_CHARS = 40
"""A line of a hard-wrapped text at least this share of its widest line and this long, ending mid-sentence,
runs on into the next: narrower, it ends a paragraph, a heading or an address line."""
LIST_START = re.compile(
    r"^[ \t]*(?:(?:[-–•▪➢✓*]|\(?[0-9a-zA-Z]{1,3}[.)]|\d+(?:\.\d+)+\.?)(?:[ \t]|$)|[A-Z][\w ()’'/-]{0,40}:[ \t])"
)
"""A list item's, a numbered paragraph's or a labelled field's ("Other Representatives: ...") first line, which
starts a line of its own."""
HALF_AT_END = re.compile(r"([^\W\d_]+)-$")
HALF_AT_START = re.compile(r"[^\W\d_]+")
"""The two halves of a word a line end broke with a hyphen."""
SEPARATES = re.compile(r"\*{4}|<br\b[^<>]*>|</(?:p|li)\s*>", re.IGNORECASE)
"""Markup standing between two pieces of text ("<p>one</p><p>two</p>"): shown as a space, not dropped."""


def readable(
    text: str, spans: Iterable[tuple[int, int]] = (), furniture: tuple[tuple[int, int], ...] = ()
) -> tuple[str, list[tuple[int, int]]]:
    """`text` without `MARKUP`, and `spans` (character offsets into `text`) moved to match.

    "**(i) Review the strategy**" reads "(i) Review the strategy"; "29<sup>th</sup> September" reads "29th
    September"; a "<script>" in a paper stays, as text. A scanned page's blank line after every printed line
    is dropped; its Symbol-font bullets show as bullets. A hard-wrapped page's (a PDF's, a scan's) lines run
    on into paragraphs (`WRAP`), so a passage reads and copies as the paper's sentences. A passage that runs
    over a page break reads on without the page's header and footer (`furniture`, spans of `text`).
    """
    text = text.translate(SYMBOL_FONT)  # one character for one: offsets hold
    if furniture:
        breaks = [(a, b, read_across(text, a, b)) for a, b in page_breaks(text, furniture)]
        text, spans = _removed(text, breaks, spans)
    lines = text.count("\n") + 1
    if lines > 4:
        spaced = text.count("\n\n") >= DOUBLE_SPACED_SHARE * lines
    else:  # too few lines to count: a blank line before a lower-case word says a sentence runs on over it
        spaced = SHORT_SPACED.search(text) is not None
    spaced = spaced and (hard_wrapped(text) or blank_lines_wrap_sentences(text))
    markup = DOUBLE_SPACED if spaced else MARKUP
    removals = [(m.start(), m.end(), " " if SEPARATES.fullmatch(m.group(0)) else "") for m in markup.finditer(text)]
    text, spans = _removed(text, removals, spans)
    if hard_wrapped(text):
        text, spans = _removed(text, list(_wraps(text)), spans)
    return text, spans


def shown_slice(text: str, start: int, end: int, furniture: Iterable[tuple[int, int]] = ()) -> str:
    """`text[start:end]` as a reader sees it (`readable`), its lines' wrapping judged on the whole lines it lies
    on: an answer starting mid-line is not a short line ending a paragraph. `furniture` holds spans of `text`
    that are page headers and footers."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    inside = spans_within(furniture, line_start, line_end)
    shown, [(a, b)] = readable(text[line_start:line_end], [(start - line_start, end - line_start)], inside)
    return shown[a:b]


def _removed(
    text: str, removals: list[tuple[int, int, str]], spans: Iterable[tuple[int, int]]
) -> tuple[str, list[tuple[int, int]]]:
    """`text` with each (start, end, instead) of `removals` (in order, apart) replaced, and `spans` moved."""
    kept, starts, ends, dropped = [], [], [], [0]  # dropped[i]: characters the first i removals took out
    cursor = 0
    for start, end, instead in removals:
        kept += [text[cursor:start], instead]
        starts.append(start)
        ends.append(end)
        dropped.append(dropped[-1] + end - start - len(instead))
        cursor = end
    kept.append(text[cursor:])

    def moved(offset: int) -> int:
        i = bisect_right(starts, offset)  # removals starting at or before offset
        if i and offset < ends[i - 1]:  # inside a removal: where it was
            return starts[i - 1] - dropped[i - 1]
        return offset - dropped[i]

    return "".join(kept), [(moved(start), moved(end)) for start, end in spans]


def _wraps(text: str) -> Iterator[tuple[int, int, str]]:
    """The line breaks of a hard-wrapped text that fall inside a paragraph, each as a removal: a space; after a
    word broken by a hyphen, the hyphen too where the text writes the word whole elsewhere ("amend-" over
    "ments"), else nothing ("multi-" over "faceted" reads "multi-faceted")."""
    lines = text.split("\n")
    measure = max(len(line.rstrip()) for line in lines)
    words = {word.lower() for word in re.findall(r"[^\W\d_]+", text)}
    start = 0
    for line, after in zip(lines, lines[1:], strict=False):
        end = start + len(line)  # the line break
        shown = line.rstrip()
        if _runs_on(shown, after, measure):
            head, tail = HALF_AT_END.search(shown), HALF_AT_START.match(after)
            if head and tail and after[:1].islower():
                hyphen = start + len(shown) - 1
                whole = (head[1] + tail[0]).lower() in words
                yield (hyphen, end + 1, "") if whole else (hyphen + 1, end + 1, "")
            else:
                yield (end, end + 1, " ")
        start = end + 1


def _runs_on(line: str, after: str, measure: int) -> bool:
    """Whether `line` is wrapped into `after`: it spans most of the measure, ends mid-sentence, and neither is a
    table row nor `after` a list item, a numbered paragraph or a labelled field (`LIST_START`)."""
    return (
        len(line) >= max(WRAP * measure, WRAP_MIN_CHARS)
        and not line.endswith((".", ":", ";", "?", "!"))
        and after.strip() != ""
        and "\t" not in line + after
        and not LIST_START.match(after)
        and not TABLE_ROW.match(line)
        and not TABLE_ROW.match(after)
    )


TABLE_ROW = re.compile(r"^[ \t]*\|.*\|[ \t]*$")
RULE_ROW = re.compile(r"^[ \t]*\|?(?:[ \t]*:?-{2,}:?[ \t]*\|)+[ \t]*(?::?-{2,}:?[ \t]*)?$")
"""A pipe table's row, and the `|---|:--|` line under its header row."""

Segment = tuple[str, bool]
"""A run of shown text and whether it is marked."""


def _segments(text: str, spans: Iterable[tuple[int, int]]) -> list[Segment]:
    out, cursor = [], 0
    for start, end in sorted(spans):
        if start < cursor:
            start = cursor
        if end <= start:
            continue
        out += [(text[cursor:start], False), (text[start:end], True)]
        cursor = end
    out.append((text[cursor:], False))
    return [s for s in out if s[0]]


def _slice(segments: list[Segment], start: int, end: int) -> list[Segment]:
    """The segments' text between character offsets `start` and `end` of the shown text."""
    out, cursor = [], 0
    for piece, marked in segments:
        a, b = max(start, cursor), min(end, cursor + len(piece))
        if a < b:
            out.append((piece[a - cursor : b - cursor], marked))
        cursor += len(piece)
    return out


def _cells(line: list[Segment]) -> list[list[Segment]]:
    cells: list[list[Segment]] = [[]]
    for piece, marked in line:
        first, *rest = piece.split("|")
        cells[-1].append((first, marked))
        for part in rest:
            cells.append([(part, marked)])
    return cells[1:-1] if len(cells) > 2 else cells  # the pipes before the first and after the last cell


def _escaped(segments: list[Segment]) -> str:
    import html

    return "".join(f"<mark>{html.escape(s)}</mark>" if marked else html.escape(s) for s, marked in segments)


def _plain(line: list[Segment]) -> str:
    return "".join(s for s, _ in line)


def _blocks(text: str, spans, furniture=()) -> list[tuple[str, list[list[Segment]]]]:
    """The shown text as ("text", [segments]) and ("table", [segments of each row]) blocks."""
    text, spans = readable(text, spans, furniture)
    segments = _segments(text, spans)
    ranges: list[tuple[str, list[tuple[int, int]]]] = []
    cursor = 0
    for line in text.split("\n"):
        kind = "table" if TABLE_ROW.match(line) else "text"
        if ranges and ranges[-1][0] == kind:
            ranges[-1][1].append((cursor, cursor + len(line)))
        else:
            ranges.append((kind, [(cursor, cursor + len(line))]))
        cursor += len(line) + 1
    blocks = []
    for kind, lines in ranges:
        if kind == "text":  # one run, line breaks included, so a marked sentence stays one <mark>
            blocks.append((kind, [_slice(segments, lines[0][0], lines[-1][1])]))
        else:
            blocks.append((kind, [_slice(segments, a, b) for a, b in lines]))
    return blocks


def to_html(text: str, spans: Iterable[tuple[int, int]] = (), furniture: tuple[tuple[int, int], ...] = ()) -> str:
    """`text` as a reader sees it, escaped, `spans` in <mark>, pipe tables as <table> with their header row;
    `furniture` as in `readable`."""
    out = []
    for kind, lines in _blocks(text, spans, furniture):
        if kind == "text":
            out.append(_escaped(lines[0]))
            continue
        header = len(lines) > 1 and RULE_ROW.match(_plain(lines[1])) is not None
        rows = [line for line in lines if not RULE_ROW.match(_plain(line))]
        if header and not _plain(rows[0]).replace("|", "").strip():  # an empty header row says nothing
            rows, header = rows[1:], False
        html_rows = []
        for number, row in enumerate(rows):
            tag = "th" if header and number == 0 else "td"
            cells = "".join(f"<{tag}>{_escaped(_trimmed(cell))}</{tag}>" for cell in _cells(row))
            html_rows.append(f"<tr>{cells}</tr>")
        out.append(f"<table class='paper-table'>{''.join(html_rows)}</table>")
    return "".join(part if part.startswith("<table") else part + "\n" for part in out).rstrip("\n")


def to_text(text: str, furniture: tuple[tuple[int, int], ...] = ()) -> str:
    """`text` as a reader sees it, with pipe tables as aligned columns (the command line's text output)."""
    out = []
    for kind, lines in _blocks(text, (), furniture):
        if kind == "text":
            out.append(_plain(lines[0]))
            continue
        rows = [[_plain(cell).strip() for cell in _cells(line)] for line in lines if not RULE_ROW.match(_plain(line))]
        widths = [max(len(row[i]) for row in rows if i < len(row)) for i in range(max(map(len, rows)))]
        out += ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    return "\n".join(out)


def _trimmed(cell: list[Segment]) -> list[Segment]:
    if not cell:
        return cell
    (first, m1), *rest = cell
    cell = [(first.lstrip(), m1), *rest]
    *init, (last, m2) = cell
    return [s for s in [*init, (last.rstrip(), m2)] if s[0]]
