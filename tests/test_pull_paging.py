"""How each vendor pages, against the fakes: Resolver's row cap with same-second boundary rows, CJA's newest-first
pages shifting while events arrive, Gigya's cursor expiring, Broadcom's 90-day windows and zips."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.fakes import harness
from tests.fakes.harness import SECRETS, pull, query, secrets_found, vendor_counts

DAY_MS = 86_400_000


def test_resolver_repeats_with_the_last_rows_date_and_keeps_genuine_same_second_repeats(fakes, tmp_path) -> None:
    sources = harness.write_sources(fakes, tmp_path / "s.toml", resolver_cap=13)
    db = tmp_path / "a.duckdb"
    result = pull("--sources", sources, "--db", db, "--since", "2025-10-01", "--until", "2025-11-01", "resolver")
    assert result.exit_code == 0, result.output
    exports = [json.loads(r.body) for r in fakes.resolver.requests("/audit/user/export")]
    start, end = 1759276800, 1761955200  # 2025-10-01, 2025-11-01
    boundary = int(datetime(2025, 10, 14, 9, 0, 5, tzinfo=UTC).timestamp())
    assert exports == [{"dateStart": start, "dateEnd": end}, {"dateStart": start, "dateEnd": boundary}]
    assert vendor_counts(db) == {"resolver": 19}
    # The boundary second holds two identical rows: two genuine events, delivered by both files, stored twice.
    assert query(db, "SELECT count(*) FROM events WHERE time = '2025-10-14 09:00:05Z'") == [(2,)]
    assert query(
        db,
        "SELECT source_file LIKE '%-1760432405.csv', records_read, added, duplicates FROM manifest "
        "WHERE kind = 'file' ORDER BY seq",
    ) == [(False, 13, 13, 0), (True, 8, 6, 2)]


def test_resolver_at_the_real_50000_row_cap(fakes, tmp_path) -> None:
    fakes.resolver.cap = 50_000
    fakes.resolver.add_rows(25_000, datetime(2025, 10, 20, 8, 0, 0, tzinfo=UTC))
    fakes.resolver.add_rows(25_000, datetime(2025, 10, 20, 9, 0, 0, tzinfo=UTC))
    sources = harness.write_sources(fakes, tmp_path / "s.toml", resolver_cap=50_000)
    db = tmp_path / "a.duckdb"
    result = pull("--sources", sources, "--db", db, "--since", "2025-10-01", "--until", "2025-11-01", "resolver")
    assert result.exit_code == 0, result.output
    ends = [json.loads(r.body)["dateEnd"] for r in fakes.resolver.requests("/audit/user/export")]
    assert ends == [1761955200, int(datetime(2025, 10, 20, 8, 0, 0, tzinfo=UTC).timestamp())]
    assert vendor_counts(db) == {"resolver": 50_019}
    assert query(db, "SELECT records_read, added, duplicates FROM manifest WHERE kind = 'file' ORDER BY seq") == [
        (50_000, 50_000, 0),
        (25_019, 19, 25_000),
    ]


def test_resolver_refuses_to_skip_a_second_holding_more_rows_than_the_cap(fakes, tmp_path) -> None:
    fakes.resolver.add_rows(20, datetime(2025, 10, 20, 8, 0, 0, tzinfo=UTC))
    sources = harness.write_sources(fakes, tmp_path / "s.toml", resolver_cap=13)
    result = pull(
        "--sources",
        sources,
        "--db",
        tmp_path / "a.duckdb",
        "--since",
        "2025-10-01",
        "--until",
        "2025-11-01",
        "resolver",
    )
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "error: source resolver: /audit/user/export: unexpected response: expected fewer than 13 rows in one "
        "second, but the 13 rows up to dateEnd 2025-10-20T08:00:00Z all end in it; that second cannot be paged "
        "past without losing events"
    )


def test_cja_pages_shifting_under_new_events_lose_nothing_and_store_nothing_twice(fakes, tmp_path) -> None:
    arriving = fakes.cja.new_record(datetime.now(UTC) - timedelta(minutes=1))
    fakes.cja.arrive_after_page0 = [arriving]
    sources = harness.write_sources(fakes, tmp_path / "s.toml", cja_page=5)
    db = tmp_path / "a.duckdb"
    result = pull("--sources", sources, "--db", db, "cja", "--format", "json")
    assert result.exit_code == 0, result.output
    (summary,) = json.loads(result.stdout)
    # page 0 = the 5 newest; then a new event pushes the 5th onto page 1 as well: 1 duplicate, nothing lost.
    assert (summary["landed"], summary["added"], summary["duplicates"]) == (4, 16, 1)
    assert [int(r.query["pageNumber"]) for r in fakes.cja.requests("/auditlogs/")] == [0, 1, 2, 3]
    assert vendor_counts(db) == {"adobe_cja": 16}
    assert query(db, "SELECT count(*) FROM events WHERE event_id = ?", [arriving["id"]]) == [(0,)]
    # The next pull's overlap picks up the event that arrived on an already-read page.
    again = pull("--sources", sources, "--db", db, "cja", "--format", "json")
    assert json.loads(again.stdout)[0]["added"] == 1
    assert query(db, "SELECT count(*) FROM events WHERE event_id = ?", [arriving["id"]]) == [(1,)]


def test_gigya_reopens_the_search_when_its_cursor_expires(fakes, tmp_path) -> None:
    fakes.gigya.expire_after_pages = 2  # the third call, a cursorId, is refused with 400006
    sources = harness.write_sources(fakes, tmp_path / "s.toml", gigya_page=5)
    db = tmp_path / "a.duckdb"
    result = pull("--sources", sources, "--db", db, "gigya")
    assert result.exit_code == 0, result.output
    calls = fakes.gigya.requests("/audit.search")
    queries = [c.form.get("query") for c in calls]
    # query, cursor, cursor (refused), query again over the 13 left (the oldest record seen comes again), …
    assert [q is not None for q in queries] == [True, False, False, True, False, False]
    oldest_seen = "2025-11-18T15:00:00.050Z"  # the 10th newest record
    assert f"@timestamp <= '{oldest_seen}'" in queries[3] and "@timestamp < " not in queries[3]
    assert all(c.form["userKey"] == SECRETS["GIGYA_USER_KEY"] for c in calls)  # in the body, never the URL
    assert vendor_counts(db) == {"sap_cdc": 22}
    assert "note: gigya: cursor refused (error 400006); search reopened at" in result.stderr
    assert secrets_found(tmp_path, result.stdout, result.stderr) == []


def test_gigya_rate_limit_error_is_waited_on_and_an_error_envelope_is_one_line(fakes, tmp_path, monkeypatch) -> None:
    fakes.gigya.rate_limited = 2
    sources = harness.write_sources(fakes, tmp_path / "s.toml")
    db = tmp_path / "a.duckdb"
    assert pull("--sources", sources, "--db", db, "gigya").exit_code == 0
    assert vendor_counts(db) == {"sap_cdc": 22}
    monkeypatch.setenv("GIGYA_SECRET", "not-the-secret")
    result = pull("--sources", sources, "--db", db, "gigya")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "error: source gigya: /audit.search: Gigya error 403003: Invalid request signature ()"
    )
    assert "not-the-secret" not in result.output


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_broadcom_is_asked_90_days_at_a_time_and_answers_zips(fakes, tmp_path, fmt) -> None:
    sources = harness.write_sources(fakes, tmp_path / "s.toml")
    text = sources.read_text().replace(
        'client_secret_env = "PORTAL_CLIENT_SECRET"', f'client_secret_env = "PORTAL_CLIENT_SECRET"\nformat = "{fmt}"'
    )
    sources.write_text(text)
    db = tmp_path / "a.duckdb"
    result = pull("--sources", sources, "--db", db, "--since", "2025-01-01", "--until", "2025-12-01", "portal")
    assert result.exit_code == 0, result.output
    spans = [(int(r.query["startTs"]), int(r.query["endTs"])) for r in fakes.portal.requests("/tenant-admin/")]
    assert len(spans) == 4 and all(end - start <= 90 * DAY_MS for start, end in spans)
    assert spans[0][0] == 1735689600000 and spans[-1][1] == 1764547200000
    assert all(a[1] == b[0] for a, b in itertools.pairwise(spans))  # no gap between windows
    assert vendor_counts(db) == {"broadcom_portal": 14}
    member = f"audits.{fmt}"
    assert query(db, f"SELECT count(*) FROM manifest WHERE kind = 'member' AND source_file LIKE '%!{member}'") == [(4,)]
    assert query(db, "SELECT format FROM sources WHERE records_read > 0") == [(fmt if fmt == "csv" else "json",)]
