"""The weekly report: who asked for it, and what was sent."""

from __future__ import annotations
