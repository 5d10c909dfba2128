"""The chunk-independent answer rule of the council dev set, and its question file.

A returned passage answers an evidence quote when, on the passage's first 2,000 characters, the
longest run of normalised text it shares with the normalised quote is at least half the quote and at
least 20 characters (the rule published with the Coventry dev set).
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path

from precedent.errors import PrecedentError

PASSAGE_CHARS = 2000
MIN_SHARED_CHARS = 20

_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")
# The README's set `* _ # | \` > [ ]`; the backslash is dropped too, as markdown escapes (`\(`) are
# markup rather than text.
_MARKUP = "*_#|\\`>[]"


class QuestionFileError(PrecedentError):
    """A question file that cannot be read; the message names the file and line."""


@dataclass(frozen=True)
class Evidence:
    doc: str
    quote: str


@dataclass(frozen=True)
class Question:
    id: str
    query: str
    type: str
    answer: str
    evidence: tuple[Evidence, ...]


def normalise(text: str) -> str:
    """Lower-case, unescape HTML, drop tags and markdown markup characters, collapse white space.

    Unescaping comes before lower-casing so that entities for capitals (`&#65;`) fold too.
    """
    text = html.unescape(text).lower()
    if "<" in text:
        text = _TAG.sub("", text)
    for char in _MARKUP:  # str.replace is ~30x faster here than str.translate or a regex
        if char in text:
            text = text.replace(char, "")
    return " ".join(text.split())


def threshold(normalised_quote: str) -> int:
    """Shortest shared run that answers this (normalised) quote: half of it, and at least 20."""
    return max(MIN_SHARED_CHARS, (len(normalised_quote) + 1) // 2)


def shares_run(normalised_passage: str, normalised_quote: str, length: int) -> bool:
    """True when the two texts share a common substring of at least `length` characters.

    Any such substring is some `length`-window of the quote, so it suffices to look for each window in
    the passage with `str.__contains__` (C string search). Every window contains one of the anchors
    `quote[j:j+k]` for j a multiple of `length - k + 1`, so when no anchor occurs (the usual case) the
    answer is False after a handful of searches. Measured ~5-20 us for 2,000 x 260 chars against ~2 ms
    for difflib's `find_longest_match`.
    """
    passage, quote = normalised_passage, normalised_quote
    if length <= 0:
        return True
    if len(quote) < length or len(passage) < length:
        return False
    k = max(1, length // 2)
    if not any(quote[j : j + k] in passage for j in range(0, len(quote) - k + 1, length - k + 1)):
        return False
    return any(quote[i : i + length] in passage for i in range(len(quote) - length + 1))


def answers_normalised(normalised_passage: str, normalised_quote: str) -> bool:
    """`answers` for texts already truncated and passed through `normalise` (to reuse work)."""
    return shares_run(normalised_passage, normalised_quote, threshold(normalised_quote))


def answers(passage: str, quote: str) -> bool:
    """True when `passage` answers the evidence `quote` under the dev-set rule."""
    return answers_normalised(normalise(passage[:PASSAGE_CHARS]), normalise(quote))


def holds(marked: str, quote: str) -> bool:
    """True when highlighted text holds an evidence quote: the two (normalised) share a run of at least half
    the shorter one, so a marked sentence inside a long quote counts, and so does a quote inside it."""
    marked, quote = normalise(marked), normalise(quote)
    shorter = min(len(marked), len(quote))
    return shorter > 0 and shares_run(marked, quote, (shorter + 1) // 2)


def longest_shared_run(passage: str, quote: str) -> int:
    """Length of the longest common substring of the normalised passage (first 2,000 chars) and quote.

    For diagnostics; `answers` decides without computing it.
    """
    from difflib import SequenceMatcher

    a, b = normalise(passage[:PASSAGE_CHARS]), normalise(quote)
    return SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b)).size


def load_questions(path: str | Path) -> list[Question]:
    """Read a dev-set JSONL file of `{"id","query","type","answer","evidence":[{"doc","quote"}]}`.

    Raises:
        QuestionFileError: the file is missing or a line is malformed (named by file and line).
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise QuestionFileError(f"{path}: cannot read question file ({e.strerror or e})") from e
    questions: list[Question] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            question = _parse_question(json.loads(line))
        except json.JSONDecodeError as e:
            raise QuestionFileError(f"{where}: not valid JSON ({e.msg} at column {e.colno})") from e
        except ValueError as e:
            raise QuestionFileError(f"{where}: {e}") from e
        if question.id in seen:
            raise QuestionFileError(f"{where}: duplicate question id {question.id!r}")
        seen.add(question.id)
        questions.append(question)
    if not questions:
        raise QuestionFileError(f"{path}: no questions found")
    return questions


def _parse_question(record: object) -> Question:
    if not isinstance(record, dict):
        raise ValueError("expected a JSON object")
    fields = {}
    for key in ("id", "query", "type", "answer"):
        value = record.get(key)
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"field {key!r} must be a non-empty string")
        fields[key] = value
    items = record.get("evidence")
    if not isinstance(items, list) or not items:
        raise ValueError('field "evidence" must be a non-empty list of {"doc", "quote"} objects')
    evidence = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not all(isinstance(item.get(k), str) for k in ("doc", "quote")):
            raise ValueError(f'evidence[{i}] must be an object with string fields "doc" and "quote"')
        if len(normalise(item["quote"])) < MIN_SHARED_CHARS:
            raise ValueError(
                f"evidence[{i}] quote is shorter than {MIN_SHARED_CHARS} characters once normalised, "
                "so no passage can answer it; quote more of the source text"
            )
        evidence.append(Evidence(doc=item["doc"], quote=item["quote"]))
    return Question(evidence=tuple(evidence), **fields)
