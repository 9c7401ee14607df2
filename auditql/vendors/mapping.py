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

# Columns computed from rules rather than copied from a field.
RULE_COLUMNS: dict[str, tuple[str, ...]] = {
    "category": CATEGORIES,
    "outcome": OUTCOMES,
    "actor_type": ACTOR_TYPES,
}
DEFAULTS = {"category": "other", "outcome": "unknown", "actor_type": "unknown"}
FIELD_COLUMNS = tuple(c for c in MAPPED_COLUMNS if c not in RULE_COLUMNS)


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
    `precision`). An id-bearing record gets the same content key, so an id-less twin meets it."""

    content: tuple[str, ...]
    precision: str = "ms"


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


def _fail(origin: str, message: str) -> UsageError:
    return UsageError(f"{origin}: invalid mapping: {message}")


def _str_list(value: object, origin: str, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(origin, f"{where} must be a string or a list of strings")
    return tuple(value)


def _rules(data: dict, column: str, origin: str) -> tuple[Rule, ...]:
    raw_rules = data.get(column, [])
    if not isinstance(raw_rules, list):
        raise _fail(origin, f"[[{column}]] must be an array of tables")
    rules = []
    for i, r in enumerate(raw_rules, 1):
        where = f"[[{column}]] #{i}"
        if not isinstance(r, dict) or "then" not in r or "like" not in r:
            raise _fail(origin, f"{where} needs `then` and `like`")
        if r["then"] not in RULE_COLUMNS[column]:
            raise _fail(
                origin,
                f"{where}: {r['then']!r} is not a {column}. Try one of: " + ", ".join(RULE_COLUMNS[column]),
            )
        when, fld = r.get("when"), r.get("field")
        if (when is None) == (fld is None):
            raise _fail(origin, f"{where} needs exactly one of `when` (a canonical column) or `field`")
        if when is not None and when not in MAPPED_COLUMNS:
            raise _fail(origin, f"{where}: {when!r} is not a canonical column")
        rules.append(Rule(then=r["then"], like=_str_list(r["like"], origin, where), when=when, field=fld))
    return tuple(rules)


def _identity(data: dict, origin: str) -> Identity | None:
    raw = data.get("identity")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise _fail(origin, "[identity] must be a table")
    content = _str_list(raw.get("content", []), origin, "identity.content")
    wrong = [c for c in content if c not in MAPPED_COLUMNS]
    if wrong:
        raise _fail(
            origin,
            f"identity.content: {wrong[0]!r} is not a canonical column. Try one of: " + ", ".join(MAPPED_COLUMNS),
        )
    if not content:
        raise _fail(origin, "identity.content must name at least one canonical column (e.g. time)")
    precision = raw.get("precision", "ms")
    if precision not in PRECISIONS:
        raise _fail(
            origin, f"identity.precision: {precision!r} is not a precision. Try one of: " + ", ".join(PRECISIONS)
        )
    return Identity(content, precision)


def _parties(data: dict, origin: str) -> tuple[Party, ...]:
    raw = data.get("actor", [])
    if not isinstance(raw, list):
        raise _fail(origin, "[[actor]] must be an array of tables")
    parties = []
    for i, p in enumerate(raw, 1):
        where = f"[[actor]] #{i}"
        if not isinstance(p, dict):
            raise _fail(origin, f"{where} must be a table")
        columns = {c: _str_list(p.get(c.removeprefix("actor_"), []), origin, f"{where}.{c}") for c in ACTOR_COLUMNS}
        kind = p.get("type")
        if kind is not None and kind not in ACTOR_TYPES:
            raise _fail(origin, f"{where}: type {kind!r} is not an actor type. Try one of: " + ", ".join(ACTOR_TYPES))
        when = _str_list(p.get("when", []), origin, f"{where}.when")
        parties.append(Party(when, _str_list(p.get("like", []), origin, f"{where}.like"), columns, kind))
    return tuple(parties)


def parse_mapping(text: str, origin: str) -> Mapping:
    """Validate one mapping document; every problem is reported against `origin` (the file)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _fail(origin, str(exc)) from None
    name = data.get("name")
    if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise _fail(origin, "`name` must be a lower-case identifier such as my_vendor")
    columns_in = data.get("columns", {})
    if not isinstance(columns_in, dict):
        raise _fail(origin, "[columns] must be a table")
    unknown = sorted(set(columns_in) - set(FIELD_COLUMNS))
    if unknown:
        raise _fail(origin, f"{', '.join(unknown)} is not a mapped column. Try one of: {', '.join(FIELD_COLUMNS)}")
    if "time" not in columns_in:
        raise _fail(origin, "[columns] must say which field holds the time (`time = [...]`)")
    detect = data.get("detect", {})
    require = tuple(_str_list(g, origin, "detect.require") for g in detect.get("require", []))
    return Mapping(
        name=name,
        title=str(data.get("title", name)),
        require=require,
        columns={c: _str_list(v, origin, f"columns.{c}") for c, v in columns_in.items()},
        rules={c: _rules(data, c, origin) for c in RULE_COLUMNS},
        time_formats=_str_list(data.get("time_formats", []), origin, "time_formats"),
        origin=origin,
        fingerprint=hashlib.sha256(text.encode()).hexdigest()[:16],
        identity=_identity(data, origin),
        parties=_parties(data, origin),
    )


def load_mapping(path: Path) -> Mapping:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot read mapping: {exc.strerror}") from None
    return parse_mapping(text, str(path))
