"""The small text files a user hands auditql besides exports: mappings, the settings file, the identities
file, pull's sources file, a query file. Each is read whole before it is parsed, so each read stops at a
bound: a device named by mistake (`--mapping /dev/zero`) or a multi-gigabyte file would otherwise be read
until memory runs out, with no word. Past the bound the read fails as an OSError (EFBIG, "File too large"),
which every caller already turns into its one line naming the file."""

from __future__ import annotations

import errno
from pathlib import Path

# Far beyond any mapping, settings or identities file people write (the largest built-in mapping is ~12 kB).
SETTINGS_BYTES = 16 * 1024 * 1024


def read_small(path: Path, most: int = SETTINGS_BYTES) -> bytes:
    """The file's bytes, at most `most` of them; more is an OSError whose strerror says the bound."""
    with path.open("rb") as stream:
        data = stream.read(most + 1)
    if len(data) > most:
        raise OSError(errno.EFBIG, f"larger than such a file can be (more than {most:,} bytes), not read", str(path))
    return data
