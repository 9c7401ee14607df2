"""`python -m auditql` runs the same CLI as the `auditql` console script."""

from auditql.cli.main import main

main()
