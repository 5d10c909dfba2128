"""JSONL corpora: one `{"_id", "title", "text"}` record a line (the BEIR corpus format), one Document each."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

from precedent.corpus.document import Document
from precedent.corpus.text import clean_title, normalise_newlines, title_from_text, with_ruled_pages

from precedent.errors import UnreadableFile


def read_jsonl(data: bytes, path: Path) -> tuple[list[Document], list[UnreadableFile]]:
    """Every good record as a Document; every bad line as a failure naming its line number."""
    documents: list[Document] = []
    failures: list[UnreadableFile] = []
    first_line: dict[str, int] = {}
    data = data.removeprefix(codecs.BOM_UTF8)
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            doc_id, title, text = _record(raw)
        except ValueError as error:
            failures.append(UnreadableFile(path, f"line {number}: {error}"))
            continue
        if doc_id in first_line:
            failures.append(
                UnreadableFile(path, f"line {number}: duplicate _id {doc_id!r} (first on line {first_line[doc_id]})")
            )
            continue
        first_line[doc_id] = number
        text = normalise_newlines(text)
        document = Document(doc_id, f"{path}#{doc_id}", text, clean_title(title) or title_from_text(text))
        documents.append(with_ruled_pages(document))
    if not documents and not failures:
        raise UnreadableFile(path, "empty file (no records)")
    return documents, failures


def _record(raw: bytes) -> tuple[str, str, str]:
    try:
        record = json.loads(raw)
    except UnicodeDecodeError:
        raise ValueError("not UTF-8") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"invalid JSON ({error.msg} at column {error.colno})") from None
    if not isinstance(record, dict):
        raise ValueError('expected a JSON object {"_id", "title", "text"}')
    doc_id, title, text = record.get("_id"), record.get("title") or "", record.get("text")
    if isinstance(doc_id, int) and not isinstance(doc_id, bool):
        doc_id = str(doc_id)
    if not isinstance(doc_id, str) or not doc_id.strip():
        raise ValueError("missing or empty '_id' (a string)")
    if not isinstance(title, str):
        raise ValueError(f"'title' must be a string, not {type(title).__name__}")
    if not isinstance(text, str):
        raise ValueError("missing 'text' (a string)")
    if not text.strip():
        raise ValueError(f"empty 'text' for _id {doc_id!r}")
    return doc_id, title, text
