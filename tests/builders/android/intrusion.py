"""Android 16 intrusion-log exports: NDJSON `.txt` files in `<Device>_<YYYYMMDD>.zip` files.

One JSON object per line, `{<event_type>: {…}}` (android.md §5): `dns_event` and
`connect_event` with `event_time` in unix ms and addresses as Java prints an `InetAddress`
(`/192.0.2.10`), `security_event` with `event_time` in unix ns and one subtype key.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

T0_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z


def dns(event_id: int, ms: int, package: str, hostname: str, *ips: str) -> dict[str, Any]:
    return {"dns_event": {"event_id": event_id, "event_time": ms, "package_name": package,
                          "hostname": hostname, "ip_addresses": [f"/{ip}" for ip in ips],
                          "ip_addresses_count": len(ips)}}


def connect(event_id: int, ms: int, package: str, ip: str, port: int) -> dict[str, Any]:
    return {"connect_event": {"event_id": event_id, "event_time": ms, "package_name": package,
                              "port": port, "ip_address": f"/{ip}"}}


def security(event_id: int, ns: int, subtype: str, **payload: Any) -> dict[str, Any]:
    return {"security_event": {"event_id": event_id, "event_time": ns, subtype: payload}}


def ndjson(events: list[dict[str, Any]]) -> bytes:
    return b"".join(json.dumps(e, separators=(",", ":")).encode() + b"\n" for e in events)


def zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()
