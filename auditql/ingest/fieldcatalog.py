"""The field catalog (`fields`: each vendor's field names seen so far) as one ingest run keeps it: read once per
vendor and held in memory, since a many-small-files ingest asked the archive per file; a file's new fields
join it only once their transaction committed (a rolled-back file's fields were never on record)."""

from __future__ import annotations

import duckdb


class FieldCatalog:
    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con
        self._known: dict[str, set[str]] = {}
        self._pending: list[tuple[str, set[str]]] = []  # written in the open transaction

    def record(self, vendor: str, fields: list[str]) -> None:
        """Add the fields the catalog lacks for the vendor, in the caller's open transaction."""
        if vendor not in self._known:
            rows = self.con.execute("SELECT field FROM fields WHERE vendor = ?", [vendor]).fetchall()
            self._known[vendor] = {r[0] for r in rows}
        pending = {f for v, added in self._pending if v == vendor for f in added}
        new = sorted(set(fields) - self._known[vendor] - pending)
        if new:
            self.con.execute("INSERT INTO fields SELECT ?, unnest(?::VARCHAR[])", [vendor, new])
            self._pending.append((vendor, set(new)))

    def committed(self) -> None:
        for vendor, new in self._pending:
            self._known[vendor] |= new
        self._pending.clear()

    def rolled_back(self) -> None:
        self._pending.clear()
