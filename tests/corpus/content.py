"""Vendor-shaped file content (Resolver CSV, Gigya NDJSON, the SAS CI360 Parquet sample) and the zip tricks
that make hostile archives in a few KB: bombs are built from headers that lie, never by compressing GBs."""

from __future__ import annotations

import io
import json
import re
import struct
import warnings
import zipfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAS_PARQUET = ROOT / "sample_data" / "sas_ci360" / "audit_records_2025-03-01.parquet"
RESOLVER_HEADER = "Date and Time,Subject,Event,Performed By,Subject Type,Previous Value,Updated Value"


def resolver_row(i: int, time: str | None = None, subject: str | None = None) -> str:
    when = time or f"2025-06-01 10:{i // 60 % 60:02d}:{i % 60:02d}"
    return f"{when},{subject or f'Subject {i}'},Add User,Sam Example,User,,"


def resolver_csv(n: int, start: int = 0) -> str:
    return RESOLVER_HEADER + "\n" + "".join(resolver_row(i) + "\n" for i in range(start, start + n))


def gigya(i: int, **fields: object) -> dict:
    record: dict = {
        "timestamp": f"2025-06-01T10:{i // 60 % 60:02d}:{i % 60:02d}.000Z",
        "callID": f"call{i:06d}",
        "errCode": "0",
        "endpoint": "accounts.login",
        "ip": "203.0.113.1",
        "uid": f"uid{i}",
        "httpReq": {"SDK": "js_latest", "country": "GB"},
    }
    record.update(fields)
    return record


def ndjson(records: list[dict]) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in records).encode()


def good_csv() -> bytes:
    return resolver_csv(5, start=500).encode()


# ---- zip tricks ---------------------------------------------------------------------------------------


def zip_of(members: list[tuple[str | zipfile.ZipInfo, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are written on purpose
        with zipfile.ZipFile(buf, "w", method) as zf:
            for name, data in members:
                zf.writestr(stamped(name, method), data)
    return buf.getvalue()


STAMP = (2025, 6, 1, 0, 0, 0)  # every member's date: the same corpus bytes on every run


def stamped(name: str | zipfile.ZipInfo, method: int = zipfile.ZIP_STORED) -> zipfile.ZipInfo:
    """A member header with a fixed date (zipfile stamps the current time otherwise)."""
    if isinstance(name, zipfile.ZipInfo):
        return name
    info = zipfile.ZipInfo(name, date_time=STAMP)
    info.compress_type = method
    return info


def _local(name: bytes, data: bytes) -> bytes:
    return (
        struct.pack(
            "<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 0, 0, 0x21, zlib.crc32(data), len(data), len(data), len(name), 0
        )
        + name
    )


def _by_hand(entries: list[tuple[bytes, bytes, int]], body: bytes) -> bytes:
    """A stored zip from `body` (local headers and data) and central records (name, data, offset)."""
    central = b"".join(
        struct.pack(
            "<4sHHHHHHIIIHHHHHII",
            b"PK\x01\x02",
            20,
            20,
            0,
            0,
            0,
            0x21,
            zlib.crc32(d),
            len(d),
            len(d),
            len(n),
            0,
            0,
            0,
            0,
            0,
            off,
        )
        + n
        for n, d, off in entries
    )
    n = len(entries)
    return body + central + struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, n, n, len(central), len(body), 0)


def many_members(count: int) -> bytes:
    """`count` empty stored members (zipfile writes the ZIP64 directory a count above 65,535 needs)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for i in range(count):
            zf.writestr(stamped(f"m{i:06d}.csv"), b"")
    return buf.getvalue()


def overlap_quoted() -> bytes:
    """CVE-2024-0450: a.csv's stored data contains b.csv's header and data, so b's bytes count twice."""
    b_data = resolver_csv(1).encode() + b"x" * 50_000
    b_local = _local(b"b.csv", b_data)
    a_data = b_local + b_data
    a_local = _local(b"a.csv", a_data)
    return _by_hand([(b"a.csv", a_data, 0), (b"b.csv", b_data, len(a_local))], a_local + a_data)


def overlap_full() -> bytes:
    """50 central records pointing at the same local data: 50 x the bytes from one copy."""
    data = good_csv() + b"x" * 50_000
    return _by_hand([(f"f{i}.csv".encode(), data, 0) for i in range(50)], _local(b"f0.csv", data) + data)


def with_flag(data: bytes, bit: int) -> bytes:
    raw = bytearray(data)
    for sig, at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        for m in re.finditer(re.escape(sig), data):
            raw[m.start() + at] |= bit
    return bytes(raw)


def symlink_zip() -> bytes:
    link = zipfile.ZipInfo("passwd.csv")
    link.create_system = 3
    link.external_attr = 0o120777 << 16
    return zip_of([("good.csv", good_csv()), (link, b"/etc/passwd")])


def lying_sizes(data: bytes, name: bytes, size: int) -> bytes:
    """Rewrite the uncompressed size of member `name` (only) in its local and central headers."""
    raw = bytearray(data)
    for sig, at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        for m in re.finditer(re.escape(sig), data):
            if data[m.start() + name_at : m.start() + name_at + len(name)] == name:
                raw[m.start() + at : m.start() + at + 4] = struct.pack("<I", size)
    return bytes(raw)


def crc_last_byte() -> bytes:
    """A stored second member whose very last data byte is flipped: only the end-of-member CRC sees it."""
    last = resolver_csv(3, start=900).encode()
    data = bytearray(zip_of([("good.csv", good_csv()), ("last.csv", last)], zipfile.ZIP_STORED))
    at = data.index(last) + len(last) - 1
    data[at] ^= 0x01
    return bytes(data)


def half(data: bytes) -> bytes:
    return data[: len(data) // 2]


def nested(depth: int) -> bytes:
    data = zip_of([("good.csv", good_csv())])
    for level in range(depth - 1, 0, -1):
        data = zip_of([(f"level{level}.zip", data)])
    return data


def parquet_bytes() -> bytes:
    return SAS_PARQUET.read_bytes()


def corrupt_parquet() -> bytes:
    """Footer intact, column data overwritten: the file opens, its pages do not decode."""
    data = bytearray(parquet_bytes())
    for at in range(200, len(data) // 2, 7):
        data[at] ^= 0x5A
    return bytes(data)
