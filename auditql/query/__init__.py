"""The query core: what users type (a Gigya WHERE clause, Gigya's REST statement, or read-only SQL)
in, DuckDB SQL over the canonical `events` table out. Front ends call `translate` and nothing else.

    >>> from auditql.query import translate
    >>> translate("endpoint LIKE 'socialize%'").form
    'where'
"""

from auditql.query.catalog import Catalog
from auditql.query.dialects import DIALECTS
from auditql.query.translate import Translation, translate

__all__ = ["DIALECTS", "Catalog", "Translation", "translate"]
