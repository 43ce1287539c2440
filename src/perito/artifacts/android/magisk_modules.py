"""Magisk modules listed by newer androidqf: `magisk_modules/manifest.json` and each module's
`magisk_modules/NNNN/module.prop` (collected only when the phone already has a working `su`).

The manifest has `status` (`collected`, `partial`, `no_modules`, `root_unavailable`, …) and
`modules[]` with `device_path` (under `/data/adb/modules`), `directory_name`,
`module_prop_path` (the copy in the acquisition), `module_prop_status` and `state_files`
(`disable`, `remove`, `update`). `module.prop` is `key=value` lines (`id`, `name`,
`version`, `author`, `description`). Magisk modules change the system at boot: each is
root tooling, and some hide it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from perito.artifacts.android.common import json_of, text
from perito.artifacts.base import Artifact, Context
from perito.errors import DamagedFile
from perito.records import Kind, Record, observable, register_record
from perito.sources.android_tree import AndroidTree
from perito.sources.locations import AndroidFile


@register_record
@dataclass(frozen=True, slots=True, kw_only=True)
class MagiskModule(Record):
    """One installed Magisk module."""

    device_path: str = field(metadata=observable(Kind.FILE_PATH))
    directory_name: str = field(default="", metadata=observable(Kind.PROCESS))
    module_id: str = ""
    name: str = ""
    version: str = ""
    author: str = ""
    description: str = ""
    state_files: tuple[str, ...] = ()

    record_name = "Magisk module"

    def describe(self) -> str:
        return f"Magisk module {self.module_id or self.directory_name} ({self.name})"


def _properties(ctx: Context, source: AndroidTree, path: str) -> dict[str, str]:
    evidence = source.sibling(ctx.evidence, path) if path else None
    if evidence is None:
        return {}
    values: dict[str, str] = {}
    for line in source.read_bytes(evidence).decode("utf-8", "replace").splitlines():
        key, equals, value = line.partition("=")
        if equals and key.strip() and not key.lstrip().startswith("#"):
            values.setdefault(key.strip(), value.strip())
    return values


def extract(ctx: Context) -> Iterator[Record]:
    source = ctx.source
    manifest = json_of(ctx)
    if not isinstance(manifest, dict) or not isinstance(source, AndroidTree):
        raise DamagedFile("the Magisk manifest is not a JSON object")
    status = text(manifest.get("status"))
    if status not in ("collected", "no_modules"):
        ctx.warn(f"androidqf's Magisk collection status is {status or 'missing'}")
    modules = manifest.get("modules")
    for module in modules if isinstance(modules, list) else []:
        if not isinstance(module, dict):
            continue
        props = _properties(ctx, source, text(module.get("module_prop_path")))
        states = module.get("state_files")
        yield MagiskModule(
            source=ctx.evidence.address, device_path=text(module.get("device_path")),
            directory_name=text(module.get("directory_name")), module_id=props.get("id", ""),
            name=props.get("name", ""), version=props.get("version", ""),
            author=props.get("author", ""), description=props.get("description", ""),
            state_files=tuple(text(s) for s in states) if isinstance(states, list) else ())


ARTIFACT = Artifact(
    id="android.androidqf.magisk_modules",
    title="Magisk modules (magisk_modules/manifest.json)",
    slug="magisk_modules",
    plugin="MagiskModules",
    locations=(AndroidFile("magisk_modules/manifest.json"),),
    records=(MagiskModule,),
    extract=extract,
    doc=__doc__ or "",
)
