"""netusage.sqlite: network use per process, kept by networkd (ios.md §5.14).

Only in filesystem dumps (`private/var/networkd/netusage.sqlite`, newer iOS under
`private/var/networkd/db/`). It is the same CoreData schema as DataUsage.sqlite, so the
records, the reader and the heuristics are DataUsage's (`perito.artifacts.ios.datausage`,
`perito.analysis.datausage`).
"""

from __future__ import annotations

from perito.artifacts.base import Artifact
from perito.artifacts.ios import datausage
from perito.sources.locations import FsGlob

LOCATIONS = (FsGlob("private/var/networkd/netusage.sqlite"),
             FsGlob("private/var/networkd/db/netusage.sqlite"))

ARTIFACT = Artifact(
    id="ios.netusage.processes",
    title="Network use per process (netusage)",
    slug="netusage",
    plugin="Netusage",
    locations=LOCATIONS,
    records=datausage.ARTIFACT.records,
    extract=datausage.extract,
    doc=__doc__ or "",
)
