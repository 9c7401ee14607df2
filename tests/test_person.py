"""One person across vendors (issue 13, point 11): the `person` column from an identities file, on an archive
built by the real CLI; oracles are plain SQL over the stored actor columns."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SAMPLES, rows, run_auditql

from auditql import api
from auditql.errors import UsageError
from auditql.frontend.completer import Snapshot, suggest
from auditql.query.identities import identities_path, load_identities, parse_identities

GIGYA_UID = "3fb39bb2b7e894e48ef99d220dfea514"  # Dana's UID in the SAP CDC samples
DANA = f"""
[[person]]
name = "Dana Demo"
emails = [" Dana.Demo@Example.com"]         # Adobe CJA user.email (any case, trimmed)
ids = ["{GIGYA_UID}"]                        # the Gigya UID
names = ["dana.demo@example.com"]           # Gigya's loginID when a failed login has no UID
[person.vendors.broadcom_portal]
names = ["dana.demo"]                       # the Broadcom portal login, for Broadcom rows only
"""
FAILED_LOGINS = (
    "SELECT person, count(*) AS n FROM events WHERE category='login' AND outcome='failure' "
    "GROUP BY person ORDER BY 2 DESC"
)
THREE_VENDORS = ("adobe_cja/auditlogs_api_page.json", "sap_cdc", "broadcom_portal")


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Adobe CJA, SAP CDC (Gigya) and Broadcom samples, ingested by the real CLI."""
    home = tmp_path_factory.mktemp("person-home")
    db = home / "three.duckdb"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(home / "cache"))
        from auditql.cli.main import main

        args = ["ingest", "--db", str(db), *(str(SAMPLES / p) for p in THREE_VENDORS)]
        result = CliRunner().invoke(main, args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        yield db


@pytest.fixture
def identities(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "identities.toml"
    path.write_text(DANA)
    monkeypatch.setenv("AUDITQL_IDENTITIES", str(path))
    return path


def counted(db: Path, where: str) -> int:
    return rows(db, f"SELECT count(*) FROM events WHERE {where}")[0][0]


def who(vendor: str, email: str | None, actor_id: str | None, name: str | None) -> str | None:
    """DANA's rules, written out in Python: the oracle for the `person` SQL."""
    email = (email or "").strip().lower() or None
    if (vendor == "broadcom_portal" and name == "dana.demo") or email == "dana.demo@example.com":
        return "Dana Demo"
    if actor_id == GIGYA_UID or name == "dana.demo@example.com":
        return "Dana Demo"
    return email or name or actor_id


def people(db: Path, where: str = "true") -> dict[str | None, int]:
    found: dict[str | None, int] = {}
    for row in rows(db, f"SELECT vendor, actor_email, actor_id, actor_name FROM events WHERE {where}"):
        found[who(*row)] = found.get(who(*row), 0) + 1
    return found


def test_one_person_across_cja_gigya_and_broadcom_has_the_summed_count(archive: Path, identities: Path) -> None:
    per_vendor = {
        vendor: people(archive, f"vendor = '{vendor}'").get("Dana Demo", 0)
        for vendor in ("adobe_cja", "sap_cdc", "broadcom_portal")
    }
    assert all(per_vendor.values()), per_vendor  # the same human in all three systems
    got = dict(api.query(archive, "SELECT person, count(*) FROM events GROUP BY person").rows)
    assert got["Dana Demo"] == sum(per_vendor.values())
    assert got == people(archive)
    assert not {"dana.demo", "dana.demo@example.com", GIGYA_UID} & set(got)
    by_vendor = api.query(archive, "SELECT vendor, count(*) FROM events WHERE person = 'Dana Demo' GROUP BY vendor")
    assert dict(by_vendor.rows) == per_vendor


def test_failed_logins_per_person_is_one_query_through_the_cli(archive: Path, identities: Path) -> None:
    result = run_auditql("query", "--db", archive, "--format", "csv", FAILED_LOGINS)
    assert result.returncode == 0, result.stderr
    header, *lines = result.stdout.splitlines()
    assert header == "person,n"
    table = {p or None: int(n) for p, n in (line.rsplit(",", 1) for line in lines)}
    assert table == people(archive, "category = 'login' AND outcome = 'failure'")
    assert table["Dana Demo"] >= 1
    assert list(table.values()) == sorted(table.values(), reverse=True)


def test_without_an_identities_file_person_is_the_email_else_name_else_id(archive: Path) -> None:
    assert not identities_path().exists()
    got = api.query(archive, "SELECT DISTINCT vendor, person FROM events WHERE person LIKE 'dana%' ORDER BY 1, 2")
    assert got.rows == [
        ("adobe_cja", "dana.demo@example.com"),
        ("broadcom_portal", "dana.demo"),
        ("sap_cdc", "dana.demo@example.com"),
    ]


def test_the_identities_file_lives_beside_the_user_mappings(archive: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AUDITQL_IDENTITIES", raising=False)
    path = identities_path()
    from auditql.vendors import user_mapping_dir

    assert path == user_mapping_dir().parent / "identities.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(DANA)
    assert ("Dana Demo",) in api.query(archive, "SELECT DISTINCT person FROM events").rows


def test_person_works_in_select_where_order_and_the_where_form(archive: Path, identities: Path) -> None:
    where_form = api.query(
        archive, "person = 'Dana Demo' AND vendor = 'broadcom_portal'", columns=["person", "actor_name"]
    )
    assert where_form.columns == ["person", "actor_name"]
    assert {tuple(r) for r in where_form.rows} == {("Dana Demo", "dana.demo")}
    ordered = api.query(archive, "SELECT DISTINCT person FROM events ORDER BY person DESC LIMIT 3").rows
    assert ordered == sorted(ordered, reverse=True)


def test_a_key_misspelt_in_the_identities_file_is_one_clear_line(archive: Path, tmp_path: Path) -> None:
    bad = tmp_path / "identities.toml"
    bad.write_text(DANA.replace("emails =", "email ="))
    result = run_auditql("query", "--db", archive, FAILED_LOGINS, env={"AUDITQL_IDENTITIES": str(bad)})
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"error: {bad}: invalid identities file: [[person]] #1: 'email' is not a key of a person. "
        "Did you mean 'emails'? Try one of: name, emails, ids, names, vendors"
    ]


VENDOR_TYPO = {"person": [{"name": "A", "ids": "x", "vendors": {"resolvr": {}}}]}
VENDOR_KEY_TYPO = {"person": [{"name": "A", "vendors": {"resolver": {"name": ["x"]}}}]}
TWO_OWNERS = {"person": [{"name": "A", "emails": ["x@y"]}, {"name": "B", "emails": ["X@Y "]}]}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"persons": []}, "'persons' is not a top-level key. Did you mean 'person'? Try one of: person"),
        ({"person": [{"emails": ["a@x"]}]}, "[[person]] #1 needs a `name`"),
        (VENDOR_TYPO, "[person.vendors.resolvr]: 'resolvr' is not a vendor. Did you mean 'resolver'?"),
        (VENDOR_KEY_TYPO, "'name' is not a key of a vendor's table. Did you mean 'names'?"),
        ({"person": [{"name": "A", "emails": [1]}]}, "`emails` must be a list of strings"),
        (TWO_OWNERS, "[[person]] #2: emails 'x@y' already belongs to 'A'"),
    ],
)
def test_the_identities_file_is_validated_at_load(document: dict, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_identities(document, "ids.toml", vendors=lambda: ["resolver", "sap_cdc"])
    assert str(caught.value).startswith("ids.toml: invalid identities file: ")
    assert message in str(caught.value)


def test_an_explicit_identities_path_that_is_missing_is_an_error(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("AUDITQL_IDENTITIES", str(tmp_path / "nope.toml"))
    with pytest.raises(UsageError, match="no identities file here"):
        load_identities()


def test_completion_offers_person_and_the_names_of_people() -> None:
    snap = Snapshot(values={"person": ["Dana Demo", "Alex Admin"]})
    assert [s.text for s in suggest("SELECT pers", snap)][:1] == ["person"]
    assert [s.text for s in suggest("person = 'D", snap)] == ["'Dana Demo'"]


def test_the_notebook_magic_answers_per_person(archive: Path, identities: Path) -> None:
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "auditql")
    result = shell.run_cell_magic("auditql", f"--db {archive}", FAILED_LOGINS)
    assert dict(result.rows) == people(archive, "category = 'login' AND outcome = 'failure'")


def test_person_on_the_parquet_dataset(archive: Path, identities: Path, tmp_path: Path) -> None:
    target = tmp_path / "dataset"
    exported = run_auditql("export", "--db", archive, "--to", target)
    assert exported.returncode == 0, exported.stderr
    assert dict(api.query(target, FAILED_LOGINS).rows) == dict(api.query(archive, FAILED_LOGINS).rows)
