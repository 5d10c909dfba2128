"""HTTP for fetching a council's site politely: robots.txt, one request at a time with a delay, an identifying
User-Agent, conditional requests, retries with back-off, timeouts and a size cap."""

from __future__ import annotations

import http.client
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import urljoin
from urllib.robotparser import RobotFileParser

from precedent.errors import FetchError


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("precedent")
    except metadata.PackageNotFoundError:
        return "0"


USER_AGENT = f"Precedent/{_version()} (indexes published council committee papers; python-urllib)"
DELAY = 1.0
"""Seconds between the start of one request and the next to the same site."""
TIMEOUT = 60.0
"""Seconds to wait for a connection or a read; some ModernGov installs take tens of seconds to answer."""
RETRIES = 3
BACKOFF = 2.0
"""Seconds before the first retry, doubled for each one after."""
MAX_BYTES = 100 * 1024 * 1024
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class Response:
    url: str
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


@dataclass
class Politeness:
    user_agent: str = USER_AGENT
    delay: float = DELAY
    timeout: float = TIMEOUT
    retries: int = RETRIES
    backoff: float = BACKOFF
    max_bytes: int = MAX_BYTES


class PoliteClient:
    """GETs for one site, never two at once, each after `delay`, each checked against the site's robots.txt."""

    def __init__(self, site: str, politeness: Politeness | None = None, *, sleep=time.sleep):
        self.site = site
        self.rules = politeness or Politeness()
        self._sleep = sleep
        self._last = 0.0
        self._robots: RobotFileParser | None = None
        self.requests = 0

    def get(self, url: str, *, etag: str = "", last_modified: str = "") -> Response:
        """The answer to a GET of `url`: status 200, or 304 when the validators given still hold.

        Raises:
            FetchError: robots.txt disallows it, the site answered another status, it timed out after every
                retry, or the body is over the size cap.
        """
        if not self._allowed(url):
            raise FetchError(url, "robots.txt disallows it for Precedent; not fetched")
        headers = {"User-Agent": self.rules.user_agent, "Accept-Encoding": "identity"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return self._with_retries(url, headers)

    def _with_retries(self, url: str, headers: dict[str, str]) -> Response:
        wait = self.rules.backoff
        for attempt in range(self.rules.retries + 1):
            last = attempt == self.rules.retries
            try:
                return self._once(url, headers)
            except FetchError as error:
                if last or not (error.status is None or error.status in RETRY_STATUS):
                    raise
                retry_after = getattr(error, "retry_after", 0.0)
            self._sleep(max(wait, min(retry_after, 60.0)))
            wait *= 2
        raise AssertionError("unreachable")

    def _once(self, url: str, headers: dict[str, str]) -> Response:
        self._pause()
        request = urllib.request.Request(url, headers=headers)
        self.requests += 1
        try:
            with urllib.request.urlopen(request, timeout=self.rules.timeout) as answer:
                return Response(answer.geturl(), answer.status, self._read(answer, url), _headers(answer))
        except urllib.error.HTTPError as error:
            if error.code == 304:
                return Response(url, 304, b"", _headers(error))
            failure = FetchError(url, _status_reason(error.code), error.code)
            failure.retry_after = _seconds(error.headers.get("Retry-After", "") if error.headers else "")
            raise failure from None
        except TimeoutError:
            raise FetchError(
                url, f"no answer within {self.rules.timeout:g} s; a slow site may need a longer --timeout"
            ) from None
        except urllib.error.URLError as error:
            reason = error.reason
            if isinstance(reason, TimeoutError):
                raise FetchError(
                    url, f"no answer within {self.rules.timeout:g} s; a slow site may need a longer --timeout"
                ) from None
            raise FetchError(url, f"cannot connect ({reason}); check the address and your network") from None
        except (OSError, http.client.HTTPException) as error:
            raise FetchError(url, f"connection failed ({error}); check the address and your network") from None
        finally:
            self._last = time.monotonic()

    def _read(self, answer, url: str) -> bytes:
        cap = self.rules.max_bytes
        declared = answer.headers.get("Content-Length")
        if declared and declared.strip().isdigit() and int(declared) > cap:
            raise FetchError(url, _too_large(int(declared), cap), 413)
        chunks, size = [], 0
        while True:
            chunk = answer.read(1 << 16)
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > cap:
                raise FetchError(url, _too_large(size, cap), 413)
            chunks.append(chunk)

    def _pause(self) -> None:
        if self._last:
            remaining = self.rules.delay - (time.monotonic() - self._last)
            if remaining > 0:
                self._sleep(remaining)

    def _allowed(self, url: str) -> bool:
        if self._robots is None:
            self._robots = self._load_robots()
        return self._robots.can_fetch(self.rules.user_agent, url)

    def _load_robots(self) -> RobotFileParser:
        """The site's robots.txt; none (4xx) allows everything, one that cannot be read (5xx) forbids it."""
        robots_url = urljoin(self.site, "/robots.txt")
        parser = RobotFileParser(robots_url)
        try:
            answer = self._with_retries(robots_url, {"User-Agent": self.rules.user_agent})
            parser.parse(answer.body.decode("utf-8", "replace").splitlines())
        except FetchError as error:
            if error.status is not None and 400 <= error.status < 500:
                parser.allow_all = True
            else:
                raise FetchError(robots_url, f"robots.txt cannot be read ({error.reason}); not fetching") from None
        return parser


def _headers(answer) -> dict[str, str]:
    return {k.lower(): v for k, v in answer.headers.items()} if answer.headers else {}


def _seconds(value: str) -> float:
    return float(value) if value.strip().isdigit() else 0.0


def _status_reason(code: int) -> str:
    if code in (401, 403):
        return f"refused (HTTP {code}); the site blocks this client, fetch from a network it allows or ask its owner"
    if code in (404, 410):
        return f"not found (HTTP {code}); check the site address"
    return f"HTTP {code} from the site"


def _too_large(size: int, cap: int) -> str:
    return f"too large: {size:,} bytes, over the cap of {cap:,} bytes; raise --max-mb to fetch it"
