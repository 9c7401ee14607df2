"""Favourite queries (`.save NAME`, `.run NAME` in the REPL), kept across sessions in one JSON file.

Why a file of its own, owner-only (0600) and replaced whole: saved queries name people and addresses, as the
history does, and a crash while saving must not lose the ones already kept. No terminal, no archive here:
the REPL decides what to save and runs what is read back.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from auditql.errors import IOFailure, UsageError, write_error_text

NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}")


def default_path() -> Path:
    """`queries.json` in the user's data folder, beside the history (XDG on Linux)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("auditql")) / "queries.json"


def check_name(name: str) -> str:
    """A saved query's name: letters, digits, `_ . -`, up to 64 characters (it is typed after `.run`)."""
    if not NAME.fullmatch(name):
        raise UsageError(f"{name!r} is not a name for a saved query: use letters, digits, _ . - (e.g. failed_logins)")
    return name


def load(path: Path) -> dict[str, str]:
    """Every saved query by name; none yet is an empty dict, a damaged file one clear error."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise UsageError(f"{path}: cannot read saved queries: {exc.strerror or exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}: line {exc.lineno}: not valid JSON; fix or remove the file") from None
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise UsageError(f'{path}: expected an object of name → query text, e.g. {{"failed": "outcome = \'failure\'"}}')
    return data


def save(path: Path, name: str, text: str) -> None:
    """Add or replace one query; the file is written beside itself (mode 0600) and renamed over the old one."""
    queries = load(path)
    queries[check_name(name)] = text
    partial = path.parent / f".{path.name}.{os.getpid()}.partial"
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(queries, fh, indent=2, ensure_ascii=False, sort_keys=True)
            fh.write("\n")
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise IOFailure(write_error_text(exc, path)) from None


def get(path: Path, name: str) -> str:
    """The text saved as `name`; a miss names the saved ones."""
    queries = load(path)
    if name not in queries:
        known = ", ".join(sorted(queries)) or "none yet (.save NAME keeps the last query)"
        raise UsageError(f"{name} is not a saved query. Try one of: {known}")
    return queries[name]
