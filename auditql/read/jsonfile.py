"""JSON documents, envelopes (API pages) and NDJSON, read as objects (`read_json_objects`, or one line at a
time), never through schema inference that silently drops late keys; records too deep or with repeated keys
are rejected, not guessed at."""

from __future__ import annotations

import codecs
import tempfile
from pathlib import Path
from typing import BinaryIO

import duckdb

from auditql import jsonhash
from auditql.db import connections
from auditql.errors import InputError
from auditql.read import decode, errorpages, jsonshape
from auditql.read import lines as textlines
from auditql.read import text as textfile
from auditql.read.records import (
    LONG_NUMBER,
    MAX_LINE_BYTES,
    NO_NULL,
    REJECT_REASON,
    SNIFF_BYTES,
    Records,
    first_line,
    line_options,
    sql_str,
)
from auditql.sql import sql_file

# JSON envelopes whose array member holds the records (Gigya audit.search, CJA API pages, common others).
# An object is an envelope only when it also carries a paging/status key, so a record that merely has an
# `items` array is never exploded into rows.
ENVELOPE_KEYS: tuple[str, ...] = ("results", "content", "items", "records", "events", "data", "audits")
PAGING_KEYS: tuple[str, ...] = (
    "totalCount",
    "objectsCount",
    "nextCursorId",
    "statusCode",
    "errorCode",
    "totalElements",
    "totalPages",
    "pageable",
    "numberOfElements",
    "count",
    "total",
    "next",
    "nextPage",
    "cursor",
    "page",
)
# Deeper records are rejected: DuckDB's json_structure stops at 128 levels with an error that invalidates the
# whole database, and Python's json (used for content hashes) at about 1,000. Real audit records have < 10.
MAX_JSON_DEPTH = 100


def _line_shape(path: Path) -> tuple[bool, bool]:
    """(NDJSON?, all on one line?). One complete JSON value on the first line means line-per-record (also
    pages concatenated as NDJSON), except a file whose only line holds an array: that is one JSON document
    (`[{…},{…}]` saved unindented), reported as `json`.

    Asked of DuckDB on a scratch connection: Python's json would build the whole first line as objects
    (a one-line 60 MB API page: ~0.6 s and ~10x its size in memory), and stops at ~1,000 levels."""
    with path.open("rb") as fh:
        first = fh.readline(MAX_LINE_BYTES)
        one_line = bool(first.strip()) and not _more_text(fh)
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False, one_line
    probe = connections.probe()
    try:
        row = probe.execute("SELECT CASE WHEN json_valid($1) THEN json_type($1) END", [text]).fetchone()
    finally:
        probe.close()
    kind = row[0] if row else None
    return kind is not None and not (kind == "ARRAY" and one_line), one_line


def _more_text(fh: BinaryIO) -> bool:
    """Whether anything but whitespace follows in `fh` (read only as far as the first such byte)."""
    while chunk := fh.read(SNIFF_BYTES):
        if chunk.strip():
            return True
    return False


def _find_containers(con: duckdb.DuckDBPyConnection, docs: str) -> bool:
    """Fill `_aq_items` with the documents of `docs` (source_row, raw) that hold several records, and the
    path of their record array: an array ('$'), or an envelope page (an object with a paging key and an
    array under one of the envelope keys). True if there are any.

    One `json_type` over every path asked about answers it all in one parse per document (a 120 MB API page
    costs ~0.25 s per parse; asking key by key cost ~1 s). Only a document with a `[` in its text can hold
    records, so a file of plain records is not parsed for this at all."""
    paths = ["$"] + [f"$.{k}" for k in ENVELOPE_KEYS] + [f"$.{k}" for k in PAGING_KEYS]
    paging = f"list_filter(ty[{len(ENVELOPE_KEYS) + 2}:], lambda x: x IS NOT NULL) <> []"
    envelope = " ".join(
        f"WHEN ty[{i}] = 'ARRAY' THEN {sql_str(p)}" for i, p in enumerate(paths[1 : len(ENVELOPE_KEYS) + 1], 2)
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _aq_items AS SELECT source_row, items FROM (SELECT source_row, "
        f"CASE WHEN ty[1] = 'ARRAY' THEN '$' WHEN ty[1] = 'OBJECT' AND {paging} THEN CASE {envelope} END END "
        f"AS items FROM (SELECT source_row, json_type(raw, [{', '.join(sql_str(p) for p in paths)}]) AS ty "
        f"FROM {docs} WHERE contains(raw::VARCHAR, '['))) WHERE items IS NOT NULL"
    )
    row = con.execute("SELECT count(*) FROM _aq_items").fetchone()
    return bool(row and row[0])


def _envelope_sql(docs: str) -> str:
    """Records from the documents of `docs` (source_row, line, raw): the members of the arrays found by
    `_find_containers` unnested in order (a wildcard extract lists them in one parse), every other document
    as is."""
    members = (
        "CASE i.items "
        + " ".join(f"WHEN {sql_str('$.' + k)} THEN json_extract(d.raw, {sql_str(f'$.{k}[*]')})" for k in ENVELOPE_KEYS)
        + " ELSE json_extract(d.raw, '$[*]') END"
    )
    # DuckDB writes each member anew: where the page may hold a number a double changes, members are cut from
    # the page's text as written (a Python UDF, for those pages only).
    members = (
        f"CASE WHEN regexp_matches(d.raw::VARCHAR, {sql_str(LONG_NUMBER)}) THEN "
        f"coalesce(aq_array_items(d.raw::VARCHAR, i.items)::JSON[], {members}) ELSE {members} END"
    )
    # source_row = records in earlier documents + place in this one. The running sum is a window over
    # (document, count) only: a window (or a sort) over whole records fails under a memory limit. Rows land
    # unordered; every later reader orders by source_row itself.
    return f"""
      WITH r AS MATERIALIZED (
        SELECT source_row AS doc, line, 0 AS item_no, raw AS rec FROM {docs} ANTI JOIN _aq_items USING (source_row)
        UNION ALL
        SELECT doc, line, generate_subscripts(l, 1) AS item_no, unnest(l) AS rec
        FROM (SELECT d.source_row AS doc, d.line, {members} AS l FROM {docs} d JOIN _aq_items i USING (source_row))
      ),
      n AS (SELECT doc, sum(k) OVER (ORDER BY doc) - k AS before FROM (SELECT doc, count(*) AS k FROM r GROUP BY doc))
      SELECT before + greatest(item_no, 1) AS source_row, line, rec AS raw FROM r JOIN n USING (doc)"""


def _load_lines(con: duckdb.DuckDBPyConnection, path: Path, longest: int = 0) -> None:
    """`_aq_docs`: each line read as text (a delimiter and quote JSON text cannot contain raw), so one bad line
    is one reject with its line number instead of a failed file (undecodable lines land in DuckDB's rejects
    table), and parsed once: `raw` is the JSON (TRY_CAST: NULL where json_valid is false), `bad` keeps the
    text of the lines that are not JSON, `blank` marks empty ones. One statement: the text is not stored."""
    for table in ("_aq_reject_errors", "_aq_reject_scans"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    # Every expression is computed below the row_number() window, where the scan runs in parallel (above it
    # one thread works: a trim() there cost 0.7 s per 250,000 lines), and `blank` only where parsing failed.
    # `line` starts as the row's number: its physical line when no line is missing (`read_json` then leaves
    # it; an UPDATE of every row to say so was 13% of a million-record NDJSON ingest).
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _aq_docs AS SELECT source_row, source_row AS line, raw, bad, blank FROM ("
        "SELECT row_number() OVER () AS source_row, "
        "raw, bad, blank FROM (SELECT raw, CASE WHEN raw IS NULL THEN text END AS bad, "
        "CASE WHEN raw IS NULL THEN trim(coalesce(text, '')) = '' ELSE false END AS blank "
        "FROM (SELECT text, TRY_CAST(text AS JSON) AS raw "
        f"FROM read_csv({sql_file(path)}, columns = {{'text': 'VARCHAR'}}, header = false, "
        f"auto_detect = false, delim = chr(1), quote = '', escape = '', nullstr = {NO_NULL}, "
        f"strict_mode = false, {line_options(longest)}, store_rejects = true, "
        "rejects_table = '_aq_reject_errors', rejects_scan = '_aq_reject_scans'))))"
    )


def read_json(
    con: duckdb.DuckDBPyConnection, path: Path, display: str, known: textfile.Layout | None = None
) -> Records:
    p = sql_file(path)
    rejects: list[tuple[int | None, str, str]] = []
    is_ndjson, one_line = _line_shape(path)
    try:
        if is_ndjson:
            layout = textfile.layout_for(path, "utf-8", known)
            with tempfile.TemporaryDirectory(prefix="auditql-json-") as tmp:
                lines_from = path
                if layout is not None and layout.endings > 1:  # DuckDB splits mixed endings inconsistently
                    lines_from = Path(tmp) / "normalized.ndjson"
                    decode.normalize_line_endings(path, lines_from)
                _load_lines(con, lines_from, layout.longest if layout is not None else 0)
            unreadable = con.execute(
                f"SELECT line, any_value({REJECT_REASON}), any_value(csv_line) "
                "FROM _aq_reject_errors GROUP BY line ORDER BY line"
            ).fetchall()
            gaps = textlines.reject_spans([(int(n), t or "") for n, _, t in unreadable])
            rejects = [(g.start, reason, t or "") for g, (_, reason, t) in zip(gaps, unreadable, strict=True)]
            # DuckDB skips empty lines: put them back so every record names its line in the file.
            count = con.execute("SELECT count(*) FROM _aq_docs").fetchone()
            loaded = count[0] if count else 0
            # Where lines are missing, each row's line is computed; where they do not add up, it keeps its number.
            if not textlines.plain(layout, 0, gaps, loaded):
                textlines.assign(con, "_aq_docs", layout, 0, gaps, loaded)
            malformed = con.execute(
                "SELECT line, bad FROM _aq_docs WHERE raw IS NULL AND NOT blank ORDER BY line"
            ).fetchall()
            rejects += [(int(n), "malformed JSON line (truncated or invalid)", t or "") for n, t in malformed]
            blank = con.execute("SELECT count(*) FROM _aq_docs WHERE blank").fetchone()
            one_record_per_line = not (unreadable or malformed or (blank and blank[0]))
            # documents keyed by line (the source_row of records is counted anew when lines are not records)
            docs = "(SELECT line AS source_row, line, raw FROM _aq_docs WHERE raw IS NOT NULL AND NOT blank)"
            doc_key, unit, kind = "line", "line", "ndjson"
        else:
            first = path.open("rb").read(SNIFF_BYTES).lstrip(codecs.BOM_UTF8).lstrip()[:1]
            fmt = "array" if first == b"[" else "unstructured"
            # No object is larger than the file; DuckDB allocates buffers of this size up front, so the
            # 4 GiB maximum would fail under any memory limit below ~8 GiB.
            biggest = min(4294967295, max(path.stat().st_size + 1, 1 << 20))
            line = "1" if one_line else "NULL"  # a one-line document: every record is on line 1
            con.execute(
                "CREATE OR REPLACE TEMP TABLE _aq_docs AS SELECT row_number() OVER () AS source_row, "
                f"{line}::BIGINT AS line, json AS raw, false AS blank "
                f"FROM read_json_objects({p}, format = '{fmt}', maximum_object_size = {biggest})"
            )
            one_record_per_line = True
            docs = "(SELECT source_row, line, raw FROM _aq_docs)"
            doc_key, unit, kind = "source_row", "array item" if fmt == "array" else "document", "json"
        notes = errorpages.drop_error_responses(con, docs, "_aq_docs", doc_key, unit, ENVELOPE_KEYS)
        con.execute("DROP TABLE IF EXISTS _aq_json")
        # Records are numbered anew (envelope SQL) wherever documents are not simply records 1..n.
        if _find_containers(con, docs) or not one_record_per_line or notes:
            jsonhash.ensure(con)  # the UDF that cuts page members as written
            con.execute(f"CREATE TEMP TABLE _aq_json AS {_envelope_sql(docs)}")
            con.execute("DROP TABLE _aq_docs")
        else:
            con.execute("ALTER TABLE _aq_docs RENAME TO _aq_json")  # each document is one record, numbered
        con.execute("DROP TABLE _aq_items")
        deep = _reject_deep(con)
        found = jsonshape.catalog(con, "_aq_json") or jsonshape.per_record(con, "_aq_json")
    except duckdb.Error as exc:
        raise InputError(display, f"cannot read as JSON: {first_line(exc)}") from None
    ambiguous = sorted(deep + found.ambiguous)
    rejects += [(ln, reason, text) for _, ln, reason, text in ambiguous + found.not_object]
    fields = structure_paths(found.structure) if found.structure is not None else []
    plain = plain_number_paths(found.structure) if found.structure is not None else None
    return Records(kind, "_aq_json", fields, set(), "raw", True, rejects, notes, plain_numbers=plain)


def _many_brackets(text: str) -> str:
    """SQL: true when the JSON `text` has more `{` and `[` than MAX_JSON_DEPTH (it may nest that deep).
    Counted with replace(), not a regex: a negated-class regexp_replace costs ~70 s per million records; in
    bytes (`strlen`, stored with the text), not characters (`length` walks the text): `{` and `[` are one byte."""
    return f"strlen({text}) - strlen(replace(replace({text}, '{{', ''), '[', '')) > {MAX_JSON_DEPTH}"


def _too_deep(text: str) -> str:
    """SQL: true when the JSON `text` nests deeper than MAX_JSON_DEPTH. Strings and scalars are stripped, then
    each pass removes the innermost `{}`/`[]` pairs; only texts with that many brackets are examined."""
    brackets = f"regexp_replace(regexp_replace({text}, '\"(\\\\.|[^\"\\\\])*\"', '', 'g'), '[^][{{}}]', '', 'g')"
    for _ in range(MAX_JSON_DEPTH):
        brackets = f"regexp_replace({brackets}, '\\{{\\}}|\\[\\]', '', 'g')"
    return f"(CASE WHEN {_many_brackets(text)} THEN {brackets} <> '' ELSE false END)"


def _reject_deep(con: duckdb.DuckDBPyConnection) -> jsonshape.Rejects:
    """Reject records nested too deep to analyse (before anything calls `json_structure` on them). The
    hundred nested regexp_replace calls are planned only when some record has that many brackets: planning
    them took 8 ms, once per file, whatever its size (a one-record API page: a tenth of its ingest)."""
    many = con.execute(f"SELECT count(*) FROM _aq_json WHERE {_many_brackets('raw::VARCHAR')}").fetchone()
    if not many or not many[0]:
        return []
    found = con.execute(
        "SELECT source_row, line, CASE WHEN line IS NULL THEN 'record ' || source_row || ': ' ELSE '' END "
        f"|| 'nested deeper than {MAX_JSON_DEPTH} levels', left(raw::VARCHAR, 1000) FROM _aq_json "
        f"WHERE {_too_deep('raw::VARCHAR')} ORDER BY source_row"
    ).fetchall()
    if found:
        con.execute(f"DELETE FROM _aq_json WHERE {_too_deep('raw::VARCHAR')}")
    return [(row, ln, reason, text) for row, ln, reason, text in found]


# The types `json_group_structure` gives values DuckDB extracts as the file writes them: text, an integer,
# true, false, null. DOUBLE is a fraction, an exponent or an integer beyond 64 bits; JSON, values of several
# types in different records.
PLAIN_TYPES = frozenset({"VARCHAR", "UBIGINT", "BIGINT", "BOOLEAN", "NULL"})


def plain_number_paths(structure: object) -> frozenset[str]:
    """The paths of `structure_paths` whose values hold no number a double would change: a leaf of
    PLAIN_TYPES in every record, or an object or array (whose text the exact-number check in ingest/plan.py
    leaves as DuckDB writes it). A path two keys spell (`a.b`: a key with a dot, and `b` inside `a`) is plain
    only if both are. A mapping extracting only plain fields needs no Python UDF, whose registration alone
    imports numpy (34 MB: a quarter of a 128 MiB --memory-limit)."""
    plain: set[str] = set()
    other: set[str] = set()

    def walk(node: object, prefix: str) -> None:
        if isinstance(node, list):
            if node:
                walk(node[0], prefix)
            return
        if not isinstance(node, dict):
            return
        for key, sub in node.items():
            path = f"{prefix}{key}"
            (plain if isinstance(sub, dict | list) or sub in PLAIN_TYPES else other).add(path)
            walk(sub, path + ".")

    walk(structure, "")
    return frozenset(plain - other)


def structure_paths(structure: object, prefix: str = "") -> list[str]:
    """Dotted paths of every field in a `json_group_structure` result (objects walked, arrays entered)."""
    if isinstance(structure, list):
        return structure_paths(structure[0], prefix) if structure else []
    if not isinstance(structure, dict):
        return []
    paths: list[str] = []
    for key, sub in structure.items():
        path = f"{prefix}{key}"
        paths.append(path)
        if isinstance(sub, dict):
            paths += structure_paths(sub, path + ".")
    return paths
