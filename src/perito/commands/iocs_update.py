"""`perito iocs update`: download the feeds of an index (or copy them from a folder) into the
data directory, checking each loads, and record source, time and SHA-256 in the manifest.

This is the only code in perito that uses the network, and only when the user runs it. Remote
URLs must be HTTPS; plain HTTP is accepted for loopback addresses only (local mirrors, tests).
A feed that fails keeps its previous copy.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import ipaddress
import logging
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from perito import __version__
from perito.indicators.feedindex import (
    RAW_GITHUB,
    Feed,
    FeedIndex,
    IndexUnreadable,
    default_index_bytes,
    parse_index,
)
from perito.indicators.stix import FEED_SUFFIXES, load_stix_file
from perito.indicators.store import InstalledSet, read_manifest, write_atomic, write_manifest

log = logging.getLogger(__name__)
MAX_FEED_BYTES = 256 << 20  # far above the largest public feed (a few MB)
TIMEOUT_SECONDS = 60
DEFAULT_INDEX_LABEL = "perito's bundled copy of mvt-indicators/indicators.yaml"

Fetch = Callable[[str], bytes]


class FetchError(Exception):
    """A download that did not give the file (message is safe to show)."""


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str) -> None:
    """Raise FetchError unless the URL is HTTPS, or HTTP to a loopback address."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname and _loopback(parts.hostname):
        return
    raise FetchError(f"{url}: only https:// URLs are downloaded (http:// only from this "
                     "machine's loopback address)")


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req: urllib.request.Request, fp: object, code: int, msg: str,
                         headers: object, newurl: str) -> urllib.request.Request | None:
        check_url(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)  # type: ignore[arg-type]


def fetch(url: str) -> bytes:
    """GET one URL with urllib (through the environment's proxy, which a helpline may need),
    refusing non-HTTPS URLs and redirects, and files over MAX_FEED_BYTES."""
    check_url(url)
    handlers: list[urllib.request.BaseHandler] = [_CheckedRedirects()]
    if not url.startswith("https:"):  # loopback: never through a proxy
        handlers.append(urllib.request.ProxyHandler({}))
    opener = urllib.request.build_opener(*handlers)
    request = urllib.request.Request(  # noqa: S310 (check_url allows https and loopback http)
        url, headers={"User-Agent": f"perito/{__version__}"})
    try:
        with opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            data: bytes = response.read(MAX_FEED_BYTES + 1)
    except urllib.error.HTTPError as error:
        raise FetchError(f"{url}: the server answered {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        raise FetchError(f"{url}: cannot download ({error.reason})") from None
    except (OSError, ValueError) as error:
        raise FetchError(f"{url}: cannot download ({type(error).__name__}: {error})") from None
    if len(data) > MAX_FEED_BYTES:
        raise FetchError(f"{url}: larger than {MAX_FEED_BYTES:,} bytes; refused")
    return data


def read_index(spec: str | None, fetcher: Fetch = fetch) -> tuple[FeedIndex, str]:
    """The index named by `--index` (a file or URL), or the bundled one; and its label."""
    try:
        if spec is None:
            return parse_index(default_index_bytes()), DEFAULT_INDEX_LABEL
        if "://" in spec:
            return parse_index(fetcher(spec)), spec
        return parse_index(Path(spec).read_bytes()), spec
    except OSError as error:
        raise IndexUnreadable(f"{spec}: cannot read the index ({error.strerror})") from None
    except FetchError as error:
        raise IndexUnreadable(str(error)) from None
    except IndexUnreadable as error:
        raise IndexUnreadable(f"{spec or DEFAULT_INDEX_LABEL}: {error}") from None


@dataclass(frozen=True, slots=True)
class FeedOutcome:
    name: str
    url: str
    state: str  # "new", "updated", "unchanged", "failed"
    message: str = ""
    sha256: str = ""
    indicators: int = 0


@dataclass
class UpdateReport:
    index: str
    folder: Path
    outcomes: list[FeedOutcome] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # of the index itself

    @property
    def failed(self) -> list[FeedOutcome]:
        return [o for o in self.outcomes if o.state == "failed"]


def _loads(data: bytes, file_name: str) -> tuple[int, str]:
    """(indicator count, problem) for downloaded bytes: they must be an indicator file."""
    with tempfile.TemporaryDirectory(prefix="perito-feed-") as folder:
        path = Path(folder) / file_name
        path.write_bytes(data)
        loaded = load_stix_file(path)
    if loaded.file is None:
        reasons = "; ".join(p.message for p in loaded.problems[:2]) or "no indicators"
        return 0, f"not an indicator file ({reasons})"
    if not loaded.file.indicator_count:
        return 0, "an indicator file without any indicator perito can use"
    return loaded.file.indicator_count, ""


def _install(folder: Path, known: dict[str, InstalledSet], feed: Feed, data: bytes,
             now: dt.datetime) -> FeedOutcome:
    count, problem = _loads(data, feed.file_name)
    if problem:
        return FeedOutcome(feed.name, feed.url, "failed", f"{problem}; the previous copy, if "
                           "any, is kept")
    digest = hashlib.sha256(data).hexdigest()
    before = known.get(feed.file_name)
    present = (folder / feed.file_name).is_file()
    if before is not None and before.sha256 == digest and present:
        state, previous = "unchanged", before.previous_sha256
    else:
        state = "updated" if before is not None else "new"
        previous = before.sha256 if before is not None and before.sha256 != digest else ""
        write_atomic(folder / feed.file_name, data)
    known[feed.file_name] = InstalledSet(
        file_name=feed.file_name, name=feed.name, sources=feed.sources, url=feed.url,
        downloaded=now.isoformat(timespec="seconds"), sha256=digest, size=len(data),
        previous_sha256=previous, indicators=count)
    change = ""
    if state == "updated" and before is not None and before.indicators:
        change = f"{before.indicators} → {count} indicators, sha256 {digest}"
    return FeedOutcome(feed.name, feed.url, state, change, digest, count)


def _run(folder: Path, index_label: str, index: FeedIndex,
         items: Iterable[tuple[Feed, Callable[[], bytes]]], now: dt.datetime) -> UpdateReport:
    report = UpdateReport(index_label, folder, problems=list(index.problems))
    entries, manifest_problems = read_manifest(folder)
    report.problems.extend(manifest_problems)
    known = {entry.file_name: entry for entry in entries}
    for feed, get in items:
        try:
            data = get()
        except FetchError as error:
            report.outcomes.append(FeedOutcome(feed.name, feed.url, "failed",
                                               f"{error}; the previous copy, if any, is kept"))
            continue
        report.outcomes.append(_install(folder, known, feed, data, now))
        log.info("feed %s: %s", feed.url, report.outcomes[-1].state)
    write_manifest(folder, list(known.values()),
                   {"source": index_label, "sha256": index.sha256})
    return report


def mirrored(feed: Feed, mirror: str | None) -> Feed:
    """The feed fetched from a mirror of raw.githubusercontent.com (same layout), keeping the
    file name of the original URL; the manifest then records the mirror's URL."""
    if not mirror or not feed.url.startswith(RAW_GITHUB + "/"):
        return feed
    return dataclasses.replace(feed, url=mirror.rstrip("/") + feed.url[len(RAW_GITHUB):])


def update(index: FeedIndex, index_label: str, folder: Path, *, fetcher: Fetch = fetch,
           now: dt.datetime | None = None, mirror: str | None = None) -> UpdateReport:
    """Download every feed of the index into `folder` (GitHub files from `mirror` if set)."""
    def getter(feed: Feed) -> Callable[[], bytes]:
        return lambda: fetcher(feed.url)

    feeds = [mirrored(feed, mirror) for feed in index.feeds]
    return _run(folder, index_label, index, ((feed, getter(feed)) for feed in feeds),
                now or dt.datetime.now(dt.UTC))


def _read_local(path: Path) -> Callable[[], bytes]:
    def read() -> bytes:
        try:
            return path.read_bytes()
        except OSError as error:
            raise FetchError(f"{path}: cannot read ({error.strerror})") from None
    return read


def install_offline(source: Path, index: FeedIndex, index_label: str, folder: Path, *,
                    now: dt.datetime | None = None) -> UpdateReport:
    """Install the indicator files found in `source` (a copy carried to an air-gapped laptop).

    A file whose name is the last part of an index entry's URL (or the name perito gives the
    download) takes that entry's feed name and publishers; any other indicator file is
    installed under its own name. Feeds of the index that are not in the folder are left as
    they are.
    """
    if not source.is_dir():
        raise IndexUnreadable(f"{source}: not a folder")
    by_name: dict[str, Feed] = {}
    for feed in index.feeds:
        by_name.setdefault(feed.url.rsplit("/", 1)[-1], feed)
        by_name.setdefault(feed.file_name, feed)
    items: list[tuple[Feed, Callable[[], bytes]]] = []
    for path in sorted(source.rglob("*")):
        if not path.is_file() or path.suffix.lower() not in FEED_SUFFIXES \
                or path.name == "indicators.yaml":
            continue
        listed = by_name.get(path.name)
        url = path.resolve().as_uri()
        feed = Feed(name=listed.name if listed else path.stem, url=url,
                    sources=listed.sources if listed else (),
                    references=listed.references if listed else (),
                    file_name=listed.file_name if listed else path.name)
        items.append((feed, _read_local(path)))
    if not items:
        raise IndexUnreadable(f"{source}: no indicator files (*.stix2, *.json, *.csv, *.yaml, "
                              "*.txt) in this folder")
    return _run(folder, index_label, index, items, now or dt.datetime.now(dt.UTC))
