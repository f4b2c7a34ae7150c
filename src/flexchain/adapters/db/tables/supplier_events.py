"""Supplier events: improvement suggestions, samples, health data, PO change requests."""

from __future__ import annotations
