"""Echap's stalkerware `ioc.yaml` (../shared/iocs/echap/) as a STIX 2 bundle, for the tests.

One malware object per app; `app:id` for every package name and `app:cert.sha1` for every
signing-certificate SHA-1, as the STIX files generated from this YAML carry them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.builders.stix import BundleBuilder, pattern
from tests.paths import SHARED_IOCS

ECHAP_YAML = SHARED_IOCS / "echap" / "ioc.yaml"


def echap_apps() -> list[dict[str, Any]]:
    apps: list[dict[str, Any]] = yaml.safe_load(ECHAP_YAML.read_text(encoding="utf-8"))
    return apps


def echap_bundle(path: Path) -> Path:
    builder = BundleBuilder("echap-stalkerware")
    for app in echap_apps():
        malware = builder.malware(str(app["name"]))
        for package in app.get("packages") or []:
            builder.indicator(pattern("app:id", str(package)), indicates=malware)
        for certificate in app.get("certificates") or []:
            builder.indicator(pattern("app:cert.sha1", str(certificate)), indicates=malware)
    return builder.write(path)
