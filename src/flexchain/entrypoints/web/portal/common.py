"""What the portal's pages share: the signed-in supplier, rendering, form validation."""

from __future__ import annotations
