"""Members of a dump or sysdiagnose archive that perito refused to read, and why.

`perito.sources.tree` refuses hostile or damaged members one by one (absolute names, `..`,
devices, members beyond the size limits, a damaged archive) and goes on. Each refusal is a
record here, so that the outputs say what was not examined; any refusal marks the artifact
partly read, and the run ends with exit code 3 when nothing else matched.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from dataclasses import dataclass

from perito.artifacts.base import Artifact, Context
from perito.records import Record, register_record
from perito.sources.locations import TreeRoot
from perito.sources.tree import TreeSource


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class AcquisitionWarning(Record):
    """One warning about the acquisition's container (a refused member, a damaged tail)."""

    message: str = ""

    record_name = "acquisition warning"

    def describe(self) -> str:
        return self.message


def extract(ctx: Context) -> Iterator[Record]:
    source = ctx.source
    if not isinstance(source, TreeSource):
        return
    problems = 0
    for message in source.tree.warnings:
        yield AcquisitionWarning(source=ctx.evidence.address, message=message)
        if message in source.tree.harmless:
            ctx.warn(message)
        else:
            problems += 1
    if problems:
        raise OSError(errno.EIO, f"{problems} warnings about members that were not read "
                      "(see the records)")


ARTIFACT = Artifact(
    id="ios.acquisition.members",
    title="Refused or damaged members of the acquisition",
    slug="acquisition_members",
    plugin="AcquisitionMembers",
    locations=(TreeRoot(),),
    records=(AcquisitionWarning,),
    extract=extract,
    doc=__doc__ or "",
)
