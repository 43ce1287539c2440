"""Processes of a bugreport: the dumpstate's `PROCESSES AND THREADS` block (`ps -A -T -Z -O
pri,nice,rtprio,sched,pcy,time`: a SELinux LABEL column, one row per thread, CMD last).

Only the main thread of each process is kept. The incumbent reads no processes from
bugreports. The records share androidqf's process type and heuristics.
"""

from __future__ import annotations

from collections.abc import Iterator

from perito.artifacts.android.processes import AndroidProcess, parse_ps
from perito.artifacts.base import Artifact, Context
from perito.extract.dumpsys import command_block
from perito.records import Record
from perito.sources.locations import Dumpstate


def extract(ctx: Context) -> Iterator[Record]:
    block = command_block(ctx.source.read_bytes(ctx.evidence), "PROCESSES AND THREADS")
    if block is not None:
        yield from parse_ps(block, ctx.evidence.address)


ARTIFACT = Artifact(
    id="android.bugreport.processes",
    title="Processes (bugreport ps block)",
    slug="bugreport_processes",
    plugin="Processes",
    locations=(Dumpstate(),),
    records=(AndroidProcess,),
    extract=extract,
    doc=__doc__ or "",
)
