"""Where the shared material sits: the repository is checked out beside `shared/`."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SHARED_IOCS = SHARED / "iocs"
