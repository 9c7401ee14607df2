"""One person across vendors: the identities file, which says which emails, ids and names are the same
human, so a query can count by `person` instead of by each vendor's spelling of them.

The file is TOML, kept next to the user's mappings (`identities.toml` beside the `mappings` folder, or
`$AUDITQL_IDENTITIES`):

    [[person]]
    name = "Alex Admin"
    emails = ["alex@example.com"]          # actor_email, case-insensitively, trimmed
    ids = ["EXAMPLEUSER@AdobeID"]          # actor_id
    names = ["Alex Admin", "alex.admin"]   # actor_name
    [person.vendors.resolver]              # keys that count only for that vendor's rows
    names = ["Alex A."]

Like a mapping, it is validated when it is read: a misspelt key is an error naming the file and the
nearest valid key, never a line silently ignored. auditql.query.person turns it into SQL.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from auditql.errors import UsageError
from auditql.userfiles import read_small

PERSON = "person"  # the query column this file feeds
KINDS = ("emails", "ids", "names")  # matched against actor_email, actor_id, actor_name
PERSON_KEYS = ("name", *KINDS, "vendors")


@dataclass(frozen=True)
class Keys:
    """What identifies a person: emails (stored lower-cased and trimmed), actor ids, actor names."""

    emails: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()
    names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Person:
    name: str
    keys: Keys = field(default_factory=Keys)
    vendors: Mapping[str, Keys] = field(default_factory=dict)  # keys that count only for one vendor's rows


@dataclass(frozen=True)
class Identities:
    people: tuple[Person, ...] = ()
    origin: str = ""  # the file they came from, for messages


def identities_path() -> Path:
    """`$AUDITQL_IDENTITIES`, else `identities.toml` beside the user's mappings folder."""
    env = os.environ.get("AUDITQL_IDENTITIES")
    if env:
        return Path(env).expanduser()
    from auditql.vendors import user_mapping_dir

    return user_mapping_dir().parent / "identities.toml"


Vendors = Callable[[], Iterable[str]] | None  # the vendor names a [person.vendors.X] may name; None: any


def load_identities(path: Path | None = None, vendors: Vendors = None) -> Identities:
    """The identities file (default: `identities_path()`); none at the default place means no people.

    vendors: called (only if the file names a vendor) for the vendor names a `[person.vendors.X]` may use.
    """
    explicit = path is not None or bool(os.environ.get("AUDITQL_IDENTITIES"))
    path = path or identities_path()
    try:
        text = read_small(path).decode("utf-8")
    except FileNotFoundError:
        if explicit:
            raise UsageError(f"{path}: no identities file here (set by AUDITQL_IDENTITIES)") from None
        return Identities()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read identities file: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: cannot read identities file: not UTF-8 text (byte {exc.start + 1})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: invalid identities file: {exc}") from None
    return parse_identities(data, str(path), vendors)


def parse_identities(data: Mapping[str, object], origin: str, vendors: Vendors = None) -> Identities:
    """Validate an identities document (already read from TOML); every problem names `origin`."""
    _known_keys(data, ("person",), origin, "", "a top-level key")
    entries = data.get("person", [])
    if not isinstance(entries, list):
        raise _fail(origin, "`person` must be an array of tables: [[person]]")
    known_vendors: list[str] | None = None
    people = []
    owner: dict[tuple[str, str, str], str] = {}  # (vendor or "", kind, key) -> the person who has it
    for number, entry in enumerate(entries, 1):
        where = f"[[person]] #{number}"
        if not isinstance(entry, dict):
            raise _fail(origin, f"{where} must be a table")
        _known_keys(entry, PERSON_KEYS, origin, where + ": ", "a key of a person")
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise _fail(origin, f'{where} needs a `name`, e.g. name = "Alex Admin"')
        keys = _keys(entry, origin, where)
        per_vendor: dict[str, Keys] = {}
        tables = entry.get("vendors", {})
        if not isinstance(tables, dict):
            raise _fail(origin, f"{where}: `vendors` must be tables such as [person.vendors.resolver]")
        for vendor, table in tables.items():
            inner = f"{where} [person.vendors.{vendor}]"
            if vendors is not None and known_vendors is None:
                known_vendors = sorted(set(vendors()))
            if known_vendors is not None and vendor not in known_vendors:
                raise _fail(origin, f"{inner}: {_miss(vendor, known_vendors, 'a vendor')}")
            if not isinstance(table, dict):
                raise _fail(origin, f"{inner} must be a table")
            _known_keys(table, KINDS, origin, inner + ": ", "a key of a vendor's table")
            per_vendor[vendor] = _keys(table, origin, inner)
        for scope, scoped in (("", keys), *per_vendor.items()):
            for kind in KINDS:
                for key in getattr(scoped, kind):
                    other = owner.setdefault((scope, kind, key), name)
                    if other != name:
                        raise _fail(origin, f"{where}: {kind} {key!r} already belongs to {other!r}")
        people.append(Person(name=name.strip(), keys=keys, vendors=per_vendor))
    return Identities(people=tuple(people), origin=origin)


def _keys(table: Mapping[str, object], origin: str, where: str) -> Keys:
    found: dict[str, tuple[str, ...]] = {}
    for kind in KINDS:
        value = table.get(kind, [])
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise _fail(origin, f"{where}: `{kind}` must be a list of strings")
        cleaned = (v.strip().lower() if kind == "emails" else v for v in values)
        found[kind] = tuple(dict.fromkeys(v for v in cleaned if v))
    return Keys(**found)


def _known_keys(table: Mapping[str, object], valid: tuple[str, ...], origin: str, where: str, what: str) -> None:
    for key in table:
        if key not in valid:
            raise _fail(origin, where + _miss(key, valid, what))


def _miss(given: str, valid: Iterable[str], what: str) -> str:
    choices = list(valid)
    near = difflib.get_close_matches(given, choices, n=1, cutoff=0.6)
    hint = f" Did you mean {near[0]!r}?" if near else ""
    return f"{given!r} is not {what}.{hint} Try one of: {', '.join(choices)}"


def _fail(origin: str, message: str) -> UsageError:
    return UsageError(f"{origin}: invalid identities file: {message}")
