"""iOS full-filesystem dumps: the device's tree from `/`, as a folder, tar(.gz) or zip.

Paths are relative to the root (`private/var/mobile/…`). App and group containers are named
by a random UUID per install; each has its `.com.apple.mobile_container_manager.metadata.plist`
with `MCMMetadataIdentifier`. The OS image part holds only the few binaries a test needs;
`var` and `tmp` are the device's links to `private/var` and `private/var/tmp`.
"""

from __future__ import annotations

import plistlib
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.builders.tree import TreeBuilder

MOBILE = "private/var/mobile"
SHARED_GROUPS = f"{MOBILE}/Containers/Shared/AppGroup"
APP_DATA = f"{MOBILE}/Containers/Data/Application"
METADATA = ".com.apple.mobile_container_manager.metadata.plist"


@dataclass
class DumpBuilder:
    tree: TreeBuilder = field(default_factory=TreeBuilder)

    def __post_init__(self) -> None:
        self.tree.add_symlink("var", "private/var")
        self.tree.add_symlink("tmp", "private/var/tmp")
        for binary in ("usr/libexec/nehelper", "sbin/launchd", "usr/sbin/wifid"):
            self.tree.add_file(binary, b"\xcf\xfa\xed\xfe" + b"\x00" * 60)  # Mach-O magic

    def add(self, path: str, data: bytes) -> None:
        self.tree.add_file(path, data)

    def add_sqlite(self, path: str, fill: Callable[[sqlite3.Connection], None], *,
                   wal: bool = False) -> None:
        self.tree.add_sqlite(path, fill, wal=wal)

    def container(self, parent: str, uuid: str, identifier: str) -> str:
        """A container folder with its metadata plist; returns its path."""
        root = f"{parent}/{uuid}"
        self.tree.add_file(f"{root}/{METADATA}", plistlib.dumps(
            {"MCMMetadataIdentifier": identifier, "MCMMetadataContentClass": 7,
             "MCMMetadataUUID": uuid, "MCMMetadataVersion": 6}, fmt=plistlib.FMT_BINARY))
        return root
