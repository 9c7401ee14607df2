"""The REPL's dot-commands, declared once in a registry (`registry.py`) that also generates `.help` and tells
completion what each command's argument may be; one module per kind of command registers its commands on
import, in the order `.help` lists them."""

from auditql.repl.special import browse, output, queries, settings  # noqa: F401 (each registers its commands)
from auditql.repl.special.output import Destination
from auditql.repl.special.registry import (
    COMMANDS,
    SpecialCommand,
    arguments,
    execute,
    help_text,
    lookup,
    snapshot_commands,
)

__all__ = ["COMMANDS", "Destination", "SpecialCommand", "arguments", "execute", "help_text", "lookup",
           "snapshot_commands"]  # fmt: skip
