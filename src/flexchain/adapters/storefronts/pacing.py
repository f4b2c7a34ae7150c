"""Spacing of outbound requests per shop, to stay under each platform's rate limit.

Shopify REST allows 2 calls per second; WooCommerce has no limit of its own, its host does
(5 per second is safe). The clock and the sleep are the process's own (monotonic), passed in so
a test can run without waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

__all__ = ["DEFAULT_INTERVAL", "Pacer"]

DEFAULT_INTERVAL = 0.5
"""Seconds between two requests to a shop whose platform has no interval of its own."""


class Pacer:
    """Waits, before each request to a shop, until ``min_interval[platform]`` seconds have
    passed since the previous request to that shop."""

    def __init__(
        self,
        min_interval: Mapping[str, float],
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.min_interval = min_interval
        self.clock = clock
        self.sleep = sleep
        self.last: dict[int, float] = {}

    def wait(self, shop_id: int, platform: str) -> None:
        due = self.last.get(shop_id, 0.0) + self.min_interval.get(platform, DEFAULT_INTERVAL)
        pause = due - self.clock()
        if pause > 0:
            self.sleep(pause)
        self.last[shop_id] = self.clock()
