"""The dumpstate header and system properties of a bugreport (android.md §2.1, §2.2).

`== dumpstate: <device-local time>` dates the bugreport (the acquisition time for a
bugreport, used to age the security patch); the `SYSTEM PROPERTIES (getprop)` block has the
getprop format. androidqf's `dumpsys.txt` has neither and yields nothing here.
"""

from __future__ import annotations

from collections.abc import Iterator

from perito.artifacts.android.acquisition import AndroidAcquisition
from perito.artifacts.android.common import local_time
from perito.artifacts.android.getprop import AndroidProperty, properties
from perito.artifacts.base import Artifact, Context
from perito.errors import DamagedFile
from perito.extract.dumpsys import dump_date, system_properties
from perito.records import Record
from perito.sources.android_tree import BUGREPORT_NESTED, AndroidTree
from perito.sources.locations import AndroidFile, Dumpstate


def extract(ctx: Context) -> Iterator[Record]:
    if ctx.evidence.relative_path == BUGREPORT_NESTED and not ctx.evidence.file_id:
        # androidqf's nested bugreport: its own files are read through Dumpstate(); here
        # only a bugreport.zip that cannot be opened is reported.
        source = ctx.source
        if isinstance(source, AndroidTree) and source.nested_problem:
            raise DamagedFile(source.nested_problem)
        return
    data = ctx.source.read_bytes(ctx.evidence)
    dumped = dump_date(data)
    if dumped:
        yield AndroidAcquisition(source=ctx.evidence.address, started=local_time(ctx, dumped))
    block = system_properties(data)
    if block is not None:
        yield from properties(block, ctx.evidence.address)


ARTIFACT = Artifact(
    id="android.bugreport.dumpstate",
    title="Bugreport time and system properties (dumpstate)",
    slug="dumpstate",
    plugin="Dumpstate",
    locations=(Dumpstate(), AndroidFile(BUGREPORT_NESTED)),
    records=(AndroidAcquisition, AndroidProperty),
    extract=extract,
    doc=__doc__ or "",
)
