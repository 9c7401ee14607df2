"""An archive's field catalog is complete, which lets a query skip parsing `raw` on the rows of vendors
whose records never have the field. On an archive ingested from every sample, each field the catalog
knows reads exactly the same values with the skip as without it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from auditql import api
from auditql.query import translate


def quoted(path: str) -> str:
    return ".".join('"' + key.replace('"', '""') + '"' for key in path.split("."))


def test_every_known_field_reads_the_same_values_with_and_without_the_skip(sample_db: Path) -> None:
    con = api.reader(sample_db)
    try:
        complete = api.catalog(con)
        assert complete.complete
        partial = dataclasses.replace(complete, complete=False)
        paths = sorted({path for paths in complete.fields.values() for path in paths})
        assert len(complete.fields) == 5 and len(paths) > 50
        read_everywhere = []
        for path in paths:
            text = f"SELECT event_key, {quoted(path)} AS v FROM events ORDER BY event_key"
            fast, slow = translate(text, complete), translate(text, partial)
            assert api.prepare(con, text).sql == fast.sql
            assert "THEN NULL" not in slow.sql
            if "THEN NULL" not in fast.sql:
                read_everywhere.append(path)
            assert api.run(con, fast).rows == api.run(con, slow).rows, path
        # every other name is a raw field some vendor's records lack; these name canonical columns
        assert read_everywhere == ["@timestamp", "Action", "action", "timestamp"]
    finally:
        con.close()
