"""Where an artifact may live in an acquisition, one type per addressing scheme."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BackupFile:
    """A file in an iOS backup, by Manifest domain and relativePath."""

    domain: str
    relative_path: str


@dataclass(frozen=True, slots=True)
class BackupGlob:
    """Backup files whose relativePath (and domain) match glob patterns (case-sensitive)."""

    relative_path: str
    domain: str = "*"


@dataclass(frozen=True, slots=True)
class BackupRoot:
    """A file at the root of the backup folder (Info.plist, Manifest.db)."""

    name: str


@dataclass(frozen=True, slots=True)
class FsGlob:
    """A path glob relative to the root of a filesystem dump."""

    pattern: str


@dataclass(frozen=True, slots=True)
class TreeRoot:
    """The acquisition itself (a dump or sysdiagnose folder or archive), e.g. for its name."""


@dataclass(frozen=True, slots=True)
class TreeListing:
    """Every file, folder and link of a filesystem dump or archive (its listing)."""


@dataclass(frozen=True, slots=True)
class ResultFile:
    """A file of a saved result folder (perito's or the incumbent's), by relative path."""

    name: str


@dataclass(frozen=True, slots=True)
class BackupMember:
    """A member of the tar inside an Android `.ab` backup (`apps/<package>/<domain>/…`), by
    glob over its name (`*` crosses `/`)."""

    pattern: str


@dataclass(frozen=True, slots=True)
class LogFile:
    """A file of an Android intrusion-log export (folder, zip, zips in zips), by glob over
    its base name."""

    pattern: str


@dataclass(frozen=True, slots=True)
class AndroidFile:
    """Files of an Android acquisition by a glob of their path from its root.

    `within=""` is the acquisition itself (an androidqf folder or zip, or a bugreport);
    `within="bugreport"` is the bugreport: the acquisition when it is one, else androidqf's
    nested `bugreport.zip`. `*` crosses folder boundaries (fnmatch).
    """

    pattern: str
    within: str = ""


@dataclass(frozen=True, slots=True)
class Dumpstate:
    """The dumpsys text: a bugreport's main dumpstate file, and androidqf's `dumpsys.txt`."""


Location = (BackupFile | BackupGlob | BackupRoot | FsGlob | TreeRoot | TreeListing | ResultFile
            | BackupMember | LogFile | AndroidFile | Dumpstate)
