"""`precedent fetch`: a ModernGov site's papers into a folder with a manifest; a second run fetches only what changed.

Each document is written atomically and the manifest is rewritten after each one, so an interrupted run keeps
everything it had finished.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

from precedent.corpus.moderngov import (
    AgendaItem,
    Committee,
    Link,
    Meeting,
    MeetingDetail,
    meeting_page,
    parse_committee_page,
    parse_committees,
    parse_document_page,
    parse_meeting,
    parse_meeting_page,
    parse_meetings,
    service_url,
    site_root,
    web_minutes,
)
from precedent.corpus.polite_http import PoliteClient, Politeness, Response
from precedent.corpus.published import Published, read_manifest, write_atomic, write_manifest

from precedent.errors import FetchError

WEB_MINUTES_TITLE = "Minutes (the site's web service)"
"""The title a meeting's web-service minutes are saved and listed under."""
EARLIEST_YEAR = 2000
"""The first year whose meeting pages are read when the web service is off and no --from is given."""


@dataclass
class FetchReport:
    site: str
    out: Path
    source: str = "web service"
    meetings: int = 0
    downloaded: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    """Of `downloaded`, the files that replaced an older version."""
    unchanged: list[str] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    requests: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        lines = [
            f"fetched {self.site} ({self.source}) into {self.out} in {self.seconds:.1f}s: {self.meetings} meetings, "
            f"{len(self.downloaded)} documents downloaded ({len(self.changed)} changed), {len(self.unchanged)} "
            f"unchanged, {len(self.failures)} failed, {self.requests} requests"
        ]
        lines += [f"  note: {note}" for note in self.notes]
        lines += [f"  not fetched: {url}: {reason}" for url, reason in self.failures]
        return "\n".join(lines)


class ModernGovSite:
    """Listings of one site: the web service while it answers, the public pages once it does not."""

    def __init__(self, site: str, client: PoliteClient, report: FetchReport):
        self.site = site_root(site)
        self.client = client
        self.report = report
        self.web_service = True

    def committees(self) -> list[Committee]:
        if self.web_service:
            url = service_url(self.site, "GetCommittees")
            try:
                return parse_committees(self.client.get(url).body, url)
            except FetchError as error:
                self._off(error)
        url = urljoin(self.site, "mgListCommittees.aspx")
        return parse_committee_page(self.client.get(url).body, url)

    def meetings(self, committee: Committee, date_from: date | None, date_to: date | None) -> list[Meeting]:
        last = date_to or date.today() + timedelta(days=366)
        found: list[Meeting] = []
        if self.web_service:
            first = date_from or date(EARLIEST_YEAR, 1, 1)
            query = urlencode(
                {"lCommitteeId": committee.id, "sFromDate": f"{first:%d/%m/%Y}", "sToDate": f"{last:%d/%m/%Y}"}
            )
            url = service_url(self.site, f"GetMeetings?{query}")
            try:
                found = parse_meetings(self.client.get(url).body, url, committee)
            except FetchError as error:
                self._off(error)
        if not self.web_service:
            first_year = date_from.year if date_from else EARLIEST_YEAR
            for year in range(first_year, last.year + 1):
                url = urljoin(self.site, f"ieListMeetings.aspx?{urlencode({'CId': committee.id, 'Year': year})}")
                found += parse_meeting_page(self.client.get(url).body, url, committee)
        unique = {m.id: m for m in found}.values()
        return sorted((m for m in unique if _within(m.day, date_from, date_to)), key=lambda m: (m.day, m.id))

    def detail(self, meeting: Meeting) -> MeetingDetail:
        if self.web_service:
            url = service_url(self.site, f"GetMeeting?{urlencode({'lMeetingId': meeting.id})}")
            try:
                return parse_meeting(self.client.get(url).body, url, meeting)
            except FetchError as error:
                self.report.notes.append(f"{error}; read the meeting's documents page instead")
        url = urljoin(self.site, f"ieListDocuments.aspx?{urlencode({'CId': meeting.committee_id, 'MId': meeting.id})}")
        return parse_document_page(self.client.get(url).body, url, meeting)

    def _off(self, error: FetchError) -> None:
        self.web_service = False
        self.report.source = "public pages"
        self.report.notes.append(f"web service unusable ({error}); read the public pages instead")


def fetch_site(
    site: str,
    out: str | Path,
    *,
    committees: Sequence[str] = (),
    date_from: date | None = None,
    date_to: date | None = None,
    politeness: Politeness | None = None,
    log: Callable[[str], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> FetchReport:
    """Download the papers of `site`'s committees (all, or those named or numbered) into `out`.

    Args:
        site: the ModernGov site's base URL.
        committees: committee names or ids; a name matches exactly (ignoring case) or as the one title holding it.
        date_from, date_to: meetings on or between these days.

    Raises:
        FetchError: the site, its committee list or robots.txt cannot be read, or a committee is not there.
    """
    started = time.perf_counter()
    root = site_root(site)
    out = Path(out)
    report = FetchReport(root, out)
    client = PoliteClient(root, politeness, sleep=sleep)
    listing = ModernGovSite(root, client, report)
    try:
        chosen = _select(listing.committees(), committees, root)
        store = _Store(out, root)
        for committee in chosen:
            for meeting in listing.meetings(committee, date_from, date_to):
                report.meetings += 1
                try:
                    detail = listing.detail(meeting)
                except FetchError as error:
                    report.failures.append((error.url, error.reason))
                    continue
                for item, link in detail.documents():
                    local = on_site(link, root)
                    if local is None:
                        report.failures.append((link.url, "on another host than the site; not fetched"))
                        continue
                    store.fetch(client, committee, detail.meeting, item, local, report, log)
                if minutes := web_minutes(detail):
                    store.keep_text(committee, detail.meeting, minutes, meeting_page(root, detail.meeting), report, log)
    finally:
        report.requests = client.requests
        report.seconds = time.perf_counter() - started
    return report


def on_site(link: Link, site: str) -> Link | None:
    """The link on the site's own scheme (the web service often names http:// for an https:// site), or None
    when it points at another host, whose robots.txt and limits were never read."""
    target, own = urlsplit(link.url), urlsplit(site)
    if target.hostname != own.hostname or (target.port and target.port != own.port):
        return None
    return replace(link, url=target._replace(scheme=own.scheme, netloc=own.netloc).geturl())


def _select(available: list[Committee], wanted: Sequence[str], site: str) -> list[Committee]:
    live = [c for c in available if not c.deleted]
    if not wanted:
        return live
    chosen: list[Committee] = []
    for name in wanted:
        key = " ".join(name.split()).lower()
        exact = [c for c in available if c.id == name.strip() or c.title.lower() == key]
        partial = [c for c in live if key in c.title.lower()]
        match = exact or (partial if len(partial) == 1 else [])
        if not match:
            titles = "; ".join(sorted(c.title for c in live)) or "(the site lists none)"
            which = f"several committees match {name!r}" if partial else f"no committee {name!r} on the site"
            raise FetchError(site, f"{which}; pass a name or id from: {titles}")
        chosen += [c for c in match if c not in chosen]
    return chosen


def _within(day: date | None, first: date | None, last: date | None) -> bool:
    if day is None:
        return first is None and last is None
    return (first is None or day >= first) and (last is None or day <= last)


class _Store:
    """The output folder and its manifest: which URL is saved where, with its validators and checksum."""

    def __init__(self, out: Path, site: str):
        self.out = out
        self.site = site
        self.entries: dict[str, Published] = read_manifest(out)
        self.paths = {entry.url: path for path, entry in self.entries.items()}

    def fetch(
        self,
        client: PoliteClient,
        committee: Committee,
        meeting: Meeting,
        item: AgendaItem | None,
        link: Link,
        report: FetchReport,
        log: Callable[[str], None] | None,
    ) -> None:
        stated = Published(
            url=link.url,
            committee=meeting.committee or committee.title,
            committee_id=committee.id,
            meeting_id=meeting.id,
            meeting_date=meeting.day.isoformat() if meeting.day else "",
            item=item.number if item else "",
            item_title=item.title if item else "",
            title=link.title,
            restricted=link.restricted or bool(item and item.restricted),
            published=link.published.isoformat() if link.published else "",
        )
        path = self.paths.get(link.url)
        prior = self.entries.get(path) if path else None
        on_disk = prior is not None and _sha256_of(self.out / path) == prior.sha256
        try:
            answer = client.get(
                link.url,
                etag=prior.etag if on_disk else "",
                last_modified=prior.last_modified if on_disk else "",
            )
            if answer.status == 304:
                self._keep(path, prior, stated, report)
                return
            suffix = checked_suffix(answer, link.url)
        except FetchError as error:
            report.failures.append((error.url, error.reason))
            return
        digest = hashlib.sha256(answer.body).hexdigest()
        if on_disk and digest == prior.sha256:
            self._keep(path, prior, stated, report, answer)
            return
        if not path or not path.endswith(suffix):
            path = self._new_path(committee, meeting, link, suffix)
        validators = replace(
            stated, etag=answer.headers.get("etag", ""), last_modified=answer.headers.get("last-modified", "")
        )
        self._save(path, validators, answer.body, digest, report, log, changed=on_disk)

    def keep_text(
        self,
        committee: Committee,
        meeting: Meeting,
        text: str,
        url: str,
        report: FetchReport,
        log: Callable[[str], None] | None,
    ) -> None:
        """Save text the site states in its listing (a meeting's minutes in the web service) as a document of its
        own, cited by `url`, the public page it appears on; unchanged text is left as it is."""
        body = text.encode("utf-8")
        digest = hashlib.sha256(body).hexdigest()
        stated = Published(
            url=url,
            committee=meeting.committee or committee.title,
            committee_id=committee.id,
            meeting_id=meeting.id,
            meeting_date=meeting.day.isoformat() if meeting.day else "",
            title=WEB_MINUTES_TITLE,
        )
        path = self.paths.get(url)
        prior = self.entries.get(path) if path else None
        if prior is not None and prior.sha256 == digest and _sha256_of(self.out / path) == digest:
            self._keep(path, prior, stated, report)
            return
        path = path or self._new_path(committee, meeting, Link(url, WEB_MINUTES_TITLE), ".txt")
        self._save(path, stated, body, digest, report, log, changed=prior is not None)

    def _save(
        self,
        path: str,
        stated: Published,
        body: bytes,
        digest: str,
        report: FetchReport,
        log: Callable[[str], None] | None,
        *,
        changed: bool,
    ) -> None:
        """Write a new or changed document and its manifest entry (the manifest after each, so an interrupted
        run keeps it)."""
        write_atomic(self.out / path, body)
        self.entries[path] = replace(
            stated, sha256=digest, size=len(body), fetched=datetime.now(UTC).isoformat(timespec="seconds")
        )
        self.paths[stated.url] = path
        write_manifest(self.out, self.site, self.entries)
        report.downloaded.append(path)
        if changed:
            report.changed.append(path)
        if log:
            log(f"saved {path}")

    def _keep(
        self, path: str, prior: Published, stated: Published, report: FetchReport, answer: Response | None = None
    ):
        """An unchanged document: what the site now states about it is kept, with any new validators."""
        entry = replace(stated, etag=prior.etag, last_modified=prior.last_modified, sha256=prior.sha256)
        entry = replace(entry, size=prior.size, fetched=prior.fetched)
        if answer is not None:
            entry = replace(
                entry,
                etag=answer.headers.get("etag", prior.etag),
                last_modified=answer.headers.get("last-modified", prior.last_modified),
            )
        if entry != prior:
            self.entries[path] = entry
            write_manifest(self.out, self.site, self.entries)
        report.unchanged.append(path)

    def _new_path(self, committee: Committee, meeting: Meeting, link: Link, suffix: str) -> str:
        folder = f"{_slug(meeting.committee or committee.title) or 'committee-' + committee.id}"
        day = meeting.day.isoformat() if meeting.day else "undated"
        name = "-".join(p for p in (_slug(link.attachment_id), _slug(link.title)[:70]) if p) or "document"
        base = f"{folder}/{day}_meeting-{_slug(meeting.id)}/{name}"
        path, n = f"{base}{suffix}", 2
        while path in self.entries:
            path, n = f"{base}-{n}{suffix}", n + 1
        return path


def checked_suffix(answer: Response, url: str) -> str:
    """The suffix to save a body under, after checking it is what its type and link say it is.

    Raises:
        FetchError: an HTML page where a PDF was promised (a login, cookie or error page), a body that is not
            a PDF though labelled one, or a type Precedent cannot read.
    """
    body, kind = answer.body, answer.content_type
    head = body[:1024].lstrip().lower()
    looks_html = head.startswith((b"<!doctype html", b"<html")) or b"<html" in head or b"<body" in head
    is_pdf = b"%PDF-" in body[:1024]
    path = urlsplit(url).path.lower()
    promised_pdf = kind == "application/pdf" or path.endswith(".pdf") or "mgconvert2pdf" in path
    if promised_pdf:
        if is_pdf:
            return ".pdf"
        what = f"served as {kind}" if kind else "linked as a PDF"
        if looks_html:
            raise FetchError(url, f"an HTML page {what} (a login, cookie or error page?); refused, not saved", 415)
        raise FetchError(url, f"not a PDF (no %PDF- header) though {what}; refused, not saved", 415)
    if is_pdf:
        return ".pdf"
    if body[:2] == b"PK" and (path.endswith(".docx") or "wordprocessingml" in kind):
        return ".docx"
    if kind in ("text/html", "application/xhtml+xml") and looks_html:
        return ".html"
    raise FetchError(url, f"unsupported document type {kind or '(none stated)'}; refused, not saved", 415)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _sha256_of(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""
