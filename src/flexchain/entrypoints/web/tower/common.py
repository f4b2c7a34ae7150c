"""What the control tower's pages share: the signed-in brand user, rendering, forms, charts."""

from __future__ import annotations
