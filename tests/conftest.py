"""Every test runs with its own empty data directory, never the real one in the home."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path_factory: pytest.TempPathFactory,
                      monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path_factory.mktemp("perito-data")
    monkeypatch.setenv("PERITO_DATA_DIR", str(folder))
    return folder
