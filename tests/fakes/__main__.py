"""`python -m tests.fakes [FOLDER]`: start the five fake vendor servers on 127.0.0.1, write FOLDER/sources.toml
and FOLDER/secrets.env (the fictional secrets they accept), print how to pull from them, and serve until ^C.

    python -m tests.fakes /tmp/try-pull
    set -a; . /tmp/try-pull/secrets.env; set +a
    auditql pull --sources /tmp/try-pull/sources.toml --db /tmp/try-pull/archive.duckdb
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from tests.fakes import harness


def main() -> None:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "pull-demo").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    fakes = harness.start()
    sources = harness.write_sources(fakes, folder / "sources.toml")
    env = folder / "secrets.env"
    env.write_text("".join(f"{k}={v}\n" for k, v in harness.SECRETS.items()), encoding="utf-8")
    print(f"fake vendor servers: {', '.join(f.url for f in fakes.all())}")
    print(f"sources file: {sources}\nsecrets (fictional): {env}\n")
    print(f"  set -a; . {env}; set +a")
    print(f"  auditql pull --sources {sources} --db {folder / 'archive.duckdb'}")
    print(f"  auditql verify --db {folder / 'archive.duckdb'}\n\nserving until Ctrl-C")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        fakes.stop()


if __name__ == "__main__":
    main()
