"""What `auditql query` reads besides its options: the query text (the argument, `-f FILE`, or `-` for
standard input; the REPL's `.read FILE` too) and the values `--param` binds to the query's placeholders.

Why a module of its own: both are command-line habits (the DuckDB CLI's `-f` and `.read`, psql's `-v`), not
the query language's. The translator binds values; this only turns what was typed into the query text and a
mapping of Python values, and says in one line what is wrong with either. It imports nothing heavy.

Typing of `--param name=VALUE` (docs/spec/query-language.md, "The query from a file, and values from the
command line"):
- a JSON-style number (`0`, `-12`, `3.5`, `1e3`) is a number; anything else is text, so `007`, `+1`,
  `2025-03-01` and `0x1F` stay text exactly as typed;
- `'…'` or `"…"` around the whole value forces text: `--param "code='0'"` binds the string `0`;
- `@FILE` reads one value per line (blank lines skipped) into a list, for `IN (:name)`: numbers if every
  line is a number, else text. `'@x'` (quoted) is the text `@x`.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from auditql.errors import UsageError
from auditql.userfiles import read_small

# The placeholders' names (dialect.py): a letter or underscore, then letters, digits, underscores.
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# JSON's number grammar: no leading zeros (an ID like 007 keeps them), no leading +, no hex, no inf/nan.
_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")
# A lone word made of path characters: what a file name typed in place of a query looks like. A WHERE
# clause always has an operator or a space (`a=1`, `x != 0`), so neither can be mistaken for one.
_PATH_LIKE = re.compile(r"[\w.~/\\:-]+")
_QUERY_SUFFIXES = (".sql", ".txt", ".gql", ".query")
# Reads stop here (auditql/userfiles.py), so `-f /dev/zero` ends in one line instead of reading until memory
# runs out: a query file is refused past what the longest query allowed (query/allowlist.py's
# MAX_LENGTH, 100,000 characters, at most 4 UTF-8 bytes each, plus a byte-order mark) could take; a value
# list for `--param name=@FILE` may be far longer, but not without end.
QUERY_FILE_BYTES = 4 * 100_000 + 3
PARAM_FILE_BYTES = 256 * 1024 * 1024


def query_text(text: str | None, file: str | None) -> str:
    """The query to run: from `-f FILE` (`-f -` is stdin), from stdin when the argument is `-`, else the
    argument itself. An empty file or stdin is a usage error naming it."""
    if file is not None:
        source, label = _read(file, "query file", QUERY_FILE_BYTES), ("standard input" if file == "-" else file)
    elif text == "-":
        source, label = _read("-", "query", QUERY_FILE_BYTES), "standard input"
    elif text is None:
        raise UsageError(
            "no query: give one as an argument, with -f FILE, or `-` to read it from standard input "
            "(or only --since, --until or --vendor for every event they select)"
        )
    else:
        _refuse_file_name(text)
        return text
    if not source.strip():
        raise UsageError(f"no query: {label} is empty")
    return source


def _refuse_file_name(text: str) -> None:
    """A file or folder name given where the query goes (`auditql query q.sql`) would otherwise run as a
    raw-field test and match nothing; say how to run the file instead."""
    word = text.strip()
    if not _PATH_LIKE.fullmatch(word):
        return
    path = Path(word).expanduser()
    if path.is_dir():
        raise UsageError(
            f"{word} is a folder, not a query; to query its files give the query first: auditql query QUERY {word}"
        )
    if path.is_file() or word.lower().endswith(_QUERY_SUFFIXES):
        raise UsageError(f"{word} is a file name, not a query; to run the query in it use -f {word}")


def _read(file: str, what: str, most: int) -> str:
    """A text file (or stdin for `-`) as UTF-8, a byte-order mark dropped, refused past `most` bytes;
    failures name the file."""
    try:
        if file == "-":
            data = sys.stdin.buffer.read(most + 1) if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode()
        else:
            data = read_small(Path(file).expanduser(), most)
    except OSError as exc:
        raise UsageError(f"cannot read {what} {file}: {exc.strerror or exc}") from None
    if len(data) > most:  # stdin
        raise UsageError(f"standard input is longer than a {what} can be (more than {most:,} bytes): nothing run")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        where = "standard input" if file == "-" else file
        raise UsageError(f"{where} is not UTF-8 text (byte {exc.start + 1}); save it as UTF-8") from None


def parse_params(given: Iterable[str]) -> dict[str, object]:
    """`--param name=VALUE` options (repeatable) as {name: value}; a name given twice is an error."""
    params: dict[str, object] = {}
    for item in given:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not _NAME.fullmatch(name):
            raise UsageError(f"--param {item!r}: write name=VALUE (name: letters, digits, _), e.g. --param code=403042")
        if name in params:
            raise UsageError(f"--param {name} is given twice")
        params[name] = _value(name, value)
    return params


def _value(name: str, value: str) -> object:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    if value.startswith("@"):
        return _values_from_file(name, value[1:])
    return _typed(value)


def _typed(text: str) -> object:
    if _NUMBER.fullmatch(text):
        return int(text) if text.lstrip("-").isdigit() else float(text)
    return text


def _values_from_file(name: str, file: str) -> list[object]:
    if not file:
        raise UsageError(f"--param {name}=@: name the file to read values from, e.g. --param {name}=@ids.txt")
    lines = [line.strip() for line in _read(file, f"--param {name} file", PARAM_FILE_BYTES).splitlines()]
    values = [line for line in lines if line]
    if not values:
        raise UsageError(f"--param {name}: {file} holds no values (one per line)")
    if all(_NUMBER.fullmatch(v) for v in values):
        return [_typed(v) for v in values]
    return list(values)


class Bound(Mapping[str, object]):
    """The --param values as the translator reads them, remembering which names the query asked for, so
    a value the query never uses is reported (a typo in a name would otherwise bind nothing, silently)."""

    def __init__(self, values: Mapping[str, object]):
        self.given = dict(values)
        self.used: set[str] = set()

    def __getitem__(self, name: str) -> object:
        value = self.given[name]
        self.used.add(name)
        return value

    def __contains__(self, name: object) -> bool:
        return name in self.given

    def __iter__(self) -> Iterator[str]:
        return iter(self.given)

    def __len__(self) -> int:
        return len(self.given)

    def check_all_used(self) -> None:
        unused = [n for n in self.given if n not in self.used]
        if unused:
            names = ", ".join(unused)
            verb, has = ("is", f"no :{unused[0]}") if len(unused) == 1 else ("are", "no such placeholders")
            raise UsageError(
                f"--param {names} {verb} not used: the query has {has} (placeholders: :name, $name or {{name}})"
            )
