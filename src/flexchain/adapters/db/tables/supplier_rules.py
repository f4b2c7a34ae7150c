"""Supplier rules: firings, policies (allocation weight, monitoring), spot checks, certificates."""

from __future__ import annotations
