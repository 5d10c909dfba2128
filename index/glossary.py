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
from functools import cached_property
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
        phrase = match.group(1)
        spans = list(WORD.finditer(phrase))
        for n in range(1, len(spans) + 1):
            candidate = [m.group() for m in spans[-n:]]
            if candidate[0].lower() in JOINING:
                continue
            initials = "".join(w[0].upper() for w in candidate if w.lower() not in JOINING)
            if initials == capitals:
                found[acronym] = phrase[spans[-n].start() : spans[-1].end()]
                break
    return found


def _meaning(long_form: str) -> str:
    """ "Domestic Violence & Abuse", "domestic violence and abuse" and "Domestic Violence/Abuse" agree."""
    return " ".join(w for w in WORD.findall(long_form.lower()) if w not in JOINING)


@dataclass(frozen=True)
class Glossary:
    terms: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, texts: Iterable[str]) -> Glossary:
        """Every acronym the texts define one way only; one defined two ways ("BC" for "breast cancer"
        and for "bladder cancer") is ambiguous and left out."""
        meanings: dict[str, set[str]] = {}
        first: dict[str, str] = {}
        for text in texts:
            for acronym, long_form in definitions(text).items():
                meanings.setdefault(acronym, set()).add(_meaning(long_form))
                first.setdefault(acronym, long_form)
        return cls({acronym: first[acronym] for acronym in sorted(first) if len(meanings[acronym]) == 1})

    @cached_property
    def _long_forms(self) -> re.Pattern | None:
        """One pattern matching any long form, longest first, so a question is scanned once."""
        if not self.terms:
            return None
        forms = sorted({long.lower() for long in self.terms.values()}, key=len, reverse=True)
        return re.compile(r"\b(?:" + "|".join(re.escape(f) for f in forms) + r")\b")

    def additions(self, query: str) -> tuple[list[str], list[str]]:
        """(the long form of each acronym the query uses, written in capitals as defined; the acronym of
        each long form the query spells out)."""
        words = set(WORD.findall(query))
        long_forms = [long for acronym, long in self.terms.items() if acronym in words]
        spelled = {m.group().lower() for m in self._long_forms.finditer(query.lower())} if self._long_forms else set()
        acronyms = [a for a, long in self.terms.items() if a not in words and long.lower() in spelled]
        return long_forms, acronyms

    def expand(self, query: str, *, long_forms: bool = True, acronyms: bool = True) -> str:
        """The query with `additions` appended (either kind can be left out); unchanged when there are none."""
        longs, shorts = self.additions(query)
        extra = (longs if long_forms else []) + (shorts if acronyms else [])
        return f"{query} {' '.join(extra)}" if extra else query

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.terms, ensure_ascii=False, indent=0), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Glossary:
        """The glossary saved with a generation; an index built before glossaries existed has none."""
        if not path.exists():
            return cls()
        return cls(json.loads(path.read_text(encoding="utf-8")))
