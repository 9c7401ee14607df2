"""Why each runtime dependency that looks droppable is kept, and why DuckDB is pinned (issue 16), measured
rather than assumed.

numpy: auditql never imports it, but DuckDB's Python UDFs need it. Canonical JSON for content hashes and
the two exact-number helpers (auditql/jsonhash.py) are Python UDFs, and DuckDB refuses to register any
Python UDF — `type="arrow"` (pyarrow in, pyarrow out, no numpy in the body) as much as `type="native"` —
when numpy cannot be imported. The test below blocks `import numpy` in a fresh interpreter and shows both
refusals; the day a DuckDB release lifts it, the test fails and numpy can go from pyproject.toml.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from importlib.metadata import requires
from pathlib import Path

from conftest import ROOT

# A meta-path finder that refuses numpy, as an environment without numpy installed would.
NO_NUMPY = textwrap.dedent(
    """
    import sys

    class NoNumpy:
        def find_spec(self, name, path=None, target=None):
            if name == "numpy" or name.startswith("numpy."):
                raise ModuleNotFoundError("No module named 'numpy'")
            return None

    sys.meta_path.insert(0, NoNumpy())
    """
)


def without_numpy(body: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", NO_NUMPY + textwrap.dedent(body)], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)  # fmt: skip


def test_duckdb_refuses_every_python_udf_without_numpy() -> None:
    p = without_numpy(
        """
        import duckdb, pyarrow as pa
        from auditql import jsonhash

        con = duckdb.connect()
        con.register("t", pa.table({"x": ['{"b":1,"a":2}']}))  # Arrow in and out needs no numpy
        print("arrow table:", con.execute("SELECT x FROM t").fetchall()[0][0])
        for kind, fn in (("arrow", jsonhash._batch), ("native", jsonhash.canonical_json)):
            try:
                con.create_function("f_" + kind, fn, ["VARCHAR"], "VARCHAR", type=kind)
                print(kind, "registered")
            except duckdb.Error as exc:
                print(kind, "refused:", str(exc).splitlines()[0])
        try:
            jsonhash.register(con)
        except duckdb.Error as exc:
            print("auditql's UDFs refused:", type(exc).__name__)
        print("numpy loaded:", "numpy" in sys.modules)
        """
    )
    assert p.returncode == 0, p.stderr
    refusal = "Invalid Input Error: 'numpy' is required for this operation, but it wasn't installed"
    assert p.stdout.splitlines() == [
        'arrow table: {"b":1,"a":2}',
        f"arrow refused: {refusal}",
        f"native refused: {refusal}",
        "auditql's UDFs refused: InvalidInputException",
        "numpy loaded: False",
    ]


def test_pyproject_says_why_numpy_stays() -> None:
    lines = (ROOT / "pyproject.toml").read_text().splitlines()
    at = lines.index('  "numpy",')
    reason = " ".join(line.strip("# ") for line in lines[at - 4 : at])
    assert "tests/test_dependencies.py" in reason and "not even an Arrow UDF" in reason


def test_duckdb_is_pinned_to_the_version_the_sandbox_reviewed(tmp_path: Path) -> None:
    """pyproject pins one DuckDB, and must: the query sandbox classifies every function of the installed DuckDB
    (auditql/query/functions.toml, generated and reviewed per version; tests/test_sql_functions.py fails on any
    other list). Measured in scratch environments (README "Dependencies"): 2.0.1 adds add_grammar_extension,
    duckdb_live_query_metrics, map_type_id_to_pg_oid, parquet_page_index and remove_grammar_extension; 1.5.6
    cannot parse the `ATTACH ? AS …` below, which every reader runs."""
    import tomllib
    from importlib.metadata import version

    import duckdb
    from packaging.requirements import Requirement

    (declared,) = [Requirement(d) for d in requires("auditql") or [] if Requirement(d).name == "duckdb"]
    reviewed = tomllib.loads((ROOT / "auditql" / "query" / "functions.toml").read_text())["duckdb_version"]
    assert str(declared.specifier) == f"=={reviewed}" and version("duckdb") == reviewed == duckdb.__version__
    archive = tmp_path / "a.duckdb"
    duckdb.connect(str(archive)).close()
    con = duckdb.connect()
    con.execute('ATTACH ? AS "archive" (READ_ONLY)', [str(archive)])
    assert con.execute("SELECT database_name FROM duckdb_databases() WHERE NOT internal ORDER BY 1").fetchall() == [
        ("archive",), ("memory",)
    ]  # fmt: skip
