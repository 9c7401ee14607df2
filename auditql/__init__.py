"""auditql: one queryable, deduplicated archive over every SaaS vendor's audit-log exports.

`%load_ext auditql` in IPython registers the notebook magic; the import stays light so that
`auditql --help` is fast (front ends import their heavy dependencies lazily).
"""

__version__ = "0.1.0"


def load_ipython_extension(ipython):  # pragma: no cover - exercised through IPython in tests
    """Entry point for `%load_ext auditql`; the magic lives in its own front-end module."""
    from auditql.notebook.magic import load_ipython_extension as load

    load(ipython)
