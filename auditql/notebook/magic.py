"""`%auditql` and `%%auditql`: the archive from a notebook, with the CLI's query language and options.

A thin front end like the CLI: it splits the line into options and query text, calls the core
(`notebook.query`, `ingest`), prints messages and returns the result for IPython to display. It holds no
SQL. A failing query prints one clear message (the query, a caret, what to do) instead of a traceback.

Quoting is the security-relevant part. IPython normally expands `$name` and `{name}` in a magic's line
before the magic sees it, which would paste notebook values into query text. This magic opts out: in the
query, `:name`, `$name` and `{name}` are placeholders the translator binds as DuckDB parameters. Only
option values and paths (`--db $archive`, `ingest {folder}`) are expanded, IPython-style.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from IPython.core.completer import CompletionContext, SimpleCompletion, SimpleMatcherResult, context_matcher
from IPython.core.magic import Magics, line_cell_magic, magics_class, needs_local_scope, no_var_expand
from IPython.utils.text import DollarFormatter

from auditql import api
from auditql.errors import AuditqlError, QueryError, UsageError, environment_error
from auditql.frontend.completer import Snapshot, Suggestion, suggest
from auditql.notebook import results as notebook
from auditql.output import safe_text
from auditql.query.allowlist import ALLOWED_FUNCTION_NAMES
from auditql.sql import seconds


@dataclass(frozen=True)
class Option:
    metavar: str  # "" for a flag
    help: str
    repeat: bool = False


OPTIONS: dict[str, Option] = {
    "--db": Option("PATH", "archive file (default: the one `open` or `ingest` set, else $AUDITQL_DB)"),
    "--limit": Option("N", "at most N rows (the result says when rows were cut)"),
    "--since": Option("WHEN", "only events at or after: 7d, 12h, 2025-03-01, 2025-03-01T10:00:00Z"),
    "--until": Option("WHEN", "only events before this time (same forms as --since)"),
    "--vendor": Option("NAME", "only this vendor's events (with ingest: read every file as this vendor)"),
    "--columns": Option("A,B", "comma-separated columns to return (canonical or raw field names)"),
    "--explain": Option("", "print the DuckDB SQL that would run, and stop"),
    "--timeout": Option("SECONDS", "cancel the query after this long (default 300; 0 = no limit)"),
    "-o": Option("NAME", "also store the result in this notebook variable (JupySQL's `NAME <<` too)"),
    "--mapping": Option("FILE", "ingest only: a mapping TOML adding or overriding a vendor", repeat=True),
    "--help": Option("", "show this help"),
}
QUERY_OPTIONS = ("--db", "--limit", "--since", "--until", "--vendor", "--columns", "--explain", "--timeout", "-o",
                 "--help")  # fmt: skip
SUBCOMMANDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "ingest": ("PATH…  ingest files/folders/zips into the archive (and use it from now on)",
               ("--db", "--vendor", "--mapping", "--help")),
    "open": ("PATH  use this archive for the queries that follow", ("--help",)),
}  # fmt: skip
# A following word that makes `open …` / `ingest …` a query about a field of that name instead.
_NOT_A_PATH = re.compile(r"\s*(=|!=|<|>|(?i:like|ilike|in|is|not|between|contains|regex)\b)")
_TOKEN = re.compile(r"""\s*((?:"[^"]*"|'[^']*'|[^\s"']+)+|\S+)""")
_ASSIGN = re.compile(r"\s*([A-Za-z_]\w*)\s*<<\s*")
_TEMPLATE = re.compile(r"\{\{\s*([A-Za-z_]\w*)\s*\}\}")
_QUOTED = re.compile(r""""([^"]*)"|'([^']*)'""")


def usage() -> str:
    lines = ["%auditql [OPTIONS] QUERY          one query (a WHERE clause, Gigya REST form, or SQL)",
             "%%auditql [OPTIONS]  + QUERY lines  the same, the query in the cell body"]  # fmt: skip
    lines += [f"%auditql {name} {text}" for name, (text, _) in SUBCOMMANDS.items()]
    lines.append("options:")
    lines += [f"  {name} {o.metavar}".ljust(22) + o.help for name, o in OPTIONS.items()]
    lines.append("In the query, :name / {name} / $name bind the notebook variable `name` as a value.")
    lines.append("Example:  %auditql --limit 20 outcome = 'failure' AND actor_name = :who")
    return "\n".join(lines)


def split_line(line: str, allowed: Iterable[str]) -> tuple[dict[str, Any], str]:
    """Leading options (`--limit 5`, `--db=PATH`, quoted values) and the untouched rest of the line."""
    options: dict[str, Any] = {}
    pos = 0
    while (m := _TOKEN.match(line, pos)) and m.group(1).startswith("-"):
        pos = m.end()
        if m.group(1) == "--":  # end of options: what follows is query text even if it starts with "-"
            break
        name, eq, value = m.group(1).partition("=")
        option = OPTIONS.get(name)
        if option is None or name not in allowed:
            raise UsageError(f"{name!r} is not an option here. Try one of: {', '.join(allowed)}")
        if not option.metavar:
            options[name] = True
            continue
        if not eq:
            if not (v := _TOKEN.match(line, pos)):
                raise UsageError(f"{name} needs a value: {name} {option.metavar}")
            value, pos = v.group(1), v.end()
        value = unquote(value)
        options[name] = [*options.get(name, []), value] if option.repeat else value
    return options, line[pos:].lstrip()


def unquote(token: str) -> str:
    """Shell-like: quotes group a value (`"my archive.duckdb"`, `'a,"b c"'`) and are removed."""
    return _QUOTED.sub(lambda m: m.group(1) if m.group(1) is not None else m.group(2), token)


def suggestions(text: str, snap: Snapshot) -> list[Suggestion] | None:
    """What fits at the end of `text` (a cell up to the cursor): options while they are typed, then the
    REPL's own query completion (`completer.suggest`). None where it is not ours or a path is typed."""
    if body := re.match(r"\s*%%auditql\b[^\n]*\n", text):
        return suggest(text[body.end() :], snap)
    line = text.rsplit("\n", 1)[-1]
    if not (magic := re.search(r"%%?auditql\s+", line)):
        return None
    rest = line[magic.end() :]
    head, _, partial = rest.rpartition(" ")
    if rest.split(" ", 1)[0] in SUBCOMMANDS:
        return None  # paths: IPython's file completion answers
    options_only, wants_value = _options_so_far(head.split())
    if options_only and (wants_value or "=" in partial):
        return None  # an option's value (a path, a variable name)
    if options_only and partial.startswith("-"):
        return [Suggestion(o, len(partial), "option", OPTIONS[o].help) for o in QUERY_OPTIONS if o.startswith(partial)]
    try:
        _, query = split_line(rest, QUERY_OPTIONS)
    except UsageError:
        return None
    return suggest(query, snap)


def _options_so_far(words: list[str]) -> tuple[bool, bool]:
    """(these words are all options and option values, the last option still wants its value)."""
    wants_value = False
    for word in words:
        if wants_value:
            wants_value = False
            continue
        name, eq, _ = word.partition("=")
        if name not in OPTIONS:
            return False, False
        wants_value = bool(OPTIONS[name].metavar) and not eq
    return True, wants_value


@magics_class
class AuditqlMagics(Magics):
    """The magic and the notebook's choice of archive (`open` / `ingest`), remembered between cells."""

    archive: Path | None = None
    snapshot: Snapshot = Snapshot()  # what completion knows: the archive's raw fields, allowed functions
    _snapshot_key: tuple[Path, int] | None = None

    @no_var_expand
    @needs_local_scope
    @line_cell_magic
    def auditql(self, line: str, cell: str | None = None, local_ns: Mapping[str, Any] | None = None) -> Any:
        scopes = (self.shell.user_ns if self.shell is not None else {}, local_ns or {})
        try:
            return self._dispatch(line, cell, scopes)
        except QueryError as exc:
            _say(exc.render())
        except AuditqlError as exc:
            _say(f"error: {exc}")
        except KeyboardInterrupt:  # the kernel's interrupt button: DuckDB has cancelled the query already
            _say("interrupted: the query was cancelled")
        except Exception as exc:
            explained = environment_error(exc, self.archive)  # a damaged archive, a write the system refused
            if explained is None:
                raise
            _say(f"error: {explained}")
        return None

    def _dispatch(self, line: str, cell: str | None, scopes: tuple[Mapping[str, Any], ...]) -> Any:
        if assign := _ASSIGN.match(line):  # JupySQL's `%%sql result << …` habit: the same as `-o result`
            line = f"-o {assign.group(1)} {line[assign.end() :]}"
        first, _, rest = line.strip().partition(" ")
        subcommand = cell is None and first in SUBCOMMANDS and not _NOT_A_PATH.match(rest)
        allowed = SUBCOMMANDS[first][1] if subcommand else QUERY_OPTIONS
        options, text = split_line(rest if subcommand else line, allowed)
        expand = _expander(scopes)
        options = {k: [expand(x) for x in v] if isinstance(v, list) else expand(v) if isinstance(v, str) else v
                   for k, v in options.items()}  # fmt: skip
        if options.get("--help") or not (subcommand or text or (cell or "").strip()):
            return print(usage())
        if subcommand:
            paths = [Path(unquote(expand(m.group(1)))) for m in _TOKEN.finditer(text)]
            return self.ingest(paths, options) if first == "ingest" else self.open(paths)
        if cell is not None:
            if text:
                raise UsageError(f"put the query in the cell body, not after %%auditql: {text!r}")
            text = cell
        hidden = getattr(self.shell, "user_ns_hidden", {})
        _refuse_templates(text, scopes)
        return self.query(text, options, notebook.Namespace(scopes, hidden))

    def database(self, given: str | None) -> Path:
        if given:
            return Path(given).expanduser()
        return self.archive if self.archive is not None else api.default_db_path()

    def query(self, text: str, options: dict[str, Any], params: notebook.Namespace) -> Any:
        limit, name, columns = options.get("--limit"), options.get("-o"), options.get("--columns")
        if limit is not None and not limit.isdigit():
            raise UsageError(f"--limit needs a whole number of rows, not {limit!r}")
        if name is not None and not name.isidentifier():
            raise UsageError(f"-o needs a Python variable name, not {name!r}")
        request = notebook.Request(text, dict(
            params=params, vendor=options.get("--vendor"),
            since=api.parse_when(options["--since"]) if options.get("--since") else None,
            until=api.parse_when(options["--until"]) if options.get("--until") else None,
            columns=[c.strip() for c in columns.split(",")] if columns else None,
        ))  # fmt: skip
        db, rows = self.database(options.get("--db")), None if limit is None else int(limit)
        if options.get("--explain"):
            translation = notebook.explain(db, request, rows)
            _say(*(f"warning: {w}" for w in translation.warnings))
            return print(translation.sql)
        result = notebook.query(db, request, rows, _seconds(options.get("--timeout")))
        self.remember(db)
        _say(*(f"warning: {w}" for w in result.warnings))
        if name is not None and self.shell is not None:
            self.shell.user_ns[name] = result
        return result

    def ingest(self, paths: list[Path], options: dict[str, Any]) -> None:
        from auditql.api import ingest
        from auditql.output import render
        from auditql.output.reports import ingest_messages, ingest_table

        if not paths:
            raise UsageError("ingest needs files or folders: %auditql ingest [--db PATH] PATH…")
        db = self.database(options.get("--db"))
        mappings = [Path(m) for m in options.get("--mapping", [])]
        report = ingest(paths, db, vendor=options.get("--vendor"), mappings=mappings)
        render(ingest_table(report), "table", sys.stdout)
        _say(*(m.text for m in ingest_messages(report)))
        self.archive = db
        self.remember(db)
        print(f"archive: {safe_text(db)} (used by the queries that follow)")

    def open(self, paths: list[Path]) -> None:
        if len(paths) != 1:
            raise UsageError("open takes one archive path: %auditql open PATH")
        db = paths[0].expanduser()
        api.reader(db).close()  # says clearly when there is no archive there
        self.archive = db
        self.remember(db)
        print(f"archive: {safe_text(db)}")

    def remember(self, db: Path) -> None:
        """Refresh what completion knows about the archive (after open, ingest, a query; never per key)."""
        try:
            key = (db, db.stat().st_mtime_ns)
            if key == self._snapshot_key:
                return
            con = api.reader(db)
        except (OSError, AuditqlError):
            return
        try:
            values, field_values = api.value_lists(con)  # values complete too, vendor fields' included
            self.snapshot = Snapshot(api.catalog(con).fields, values, ALLOWED_FUNCTION_NAMES, field_values=field_values)
            self._snapshot_key = key
        finally:
            con.close()


def _expander(scopes: tuple[Mapping[str, Any], ...]) -> Any:
    """IPython's own `$name` / `{expr}` expansion, for option values and paths only (never query text)."""
    namespace: dict[str, Any] = {}
    for scope in scopes:
        namespace.update(scope)

    def expand(text: str) -> str:
        try:
            return DollarFormatter().vformat(text, args=[], kwargs=namespace)
        except Exception:  # as IPython does: a failed expansion leaves the text as typed
            return text

    return expand


def _refuse_templates(text: str, scopes: tuple[Mapping[str, Any], ...]) -> None:
    """JupySQL pastes `{{name}}` into the query text; here it would stay literal text and silently match
    nothing (`actor_name = '{{who}}'`). When `name` is a notebook variable, say how auditql binds it instead."""
    for found in _TEMPLATE.finditer(text):
        name = found.group(1)
        if any(name in scope for scope in scopes):
            raise UsageError(
                f"{{{{{name}}}}} is JupySQL's template syntax, which pastes text into the query; auditql binds "
                f"notebook values instead: write :{name} where the value goes, without quotes "
                f"(for example actor_name = :{name})"
            )


def _seconds(text: str | None) -> float | None:
    if text is None:
        return api.DEFAULT_TIMEOUT
    value = seconds(text)
    if value is None:
        raise UsageError(f"--timeout needs a number of seconds (0 = no limit), not {text!r}")
    return value


def _say(*messages: str) -> None:
    for message in messages:
        print(safe_text(message, keep_newlines=True), file=sys.stderr)


def matcher_for(magics: AuditqlMagics) -> Any:
    """A completion matcher (IPython ≥ 8.6) offering column names and options inside %auditql / %%auditql."""

    @context_matcher(identifier="auditql")
    def auditql_matcher(context: CompletionContext) -> SimpleMatcherResult:
        before = "\n".join([*context.full_text.split("\n")[: context.cursor_line], context.text_until_cursor])
        found = suggestions(before, magics.snapshot) or []
        completions = [SimpleCompletion(f.text, type=f.kind) for f in found]
        fragment = before[len(before) - found[0].replace :] if found and found[0].replace else ""
        return {"completions": completions, "matched_fragment": fragment, "suppress": bool(found)}

    return auditql_matcher


def load_ipython_extension(ipython: Any) -> None:
    magics = AuditqlMagics(ipython)
    ipython.register_magics(magics)
    completer = getattr(ipython, "Completer", None)
    if completer is not None and hasattr(completer, "custom_matchers"):
        completer.custom_matchers[:] = [
            m for m in completer.custom_matchers if getattr(m, "matcher_identifier", None) != "auditql"
        ]
        completer.custom_matchers.append(matcher_for(magics))
