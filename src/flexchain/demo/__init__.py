"""The demo company: an outdoor and apparel label, its suppliers and two years of demand.

:func:`generate` is pure and seeded (no database, no clock unless ``start`` is left out);
:func:`flexchain.services.demo.load_demo` writes what it returns through the spreadsheet imports.
"""

from flexchain.demo.data import LOAD_ORDER, DemandHistory, DemoData
from flexchain.demo.generate import DEFAULT_ITEMS, DEFAULT_SKU_RULE, generate

__all__ = [
    "DEFAULT_ITEMS",
    "DEFAULT_SKU_RULE",
    "LOAD_ORDER",
    "DemandHistory",
    "DemoData",
    "generate",
]
