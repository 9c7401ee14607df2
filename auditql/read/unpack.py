"""Unpack .zip and .gz exports safely, so the rest of auditql only ever sees plain files.

Vendors ship audit logs inside zips (Broadcom always does) and users gzip big exports. Python's zipfile
(3.11.7) trusts header sizes, is open to the overlapping-entries bomb (CVE-2024-0450), writes symlinks
and resolves duplicate names silently, so nothing here uses `extract()`: every member is streamed with a
chunked copy that counts real bytes, to a file whose name we generate. An archive that breaks any rule
(see `vendors.md`, "Archives") is refused whole before anything from it is handed out.

Rules: names must be relative, without `..`, and unique; no symlinks, no encryption, no overlapping
member data; at most `max_depth` levels of archive; per member at most `max_ratio` decompressed bytes
per compressed byte; at most `max_total_bytes` written in all (every level counts, nested archives
included) and at most `max_members` entries. macOS junk (`__MACOSX/`, `.DS_Store`) is not unpacked:
it is listed in `Unpacked.skipped` and logged.
"""

from __future__ import annotations

import gzip
import logging
import re
import shutil
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Protocol

from auditql.errors import ArchiveRefused, InputError

log = logging.getLogger(__name__)

_CHUNK = 1024 * 1024
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_GZIP_MAGIC = b"\x1f\x8b"
_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, …, name length, extra length
_KEPT_EXTENSIONS = frozenset({"csv", "json", "ndjson", "jsonl", "parquet", "txt", "gz", "zip"})
_S_IFMT, _S_IFLNK = 0o170000, 0o120000
_ENCRYPTED_FLAGS = 0x0041  # bit 0: traditional/AES encryption, bit 6: strong encryption


@dataclass(frozen=True)
class Limits:
    max_total_bytes: int = 4 * 1024**3  # decompressed bytes per top-level archive, all levels
    max_ratio: float = 100.0  # per member, decompressed : compressed
    max_depth: int = 2  # levels of archive, the top-level one included
    max_members: int = 10_000  # entries in all zips of one top-level archive


@dataclass(frozen=True)
class Member:
    display_name: str  # "export.zip!inner/path.csv", "outer.zip!inner.zip!x.csv", "x.csv.gz!x.csv"
    path: Path  # the unpacked bytes, under a generated name such as m0001.csv


class Unpacked(list[Member]):
    """The data members in archive order; `skipped` holds the display names of macOS junk left out."""

    def __init__(self) -> None:
        super().__init__()
        self.skipped: list[str] = []


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


def is_archive(path: Path) -> bool:
    """True for a zip or gzip file, judged by its first bytes (extensions lie)."""
    with path.open("rb") as f:
        magic = f.read(4)
    return magic in _ZIP_MAGIC or magic.startswith(_GZIP_MAGIC)


@contextmanager
def unpack(
    path: Path, workdir: Path, limits: Limits = Limits(), display_name: str | None = None
) -> Iterator[list[Member]]:
    """Stream every data member of the archive at `path` to a private folder under `workdir`.

    Raises `ArchiveRefused` or `InputError` before yielding if any rule is broken; the files exist
    only inside the `with` block and are removed on the way out, refused or not.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    tempdir = Path(tempfile.mkdtemp(prefix="unpack-", dir=workdir))
    try:
        run = _Run(limits, tempdir)
        run.archive(path, display_name or path.name, depth=1)
        yield run.found
    finally:
        shutil.rmtree(tempdir, ignore_errors=True)


class _Run:
    """One call to `unpack`: the counters live here so the caps hold across nesting levels."""

    def __init__(self, limits: Limits, tempdir: Path):
        self.limits = limits
        self.tempdir = tempdir
        self.found = Unpacked()
        self.total_bytes = 0
        self.entries = 0
        self.files = 0

    def archive(self, path: Path, source: str, depth: int) -> None:
        with path.open("rb") as f:
            magic = f.read(4)
        if magic.startswith(_GZIP_MAGIC):
            self._gzip(path, source, depth)
        elif magic in _ZIP_MAGIC:
            self._zip(path, source, depth)
        else:
            raise InputError(source, "not a valid zip archive: it does not start with a zip signature")

    def _zip(self, path: Path, source: str, depth: int) -> None:
        try:
            zf = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, struct.error) as e:
            raise InputError(source, f"not a valid zip archive: {e}") from e
        with zf:
            for info in self._check_zip(zf, path, source):
                name = info.filename
                dest = self._new_file(name)
                try:
                    with zf.open(info) as src:
                        written = self._copy(src, dest, source, name, info.compress_size)
                except zipfile.BadZipFile as e:  # a CRC mismatch surfaces only at the member's end
                    raise ArchiveRefused(source, f"member {name!r} is corrupt: {e}") from e
                except (zlib.error, EOFError, NotImplementedError, ValueError) as e:
                    raise InputError(source, f"member {name!r} cannot be decompressed: {e}") from e
                if written != info.file_size:
                    raise ArchiveRefused(
                        source, f"member {name!r} holds {written} bytes, its header says {info.file_size}"
                    )
                self._found(dest, source, _normalized(name), depth)

    def _check_zip(self, zf: zipfile.ZipFile, path: Path, source: str) -> list[zipfile.ZipInfo]:
        """Every rule that the central directory alone can break; returns the members to unpack."""
        infos = zf.infolist()
        if self.entries + len(infos) > self.limits.max_members:
            extra = infos[max(self.limits.max_members - self.entries, 0)].filename
            raise ArchiveRefused(source, f"more than {self.limits.max_members} members (at {extra!r})")
        self.entries += len(infos)
        seen: set[str] = set()
        for info in infos:
            name = info.filename
            if problem := _name_problem(name):
                raise ArchiveRefused(source, f"member {name!r} {problem}")
            if (info.external_attr >> 16) & _S_IFMT == _S_IFLNK:
                raise ArchiveRefused(source, f"member {name!r} is a symbolic link")
            if info.flag_bits & _ENCRYPTED_FLAGS:
                raise ArchiveRefused(source, f"member {name!r} is encrypted")
            key = _normalized(name) + ("/" if _is_dir(name) else "")
            if key in seen:
                raise ArchiveRefused(source, f"member {name!r} appears twice")
            seen.add(key)
        _check_layout(zf, path, source)

        data: list[zipfile.ZipInfo] = []
        planned = self.total_bytes
        for info in infos:
            name = info.filename
            if _is_dir(name):
                continue
            if _is_junk(name):
                self.found.skipped.append(f"{source}!{_normalized(name)}")
                log.info("skipped macOS metadata %r in %r", name, source)
                continue
            if info.file_size > info.compress_size * self.limits.max_ratio:
                raise ArchiveRefused(source, self._ratio_reason(name, info.file_size, info.compress_size))
            planned += info.file_size
            if planned > self.limits.max_total_bytes:
                raise ArchiveRefused(source, self._total_reason(name, "by its header "))
            data.append(info)
        return data

    def _gzip(self, path: Path, source: str, depth: int) -> None:
        last = PurePosixPath(source.rsplit("!", 1)[-1]).name
        name = re.sub(r"\.t?gz$", lambda m: ".tar" if m[0] == ".tgz" else "", last, flags=re.IGNORECASE)
        dest = self._new_file(name)
        try:
            with gzip.open(path, "rb") as src:
                self._copy(src, dest, source, name, path.stat().st_size)
        except (gzip.BadGzipFile, EOFError, zlib.error) as e:
            raise InputError(source, f"not a valid gzip file (member {name!r}): {e}") from e
        self._found(dest, source, name, depth)

    def _found(self, dest: Path, source: str, name: str, depth: int) -> None:
        if not is_archive(dest):
            self.found.append(Member(f"{source}!{name}", dest))
            return
        if depth >= self.limits.max_depth:
            raise ArchiveRefused(
                source, f"member {name!r} is an archive nested deeper than {self.limits.max_depth} levels"
            )
        self.archive(dest, f"{source}!{name}", depth + 1)
        dest.unlink()

    def _copy(self, src: _Readable, dest: Path, source: str, name: str, compressed: int) -> int:
        """Chunked copy that counts the real bytes: header sizes are never trusted."""
        written = 0
        with dest.open("wb") as out:
            while chunk := src.read(_CHUNK):
                written += len(chunk)
                self.total_bytes += len(chunk)
                if written > compressed * self.limits.max_ratio:
                    raise ArchiveRefused(source, self._ratio_reason(name, written, compressed))
                if self.total_bytes > self.limits.max_total_bytes:
                    raise ArchiveRefused(source, self._total_reason(name, ""))
                out.write(chunk)
        return written

    def _new_file(self, name: str) -> Path:
        self.files += 1
        ext = PurePosixPath(name.replace("\\", "/")).suffix.lower().lstrip(".")
        return self.tempdir / f"m{self.files:04d}.{ext if ext in _KEPT_EXTENSIONS else 'bin'}"

    def _ratio_reason(self, name: str, size: int, compressed: int) -> str:
        return (
            f"member {name!r} expands {size} bytes from {compressed} "
            f"(more than {self.limits.max_ratio:g}:1, a likely zip bomb)"
        )

    def _total_reason(self, name: str, how: str) -> str:
        return f"member {name!r} takes the archive {how}past {self.limits.max_total_bytes} decompressed bytes"


def _check_layout(zf: zipfile.ZipFile, path: Path, source: str) -> None:
    """Refuse members whose data runs into the next member or the central directory (CVE-2024-0450)."""
    spans = sorted(zf.infolist(), key=lambda i: i.header_offset)
    with path.open("rb") as raw:
        for i, info in enumerate(spans):
            following = spans[i + 1] if i + 1 < len(spans) else None
            end = following.header_offset if following else zf.start_dir
            raw.seek(info.header_offset)
            header = raw.read(_LOCAL_HEADER.size)
            if len(header) < _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
                raise ArchiveRefused(source, f"member {info.filename!r} has no local header")
            _, name_len, extra_len = _LOCAL_HEADER.unpack(header)
            if info.header_offset + len(header) + name_len + extra_len + info.compress_size > end:
                other = repr(following.filename) if following else "the central directory"
                raise ArchiveRefused(
                    source, f"member {info.filename!r} overlaps {other} (overlapping entries: a zip bomb)"
                )


def _name_problem(name: str) -> str | None:
    slashed = name.replace("\\", "/")
    if slashed.startswith("/") or re.match(r"[A-Za-z]:", slashed):
        return "has an absolute path"
    if ".." in slashed.split("/"):
        return "leaves the archive ('..' in its path)"
    if not _normalized(name) and not _is_dir(name):
        return "has an empty name"
    return None


def _normalized(name: str) -> str:
    return "/".join(p for p in name.replace("\\", "/").split("/") if p not in ("", "."))


def _is_dir(name: str) -> bool:
    return name.replace("\\", "/").endswith("/")


def _is_junk(name: str) -> bool:
    parts = _normalized(name).split("/")
    return parts[0] == "__MACOSX" or parts[-1] == ".DS_Store"
