"""The `auditql` command: a thin front end. It parses options, calls the core (`api`, `ingest`, `output`),
prints data on stdout and messages on stderr, and turns every `AuditqlError` into one line and an exit code.

Exit codes (API): 0 ok · 1 a file or record was rejected (everything else stored) · 2 usage error ·
3 query refused or failed · 4 archive busy, missing or damaged · 5 `auditql verify` found a mismatch ·
70 internal error · 74 output could not be written (missing folder, permission, disk full) · 130 Ctrl-C ·
141 the reader of stdout went away (`| head`; quiet, as for any tool killed by SIGPIPE).
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable
from contextlib import suppress
from functools import wraps
from pathlib import Path
from typing import Any

import click

from auditql import __version__
from auditql.errors import AuditqlError, ExitCode, QueryError, UsageError, environment_error, is_interrupt
from auditql.output import json_text, safe_text

EXIT_CODES = (
    "\b\nExit codes: 0 ok, 1 rejected input, 2 usage, 3 query error, 4 archive busy/missing/damaged, "
    "5 verification failed, 70 bug, 74 output not written, 130 Ctrl-C, 141 stdout closed."
)


def err(message: str) -> None:
    click.echo(safe_text(message, keep_newlines=True), err=True)


def handle_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """User mistakes end as one clear message and a documented exit code, never a traceback."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            value = fn(*args, **kwargs)
            sys.stdout.flush()  # a full disk or a closed pipe is reported here, not by the interpreter at exit
            return value
        except BrokenPipeError:
            code = stdout_closed()
        except QueryError as exc:
            err(exc.render())
            code = exc.exit_code
        except AuditqlError as exc:
            err(f"error: {exc}")
            code = exc.exit_code
        except KeyboardInterrupt:
            err("interrupted")
            code = 130
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as exc:  # a bug: say so plainly, keep the traceback for those who ask
            explained = environment_error(exc, _archive_argument())
            if is_interrupt(exc):
                err("interrupted")
                code = 130
            elif explained is not None:  # not a bug: a damaged archive, a write the system refused
                err(f"error: {explained}")
                code = explained.exit_code
            elif os.environ.get("AUDITQL_DEBUG"):
                raise
            else:
                err(f"internal error: {type(exc).__name__}: {exc} (set AUDITQL_DEBUG=1 for details; please report)")
                code = ExitCode.INTERNAL
        # Outside the except block the failed frames are gone; collecting now closes the DuckDB connections
        # they held (a suspended result stream, a cycle through the traceback) before the interpreter shuts
        # down, where DuckDB's bindings would print "nanobind: leaked … instances" for each one still alive.
        gc.collect()
        sys.exit(code)

    return wrapper


def stdout_closed() -> int:
    """The reader of stdout went away (`auditql query … | head -1`): end quietly, as `cat` or the DuckDB CLI
    would. stdout is pointed at /dev/null so the interpreter's own last flush at exit finds nothing to fail."""
    with suppress(OSError, ValueError, AttributeError):  # not a real file (click's test runner)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return ExitCode.PIPE_CLOSED


def _archive_argument() -> Path | None:
    """The archive the running command was given (--db, else the default), to name it in an error."""
    ctx = click.get_current_context(silent=True)
    if ctx is None or "db" not in ctx.params or ctx.params.get("paths"):  # files: a cached archive, not --db
        return None
    return resolve_db(ctx.params["db"])


def db_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--db",
        type=click.Path(path_type=Path),
        default=None,
        help="Archive file, or a folder holding a Parquet dataset (docs/scale.md). "
        "Default: $AUDITQL_DB, else archive.duckdb in your user data folder.",
    )(fn)


def mapping_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--mapping",
        "mappings",
        multiple=True,
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="A mapping TOML file adding or overriding a vendor (repeatable).",
    )(fn)


def resolve_db(db: Path | None) -> Path:
    from auditql.api import default_db_path

    return db if db is not None else default_db_path()


class DefaultGroup(click.Group):
    """Plain `auditql` in a terminal opens the REPL; piped, it shows help."""

    # True while this process's own command line runs (`auditql …`, `python -m auditql …`), which the
    # process ends with; False when called in-process with args (tests' CliRunner), which lives on.
    one_shot = False

    def main(self, args: Any = None, *rest: Any, **options: Any) -> Any:
        self.one_shot = args is None
        return super().main(args, *rest, **options)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args and sys.stdin.isatty() and sys.stdout.isatty() and "repl" in self.commands:
            args = ["repl"]
        return super().parse_args(ctx, args)


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """The engines' versions too: a query's answer and an archive's storage depend on them (read from the
    installed packages' metadata only when asked, so `--version` imports neither and other commands pay nothing)."""
    if not value or ctx.resilient_parsing:
        return
    from importlib.metadata import PackageNotFoundError, version

    def installed(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "not installed"

    python = sys.version.split()[0]
    click.echo(f"auditql {__version__} (DuckDB {installed('duckdb')}, sqlglot {installed('sqlglot')}, Python {python})")
    ctx.exit()


@click.group(cls=DefaultGroup, epilog=EXIT_CODES, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show the version and exit.",
)
@click.pass_context
@handle_errors
def main(ctx: click.Context) -> None:
    """Query every SaaS vendor's audit-log exports as one archive.

    \b
    Example:
      auditql ingest sample_data/
      auditql query "category = 'login' AND outcome = 'failure'"

    Settings: config.toml in your user config folder, or $AUDITQL_CONFIG (docs/config.md).
    """
    ctx.default_map = command_defaults(ctx)


def command_defaults(ctx: click.Context) -> dict[str, dict[str, Any]]:
    """The settings file's `[command]` tables as click's default_map, every key and value checked against the
    command's own options first, so a typo or a wrong type stops with the file and key named."""
    from auditql import config

    settings = config.load()
    group = ctx.command
    assert isinstance(group, click.Group)
    defaults: dict[str, dict[str, Any]] = {}
    for name, table in settings.commands.items():
        command = group.commands.get(name)
        if command is None:
            known = ", ".join(sorted(group.commands))
            raise UsageError(f"{settings.path}: [{name}] is not a command (commands: {known})")
        defaults[name] = {}
        for key, value in table.items():
            option = _option(command, name, key, settings.path)
            try:
                option.type_cast_value(ctx, value)
            except click.BadParameter as exc:
                raise UsageError(f"{settings.path}: [{name}] {key}: {exc.message}") from None
            defaults[name][option.name or key] = value
    return defaults


def _option(command: click.Command, name: str, key: str, path: Path) -> click.Option:
    for param in command.params:
        longs = {o.lstrip("-").replace("-", "_") for o in param.opts if o.startswith("--")}
        if isinstance(param, click.Option) and key.replace("-", "_") in longs | {param.name}:
            return param
    known = ", ".join(
        sorted(
            o.lstrip("-")
            for p in command.params
            if isinstance(p, click.Option)
            for o in p.opts
            if o.startswith("--") and o != "--help"
        )
    )
    raise UsageError(f"{path}: [{name}] has no setting {key!r} (options of `auditql {name}`: {known})")


def emit_json(value: Any) -> None:
    click.echo(json_text(value, indent=2))


# Commands register themselves on `main` when their modules are imported.
from auditql import cli as commands  # noqa: E402,F401  (import for side effects)
