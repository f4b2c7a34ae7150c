"""The demo brand's new products entered in its catalogue during the replay of its orders
(:mod:`flexchain.demo.launches` draws them): each through the same imports as a planner's
spreadsheet (the item, its BOM, its maker's terms), dated the day it was entered."""

from __future__ import annotations

from collections.abc import Generator
from datetime import datetime

from flexchain.adapters.db.catalog import CatalogStore
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.demo.launches import Launch
from flexchain.services.imports import import_rows

__all__ = ["enter_launch", "launch_steps"]


def enter_launch(uow: UnitOfWork, launch: Launch) -> None:
    """Enter the launched product in the catalogue (in the caller's unit of work) at its
    ``entered_at``."""
    at = launch.entered_at
    source = f"demo launch {launch.product.sku}"
    for kind, rows in (("items", launch.items), ("bom", launch.bom),
                       ("item-suppliers", launch.item_suppliers)):  # fmt: skip
        import_rows(uow, kind, rows, source=source, now=at)
    # The demo replays history: the product entered the catalogue on its launch day, not when
    # the replay runs, and an import stamps an item with the time of writing. So its row is
    # dated explicitly: the design-to-production time counts from it.
    CatalogStore(uow.session).date_item(launch.product.sku, at)


def launch_steps(uow: UnitOfWork, launch: Launch) -> Generator[datetime, None, None]:
    """The launch as one step of the replay (:func:`flexchain.services.demo_history.in_time_order`),
    due at its catalogue entry."""
    yield launch.entered_at
    enter_launch(uow, launch)
