"""Start-up checks of what the importer needs from the database it runs on."""

from __future__ import annotations

import sqlite3

from django.core import checks
from django.db import connections

# Values one SQLite statement may hold since SQLite 3.32 (Debian's builds allow 250,000).
# The importer's look-ups put up to a chunk of ids, and more, in one statement.
MIN_SQLITE_VARIABLES = 32_766
MSG_FEW_VARIABLES = (
    "This SQLite build takes at most {limit:,} values in one statement; imports need "
    "{needed:,} or more and would fail part way with 'too many SQL variables'."
)
HINT_FEW_VARIABLES = (
    "Run on SQLite 3.32 or later (Python 3.11's own builds and Debian's qualify), or on PostgreSQL."
)


@checks.register(checks.Tags.database)
def sqlite_statement_size(app_configs=None, databases=None, **kwargs) -> list[checks.CheckMessage]:
    """An Error for each SQLite database whose statements hold too few values."""
    errors = []
    for alias in databases or ():
        connection = connections[alias]
        if connection.vendor != "sqlite":
            continue
        connection.ensure_connection()
        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        if limit < MIN_SQLITE_VARIABLES:
            message = MSG_FEW_VARIABLES.format(limit=limit, needed=MIN_SQLITE_VARIABLES)
            errors.append(
                checks.Error(message, hint=HINT_FEW_VARIABLES, id="dentalpin_import.E001")
            )
    return errors
