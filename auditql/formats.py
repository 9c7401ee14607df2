"""Read one Parquet / CSV / JSON / NDJSON file into DuckDB as records: `source_row`, `raw` (the whole record
as JSON) and a way to reach each field in SQL.

Each reader pins what DuckDB would otherwise guess (PITFALLS.md): CSV dialect and header are fixed up front
and bad rows go to DuckDB's rejects table with their line; JSON is read as objects (`read_json_objects`),
never through schema inference that silently drops late keys. Nothing here loops over rows in Python.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from auditql.errors import InputError

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
MAX_LINE_BYTES = 64 * 1024 * 1024  # one CSV row or NDJSON record; bigger is a rejected line, not a crash
SNIFF_BYTES = 64 * 1024


def sql_str(value: str) -> str:
    """A SQL string literal. Field names come from untrusted files, so they are always quoted this way."""
    return "'" + value.replace("'", "''") + "'"


def sql_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def json_path(field_path: str) -> str:
    """DuckDB JSON path for a dotted field path; each segment quoted so spaces and @ survive."""
    parts = field_path.split(".")
    return "$" + "".join("." + json.dumps(p) for p in parts)


@dataclass
class Records:
    """A file's records as SQL, ready for a vendor mapping to select from."""

    kind: str  # csv | json | ndjson | parquet
    relation: str  # SQL subquery: source_row, line (physical line or NULL), raw JSON, plus native columns
    fields: list[str]  # every field name/path the file has, in file order
    native: set[str] = field(default_factory=set)  # fields that are real columns of `relation`
    content: str = "raw"  # SQL text whose md5 identifies the record's content (key order ignored)
    needs_canonical_json: bool = False  # content must go through canonical JSON (nested, unordered keys)
    rejects: list[tuple[int | None, str, str]] = field(default_factory=list)  # (line, reason, text)
    notes: list[str] = field(default_factory=list)

    def access(self, field_path: str) -> str:
        """SQL expression giving the field's value as text (JSON text for objects/arrays)."""
        if field_path in self.native:
            return f"CAST({sql_ident(field_path)} AS VARCHAR)"
        return f"json_extract_string(raw, {sql_str(json_path(field_path))})"


def sniff_kind(path: Path) -> str:
    """csv | json | parquet by content (extension only breaks ties), so misnamed exports still load."""
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    if head.startswith(b"PAR1"):
        return "parquet"
    text = head.lstrip(codecs.BOM_UTF8).lstrip()
    if text[:1] in (b"{", b"["):
        return "json"
    if not head.strip():
        return "json" if path.suffix.lower() in (".json", ".ndjson", ".jsonl") else "csv"
    return "csv"


def read(con: duckdb.DuckDBPyConnection, path: Path, display: str) -> Records:
    kind = sniff_kind(path)
    reader = {"csv": read_csv, "json": read_json, "parquet": read_parquet}[kind]
    return reader(con, path, display)


# --- CSV -------------------------------------------------------------------------------------------------


def _encoding(head: bytes) -> tuple[str, str, list[str]]:
    """(DuckDB encoding, Python codec, notes) from a BOM or the first bytes."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", "utf-16", ["UTF-16 text (BOM)"]
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut by the sample boundary
            return "latin-1", "latin-1", ["not UTF-8: read as Latin-1"]
    return "utf-8", "utf-8-sig", []


def _header(path: Path, display: str, codec: str) -> tuple[list[str], str]:
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    text = head.decode(codec, errors="replace")
    first = text.splitlines()[0] if text.strip() else ""
    if not first.strip():
        raise InputError(display, "empty file: no CSV header line", line=1)
    delimiter = max([",", ";", "\t", "|"], key=first.count)
    header = next(csv.reader(io.StringIO(first), delimiter=delimiter))
    names: list[str] = []
    for i, name in enumerate(header, 1):
        name = name.strip() or f"column{i}"
        base, n = name, 2
        while name in names:
            name, n = f"{base}_{n}", n + 1
        names.append(name)
    return names, delimiter


def read_csv(con: duckdb.DuckDBPyConnection, path: Path, display: str) -> Records:
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    encoding, codec, notes = _encoding(head)
    names, delimiter = _header(path, display, codec)
    columns = "{" + ", ".join(f"{sql_str(n)}: 'VARCHAR'" for n in names) + "}"
    for table in ("_aq_reject_errors", "_aq_reject_scans"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    scan = (
        f"read_csv({sql_str(str(path))}, header = true, auto_detect = false, columns = {columns}, "
        f"delim = {sql_str(delimiter)}, quote = '\"', escape = '\"', nullstr = chr(0), "
        f"encoding = {sql_str(encoding)}, max_line_size = {MAX_LINE_BYTES}, "
        "store_rejects = true, rejects_table = '_aq_reject_errors', rejects_scan = '_aq_reject_scans')"
    )
    # Materialize once: the rejects table is filled by the scan, and the mapping reads the rows twice.
    cols = ", ".join(sql_ident(n) for n in names)
    raw = "to_json(struct_pack(" + ", ".join(f"{sql_ident(n)} := {sql_ident(n)}" for n in names) + "))"
    try:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _aq_csv AS SELECT row_number() OVER () AS source_row, "
            f"NULL::BIGINT AS line, {raw}::JSON AS raw, {cols} FROM {scan}"
        )
        rejected = con.execute(
            "SELECT line, string_agg(DISTINCT error_type || ': ' || error_message, '; '), "
            "any_value(csv_line) FROM _aq_reject_errors GROUP BY line ORDER BY line"
        ).fetchall()
    except duckdb.Error as exc:
        raise InputError(display, f"cannot read as CSV: {first_line(exc)}") from None
    content = "to_json(struct_pack(" + ", ".join(f"{sql_ident(n)} := {sql_ident(n)}" for n in sorted(names)) + "))"
    rejects: list[tuple[int | None, str, str]] = [
        (int(ln), reason.lower(), text or "") for ln, reason, text in rejected
    ]
    return Records("csv", "_aq_csv", names, set(names), content, False, rejects, notes)


# --- JSON / NDJSON ---------------------------------------------------------------------------------------


def _is_ndjson(path: Path) -> bool:
    """One complete JSON value on the first line means line-per-record (also pages concatenated as NDJSON)."""
    with path.open("rb") as fh:
        first = fh.readline(MAX_LINE_BYTES)
    try:
        json.loads(first.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError):
        return False
    return True


def _envelope_sql(docs: str) -> str:
    """Records from documents: an envelope's array members unnested in order, anything else as is."""
    paged = " OR ".join(f"json_exists(doc, {sql_str(json_path(k))})" for k in PAGING_KEYS)
    key = (
        f"CASE WHEN NOT ({paged}) THEN NULL "
        + " ".join(
            f"WHEN json_type(doc, {sql_str('$.' + k)}) = 'ARRAY' THEN {sql_str('$.' + k)}" for k in ENVELOPE_KEYS
        )
        + " END"
    )
    return f"""
      WITH d AS (SELECT doc_no, line, doc, CASE WHEN json_type(doc) = 'OBJECT' THEN {key} END AS items
                 FROM {docs}),
      r AS (
        SELECT doc_no, line, 0 AS item_no, doc AS rec FROM d WHERE items IS NULL AND json_type(doc) <> 'ARRAY'
        UNION ALL
        SELECT doc_no, line, generate_subscripts(l, 1) AS item_no, unnest(l) AS rec
        FROM (SELECT doc_no, line, CAST(coalesce(json_extract(doc, items), doc) AS JSON[]) AS l
              FROM d WHERE items IS NOT NULL OR json_type(doc) = 'ARRAY')
      )
      SELECT row_number() OVER (ORDER BY doc_no, item_no) AS source_row, line, rec AS raw FROM r"""


def read_json(con: duckdb.DuckDBPyConnection, path: Path, display: str) -> Records:
    p = sql_str(str(path))
    rejects: list[tuple[int | None, str, str]] = []
    try:
        if _is_ndjson(path):
            # Lines as text (delimiter and quote that JSON text cannot contain raw), so one bad line is one
            # reject with its line number instead of a failed file.
            con.execute(
                "CREATE OR REPLACE TEMP TABLE _aq_lines AS SELECT row_number() OVER () AS line, text "
                f"FROM read_csv({p}, columns = {{'text': 'VARCHAR'}}, header = false, auto_detect = false, "
                f"delim = chr(1), quote = '', escape = '', nullstr = chr(0), "
                f"strict_mode = false, max_line_size = {MAX_LINE_BYTES})"
            )
            rejects = [
                (int(n), "malformed JSON line (truncated or invalid)", t or "")
                for n, t in con.execute(
                    "SELECT line, text FROM _aq_lines WHERE trim(coalesce(text, '')) <> '' "
                    "AND NOT json_valid(text) ORDER BY line"
                ).fetchall()
            ]
            docs = (
                "(SELECT line AS doc_no, line, text::JSON AS doc FROM _aq_lines "
                "WHERE trim(coalesce(text, '')) <> '' AND json_valid(text))"
            )
            kind = "ndjson"
        else:
            first = path.open("rb").read(SNIFF_BYTES).lstrip(codecs.BOM_UTF8).lstrip()[:1]
            fmt = "array" if first == b"[" else "unstructured"
            docs = (
                "(SELECT row_number() OVER () AS doc_no, NULL::BIGINT AS line, json AS doc "
                f"FROM read_json_objects({p}, format = '{fmt}', maximum_object_size = 4294967295))"
            )
            kind = "json"
        con.execute(f"CREATE OR REPLACE TEMP TABLE _aq_json AS {_envelope_sql(docs)}")
        bad = con.execute(
            "SELECT source_row, line, left(raw::VARCHAR, 200) FROM _aq_json WHERE json_type(raw) <> 'OBJECT'"
        ).fetchall()
        if bad:
            rejects += [(ln, f"record {row} is not a JSON object", t) for row, ln, t in bad]
            con.execute("DELETE FROM _aq_json WHERE json_type(raw) <> 'OBJECT'")
        structure = con.execute("SELECT json_group_structure(raw) FROM _aq_json").fetchone()
    except duckdb.Error as exc:
        raise InputError(display, f"cannot read as JSON: {first_line(exc)}") from None
    fields = structure_paths(json.loads(structure[0])) if structure and structure[0] else []
    return Records(kind, "_aq_json", fields, set(), "raw", True, rejects)


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


# --- Parquet ---------------------------------------------------------------------------------------------


def read_parquet(con: duckdb.DuckDBPyConnection, path: Path, display: str) -> Records:
    scan = f"read_parquet({sql_str(str(path))}, file_row_number = true)"
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall()
    except duckdb.Error as exc:
        raise InputError(display, f"cannot read as Parquet: {first_line(exc)}") from None
    names = [n for n, *_ in described if n != "file_row_number"]
    pack = ", ".join(f"{sql_ident(n)} := {sql_ident(n)}" for n in names)
    sorted_pack = ", ".join(f"{sql_ident(n)} := {sql_ident(n)}" for n in sorted(names))
    relation = (
        f"(SELECT file_row_number + 1 AS source_row, NULL::BIGINT AS line, to_json(struct_pack({pack}))::JSON "
        f"AS raw, to_json(struct_pack({sorted_pack}))::VARCHAR AS _content, * EXCLUDE (file_row_number) "
        f"FROM {scan})"
    )
    nested = [n for n, t, *_ in described if str(t).startswith(("STRUCT", "MAP"))]
    fields = list(names)
    if nested:
        row = con.execute(
            f"SELECT json_group_structure(to_json(struct_pack({pack}))) FROM (SELECT * FROM {scan} LIMIT 1000)"
        ).fetchone()
        fields = structure_paths(json.loads(row[0])) if row and row[0] else fields
    return Records("parquet", relation, fields, set(names), "_content", False)


def first_line(exc: BaseException) -> str:
    """DuckDB's error text, first line only and without its class prefix: short and safe to print."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return re.sub(r"^[A-Za-z ]+Error: ", "", text)[:300]
