"""Input/expected pairs in tests/queries/*.sql, one test per block, as in sqlglot's fixture files.

A block is separated from the next by a blank line. `#` lines carry the title and options:

    # title: what the pair shows
    # catalog: gigya            (a named catalog below; default: empty, so no warnings)
    # params: {"x": 1}          (JSON)        # bound: ["…"]  (expected Translation.params, JSON)
    # identities: {"person": [{"name": "A", "emails": ["a@x"]}]}  (an identities file, as JSON)
    # since: / until: / vendor: / limit: / columns: ["a", "b"] (JSON)
    # warning: fragment         (each must appear in one of Translation.warnings)
    # caret: line:col           (for ERROR blocks: where the caret points)

The remaining lines are the query (possibly several lines) and, last, the expected DuckDB SQL or
`ERROR: fragment of the message`. `<columns>` stands for the full canonical column list.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from auditql.errors import QueryError
from auditql.query import Catalog, translate
from auditql.query.catalog import TimeFields
from auditql.query.identities import parse_identities
from auditql.schema import COLUMN_NAMES

QUERIES = Path(__file__).parent / "queries"
ALL_COLUMNS = ", ".join(f'"{name}"' for name in COLUMN_NAMES)
CATALOGS = {
    "gigya": Catalog(
        fields={
            "sap_cdc": frozenset({"endpoint", "errCode", "errMessage", "callID", "params.loginID", "sourceIP"}),
            "broadcom_portal": frozenset({"Performed By", "Action"}),
        },
        verbatim={
            "sap_cdc": {
                "endpoint": "action",
                "errCode": "status_code",
                "sourceIP": "source_ip",
                "params.loginID": "actor_name",
            },
            "resolver": {"sourceIP": "source_ip"},
        },
    ),
}
# The same, as an archive's catalog is: listing every top-level key of each vendor's records.
CATALOGS["gigya_complete"] = dataclasses.replace(CATALOGS["gigya"], complete=True)
# Raw fields that vendors' mappings read as time (names as vendors.normalize writes them); sap_cdc also has a
# "Time (UTC)" field, which its mapping does not read as time.
CATALOGS["vendor_times"] = Catalog(
    fields={
        "resolver": frozenset({"Date and Time", "Event"}),
        "broadcom_portal": frozenset({"Time (UTC)", "User"}),
        "sap_cdc": frozenset({"callID", "Time (UTC)"}),
    },
    complete=True,
    time_fields={
        "resolver": TimeFields(frozenset({"dateandtime", "time"}), ("%m/%d/%Y %I:%M:%S %p",)),
        "broadcom_portal": TimeFields(frozenset({"timeutc", "time"}), ("%Y",)),
        "sap_cdc": TimeFields(frozenset({"timestamp"}), ("%Y",)),
    },
)


def load_blocks() -> list[Any]:
    cases = []
    for path in sorted(QUERIES.glob("*.sql")):
        for block in path.read_text().split("\n\n"):
            meta: dict[str, str] = {}
            lines = []
            for line in block.strip("\n").splitlines():
                if line.startswith("#"):
                    key, _, value = line[1:].partition(":")
                    meta[key.strip()] = value.strip()
                else:
                    lines.append(line)
            if "title" not in meta:
                continue  # a file's header comment
            assert len(lines) >= 2, f"{path.name}: block '{meta['title']}' needs a query and an expectation"
            case_id = f"{path.stem}: {meta['title']}"
            cases.append(pytest.param("\n".join(lines[:-1]), lines[-1], meta, id=case_id))
    return cases


def translate_with(query: str, meta: dict[str, str]) -> Any:
    options: dict[str, Any] = {}
    for key in ("since", "until", "vendor"):
        if key in meta:
            options[key] = meta[key]
    for key in ("params", "columns", "limit"):
        if key in meta:
            options[key] = json.loads(meta[key])
    if "identities" in meta:
        options["identities"] = parse_identities(json.loads(meta["identities"]), "fixture")
    return translate(query, CATALOGS.get(meta.get("catalog", ""), Catalog()), **options)


@pytest.mark.parametrize(("query", "expected", "meta"), load_blocks())
def test_fixture(query: str, expected: str, meta: dict[str, str]) -> None:
    if expected.startswith("ERROR:"):
        with pytest.raises(QueryError) as caught:
            translate_with(query, meta)
        assert expected.removeprefix("ERROR:").strip() in caught.value.message
        if "caret" in meta:
            line, col = (int(n) for n in meta["caret"].split(":"))
            assert (caught.value.line, caught.value.col) == (line, col), caught.value.render()
        return
    translation = translate_with(query, meta)
    assert translation.sql.replace(ALL_COLUMNS, "<columns>") == expected
    if "warning" in meta:
        assert any(meta["warning"] in w for w in translation.warnings), translation.warnings
    else:
        assert translation.warnings == []
    if "bound" in meta:
        assert translation.params == json.loads(meta["bound"])


def test_every_fixture_file_has_cases() -> None:
    files = {p.stem for p in QUERIES.glob("*.sql")}
    assert {"operators", "names", "time", "rest", "sql", "refusals", "params", "options"} <= files
    assert {"vendor_time", "person"} <= files
