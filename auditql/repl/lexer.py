"""How the REPL reads what is typed: syntax highlighting, its colours, and where a statement ends.

Highlighting reuses the completion engine's tokenizer, so what is coloured as a string is exactly what
completion treats as one. `statement_complete` is the Enter rule, a pure function: a WHERE clause or
dot-command runs on Enter unless it is visibly unfinished (trailing AND/OR, an open parenthesis or quote);
SQL (starting with SELECT or WITH) continues until a `;` or a blank line.
"""

from __future__ import annotations

from collections.abc import Callable

from prompt_toolkit.document import Document
from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.lexers import Lexer

from auditql.frontend.completer import tokenize
from auditql.query.identities import PERSON
from auditql.schema import COLUMN_NAMES

KEYWORDS = frozenset(
    [
        "SELECT",
        "FROM",
        "WHERE",
        "AND",
        "OR",
        "NOT",
        "IN",
        "LIKE",
        "ILIKE",
        "BETWEEN",
        "IS",
        "NULL",
        "TRUE",
        "FALSE",
        "GROUP",
        "BY",
        "ORDER",
        "HAVING",
        "LIMIT",
        "START",
        "ASC",
        "DESC",
        "AS",
        "WITH",
        "JOIN",
        "ON",
        "CASE",
        "WHEN",
        "THEN",
        "ELSE",
        "END",
        "DISTINCT",
        "INTERVAL",
        "UNION",
        "CONTAINS",
        "REGEX",
        "EXISTS",
        "LEFT",
        "INNER",
        "OUTER",
        "CROSS",
        "NULLS",
        "FIRST",
        "LAST",
        "OFFSET",
        "DAY",
        "DAYS",
        "HOUR",
        "HOURS",
        "MINUTE",
        "MINUTES",
    ]
)
NAMES = frozenset({*COLUMN_NAMES, "@timestamp", PERSON})
SQL_STARTS = ("SELECT", "WITH")
CONTINUE_WORDS = frozenset({"AND", "OR", "NOT"})  # a WHERE clause ending so goes on on the next line
STYLE = {
    "keyword": "#5f87ff bold", "column": "#d7af00", "name": "#d7875f", "string": "#5faf5f", "number": "#af87ff",
    "function": "#00afaf", "operator": "#bcbcbc", "command": "#ff5fd7 bold",
    "bottom-toolbar": "noreverse bg:#303030 #bcbcbc", "prompt": "#5f87ff bold", "continuation": "#6c6c6c",
}  # fmt: skip


def statement_complete(text: str) -> bool:
    """Should Enter run `text`? Not while SQL is still being written (no `;`, no blank line yet), nor while a
    WHERE clause is visibly unfinished: it ends in AND/OR/NOT, or leaves a parenthesis or a quote open. A
    blank line runs whatever was typed (the query then says what is missing)."""
    stripped = text.strip()
    if not stripped or stripped.startswith(".") or stripped.endswith(";"):
        return True
    last_line = text.rsplit("\n", 1)[-1] if "\n" in text else None
    if last_line is not None and last_line.strip() == "":
        return True
    if stripped.split(None, 1)[0].upper() in SQL_STARTS:
        return False
    return not unfinished(stripped)


def unfinished(text: str) -> bool:
    """A clause that cannot be complete: open quote, open parenthesis, or a trailing AND / OR / NOT.

    >>> unfinished("category = 'login' AND"), unfinished("(a = 1 OR b = 2"), unfinished("actor_name = 'O''Br")
    (True, True, True)
    >>> unfinished("category = 'login' AND outcome = 'failure'")
    False
    """
    tokens = [t for t in tokenize(text) if t.kind != "ws"]
    if not tokens:
        return False
    last = tokens[-1]
    if last.kind in ("str", "qname") and not last.closed:
        return True
    depth = sum(1 if t.text == "(" else -1 if t.text == ")" else 0 for t in tokens if t.kind == "punct")
    return depth > 0 or (last.kind == "word" and last.upper in CONTINUE_WORDS)


def key_bindings() -> KeyBindings:
    """Enter runs a complete statement, takes a highlighted completion, or starts a new line of SQL."""
    keys = KeyBindings()

    @keys.add("enter")
    def _enter(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        if buffer.complete_state and buffer.complete_state.current_completion:
            buffer.complete_state = None  # as in any menu, Enter accepts the highlighted item
        elif statement_complete(buffer.text):
            buffer.validate_and_handle()
        else:
            buffer.insert_text("\n")

    return keys


def statement_text(text: str) -> str:
    """The statement as the query core wants it: no surrounding blanks, no trailing semicolons."""
    return text.strip().rstrip(";").rstrip()


def style_of(kind: str, text: str, next_text: str) -> str:
    if kind in ("str", "qname"):
        return "class:string" if kind == "str" else "class:name"
    if kind == "num":
        return "class:number"
    if kind == "op":
        return "class:operator"
    if kind == "word":
        if text.upper() in KEYWORDS:
            return "class:keyword"
        if next_text == "(":
            return "class:function"
        return "class:column" if text.lower() in NAMES else "class:name"
    return ""


class QueryLexer(Lexer):
    """Colours keywords, canonical columns, raw field names, strings, numbers and dot-commands."""

    def lex_document(self, document: Document) -> Callable[[int], StyleAndTextTuples]:
        lines = document.lines

        def line(i: int) -> StyleAndTextTuples:
            text = lines[i]
            if i == 0 and text.lstrip().startswith("."):
                name, space, rest = text.partition(" ")
                return [("class:command", name), ("", space + rest)]
            tokens = tokenize(text)
            out: StyleAndTextTuples = []
            for n, t in enumerate(tokens):
                following = next((x.text for x in tokens[n + 1 :] if x.kind != "ws"), "")
                out.append((style_of(t.kind, t.text, following), t.text))
            return out

        return line
