"""In-memory stores behind the same small interfaces as the database stores in
``flexchain.adapters.db``, so a use case's decision can be tested in milliseconds
(tests/unit/services/). The integration tier runs the real stores on SQLite and PostgreSQL.

Each fake keeps plain dicts and lists and implements only what the use cases call; one section
per store.
"""

from __future__ import annotations
