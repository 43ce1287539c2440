"""Allowlists: known false positives, turned into suppressed matches (still listed).

A text file, one entry a line: `<kind> <value>`, then optionally `# reason`. Kinds: `domain`
(also its subdomains), `url`, `ip`, `email`, `process`, `app_id`, `path` (also below it, at
component boundaries), `file_name`. Lines starting with `#` are comments.

    domain  apple.com          # Apple's own CDN names
    path    /private/var/mobile/Library/Preferences/com.apple.CrashReporter.plist
    process exampled

An entry is compared with the observed value of a match (as normalised by the matcher), with
the matcher's own rules, so `domain apple.com` also allows `www.apple.com` and never
`apple.com.evil.example`. A suppressed match stays in alerts.json at INFORMATIONAL, with
`perito.suppressed` naming the entry; it no longer counts as an indicator match.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from perito.detections import Detection
from perito.errors import InputError
from perito.indicators.index import IndicatorIndex
from perito.indicators.model import Indicator, Owner
from perito.indicators.normalise import basename, normalise
from perito.levels import Level
from perito.records import Kind, observables

KINDS = {"domain": Kind.DOMAIN, "url": Kind.URL, "ip": Kind.IP, "email": Kind.EMAIL,
         "process": Kind.PROCESS, "app_id": Kind.APP_ID, "path": Kind.FILE_PATH,
         "file_path": Kind.FILE_PATH, "file_name": Kind.FILE_NAME}


@dataclass(frozen=True, slots=True)
class Allowlist:
    path: str
    sha256: str
    entries: int
    index: IndicatorIndex

    def entry_for(self, detection: Detection) -> Indicator | None:
        """The allowlist entry that covers a match's observed value, if any."""
        match = detection.match
        if match is None:
            return None
        checks = [(match.kind, match.normalised)]
        observed = match.observed.strip()
        if observed.startswith("/"):  # e.g. a file-name match found through a whole path
            checks.append((Kind.FILE_PATH, observed))
        elif match.kind is Kind.FILE_NAME:  # the record's paths that end in that name
            checks.extend((Kind.FILE_PATH, value) for _f, kind, value in
                          observables(detection.record)
                          if kind is Kind.FILE_PATH and basename(value) == match.normalised)
        elif "://" in observed:  # a domain match found through a URL
            checks.append((Kind.URL, observed))
        for kind, value in checks:
            hits = self.index.lookup(kind, value)
            if hits:
                return hits[0].indicator
        return None


def _split(line: str) -> tuple[str, str, str]:
    body, _sep, reason = line.partition(" #")
    kind, _space, value = body.strip().partition(" ")
    return kind.strip().lower(), value.strip(), reason.strip()


def load_allowlist(path: Path) -> Allowlist:
    """Read an allowlist; a bad line is an InputError naming it (nothing is half-applied)."""
    try:
        data = path.read_bytes()
        text = data.decode("utf-8-sig")
    except OSError as error:
        raise InputError(f"{path}: cannot read the allowlist ({error.strerror})") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: the allowlist is not UTF-8 text") from None
    digest = hashlib.sha256(data).hexdigest()
    items: list[Indicator] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        kind_name, value, reason = _split(line)
        kind = KINDS.get(kind_name)
        if kind is None or not value:
            raise InputError(f"{path}, line {number}: write '<kind> <value>' with a kind among "
                             f"{', '.join(KINDS)}")
        owner = Owner(reason or f"line {number}", f"line {number}", path.name, str(path), digest)
        items.append(Indicator(kind, normalise(kind, value), value, kind_name,
                               (f"line {number}",), (owner,), False, reason))
    return Allowlist(str(path), digest, len(items), IndicatorIndex.build(items))


def apply_allowlist(detections: Iterable[Detection], allowlist: Allowlist | None
                    ) -> list[Detection]:
    """The detections with every allowed match suppressed (kept, at INFORMATIONAL)."""
    out: list[Detection] = []
    for detection in detections:
        entry = allowlist.entry_for(detection) if allowlist is not None else None
        if entry is None:
            out.append(detection)
            continue
        owner = entry.owners[0]
        note = (f"{entry.stix_key} {entry.raw_value} ({owner.stix_id} of {owner.file_name}"
                f"{': ' + entry.note if entry.note else ''}); was {detection.level.name}")
        out.append(dataclasses.replace(detection, level=Level.INFORMATIONAL, suppressed=note,
                                       message=f"[allowed] {detection.message}"))
    return out
