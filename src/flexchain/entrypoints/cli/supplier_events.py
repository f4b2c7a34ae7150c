"""``flexchain suppliers suggestion|sample|health ...`` and ``flexchain po change``."""

from __future__ import annotations

from flexchain.entrypoints.cli.suppliers import suppliers_app

__all__ = ["suppliers_app"]
