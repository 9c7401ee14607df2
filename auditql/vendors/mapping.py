"""A vendor mapping is data: which source fields feed which canonical column, how to recognize the vendor's
files, and small rule tables for category / outcome / actor type. This module loads and validates that data
(from the built-in TOML files or a user's own), so adding a vendor never needs Python.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from auditql.errors import UsageError
from auditql.schema import ACTOR_TYPES, CATEGORIES, MAPPED_COLUMNS, OUTCOMES
from auditql.userfiles import read_small
from auditql.vendors.schema import Lines, check

# Columns computed from rules rather than copied from a field.
RULE_COLUMNS: dict[str, tuple[str, ...]] = {
    "category": CATEGORIES,
    "outcome": OUTCOMES,
    "actor_type": ACTOR_TYPES,
}
DEFAULTS = {"category": "other", "outcome": "unknown", "actor_type": "unknown"}
FIELD_COLUMNS = tuple(c for c in MAPPED_COLUMNS if c not in RULE_COLUMNS)
# Columns whose value is copied unchanged from one field (so queries may read the typed column instead).
VERBATIM_COLUMNS = frozenset(FIELD_COLUMNS) - {"time"}


def normalize(name: str) -> str:
    """Compare field names case-, space-, underscore- and punctuation-insensitively (dots kept for paths).

    `Performed By`, `performed_by` and `performedBy` all become `performedby`; `@timestamp` and
    `timestamp` meet too, which is what every mapping wants.
    """
    return re.sub(r"[^0-9a-z.]", "", name.lower())


@dataclass(frozen=True)
class Rule:
    """`then` applies when the canonical column `when` (or source field `field`) matches any `like`."""

    then: str
    like: tuple[str, ...]
    when: str | None = None
    field: str | None = None


# Actor columns a party supplies together (`[[actor]]`): they must describe one party, never a mix.
ACTOR_COLUMNS: tuple[str, ...] = ("actor_id", "actor_name", "actor_email")
# How finely `time` identifies an event in a content key: the coarsest precision any of the vendor's
# formats writes (a UI download in whole seconds must meet the API's milliseconds).
PRECISIONS: dict[str, str] = {"ms": "millisecond", "s": "second", "min": "minute"}
# The time formats every mapping's own `time_formats` are followed by (what vendors commonly write).
DEFAULT_TIME_FORMATS: tuple[str, ...] = (
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%d %b %Y %H:%M:%S",
    "%b %d, %Y %I:%M:%S %p",
)


@dataclass(frozen=True)
class Party:
    """Who acted, as one party: applies when any `when` field is present (and, with `like`, matches)."""

    when: tuple[str, ...]
    like: tuple[str, ...]
    columns: dict[str, tuple[str, ...]]  # actor_id / actor_name / actor_email -> fields, in coalesce order
    actor_type: str | None


@dataclass(frozen=True)
class Identity:
    """What identifies an event that carries no vendor id: these canonical columns' values (time at
    `precision`). An id-bearing record gets the same content key, so an id-less twin meets it — unless the
    mapping declares that no export of the vendor drops the id (`twins = false`): then id-bearing records
    get no content key at all, which saves computing, storing and weighing one per record."""

    content: tuple[str, ...]
    precision: str = "ms"
    twins: bool = True


@dataclass(frozen=True)
class Mapping:
    name: str
    title: str
    require: tuple[tuple[str, ...], ...]
    columns: dict[str, tuple[str, ...]]
    rules: dict[str, tuple[Rule, ...]]
    time_formats: tuple[str, ...] = ()
    origin: str = "built-in"
    fingerprint: str = ""
    extras: dict[str, object] = field(default_factory=dict)
    identity: Identity | None = None
    parties: tuple[Party, ...] = ()

    def synonyms(self, column: str) -> tuple[str, ...]:
        return self.columns.get(column, ())


@dataclass(frozen=True)
class Sample:
    """One `[[sample]]`: a record as the vendor writes it, and the canonical values it must become."""

    format: str  # json | csv
    record: dict[str, object]
    expect: dict[str, object]
    note: str = ""
    line: int | None = None


class MappingError(UsageError):
    """Every problem found in one mapping file, one `file:line: message` each."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def _at(origin: str, line: int | None, message: str) -> str:
    return f"{origin}:{line}: {message}" if line else f"{origin}: {message}"


def _str_list(value: object) -> tuple[str, ...]:
    """A "strings" value (the schema has checked it): one string or several."""
    return tuple(str(v) for v in value) if isinstance(value, list) else (str(value),)


def _rules(data: dict, column: str) -> tuple[Rule, ...]:
    return tuple(
        Rule(then=r["then"], like=_str_list(r["like"]), when=r.get("when"), field=r.get("field"))
        for r in data.get(column, [])
    )


def _identity(data: dict) -> Identity | None:
    raw = data.get("identity")
    if raw is None:
        return None
    return Identity(_str_list(raw["content"]), raw.get("precision", "ms"), raw.get("twins", True))


def _parties(data: dict) -> tuple[Party, ...]:
    return tuple(
        Party(
            _str_list(p["when"]),
            _str_list(p.get("like", [])),
            {c: _str_list(p.get(c.removeprefix("actor_"), [])) for c in ACTOR_COLUMNS},
            p.get("type"),
        )
        for p in data.get("actor", [])
    )


def _samples(data: dict, lines: Lines) -> tuple[Sample, ...]:
    return tuple(
        Sample(s["format"], s["record"], s["expect"], s.get("note", ""), lines.line(("sample", i)))
        for i, s in enumerate(data.get("sample", []))
    )


Problems = list[tuple[tuple[str | int, ...], str]]


def _meaning(data: dict) -> Problems:
    """What the schema cannot say: the document has the right shape, but does it make sense?"""
    problems: Problems = []
    if not re.fullmatch(r"[a-z][a-z0-9_]*", data["name"]):
        problems.append((("name",), "`name` must be a lower-case identifier such as my_vendor"))
    for column in RULE_COLUMNS:
        for i, r in enumerate(data.get(column, [])):
            if ("when" in r) == ("field" in r):
                where = f"[[{column}]] #{i + 1}"
                problems.append(((column, i), f"{where} needs exactly one of `when` (a canonical column) or `field`"))
    if "identity" in data and not _str_list(data["identity"]["content"]):
        problems.append((("identity", "content"), "identity.content must name at least one canonical column"))
    if data.get("identity", {}).get("twins") is False and not _str_list(data.get("columns", {}).get("event_id", [])):
        problems.append((("identity", "twins"), "identity.twins = false needs an id: map `event_id` in [columns]"))
    for i, p in enumerate(data.get("actor", [])):
        if not any(k in p for k in ("id", "name", "email")):
            problems.append((("actor", i), f"[[actor]] #{i + 1} names no field: give `id`, `name` or `email`"))
    for i, s in enumerate(data.get("sample", [])):
        where = f"[[sample]] #{i + 1}"
        if not s["expect"]:
            problems.append((("sample", i, "expect"), f"{where} expect names no column"))
        if not s["record"]:
            problems.append((("sample", i, "record"), f"{where} record has no field"))
        if s["format"] == "csv":
            nested = [k for k, v in s["record"].items() if isinstance(v, dict | list)]
            if nested:
                path = ("sample", i, "record", nested[0])
                problems.append((path, f"{where}: a csv record's cells are text, not {nested[0]!r}'s table or array"))
    return problems


def _toml_error(origin: str, exc: tomllib.TOMLDecodeError) -> MappingError:
    message = str(exc)
    m = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
    if m:
        return MappingError([f"{origin}:{m.group(1)}: {message[: m.start()]} (column {m.group(2)})"])
    return MappingError([_at(origin, None, message)])


def parse_mapping(text: str, origin: str) -> Mapping:
    """Validate one mapping document against the schema (vendors/schema.py), then read it; every problem is
    reported against `origin` (the file) and the line it is on, all at once (`MappingError.problems`)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _toml_error(origin, exc) from None
    lines = Lines(text)
    problems = [(p.path, p.message) for p in check(data)] or _meaning(data)
    if problems:
        located = sorted(((lines.line(path) or 0), message) for path, message in problems)
        raise MappingError([_at(origin, line, message) for line, message in located])
    return Mapping(
        name=data["name"],
        title=str(data.get("title", data["name"])),
        require=tuple(_str_list(g) for g in data.get("detect", {}).get("require", [])),
        columns={c: _str_list(v) for c, v in data["columns"].items()},
        rules={c: _rules(data, c) for c in RULE_COLUMNS},
        time_formats=_str_list(data.get("time_formats", [])),
        origin=origin,
        fingerprint=hashlib.sha256(text.encode()).hexdigest()[:16],
        extras={"samples": _samples(data, lines)},
        identity=_identity(data),
        parties=_parties(data),
    )


def load_mapping(path: Path) -> Mapping:
    try:
        text = read_small(path).decode("utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot read mapping: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: cannot read mapping: not UTF-8 text (byte {exc.start + 1})") from None
    return parse_mapping(text, str(path))
