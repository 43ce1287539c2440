"""Start-up stays light: a command imports its own platform's artifacts and nothing it does
not run (the network code of `iocs update`, the report stack before the scan)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from perito.artifacts import PLATFORMS, platform_of, registry
from tests.paths import ROOT

# Run in a fresh interpreter (this one has imported everything): the modules loaded once the
# first artifact of a check of the sample backup starts.
_FIRST_ARTIFACT = """
import sys
import perito.pipeline as pipeline
from perito.cli import main

class FirstArtifact(BaseException):
    pass

def files_of(source, artifact):
    raise FirstArtifact

pipeline.files_of = files_of
try:
    main(sys.argv[1:])
except FirstArtifact:
    print("\\n".join(sorted(sys.modules)))
"""


def _loaded(code: str, *args: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          cwd=ROOT, check=True)
    return set(done.stdout.split())


def _unwanted(modules: set[str], packages: tuple[str, ...]) -> list[str]:
    """The modules that are one of `packages` or inside one."""
    inside = tuple(f"{package}." for package in packages)
    return sorted(m for m in modules if m in packages or m.startswith(inside))


def test_the_parser_loads_no_artifact_and_no_console() -> None:
    modules = _loaded("import sys, perito.cli; perito.cli._parser(); "
                      "print('\\n'.join(sys.modules))")
    assert not _unwanted(modules, ("perito.artifacts", "perito.check", "perito.pipeline",
                                   "rich", "jinja2", "babel", "urllib.request", "ssl"))


def test_an_ios_backup_check_starts_without_android_network_or_report_code(
        tmp_path: Path) -> None:
    modules = _loaded(_FIRST_ARTIFACT, "ios", "check-backup", "samples/ios-backup", "-i",
                      "samples/iocs", "-j", "1", "-o", str(tmp_path))
    assert "perito.artifacts.ios.catalogue" in modules  # the scan did start
    # The Android record types the heuristics are keyed on are loaded (see perito.analysis),
    # not the Android catalogue, its sources or parsers.
    assert not _unwanted(modules, (
        "perito.artifacts.android.catalogue", "perito.sources.android_ab", "google.protobuf",
        "perito.commands.iocs_update", "urllib.request", "http.client", "ssl", "jinja2",
        "babel", "perito.output.report.content"))


def test_artifact_ids_start_with_their_catalogue_platform() -> None:
    everything = registry()
    assert everything == {k: v for p in PLATFORMS for k, v in registry(p).items()}
    for platform in PLATFORMS:
        assert registry(platform)
        assert all(platform_of(key) == platform for key in registry(platform))
