""".GlobalPreferences.plist (`HomeDomain/Library/Preferences/.GlobalPreferences.plist`).

A flat dictionary written by cfprefsd as a binary plist. The keys below are the usual
language, locale and keyboard settings of a Spanish/English device, plus `LDMGlobalEnabled`
(Lockdown Mode) when asked for. Two entries (`TestOpaqueData`, `TestLastChange`) are not
real iOS keys: they exist so that data and date values, which the real file can hold, are
covered.
"""

from __future__ import annotations

import datetime as dt
import plistlib
from typing import Any

RELATIVE_PATH = "Library/Preferences/.GlobalPreferences.plist"
_UNSET = object()


def preferences(lockdown: Any = _UNSET) -> dict[str, Any]:
    """The dictionary; `lockdown` sets LDMGlobalEnabled (left out when not given)."""
    values: dict[str, Any] = {
        "AppleLanguages": ["es-MX", "en-US"],
        "AppleLocale": "es_MX",
        "AppleKeyboards": ["es_MX@sw=QWERTY-Spanish;hw=Automatic", "en_US@sw=QWERTY;hw=Automatic",
                           "emoji@sw=Emoji"],
        "AppleKeyboardsExpanded": 1,
        "AppleLanguagesDidMigrate": "21E236",
        "AppleLanguagesSchemaVersion": 3300,
        "AppleICUForce24HourTime": True,
        "AppleTemperatureUnit": "Celsius",
        "com.apple.preferences.timezone.selected_city": {
            "Name": "Mexico City", "TimeZoneName": "America/Mexico_City",
            "CountryCode": "MX", "Latitude": 19.43, "Longitude": -99.13,
        },
        "NSLinguisticDataAssetsRequested": ["es", "en"],
        "TestOpaqueData": b"\x00\x01\xfe\xff",
        "TestLastChange": dt.datetime(2024, 2, 28, 21, 14, 5),
    }
    if lockdown is not _UNSET:
        values["LDMGlobalEnabled"] = lockdown
    return values


def global_preferences_plist(lockdown: Any = _UNSET, *, fmt: int = plistlib.FMT_BINARY
                             ) -> bytes:
    return plistlib.dumps(preferences(lockdown), fmt=fmt)
