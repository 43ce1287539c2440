"""The bundled sample backup: what `make demo` scans must find exactly what was planted."""

from __future__ import annotations

import json
from pathlib import Path

from samples.build_sample import DEFAULT_DEST, build

from perito.cli import main
from tests.paths import ROOT

SAMPLE_IOCS = ROOT / "samples" / "iocs"

EXPECTED_MATCHES = [  # the sample's own foundation traces, then the catalogue's
    ('CRITICAL', 'applications', 'processes', 'com.apple.rapports.events', 'exact'),
    ('CRITICAL', 'calendar', 'emails', 'bekkerfredi@gmail.com', 'exact'),
    ('CRITICAL', 'calls', 'emails', 'taylorjade0303@gmail.com', 'exact'),
    ('CRITICAL', 'chrome_history', 'domains', 'tookcheckout.com', 'exact'),
    ('CRITICAL', 'chrome_history', 'domains', 'tookcheckout.com', 'exact'),
    ('CRITICAL', 'datausage', 'processes', 'ReminderIntentsUIExtension', 'truncated'),
    ('CRITICAL', 'firefox_history', 'domains', 'oneleadingchat.com', 'exact'),
    ('CRITICAL', 'id_status_cache', 'emails', 'k.williams.enny74@gmail.com', 'exact'),
    ('CRITICAL', 'interaction_c', 'emails', 'oskarschalcher@outlook.com', 'exact'),
    ('CRITICAL', 'os_analytics_ad_daily', 'processes', 'accountpfd', 'exact'),
    ('CRITICAL', 'profile_events', 'processes', 'gssdp', 'exact'),
    ('CRITICAL', 'safari_browser_state', 'domains', 'newenvelope.net', 'exact'),
    ('CRITICAL', 'safari_browser_state', 'domains', 'newenvelope.net', 'exact'),
    ('CRITICAL', 'safari_history', 'domains', 'smscentro.com', 'subdomain'),
    ('CRITICAL', 'safari_history', 'domains', 'tookcheckout.com', 'exact'),
    ('CRITICAL', 'shortcuts', 'domains', 'pine-sales.com', 'exact'),
    ('CRITICAL', 'sms', 'domains', 'smscentro.com', 'exact'),
    ('CRITICAL', 'sms', 'emails', 'bogaardlisa803@gmail.com', 'exact'),
    ('CRITICAL', 'webkit_resource_load_statistics', 'domains', 'select-edition.net', 'exact'),
    ('CRITICAL', 'webkit_resource_load_statistics', 'domains', 'select-edition.net', 'exact'),
    ('CRITICAL', 'webkit_session_resource_log', 'domains', 'productsall.net', 'exact'),
    ('HIGH', 'locationd_clients', 'processes', 'eventstorpd', 'exact'),
    ('HIGH', 'manifest', 'domains', 'receiptpending.net', 'exact'),
    ('HIGH', 'manifest', 'domains', 'receiptpending.net', 'exact'),
    ('HIGH', 'manifest', 'domains', 'receiptpending.net', 'exact'),
    ('HIGH', 'manifest', 'domains', 'receiptpending.net', 'exact'),
    ('HIGH', 'manifest', 'domains', 'receiptpending.net', 'exact'),
    ('HIGH', 'manifest', 'file_names', 'roleaccountd.plist', 'exact'),
]
EXPECTED_FINDINGS = [
    ('HIGH', 'addaily-backupagent'),
    ('HIGH', 'apple-threat-notification'),
    ('HIGH', 'calendar-quadream-event'),
    ('HIGH', 'datausage-process-record-deleted'),
    ('HIGH', 'idstatuscache-nul-bytes'),
    ('HIGH', 'idstatuscache-nul-bytes'),
    ('INFORMATIONAL', 'lockdown-mode-enabled'),
    ('LOW', 'configuration-profile-operation'),
    ('LOW', 'configuration-profile-operation'),
    ('LOW', 'configuration-profile-operation'),
    ('LOW', 'configuration-profile-operation'),
    ('LOW', 'configuration-profile-operation'),
    ('LOW', 'configuration-profile-operation'),
    ('LOW', 'configuration-profile-traffic-routing'),
    ('LOW', 'configuration-profile-traffic-routing'),
    ('LOW', 'datausage-missing-process'),
    ('MEDIUM', 'app-not-from-app-store'),
    ('MEDIUM', 'app-not-from-app-store'),
    ('MEDIUM', 'app-without-bundle-id'),
    ('MEDIUM', 'configuration-profile-notification-settings'),
    ('MEDIUM', 'configuration-profile-root-certificate'),
    ('MEDIUM', 'configuration-profile-root-certificate'),
    ('MEDIUM', 'configuration-profile-root-certificate'),
    ('MEDIUM', 'safari-fast-redirect'),
    ('MEDIUM', 'sms-attachment-in-tmp'),
    ('MEDIUM', 'sms-attachment-in-tmp'),
]


def _scan(backup: Path, out: Path) -> list[dict[str, object]]:
    assert main(["ios", "check-backup", str(backup), "-i", str(SAMPLE_IOCS),
                 "-o", str(out)]) == 2
    alerts: list[dict[str, object]] = json.loads((out / "alerts.json").read_text())
    return alerts


def test_bundled_sample_finds_what_was_planted(tmp_path: Path) -> None:
    alerts = _scan(DEFAULT_DEST, tmp_path / "out")
    matches = sorted(
        (a["level"], a["module"], a["matched_indicator"]["type"],  # type: ignore[index]
         a["matched_indicator"]["value"], a["perito"]["match"]["rule"])  # type: ignore[index]
        for a in alerts if a["matched_indicator"])
    findings = sorted((a["level"], a["perito"]["finding"])  # type: ignore[index]
                      for a in alerts if not a["matched_indicator"])
    assert matches == EXPECTED_MATCHES
    assert findings == EXPECTED_FINDINGS


def test_bundled_sample_is_what_the_builders_make(tmp_path: Path) -> None:
    fresh = build(tmp_path / "fresh")
    _scan(DEFAULT_DEST, tmp_path / "bundled-out")
    _scan(fresh, tmp_path / "fresh-out")
    for name in sorted(p.name for p in (tmp_path / "bundled-out" / "records").iterdir()):
        bundled = (tmp_path / "bundled-out" / "records" / name).read_text()
        rebuilt = (tmp_path / "fresh-out" / "records" / name).read_text()
        assert bundled == rebuilt, name
