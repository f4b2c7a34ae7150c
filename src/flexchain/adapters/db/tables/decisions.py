"""The Today inbox: decisions snoozed with a reason until a date."""

from __future__ import annotations
