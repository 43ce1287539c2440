"""Integrity of the acquisition: androidqf's `hashes.csv` checked file by file (android.md §1.2).

Each row is a zip entry name (older androidqf: the file's absolute path on the acquiring
computer) and the lowercase SHA-256 of its plaintext. Every listed file is hashed again; a
file that differs from its recorded hash, or is missing, is a warning (the evidence changed
after the acquisition), except `command.log`, which androidqf keeps writing after hashing.
Members refused as hostile are reported here too.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from perito.artifacts.android.common import text_of
from perito.artifacts.base import Artifact, Context
from perito.records import Record, register_record
from perito.sources.android_tree import AndroidTree
from perito.sources.evidence import EvidenceFile
from perito.sources.locations import AndroidFile


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class HashCheck(Record):
    """One row of hashes.csv and what the file hashes to now."""

    name: str
    recorded: str
    actual: str = ""
    status: str = ""  # "ok", "mismatch", "missing", "unreadable", "changed-after-hashing"

    record_name = "Acquisition hash check"

    def describe(self) -> str:
        return f"{self.name}: {self.status}"


# Files androidqf still writes after hashing: a different hash is expected there
_STILL_WRITTEN = frozenset({"command.log", "hashes.csv"})


def _member(source: AndroidTree, ctx: Context, name: str) -> EvidenceFile | None:
    """The acquisition file a row names. Current androidqf writes the zip entry name; older
    versions wrote the absolute path on the acquiring computer (`/home/…/<uuid>/getprop.txt`,
    `C:\\…\\<uuid>\\getprop.txt`): the longest tail that is a file of the acquisition wins."""
    parts = [p for p in name.replace("\\", "/").split("/") if p and p != "."]
    for start in range(len(parts)):
        evidence = source.sibling(ctx.evidence, "/".join(parts[start:]))
        if evidence is not None:
            return evidence
    return None


def extract(ctx: Context) -> Iterator[Record]:
    source = ctx.source
    if not isinstance(source, AndroidTree):
        return
    for refused in source.refused:
        ctx.warn(f"zip member {refused} was refused and not read")
    for row in csv.reader(io.StringIO(text_of(ctx))):
        if len(row) < 2 or not row[0].strip():
            continue
        name, recorded = row[0].strip(), row[1].strip().lower()
        evidence = _member(source, ctx, name)
        if evidence is None:
            status, actual = "missing", ""
        else:
            try:
                actual = source.sha256(evidence)
            except OSError as error:
                status, actual = "unreadable", ""
                ctx.warn(f"{name} could not be read to check its hash "
                         f"({error.strerror or type(error).__name__})")
            else:
                status = "ok" if actual == recorded else "mismatch"
        if status == "mismatch" and evidence is not None and evidence.name in _STILL_WRITTEN:
            status = "changed-after-hashing"
        elif status in ("mismatch", "missing"):
            problem = ("does not match its recorded SHA-256" if status == "mismatch"
                       else "is listed in hashes.csv but not in the acquisition")
            ctx.warn(f"{name} {problem}")
        yield HashCheck(source=ctx.evidence.address, name=name, recorded=recorded,
                        actual=actual, status=status)


ARTIFACT = Artifact(
    id="android.androidqf.hashes",
    title="Acquisition integrity (hashes.csv)",
    slug="hashes",
    plugin="Hashes",
    locations=(AndroidFile("hashes.csv"),),
    records=(HashCheck,),
    extract=extract,
    doc=__doc__ or "",
)
