"""A recorded ModernGov site served on 127.0.0.1: web service, public pages and PDFs, with faults to switch on.

Responses live under tests/data/moderngov/site/ laid out as the site's URLs are; the PDFs are made from the
bundled Coventry papers with Debian Chromium when the tests start (see `render_pdfs`).
"""

from __future__ import annotations

import hashlib
import html
import json
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from precedent.corpus import BUNDLED_CORPUS

DATA = Path(__file__).resolve().parent / "data" / "moderngov"
SITE = DATA / "site"
RECORDED_HOST = b"http://moderngov.coventry.gov.uk/"
"""The host the recorded web service answers name; replaced by the test server's own address when served."""
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
FOOTER = (
    "<div style='font-size:8px;width:100%;text-align:center;font-family:serif'>"
    "Page <span class='pageNumber'></span></div>"
)


def render_pdfs(papers: dict[Path, str]) -> None:
    """Print each text to a PDF at its path with Chromium, a page number in the footer.

    Monospaced: pypdf reads Chromium's proportional text glyph by glyph, 4-5 times slower.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        for path, text in papers.items():
            page.set_content(
                "<html><body style='margin:0'><pre style='white-space:pre-wrap;font:9pt monospace'>"
                f"{html.escape(text)}</pre></body></html>"
            )
            page.pdf(
                path=str(path),
                format="A4",
                display_header_footer=True,
                header_template="<span></span>",
                footer_template=FOOTER,
                margin={"top": "20mm", "bottom": "20mm", "left": "18mm", "right": "18mm"},
            )
        browser.close()


def paper_texts() -> dict[str, str]:
    """The text of each recorded document (`documents.json` "papers"), cut from the bundled papers."""
    spec = json.loads((DATA / "documents.json").read_text(encoding="utf-8"))
    texts = {}
    for name, paper in spec["papers"].items():
        lines = (BUNDLED_CORPUS / paper["source"]).read_text(encoding="utf-8").splitlines()
        first, last = paper.get("lines", [1, len(lines)])
        texts[name] = "\n".join(lines[first - 1 : last])
    return texts


@dataclass
class Faults:
    """What the site does wrong, switched on per test."""

    web_service: str = "on"
    """"on", "off" (404, as a site with the service disabled answers) or "forbidden" (403)."""
    forbidden: set[str] = field(default_factory=set)
    """Paths (with query) answered 403."""
    slow: dict[str, float] = field(default_factory=dict)
    """Paths (with query) answered only after this many seconds."""
    bodies: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    """Paths (with query) answered with this body and content type instead."""
    unavailable: dict[str, int] = field(default_factory=dict)
    """Paths (with query) answered 503 this many times before they are answered."""


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    status: int


class RecordedSite:
    """The recorded site on an ephemeral port; `requests` logs every request with its answer's status."""

    def __init__(self, pdfs: dict[str, Path]):
        spec = json.loads((DATA / "documents.json").read_text(encoding="utf-8"))
        self.routes: dict[str, str] = spec["urls"]
        self.pdfs = pdfs
        self.faults = Faults()
        self.requests: list[Request] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> RecordedSite:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def paths(self, status: int | None = None) -> list[str]:
        return [r.path for r in self.requests if status is None or r.status == status]

    def answer(self, target: str) -> tuple[int, bytes, str]:
        """Status, body and content type for a request target ("/path?query")."""
        parts = urlsplit(target)
        path, query = unquote(parts.path), {k.lower(): v[0] for k, v in parse_qs(parts.query).items()}
        if target in self.faults.bodies:
            body, kind = self.faults.bodies[target]
            return 200, body, kind
        if self.faults.unavailable.get(target, 0) > 0:
            self.faults.unavailable[target] -= 1
            return 503, b"<html><body>Service Unavailable</body></html>", "text/html"
        if target in self.faults.forbidden:
            return 403, b"<html><body>Access denied</body></html>", "text/html"
        if path.startswith("/mgWebService.asmx/"):
            if self.faults.web_service != "on":
                status = 403 if self.faults.web_service == "forbidden" else 404
                return status, b"<html><body><h2>The resource cannot be found.</h2></body></html>", "text/html"
            operation = path.rsplit("/", 1)[1]
            key = {"GetMeetings": "lcommitteeid", "GetMeeting": "lmeetingid"}.get(operation)
            file = SITE / "mgWebService.asmx" / (f"{operation}/{query.get(key, '')}.xml" if key else f"{operation}.xml")
            status, body, kind = self._file(file, "text/xml; charset=utf-8")
            return status, body.replace(RECORDED_HOST, self.url.encode()), kind
        if path == "/robots.txt":
            return self._file(SITE / "robots.txt", "text/plain")
        if path == "/mgListCommittees.aspx":
            return self._file(SITE / "mgListCommittees.aspx.html", "text/html; charset=utf-8")
        if path == "/ieListMeetings.aspx":
            file = SITE / "ieListMeetings.aspx" / f"CId={query.get('cid')}&Year={query.get('year')}.html"
            return self._file(file if file.exists() else SITE / "ieListMeetings.aspx" / "none.html", "text/html")
        if path == "/ieListDocuments.aspx":
            return self._file(SITE / "ieListDocuments.aspx" / f"MId={query.get('mid')}.html", "text/html")
        route = path if path.startswith("/documents/") else f"{path}?ID={query.get('id', '')}"
        if route in self.routes:
            return self._file(self.pdfs[self.routes[route]], "application/pdf")
        return 404, b"<html><body>Not found</body></html>", "text/html"

    def _file(self, file: Path, kind: str) -> tuple[int, bytes, str]:
        if not file.exists():
            return 404, b"<html><body>Not found</body></html>", "text/html"
        return 200, file.read_bytes(), kind

    def _handler(self):
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (the name http.server calls)
                request = Request(unquote(self.path), dict(self.headers), 0)
                site.requests.append(request)
                delay = site.faults.slow.get(self.path)
                if delay:
                    time.sleep(delay)
                status, body, kind = site.answer(self.path)
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                if status == 200 and self.headers.get("If-None-Match") == etag:
                    status = 304
                request.status = status
                try:
                    self.send_response(status)
                    if status in (200, 304):
                        self.send_header("ETag", etag)
                        self.send_header("Last-Modified", formatdate(1_700_000_000, usegmt=True))
                    if status == 304:
                        self.end_headers()
                        return
                    self.send_header("Content-Type", kind)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            def log_message(self, *args):
                pass

        return Handler


def main() -> None:
    """Serve the recorded site until interrupted: `python -m tests.moderngov_site` prints its address."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="moderngov-"))
    pdfs = {name: folder / f"{name}.pdf" for name in paper_texts()}
    render_pdfs({pdfs[name]: text for name, text in paper_texts().items()})
    with RecordedSite(pdfs) as site:
        print(site.url, flush=True)
        try:
            site.thread.join()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
