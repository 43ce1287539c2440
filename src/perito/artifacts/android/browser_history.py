"""Browser history that newer androidqf pulls from rooted phones:
`browser_history/<package>/<profile>/History` (Chrome, Brave, Edge, Samsung Internet), with
its `-wal` beside it when there was one, and `browser_history/manifest.json`.

All four are Chromium `History` databases: the declaration and records are those of
`ios.chrome.history` (artifacts/ios/chrome_history.py), only the location differs. The
database is read from a private copy with its write-ahead log applied.
"""

from __future__ import annotations

import dataclasses

from perito.artifacts.ios import chrome_history
from perito.sources.locations import AndroidFile

ARTIFACT = dataclasses.replace(
    chrome_history.ARTIFACT,
    id="android.browser.history",
    title="Browser history (browser_history/, rooted phones)",
    locations=(AndroidFile("browser_history/*/History"),),
    doc=__doc__ or "",
)
