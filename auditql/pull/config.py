"""The sources file: which vendor APIs `auditql pull` collects from (TOML, docs/pull.md).

    [sources.ci360]
    vendor = "sas_ci360"
    gateway = "https://extapigwservice-eu-prod.ci360.sas.com"
    tenant_id = "…"
    client_secret_env = "CI360_CLIENT_SECRET"     # the *name* of the variable holding the secret

Why environment variable names only: the file is meant to be shared, backed up and read by schedulers; a secret
written in it would end up in all of those. A secret setting given a plain value is refused (without echoing it).
Each vendor's flow module declares its settings (`SETTINGS`, with defaults), its secrets (`SECRETS`) and
`OPTIONS` (numbers: page sizes, windows); a key outside those is an error naming the valid ones.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditql.errors import UsageError
from auditql.userfiles import read_small

# Settings every source may have: how much to re-read before the last covered time (dedup makes overlap free),
# how far back the first pull goes when nothing has been pulled yet, and the wait before the first retry of a
# 429/5xx without Retry-After (doubling each time).
COMMON_OPTIONS: dict[str, float] = {"overlap_hours": 2, "first_days": 90, "retry_seconds": 1}


@dataclass
class Source:
    name: str
    vendor: str
    settings: dict[str, str | None] = field(default_factory=dict)  # None: optional, not set
    secret_env: dict[str, str] = field(default_factory=dict)  # secret name -> environment variable name
    options: dict[str, float] = field(default_factory=dict)

    def setting(self, key: str) -> str:
        value = self.settings[key]
        assert value is not None, key  # required settings are checked at load
        return value

    def option(self, key: str) -> float:
        return self.options[key]


def default_path() -> Path:
    """`$AUDITQL_SOURCES`, else `sources.toml` in the user's config folder (XDG on Linux)."""
    env = os.environ.get("AUDITQL_SOURCES")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir("auditql")) / "sources.toml"


def load(path: Path | None = None) -> list[Source]:
    from auditql.pull.flows import FLOWS

    path = path or default_path()
    try:
        text = read_small(path).decode("utf-8")
    except FileNotFoundError:
        raise UsageError(f"{path}: no sources file; write one as docs/pull.md shows, or pass --sources FILE") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read the sources file: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML: {exc}") from None
    tables = data.get("sources")
    if not isinstance(tables, dict) or not tables:
        raise UsageError(f"{path}: no [sources.NAME] table; see docs/pull.md")
    sources = []
    for name, table in tables.items():
        where = f"{path}: [sources.{name}]"
        if not isinstance(table, dict):
            raise UsageError(f"{where}: must be a table of settings")
        vendor = table.get("vendor")
        if vendor not in FLOWS:
            raise UsageError(f"{where}: vendor {vendor!r} is not one auditql pulls. Try one of: {', '.join(FLOWS)}")
        sources.append(_source(where, name, vendor, table, FLOWS[vendor]))
    return sources


def _source(where: str, name: str, vendor: str, table: dict[str, Any], flow: Any) -> Source:
    source = Source(name, vendor, dict(flow.SETTINGS), options={**COMMON_OPTIONS, **flow.OPTIONS})
    valid = ["vendor", *flow.SETTINGS, *(f"{s}_env" for s in flow.SECRETS), *source.options]
    for key, value in table.items():
        if key == "vendor":
            continue
        if key in flow.SECRETS:  # the value is never echoed: it may be the secret itself
            raise UsageError(
                f"{where}: {key} must not be written in the file; put it in an environment variable and name that "
                f'variable with {key}_env = "VARIABLE"'
            )
        if key.endswith("_env") and key[:-4] in flow.SECRETS:
            if not isinstance(value, str) or not value.replace("_", "").isalnum():
                raise UsageError(f"{where}: {key} must be the name of an environment variable")
            source.secret_env[key[:-4]] = value
        elif key in flow.SETTINGS:
            if not isinstance(value, str):
                raise UsageError(f"{where}: {key} must be a string")
            source.settings[key] = value.rstrip("/") if value.startswith("http") else value
        elif key in source.options:
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise UsageError(f"{where}: {key} must be a number ≥ 0")
            source.options[key] = value
        else:
            raise UsageError(f"{where}: unknown setting {key!r}. Try one of: {', '.join(valid)}")
    missing = [k for k, v in source.settings.items() if v == ""] + [
        f"{s}_env" for s in flow.SECRETS if s not in source.secret_env
    ]
    if missing:
        raise UsageError(f"{where}: missing {', '.join(missing)}")
    return source
