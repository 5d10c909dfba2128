"""HTML papers (.html, .htm): visible text with its block structure, e.g. a saved ModernGov minutes page."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from precedent.corpus.document import Document
from precedent.corpus.text import clean_title, title_from_text

from precedent.errors import UnreadableFile

_DROP = frozenset({"script", "style", "noscript", "template", "head", "title", "svg", "math", "iframe"})
_BLOCK = frozenset(
    """address article aside blockquote body caption center dd details dialog dir div dl dt fieldset
    figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr html legend li main menu nav ol p
    section summary table tbody tfoot thead ul""".split()
)
_CELL = frozenset({"td", "th"})
_SPACE = re.compile(r"[ \t\n\r\f\v]+")  # ASCII only: a no-break space is content, as a browser keeps it


def read_html(data: bytes, path: Path, doc_id: str) -> Document:
    """Text of the page body; paragraphs, headings and list items become blocks, table rows lines."""
    from bs4 import BeautifulSoup

    warnings: list[str] = []
    try:
        soup = BeautifulSoup(data, "html.parser")
        title = _title(soup)
        text = "\n\n".join(_blocks(soup))
        if soup.contains_replacement_characters:
            warnings.append(f"some bytes were not valid {soup.original_encoding}; shown as U+FFFD")
    except RecursionError:
        text, title = _flat_text(data), ""
        warnings.append("HTML nested too deeply to keep its layout; text extracted without structure")
    if not text.strip():
        raise UnreadableFile(path, "no visible text in the HTML page")
    return Document(doc_id, str(path), text, title or title_from_text(text), warnings=tuple(warnings))


def _title(soup) -> str:
    for tag in (soup.find("title"), soup.find("h1")):
        if tag is not None and (title := clean_title(tag.get_text(" "))):
            return title
    return ""


class _Out:
    """Text being assembled: blocks joined by a blank line, lines within a block by a newline."""

    def __init__(self) -> None:
        self.blocks: list[str] = []
        self.lines: list[str] = []
        self.parts: list[str] = []

    def end_line(self) -> None:
        line = _SPACE.sub(" ", "".join(self.parts)).strip(" ")
        self.parts = []
        if line.strip():
            self.lines.append(line)

    def end_block(self) -> None:
        self.end_line()
        if self.lines:
            self.blocks.append("\n".join(self.lines))
            self.lines = []

    def add_block(self, block: str) -> None:
        self.end_block()
        self.blocks.append(block)

    def result(self) -> list[str]:
        self.end_block()
        return self.blocks


def _blocks(soup) -> list[str]:
    """Walk the tree with an explicit stack, so 100,000 nested tags cannot exhaust Python's recursion."""
    from bs4 import NavigableString
    from bs4.element import PreformattedString

    outs = [_Out()]
    rows: list[list[list[str]]] = []
    stack: list[tuple[object, bool]] = [(soup, False)]
    while stack:
        node, leaving = stack.pop()
        if isinstance(node, NavigableString):
            if not isinstance(node, PreformattedString):  # comments, doctypes, CDATA
                outs[-1].parts.append(str(node))
            continue
        name = node.name
        if leaving:
            if name in _CELL:
                cell = outs.pop().result()
                if rows:
                    rows[-1].append(cell)
                else:
                    for block in cell:
                        outs[-1].add_block(block)
            elif name == "tr":
                _add_row(outs[-1], rows.pop())
            elif name in _BLOCK:
                outs[-1].end_block()
            continue
        if name in _DROP:
            continue
        if name == "br":
            outs[-1].end_line()
            continue
        if name == "pre":
            outs[-1].end_block()
            outs[-1].add_block("\n".join(line.rstrip() for line in node.get_text().splitlines()))
            continue
        if name in _CELL:
            outs.append(_Out())
        elif name == "tr":
            outs[-1].end_line()
            rows.append([])
        elif name in _BLOCK:
            outs[-1].end_block()
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(node.contents))
    return outs[0].result()


def _add_row(out: _Out, cells: list[list[str]]) -> None:
    """A row of one-line cells is one line, cells joined by " | "; a row holding paragraphs, its blocks."""
    cells = [cell for cell in cells if cell]
    if all(len(cell) == 1 and "\n" not in cell[0] for cell in cells):
        out.end_line()
        out.parts.append(" | ".join(cell[0] for cell in cells))
        out.end_line()
        return
    for cell in cells:
        for block in cell:
            out.add_block(block)


class _FlatText(HTMLParser):
    """Text outside script/style, one line per block-ish tag; needs no tree, so no depth limit."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out = _Out()
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _DROP:
            self.skipping += 1
        elif tag in _BLOCK or tag in _CELL or tag in ("br", "tr"):
            self.out.end_line()

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCK or tag in _CELL or tag == "tr":
            self.out.end_line()

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.out.parts.append(data)


def _flat_text(data: bytes) -> str:
    from bs4.dammit import UnicodeDammit

    parser = _FlatText()
    parser.feed(UnicodeDammit(data, is_html=True).unicode_markup or "")
    parser.close()
    return "\n".join(parser.out.result())
