"""Tamper-evident QC records (a hash chain), stored files, attachments, carbon data."""

from __future__ import annotations
