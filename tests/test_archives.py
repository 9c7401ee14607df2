"""Archive unpacking: every refusal path, built as a hostile archive in tmp_path at test time."""

from __future__ import annotations

import gzip
import io
import re
import struct
import warnings
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path

import pytest

from auditql.errors import ArchiveRefused, InputError
from auditql.read.unpack import Limits, Member, Unpacked, is_archive, unpack

CSV = b"time,user,action\n2024-01-01T00:00:00Z,alice,login\n"
GENERATED = re.compile(r"unpack-[^/]+(/m\d{4,}\.(csv|json|ndjson|jsonl|parquet|txt|gz|zip|bin))?")


# ---- builders -------------------------------------------------------------------------------------


def zip_bytes(members: Sequence[tuple[str | zipfile.ZipInfo, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate names we write on purpose
        with zipfile.ZipFile(buf, "w", method) as zf:
            for name, data in members:
                zf.writestr(name, data)
    return buf.getvalue()


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def local_header(name: bytes, data: bytes) -> bytes:
    sizes = (zlib.crc32(data), len(data), len(data), len(name), 0)
    return struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 0, 0, 0x21, *sizes) + name


def stored_zip_by_hand(entries: list[tuple[bytes, bytes, int]], body: bytes) -> bytes:
    """`body` is every local header and its data; `entries` are (name, data, offset) central records."""
    central = b"".join(
        struct.pack(
            "<4sHHHHHHIIIHHHHHII",
            *(b"PK\x01\x02", 20, 20, 0, 0, 0, 0x21, zlib.crc32(data), len(data), len(data), len(name)),
            *(0, 0, 0, 0, 0, offset),
        )
        + name
        for name, data, offset in entries
    )
    n = len(entries)
    return body + central + struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, n, n, len(central), len(body), 0)


def quoted_overlap_bomb() -> bytes:
    """CVE-2024-0450: a.csv's stored data *contains* b.csv's local header and data: b counts twice."""
    b_data = b"x,y\n" * 25_000
    b_local = local_header(b"b.csv", b_data)
    a_data = b_local + b_data
    a_local = local_header(b"a.csv", a_data)
    entries = [(b"a.csv", a_data, 0), (b"b.csv", b_data, len(a_local))]
    return stored_zip_by_hand(entries, a_local + a_data)


def full_overlap_bomb() -> bytes:
    """Many central records all pointing at the same local data."""
    data = b"x,y\n" * 25_000
    entries = [(f"f{i}.csv".encode(), data, 0) for i in range(50)]
    return stored_zip_by_hand(entries, local_header(b"f0.csv", data) + data)


def set_flag(data: bytes, bit: int) -> bytes:
    raw = bytearray(data)
    for sig, at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        for m in re.finditer(re.escape(sig), data):
            raw[m.start() + at] |= bit
    return bytes(raw)


def files_in(workdir: Path) -> list[Path]:
    return sorted(p for p in workdir.rglob("*"))


def refused(archive: Path, workdir: Path, exc: type[InputError], limits: Limits | None = None) -> str:
    with pytest.raises(InputError) as info, unpack(archive, workdir, limits or Limits()):
        pytest.fail("unpack yielded for an archive it should refuse")
    assert type(info.value) is exc
    assert files_in(workdir) == [], "a refused archive must leave nothing behind"
    return str(info.value)


@pytest.fixture
def work(tmp_path: Path) -> Path:
    return tmp_path / "work"


# ---- happy paths ----------------------------------------------------------------------------------


def test_members_in_sub_folders_keep_order_and_get_generated_names(tmp_path: Path, work: Path) -> None:
    members = [
        ("logs/", b""),
        ("logs/2024/Jan.CSV", CSV),
        ("b.json", b'[{"a": 1}]'),
        ("secret_marker_name.ndjson", b'{"a": 1}\n'),
        ("README.md", b"hello"),
        ("__MACOSX/logs/._Jan.CSV", b"\0" * 4096),
        ("logs/.DS_Store", b"\0" * 4096),
    ]
    archive = write(tmp_path / "export.zip", zip_bytes(members))
    with unpack(archive, work) as found:
        assert [m.display_name for m in found] == [
            "export.zip!logs/2024/Jan.CSV",
            "export.zip!b.json",
            "export.zip!secret_marker_name.ndjson",
            "export.zip!README.md",
        ]
        assert [m.path.suffix for m in found] == [".csv", ".json", ".ndjson", ".bin"]
        assert [m.path.read_bytes() for m in found] == [CSV, b'[{"a": 1}]', b'{"a": 1}\n', b"hello"]
        assert isinstance(found, Unpacked)
        assert found.skipped == ["export.zip!__MACOSX/logs/._Jan.CSV", "export.zip!logs/.DS_Store"]
        on_disk = [p.relative_to(work).as_posix() for p in files_in(work)]
        assert all(GENERATED.fullmatch(p) for p in on_disk), on_disk
        assert not any("marker" in p or "Jan" in p or "logs" in p for p in on_disk)
    assert files_in(work) == [], "files live only inside the with block"


def test_nested_zip_two_levels_and_display_name(tmp_path: Path, work: Path) -> None:
    inner = zip_bytes([("x.csv", CSV)])
    archive = write(tmp_path / "a.zip", zip_bytes([("inner.zip", inner), ("y.csv", CSV)]))
    with unpack(archive, work, display_name="export.zip") as found:
        assert [m.display_name for m in found] == ["export.zip!inner.zip!x.csv", "export.zip!y.csv"]
        assert [m.path.read_bytes() for m in found] == [CSV, CSV]
        assert len(files_in(work)) == 3, "the intermediate inner.zip is removed once unpacked"


def test_gzip_top_level_and_inside_zip(tmp_path: Path, work: Path) -> None:
    gz = write(tmp_path / "x.csv.gz", gzip.compress(CSV))
    with unpack(gz, work) as found:
        assert found == [Member("x.csv.gz!x.csv", found[0].path)]
        assert found[0].path.suffix == ".csv" and found[0].path.read_bytes() == CSV
    archive = write(tmp_path / "outer.zip", zip_bytes([("data/x.csv.gz", gzip.compress(CSV))]))
    with unpack(archive, work) as found:
        assert [m.display_name for m in found] == ["outer.zip!data/x.csv.gz!x.csv"]
        assert found[0].path.read_bytes() == CSV


def test_stored_and_empty_zip(tmp_path: Path, work: Path) -> None:
    stored = write(tmp_path / "s.zip", zip_bytes([("a.csv", CSV)], zipfile.ZIP_STORED))
    with unpack(stored, work) as found:
        assert [m.path.read_bytes() for m in found] == [CSV]
    empty = write(tmp_path / "e.zip", zip_bytes([]))
    with unpack(empty, work) as found:
        assert found == []


class Unseekable(io.BytesIO):
    def seek(self, *args: object) -> int:
        raise OSError("a pipe")


def test_streamed_zip_with_data_descriptors(tmp_path: Path, work: Path) -> None:
    """Zips written to a pipe (as Java exporters do) put sizes after the data, flag bit 3."""
    pipe = Unseekable()
    with zipfile.ZipFile(pipe, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.csv", CSV)
        zf.writestr("b.csv", CSV * 3)
    archive = write(tmp_path / "streamed.zip", pipe.getvalue())
    assert all(i.flag_bits & 0x08 for i in zipfile.ZipFile(archive).infolist())
    with unpack(archive, work) as found:
        assert [m.path.read_bytes() for m in found] == [CSV, CSV * 3]


def test_is_archive_reads_magic_bytes_not_extensions(tmp_path: Path) -> None:
    assert is_archive(write(tmp_path / "a.bin", zip_bytes([("a.csv", CSV)])))
    assert is_archive(write(tmp_path / "empty.zip", zip_bytes([])))
    assert is_archive(write(tmp_path / "a.dat", gzip.compress(CSV)))
    assert not is_archive(write(tmp_path / "fake.zip", CSV))
    assert not is_archive(write(tmp_path / "nothing.gz", b""))


# ---- refusals -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("../../x.csv", "'..'"),
        ("ok/../../x.csv", "'..'"),
        ("..\\..\\x.csv", "'..'"),
        ("/abs.csv", "absolute"),
        ("C:\\x.csv", "absolute"),
        ("\\\\server\\share\\x.csv", "absolute"),
    ],
)
def test_unsafe_names_refuse_the_whole_archive(tmp_path: Path, work: Path, name: str, why: str) -> None:
    archive = write(tmp_path / "export.zip", zip_bytes([("fine.csv", CSV), (zipfile.ZipInfo(name), CSV)]))
    message = refused(archive, work, ArchiveRefused)
    assert message.startswith("export.zip: ") and repr(name) in message and why in message


def test_symlink_member(tmp_path: Path, work: Path) -> None:
    link = zipfile.ZipInfo("link.csv")
    link.create_system = 3
    link.external_attr = 0o120777 << 16
    archive = write(tmp_path / "export.zip", zip_bytes([(link, b"/etc/passwd")]))
    message = refused(archive, work, ArchiveRefused)
    assert "export.zip" in message and "'link.csv'" in message and "symbolic link" in message


def test_encrypted_member(tmp_path: Path, work: Path) -> None:
    archive = write(tmp_path / "export.zip", set_flag(zip_bytes([("a.csv", CSV)]), 0x01))
    message = refused(archive, work, ArchiveRefused)
    assert "export.zip" in message and "'a.csv'" in message and "encrypted" in message


@pytest.mark.parametrize(("first", "second"), [("a.csv", "a.csv"), ("d/a.csv", "d\\a.csv"), ("d//a.csv", "./d/a.csv")])
def test_duplicate_names(tmp_path: Path, work: Path, first: str, second: str) -> None:
    archive = write(tmp_path / "export.zip", zip_bytes([(first, CSV), (second, b"other\n")]))
    message = refused(archive, work, ArchiveRefused)
    assert "export.zip" in message and repr(second) in message and "twice" in message


def test_nesting_three_levels_deep(tmp_path: Path, work: Path) -> None:
    innermost = zip_bytes([("x.csv", CSV)])
    middle = zip_bytes([("inner.zip", innermost)])
    archive = write(tmp_path / "outer.zip", zip_bytes([("ok.csv", CSV), ("mid.zip", middle)]))
    message = refused(archive, work, ArchiveRefused)
    assert message.startswith("outer.zip!mid.zip: ") and "'inner.zip'" in message and "nested" in message


def test_refusal_inside_a_nested_zip_names_the_whole_path(tmp_path: Path, work: Path) -> None:
    inner = zip_bytes([(zipfile.ZipInfo("../evil.csv"), CSV)])
    archive = write(tmp_path / "outer.zip", zip_bytes([("ok.csv", CSV), ("inner.zip", inner)]))
    message = refused(archive, work, ArchiveRefused)
    assert message.startswith("outer.zip!inner.zip: ") and "'../evil.csv'" in message


def test_deflate_bomb_refused_from_headers(tmp_path: Path, work: Path) -> None:
    archive = write(tmp_path / "bomb.zip", zip_bytes([("zeros.csv", bytes(20 * 1024**2))]))
    assert archive.stat().st_size < 100_000
    message = refused(archive, work, ArchiveRefused)
    assert "bomb.zip" in message and "'zeros.csv'" in message and "100:1" in message
    assert f"expands {20 * 1024**2} bytes" in message, "refused from the header, before reading"


def test_gzip_bomb_refused_while_streaming(tmp_path: Path, work: Path) -> None:
    archive = write(tmp_path / "zeros.csv.gz", gzip.compress(bytes(20 * 1024**2)))
    message = refused(archive, work, ArchiveRefused)
    assert "zeros.csv.gz" in message and "'zeros.csv'" in message and "100:1" in message


def test_junk_members_are_skipped_not_inflated(tmp_path: Path, work: Path) -> None:
    archive = write(tmp_path / "mac.zip", zip_bytes([("a.csv", CSV), ("__MACOSX/._a.csv", bytes(10**6))]))
    with unpack(archive, work) as found:
        assert [m.display_name for m in found] == ["mac.zip!a.csv"]
        assert isinstance(found, Unpacked) and found.skipped == ["mac.zip!__MACOSX/._a.csv"]


def test_quoted_overlap_bomb_that_stock_zipfile_accepts(tmp_path: Path, work: Path) -> None:
    archive = write(tmp_path / "overlap.zip", quoted_overlap_bomb())
    with zipfile.ZipFile(archive) as zf:  # the vulnerable stdlib reads both, counting b.csv twice
        assert sum(len(zf.read(n)) for n in zf.namelist()) > 1.9 * archive.stat().st_size
    message = refused(archive, work, ArchiveRefused)
    assert "overlap.zip" in message and "'a.csv'" in message and "overlapping entries" in message


def test_full_overlap_bomb(tmp_path: Path, work: Path) -> None:
    archive = write(tmp_path / "overlap.zip", full_overlap_bomb())
    message = refused(archive, work, ArchiveRefused)
    assert "overlap.zip" in message and "'f0.csv'" in message and "overlapping entries" in message


def test_too_many_members(tmp_path: Path, work: Path) -> None:
    archive = write(tmp_path / "many.zip", zip_bytes([(f"m{i}.csv", CSV) for i in range(4)]))
    message = refused(archive, work, ArchiveRefused, Limits(max_members=3))
    assert "many.zip" in message and "'m3.csv'" in message and "more than 3 members" in message


def test_total_size_cap_for_zip_and_gzip(tmp_path: Path, work: Path) -> None:
    limits = Limits(max_total_bytes=len(CSV) * 2)
    archive = write(tmp_path / "big.zip", zip_bytes([(f"m{i}.csv", CSV) for i in range(3)]))
    message = refused(archive, work, ArchiveRefused, limits)
    assert "big.zip" in message and "'m2.csv'" in message and str(len(CSV) * 2) in message
    assert "by its header" in message
    gz = write(tmp_path / "big.csv.gz", gzip.compress(CSV * 3))
    message = refused(gz, work, ArchiveRefused, limits)
    assert "big.csv.gz" in message and "'big.csv'" in message and "header" not in message


def test_total_size_cap_counts_nested_archives(tmp_path: Path, work: Path) -> None:
    inner = zip_bytes([(f"m{i}.csv", CSV) for i in range(3)], zipfile.ZIP_STORED)
    archive = write(tmp_path / "outer.zip", zip_bytes([("inner.zip", inner)], zipfile.ZIP_STORED))
    message = refused(archive, work, ArchiveRefused, Limits(max_total_bytes=len(inner) + 2 * len(CSV)))
    assert message.startswith("outer.zip!inner.zip: ") and "'m2.csv'" in message


def test_crc_error_in_last_byte_after_a_member_was_written(tmp_path: Path, work: Path) -> None:
    raw = bytearray(zip_bytes([("first.csv", CSV), ("last.csv", b"a,b\n1,2\n")], zipfile.ZIP_STORED))
    at = raw.index(b"a,b\n1,2\n") + 7
    raw[at] ^= 0x01
    archive = write(tmp_path / "crc.zip", bytes(raw))
    message = refused(archive, work, ArchiveRefused)
    assert "crc.zip" in message and "'last.csv'" in message and "CRC" in message


def test_header_size_that_lies(tmp_path: Path, work: Path) -> None:
    raw = bytearray(zip_bytes([("a.csv", CSV)], zipfile.ZIP_STORED))
    for sig, at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = raw.index(sig) + at
        raw[start : start + 4] = struct.pack("<I", len(CSV) + 1)
    archive = write(tmp_path / "liar.zip", bytes(raw))
    message = refused(archive, work, ArchiveRefused)
    assert "liar.zip" in message and "'a.csv'" in message and "header says" in message


def test_truncated_zip(tmp_path: Path, work: Path) -> None:
    whole = zip_bytes([("a.csv", CSV * 100)])
    archive = write(tmp_path / "cut.zip", whole[: len(whole) // 2])
    message = refused(archive, work, InputError)
    assert message.startswith("cut.zip: not a valid zip archive")


def test_non_zip_with_zip_extension(tmp_path: Path, work: Path) -> None:
    archive = write(tmp_path / "fake.zip", CSV)
    message = refused(archive, work, InputError)
    assert message.startswith("fake.zip: not a valid zip archive")


def test_truncated_gzip(tmp_path: Path, work: Path) -> None:
    whole = gzip.compress(CSV * 1000)
    archive = write(tmp_path / "cut.csv.gz", whole[: len(whole) // 2])
    message = refused(archive, work, InputError)
    assert message.startswith("cut.csv.gz: not a valid gzip file") and "'cut.csv'" in message
