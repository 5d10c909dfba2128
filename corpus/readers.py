"""Files on disk to `Document`s: walks folders, picks a reader by suffix, reports every failure."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from precedent.corpus.document import Document
from precedent.corpus.published import Published, read_manifest

from precedent.errors import CorpusError, UnreadableFile

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf", ".docx", ".jsonl")
MAX_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class ReadResult:
    """What `read_corpus` found: the documents read, and every file (or record) that could not be read."""

    documents: tuple[Document, ...]
    failures: tuple[UnreadableFile, ...]


def read_corpus(paths: Sequence[str | Path]) -> ReadResult:
    """Read every paper under `paths`; a file that cannot be read becomes a failure, never silently dropped.

    Args:
        paths: folders (walked recursively in sorted order, hidden entries skipped; a file's doc_id is its
            path relative to the folder), single files (doc_id is the file name), or `.jsonl` files of
            `{"_id", "title", "text"}` records (doc_id is `_id`).

    Raises:
        CorpusError: no paths were given, or one does not exist.
    """
    roots = _roots(paths)
    documents: list[Document] = []
    failures: list[UnreadableFile] = []
    owners: dict[str, str] = {}  # doc_id -> the source that first used it
    files_read: dict[str, Path] = {}  # real path -> the path it was read as
    dirs_seen: set[str] = set()
    for root in roots:
        found = _walk(root, dirs_seen) if root.is_dir() else iter([(root, root.name)])
        published = _published(root)
        for item in found:
            if isinstance(item, UnreadableFile):
                failures.append(item)
                continue
            path, doc_id = item
            real = os.path.realpath(path)
            if real in files_read:
                failures.append(UnreadableFile(path, f"same file as {files_read[real]}, already read"))
                continue
            files_read[real] = path
            docs, bad = _read(path, doc_id)
            failures.extend(bad)
            stated = published.get(doc_id if root.is_dir() else root.name)
            for doc in docs:
                doc = replace(doc, published=stated) if stated else doc
                if doc.doc_id in owners:
                    failures.append(
                        UnreadableFile(
                            path,
                            f"doc_id {doc.doc_id!r} is already used by {owners[doc.doc_id]}; rename one, "
                            "or pass their common parent folder so each id keeps its subfolder",
                        )
                    )
                    continue
                owners[doc.doc_id] = doc.source
                documents.append(doc)
    return ReadResult(tuple(documents), tuple(failures))


def read_file(path: Path, doc_id: str) -> list[Document]:
    """One file's documents: one, or one per record of a `.jsonl`.

    Args:
        path: the file; its suffix picks the reader.
        doc_id: the id to give the document (ignored for `.jsonl`, whose records carry `_id`).

    Raises:
        UnreadableFile: the file, or any record in it, cannot be read.
    """
    path = Path(path)
    documents, failures = _read(path, doc_id)
    if not failures:
        return documents
    first = failures[0]
    if len(failures) == 1:
        raise first
    raise UnreadableFile(path, f"{first.reason} (and {len(failures) - 1} more problems in this file)")


def _published(root: Path) -> dict[str, Published]:
    """What a fetch manifest in the folder (or beside the file) states about its files, by relative path."""
    folder = root if root.is_dir() else root.parent
    if not os.access(folder, os.R_OK | os.X_OK):  # the walk reports a folder it cannot list, by name
        return {}
    return read_manifest(folder)


def _roots(paths: Sequence[str | Path]) -> list[Path]:
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    roots = [Path(p) for p in paths]
    what = f"pass a folder of papers ({', '.join(SUPPORTED_SUFFIXES)}) or a .jsonl file of {{_id, title, text}}"
    if not roots:
        raise CorpusError(f"no corpus paths given; {what}")
    for root in roots:
        if not os.path.exists(root):
            raise CorpusError(f"no such file or folder: {root}; {what}")
    return roots


def _readers() -> dict[str, Callable[[bytes, Path, str], Document]]:
    from precedent.corpus.docx import read_docx
    from precedent.corpus.html import read_html
    from precedent.corpus.pdf import read_pdf
    from precedent.corpus.text import read_text

    return {
        ".txt": read_text,
        ".md": read_text,
        ".html": read_html,
        ".htm": read_html,
        ".pdf": read_pdf,
        ".docx": read_docx,
    }


def _read(path: Path, doc_id: str) -> tuple[list[Document], list[UnreadableFile]]:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        kind = f"'{suffix}'" if suffix else "(no suffix)"
        return [], [UnreadableFile(path, f"unsupported file type {kind}; supported: {', '.join(SUPPORTED_SUFFIXES)}")]
    try:
        data = _load(path)
        if suffix == ".jsonl":
            from precedent.corpus.jsonl import read_jsonl

            return read_jsonl(data, path)
        return [_readers()[suffix](data, path, doc_id)], []
    except UnreadableFile as failure:
        return [], [failure]
    except Exception as error:  # a reader's bug or a library's on odd input: one file fails, not the corpus
        return [], [UnreadableFile(path, f"could not be read ({type(error).__name__}: {error})")]


def _load(path: Path) -> bytes:
    """The file's bytes, refusing what is not a regular file or is over `MAX_BYTES`."""
    try:
        info = os.stat(path)
    except OSError as error:
        raise UnreadableFile(path, _os_reason(error)) from None
    if not stat.S_ISREG(info.st_mode):
        raise UnreadableFile(path, "not a regular file (a device, pipe or socket?)")
    if info.st_size > MAX_BYTES:
        raise UnreadableFile(path, _too_large(info.st_size))
    try:
        with open(path, "rb") as file:
            data = file.read(MAX_BYTES + 1)
    except OSError as error:
        raise UnreadableFile(path, _os_reason(error)) from None
    if len(data) > MAX_BYTES:
        raise UnreadableFile(path, _too_large(len(data)))
    if not data:
        raise UnreadableFile(path, "empty file (0 bytes)")
    return data


def _too_large(size: int) -> str:
    return f"too large: {size:,} bytes, over the {MAX_BYTES // 2**20} MB limit; split it or extract its text"


def _os_reason(error: OSError) -> str:
    if isinstance(error, PermissionError):
        return "permission denied; give the indexing user read access"
    if error.errno == errno.ELOOP:
        return "symbolic link loop"
    if error.errno == errno.ENOENT:
        return "no such file (a broken symbolic link?)"
    return error.strerror or str(error)


def _walk(root: Path, dirs_seen: set[str]) -> Iterator[tuple[Path, str] | UnreadableFile]:
    """Files under `root` with their doc_ids, depth first in name order; a loop is reported, not followed."""
    real_root = os.path.realpath(root)
    if real_root in dirs_seen:
        yield UnreadableFile(root, "same folder as one already read")
        return
    dirs_seen.add(real_root)
    try:
        stack = [iter(_listdir(root))]
    except OSError as error:
        yield UnreadableFile(root, f"cannot list folder: {_os_reason(error)}")
        return
    ancestors = [real_root]
    while stack:
        entry = next(stack[-1], None)
        if entry is None:
            stack.pop()
            ancestors.pop()
            continue
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        try:
            is_dir, is_file = entry.is_dir(), entry.is_file()
        except OSError as error:
            yield UnreadableFile(path, _os_reason(error))
            continue
        if is_file:
            yield path, path.relative_to(root).as_posix()
        elif is_dir:
            real = os.path.realpath(path)
            if real in ancestors:
                yield UnreadableFile(path, f"symbolic link loop: points back to {real}; not followed")
            elif real in dirs_seen:
                yield UnreadableFile(path, f"link to folder {real}, which is already read; not read twice")
            else:
                dirs_seen.add(real)
                try:
                    stack.append(iter(_listdir(path)))
                    ancestors.append(real)
                except OSError as error:
                    yield UnreadableFile(path, f"cannot list folder: {_os_reason(error)}")
        else:
            try:
                os.stat(path)
                reason = "not a regular file (a device, pipe or socket?)"
            except OSError as error:
                reason = _os_reason(error)
            yield UnreadableFile(path, reason)


def _listdir(path: Path) -> list[os.DirEntry]:
    with os.scandir(path) as entries:
        return sorted(entries, key=lambda entry: entry.name)
