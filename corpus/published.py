"""What a publishing site states about each fetched file, kept in a manifest beside the files.

`precedent fetch` writes the manifest; `read_corpus` reads it so that the committee, meeting date, agenda item,
restricted flag and source URL the site states are trusted over what is guessed from a paper's text.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, fields
from datetime import date
from pathlib import Path

from precedent.errors import CorpusError

MANIFEST_NAME = ".precedent-fetch.json"
"""Hidden, so that walking the folder for papers never reads it as one."""
MANIFEST_VERSION = 1


@dataclass(frozen=True)
class Published:
    """One fetched document as its site lists it."""

    url: str
    committee: str = ""
    committee_id: str = ""
    meeting_id: str = ""
    meeting_date: str = ""
    """ISO date of the meeting the document is listed under, or ""."""
    item: str = ""
    """The agenda item number as the site prints it ("3", "5a"), or "" for a meeting's own documents."""
    item_title: str = ""
    title: str = ""
    restricted: bool = False
    published: str = ""
    """ISO date the site says the document was published, or ""."""
    etag: str = ""
    last_modified: str = ""
    sha256: str = ""
    size: int = 0
    fetched: str = ""

    @property
    def day(self) -> date | None:
        return date.fromisoformat(self.meeting_date) if self.meeting_date else None

    @property
    def passage_key(self) -> str:
        """What of this record its document's passages carry: a change to it re-chunks the document."""
        return json.dumps([self.url, self.committee, self.meeting_date, self.item, self.restricted])

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Published:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def read_manifest(folder: Path) -> dict[str, Published]:
    """The manifest in `folder` as {path relative to folder: Published}; {} when there is none."""
    path = Path(folder) / MANIFEST_NAME
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise CorpusError(f"{path}: cannot be read ({error.strerror}); fix its permissions or delete it") from None
    try:
        data = json.loads(raw)
        return {name: Published.from_dict(entry) for name, entry in data["documents"].items()}
    except (ValueError, KeyError, TypeError, AttributeError):
        raise CorpusError(f"{path}: not a fetch manifest; delete it and run `precedent fetch` again") from None


def write_manifest(folder: Path, site: str, documents: dict[str, Published]) -> None:
    """Replace the manifest in `folder` atomically: a crash leaves the old one or the new one, never half."""
    folder = Path(folder)
    body = {
        "version": MANIFEST_VERSION,
        "site": site,
        "documents": {name: documents[name].to_dict() for name in sorted(documents)},
    }
    write_atomic(folder / MANIFEST_NAME, json.dumps(body, indent=1, ensure_ascii=False).encode("utf-8"))


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file in the same folder, renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".part-", suffix=path.suffix)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
