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
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from auditql import textfile
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
# The CSV reader holds buffers of at least twice the longest line, so under a memory limit the writer lowers
# the cap (engine.writer sets `aq_line_cap` to an eighth of the limit); otherwise MAX_LINE_BYTES applies.
LINE_OPTIONS = (
    f"max_line_size = coalesce(getvariable('aq_line_cap'), {MAX_LINE_BYTES}), "
    f"buffer_size = 2 * coalesce(getvariable('aq_line_cap'), {MAX_LINE_BYTES})"
)
# Deeper records are rejected: DuckDB's json_structure stops at 128 levels with an error that invalidates the
# whole database, and Python's json (used for content hashes) at about 1,000. Real audit records have < 10.
MAX_JSON_DEPTH = 100
SNIFF_BYTES = 64 * 1024
# Every CSV cell is text as written, even an empty or NUL one: the only "null string" is one no export holds.
NO_NULL = "chr(0) || 'auditql-no-null' || chr(0)"


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
    if path.stat().st_size == 0:
        raise InputError(display, "empty file (0 bytes): nothing to read")
    kind = sniff_kind(path)
    reader = {"csv": read_csv, "json": read_json, "parquet": read_parquet}[kind]
    return reader(con, path, display)


# --- CSV -------------------------------------------------------------------------------------------------


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


def _scan_sql(path: Path, names: list[str], delimiter: str, encoding: str) -> str:
    columns = "{" + ", ".join(f"{sql_str(n)}: 'VARCHAR'" for n in names) + "}"
    return (
        f"read_csv({sql_str(str(path))}, header = true, auto_detect = false, columns = {columns}, "
        f"delim = {sql_str(delimiter)}, quote = '\"', escape = '\"', nullstr = {NO_NULL}, "
        f"encoding = {sql_str(encoding)}, {LINE_OPTIONS}, "
        "store_rejects = true, rejects_table = '_aq_reject_errors', rejects_scan = '_aq_reject_scans')"
    )


def _load_csv(con: duckdb.DuckDBPyConnection, path: Path, names: list[str], delimiter: str, encoding: str) -> None:
    for table in ("_aq_reject_errors", "_aq_reject_scans"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    # Materialize once: the rejects table is filled by the scan, and the mapping reads the rows twice.
    cols = ", ".join(sql_ident(n) for n in names)
    raw = "to_json(struct_pack(" + ", ".join(f"{sql_ident(n)} := {sql_ident(n)}" for n in names) + "))"
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _aq_csv AS SELECT row_number() OVER () AS source_row, "
        f"NULL::BIGINT AS line, {raw}::JSON AS raw, {cols} FROM {_scan_sql(path, names, delimiter, encoding)}"
    )


def _strict_parse_ok(path: Path, names: list[str], delimiter: str, encoding: str) -> bool:
    """Whether DuckDB's strict parser takes the file as is, asked on a connection of its own: a failed
    statement on the ingest's connection would abort its transaction."""
    probe = duckdb.connect()
    try:
        probe.execute(f"SELECT count(*) FROM {_scan_sql(path, names, delimiter, encoding)}").fetchall()
    except duckdb.InvalidInputException as exc:
        return "invalid state" not in str(exc)
    except duckdb.Error:
        return True  # any other problem is reported by the real read
    finally:
        probe.close()
    return True


def read_csv(con: duckdb.DuckDBPyConnection, path: Path, display: str) -> Records:
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    encoding, codec, notes = textfile.encoding(head)
    layout = textfile.scan(path, encoding)
    # A failed statement would abort the ingest's transaction, so every fix-up is decided up front.
    with tempfile.TemporaryDirectory(prefix="auditql-csv-") as tmp:
        source = path
        if encoding == "latin-1":
            source, encoding, codec = Path(tmp) / "utf8.csv", "utf-8", "utf-8"
            notes = [textfile.transcode(path, source)]
        names, delimiter = _header(source, display, codec)
        if layout is not None and layout.endings > 1 and not _strict_parse_ok(source, names, delimiter, encoding):
            # DuckDB's strict parser refuses a file that mixes line endings (an export appended to by two
            # tools). Strict mode stays on (off, it silently drops extra columns); a copy with every line
            # ending as LF has the same lines. Only then: a CR inside a quoted value is data.
            normalized = Path(tmp) / "lf.csv"
            textfile.normalize_line_endings(source, normalized)
            source = normalized
            notes.append("mixed line endings: read with every line ending as LF")
        try:
            _load_csv(con, source, names, delimiter, encoding)
            rejected = con.execute(
                "SELECT line, arg_min(lower(error_type || ': ' || error_message), column_idx), "
                "any_value(csv_line) FROM _aq_reject_errors GROUP BY line ORDER BY line"
            ).fetchall()
            rows = con.execute("SELECT count(*) FROM _aq_csv").fetchone()
        except duckdb.Error as exc:
            raise InputError(display, f"cannot read as CSV: {first_line(exc)}") from None
    stored = rows[0] if rows else 0
    found = [(int(ln), text or "") for ln, _, text in rejected]
    spans = textfile.reject_spans(found)
    starts = [span.start for span in spans]
    if not textfile.assign(con, "_aq_csv", layout, 1, spans, stored):
        cells = textfile.breaks_sql("concat_ws(chr(31), " + ", ".join(sql_ident(n) for n in names) + ")")
        spanning = textfile.assign_spanning(con, "_aq_csv", layout, 1, found, stored, cells)
        if spanning is not None:
            starts = spanning
        elif layout is not None:
            notes.append("quoted values span lines: rows are numbered by record, not by line")
    rejects: list[tuple[int | None, str, str]] = []
    for start, span, (_, reason, text) in zip(starts, spans, rejected, strict=True):
        if span.length > 1:
            reason += f" (one record over lines {start}-{start + span.length - 1})"
        rejects.append((start, reason, text or ""))
    content = "to_json(struct_pack(" + ", ".join(f"{sql_ident(n)} := {sql_ident(n)}" for n in sorted(names)) + "))"
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
    except RecursionError:  # a complete value too deep for Python; its record is rejected later
        return True
    return True


def _envelope_sql(docs: str) -> str:
    """Records from documents: an envelope's array members unnested in order, anything else as is."""
    # One json_keys() parse per document, not one json_exists() parse per paging key (5x faster).
    paged = "list_has_any(json_keys(doc), [" + ", ".join(sql_str(k) for k in PAGING_KEYS) + "])"
    key = (
        f"CASE WHEN NOT ({paged}) THEN NULL "
        + " ".join(
            f"WHEN json_type(doc, {sql_str('$.' + k)}) = 'ARRAY' THEN {sql_str('$.' + k)}" for k in ENVELOPE_KEYS
        )
        + " END"
    )
    # source_row = records in earlier documents + place in this one. The running sum is a window over
    # (doc_no, count) only: a window (or a sort) over whole records fails under a memory limit. Rows land
    # unordered; every later reader orders by source_row itself.
    return f"""
      WITH d AS (SELECT doc_no, line, doc, t, CASE WHEN t = 'OBJECT' THEN {key} END AS items
                 FROM (SELECT *, json_type(doc) AS t FROM {docs})),
      r AS (
        SELECT doc_no, line, 0 AS item_no, doc AS rec FROM d WHERE items IS NULL AND t <> 'ARRAY'
        UNION ALL
        SELECT doc_no, line, generate_subscripts(l, 1) AS item_no, unnest(l) AS rec
        FROM (SELECT doc_no, line, CAST(coalesce(json_extract(doc, items), doc) AS JSON[]) AS l
              FROM d WHERE items IS NOT NULL OR t = 'ARRAY')
      ),
      n AS (SELECT doc_no, sum(k) OVER (ORDER BY doc_no) - k AS before
            FROM (SELECT doc_no, CASE WHEN items IS NULL AND t <> 'ARRAY' THEN 1
                                      ELSE json_array_length(coalesce(json_extract(doc, items), doc)) END AS k
                  FROM d))
      SELECT before + greatest(item_no, 1) AS source_row, line, rec AS raw FROM r JOIN n USING (doc_no)"""


def _load_lines(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Each line as text (a delimiter and quote JSON text cannot contain raw), so one bad line is one reject
    with its line number instead of a failed file; undecodable lines land in DuckDB's rejects table."""
    for table in ("_aq_reject_errors", "_aq_reject_scans"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _aq_lines AS SELECT row_number() OVER () AS source_row, "
        "NULL::BIGINT AS line, text "
        f"FROM read_csv({sql_str(str(path))}, columns = {{'text': 'VARCHAR'}}, header = false, "
        f"auto_detect = false, delim = chr(1), quote = '', escape = '', nullstr = {NO_NULL}, "
        f"strict_mode = false, {LINE_OPTIONS}, store_rejects = true, "
        "rejects_table = '_aq_reject_errors', rejects_scan = '_aq_reject_scans')"
    )


def read_json(con: duckdb.DuckDBPyConnection, path: Path, display: str) -> Records:
    p = sql_str(str(path))
    rejects: list[tuple[int | None, str, str]] = []
    try:
        if _is_ndjson(path):
            layout = textfile.scan(path, "utf-8")
            with tempfile.TemporaryDirectory(prefix="auditql-json-") as tmp:
                lines_from = path
                if layout is not None and layout.endings > 1:  # DuckDB splits mixed endings inconsistently
                    lines_from = Path(tmp) / "normalized.ndjson"
                    textfile.normalize_line_endings(path, lines_from)
                _load_lines(con, lines_from)
            unreadable = con.execute(
                "SELECT line, any_value(lower(error_type || ': ' || error_message)), any_value(csv_line) "
                "FROM _aq_reject_errors GROUP BY line ORDER BY line"
            ).fetchall()
            gaps = textfile.reject_spans([(int(n), t or "") for n, _, t in unreadable])
            rejects = [(g.start, reason, t or "") for g, (_, reason, t) in zip(gaps, unreadable, strict=True)]
            # DuckDB skips empty lines: put them back so every record names its line in the file.
            count = con.execute("SELECT count(*) FROM _aq_lines").fetchone()
            if not textfile.assign(con, "_aq_lines", layout, 0, gaps, count[0] if count else 0):
                con.execute("UPDATE _aq_lines SET line = source_row")
            rejects += [
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
            # No object is larger than the file; DuckDB allocates buffers of this size up front, so the
            # 4 GiB maximum would fail under any memory limit below ~8 GiB.
            biggest = min(4294967295, max(path.stat().st_size + 1, 1 << 20))
            docs = (
                "(SELECT row_number() OVER () AS doc_no, NULL::BIGINT AS line, json AS doc "
                f"FROM read_json_objects({p}, format = '{fmt}', maximum_object_size = {biggest}))"
            )
            kind = "json"
        con.execute(f"CREATE OR REPLACE TEMP TABLE _aq_json AS {_envelope_sql(docs)}")
        rejects += _reject_ambiguous(con)
        bad = con.execute(
            "SELECT source_row, line, left(raw::VARCHAR, 200) FROM _aq_json WHERE json_type(raw) <> 'OBJECT' "
            "ORDER BY source_row"
        ).fetchall()
        if bad:
            rejects += [(ln, f"record {row} is not a JSON object", t) for row, ln, t in bad]
            con.execute("DELETE FROM _aq_json WHERE json_type(raw) <> 'OBJECT'")
        structure = con.execute("SELECT json_group_structure(raw) FROM _aq_json").fetchone()
    except duckdb.Error as exc:
        raise InputError(display, f"cannot read as JSON: {first_line(exc)}") from None
    fields = structure_paths(json.loads(structure[0])) if structure and structure[0] else []
    return Records(kind, "_aq_json", fields, set(), "raw", True, rejects)


def _too_deep(text: str) -> str:
    """SQL: true when the JSON `text` nests deeper than MAX_JSON_DEPTH. Strings and scalars are stripped, then
    each pass removes the innermost `{}`/`[]` pairs; only texts with that many brackets are examined."""
    brackets = f"regexp_replace(regexp_replace({text}, '\"(\\\\.|[^\"\\\\])*\"', '', 'g'), '[^][{{}}]', '', 'g')"
    for _ in range(MAX_JSON_DEPTH):
        brackets = f"regexp_replace({brackets}, '\\{{\\}}|\\[\\]', '', 'g')"
    # Counted with replace(), not a regex: a negated-class regexp_replace costs ~70 s per million records.
    many = f"length({text}) - length(replace(replace({text}, '{{', ''), '[', '')) > {MAX_JSON_DEPTH}"
    return f"(CASE WHEN {many} THEN {brackets} <> '' ELSE false END)"


def _reject_ambiguous(con: duckdb.DuckDBPyConnection) -> list[tuple[int | None, str, str]]:
    """Reject records nested too deep to analyse, and objects with a repeated key: parsers disagree on
    which copy wins (DuckDB keeps the first, Python the last), so storing one would pick a side silently."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _aq_ambiguous AS SELECT source_row, line, CASE "
        f"WHEN {_too_deep('raw::VARCHAR')} THEN 'nested deeper than {MAX_JSON_DEPTH} levels' "
        "WHEN json_type(raw) = 'OBJECT' AND len(json_keys(raw)) <> len(list_distinct(json_keys(raw))) "
        "THEN 'duplicate key ' || to_json(list_sort(list_filter(json_keys(raw), "  # a list lambda, not a subquery:
        "lambda k: len(list_filter(json_keys(raw), lambda x: x = k)) > 1))[1])::VARCHAR "  # 8x faster
        "|| ' (ambiguous record)' END AS reason, "
        "left(raw::VARCHAR, 1000) AS text FROM _aq_json"
    )
    # Without a line (a JSON array or page), the record's position names it.
    found = con.execute(
        "SELECT line, CASE WHEN line IS NULL THEN 'record ' || source_row || ': ' ELSE '' END || reason, text "
        "FROM _aq_ambiguous WHERE reason IS NOT NULL ORDER BY source_row"
    ).fetchall()
    if found:
        con.execute(
            "DELETE FROM _aq_json WHERE source_row IN (SELECT source_row FROM _aq_ambiguous WHERE reason IS NOT NULL)"
        )
    con.execute("DROP TABLE _aq_ambiguous")
    return [(ln, reason, text) for ln, reason, text in found]


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
