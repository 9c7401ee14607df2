"""The schema of a mapping TOML file, declared as data: every key and table a mapping may hold, its type,
and what it means.

tomllib accepts any key, so without this a typo (`requires`, `[[outcom]]`) loaded silently and the vendor
was simply never detected. `check` walks a parsed document against `MAPPING` and reports every problem
with the line it is on (found by `Lines`, since tomllib keeps no positions) and the nearest valid key.
docs/mappings.md describes the same keys in prose; a test keeps the two in step.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass

from auditql.schema import ACTOR_TYPES, CATEGORIES, COLUMN_NAMES, MAPPED_COLUMNS, OUTCOMES

# What a value may be. "strings" is a string or an array of strings (one synonym or several).
KINDS: dict[str, str] = {
    "string": "a string",
    "strings": "a string or an array of strings",
    "groups": "an array whose items are strings or arrays of strings",
    "scalar": "a string, number or boolean",
    "boolean": "true or false",
}


@dataclass(frozen=True)
class Value:
    kind: str  # a key of KINDS
    meaning: str
    choices: tuple[str, ...] = ()  # when set, every string must be one of these
    noun: str = "value"  # what one choice is called in an error: "'signin' is not a category"
    required: bool = False


@dataclass(frozen=True)
class Table:
    meaning: str
    keys: dict[str, Value | Table] | None  # None: any keys at all (a sample record)
    array: bool = False  # [[name]]: an array of tables
    required: bool = False


Spec = Value | Table

_FIELD_COLUMNS = tuple(c for c in MAPPED_COLUMNS if c not in ("category", "outcome", "actor_type"))


def _rule_table(column: str, choices: tuple[str, ...]) -> Table:
    return Table(
        f"rules computing `{column}`, tried top to bottom; the first match wins",
        {
            "when": Value("string", "the canonical column to test", MAPPED_COLUMNS, "canonical column"),
            "field": Value("string", "the source field to test (instead of `when`)"),
            "like": Value("strings", "case-insensitive SQL LIKE patterns; any one may match", required=True),
            "then": Value("string", f"the {column} when a pattern matches", choices, column, required=True),
        },
        array=True,
    )


def _columns() -> dict[str, Spec]:
    columns: dict[str, Spec] = {
        c: Value("strings", f"source fields feeding `{c}`, coalesced in this order") for c in _FIELD_COLUMNS
    }
    columns["time"] = Value("strings", "source fields holding when the action happened", required=True)
    return columns


# Columns a sample may expect: every canonical column a record fills, and `rejected` for a refused one.
EXPECTABLE: tuple[str, ...] = tuple(c for c in COLUMN_NAMES if c not in ("raw", "source_file", "source_row"))
SAMPLE_FORMATS: tuple[str, ...] = ("json", "csv")

MAPPING = Table(
    "a vendor mapping",
    {
        "name": Value("string", "the vendor's key: a lower-case identifier, stored in `vendor`", required=True),
        "title": Value("string", "a human-readable title (`auditql vendors`)"),
        "time_formats": Value("strings", "strptime formats tried, in order, before the built-in ones"),
        "detect": Table(
            "how files of this vendor are recognized",
            {"require": Value("groups", "groups of field names; every group must be matched by one field")},
        ),
        "identity": Table(
            "what identifies an event that carries no vendor id",
            {
                "content": Value(
                    "strings",
                    "canonical columns whose values identify an event",
                    MAPPED_COLUMNS,
                    "canonical column",
                    required=True,
                ),
                "precision": Value("string", "how finely `time` counts", ("ms", "s", "min"), "precision"),
                "twins": Value("boolean", "whether some export of the vendor leaves out the id it has elsewhere"),
            },
        ),
        "columns": Table("canonical column -> source fields (synonyms)", _columns(), required=True),
        "actor": Table(
            "who acted, as one party; the first party present supplies every actor column",
            {
                "when": Value("strings", "source fields whose presence selects this party", required=True),
                "like": Value("strings", "LIKE patterns the `when` field must match (optional)"),
                "id": Value("strings", "source fields feeding `actor_id`"),
                "name": Value("strings", "source fields feeding `actor_name`"),
                "email": Value("strings", "source fields feeding `actor_email`"),
                "type": Value("string", "the `actor_type` of this party", ACTOR_TYPES, "actor type"),
            },
            array=True,
        ),
        "category": _rule_table("category", CATEGORIES),
        "outcome": _rule_table("outcome", OUTCOMES),
        "actor_type": _rule_table("actor_type", ACTOR_TYPES),
        "sample": Table(
            "a record as the vendor writes it, and what it must become",
            {
                "note": Value("string", "what the sample shows"),
                "format": Value(
                    "string", "how the record is written to a file", SAMPLE_FORMATS, "sample format", required=True
                ),
                "record": Table("the record: field -> value (csv: header -> cell text)", None, required=True),
                "expect": Table(
                    "canonical column -> the value it must hold",
                    {
                        **{c: Value("scalar", f"the expected `{c}`") for c in EXPECTABLE},
                        "rejected": Value("string", "the record must be rejected with a reason starting so"),
                    },
                    required=True,
                ),
            },
            array=True,
        ),
    },
)


@dataclass(frozen=True)
class Problem:
    path: tuple[str | int, ...]  # where in the document, e.g. ("category", 2, "then")
    message: str


def label(path: tuple[str | int, ...]) -> str:
    """`[detect]`, `[[category]] #3`, `[[sample]] #1 expect`: a table as a reader finds it in the file."""
    if not path:
        return "the top level"
    array = len(path) > 1 and isinstance(path[1], int)
    head = f"[[{path[0]}]] #{int(path[1]) + 1}" if array else f"[{path[0]}]"
    return " ".join([head, *(str(p) for p in path[2 if array else 1 :])])


def _key(path: tuple[str | int, ...]) -> str:
    """`detect.require`, `[[category]] #3 then`: a key as a reader finds it in the file."""
    if any(isinstance(p, int) for p in path):
        return f"{label(path[:-1])} {path[-1]}"
    return ".".join(str(p) for p in path)


def _shown(name: str, spec: Spec, top: bool) -> str:
    if isinstance(spec, Table) and top:
        return f"[[{name}]]" if spec.array else f"[{name}]"
    return repr(name)


def _unknown(table: Table, name: str, value: object, path: tuple[str | int, ...]) -> tuple[Problem, str | None]:
    """The problem, and the key it was probably meant to be (which is then not also reported missing)."""
    assert table.keys is not None
    top = not path
    tables = isinstance(value, dict) or (isinstance(value, list) and value and all(isinstance(v, dict) for v in value))
    if top and tables:
        what = f"unknown table [[{name}]]" if isinstance(value, list) else f"unknown table [{name}]"
    else:
        what = f"unknown key {name!r}" + (f" in {label(path)}" if path else "")
    near = difflib.get_close_matches(name, list(table.keys), n=1, cutoff=0.6)
    near = near or difflib.get_close_matches(name.lower(), list(table.keys), n=1, cutoff=0.6)
    if near:
        return Problem((*path, name), f"{what}; did you mean {_shown(near[0], table.keys[near[0]], top)}?"), near[0]
    return Problem((*path, name), f"{what}. Try one of: " + ", ".join(table.keys)), None


def _strings(kind: str, value: object) -> list | None:
    """The strings a value of `kind` holds, or None if it is not of that kind at all."""
    if isinstance(value, str):
        return [value] if kind in ("string", "strings") else None
    if not isinstance(value, list) or kind == "string":
        return None
    if kind == "strings":
        return value
    return [s for g in value for s in (g if isinstance(g, list) else [g])]


def _value_problem(spec: Value, value: object, path: tuple[str | int, ...]) -> str | None:
    if spec.kind == "boolean":
        return None if isinstance(value, bool) else f"{_key(path)} must be {KINDS['boolean']}"
    if spec.kind == "scalar":
        return None if isinstance(value, str | int | float | bool) else f"{_key(path)} must be {KINDS['scalar']}"
    strings = _strings(spec.kind, value)
    if strings is None or not all(isinstance(s, str) for s in strings):
        return f"{_key(path)} must be {KINDS[spec.kind]}"
    wrong = [s for s in strings if spec.choices and s not in spec.choices]
    if wrong:
        return f"{_key(path)}: {wrong[0]!r} is not a {spec.noun}. Try one of: " + ", ".join(spec.choices)
    return None


def _check_table(table: Table, data: dict, path: tuple[str | int, ...], out: list[Problem]) -> None:
    if table.keys is None:
        return
    meant: set[str | None] = set()
    for name, value in data.items():
        spec = table.keys.get(name)
        if spec is None:
            unknown, near = _unknown(table, name, value, path)
            out.append(unknown)
            meant.add(near)
        elif isinstance(spec, Value):
            problem = _value_problem(spec, value, (*path, name))
            if problem:
                out.append(Problem((*path, name), problem))
        elif spec.array:
            if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
                out.append(Problem((*path, name), f"{name} must be tables, each headed [[{name}]]"))
                continue
            for i, item in enumerate(value):
                _check_table(spec, item, (*path, name, i), out)
        elif not isinstance(value, dict):
            out.append(Problem((*path, name), f"{name} must be a table ([{name}])"))
        else:
            _check_table(spec, value, (*path, name), out)
    for name, spec in table.keys.items():
        if spec.required and name not in data and name not in meant:
            shown = f"[{name}]" if isinstance(spec, Table) else repr(name)
            where = f" in {label(path)}" if path else ""
            out.append(Problem(path, f"missing {shown}{where} ({spec.meaning})"))


def check(data: dict) -> list[Problem]:
    """Every way `data` (a parsed mapping document) departs from `MAPPING`, in document order."""
    out: list[Problem] = []
    _check_table(MAPPING, data, (), out)
    return out


# ---------------------------------------------------------------- where things are in the TOML text
_KEY_PART = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
_KEY_PATH = rf"{_KEY_PART}(?:\s*\.\s*{_KEY_PART})*"
_HEADER = re.compile(rf"\s*(\[\[?)\s*({_KEY_PATH})\s*\]")
_ASSIGN = re.compile(rf"\s*({_KEY_PATH})\s*=")


def _key_parts(path: str) -> list[str]:
    parts = re.findall(_KEY_PART, path)
    return [tomllib.loads(f"k = {p}")["k"] if p[0] in "\"'" else p for p in parts]


def _scan(text: str, depth: int, quote: str | None) -> tuple[int, str | None]:
    """Bracket depth and open multi-line string after `text`, so lines inside a multi-line array, inline
    table or string are never taken for a header or a key."""
    i = 0
    while i < len(text):
        if quote in ('"""', "'''"):
            end = text.find(quote, i)
            if end < 0:
                return depth, quote
            i, quote = end + 3, None
            continue
        c = text[i]
        if quote:
            if c == "\\" and quote == '"':
                i += 1
            elif c == quote:
                quote = None
        elif c == "#":
            break
        elif text.startswith(('"""', "'''"), i):
            quote, i = text[i : i + 3], i + 3
            continue
        elif c in "\"'":
            quote = c
        elif c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
        i += 1
    return depth, (quote if quote in ('"""', "'''") else None)


class Lines:
    """Where each table header and key of a TOML text is, by document path (`("category", 2, "then")`):
    for a key the first line assigning it inside its table, for a table its header line."""

    def __init__(self, text: str):
        self.at: dict[tuple[str | int, ...], int] = {}
        counts: dict[tuple[str | int, ...], int] = {}  # array-of-tables path -> tables seen so far
        table: tuple[str | int, ...] = ()
        depth, quote = 0, None
        for n, line in enumerate(text.splitlines(), 1):
            if depth > 0 or quote:
                depth, quote = _scan(line, depth, quote)
                continue
            header = _HEADER.match(line)
            if header:
                path: tuple[str | int, ...] = ()
                names = _key_parts(header.group(2))
                for i, name in enumerate(names):
                    path = (*path, name)
                    if header.group(1) == "[[" and i == len(names) - 1:
                        counts[path] = counts.get(path, 0) + 1
                    if path in counts:
                        path = (*path, counts[path] - 1)
                self.at.setdefault(path, n)
                table = path
                continue
            assign = _ASSIGN.match(line)
            if assign:
                self.at.setdefault((*table, *_key_parts(assign.group(1))), n)
                depth, quote = _scan(line[assign.end() :], depth, quote)

    def line(self, path: tuple[str | int, ...]) -> int | None:
        """The line of `path`, else of the nearest table or key holding it."""
        while path:
            for known in (path, (*path, 0)):  # an array of tables is where its first table is
                if known in self.at:
                    return self.at[known]
            path = path[:-1]
        return None
