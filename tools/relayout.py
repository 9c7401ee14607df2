"""Issue 17, step 5: move auditql's modules so the folders show the pipeline, mechanically and re-runnably.

    python tools/relayout.py            # in a clean checkout at its root; commit the result
    python tools/relayout.py --check    # say what would move, change nothing (exit 1 if anything would)

Why a script and not a commit: several branches edit the same modules at once. Moving the files by hand
would make every one of their merges conflict; this script runs after the merges, on whatever tree it finds.
It is data-driven (MOVES and DIRECTORY_MOVES below: a file another branch adds to a moved folder moves
with it), idempotent (a second run changes nothing: an old name is rewritten only while its old file still
exists, or when it no longer names any module), and it refuses to guess: a reference `auditql.<name>` it
cannot map is printed and the exit code is 1.

After it ran: `pip install --no-deps -e .` (the console script now points at `auditql.cli.main:main`), take
docs/architecture.md from the branch where it was written for the new layout (`git checkout layout-moved --
docs/architecture.md`), then `ruff check . && ruff format --check . && mypy && lint-imports` and the tests.

What it does, in order:
1. `git mv` every tracked file under auditql/ that the tables move (through a staging folder, so that
   `cli.py` can become `cli/main.py`), creates each new package's `__init__.py`, removes emptied folders;
2. rewrites every reference in every tracked text file (Python, Markdown, TOML, .ci/): dotted names
   (`import auditql.x`, `from auditql.x import`, mock.patch and monkeypatch strings, `python -m auditql.x`,
   console-script targets), `from auditql import x` lists (a module whose name changes keeps reading well:
   its uses `x.attr` in that file are renamed too, or it is imported `as x` when the new name is taken),
   and source paths (`auditql/engine.py`, `dataset/ingest.py`, `engine.py` → their new paths);
3. writes the import contracts for the new layout into pyproject.toml (`[tool.importlinter]`);
4. sorts imports and formats the Python files it changed (`ruff check --select I --fix`, `ruff format`).
"""

from __future__ import annotations

import argparse
import io
import re
import shutil
import subprocess
import sys
import tokenize
import tomllib
from pathlib import Path

# ---------------------------------------------------------------------------------------------------------
# The tables. Paths are relative to auditql/. An explicit MOVES entry wins over its folder's rule.
# ---------------------------------------------------------------------------------------------------------
MOVES: dict[str, str] = {
    # read/: bytes in (text decoding, safe unpacking, one reader per format)
    "textfile.py": "read/text.py",
    "textlines.py": "read/lines.py",
    "textcodec.py": "read/decode.py",
    "archives.py": "read/unpack.py",
    "filekind.py": "read/filekind.py",
    "formats/__init__.py": "read/formats.py",
    "formats/common.py": "read/records.py",
    # ingest/: mapping plan, dedup, one transaction per file, custody
    "mapper.py": "ingest/plan.py",
    "dedup.py": "ingest/dedup.py",
    "ingest.py": "ingest/run.py",
    "custody.py": "ingest/custody.py",
    "contents.py": "ingest/contents.py",
    # dryrun/: ingest's machinery run to show, not to keep (`auditql inspect`, a mapping's samples checked)
    "inspection.py": "dryrun/inspection.py",
    "mapping_check.py": "dryrun/mapping_check.py",
    # foundations: canonical JSON for content hashes is not the canonical schema (readers use it too)
    "canonical.py": "jsonhash.py",
    # archive/: the Archive interface and its backends
    "archive/dataset.py": "archive/parquet_dataset.py",  # frees archive/dataset/ for the dataset's package
    "file_cache.py": "archive/file_cache.py",
    "listings.py": "archive/listings.py",
    # db/: DuckDB plumbing every stage needs (readers and ingest too, so it sits below them)
    "connections.py": "db/connections.py",
    "lockdown.py": "db/sandbox.py",
    "engine.py": "db/archive_file.py",
    # query/ and output/
    "identities.py": "query/identities.py",
    "destination.py": "output/destination.py",
    # frontend/: what several front ends share
    "completer.py": "frontend/completer.py",
    "query_input.py": "frontend/query_input.py",
    "progress.py": "frontend/progress.py",
    "timeline.py": "frontend/timeline.py",
    "timeline_svg.py": "frontend/timeline_svg.py",
    # the front ends
    "cli.py": "cli/main.py",
    "repl.py": "repl/session.py",
    "lexer.py": "repl/lexer.py",
    "saved_queries.py": "repl/saved_queries.py",
    "magic.py": "notebook/magic.py",
    "notebook.py": "notebook/results.py",
}
# Every tracked file under the old folder (any depth, any kind) moves under the new one, unless MOVES says.
DIRECTORY_MOVES: dict[str, str] = {
    "formats": "read",
    "dataset": "archive/dataset",
    "commands": "cli",
    "special": "repl/special",
}
# Packages the moves create, with the docstring their __init__.py gets (kept light: importing one module of
# a package runs its __init__, and a one-shot query must not pay for ingest).
NEW_PACKAGES: dict[str, str] = {
    "read": "Bytes in: text layout and decoding, safe .zip/.gz unpacking, one reader per file format.",
    "ingest": "Files into an archive: the mapping plan, dedup, one transaction per file, custody entries.",
    "db": "DuckDB plumbing every stage shares: the one connection factory, the query sandbox, an archive "
    "file's lifecycle\n(lock waiting, the short-lived writer, the sandboxed reader).",
    "frontend": "What several front ends share: completion, the query text they read, the progress line, the timeline.",
    "repl": "The interactive shell: the session, its dot-commands (special/), highlighting, saved queries.",
    "dryrun": "Ingest's machinery run to show, not to keep: `auditql inspect` (what a file would become) and a "
    "mapping's\nsamples checked by a real ingest into a scratch archive.",
    "notebook": "IPython/Jupyter: the `%auditql` magic and the result object a notebook cell gets.",
}
# Words after `auditql.` that are not modules (file names in prose, the package's own attributes).
NOT_MODULES = {"__version__", "__file__", "load_ipython_extension", "duckdb", "history", "fish", "exe", "toml"}
# Path strings a test names relative to the package (not recognizable as paths by their shape alone).
FIXUPS: dict[str, list[tuple[str, str]]] = {
    "tests/test_architecture.py": [
        (  # the facade, the front ends and the archive's interface (not the dataset's inside, which is one backend)
            '"api.py", "cli/main.py", "commands", "archive", "repl/session.py", "special", "notebook/magic.py"',
            '"api.py", "cli", "archive/__init__.py", "archive/base.py", "archive/duckdb_file.py",\n'
            '            "archive/parquet_dataset.py", "repl", "notebook"',
        ),
        ('source_files("dataset", ', 'source_files("archive/dataset", '),
    ],
    "tests/test_cli.py": [  # the module list outgrew its line
        (
            '"import sys, auditql.schema, auditql.read.formats, auditql.vendors, auditql.ingest.run, '
            'auditql.db.archive_file, "',
            '"import sys, auditql.schema, auditql.read.formats, auditql.vendors, auditql.ingest.run, "\n'
            '        "auditql.db.archive_file, "',
        ),
    ],
}
# This file names every old module on purpose; so does docs/architecture.md once it is written for the new
# layout (its "←" notes): take that page from the branch that ran this script (layout-moved), not from here.
SKIP = {"tools/relayout.py", "docs/architecture.md"}
DATA_DIRS = ("sample_data/", "tests/data/", "tests/queries/")
TEXT_SUFFIXES = {".py", ".md", ".toml", ".txt", ".cfg", ".ini", ".yml", ".yaml", ".json", ".sh", ""}

IMPORTLINTER = """# Import contracts (docs/architecture.md), checked by `lint-imports` and tests/test_architecture.py.
# Written by tools/relayout.py (issue 17, step 5). The layers follow the pipeline: front ends on top, then
# what they share, the facade, output, query, the archive, ingest, vendors, readers, DuckDB plumbing, and
# the foundations every layer may use. A module added at the top of auditql/ must be named in contract 2 or 3
# (tests/test_architecture.py checks that every module is classified).
[tool.importlinter]
root_package = "auditql"
include_external_packages = true
exclude_type_checking_imports = true

[[tool.importlinter.contracts]]
name = "No import circles among auditql's modules and packages"
type = "acyclic_siblings"
ancestors = ["auditql"]

[[tool.importlinter.contracts]]
name = "The core never imports a front end (nor a UI library)"
type = "forbidden"
source_modules = [
  "auditql.api", "auditql.archive", "auditql.config", "auditql.db", "auditql.digests", "auditql.dryrun",
  "auditql.errors", "auditql.ingest", "auditql.jsonhash", "auditql.output", "auditql.query", "auditql.read",
  "auditql.schema", "auditql.sql", "auditql.tables", "auditql.vendors",
]
forbidden_modules = [
  "auditql.cli", "auditql.repl", "auditql.notebook", "auditql.serve", "auditql.pull", "auditql.spark",
  "auditql.frontend", "auditql.__main__",
  "click", "prompt_toolkit", "IPython", "pyspark", "starlette", "uvicorn",
]
# `%load_ext auditql` calls the package's load_ipython_extension, which imports the magic only then; every
# module reads `auditql.__version__` from the package, so without this every module would "reach" the magic.
ignore_imports = ["auditql -> auditql.notebook.magic"]

[[tool.importlinter.contracts]]
name = "Front ends reach storage only through the facade (auditql/api/): no DuckDB, no connections"
type = "forbidden"
source_modules = [
  "auditql.cli", "auditql.repl", "auditql.notebook", "auditql.serve", "auditql.pull", "auditql.spark",
  "auditql.frontend", "auditql.__main__",
]
forbidden_modules = ["duckdb", "auditql.db", "auditql.archive", "auditql.ingest.run"]
allow_indirect_imports = true  # through the facade is the point

[[tool.importlinter.contracts]]
name = "Layers: front ends, facade, output, archive, query, ingest, vendors, read, db, foundations"
type = "layers"
layers = [
  "auditql.cli",
  "auditql.repl | auditql.notebook | auditql.serve | auditql.pull | auditql.spark",
  "auditql.frontend",
  "auditql.api | auditql.dryrun",
  "auditql.output",
  "auditql.archive",
  "auditql.query",
  "auditql.ingest",
  "auditql.vendors",
  "auditql.read",
  "auditql.db",
  "{foundations}",
]
ignore_imports = ["auditql -> auditql.notebook.magic"]
""".replace(
    "{foundations}",
    " : ".join(f"auditql.{m}" for m in ("config", "tables", "digests", "jsonhash", "schema", "sql", "errors")),
)

ROOT = Path.cwd()
MARK = "auditql\x00"  # a rewritten import's package name until the dotted pass is done
PKG = ROOT / "auditql"


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout


def module_of(rel: str) -> str:
    """auditql-relative path -> dotted module under auditql ("" for the package itself)."""
    parts = rel.removesuffix(".py").split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def new_path(rel: str) -> str | None:
    """Where an auditql-relative file path goes, or None when it stays."""
    if rel in MOVES:
        return MOVES[rel]
    for old, new in DIRECTORY_MOVES.items():
        if rel.startswith(old + "/"):
            return new + rel[len(old) :]
    return None


def new_module(dotted: str) -> tuple[str, str] | None:
    """(old file, new dotted name) of an old module (auditql-relative dotted name), by the same tables."""
    for rel in (dotted.replace(".", "/") + ".py", dotted.replace(".", "/") + "/__init__.py"):
        if (moved := new_path(rel)) is not None:
            return rel, module_of(moved)
    return None


def resolves(dotted: str) -> bool:
    base = PKG / dotted.replace(".", "/")
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file() or not dotted


def wrap_long_lines(before: str, text: str, limit: int = 120) -> str:
    """A comment or docstring line the longer paths pushed past the line limit, broken at a space (a line
    that was already long, or one in code, is left alone: ruff will name it)."""
    long_before = {line for line in before.split("\n") if len(line) > limit}
    if all(len(line) <= limit or line in long_before for line in text.split("\n")):
        return text
    kinds: dict[int, tuple[str, int]] = {}
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.COMMENT:
            kinds[tok.start[0] - 1] = ("comment", tok.start[1])
        elif tok.type == tokenize.STRING and tok.string.lstrip("rbuRBU").startswith(('"""', "'''")):
            for n in range(tok.start[0], tok.end[0] + 1):
                kinds.setdefault(n - 1, ("doc", tok.start[1]))
    out: list[str] = []
    for i, line in enumerate(text.split("\n")):
        if i in kinds and line not in long_before:
            kind, col = kinds[i]
            indent = len(line) - len(line.lstrip()) if kind == "comment" else col
            while len(line) > limit and (cut := line.rfind(" ", col + 3, limit + 1)) > 0:
                out.append(line[:cut].rstrip())
                line = " " * indent + ("# " if kind == "comment" else "") + line[cut + 1 :]
        out.append(line)
    return "\n".join(out)


def used_bare(text: str, name: str) -> bool:
    """Whether a module's local name is used other than as `name.attr` (passed on, stored, in a script held
    in a string…): then renaming its uses could miss one, and the import keeps the name (`import x as name`)."""
    code = re.sub(r"^[ \t]*(?:from|import)[ \t][^\n]*$", "", text, flags=re.M)
    code = re.sub(rf"(?<![\w.]){re.escape(name)}(?=\.[A-Za-z_])", "", code)
    return re.search(rf"(?<![\w.]){re.escape(name)}\b", code) is not None


class Relayout:
    def __init__(self) -> None:
        self.tracked = git("ls-files").splitlines()
        # Old files here now: every reference to their module is rewritten. An old name whose file is gone
        # is rewritten only if it names nothing now (`auditql.ingest` is a package after the move).
        self.present = {t[len("auditql/") :] for t in self.tracked if t.startswith("auditql/")}
        self.changed: list[str] = []
        self.renames: dict[str, list[tuple[str, str]]] = {}  # module -> (old, new) names of its imports
        self.unresolved: list[str] = []

    # -- 1. files ------------------------------------------------------------------------------------------
    def move_files(self) -> None:
        moves = [
            (rel, dest)
            for t in self.tracked
            if t.startswith("auditql/") and (dest := new_path(rel := t[len("auditql/") :])) is not None
        ]
        staging = PKG / "_relayout_staging"
        for rel, dest in moves:
            (staging / dest).parent.mkdir(parents=True, exist_ok=True)
            git("mv", f"auditql/{rel}", f"auditql/_relayout_staging/{dest}")
        for rel, dest in moves:
            (PKG / dest).parent.mkdir(parents=True, exist_ok=True)
            git("mv", f"auditql/_relayout_staging/{dest}", f"auditql/{dest}")
            print(f"moved   auditql/{rel} -> auditql/{dest}")
        if staging.exists():
            shutil.rmtree(staging)
        for package, doc in NEW_PACKAGES.items():
            init = PKG / package / "__init__.py"
            if init.parent.is_dir() and not init.exists():
                init.write_text(f'"""{doc}"""\n')
                git("add", str(init.relative_to(ROOT)))
                print(f"created auditql/{package}/__init__.py")
        old_dirs = {str(Path(rel).parent) for rel, _ in moves} | set(DIRECTORY_MOVES)
        for old in sorted(old_dirs, key=len, reverse=True):
            folder = PKG / old
            if old != "." and folder.is_dir() and not any(p.suffix != ".pyc" for p in folder.rglob("*") if p.is_file()):
                shutil.rmtree(folder)  # only __pycache__ left: it would still import as a namespace package
                print(f"removed auditql/{old}/")
        if moves:
            self.tracked = git("ls-files").splitlines()

    # -- 2. references -------------------------------------------------------------------------------------
    def moved_module(self, dotted: str) -> str | None:
        """The new name of an old module: one whose old file is here (or was, this run), or a stale name for
        a module that no longer resolves while its new place does."""
        found = new_module(dotted)
        if found is None:
            return None
        old_file, target = found
        if old_file in self.present or (not resolves(dotted) and resolves(target)):
            return target
        return None

    def mapped(self, dotted: str) -> str | None:
        """New auditql-relative dotted name for an old one (longest old module prefix), or None."""
        parts = dotted.split(".")
        for n in range(len(parts), 0, -1):
            if (target := self.moved_module(".".join(parts[:n]))) is not None:
                return ".".join([target, *parts[n:]])
        return None

    def rewrite_dotted(self, text: str) -> str:
        def sub(m: re.Match[str]) -> str:
            found = self.mapped(m.group(1))
            return f"auditql.{found}" if found is not None else m.group(0)

        return re.sub(r"(?<![\w./-])auditql\.([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)", sub, text)

    def rewrite_from_imports(self, text: str, module: str | None = None) -> str:
        """`from auditql[.pkg] import a, b as c`: each name that is a moved module is imported from its new
        package; the others (functions, classes) from the new module."""
        renames: list[tuple[str, str]] = []
        pattern = re.compile(
            r"^(?P<indent>[ \t]*)from auditql(?P<pkg>(?:\.\w+)*) import "
            r"(?:\((?P<paren>[^)]*)\)|(?P<plain>[^\n#]*?))(?P<comment>[ \t]*#[^\n]*)?$",
            re.M,
        )

        def sub(m: re.Match[str]) -> str:
            pkg = m.group("pkg").lstrip(".")
            names = [n.strip() for n in (m.group("paren") or m.group("plain")).replace("\n", " ").split(",")]
            names = [n for n in names if n]
            if m.group("paren") and "#" in m.group("paren"):
                return m.group(0)  # comments inside the parentheses: left to the dotted pass
            groups: dict[str, list[str]] = {}
            moved = False
            for item in names:
                name, _, alias = (w.strip() for w in item.partition(" as "))
                full = f"{pkg}.{name}" if pkg else name
                target = self.moved_module(full)
                if target is not None:
                    moved = True
                    parent, _, base = target.rpartition(".")
                    local = alias or name
                    if base == local:
                        groups.setdefault(parent, []).append(base)
                    elif alias or re.search(rf"(?<![\w.]){re.escape(base)}\b", text) or used_bare(text, local):
                        groups.setdefault(parent, []).append(f"{base} as {local}")
                    else:
                        renames.append((local, base))
                        groups.setdefault(parent, []).append(base)
                else:
                    mod = (self.mapped(pkg) or pkg) if pkg else ""
                    moved = moved or mod != pkg
                    groups.setdefault(mod, []).append(item)
            if not moved:
                return m.group(0)
            indent, comment = m.group("indent"), m.group("comment") or ""
            # MARK keeps the dotted pass that follows from rewriting these new names a second time
            lines = [
                f"{indent}from {MARK}{'.' + mod if mod else ''} import {', '.join(items)}"
                for mod, items in groups.items()
            ]
            lines[-1] += comment
            return "\n".join(lines)

        text = pattern.sub(sub, text)
        if module is not None and renames:
            self.renames[module] = self.renames.get(module, []) + renames
        for old, new in renames:  # the module's uses in this file: `old.attr`, and `setattr(old, ...)`-style arguments
            text = re.sub(rf"(?<![\w.'\"/]){old}(?=\.[A-Za-z_])", new, text)
            text = re.sub(rf"(?<=\(){old}(?=,)", new, text)
        return text

    def rewrite_paths(self, text: str) -> str:
        """Source paths: `auditql/engine.py`, `dataset/ingest.py`, a bare `engine.py` (never `x/engine.py`)."""
        olds = sorted(
            (o for o in (*MOVES, *self._dir_files()) if o in self.present or not (PKG / o).exists()),
            key=len,
            reverse=True,
        )
        if not olds:
            return text
        alternation = "|".join(re.escape(o) for o in olds)
        pattern = re.compile(rf"(?<![\w/.-])(auditql/)?({alternation})(?![\w/])")

        def sub(m: re.Match[str]) -> str:
            old = m.group(2)
            dest = new_path(old)
            if dest is None:
                return m.group(0)
            return (m.group(1) or "") + dest

        return pattern.sub(sub, text)

    def _dir_files(self) -> list[str]:
        return [p for p in self.present if new_path(p) is not None and p not in MOVES]

    def rewrite_references(self) -> None:
        for rel in self.tracked:
            path = ROOT / rel
            if rel in SKIP or rel.startswith(DATA_DIRS) or path.suffix not in TEXT_SUFFIXES or not path.is_file():
                continue
            try:
                before = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue
            module = module_of(rel[len("auditql/") :]) if rel.startswith("auditql/") else None
            text = self.rewrite_from_imports(before, module) if path.suffix == ".py" else before
            text = self.rewrite_paths(self.rewrite_dotted(text)).replace(MARK, "auditql")
            if path.suffix == ".py":
                text = wrap_long_lines(before, text)
            for old, new in FIXUPS.get(rel, []):
                text = text.replace(old, new)
            if text != before:
                path.write_text(text, encoding="utf-8")
                self.changed.append(rel)
                print(f"rewrote {rel}")
        self.rewrite_reached_names()

    def rewrite_reached_names(self) -> None:
        """A module whose import of another was renamed inside it (`engine` -> `archive_file` in ingest/run.py)
        changed an attribute others may reach through it: `ingest_module.engine.writer`,
        `monkeypatch.setattr(ingest_module, "engine", …)`. Follow each name the module is imported by."""
        for module, pairs in self.renames.items():
            parent, _, base = module.rpartition(".")
            source = "auditql" + ("." + parent if parent else "")
            from_import = rf"from {re.escape(source)} import (?:\(([^)]*)\)|([^\n(]*)$)"
            imports = re.compile(rf"{from_import}|import auditql\.{re.escape(module)} as (\w+)", re.M)
            for rel in self.tracked:
                path = ROOT / rel
                if rel in SKIP or path.suffix != ".py" or not path.is_file():
                    continue
                text = path.read_text(encoding="utf-8")
                aliases = set()
                for m in imports.finditer(text):
                    if m.group(3):
                        aliases.add(m.group(3))
                        continue
                    listed = re.sub(r"#[^\n]*", "", m.group(1) or m.group(2))
                    for item in listed.replace("\n", " ").split(","):
                        name, _, alias = (w.strip() for w in item.partition(" as "))
                        if name == base:
                            aliases.add(alias or name)
                new_text = text
                for alias in aliases:
                    for old, new in pairs:
                        new_text = re.sub(rf"(?<![\w.]){alias}\.{old}\b", f"{alias}.{new}", new_text)
                        new_text = re.sub(rf"(setattr\({alias},\s*[\"']){old}(?=[\"'])", rf"\g<1>{new}", new_text)
                if new_text != text:
                    path.write_text(new_text, encoding="utf-8")
                    if rel not in self.changed:
                        self.changed.append(rel)
                    print(f"rewrote {rel} (names reached through {module})")

    # -- 3. contracts --------------------------------------------------------------------------------------
    def write_contracts(self) -> None:
        path = ROOT / "pyproject.toml"
        text = path.read_text()
        found = re.search(r"^\[tool\.importlinter\]", text, re.M)
        start = found.start() if found else -1
        if start < 0:
            self.unresolved.append("pyproject.toml: no [tool.importlinter] section to replace")
            return
        # the comment block just above the section belongs to it
        head = text[:start].rstrip("\n").split("\n")
        while head and head[-1].startswith("#"):
            head.pop()
        following = re.search(r"^\[(?!\[?tool\.importlinter)", text[start:], re.M)
        tail = text[start + following.start() :] if following else ""
        new = "\n".join(head).rstrip("\n") + "\n\n" + IMPORTLINTER + ("\n" + tail if tail else "")
        if new != text:
            path.write_text(new)
            if "pyproject.toml" not in self.changed:
                self.changed.append("pyproject.toml")
            print("rewrote pyproject.toml [tool.importlinter]")

    # -- checks --------------------------------------------------------------------------------------------
    def check_unresolved(self) -> None:
        """Every `auditql.x…` and `from auditql import x` must name something that exists now."""
        for rel in self.tracked:
            path = ROOT / rel
            if rel in SKIP or rel.startswith(DATA_DIRS) or path.suffix not in TEXT_SUFFIXES or not path.is_file():
                continue
            try:
                text = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue
            for n, line in enumerate(text.splitlines(), 1):
                for m in re.finditer(r"(?<![\w./-])auditql\.([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)", line):
                    if not self._known(m.group(1)):
                        self.unresolved.append(f"{rel}:{n}: auditql.{m.group(1)}")
                m = re.match(r"\s*from auditql import ([\w, ]+)", line)
                if m and path.suffix == ".py":
                    for name in (w.strip().split(" as ")[0] for w in m.group(1).split(",")):
                        if name and not self._known(name):
                            self.unresolved.append(f"{rel}:{n}: from auditql import {name}")

    def _known(self, dotted: str) -> bool:
        parts = dotted.split(".")
        if parts[0] in NOT_MODULES:
            return True
        if any(p.startswith("__") for p in parts[1:]):
            return True  # __file__, __name__, __version__ of any module
        if not resolves(parts[0]):
            return False
        for n in range(1, len(parts)):  # a package's next part: a submodule, or a name its __init__ defines
            head = ".".join(parts[:n])
            init = PKG / head.replace(".", "/") / "__init__.py"
            if not init.is_file():
                return True  # a module: the rest are its attributes
            if resolves(".".join(parts[: n + 1])):
                continue
            return re.search(rf"\b{re.escape(parts[n])}\b", init.read_text()) is not None
        return True

    def check_placed(self) -> None:
        """Every module and package at the top of auditql/ must be named by the contracts (core or front end):
        one another branch added there is neither moved by the tables nor covered by the layers."""
        contracts = tomllib.loads(IMPORTLINTER)["tool"]["importlinter"]["contracts"]
        named = {m for c in contracts[1:3] for m in c["source_modules"]}
        top = {f"auditql.{p.stem}" for p in PKG.glob("*.py") if p.stem != "__init__"}
        top |= {f"auditql.{p.parent.name}" for p in PKG.glob("*/__init__.py")}
        for module in sorted(top - named):
            self.unresolved.append(f"{module}: not placed: add it to MOVES, or to the contracts in IMPORTLINTER")

    # -- 4. tidy -------------------------------------------------------------------------------------------
    def tidy(self) -> None:
        python = [c for c in self.changed if c.endswith(".py") and (ROOT / c).exists()]
        moved_py = [t for t in git("ls-files", "auditql").splitlines() if t.endswith(".py")]
        files = sorted(set(python) | set(moved_py))
        if not files:
            return
        ruff = [sys.executable, "-m", "ruff"]
        subprocess.run([*ruff, "check", "--select", "I", "--fix", "--quiet", *files], cwd=ROOT, check=False)
        subprocess.run([*ruff, "format", "--quiet", *files], cwd=ROOT, check=False)

    def run(self, check: bool) -> int:
        pending = [t for t in self.tracked if t.startswith("auditql/") and new_path(t[len("auditql/") :])]
        if check:
            for t in pending:
                print(f"would move {t} -> auditql/{new_path(t[len('auditql/') :])}")
            return 1 if pending else 0
        self.move_files()
        self.rewrite_references()
        self.write_contracts()
        self.tidy()
        self.check_unresolved()
        self.check_placed()
        git("add", "-u")
        for problem in self.unresolved:
            print(f"UNRESOLVED {problem}", file=sys.stderr)
        print(f"{len(pending)} files moved, {len(self.changed)} files rewritten, {len(self.unresolved)} unresolved")
        return 1 if self.unresolved else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="list what would move; change nothing")
    args = parser.parse_args()
    if not (PKG / "__init__.py").is_file() or not (ROOT / ".git").exists():
        print("tools/relayout.py: run it at the root of an auditql checkout", file=sys.stderr)
        return 2
    return Relayout().run(args.check)


if __name__ == "__main__":
    sys.exit(main())
