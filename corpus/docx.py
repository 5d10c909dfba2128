"""Word papers (.docx): paragraphs and table rows in document order."""

from __future__ import annotations

import io
from pathlib import Path

from precedent.corpus.document import Document
from precedent.corpus.text import clean_title, normalise_newlines, title_from_text

from precedent.errors import UnreadableFile


def read_docx(data: bytes, path: Path, doc_id: str) -> Document:
    """Each paragraph or heading a block; each table row one line, cells joined by " | "."""
    import docx
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
        body = document.element.body
    except Exception as error:  # zipfile, lxml and python-docx each raise their own types
        raise UnreadableFile(path, f"not a valid .docx: {error or type(error).__name__}") from None
    p_tag, tbl_tag, tr_tag, tc_tag = qn("w:p"), qn("w:tbl"), qn("w:tr"), qn("w:tc")
    containers = {qn("w:sdt"), qn("w:sdtContent"), qn("w:customXml")}  # content controls wrap real text
    blocks: list[str] = []
    title = ""
    stack = list(reversed(body))
    while stack:
        element = stack.pop()
        if element.tag == p_tag:
            paragraph = Paragraph(element, document)
            if text := paragraph.text.strip():
                blocks.append(text)
                if not title and _style(paragraph) in ("Title", "Heading 1"):
                    title = clean_title(text)
        elif element.tag == tbl_tag:
            rows = []
            for tr in element.iterchildren(tr_tag):
                cells = (_cell_text(tc, p_tag) for tc in tr.iterchildren(tc_tag))
                if line := " | ".join(cell for cell in cells if cell):
                    rows.append(line)
            if rows:
                blocks.append("\n".join(rows))
        elif element.tag in containers:
            stack.extend(reversed(element))
    text = normalise_newlines("\n\n".join(blocks))
    if not text.strip():
        raise UnreadableFile(path, "no text in the .docx")
    core_title = clean_title(document.core_properties.title or "")
    return Document(doc_id, str(path), text, core_title or title or title_from_text(text))


def _cell_text(tc, p_tag: str) -> str:
    """A cell's paragraphs (nested tables' too) on one line."""
    return " ".join(text for p in tc.iter(p_tag) if (text := " ".join(p.text.split())))


def _style(paragraph) -> str:
    try:
        return paragraph.style.name if paragraph.style is not None else ""
    except Exception:
        return ""
