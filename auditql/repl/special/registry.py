"""The dot-command registry: `@special_command(".name", "ARGS", choices=…)` registers a function
`(session, argument text) -> None` whose docstring's first line is its help; the registry generates `.help`
and tells completion what each command's argument may be. A miss names the valid commands."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from auditql.errors import UsageError

if TYPE_CHECKING:
    from auditql.repl.session import Session

Handler = Callable[["Session", str], None]


@dataclass(frozen=True)
class SpecialCommand:
    name: str
    args: str
    handler: Handler
    choices: Sequence[str] | str = ()
    aliases: tuple[str, ...] = ()

    @property
    def summary(self) -> str:
        return (self.handler.__doc__ or "").strip().splitlines()[0]

    @property
    def usage(self) -> str:
        return f"{self.name} {self.args}".strip()


COMMANDS: dict[str, SpecialCommand] = {}


def special_command(name: str, args: str = "", *, choices: Sequence[str] | str = (),
                    aliases: tuple[str, ...] = ()) -> Callable[[Handler], Handler]:  # fmt: skip
    def register(handler: Handler) -> Handler:
        COMMANDS[name] = SpecialCommand(name, args, handler, choices, aliases)
        return handler

    return register


def lookup(name: str) -> SpecialCommand:
    key = name.lower() if name.startswith(".") else "." + name.lower()
    for command in COMMANDS.values():
        if key == command.name or key in command.aliases:
            return command
    raise UsageError(f"{name} is not a command. Try one of: {', '.join(COMMANDS)}")


def arguments(text: str) -> list[str]:
    """A dot-command's arguments, split as a shell would (quotes keep spaces in a file name).

    >>> arguments("'my exports/x.csv' b")
    ['my exports/x.csv', 'b']
    """
    try:
        return shlex.split(text)
    except ValueError as exc:  # "No closing quotation", "No escaped character"
        raise UsageError(f"{exc} in {text!r}: close the quote, e.g. .export 'my file.csv'") from None


def execute(session: Session, line: str) -> None:
    name, _, argument = line.strip().partition(" ")
    lookup(name).handler(session, argument.strip())


def snapshot_commands() -> tuple[dict[str, str], dict[str, Sequence[str] | str]]:
    """What completion needs: each command's one-line help, and what its argument completes to."""
    return {c.name: c.summary for c in COMMANDS.values()}, {c.name: c.choices for c in COMMANDS.values()}


def help_text() -> str:
    width = max(len(c.usage) for c in COMMANDS.values()) + 2
    lines = [
        "Queries — Enter runs a one-line WHERE clause; SQL (SELECT/WITH) ends with ; or a blank line:",
        "  category = 'login' AND outcome = 'failure' AND time > now() - INTERVAL 1 DAY",
        '  SELECT * FROM auditLog WHERE errCode in ("0", "400006") ORDER BY @timestamp DESC LIMIT 10',
        "  SELECT actor_name, count(*) AS n FROM events WHERE category = 'delete' GROUP BY 1 ORDER BY n DESC;",
        "",
        "Commands:",
        *(f"  {c.usage.ljust(width)}{c.summary}" for c in COMMANDS.values()),
        "",
        "Keys: Tab completes names and values · Ctrl-R searches history · Alt-Enter runs the statement now ·",
        "      Ctrl-C cancels a running query or clears the line · Ctrl-X Ctrl-E edits in $EDITOR · Ctrl-D quits",
    ]
    return "\n".join(lines)
