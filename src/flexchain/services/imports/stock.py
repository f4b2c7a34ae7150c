"""Import kind ``stock``: on-hand quantities per (SKU, location), written as ledger moves.

The first quantity of an item at a location is an ``opening`` move from the external ``OPENING``
supplier location. Importing again sets the balance to the file's quantity with an
``adjustment`` move of the difference: in from, or out to, the scrap-kind ``ADJUSTMENT``
location. Moves are never changed or deleted. Both locations are created when first needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flexchain.adapters.db.imports import ImportStores
from flexchain.domain.errors import DomainError, format_decimal
from flexchain.domain.stock import INTERNAL_KINDS, LocationKind, MoveKind, StockMove
from flexchain.domain.values import QUANTITY_PLACES
from flexchain.services import inventory
from flexchain.services.imports import cells
from flexchain.services.imports.columns import Column, Seen
from flexchain.services.imports.lookups import item_refs, location_refs
from flexchain.services.imports.pipeline import Checked, Kind, Plan
from flexchain.services.imports.report import ImportFailed, RowError

__all__ = ["ADJUSTMENT", "OPENING", "STOCK"]

OPENING = "OPENING"
ADJUSTMENT = "ADJUSTMENT"
_SOURCES = {
    OPENING: ("Opening balances", LocationKind.SUPPLIER),
    ADJUSTMENT: ("Stock count adjustments", LocationKind.SCRAP),
}

COLUMNS = (
    Column("sku", cells.reference, required=True),
    Column("location", cells.reference, required=True),
    Column("quantity", cells.decimal(QUANTITY_PLACES), required=True),
)


@dataclass(frozen=True)
class Count:
    """The move that brings ``sku`` at ``location`` to the counted quantity."""

    line: int
    sku: str
    location: str
    quantity: Decimal
    move: MoveKind
    difference: Decimal


def _check_sources(check: Checked, kinds: dict[str, str]) -> None:
    for code, (_, kind) in _SOURCES.items():
        if code in kinds and kinds[code] != kind.value:
            check.errors.add(
                1, "location", f"location {code} must be a {kind.value} location, not {kinds[code]}"
            )


def check(check: Checked) -> Plan:
    stores = check.stores
    items, locations = item_refs(stores), location_refs(stores)
    _check_sources(check, {code: ref.kind for code, ref in locations.items()})
    balances = stores.locations.balances()
    moved = stores.locations.moved_pairs()  # these are adjusted, not opened
    seen = Seen(check.errors, "location")
    counts: list[Count] = []
    unchanged = 0
    for row in check.rows:
        sku, code = row.values.get("sku"), row.values.get("location")
        if sku is None or code is None or not seen.first((sku, code), row.line):
            continue
        item, location = items.get(sku), locations.get(code)
        if item is None:
            check.errors.add(row.line, "sku", f"unknown item {sku!r}")
        if location is None:
            check.errors.add(row.line, "location", f"unknown location {code!r}")
        elif location.kind not in INTERNAL_KINDS:
            check.errors.add(
                row.line, "location", f"{code} is a {location.kind} location and holds no stock"
            )
            continue
        if item is None or location is None or not row.ok:
            continue
        quantity = row.values["quantity"]
        on_hand, reserved = balances.get((item.id, location.id), (Decimal(0), Decimal(0)))
        if quantity < reserved:
            check.errors.add(
                row.line,
                "quantity",
                f"{format_decimal(quantity)} is below the {format_decimal(reserved)} reserved "
                f"at {code}; release reservations first",
            )
            continue
        if quantity == on_hand:
            unchanged += 1
            continue
        first = (item.id, location.id) not in moved
        move = MoveKind.OPENING if first else MoveKind.ADJUSTMENT
        counts.append(Count(row.line, sku, code, quantity, move, quantity - on_hand))
    created = sum(1 for count in counts if count.move is MoveKind.OPENING)
    return Plan(
        created,
        len(counts) - created,
        unchanged,
        write=lambda stores: _write(stores, counts, check.source, set(locations), check.now),
    )


def _ensure_sources(
    stores: ImportStores, counts: list[Count], existing: set[str], source: str
) -> None:
    needed = {OPENING if count.move is MoveKind.OPENING else ADJUSTMENT for count in counts}
    for code in sorted(needed - existing):
        name, kind = _SOURCES[code]
        stores.locations.add(code, name, kind.value)
        stores.audit.record(
            "created", "location", code, {"source": source, "reason": "stock import"}
        )


def _write(
    stores: ImportStores,
    counts: list[Count],
    source: str,
    existing: set[str],
    now: datetime | None,
) -> None:
    _ensure_sources(stores, counts, existing, source)
    at = now or stores.now()
    moves = []
    for count in counts:
        external = OPENING if count.move is MoveKind.OPENING else ADJUSTMENT
        inward = count.difference > 0
        moves.append(
            StockMove(
                count.sku,
                external if inward else count.location,
                count.location if inward else external,
                abs(count.difference),
                count.move,
                f"import {source}:{count.line}"[:200],
                at,
            )
        )
    try:
        inventory.post_moves(stores.uow, moves)  # every balance locked and written once
    except DomainError as error:
        line = _failed_line(counts, moves, error)
        raise ImportFailed([RowError(source, line, "quantity", str(error))]) from error
    for count in counts:
        action = "created" if count.move is MoveKind.OPENING else "updated"
        details = {
            "source": source,
            "line": count.line,
            "quantity": format_decimal(count.quantity),
            "move": count.move.value,
        }
        stores.audit.record(action, "stock", f"{count.sku}@{count.location}", details)
    stores.flush()


def _failed_line(counts: list[Count], moves: list[StockMove], error: DomainError) -> int:
    """The file line of the move an error names (by SKU and location), else the first."""
    text = str(error)
    for count, move in zip(counts, moves, strict=True):
        if move.item_sku in text and (move.from_location in text or move.to_location in text):
            return count.line
    return counts[0].line if counts else 1


STOCK = Kind("stock", COLUMNS, check)
