"""Allowlists: known false positives, turned into suppressed matches (still listed).

A text file, one entry a line: `<kind> <value>`, then optionally `# reason`. Kinds: `domain`
(also its subdomains), `url`, `ip`, `email`, `process`, `app_id`, `path` (also below it, at
component boundaries), `file_name`, singular or plural. Lines starting with `#` are
comments; `kind: value` is read too. A `.yaml`, `.yml` or `.json` file is a mapping of kinds to
lists instead (`domains: [apple.com]`; an item may be `{value: …, reason: …}`).

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
from perito.indicators.echap import load_yaml, yaml_error
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
    """(kind, value, reason) of `kind value  # reason` (also `kind: value`, `kind:value`)."""
    body, _sep, reason = line.partition(" #")
    parts = body.split(None, 1)
    kind, value = [*parts, "", ""][:2]
    if not value and ":" in kind and _kind(kind.partition(":")[0]) is not None:
        kind, _colon, value = kind.partition(":")
    return kind.strip().lower().rstrip(":"), value.strip(), reason.strip()


def _kind(name: str) -> Kind | None:
    """The kind a name stands for, singular or plural (`domain`, `domains`, `processes`…)."""
    name = name.strip().lower()
    return KINDS.get(name) or KINDS.get(name.removesuffix("es")) or KINDS.get(
        name.removesuffix("s"))


def _entries_from_text(path: Path, text: str) -> list[tuple[str, str, str, str]]:
    """(where, kind name, value, reason) of every line of a text allowlist."""
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip() and not line.lstrip().startswith("#"):
            out.append((f"line {number}", *_split(line)))
    return out


def _entries_from_mapping(path: Path, text: str) -> list[tuple[str, str, str, str]]:
    """A YAML or JSON allowlist: `{domains: [...], processes: [...], …}`; an item is a value,
    or a mapping with `value` and `reason`."""
    try:
        document = load_yaml(text.encode("utf-8"))  # JSON is YAML too
    except (yaml_error(), RecursionError):
        raise InputError(f"{path}: the allowlist is not readable YAML or JSON") from None
    if not isinstance(document, dict):
        raise InputError(f"{path}: write the allowlist as a mapping of kinds to lists, e.g. "
                         "'domains: [apple.com]'")
    out = []
    for name, items in document.items():
        for position, item in enumerate(items if isinstance(items, list) else [items],
                                        start=1):
            value, reason = (item.get("value"), item.get("reason", "")) \
                if isinstance(item, dict) else (item, "")
            out.append((f"{name} #{position}", str(name), str(value or ""), str(reason or "")))
    return out


def load_allowlist(path: Path) -> Allowlist:
    """Read an allowlist; a bad entry is an InputError naming it (nothing is half-applied)."""
    try:
        data = path.read_bytes()
        text = data.decode("utf-8-sig")
    except OSError as error:
        raise InputError(f"{path}: cannot read the allowlist ({error.strerror})") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: the allowlist is not UTF-8 text") from None
    digest = hashlib.sha256(data).hexdigest()
    structured = path.suffix.lower() in (".yaml", ".yml", ".json")
    entries = (_entries_from_mapping if structured else _entries_from_text)(path, text)
    items: list[Indicator] = []
    for where, kind_name, value, reason in entries:
        kind = _kind(kind_name)
        if kind is None or not value.strip():
            raise InputError(f"{path}, {where}: write '<kind> <value>' with a kind among "
                             f"{', '.join(KINDS)}")
        owner = Owner(reason or where, where, path.name, str(path), digest)
        items.append(Indicator(kind, normalise(kind, value.strip()), value.strip(), kind_name,
                               (where,), (owner,), False, reason))
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
