"""Import kind ``bom``: one row per component line, upserted by (parent SKU, child SKU).

``quantity`` is per one unit of the parent. Odoo and ERPNext export a BOM's lines for the
BOM's own output quantity (their "Quantity"), which is read into ``bom_quantity`` and divided out.
The whole BOM that would result (stored lines with the file's lines applied) must stay
acyclic; each cycle is reported on a line of the file that closes it.
"""

from __future__ import annotations

import itertools
from collections.abc import Set
from decimal import Decimal

from flexchain.domain.bom import BomLine, find_cycle
from flexchain.domain.errors import BomCycleError, ValidationError, format_decimal
from flexchain.domain.values import QUANTITY_PLACES
from flexchain.services.imports import cells
from flexchain.services.imports.columns import Column, Errors, Parsed, Seen
from flexchain.services.imports.lookups import item_refs, stored_rows
from flexchain.services.imports.pipeline import Checked, Kind, Plan
from flexchain.services.imports.writing import Upserts

__all__ = ["BOM"]

MAX_CYCLES_REPORTED = 20
QUANTITY = cells.decimal(QUANTITY_PLACES)
UNIT = Decimal(1).scaleb(-QUANTITY_PLACES)

COLUMNS = (
    Column("parent_sku", cells.reference, required=True, fill_down=True),
    Column("child_sku", cells.reference, required=True),
    # Odoo and ERPNext call the BOM's own output "Quantity": with their line quantity present,
    # that header is theirs and feeds bom_quantity.
    Column("quantity", QUANTITY, required=True, aliases_first=True),
    Column("scrap_pct", QUANTITY, default=Decimal(0)),
    Column("bom_quantity", QUANTITY, default=Decimal(1), fill_down=True),
)

Edge = tuple[str, str]


def _report_cycles(
    graph: dict[Edge, BomLine], lines: dict[Edge, int], stored: Set[Edge], errors: Errors
) -> None:
    """Report every cycle (up to a limit), each on a file line that is one of its edges: the
    first line that adds a new edge (it closed the cycle), else the first line on it."""
    for _ in range(MAX_CYCLES_REPORTED):
        cycle = find_cycle(graph.values())
        if cycle is None:
            return
        edges = list(itertools.pairwise(cycle))
        mine = [edge for edge in edges if edge in lines]
        new = [edge for edge in mine if edge not in stored]
        edge = min(new or mine, key=lines.__getitem__) if mine else edges[0]
        errors.add(lines.get(edge, 1), "child_sku", str(BomCycleError(cycle)))
        del graph[edge]


def _per_unit(row: Parsed, errors: Errors) -> Decimal | None:
    """The line's quantity per one unit of the parent: Odoo and ERPNext give it per BOM, which
    makes ``bom_quantity`` units."""
    quantity, made = row.values["quantity"], row.values.get("bom_quantity", Decimal(1))
    if made <= 0:
        errors.add(row.line, "bom_quantity", "must be greater than zero")
        return None
    per_unit = quantity / made
    if per_unit != per_unit.quantize(UNIT):
        errors.add(
            row.line,
            "quantity",
            f"{format_decimal(quantity)} per {format_decimal(made)} units of the parent has more "
            f"than {QUANTITY_PLACES} decimal places per unit; write the quantity per unit and "
            "leave bom_quantity blank",
        )
        return None
    return quantity if made == 1 else per_unit


def check(check: Checked) -> Plan:
    items = item_refs(check.stores)
    skus = {ref.id: sku for sku, ref in items.items()}
    stored = {
        (skus[row["parent_id"]], skus[row["child_id"]]): row
        for row in stored_rows(check.stores, "bom_lines")
    }
    graph = {
        edge: BomLine(edge[0], edge[1], row["quantity"], row["scrap_pct"])
        for edge, row in stored.items()
    }
    seen = Seen(check.errors, "child_sku")
    upserts = Upserts("bom_lines", "bom_line")
    file_lines: dict[Edge, int] = {}
    for row in check.rows:
        parent, child = row.values.get("parent_sku"), row.values.get("child_sku")
        if parent is None or child is None or not seen.first((parent, child), row.line):
            continue
        for column, sku in (("parent_sku", parent), ("child_sku", child)):
            if sku not in items:
                check.errors.add(row.line, column, f"unknown item {sku!r}")
        if parent not in items or child not in items or not row.ok:
            continue
        old = stored.get((parent, child))
        quantity = _per_unit(row, check.errors)
        if quantity is None:
            continue
        scrap = row.values["scrap_pct"] if check.layout.has("scrap_pct") else None
        if scrap is None:
            scrap = old["scrap_pct"] if old else Decimal(0)
        try:
            line = BomLine(parent, child, quantity, scrap)
        except ValidationError as error:
            check.errors.invalid(row.line, error, {})
            continue
        graph[(parent, child)] = line
        file_lines[(parent, child)] = row.line
        values = {
            "parent_id": items[parent].id,
            "child_id": items[child].id,
            "quantity": line.quantity,
            "scrap_pct": line.scrap_pct,
        }
        upserts.add(f"{parent}/{child}", row.line, values, old)
    _report_cycles(graph, file_lines, set(stored), check.errors)
    return Plan(*upserts.counts, write=lambda stores: upserts.write(stores, check.source))


BOM = Kind("bom", COLUMNS, check)
