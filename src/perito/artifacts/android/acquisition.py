"""The acquisition's own record: androidqf's `acquisition.json` and `adb_host_key.pub`
(android.md §1.3).

The start and end times (RFC 3339) date the acquisition: the security-patch age is measured
against them. The ADB public key of the acquiring computer tells its trusted key apart from
others in `dumpsys adb`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from perito.artifacts.android.common import json_of, text, text_of
from perito.artifacts.base import Artifact, Context
from perito.errors import DamagedFile
from perito.records import Record, register_record, timeline
from perito.sources.locations import AndroidFile
from perito.timestamps import Encoding, Timestamp, decode, unset


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class AndroidAcquisition(Record):
    """How and when the acquisition was made."""

    uuid: str = ""
    androidqf_version: str = ""
    adb_host_public_key: str = ""
    storage_path: str = ""
    cpu: str = ""
    failed_modules: tuple[str, ...] = ()
    started: Timestamp = field(default=unset(Encoding.ISO_TEXT),
                               metadata=timeline("Acquisition started"))
    completed: Timestamp = field(default=unset(Encoding.ISO_TEXT),
                                 metadata=timeline("Acquisition completed"))

    record_name = "Acquisition"

    def describe(self) -> str:
        return f"androidqf {self.androidqf_version or '?'} acquisition {self.uuid}"


def _failed(modules: object) -> tuple[str, ...]:
    if not isinstance(modules, list):
        return ()
    failed = []
    for module in modules:
        if isinstance(module, dict):
            status = text(module.get("status")).lower()
            if status and status not in ("ok", "success", "completed", "done"):
                failed.append(f"{text(module.get('name'))}: {text(module.get('status'))}")
    return tuple(failed)


def extract(ctx: Context) -> Iterator[Record]:
    if ctx.evidence.name == "adb_host_key.pub":
        key = text_of(ctx).strip()
        if key:
            yield AndroidAcquisition(source=ctx.evidence.address, adb_host_public_key=key)
        return
    data = json_of(ctx)
    if not isinstance(data, dict):
        raise DamagedFile("acquisition.json is not a JSON object")
    failed = _failed(data.get("module_results"))
    for module in failed:  # that part of the phone was not acquired: say so in the summary
        ctx.warn(f"androidqf module {module}")
    yield AndroidAcquisition(
        source=ctx.evidence.address, uuid=text(data.get("uuid")),
        androidqf_version=text(data.get("androidqf_version")),
        adb_host_public_key=text(data.get("adb_host_public_key")).strip(),
        storage_path=text(data.get("storage_path")), cpu=text(data.get("cpu")),
        failed_modules=failed,
        started=decode(text(data.get("started")), Encoding.ISO_TEXT),
        completed=decode(text(data.get("completed")), Encoding.ISO_TEXT))


ARTIFACT = Artifact(
    id="android.androidqf.acquisition",
    title="Acquisition details (acquisition.json, adb_host_key.pub)",
    slug="acquisition",
    plugin="Acquisition",
    locations=(AndroidFile("acquisition.json"), AndroidFile("adb_host_key.pub")),
    records=(AndroidAcquisition,),
    extract=extract,
    doc=__doc__ or "",
)
