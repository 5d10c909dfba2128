"""References between minutes on the bundled papers: what each decision refers to, what it resolves to, and
the index storing both directions."""

from __future__ import annotations

from datetime import date

import pytest
from precedent.corpus import BUNDLED_CORPUS
from precedent.corpus.document import Document
from precedent.corpus.links import REFERENCES, Archive, ItemKey, link_references, referred_to_by
from precedent.corpus.papers import parse_document
from precedent.corpus.readers import read_corpus
from precedent.corpus.references import find_references
from precedent.corpus.structure import document_record
from precedent.index.build import build_index
from precedent.index.index import Index

from tests.conftest import DOG

MARCH_2023 = "001_e0088b1ccd8f89d9.txt"
PACK_MARCH_2023 = "002_4fffa3c2bb201242.txt"
APRIL_2023 = "003_93324c32ccbf2837.txt"
CALL_IN = ItemKey(DOG, "2015-02-04", 43)
CABINET_MINUTES = """Minutes of the meeting of Cabinet held on 6 January 2015

80. Public Space Protection Order (Coventry Dog Control)

RESOLVED that a City-wide Public Space Protection Order for the control of dogs be approved.

81. Outstanding Issues

There were no outstanding issues.
"""


def records(*extra: Document) -> list[dict]:
    documents = [*read_corpus([BUNDLED_CORPUS]).documents, *extra]
    return [document_record(parse_document(doc), "") for doc in documents]


@pytest.fixture(scope="module")
def bundled_links():
    return link_references(records())


def links_from(links, key):
    return [link for link in links if link.source == key]


def test_call_in_minute_refers_to_the_cabinet_decision_it_calls_in(bundled_links):
    text = read_corpus([BUNDLED_CORPUS / DOG]).documents[0].text
    found = links_from(bundled_links, CALL_IN)
    assert [(link.reference.kind, link.reference.text) for link in found] == [
        ("decision", "at their meeting on 6<sup>th</sup> January, 2015 Cabinet approved"),
        ("decision", "Cabinet on 6<sup>th</sup> January"),
    ]
    second = found[1].reference
    assert (second.committee, second.meeting_date) == ("Cabinet", date(2015, 1, 6))  # its year from the meeting
    assert second.start == text.index("Cabinet on 6<sup>th</sup> January") and text[second.start : second.end] == (
        second.text
    )
    assert [link.target for link in found] == [None, None]  # the archive holds no Cabinet papers


def test_a_cabinet_decision_resolves_when_the_archive_holds_that_meeting():
    cabinet = Document("cabinet-2015-01-06.txt", "cabinet-2015-01-06.txt", CABINET_MINUTES)
    found = links_from(link_references(records(cabinet)), CALL_IN)
    assert [link.target for link in found] == [ItemKey(cabinet.doc_id, "2015-01-06", None)] * 2


def test_adopted_minutes_resolve_to_the_meeting_that_holds_them(bundled_links):
    adopted = {
        (link.source, link.reference.text): link.target for link in bundled_links if link.reference.kind == "minutes"
    }
    assert adopted[ItemKey(MARCH_2023, "2023-03-14", 47), "Minutes of the meeting held on 1 March 2023"] == ItemKey(
        PACK_MARCH_2023, "2023-03-01", None
    )
    # 14 March 2023 is both an agenda pack and the minutes page: the minutes are the meeting's record
    assert adopted[ItemKey(APRIL_2023, "2023-04-19", 53), "Minutes of the meeting held on 14 March, 2023"] == ItemKey(
        MARCH_2023, "2023-03-14", None
    )
    assert adopted[ItemKey(DOG, "2015-03-04", 3), "minutes of the previous meeting held on 4th February, 2015"] == (
        ItemKey(DOG, "2015-02-04", None)
    )


def test_a_minute_of_an_earlier_meeting_in_the_same_municipal_year_resolves(bundled_links):
    (arising,) = [link for link in bundled_links if link.reference.text == "Minute 43"]
    assert arising.source == ItemKey(MARCH_2023, "2023-03-14", 47)
    assert arising.target == ItemKey(PACK_MARCH_2023, "2023-03-01", 43)


def test_references_to_minutes_not_in_the_archive_are_kept_unresolved(bundled_links):
    welfare = links_from(bundled_links, ItemKey(DOG, "2015-02-04", 44))
    minute = next(link for link in welfare if link.reference.text == "Minute 20/14")
    assert (minute.reference.kind, minute.reference.item, minute.reference.year, minute.target) == (
        "minute",
        20,
        2014,
        None,
    )
    considered = next(link for link in welfare if link.reference.kind == "decision")
    assert (considered.reference.text, considered.reference.committee, considered.target) == (
        "the Committee on 8<sup>th</sup> October, 2014",
        "",  # the committee's own meeting, not the "Welfare Reform Group" named earlier in the sentence
        None,
    )
    earlier = links_from(bundled_links, ItemKey(DOG, "2015-02-04", 42))
    assert [(link.reference.text, link.target) for link in earlier][:2] == [
        ("minutes of the meeting held on 10<sup>th</sup> December, 2014", None),
        ("Minute 36", None),
    ]


def test_above_and_below_name_minutes_of_the_same_minutes_unless_the_text_contradicts_itself(bundled_links):
    targets = {(link.source, link.reference.text): link.target for link in bundled_links}
    assert targets[ItemKey(APRIL_2023, "2023-04-19", 57), "Minute 55 above"] == ItemKey(APRIL_2023, "2023-04-19", 55)
    assert targets[ItemKey(DOG, "2015-02-04", 47), "Minute 48 below"] == ItemKey(DOG, "2015-02-04", 48)
    assert targets[ItemKey(DOG, "2015-02-04", 46), "Minute 48 above"] is None  # 48 is not above minute 46


def test_a_body_minute_after_its_decision_is_that_body_minute(bundled_links):
    (their,) = [link for link in bundled_links if link.reference.text == "their Minute 66"]
    assert (their.reference.committee, their.reference.meeting_date, their.reference.item) == (
        "Cabinet",
        date(2013, 10, 8),
        66,
    )


def test_no_paper_refers_to_its_own_meeting_and_every_span_is_verbatim():
    for record in records():
        archive = Archive([record])
        for link in archive.links():
            ref = link.reference
            assert record["text"][ref.start : ref.end] == ref.text
            assert ref.meeting_date is None or ref.meeting_date.isoformat() < link.source.meeting_date


def test_scanned_dates_and_referrals_are_read():
    text = 'Item 3. To consider a Motion referred from the full Council meeting on the 28"" of November 2016.'
    (ref,) = find_references(text, "x", meeting_date=date(2017, 1, 10))
    assert (ref.kind, ref.committee, ref.meeting_date) == ("referral", "Council", date(2016, 11, 28))
    assert text[ref.start : ref.end] == 'referred from the full Council meeting on the 28"" of November 2016'


def test_inverse_lists_what_refers_to_a_meeting(bundled_links):
    inverse = referred_to_by(bundled_links)
    assert [link.source for link in inverse[ItemKey(PACK_MARCH_2023, "2023-03-01", None)]] == [
        ItemKey(MARCH_2023, "2023-03-14", 47),
        ItemKey(MARCH_2023, "2023-03-14", 47),
        ItemKey(PACK_MARCH_2023, "2023-03-14", 3),
    ]


def test_index_round_trip_answers_references_from_and_to(small_corpus, tmp_path, fake_encoder):
    build_index([small_corpus], tmp_path / "ix", model=fake_encoder.name, encoder=fake_encoder, progress=False)
    index = Index.load(tmp_path / "ix")
    call_in = next(c for c in index.chunks if c.doc_id == DOG and c.item == 43 and c.meeting_date == "2015-02-04")
    assert [link.reference.text for link in index.references_from(ItemKey.of(call_in))] == [
        "at their meeting on 6<sup>th</sup> January, 2015 Cabinet approved",
        "Cabinet on 6<sup>th</sup> January",
    ]
    referring = index.references_to(ItemKey(MARCH_2023, "2023-03-14", None))
    assert [(link.source, link.reference.text) for link in referring] == [
        (ItemKey(APRIL_2023, "2023-04-19", 53), "Minutes of the meeting held on 14 March, 2023")
    ]
    assert index.references_to(ItemKey(PACK_MARCH_2023, "2023-03-01", None)) == []  # not in this index
    (tmp_path / "ix" / index.generation / REFERENCES).unlink()
    assert Index.load(tmp_path / "ix").links == []  # an index built before references loads with none
