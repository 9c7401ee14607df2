"""Dot-commands that set the session: `.timer`, `.timeout`, `.quit`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from auditql import sql
from auditql.errors import UsageError
from auditql.repl.special.registry import special_command

if TYPE_CHECKING:
    from auditql.repl.session import Session


@special_command(".timer", "on|off", choices=("on", "off"))
def _timer(session: Session, arg: str) -> None:
    """Show or hide the query time in the footer."""
    if arg.lower() not in ("on", "off"):
        raise UsageError(f"{arg or 'nothing'} is not on or off. Try: .timer on, .timer off")
    session.timer = arg.lower() == "on"


@special_command(".timeout", "SECONDS|off", choices=("10", "60", "300", "off"))
def _timeout(session: Session, arg: str) -> None:
    """Cancel a query that runs longer than SECONDS (default 300); `off` lets queries run until Ctrl-C."""
    if not arg:
        session.say(f"timeout {f'{session.timeout:g} s' if session.timeout else 'off'}")
        return
    if arg.lower() in ("off", "none", "0"):
        session.timeout = None
        return
    seconds = sql.seconds(arg)
    if not seconds:
        raise UsageError(f"{arg} is not a number of seconds. Try: .timeout 60, .timeout off")
    session.timeout = seconds


@special_command(".quit", aliases=(".exit", ".q"))
def _quit(session: Session, arg: str) -> None:
    """Leave auditql (Ctrl-D does the same)."""
    session.running = False
