"""Errors meant for users: each message says what to do next.

The library raises these and never prints; the CLI turns them into one line and exit code 1, the app
into `gr.Error`.
"""

from __future__ import annotations


class PrecedentError(Exception):
    """Base class for errors a user can act on."""


class UnreadableFile(PrecedentError):
    """A paper could not be read; the rest of the corpus is still indexed."""

    def __init__(self, path: str, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class CorpusError(PrecedentError):
    """The corpus as a whole cannot be used (missing folder, nothing readable)."""


class IndexMissing(PrecedentError):
    """No index where one was expected."""


class IndexMismatch(PrecedentError):
    """An index built with another model or format version."""


class ModelUnavailable(PrecedentError):
    """The embedding model cannot be loaded."""


class InvalidQuery(PrecedentError):
    """A query or filter the search cannot accept."""


class FetchError(PrecedentError):
    """A site, or one document on it, could not be fetched; `status` is the HTTP status when there was one."""

    def __init__(self, url: str, reason: str, status: int | None = None):
        self.url = str(url)
        self.reason = reason
        self.status = status
        super().__init__(f"{self.url}: {reason}")
