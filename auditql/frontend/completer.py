"""Completion for the REPL: from the text before the cursor, what may come next — a column or raw field
where a name goes, a *value* after `=`, `IN (`, `LIKE` for low-cardinality columns, keywords, functions,
dot-commands and their arguments.

The engine (`suggest`) is a pure function of (text before cursor, `Snapshot`): it never touches a terminal
or the archive, so it is tested with plain tables of text → suggestions. The snapshot is what the REPL last
read from the archive's small catalog tables (raw fields per vendor, the value dictionary ingest keeps), so
completion stays instant on a 10-million-event archive. The prompt_toolkit adapter at the bottom is thin.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from prompt_toolkit.completion import CompleteEvent, Completer, Completion, PathCompleter
from prompt_toolkit.document import Document

from auditql.output import safe_text
from auditql.query.identities import PERSON
from auditql.schema import COLUMN_NAMES
from auditql.sql import sql_ident

# What a dot-command's argument completes to: fixed choices, or one of these kinds.
PATH, VENDOR, COMMAND, QUERY, SAVED = "<path>", "<vendor>", "<command>", "<query>", "<saved>"


@dataclass(frozen=True)
class Snapshot:
    """What completion knows about the archive and the REPL, read once per query, never per keystroke."""

    fields: Mapping[str, frozenset[str]] = field(default_factory=dict)  # vendor -> raw field paths
    values: Mapping[str, Sequence[str]] = field(default_factory=dict)  # column -> values, most frequent first
    functions: Sequence[str] = ()
    commands: Mapping[str, str] = field(default_factory=dict)  # ".name" -> one-line help
    arguments: Mapping[str, Sequence[str] | str] = field(default_factory=dict)  # ".name" -> choices or kind
    # raw field -> its values, most frequent first: only fields with few distinct values (ingest decides)
    field_values: Mapping[str, Sequence[str]] = field(default_factory=dict)
    saved: Sequence[str] = ()  # names of saved queries (`.run NAME`)

    def vendors(self) -> list[str]:
        return sorted({*self.fields, *self.values.get("vendor", ())})


@dataclass(frozen=True)
class Suggestion:
    text: str  # what replaces the last `replace` characters before the cursor
    replace: int = 0
    kind: str = ""  # column, field, value, keyword, function, table, command, choice
    meta: str = ""


_TOKEN = re.compile(
    r"""(?P<ws>\s+)
      | (?P<str>'(?:[^']|'')*(?P<str_end>')?)
      | (?P<qname>"(?:[^"]|"")*(?P<qname_end>")?)
      | (?P<num>\d+(?:\.\d*)?)
      | (?P<word>[A-Za-z_@$][\w@$]*(?:\.(?:[A-Za-z_@$][\w@$]*)?)*)
      | (?P<op><>|!=|<=|>=|=|<|>|\|\|)
      | (?P<punct>.)""",
    re.X | re.S,
)
COMPARISONS = frozenset({"=", "!=", "<>", "<", "<=", ">", ">="})
VALUE_WORDS = frozenset({"LIKE", "ILIKE", "CONTAINS", "REGEX"})
TABLE_WORDS = frozenset({"FROM", "JOIN"})
# After these a name (column, field, function) may start.
NAME_WORDS = frozenset(
    ["AND", "OR", "NOT", "WHERE", "SELECT", "BY", "HAVING", "ON", "WHEN", "THEN", "ELSE", "CASE", "DISTINCT"]
)
START_KEYWORDS = ("SELECT", "WITH", "NOT")
NAME_KEYWORDS = ("NOT", "CASE", "DISTINCT", "NULL", "TRUE", "FALSE", "INTERVAL")
AFTER_KEYWORDS = (
    "AND", "OR", "NOT", "IN", "LIKE", "ILIKE", "BETWEEN", "IS", "contains", "regex", "FROM", "WHERE",
    "GROUP BY", "ORDER BY", "HAVING", "LIMIT", "START", "ASC", "DESC", "AS", "JOIN", "ON", "NULL", "END",
)  # fmt: skip
TABLES = (("events", "the canonical table"), ("auditLog", "Gigya REST form: SELECT * FROM auditLog WHERE …"))
TIME_ALIASES = {"@timestamp": "time", "timestamp": "time"}
_PLAIN_NAME = re.compile(r"[A-Za-z_@][\w@$]*")
T = TypeVar("T")


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    closed: bool = True

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else self.text


def tokenize(text: str) -> list[_Token]:
    out = []
    for m in _TOKEN.finditer(text):
        kind = next(k for k in ("ws", "str", "qname", "num", "word", "op", "punct") if m.group(k) is not None)
        closed = m.group(f"{kind}_end") is not None if kind in ("str", "qname") else True
        out.append(_Token(kind, m.group(0), closed))
    return out


def suggest(text: str, snap: Snapshot) -> list[Suggestion]:
    """Everything that fits at the end of `text`, best first."""
    if text.lstrip().startswith("."):
        return _command_suggestions(text.lstrip(), snap)
    tokens = tokenize(text)
    partial = ""
    if (
        tokens
        and tokens[-1].kind in ("word", "str", "qname", "num")
        and not (tokens[-1].kind in ("str", "qname") and tokens[-1].closed)
    ):
        partial = tokens.pop().text
    elif tokens and tokens[-1].kind in ("str", "qname", "num"):
        return []  # right after a finished literal: nothing to add until a space
    before = [t for t in tokens if t.kind != "ws"]
    if partial[:1].isdigit():
        return []
    place, column, taken = _place(before)
    if place == "value":
        values = [v for v in _known_values(snap, column) if v not in taken]
        found = _values(values, partial, column or "")
        if found or partial[:1] in ("'", '"'):
            return found
        place = "name" if partial else "none"
    if place == "table":
        return [Suggestion(t, len(partial), "table", m) for t, m in TABLES if _matches(t, partial)]
    if place == "after":
        return _keywords(AFTER_KEYWORDS, partial)
    if place in ("start", "name"):
        names = _names(snap, partial)
        return names + _keywords(START_KEYWORDS if place == "start" else NAME_KEYWORDS, partial)
    return []


def _place(before: list[_Token]) -> tuple[str, str | None, set[str]]:
    """Where the cursor is: ("start"|"name"|"value"|"table"|"after"|"none", column for values, taken values)."""
    if not before:
        return "start", None, set()
    prev = before[-1]
    in_list = _in_list(before)
    if in_list is not None:
        column, taken = in_list
        return ("value", column, taken) if prev.upper in ("(", ",") else ("after", None, set())
    if prev.upper in COMPARISONS or prev.upper in VALUE_WORDS:
        i = len(before) - 2
        if prev.upper in ("LIKE", "ILIKE", "CONTAINS", "REGEX") and i >= 0 and before[i].upper == "NOT":
            i -= 1
        return "value", _column_at(before, i), set()
    if prev.upper in TABLE_WORDS:
        return "table", None, set()
    if prev.upper in NAME_WORDS or prev.upper in ("(", ",", "+", "-", "/", "%", "||"):
        return "name", None, set()
    if prev.upper == "*":
        return ("after" if len(before) > 1 and before[-2].upper in ("SELECT", "(") else "name"), None, set()
    if prev.kind in ("word", "str", "qname", "num") or prev.upper == ")":
        return "after", None, set()
    return "none", None, set()


def _in_list(before: list[_Token]) -> tuple[str | None, set[str]] | None:
    """Inside `col IN (…`: the column and the values already listed; None when not in such a list."""
    depth = 0
    for i in range(len(before) - 1, -1, -1):
        t = before[i].upper
        if t == ")":
            depth += 1
        elif t == "(":
            if depth == 0:
                if i >= 1 and before[i - 1].upper == "IN":
                    j = i - 2 if i < 3 or before[i - 2].upper != "NOT" else i - 3
                    taken = {_unquote(x.text) for x in before[i + 1 :] if x.kind in ("str", "qname")}
                    return _column_at(before, j), taken
                return None
            depth -= 1
    return None


def _known_values(snap: Snapshot, name: str | None) -> Sequence[str]:
    """The values kept for a canonical column (lower-case name) or a raw field (its name, any case)."""
    if name is None:
        return ()
    if name in COLUMN_NAMES or name == PERSON:
        return snap.values.get(name, ())
    found = snap.field_values.get(name)
    if found is None:
        found = next((v for f, v in snap.field_values.items() if f.lower() == name.lower()), ())
    return found


def _column_at(before: list[_Token], i: int) -> str | None:
    """The column or raw field named by token i (a name, or `lower(name)`): a canonical column lower-cased,
    a raw field as written; None when token i names nothing."""
    if i < 0:
        return None
    t = before[i]
    if t.upper == ")" and i >= 2 and before[i - 2].upper == "(":
        t = before[i - 1]
    if t.kind == "qname":
        name = _unquote(t.text)
    elif t.kind == "word":
        name = t.text
    else:
        return None
    canonical = TIME_ALIASES.get(name.lower(), name.lower())
    return canonical if canonical in COLUMN_NAMES or canonical == PERSON else name


def _values(values: Iterable[str], partial: str, column: str) -> list[Suggestion]:
    quote = partial[:1] if partial[:1] in ("'", '"') else "'"
    typed = _unquote(partial) if partial[:1] in ("'", '"') else partial
    chosen = _ranked(values, typed, key=lambda v: v)
    return [Suggestion(quote + v.replace(quote, quote * 2) + quote, len(partial), "value", column) for v in chosen]


def _names(snap: Snapshot, partial: str) -> list[Suggestion]:
    quoted = partial.startswith('"')
    typed = _unquote(partial) if quoted else partial
    pool: list[tuple[str, str, str]] = [(c, "column", "") for c in COLUMN_NAMES]
    pool.append(("@timestamp", "column", "same as time"))
    pool.append((PERSON, "column", "who, across vendors"))
    by_field: dict[str, list[str]] = {}
    for vendor, paths in snap.fields.items():
        for p in paths:
            if p.lower() not in COLUMN_NAMES and p.lower() not in TIME_ALIASES and p.lower() != PERSON:
                by_field.setdefault(p, []).append(vendor)
    pool += [(p, "field", ", ".join(sorted(vs))) for p, vs in sorted(by_field.items(), key=lambda x: x[0].lower())]
    if not quoted:
        pool += [(f, "function", "function") for f in snap.functions]
    chosen = _ranked(pool, typed, key=lambda item: item[0])
    return [Suggestion(_name_text(n, k, quoted), len(partial), k, m) for n, k, m in chosen]


def _name_text(name: str, kind: str, quoted: bool) -> str:
    if kind == "function":
        return {"now": "now()", "current_date": "current_date"}.get(name, name + "(")
    if quoted:
        return sql_ident(name)
    return ".".join(s if _PLAIN_NAME.fullmatch(s) else sql_ident(s) for s in name.split("."))


def _keywords(words: Iterable[str], partial: str) -> list[Suggestion]:
    lower = partial != "" and partial == partial.lower()
    return [
        Suggestion(w.lower() if lower else w, len(partial), "keyword", "keyword") for w in words if _matches(w, partial)
    ]


def _ranked(items: Iterable[T], typed: str, key: Callable[[T], str]) -> list[T]:
    """Prefix matches first (case-insensitive), then names with a dotted segment or word that starts so."""
    t = typed.lower()
    first, second = [], []
    for item in items:
        name = key(item).lower()
        if name.startswith(t):
            first.append(item)
        elif t and any(part.startswith(t) for part in re.split(r"[._ \-]", name)[1:]):
            second.append(item)
    return first + second


def _matches(word: str, partial: str) -> bool:
    return word.lower().startswith(partial.lower())


def _unquote(text: str) -> str:
    q = text[:1]
    body = text[1:-1] if len(text) > 1 and text.endswith(q) and not text.endswith(q * 2) else text[1:]
    return body.replace(q * 2, q)


def _command_suggestions(text: str, snap: Snapshot) -> list[Suggestion]:
    name, space, rest = text.partition(" ")
    if not space:
        return [Suggestion(c, len(name), "command", h) for c, h in snap.commands.items() if _matches(c, name)]
    spec = snap.arguments.get(name.lower(), ())
    if spec == QUERY:
        return suggest(rest, snap)
    partial = "" if rest[-1:].isspace() else rest.split()[-1] if rest.split() else ""
    if spec == VENDOR:
        choices: Sequence[str] = snap.vendors()
    elif spec == COMMAND:
        choices = list(snap.commands)
    elif spec == SAVED:
        choices = snap.saved
    elif spec == PATH or isinstance(spec, str):
        return []
    else:
        choices = spec
    return [Suggestion(c, len(partial), "choice") for c in choices if _matches(c.lstrip("."), partial.lstrip("."))]


class AuditCompleter(Completer):
    """prompt_toolkit adapter: the engine's suggestions, plus file names for `.ingest` / `.export`."""

    def __init__(self, snapshot: Callable[[], Snapshot]):
        self.snapshot = snapshot
        self.paths = PathCompleter(expanduser=True)

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterator[Completion]:
        text = document.text_before_cursor
        snap = self.snapshot()
        stripped = text.lstrip()
        if stripped.startswith(".") and " " in stripped:
            name, _, rest = stripped.partition(" ")
            if snap.arguments.get(name.lower()) == PATH:
                word = "" if rest[-1:].isspace() else rest.split()[-1]
                yield from self.paths.get_completions(Document(word, len(word)), complete_event)
                return
        for s in suggest(text, snap):
            if s.replace == 0 and not complete_event.completion_requested and not stripped.startswith("."):
                return  # after a space, the menu waits for TAB rather than popping up on every word
            yield Completion(s.text, -s.replace, display=safe_text(s.text), display_meta=safe_text(s.meta or s.kind))
