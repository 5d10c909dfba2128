"""Plain-text papers (.txt, .md), and the text functions every reader shares."""

from __future__ import annotations

import codecs
import re
from dataclasses import replace
from pathlib import Path

from precedent.corpus.document import Document
from precedent.corpus.furniture import line_end_hyphens, ruled_pages

from precedent.errors import UnreadableFile

TITLE_MAX = 200
# Control characters other than tab, newlines, vertical tab and form feed (common in exported text).
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_SAMPLE = 1 << 20
_BOMS = (  # UTF-32 before UTF-16: the UTF-32-LE mark starts with the UTF-16-LE one.
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def read_text(data: bytes, path: Path, doc_id: str) -> Document:
    """A .txt or .md file's text, verbatim apart from line endings, which become "\\n"."""
    text, warnings = decode(data, path)
    text = normalise_newlines(text)
    if not text.strip():
        raise UnreadableFile(path, "empty file (only whitespace)")
    return with_ruled_pages(Document(doc_id, str(path), text, title_from_text(text), warnings=warnings))


def with_ruled_pages(doc: Document) -> Document:
    """`doc` with pages, and its rules, printed page numbers and converter's notes as furniture, when its text
    marks page breaks with "---" lines (a PDF converted to Markdown, as scanned minutes often are)."""
    paged = ruled_pages(doc.text)
    if paged is None:
        return doc
    starts, furniture = paged
    return replace(
        doc,
        page_starts=starts,
        page_labels=furniture.labels if any(furniture.labels) else (),
        furniture=furniture.spans,
        hyphens=line_end_hyphens(doc.text),
    )


def decode(data: bytes, path: Path) -> tuple[str, tuple[str, ...]]:
    """Bytes to text: a byte-order mark, else UTF-8, else a stated guess; never fails on odd bytes."""
    text, warnings = _decode(data)
    sample = text[:_SAMPLE]
    if len(_CONTROL.findall(sample)) > len(sample) // 50:
        raise UnreadableFile(path, "not text: mostly control bytes (binary data with a text suffix?)")
    return text, warnings


def _decode(data: bytes) -> tuple[str, tuple[str, ...]]:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding), ()
            except UnicodeDecodeError:
                text = data[len(bom) :].decode(encoding, errors="replace")
                return text, (f"invalid {encoding} after its byte-order mark; bad bytes shown as U+FFFD",)
    try:
        return data.decode("utf-8"), ()
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = len(text) - len(text.encode("ascii", errors="ignore")) - bad
    if bad <= good:  # mostly UTF-8 with a few broken bytes: re-decoding as cp1252 would garble the rest
        return text, (f"{bad} invalid UTF-8 byte sequence(s) shown as U+FFFD",)
    try:
        text = data.decode("cp1252")
        return text, ("not UTF-8; assumed Windows-1252 (cp1252): check accented letters and quotes",)
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None:
        return str(best), (f"not UTF-8; assumed {best.encoding} (guessed by charset-normalizer)",)
    return data.decode("latin-1"), ("not UTF-8 and no encoding fits; assumed Latin-1",)


def normalise_newlines(text: str) -> str:
    """Turn "\\r\\n" and lone "\\r" into "\\n"."""
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def clean_title(line: str) -> str:
    """One line as a title: whitespace collapsed, markdown `#`/`*`/`_` markers stripped, at most 200 chars."""
    line = " ".join(line.strip()[: TITLE_MAX * 4].split())
    line = line.lstrip("#").strip().strip("*_").strip()
    return line[:TITLE_MAX].rstrip()


def title_from_text(text: str) -> str:
    """The first line with a letter or digit in it, cleaned by `clean_title`; "" if none."""
    pos, end = 0, len(text)
    while pos < end:
        stop = text.find("\n", pos)
        if stop == -1:
            stop = end
        title = clean_title(text[pos:stop])
        if any(c.isalnum() for c in title):
            return title
        pos = stop + 1
    return ""
