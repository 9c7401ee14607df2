"""The user's settings file, `config.toml` in the user config folder (or `$AUDITQL_CONFIG`): the default archive,
the mappings folder, and per-command defaults for any option, so a daily habit (`--format csv`, `--limit 500`,
`--timeout 60`) need not be typed every time.

    db = "~/audit/archive.duckdb"      # like $AUDITQL_DB
    mappings = "~/audit/mappings"      # like $AUDITQL_MAPPINGS

    [query]                            # a table per command, keys are its long option names
    format = "csv"
    limit = 500

What is typed wins over the environment, which wins over this file, which wins over the built-in defaults
(click's own order for a command's `default_map`). The file is read once per process and checked whole
before any command runs: a typo is one line naming the file and the key, never a silently ignored setting.
"""

from __future__ import annotations

import functools
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditql.errors import UsageError
from auditql.userfiles import read_small

TOP_LEVEL = {"db": "the default archive (file or dataset folder)", "mappings": "a folder of mapping TOML files"}


@dataclass(frozen=True)
class Config:
    path: Path
    db: Path | None = None
    mappings: Path | None = None
    commands: dict[str, dict[str, Any]] = field(default_factory=dict)


def config_path() -> Path:
    env = os.environ.get("AUDITQL_CONFIG")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir("auditql")) / "config.toml"


def load() -> Config:
    """The settings in effect (an absent file is no settings); a file that cannot be read or parsed is a
    UsageError naming it."""
    path = config_path()
    try:
        stamp = path.stat().st_mtime_ns
    except FileNotFoundError:
        return Config(path)
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the settings file ({exc.strerror})") from None
    return _load(path, stamp)


@functools.lru_cache(maxsize=4)
def _load(path: Path, _stamp: int) -> Config:
    try:
        data = tomllib.loads(read_small(path).decode("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the settings file ({exc.strerror})") from None
    commands = {k: v for k, v in data.items() if isinstance(v, dict)}
    for key, value in data.items():
        if key in commands:
            continue
        if key not in TOP_LEVEL:
            known = ", ".join(sorted(TOP_LEVEL))
            raise UsageError(f"{path}: unknown setting {key!r} (known: {known}, or a [command] table)")
        if not isinstance(value, str) or not value.strip():
            raise UsageError(f'{path}: {key} must be a path in quotes, for example {key} = "~/audit"')
    return Config(
        path,
        db=_path(data.get("db")),
        mappings=_path(data.get("mappings")),
        commands=commands,
    )


def _path(value: str | None) -> Path | None:
    return Path(value).expanduser() if value else None
