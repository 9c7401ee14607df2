"""The vendor registry: one data-only mapping per vendor, built-in ones shipped as TOML beside this file,
user mappings (`--mapping FILE`, or `*.toml` in the user config folder) added or overriding by name.

Adding a vendor = one TOML file here + one line in BUILT_IN + a sample + its expected rows.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from auditql.errors import UsageError
from auditql.vendors.mapping import Mapping, load_mapping, normalize, parse_mapping

BUILT_IN: tuple[str, ...] = ("sas_ci360", "resolver", "sap_cdc", "adobe_cja", "broadcom_portal", "generic")
GENERIC = "generic"

__all__ = ["BUILT_IN", "GENERIC", "Mapping", "Registry", "load_registry", "normalize", "user_mapping_dir"]


def user_mapping_dir() -> Path:
    """`$AUDITQL_MAPPINGS`, else the settings file's `mappings`, else `<user config dir>/auditql/mappings`: every
    `*.toml` there is loaded."""
    env = os.environ.get("AUDITQL_MAPPINGS")
    if env:
        return Path(env)
    from auditql import config

    chosen = config.load().mappings
    if chosen is not None:
        return chosen
    import platformdirs

    return Path(platformdirs.user_config_dir("auditql")) / "mappings"


class Registry:
    """Mappings by name; a miss names the valid choices."""

    def __init__(self, mappings: dict[str, Mapping]):
        self.mappings = mappings

    def __getitem__(self, name: str) -> Mapping:
        try:
            return self.mappings[name]
        except KeyError:
            raise UsageError(f"{name!r} is not a vendor. Try one of: {', '.join(self.mappings)}") from None

    def __iter__(self):
        return iter(self.mappings.values())

    def names(self) -> list[str]:
        return list(self.mappings)


def load_registry(extra: list[Path] | tuple[Path, ...] = ()) -> Registry:
    mappings: dict[str, Mapping] = {}
    pkg = resources.files("auditql.vendors")
    for name in BUILT_IN:
        text = (pkg / f"{name}.toml").read_text(encoding="utf-8")
        mappings[name] = parse_mapping(text, f"built-in {name}.toml")
    folder = user_mapping_dir()
    user_files = sorted(folder.glob("*.toml")) if folder.is_dir() else []
    for path in [*user_files, *extra]:
        m = load_mapping(Path(path))
        mappings[m.name] = m
    # generic stays last so detection tries every specific vendor first
    mappings[GENERIC] = mappings.pop(GENERIC)
    return Registry(mappings)
