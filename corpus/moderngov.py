"""A ModernGov site's committees, meetings, agenda items and documents, from its web service or its public pages.

The web service (`mgWebService.asmx`) is read first; when a site has it off or refuses it, the pages the public
uses (`mgListCommittees.aspx`, `ieListMeetings.aspx`, `ieListDocuments.aspx`) give the same listing.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import parse_qs, quote, urljoin, urlsplit

from precedent.corpus.dates import first_date

from precedent.errors import FetchError

WEB_SERVICE = "mgWebService.asmx"


@dataclass(frozen=True)
class Committee:
    id: str
    title: str
    deleted: bool = False
    expired: bool = False


@dataclass(frozen=True)
class Meeting:
    id: str
    committee_id: str
    day: date | None
    committee: str = ""
    status: str = ""


@dataclass(frozen=True)
class Link:
    """A document the site links from a meeting or one of its agenda items."""

    url: str
    title: str
    attachment_id: str = ""
    published: date | None = None
    restricted: bool = False


@dataclass(frozen=True)
class AgendaItem:
    number: str
    title: str
    restricted: bool = False
    text: str = ""
    minutes: str = ""
    links: tuple[Link, ...] = ()


@dataclass(frozen=True)
class MeetingDetail:
    """A meeting with its own documents (agenda, reports pack, printed minutes) and its agenda items."""

    meeting: Meeting
    links: tuple[Link, ...] = ()
    items: tuple[AgendaItem, ...] = ()

    def documents(self) -> list[tuple[AgendaItem | None, Link]]:
        """Every linked document once, the meeting's own first; an item's restricted flag carries to its papers."""
        seen: set[str] = set()
        found: list[tuple[AgendaItem | None, Link]] = []
        for item, link in [(None, link) for link in self.links] + [(i, link) for i in self.items for link in i.links]:
            if link.url and link.url not in seen:
                seen.add(link.url)
                found.append((item, link))
        return found


MINUTES_TITLE = re.compile(r"(?i)\bminutes\b")
"""A meeting's own document titled as its minutes ("Printed minutes 14th-Mar-2023 ...")."""


def web_minutes(detail: MeetingDetail) -> str:
    """The minutes a meeting's agenda items carry in the web service, as one set of numbered minutes, or "" when
    none is published or the meeting links printed minutes (the same record, which is fetched instead).
    Restricted items are left out: their minutes are exempt."""
    if any(MINUTES_TITLE.search(link.title) for link in detail.links):
        return ""
    items = [item for item in detail.items if item.minutes.strip() and not item.restricted]
    if not items:
        return ""
    meeting = detail.meeting
    held = f" held on {meeting.day:%A, %-d %B %Y}" if meeting.day else ""
    parts = [f"Minutes of the meeting of {meeting.committee or 'the committee'}{held}"]
    parts += [f"{item.number}. {item.title}\n\n{item.minutes.strip()}" for item in items]
    return "\n\n".join(parts) + "\n"


def meeting_page(site: str, meeting: Meeting) -> str:
    """The public page listing a meeting's documents (`ieListDocuments.aspx`)."""
    return urljoin(site_root(site), f"ieListDocuments.aspx?CId={quote(meeting.committee_id)}&MId={quote(meeting.id)}")


def service_url(site: str, operation: str) -> str:
    return urljoin(site_root(site), f"{WEB_SERVICE}/{operation}")


def site_root(site: str) -> str:
    """The site's base URL ending in "/", so that relative links join under it."""
    site = site.strip()
    if not re.match(r"(?i)^https?://[^/\s]+", site):
        raise FetchError(
            site, "not a site address; give the ModernGov site's base URL, e.g. https://democracy.example.gov.uk/"
        )
    return site if site.endswith("/") else site + "/"


# --- the web service -------------------------------------------------------------------------------------------


def parse_committees(body: bytes, url: str) -> list[Committee]:
    root = _xml(body, url)
    return [
        Committee(
            _text(c, "committeeid"),
            _text(c, "committeetitle"),
            _flag(c, "committeedeleted"),
            _flag(c, "committeeexpired"),
        )
        for c in _all(root, "committee")
        if _text(c, "committeeid")
    ]


def parse_meetings(body: bytes, url: str, committee: Committee) -> list[Meeting]:
    root = _xml(body, url)
    return [
        Meeting(
            _text(m, "meetingid"),
            _text(m, "committeeid") or committee.id,
            parse_day(_text(m, "meetingdate")),
            _text(m, "committeetitle") or committee.title,
            _text(m, "meetingstatus"),
        )
        for m in _all(root, "meeting")
        if _text(m, "meetingid")
    ]


def parse_meeting(body: bytes, url: str, meeting: Meeting) -> MeetingDetail:
    root = _xml(body, url)
    node = root if _local(root.tag) == "meeting" else _first(root, "meeting")
    if node is None:
        raise FetchError(url, "no <meeting> in the web service's answer; the site may not publish this meeting")
    items_node = _first(node, "agendaitems")
    items = []
    for item in _children(items_node, "agendaitem") if items_node is not None else ():
        number = _text(item, "fulldisplaynumberformat") or _text(item, "agendaitemnumber")
        items.append(
            AgendaItem(
                number.rstrip(". ").strip(),
                _text(item, "agendaitemtitle"),
                _flag(item, "isrestricted"),
                _html_text(_text(item, "agendatext")),
                _html_text(_text(item, "minutestext")),
                tuple(_links(_first(item, "linkeddocuments"), url)),
            )
        )
    day = parse_day(_text(node, "meetingdate")) or meeting.day
    found = Meeting(
        meeting.id, meeting.committee_id, day, _text(node, "committeetitle") or meeting.committee, meeting.status
    )
    return MeetingDetail(found, tuple(_links(_own(node, "linkeddocuments"), url)), tuple(items))


def _links(node, url: str) -> list[Link]:
    if node is None:
        return []
    links = []
    for doc in _children(node, "linkeddoc"):
        href = _text(doc, "url")
        if href:
            links.append(
                Link(
                    document_url(url, href),
                    _text(doc, "title"),
                    _text(doc, "attachmentid"),
                    parse_day(_text(doc, "publicationdate")),
                    _flag(doc, "isrestricted"),
                )
            )
    return links


def _xml(body: bytes, url: str) -> ElementTree.Element:
    """Parsed XML; a document type declaration (entity expansion) is refused, an ASMX `<string>` unwrapped."""
    if re.search(rb"<!(?:DOCTYPE|ENTITY)", body[:4096], re.IGNORECASE):
        raise FetchError(url, "XML with a document type declaration refused (entities are not expanded)")
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as error:
        raise FetchError(url, f"malformed XML from the web service ({error})") from None
    inner = (root.text or "").strip()
    if _local(root.tag) == "string" and inner.startswith("<"):  # XML returned as an escaped string
        return _xml(inner.encode("utf-8"), url)
    return root


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def _children(node, name: str):
    return [child for child in node if _local(child.tag) == name]


def _own(node, name: str):
    found = _children(node, name)
    return found[0] if found else None


def _first(node, name: str):
    return next((el for el in node.iter() if _local(el.tag) == name), None)


def _all(node, name: str):
    return [el for el in node.iter() if _local(el.tag) == name]


def _text(node, name: str) -> str:
    """A child's text, stripped, with entities a site encoded twice ("&amp;amp;") decoded."""
    child = _own(node, name)
    value = "".join(child.itertext()).strip() if child is not None else ""
    for _ in range(2):
        if "&" not in value:
            break
        value = html.unescape(value)
    return value


def _flag(node, name: str) -> bool:
    return _text(node, name).lower() == "true"


def _html_text(value: str) -> str:
    if "<" not in value:
        return value
    from bs4 import BeautifulSoup

    return BeautifulSoup(value, "html.parser").get_text("\n").strip()


def parse_day(value: str) -> date | None:
    """A date as the web service writes it ("04/03/2015", "2015-03-04T10:00:00"), or None."""
    value = value.strip()
    for pattern, size in (("%d/%m/%Y", 10), ("%Y-%m-%d", 10)):
        try:
            return datetime.strptime(value[:size], pattern).date()
        except ValueError:
            continue
    return None


# --- the public pages ------------------------------------------------------------------------------------------


def parse_committee_page(body: bytes, url: str) -> list[Committee]:
    """`mgListCommittees.aspx`: each committee's link carries its id (`mgCommitteeDetails.aspx?ID=`)."""
    found: dict[str, Committee] = {}
    for anchor in _soup(body).find_all("a", href=True):
        href = _clean_href(anchor["href"])
        if "mgcommitteedetails.aspx" in href.lower():
            ident = _query(href, "id")
            title = " ".join(anchor.get_text(" ").split())
            if ident and title and ident not in found:
                found[ident] = Committee(ident, title)
    return list(found.values())


def parse_meeting_page(body: bytes, url: str, committee: Committee) -> list[Meeting]:
    """`ieListMeetings.aspx?CId=&Year=`: a link to each meeting's documents, its text the meeting's date."""
    found: dict[str, Meeting] = {}
    for anchor in _soup(body).find_all("a", href=True):
        href = _clean_href(anchor["href"])
        if "ielistdocuments.aspx" not in href.lower():
            continue
        ident = _query(href, "mid")
        if ident and ident not in found:
            found[ident] = Meeting(
                ident, _query(href, "cid") or committee.id, first_date(anchor.get_text(" ")), committee.title
            )
    return list(found.values())


def parse_document_page(body: bytes, url: str, meeting: Meeting) -> MeetingDetail:
    """`ieListDocuments.aspx?CId=&MId=`: the meeting's documents, then each agenda item's papers."""
    soup = _soup(body)
    own: list[Link] = []
    items: list[AgendaItem] = []
    rows = {id(row) for table in soup.select("table.mgItemTable") for row in table.find_all("tr")}
    for table in soup.select("table.mgItemTable"):
        for row in table.find_all("tr"):
            number_cell = row.select_one(".mgItemNumberCell")
            titles = [t for t in row.select(".mgAiTitleTxt, .mgSubItemTitleTxt") if number_cell not in t.parents]
            title = titles[0] if titles else None
            links = [_page_link(a, url) for a in row.find_all("a", href=True) if _is_document(a["href"])]
            if not (number_cell or title or links):
                continue
            words = " ".join(row.get_text(" ").split()).lower()
            items.append(
                AgendaItem(
                    " ".join(number_cell.get_text(" ").split()).rstrip(". ") if number_cell else "",
                    " ".join(title.get_text(" ").split()) if title else "",
                    "restricted" in words or "exempt" in words,
                    links=tuple(links),
                )
            )
    for anchor in soup.find_all("a", href=True):
        if _is_document(anchor["href"]) and not any(id(parent) in rows for parent in anchor.parents):
            own.append(_page_link(anchor, url))
    return MeetingDetail(meeting, tuple(own), tuple(items))


def _page_link(anchor, page_url: str) -> Link:
    href = document_url(page_url, anchor["href"])
    for size in anchor.select(".mgFileSize, span"):
        size.extract()
    title = " ".join(anchor.get_text(" ").split()) or anchor.get("title", "")
    title = re.sub(r"(?i)\s*\b(?:pdf|doc|docx|html?)\s+[\d.]+\s*[km]b\s*$", "", title)
    return Link(href, title, attachment_id(href))


def _is_document(href: str) -> bool:
    href = _clean_href(href).lower()
    return "documents/" in href or "mgconvert2pdf.aspx" in href or urlsplit(href).path.endswith((".pdf", ".docx"))


def document_url(base: str, href: str) -> str:
    """An absolute URL for a link as a page or the web service writes it: relative, or holding spaces and
    line breaks ("documents/s1234/Report\\n of the Director.pdf")."""
    href = quote(_clean_href(href), safe=":/?&=%#;+,@!$'()*~")
    return urljoin(base, href)


def attachment_id(url: str) -> str:
    """The site's id for a document: `mgConvert2PDF.aspx?ID=123` -> "123", `documents/s123/...` -> "s123"."""
    ident = _query(url, "id")
    if ident:
        return ident
    match = re.search(r"(?i)/documents/([a-z]\d+)/", url)
    return match.group(1) if match else ""


def _clean_href(href: str) -> str:
    """A link as a browser reads it: tabs and line breaks inside it dropped, white space around it trimmed."""
    return re.sub(r"[\t\r\n]", "", href).strip()


def _query(href: str, key: str) -> str:
    values = {k.lower(): v for k, v in parse_qs(urlsplit(href).query).items()}
    return values.get(key, [""])[0].strip()


def _soup(body: bytes):
    from bs4 import BeautifulSoup

    return BeautifulSoup(body, "html.parser")
