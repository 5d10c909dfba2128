"""Acronyms the papers define ("Domestic Violence and Abuse (DVA)"), used to widen a question's words.

Council papers lean on acronyms (DVA, SRO, PSPO, SCR) that a member may or may not spell out. The
index collects every definition the papers themselves make, so a question saying "DVA" also finds
"domestic violence and abuse", and one saying "senior responsible owner" also finds "SRO". Nothing is
hand-listed: a corpus with other acronyms gets its own glossary.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

DEFINITION = re.compile(r"((?:[A-Za-z][\w'’-]*[ ,&-]+){1,12}?)\(([A-Z][A-Za-z&]{1,9})\)")
"""Up to twelve words followed by a parenthesised acronym: "Senior Responsible Owner (SRO)"."""
WORD = re.compile(r"[\w'’-]+")
JOINING = frozenset({"and", "of", "the", "for", "in", "on", "to", "a", "an", "&"})
"""Words acronyms usually skip ("Department for Work and Pensions (DWP)")."""


def definitions(text: str) -> dict[str, str]:
    """Acronym -> long form for every definition in `text` whose initials spell the acronym.

    The long form is the shortest run of words before the brackets, not starting with a joining word,
    whose initials (joining words skipped) are the acronym's capitals: "CSPs" -> "Community Safety
    Partnerships". The first definition of an acronym wins.
    """
    found: dict[str, str] = {}
    for match in DEFINITION.finditer(text):
        acronym = match.group(2)
        if acronym in found:
            continue
        capitals = "".join(ch for ch in acronym if ch.isupper())
        words = WORD.findall(match.group(1))
        for n in range(1, len(words) + 1):
            candidate = words[-n:]
            if candidate[0].lower() in JOINING:
                continue
            initials = "".join(w[0].upper() for w in candidate if w.lower() not in JOINING)
            if initials == capitals:
                found[acronym] = " ".join(candidate)
                break
    return found


@dataclass(frozen=True)
class Glossary:
    terms: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, texts: Iterable[str]) -> Glossary:
        terms: dict[str, str] = {}
        for text in texts:
            for acronym, long_form in definitions(text).items():
                terms.setdefault(acronym, long_form)
        return cls(dict(sorted(terms.items())))

    def expand(self, query: str) -> str:
        """The query with the long form of each acronym it uses (written in capitals, as defined) and the
        acronym of each long form it spells out appended; unchanged when it has neither."""
        words = set(WORD.findall(query))
        lowered = query.lower()
        extra = [long for acronym, long in self.terms.items() if acronym in words]
        extra += [
            acronym
            for acronym, long in self.terms.items()
            if acronym not in words and re.search(rf"\b{re.escape(long.lower())}\b", lowered)
        ]
        return f"{query} {' '.join(extra)}" if extra else query

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.terms, ensure_ascii=False, indent=0), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Glossary:
        """The glossary saved with a generation; an index built before glossaries existed has none."""
        if not path.exists():
            return cls()
        return cls(json.loads(path.read_text(encoding="utf-8")))
