"""Private copies of backup databases (decrypted, or copied for their WAL to be applied) are
made once and kept for the next reads: a large database read in parts, or by several
artifacts, is decrypted or copied once, not once per read; the evidence never changes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from perito.sources import ios_backup
from perito.sources.evidence import EvidenceFile
from perito.sources.ios_backup import IosBackup
from tests.builders.ios.sms import Message, sms_db
from tests.builders.ios_backup import BackupBuilder
from tests.builders.ios_encrypted import Encryption, write_encrypted

T0 = 1_709_154_845.25
SMS = ("HomeDomain", "Library/SMS/sms.db")
OTHERS = [("HomeDomain", f"Library/Other/db{n}.sqlite") for n in range(6)]


def _messages(count: int) -> list[Message]:
    return [Message(f"6F1C2A10-0000-4000-8000-{n:012d}", T0 + n, f"mensaje {n}",
                    handle="+525555550177", service="SMS") for n in range(count)]


def _table(db: sqlite3.Connection) -> None:
    db.execute("CREATE TABLE t (x)")


def _builder() -> BackupBuilder:
    builder = BackupBuilder()
    builder.add_sqlite(*SMS, sms_db(_messages(30)), wal=True)  # the last writes in the WAL
    for domain, path in OTHERS:
        builder.add_sqlite(domain, path, _table)
    return builder


def _evidence(backup: IosBackup, domain: str, path: str) -> EvidenceFile:
    row = backup.row(domain, path)
    found = backup.evidence(row) if row is not None else None
    assert found is not None
    return found


def _texts(backup: IosBackup, evidence: EvidenceFile) -> tuple[bool, list[str]]:
    with backup.open_sqlite(evidence) as opened:
        texts = [row[0] for row in opened.connection.execute(
            "SELECT text FROM message ORDER BY ROWID")]
        return opened.wal_applied, texts


def _snapshot(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("encrypted", [False, True])
def test_a_database_read_again_is_copied_once_with_its_wal(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, encrypted: bool) -> None:
    builder = _builder()
    if encrypted:
        root = write_encrypted(builder, tmp_path / "backup", Encryption(password="1234")).root
    else:
        root = builder.write(tmp_path / "backup")
    before = _snapshot(root)
    made: list[str] = []
    original = IosBackup._private_copy

    def counted(self: IosBackup, evidence: EvidenceFile) -> tuple[Path, Path, dict[str, Path]]:
        made.append(evidence.address)
        return original(self, evidence)

    monkeypatch.setattr(IosBackup, "_private_copy", counted)
    with IosBackup(root, password="1234" if encrypted else None) as backup:
        sms = _evidence(backup, *SMS)
        reads = [_texts(backup, sms) for _ in range(4)]
        private = backup._private
        assert private is not None and private.is_dir()
    assert made == [sms.address]  # one copy for four reads
    assert reads == [(True, [f"mensaje {n}" for n in range(30)])] * 4  # WAL rows every time
    assert private is not None and not private.exists()  # removed when the backup closes
    assert _snapshot(root) == before


def test_a_plain_database_without_sidecars_is_read_in_place(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _builder().write(tmp_path / "backup")
    monkeypatch.setattr(IosBackup, "_private_copy", None)  # would fail if called
    with IosBackup(root) as backup:
        with backup.open_sqlite(_evidence(backup, *OTHERS[0])) as opened:
            assert not opened.wal_applied
            assert opened.connection.execute("SELECT count(*) FROM t").fetchone() == (0,)
        assert backup._private is None


def test_only_the_last_copies_are_kept_and_none_that_is_open(tmp_path: Path) -> None:
    root = write_encrypted(_builder(), tmp_path / "backup", Encryption(password="1234")).root
    with IosBackup(root, password="1234") as backup:
        private = backup._private
        assert private is not None

        def copies() -> int:
            return len([p for p in private.iterdir() if p.name.startswith("db-")])

        sms = _evidence(backup, *SMS)
        with backup.open_sqlite(sms) as held:  # stays open while six others come and go
            for domain, path in OTHERS:
                with backup.open_sqlite(_evidence(backup, domain, path)) as opened:
                    opened.connection.execute("SELECT count(*) FROM t").fetchone()
                assert copies() <= ios_backup._KEPT_COPIES
            assert held.connection.execute("SELECT count(*) FROM message").fetchone() == (30,)
        assert copies() == ios_backup._KEPT_COPIES


def test_a_copy_that_fails_leaves_nothing(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    root = _builder().write(tmp_path / "backup")

    def broken(*_args: object) -> Path:
        raise OSError(28, "No space left on device")

    with IosBackup(root) as backup:
        sms = _evidence(backup, *SMS)
        monkeypatch.setattr(backup, "_decrypt_into", broken)
        with pytest.raises(OSError), backup.open_sqlite(sms):
            pass
        assert backup._private is not None and not list(backup._private.iterdir())
        monkeypatch.undo()
        assert _texts(backup, sms)[1][-1] == "mensaje 29"  # a later read makes the copy


def test_sqlite_itself_sees_the_wal_only_rows(tmp_path: Path) -> None:
    """The fixture's last rows really are only in the WAL (so the tests above mean it)."""
    root = _builder().write(tmp_path / "backup")
    with IosBackup(root) as backup:
        sms = _evidence(backup, *SMS)
        uri = f"file:{sms.path}?mode=ro&immutable=1"
        alone = sqlite3.connect(uri, uri=True)
        tables = {row[0] for row in alone.execute("SELECT name FROM sqlite_master")}
        assert "message" not in tables or \
            alone.execute("SELECT count(*) FROM message").fetchone()[0] < 30
        alone.close()
