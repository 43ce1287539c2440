"""The read-only tree source: folders, tars and zips, hostile members refused one by one."""

from __future__ import annotations

import hashlib
import io
import os
import stat
import struct
import tarfile
from pathlib import Path

import pytest

from perito.errors import InputError
from perito.sources.evidence import Custody
from perito.sources.locations import FsGlob
from perito.sources.tree import (
    Limits,
    TreeSource,
    clean_name,
    glob_regex,
    open_tree,
    wanted_by,
)
from tests.builders.ios.datausage import standard_db
from tests.builders.tree import TreeBuilder

WANTED = wanted_by(["data/*.txt", "db/**/store.sqlite"])


def _builder() -> TreeBuilder:
    builder = TreeBuilder()
    builder.add_text("data/a.txt", "alpha\n")
    builder.add_text("data/deep/b.txt", "not matched by data/*.txt\n")
    builder.add_text("other/c.bin", "never copied\n")
    builder.add_sqlite("db/x/y/store.sqlite", standard_db(), wal=True)
    return builder


def _source(path: Path, limits: Limits | None = None) -> TreeSource:
    return TreeSource(open_tree(path, WANTED, limits), kind="test", platform="ios",
                      limits=limits)


def test_globs_keep_star_inside_a_segment() -> None:
    assert glob_regex("a/*/c").match("a/b/c")
    assert not glob_regex("a/*/c").match("a/b/x/c")
    assert glob_regex("a/**/c").match("a/c") and glob_regex("a/**/c").match("a/b/x/c")
    assert glob_regex("x.*.log").match("x.0.log") and not glob_regex("x.*.log").match("y/x.0.log")
    assert glob_regex("a/b", any_top=True).match("top/a/b")


@pytest.mark.parametrize("name", ["/etc/passwd", "../up", "a/../../up", "a/\x00b", "C:/x",
                                  "\\\\server\\share"])
def test_hostile_names_are_refused(name: str) -> None:
    assert clean_name(name) is None


def test_plain_names_are_kept() -> None:
    assert clean_name("./a//b/./c") == "a/b/c"
    assert clean_name("a/b:c d") == "a/b:c d"


@pytest.mark.parametrize("form", ["folder", "tar", "gz", "bz2", "xz", "zip"])
def test_every_form_lists_and_reads_the_same(tmp_path: Path, form: str) -> None:
    builder = _builder()
    if form == "folder":
        path = builder.write_folder(tmp_path / "tree")
    elif form == "zip":
        path = builder.write_zip(tmp_path / "tree.zip")
    else:
        path = builder.write_tar(tmp_path / f"tree.{form}", "" if form == "tar" else form)
    source = _source(path)
    try:
        files = sorted(e.path for e in source.entries() if e.kind == "file")
        assert files == ["data/a.txt", "data/deep/b.txt", "db/x/y/store.sqlite",
                         "db/x/y/store.sqlite-wal", "other/c.bin"]
        [found] = list(source.find(FsGlob("data/*.txt")))
        assert source.read_bytes(found) == b"alpha\n"
        [db] = list(source.find(FsGlob("db/**/store.sqlite")))
        with source.open_sqlite(db) as opened:
            assert opened.wal_applied  # the rows only in the -wal are seen
            assert opened.connection.execute("SELECT COUNT(*) FROM ZPROCESS").fetchone()[0] == 6
        if form != "folder":
            staged = sorted(p.name for p in source.tree.staging.iterdir())  # type: ignore[union-attr]
            assert len(staged) == 3  # a.txt, store.sqlite and its -wal: nothing else
            assert stat.S_IMODE(source.tree.staging.stat().st_mode) == 0o700  # type: ignore[union-attr]
            archive = hashlib.sha256(path.read_bytes()).hexdigest()
            assert source.custody.hashes[str(path)][1] == archive
        addresses = {address for address, _d, _s in source.custody.hashes.values()}
        assert any(a.endswith("data/a.txt") for a in addresses)
        assert any(a.endswith("store.sqlite-wal") for a in addresses)
    finally:
        staging = source.tree.staging
        source.close()
    if staging is not None:
        assert not staging.exists()


def test_folder_symlinks_are_listed_never_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("outside the dump")
    builder = TreeBuilder()
    builder.add_text("data/a.txt", "alpha\n")
    builder.add_symlink("data/link.txt", str(outside / "secret.txt"))
    builder.add_symlink("data/dir", str(outside))
    root = builder.write_folder(tmp_path / "tree")
    source = _source(root)
    kinds = {e.path: (e.kind, e.target) for e in source.entries()}
    assert kinds["data/link.txt"] == ("symlink", str(outside / "secret.txt"))
    assert "data/dir/secret.txt" not in kinds
    assert [e.address for e in source.find(FsGlob("data/*.txt"))] == ["data/a.txt"]
    assert "2 symbolic or hard links listed, never followed" in source.tree.warnings


def test_zip_links_keep_their_target(tmp_path: Path) -> None:
    builder = TreeBuilder()
    builder.add_text("data/a.txt", "alpha\n")
    builder.add_symlink("data/link.txt", "/etc/passwd")
    source = _source(builder.write_zip(tmp_path / "links.zip"))
    try:
        kinds = {e.path: (e.kind, e.target) for e in source.entries()}
        assert kinds["data/link.txt"] == ("symlink", "/etc/passwd")
        assert [e.address for e in source.find(FsGlob("data/*.txt"))] == ["data/a.txt"]
    finally:
        source.close()


def test_hostile_tar_members_are_refused_one_by_one(tmp_path: Path) -> None:
    builder = _builder()
    builder.add_hostile("/abs/data.txt")
    builder.add_hostile("../../escape.txt")
    builder.add_hostile("data/../../escape2.txt")
    builder.add_hostile("data/dev.txt", kind="device")
    builder.add_hostile("data/fifo.txt", kind="fifo")
    builder.add_symlink("data/evil.txt", "/etc/passwd")
    (tmp_path / "work").mkdir()
    path = builder.write_tar(tmp_path / "work" / "hostile.tar.gz")
    before = set(tmp_path.rglob("*"))
    source = _source(path)
    try:
        warnings = "\n".join(source.tree.warnings)
        for name in ("/abs/data.txt", "../../escape.txt", "data/../../escape2.txt"):
            assert f"{name!r} refused: absolute path or '..'" in warnings
        assert "'data/dev.txt' refused: a device, FIFO or socket" in warnings
        assert "'data/fifo.txt' refused: a device, FIFO or socket" in warnings
        # the rest of the archive is read
        assert [e.address for e in source.find(FsGlob("data/*.txt"))] == ["data/a.txt"]
        assert set(tmp_path.rglob("*")) == before  # nothing written beside the evidence
    finally:
        source.close()


def test_member_beyond_the_size_limit_is_refused(tmp_path: Path) -> None:
    builder = TreeBuilder()
    builder.add_text("data/a.txt", "a" * 5000)
    builder.add_text("data/b.txt", "small\n")
    path = builder.write_tar(tmp_path / "big.tar.gz")
    source = _source(path, Limits(member_bytes=1000))
    try:
        assert any("'data/a.txt' refused: larger than the limit" in w
                   for w in source.tree.warnings)
        assert [e.address for e in source.find(FsGlob("data/*.txt"))] == ["data/b.txt"]
        assert source.missing_rows(FsGlob("data/*.txt")) == ["data/a.txt"]
    finally:
        source.close()


def test_zip_member_that_expands_beyond_its_declared_size(tmp_path: Path) -> None:
    builder = TreeBuilder()
    builder.add_text("data/a.txt", "x" * 100_000)  # deflates to almost nothing
    path = builder.write_zip(tmp_path / "bomb.zip")
    raw = bytearray(path.read_bytes())
    central = raw.rindex(b"PK\x01\x02")
    while central >= 0:  # every central record: claim 10 bytes uncompressed
        if raw[central + 46: central + 46 + 10] == b"data/a.txt":
            struct.pack_into("<I", raw, central + 24, 10)
        central = raw.rfind(b"PK\x01\x02", 0, central)
    path.write_bytes(bytes(raw))
    source = _source(path)
    try:
        # zipfile stops at the declared size and the CRC then fails: nothing is kept
        assert any("'data/a.txt' refused: damaged in the archive (BadZipFile)" in w
                   for w in source.tree.warnings)
        assert list(source.find(FsGlob("data/*.txt"))) == []
        assert list(source.tree.staging.iterdir()) == []  # type: ignore[union-attr]
    finally:
        source.close()


def test_stream_that_expands_beyond_the_declared_size(tmp_path: Path) -> None:
    from perito.sources.tree import _copy_bounded

    target = tmp_path / "copy"
    assert _copy_bounded(io.BytesIO(b"x" * 50), target, 10) is None
    assert not target.exists()
    assert _copy_bounded(io.BytesIO(b"x" * 10), target, 10) == 10


def test_truncated_archive_keeps_what_came_before(tmp_path: Path) -> None:
    builder = _builder()
    for number in range(40):
        builder.add_file(f"pad/{number}.bin", os.urandom(4096))
    path = builder.write_tar(tmp_path / "t.tar.gz")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    source = _source(path)
    try:
        assert any("damaged or truncated" in w for w in source.tree.warnings)
        assert [e.address for e in source.find(FsGlob("data/*.txt"))] == ["data/a.txt"]
    finally:
        source.close()


def test_not_an_archive_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with pytest.raises(InputError, match="not a folder, a tar or a zip"):
        open_tree(path, WANTED)
    with pytest.raises(InputError, match="not found"):
        open_tree(tmp_path / "absent", WANTED)


def test_interrupt_while_listing_removes_the_private_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _builder().write_tar(tmp_path / "t.tar.gz")
    made: list[str] = []
    real = __import__("tempfile").mkdtemp

    def mkdtemp(**kwargs: str) -> str:
        made.append(real(**kwargs))
        return made[-1]

    monkeypatch.setattr("perito.sources.tree.tempfile.mkdtemp", mkdtemp)

    def interrupted(name: str) -> bool:
        if name.endswith("store.sqlite"):
            raise KeyboardInterrupt
        return True

    with pytest.raises(KeyboardInterrupt):
        open_tree(path, interrupted)
    assert made and not Path(made[0]).exists()


def test_views_share_the_tree_and_keep_it_open(tmp_path: Path) -> None:
    source = _source(_builder().write_tar(tmp_path / "t.tar"))
    view = source.view()
    [found] = list(view.find(FsGlob("data/*.txt")))
    assert view.read_bytes(found) == b"alpha\n"
    view.close()
    assert found.path.exists()  # the parent still owns the copies
    source.close()
    assert not found.path.exists()


def test_files_over_the_read_limit_are_not_loaded(tmp_path: Path) -> None:
    root = _builder().write_folder(tmp_path / "tree")
    source = _source(root, Limits(read_bytes=3))
    [found] = list(source.find(FsGlob("data/*.txt")))
    with pytest.raises(OSError, match="too large"):
        source.read_bytes(found)
    assert Custody().hashes == {}


def test_a_tar_inside_memory_is_streamed_not_seeked(tmp_path: Path) -> None:
    """r|* mode: the reader never seeks, so a pipe-like file would do as well."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w|gz") as archive:
        info = tarfile.TarInfo("data/a.txt")
        info.size = 2
        archive.addfile(info, io.BytesIO(b"hi"))
    path = tmp_path / "s.tgz"
    path.write_bytes(buffer.getvalue())
    source = _source(path)
    try:
        [found] = list(source.find(FsGlob("data/*.txt")))
        assert source.read_bytes(found) == b"hi"
    finally:
        source.close()


def test_tar_hard_links_share_the_earlier_file(tmp_path: Path) -> None:
    path = tmp_path / "links.tar"
    with tarfile.open(path, "w") as archive:
        info = tarfile.TarInfo("data/a.txt")
        info.size = 6
        archive.addfile(info, io.BytesIO(b"alpha\n"))
        link = tarfile.TarInfo("data/b.txt")
        link.type, link.linkname = tarfile.LNKTYPE, "data/a.txt"
        archive.addfile(link)
        dangling = tarfile.TarInfo("data/c.txt")
        dangling.type, dangling.linkname = tarfile.LNKTYPE, "../../etc/passwd"
        archive.addfile(dangling)
    source = _source(path)
    try:
        found = {e.address: source.read_bytes(e) for e in source.find(FsGlob("data/*.txt"))}
        assert found == {"data/a.txt": b"alpha\n", "data/b.txt": b"alpha\n"}
        kinds = {e.path: e.kind for e in source.entries()}
        assert kinds["data/c.txt"] == "symlink"  # listed, never resolved outside
    finally:
        source.close()


def test_an_archive_of_only_refused_members_says_so(tmp_path: Path) -> None:
    from perito.sources.ios_fs import open_ios_fs

    builder = TreeBuilder()
    builder.add_hostile("/private/var/mobile/Library/SMS/sms.db")
    path = builder.write_tar(tmp_path / "absolute.tar")
    with pytest.raises(InputError, match="1 members were refused, e.g. member "
                                         "'/private/var/mobile/Library/SMS/sms.db' refused"):
        open_ios_fs(path, [])


def test_a_tar_that_expands_without_bound_stops_the_pass(tmp_path: Path) -> None:
    builder = TreeBuilder()
    builder.add_text("data/a.txt", "alpha\n")
    builder.add_file("data/zeros.bin", b"\0" * (4 << 20))  # 4 MiB of zeros: ~4 KiB gzipped
    builder.add_text("data/b.txt", "never reached\n")
    path = builder.write_tar(tmp_path / "bomb.tar.gz")
    source = _source(path, Limits(expansion=10, expansion_floor=0))
    try:
        assert any("'data/zeros.bin' refused: the archive would expand beyond" in w
                   for w in source.tree.warnings)
        assert [e.address for e in source.find(FsGlob("data/*.txt"))] == ["data/a.txt"]
    finally:
        source.close()


def test_zip_names_written_with_backslashes(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "windows.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("data\\a.txt", b"alpha\n")
        archive.writestr("..\\..\\evil.txt", b"x")
    source = _source(path)
    try:
        assert [e.address for e in source.find(FsGlob("data/*.txt"))] == ["data/a.txt"]
        assert any("refused: absolute path or '..'" in w for w in source.tree.warnings)
    finally:
        source.close()


def test_duplicate_members_the_later_wins(tmp_path: Path) -> None:
    builder = TreeBuilder()
    builder.add_text("data/a.txt", "first\n")
    builder.add_text("data/a.txt", "second\n")
    builder.add_text("data/b.txt", "bee\n")
    source = _source(builder.write_tar(tmp_path / "dup.tar.gz"))
    try:
        found = {e.address: source.read_bytes(e) for e in source.find(FsGlob("data/*.txt"))}
        assert found == {"data/a.txt": b"second\n", "data/b.txt": b"bee\n"}
        assert source.tree.warnings == []
    finally:
        source.close()


def test_appledouble_companions_are_not_the_files(tmp_path: Path) -> None:
    builder = TreeBuilder()
    builder.add_text("data/a.txt", "alpha\n")
    builder.add_file("data/._a.txt", b"\x00\x05\x16\x07 AppleDouble")
    builder.add_file("__MACOSX/data/._a.txt", b"\x00\x05\x16\x07 AppleDouble")
    source = _source(builder.write_zip(tmp_path / "finder.zip"))
    try:
        assert [e.address for e in source.find(FsGlob("data/*.txt"))] == ["data/a.txt"]
        assert [e.address for e in source.find(FsGlob("data/._*"))] == ["data/._a.txt"]
    finally:
        source.close()
