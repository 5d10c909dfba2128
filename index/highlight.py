"""Marking the sentences of a passage that best answer the question, as character offsets."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from precedent.corpus.chunking import hard_wrapped
from precedent.corpus.markup import letters
from precedent.corpus.minutes import NOTICE, REPLY
from precedent.index.bm25 import terms

SENTENCE = re.compile(r"[^\n.!?;](?:[^\n.!?;]|[.!?;]+(?=[^\s.!?;]))*(?:[.!?;]+|$)", re.MULTILINE)
"""A sentence or line: ends at a line break or at . ! ? ; followed by white space, so "2.00 pm", "3.1" and
"1.2.3" stay whole. It starts with a character that cannot end one, so a line of dots is passed over in linear
time (starting anywhere in it, the pattern scanned to its end and failed: 18 s for 50,000 "!")."""
LEAD_IN = re.compile(r":-?$")
"""A sentence introducing a list ("It is recommended that the Committee:", "Requests that officers:-"): the
question's words are in it, the answer in the item it introduces, so the two are marked together."""
MIN_SENTENCE = 12
LINE_BREAK = re.compile(r"(?<!\n)\n(?!\n)")
"""A single line break: in a hard-wrapped passage (a scanned page's printed lines) it continues the sentence."""
WRAPPED_BLANK = re.compile(
    r"(?m)(?:^[^\n]{60,}[^\s.!?:;”\"*|-](?:\*\*\n\n(?=\*\*)|\n\n)(?=(?:\*\*)?(?![-•*▪·–\uf0b7]|\d+(?:\.\d+)*[.)]?\s)\S)"
    r"|[^\s.!?:;”\"*|-](?:\*\*\n\n(?=\*\*)|\n\n)(?=(?:\*\*)?(?:[a-z]|\d(?!\d*(?:\.\d+)*[.)]?\s))))"
)
"""A blank line where the sentence goes on, as a scan printed double-spaced has after every line: after a
full-width line that ends mid-sentence ("on the Old\n\nCork Road"), or before a lowercase word or a number
("approve the Part\n\n8, subject to"); not a heading's ("Briefing Note\n\nTo: ...") nor a list's
("recommended to:-\n\n1. Note", "services\n\n6.2.4 Additional", "- Specialist workers ...\n\n- Additional capacity").
A scan that bolds each printed line closes and reopens the bold around the blank line ("amounts to**\n\n**€239")."""


TITLE_NUMBERING = re.compile(r"^\s*(?:\d{1,3}[a-z]?|\(?[a-z]\))[.)]?\s+")
"""A section title's own number ("1. To elect ..."), which the sentence splitter leaves apart from it."""
SENTENCE_END = re.compile(r"[.!?;]['’”\"]?$")
TITLE_NUMBER = 4
"""How many characters a title line may hold beyond its title: its number ("43.", "3(a)")."""
HEADER_WEIGHT = 0.5
"""A question word the passage's header already has (its paper, item or section title) names the topic
every sentence of the passage shares, not the answer, so it counts half (docs/design.md)."""


def best_sentences(
    query: str,
    text: str,
    *,
    limit: int = 3,
    weights: Mapping[str, float] | None = None,
    header: str = "",
    title: str = "",
    wrapped: bool = False,
) -> tuple[tuple[int, int], ...]:
    """Offsets, in text order, of the sentence sharing the most query-word weight and of any that tie with it
    (a list of substitutes, of equally matching table rows), at most `limit`; none if no sentence shares a word.

    Args:
        weights: how much each stemmed query word counts (BM25 idf, `KeywordIndex.idf`); 1 for words not in it.
        header: the passage's context header; its words count `HEADER_WEIGHT` as much.
        title: the passage's minute item title; its own title line is marked only when nothing else shares a
            word with the question (a report's heading over a table stays with it).
        wrapped: the passage's document is hard-wrapped (`sentence_spans`).
    """
    wanted = terms(query)
    if not wanted:
        return ()
    weights = weights or {}
    topic = terms(header) if header else set()
    sentences = [(a, text[a:b]) for a, b in sentence_spans(text, wrapped) if b - a >= MIN_SENTENCE]
    reply = reply_start(text)
    if reply is not None:  # the question as asked names the topic, as a header does; its reply answers
        topic |= terms(text[:reply])
        replying = [(a, sentence) for a, sentence in sentences if a >= reply]
        if any(wanted & terms(sentence) for _, sentence in replying):
            sentences = replying
    if title:  # the item's own title line ("43. Call-In Stage 2 - ...") names the topic, not the answer
        named = letters(TITLE_NUMBERING.sub("", title))
        untitled = [(a, sentence) for a, sentence in _without_title(sentences, named) if not _is_title(sentence, named)]
        if any(wanted & terms(sentence) for _, sentence in untitled):
            sentences = untitled
    weight = {t: weights.get(t, 1.0) * (HEADER_WEIGHT if t in topic else 1.0) for t in wanted}
    spans = []
    for position, (start, sentence) in enumerate(sentences):
        shared = wanted & terms(sentence)
        if shared:
            end = start + len(sentence)
            if LEAD_IN.search(sentence) and position + 1 < len(sentences):
                # a lead-in says what follows answers; mark it with its first item
                following_start, following = sentences[position + 1]
                end = following_start + len(following)
            spans.append((sum(weight[t] for t in shared), -start, (start, end)))
    spans.sort(reverse=True)
    best = spans[0][0] if spans else 0.0
    return _merged(sorted(span for score, _, span in spans[:limit] if math.isclose(score, best)))


def _without_title(sentences: list[tuple[int, str]], title: str) -> list[tuple[int, str]]:
    """The sentences with a title line that a scan's line joining ran on into the next paragraph cut off it: the
    title, then from the blank line after it, the paragraph ("To elect ... to hold / Annual Meeting ..." and
    "The outgoing Cathaoirleach invited nominations ...")."""
    out = []
    for start, sentence in sentences:
        gap = sentence.find("\n\n")
        if gap > 0 and _is_title(sentence[:gap], title) and sentence[gap:].strip():
            rest = gap + len(sentence[gap:]) - len(sentence[gap:].lstrip())
            out += [(start, sentence[:gap]), (start + rest, sentence[rest:])]
        else:
            out.append((start, sentence))
    return out


def _is_title(sentence: str, title: str) -> bool:
    """Whether a sentence is the title line (`title` in letters only): the title after at most its number ("43.",
    "3(a)"), and nothing more unless the line runs on unpunctuated, as a title wrapped over two lines does."""
    found = letters(sentence)
    at = found.find(title) if title else -1
    if at < 0 or at > TITLE_NUMBER:
        return False
    return len(found) - at - len(title) <= TITLE_NUMBER or not SENTENCE_END.search(sentence.rstrip())


def reply_start(text: str) -> int | None:
    """Where the written reply starts in a passage that holds a councillor's question (or motion) as asked and
    its reply ("I will ask at the next Meeting ...", "REPLY: ..."), or what was said and done after a notice
    that has no reply line; None when it holds no such pair."""
    marker = REPLY.search(text)
    if marker and text[: marker.start()].strip():
        return marker.start()
    notice = NOTICE.search(text)
    if notice is None:
        return None
    end = _notice_end(text, notice.start())
    return end if text[end:].strip() else None


CLOSING = {"‘": "’", "“": "”", '"': '"', "'": "'"}
"""The quote closing each opening one; a closing one followed by a letter is an apostrophe ("Council’s")."""
EMPHASISED_LINES = re.compile(r"[ \t]*\*[^\n]*(?:\n[ \t]*(?:\n[ \t]*)?\*[^\n]*)*")
"""A run of lines set in bold or italics, blank lines between them allowed: a notice as submitted."""


def _notice_end(text: str, start: int) -> int:
    """Where a notice as submitted ends: at its closing quote when quoted, after its run of emphasised lines when
    set in bold or italics, else at the end of its sentences ("I will move ... I would also move ...")."""
    line = text.rfind("\n", 0, start) + 1
    opening = re.search(r"[‘“\"']", text[max(line, start - 4) : start])
    if opening:
        close = re.compile(rf"{re.escape(CLOSING[opening[0]])}(?![A-Za-z])").search(text, start)
        if close:
            return close.end()
    if text[line:start].lstrip().startswith("*"):
        return EMPHASISED_LINES.match(text, line).end()
    end = len(text)
    for a, b in (span for span in sentence_spans(text) if span[1] > start):
        if end < len(text) and not NOTICE.search(text, a, b):  # "I would also move that ..." goes on with it
            break
        end = b
    return end


def sentence_spans(text: str, wrapped: bool = False) -> list[tuple[int, int]]:
    """Offsets of the sentences of a passage, white space trimmed; a hard-wrapped passage's sentences run on
    across its single line breaks, and across blank lines that fall mid-sentence (`WRAPPED_BLANK`). `wrapped`:
    its document is hard-wrapped, whatever the passage alone shows."""
    found = text  # every substitution keeps the length: offsets hold
    if hard_wrapped(text) or blank_lines_wrap_sentences(text):
        found = WRAPPED_BLANK.sub(lambda m: m.group(0).replace("\n", " "), LINE_BREAK.sub(" ", text))
    elif wrapped:  # the passage alone does not show it: its blank lines inside a sentence still are no paragraph
        found = WRAPPED_BLANK.sub(lambda m: m.group(0).replace("\n", " "), text)
    spans = []
    for match in SENTENCE.finditer(found):
        stripped = match.group(0).strip()
        if stripped:
            start = match.start() + match.group(0).index(stripped[0])
            spans.append((start, start + len(stripped)))
    return spans


def blank_lines_wrap_sentences(text: str) -> bool:
    """Whether the blank lines of `text` fall inside sentences: most of them do (a double-spaced scan too short
    for `hard_wrapped` to judge: "approve the Part\n\n8, subject to ... on the Old\n\nCork Road"), or some do
    and it is printed lines, a blank after each ("... Mayor of the City and County of\n\nLimerick to hold
    office ..." between lists of names and "Proposed by" lines)."""
    blank = text.count("\n\n")
    wrapped = len(WRAPPED_BLANK.findall(text))
    return blank > 0 and (wrapped * 2 >= blank or wrapped > 0 and _printed_double_spaced(text))


PRINTED_WIDTH = 120
"""A scanned page's printed lines are at most this long; a typed paper's paragraphs are longer lines."""


def _printed_double_spaced(text: str) -> bool:
    lines = [line for line in text.split("\n") if line.strip()]
    return (
        len(lines) >= 4
        and max(len(line) for line in lines) <= PRINTED_WIDTH
        and text.count("\n\n") >= 0.8 * (len(lines) - 1)
    )


def _merged(spans: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Sorted spans with overlaps joined (a lead-in marked with its first item, and that item tying too)."""
    out: list[tuple[int, int]] = []
    for start, end in spans:
        if out and start < out[-1][1]:
            out[-1] = (out[-1][0], max(end, out[-1][1]))
        else:
            out.append((start, end))
    return tuple(out)
