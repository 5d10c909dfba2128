"""A question answered: the answer first, then the ranked passages grouped into one card per paper item.

Built on the one `search()`: passages stay the retrieval unit; the answer and the cards are how they are
shown. Every span is a pair of offsets into the document's stored text, so what is shown is verbatim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from precedent.corpus.chunking import LIST_ITEM
from precedent.corpus.links import ItemKey
from precedent.index.bm25 import terms
from precedent.index.context import Place, named_place, passage_at, place_of
from precedent.index.decisions import block_span, item_decision, item_election
from precedent.index.filters import Filters
from precedent.index.highlight import LEAD_IN, reply_start, sentence_spans
from precedent.index.hit import Citation, Hit
from precedent.index.index import Index
from precedent.index.rerank import asks_for
from precedent.index.search import DEFAULT_CONFIG, SearchConfig, search

from precedent.display import shown_slice

NUMBER_WORDS = re.compile(
    r"\b(how (?:many|much|often|long)|what (?:number|percentage|proportion|share|amount|cost|figure)"
    r"|number of|percentage|per ?cent|cost|budget|£)",
    re.IGNORECASE,
)
WHEN_WORDS = re.compile(r"\b(when|what date|which date|what day)\b", re.IGNORECASE)
WHO_WORDS = re.compile(
    r"(?:^|[,;:]\s*|\b(?:and|or)\s+)(?:who|whose)\b|\bwhich (?:officer|member|councillor)s?\b", re.IGNORECASE
)
"""A question asking who: "Who chaired ...", "At the June meeting, who proposed ...", "... and whom did he defeat";
not a relative "who" ("people who bring their own cup", "the house whose owner died")."""
TABLE_RULE = re.compile(r"\|\s*-{2,}|NUMBER:")
TABLE_CELL = re.compile(r"[\t|]")
"""A table row's cell break: a row marked for a who question holds its name in a cell ("Air Quality\tHamish
Simmonds"), titled or not."""
RULE_LINE = re.compile(r"(?m)^[ \t]*\|[ \t:|-]*-{2,}[ \t:|-]*(?:\n|$)")
"""A pipe table's rule line ("|---|--|"): markup, not wording; an answer that quotes a table leaves it out."""
QUESTION_WORDS = frozenset(
    terms("what when where who whom whose which why how about did does do was were is are has have had any many much")
)
"""Words that make a question a question: they say nothing of its topic, so support ignores them."""
FIGURE = re.compile(r"[£€$]\s?\d|\d[\d,.]*\s?%|\b\d[\d,]*(?:\.\d+)?\b")
UNITS = (
    (
        re.compile(
            r"(?i)\b(?:cost\w*|budget\w*|spen[dt]\w*|fund\w*|prices?|fees?|penalt\w*|expenditure|income|rent|grants?|paid|pay)\b"
        ),
        re.compile(r"(?i)[£€$]\s?\d|\d\s?(?:m|bn|k|million|billion)\b|\b(?:euro|pounds?)\b"),
    ),
    (re.compile(r"(?i)\b(?:percent\w*|proportion|share|rate)\b"), re.compile(r"(?i)\d\s?%|\bper ?cent\b")),
)
"""A figure question asking about money or a share, and how a sentence states one: such a sentence answers
before another holding some other number ("How much URDF funding ..." is answered by "€73,400,000", not by a
population of 50,000)."""
LABEL = re.compile(
    r"(?i)(?:\b(?:tier|section|minute|item|page|paragraph|appendix|no|number|phase|level|stage|part|priority"
    r"|recommendation|ward|room|covid)\W{0,3}|[-/])$"
)
"""A number that labels something ("tier 3", "Section 183", "Covid-19") is not a figure answering "how many"."""
YEAR_ONLY = re.compile(r"(?:19|20)\d\d")
PROPOSER_ASKED = re.compile(r"(?i)\bwho\b.{0,40}?\b(?:proposed|seconded|nominated|moved)\b")
"""A question asking who proposed, seconded or nominated a motion or a candidate."""
ELECTED_ASKED = re.compile(r"(?i)\bwho\b.{0,60}?\b(?:elected|appointed|became|chosen)\b")
"""A question asking who won an election: "Who was elected Cathaoirleach ...", "Who became Mayor ..."."""
PERSON = re.compile(
    r"\b(?:Councillors?|Cllrs?|Cmhlr|Mr|Mrs|Ms|Miss|Dr|Professor|Superintendent|Inspector|Sergeant|Garda(?! S[ií]och))"
    r"\b\.?\s+[A-Z]"
    r"|\((?:Chair|Vice[- ]Chair|Deputy Chair)\)|\bby\s+(?:[A-Z][\w'’-]+\s+){1,3}?[A-Z][\w'’-]+"
)
"""A sentence naming a person, or whoever did a thing ("chaired by Sara Roach", "by Coventry University"): what
a "who" question is answered with."""
PROPOSER = re.compile(r"(?i)\b(?:proposed|seconded|nominated|moved)(?::|\s+by\b)|\bon the proposal of\b")
"""A sentence naming a proposer or seconder: "Proposed by Councillor X;", "Seconded by: Councillor Y"."""
PROPOSERS_APART = 60
"""Proposer and seconder lines this close are one list ("Proposed by Councillor M. Ryan;" "Seconded by ...")."""
NEAR = 300
"""Sentences this close are shown as one stretch of text rather than apart."""
LIST_LABEL = re.compile(r"[ \t*]*(?:\([a-zA-Z0-9]{1,3}\)|[a-z0-9]{1,3}[.)])[ \t*]*")
"""A line that is only a list label ("(c)", "4.", "b)"), the start of the list's next part; not an initial
("A." of "A. Ryan")."""
FOLLOWING = 1
MAX_ANSWER = 600
"""An answer's marked sentence takes up to `FOLLOWING` sentences after it, within `MAX_ANSWER` characters."""
FIGURE_AMONG = 3
"""A number question's answer is the first of this many passages with a sentence holding a figure."""
MIN_SUPPORT = 0.4
"""The answer is given as an answer when its passage holds at least this share of the question's idf
weight; below it the page says "closest passages" (docs/design.md has the measurement)."""


@dataclass(frozen=True)
class Answer:
    """The verbatim sentences (or RESOLVED block) that best answer a question, with their citation."""

    text: str
    """The answer's wording as a reader sees it (`precedent.display.readable`: no conversion markup)."""
    kind: str
    """"decision" (a whole RESOLVED block, or a debate's marked sentences and its item's decision), "figure",
    "date", "names" or "passage"."""
    confident: bool
    """False when the evidence is weak: shown as the closest passage, not as an answer."""
    citation: Citation
    doc_id: str
    start: int
    end: int
    """Offsets of the answer in the document's text; `text` is the marked parts between them."""
    marks: tuple[tuple[int, int], ...] = ()
    """Offsets into the document's text of the sentences or resolution parts that matched."""
    rank: int = 1
    """The rank of the passage the answer was taken from."""
    refers_to: tuple[Place, ...] = ()
    """The minutes and meetings the answer's item refers to: what came before it."""
    referred_by: tuple[Place, ...] = ()
    """The items of the archive that refer to the answer's item: what came after it."""

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "kind": self.kind,
            "confident": self.confident,
            "heading": self.citation.heading(),
            "citation": self.citation.line(),
            "doc": self.doc_id,
            "start": self.start,
            "end": self.end,
            "marks": [list(m) for m in self.marks],
            "rank": self.rank,
            "page": self.citation.page,
            "refers_to": [p.to_dict() for p in self.refers_to],
            "referred_by": [p.to_dict() for p in self.referred_by],
            "url": self.citation.url,
        }


@dataclass(frozen=True)
class Group:
    """One card: a minute, agenda item or report section, with its ranked passages in document order."""

    citation: Citation
    hits: tuple[Hit, ...]
    resolution: tuple[int, int] | None = None
    """The whole RESOLVED block of the item, in document offsets, when a passage of it was found."""
    resolution_marks: tuple[tuple[int, int], ...] = field(default=())
    """The parts of the block that were found, in document offsets."""
    refers_to: tuple[Place, ...] = ()
    referred_by: tuple[Place, ...] = ()

    @property
    def rank(self) -> int:
        return min(h.rank for h in self.hits)

    def to_dict(self, text: str) -> dict:
        block = None
        if self.resolution:
            start, end = self.resolution
            block = {
                "text": text[start:end],
                "start": start,
                "end": end,
                "marks": [list(m) for m in self.resolution_marks],
            }
        return {
            "heading": self.citation.heading(),
            "citation": self.citation.line(),
            "doc": self.citation.doc_id,
            "item": self.citation.item,
            "url": self.citation.url,
            "passages": [h.rank for h in self.hits],
            "resolution": block,
            "refers_to": [p.to_dict() for p in self.refers_to],
            "referred_by": [p.to_dict() for p in self.referred_by],
        }


@dataclass(frozen=True)
class Answered:
    """What `ask` returns: the answer (None when nothing matches), the cards, and the ranked passages."""

    query: str
    answer: Answer | None
    groups: tuple[Group, ...]
    hits: tuple[Hit, ...]

    def to_dict(self, index: Index) -> dict:
        """The JSON of `precedent search --json` and the app's API; `results` keeps the passage shape."""
        return {
            "query": self.query,
            "answer": self.answer.to_dict() if self.answer else None,
            "groups": [g.to_dict(index.documents[g.citation.doc_id]["text"]) for g in self.groups],
            "results": [h.to_dict() for h in self.hits],
        }


def ask(
    index: Index,
    query: str,
    *,
    k: int = 10,
    filters: Filters = Filters(),
    config: SearchConfig = DEFAULT_CONFIG,
    encoder=None,
) -> Answered:
    """Answer `query` from the index: `search()`'s passages, the answer taken from them, and their cards.

    Args:
        index: a loaded `Index`.
        query: the question, at most 1,000 characters.
        k: how many passages to rank (1-100); the cards group these.
        filters: committee, meeting date range and paper types to keep.
    """
    hits = search(index, query, k=k, filters=filters, config=config, encoder=encoder)
    groups = group_hits(index, hits)
    answer = answer_of(index, query, hits)
    if answer is not None:
        refers_to, referred_by = cross_references(index, hits[0].chunk)
        answer = replace(answer, refers_to=refers_to, referred_by=referred_by)
    return Answered(query.strip(), answer, tuple(groups), tuple(hits))


def cross_references(index: Index, chunk) -> tuple[tuple[Place, ...], tuple[Place, ...]]:
    """What the item holding `chunk` refers to, and what refers to it: places of the archive, then the
    meetings it names that the archive does not hold."""
    if chunk.item is None:
        return (), ()
    key = ItemKey.of(chunk)

    def places(keys) -> tuple[Place, ...]:
        found = [place_of(index, k) for k in keys if k is not None and k != key]
        seen, out = set(), []
        for place in found:
            if place and (place.doc_id, place.start) not in seen:
                seen.add((place.doc_id, place.start))
                out.append(place)
        return tuple(out)

    outgoing = index.references_from(key)
    unheld = {
        (place.heading, ""): place
        for link in outgoing
        if link.target is None
        and link.reference.kind != "same minutes"
        and (place := named_place(link.reference)).heading
    }
    return (
        places(link.target for link in outgoing) + tuple(unheld.values()),
        places(link.source for link in index.references_to(key)),
    )


def question_kind(query: str) -> str:
    """What the question asks for: "decision", "figure", "date", "names" or "passage"."""
    if asks_for("resolved", query) or asks_for("recommendation", query):
        return "decision"
    if NUMBER_WORDS.search(query):
        return "figure"
    if WHEN_WORDS.search(query):
        return "date"
    if WHO_WORDS.search(query):
        return "names"
    return "passage"


def answer_of(index: Index, query: str, hits: list[Hit]) -> Answer | None:
    """The answer to `query` from the best passage; None when there is no passage."""
    if not hits:
        return None
    top = hits[0]
    kind = question_kind(query)
    record = index.documents[top.chunk.doc_id]
    text = record["text"]
    support = _support(index, query, top)
    confident = support >= MIN_SUPPORT
    if kind == "decision" and top.chunk.kind == "resolved":
        start, end = block_span(record, top.chunk.start) or (top.chunk.start, top.chunk.end)
        marks = tuple(
            (h.chunk.start, h.chunk.end)
            for h in sorted(hits, key=lambda h: h.chunk.start)
            if h.chunk.doc_id == top.chunk.doc_id and start <= h.chunk.start < end
        )
        return Answer(
            shown_slice(text, start, end, record.get("furniture", ())).strip(),
            "decision",
            confident,
            top.citation().spanning(record.get("page_starts"), start, end),
            top.chunk.doc_id,
            start,
            end,
            marks,
        )
    spans = _with_following([(top.chunk.start + s, top.chunk.start + e) for s, e in top.highlights], top)
    citation = top.citation()
    if kind == "decision":  # a passage debating a minute item: its marked sentences, then the item's decision
        decided = item_decision(record, top.chunk.start)
        if decided and spans and not any(a < decided[1] and decided[0] < b for a, b in spans):
            spans = sorted([*spans, decided])
            citation = citation.spanning(record.get("page_starts"), spans[0][0], spans[-1][1])
        else:
            kind = "passage"
    elected = item_election(record, top.chunk.start) if kind == "names" and ELECTED_ASKED.search(query) else []
    if elected:  # the nomination of the one declared elected, and the declaration, not the other nominations
        spans = elected
        declared = passage_at(index, top.chunk.doc_id, spans[-1][0])
        citation = (Citation.of(declared) if declared else citation).spanning(
            record.get("page_starts"), spans[0][0], spans[-1][1]
        )  # cited where the result is declared, which may be past the passage found
    elif kind == "names" and PROPOSER_ASKED.search(query):
        spans = _with_proposers(spans, top, text)
    elif kind == "names" and not any(PERSON.search(text, a, b) or TABLE_CELL.search(text, a, b) for a, b in spans):
        named = _named(index, query, top)  # "who chaired" marks the meeting's title line, which shares its date
        spans = _with_following([named], top) if named else spans
    if kind == "figure":
        # the first passage stating the kind of figure asked for (money, a share), else the first with any
        figures = [(hit, found) for hit in hits[:FIGURE_AMONG] if (found := _figure(index, query, hit)) is not None]
        found = next((pair for pair in figures if pair[1][1]), figures[0] if figures else None)
        if found:
            hit, (span, _) = found
            if hit is not top:
                top, record, text = hit, index.documents[hit.chunk.doc_id], index.documents[hit.chunk.doc_id]["text"]
                confident, citation = _support(index, query, top) >= MIN_SUPPORT, top.citation()
            spans = _with_following([span], top)
        else:  # a number question answered without a number is no answer
            kind, confident = "passage", False
    if not spans:
        spans = [(top.chunk.start, top.chunk.end)]
    furniture = record.get("furniture", ())
    shown = " … ".join(RULE_LINE.sub("", shown_slice(text, s, e, furniture)).strip(" \t\n|") for s, e in spans)
    if kind == "date" and not any(_names_a_date(text[s:e]) for s, e in spans):
        if not citation.date_text:
            kind = "passage"
        else:  # the question asks when: the meeting's date answers it
            shown = f"{citation.date_text}: {shown}"
    elif kind not in ("names", "date", "figure", "decision"):
        kind = "passage"
    return Answer(
        shown,
        kind,
        confident,
        citation,
        top.chunk.doc_id,
        spans[0][0],
        spans[-1][1],
        tuple(spans),
    )


def group_hits(index: Index, hits: list[Hit]) -> list[Group]:
    """One group per paper item (or section), in the order of its best passage, passages in document order."""
    grouped: dict[tuple, list[Hit]] = {}
    for hit in hits:
        c = hit.chunk
        key = (c.doc_id, c.paper_type, c.paper_title, c.meeting_date, c.item if c.item is not None else c.section)
        grouped.setdefault(key, []).append(hit)
    groups = []
    for members in grouped.values():
        members.sort(key=lambda h: h.chunk.start)
        first = min(members, key=lambda h: h.rank).chunk
        citation = Citation.of(first)
        if first.item is not None:
            citation = replace(citation, section="", page=min_page(members))
        record = index.documents[first.doc_id]
        resolution, marks = None, ()
        resolved = [h for h in members if h.chunk.kind == "resolved"]
        if resolved:
            resolution = block_span(record, resolved[0].chunk.start)
            if resolution:
                marks = tuple(
                    (h.chunk.start, h.chunk.end) for h in resolved if resolution[0] <= h.chunk.start < resolution[1]
                )
        refers_to, referred_by = cross_references(index, first)
        groups.append(Group(citation, tuple(members), resolution, marks, refers_to, referred_by))
    return sorted(groups, key=lambda g: g.rank)


def min_page(hits: list[Hit]) -> int | None:
    pages = [h.chunk.page for h in hits if h.chunk.page]
    return min(pages) if pages else None


def _holds_figure(sentence: str) -> bool:
    """Whether a sentence states an amount, count or share: a number that is neither a year nor a label."""
    for match in FIGURE.finditer(sentence):
        number = match.group(0)
        if YEAR_ONLY.fullmatch(number) or LABEL.search(sentence[max(0, match.start() - 16) : match.start()]):
            continue
        return True
    return False


def _figure(index: Index, query: str, hit: Hit) -> tuple[tuple[int, int], bool] | None:
    """The passage's sentence holding a figure that shares most of the question's weight, if any does, one
    stating the kind of figure asked for (`UNITS`) first; and whether it states that kind."""
    text = index.documents[hit.chunk.doc_id]["text"]
    weights = _question_weights(index, query)
    unit = next((stated for asked, stated in UNITS if asked.search(query)), None)
    figures = [
        (bool(unit and unit.search(text[a:b])), sum(weights.get(t, 0.0) for t in terms(text[a:b])), (a, b))
        for a, b in _sentences(hit)
        if _holds_figure(text[a:b]) and not TABLE_RULE.search(text[a:b])
    ]
    figures = [figure for figure in figures if figure[1] > 0]
    reply = reply_start(hit.chunk.unbroken)
    if reply is not None:  # a figure in the question as asked ("the €20,000 allocation") is not its answer
        replying = [figure for figure in figures if figure[2][0] >= hit.chunk.start + reply]
        figures = replying or figures
    if not figures:
        return None
    stated, _, span = max(figures, key=lambda figure: figure[:2])
    return span, stated


def _question_weights(index: Index, query: str) -> dict[str, float]:
    """The idf of each stemmed word of the question, its question words ("what", "about") left out."""
    return index.keywords.idf(terms(query) - QUESTION_WORDS)


def _named(index: Index, query: str, hit: Hit) -> tuple[int, int] | None:
    """The passage's sentence naming a person that shares most of the question's weight, if any does."""
    text = index.documents[hit.chunk.doc_id]["text"]
    weights = _question_weights(index, query)
    named = [(sum(weights.get(t, 0.0) for t in terms(text[a:b])), (a, b)) for a, b in _sentences(hit)]
    named = [pair for pair in named if pair[0] > 0 and PERSON.search(text, *pair[1])]
    return max(named, key=lambda pair: pair[0])[1] if named else None


def _with_following(spans: list[tuple[int, int]], hit: Hit) -> list[tuple[int, int]]:
    """The marked sentences, the last one joined by the sentences after it up to `FOLLOWING` more: the words a
    question shares usually name the topic, and the answer often comes in the next sentence."""
    if not spans or not FOLLOWING:
        return spans
    text = hit.chunk.unbroken
    after = [s for s in _sentences(hit, marked_first=False) if s[0] >= spans[-1][1]][:FOLLOWING]
    if any(LIST_LABEL.fullmatch(text, a - hit.chunk.start, b - hit.chunk.start) for a, b in after):
        return spans  # the next is another part of a list ("(c)"), not more of this one
    if any(PROPOSER.match(text, a - hit.chunk.start, b - hit.chunk.start) for a, b in after):
        return spans  # the next opens another motion ("Proposed by Councillor X;")
    if after and after[-1][1] - spans[-1][0] <= MAX_ANSWER:
        spans = [*spans[:-1], (spans[-1][0], after[-1][1])]
    return _with_list(spans, hit)


def _with_list(spans: list[tuple[int, int]], hit: Hit) -> list[tuple[int, int]]:
    """The answer ending in a lead-in ("A number of current services will be decommissioned. These include:")
    goes on with the list it introduces, within `MAX_ANSWER` characters: the list is what it says."""
    text, base = hit.chunk.unbroken, hit.chunk.start
    if not LEAD_IN.search(text[spans[-1][0] - base : spans[-1][1] - base].rstrip()):
        return spans
    end = spans[-1][1]
    for a, b in (s for s in _sentences(hit, marked_first=False) if s[0] >= spans[-1][1]):
        if not LIST_ITEM.match(text, a - base) or b - spans[-1][0] > MAX_ANSWER:
            break
        end = b
    return [*spans[:-1], (spans[-1][0], end)]


def _with_proposers(spans: list[tuple[int, int]], hit: Hit, text: str) -> list[tuple[int, int]]:
    """The marked sentences with the proposer and seconder lines nearest them in the passage: "who proposed X
    for Mayor" marks the sentence naming X, while the names asked for are in "Proposed by ...; Seconded by ..."."""
    sentences = _sentences(hit, marked_first=False)
    named = [i for i, (a, b) in enumerate(sentences) if PROPOSER.search(text, a, b)]
    if not spans or not named or any(a <= sentences[i][0] < b for i in named for a, b in spans):
        return spans
    nearest = min(named, key=lambda i: abs(sentences[i][0] - spans[0][0]))
    start, end = sentences[nearest]
    for i in reversed([i for i in named if i < nearest]):  # the lines naming the others, as printed together
        if start - sentences[i][1] > PROPOSERS_APART:
            break
        start = sentences[i][0]
    for i in (i for i in named if i > nearest):
        if sentences[i][0] - end > PROPOSERS_APART:
            break
        end = sentences[i][1]
    merged: list[tuple[int, int]] = []
    for a, b in sorted([*spans, (start, end)]):
        if merged and a - merged[-1][1] <= NEAR:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def _sentences(hit: Hit, *, marked_first: bool = True) -> list[tuple[int, int]]:
    """The passage's sentences in document offsets, the highlighted ones first unless `marked_first` is False."""
    base = hit.chunk.start
    spans = [(base + a, base + b) for a, b in sentence_spans(hit.chunk.unbroken, hit.chunk.wrapped)]
    if not marked_first:
        return spans
    marked = [(base + s, base + e) for s, e in hit.highlights]
    inside = [s for s in spans if any(a <= s[0] < b for a, b in marked)]
    return inside + [s for s in spans if s not in inside]


def _shares(query: str, sentence: str) -> bool:
    return bool(terms(query) & terms(sentence))


def _names_a_date(text: str) -> bool:
    from precedent.index.rerank import YEAR_WRITTEN, dates_named

    return bool(dates_named(text)) or bool(YEAR_WRITTEN.search(text))


def _support(index: Index, query: str, hit: Hit) -> float:
    """The share of the question's idf weight the passage (with its header) holds."""
    weights = _question_weights(index, query)
    if not weights:
        return 0.0
    held = terms(hit.chunk.indexed_text)
    return sum(w for t, w in weights.items() if t in held) / sum(weights.values())
