"""How a product is built, as allocation sees it: its modules (in BOM order) with their materials
and processes, and its other components, from the BOM tree below it (quotes build it from their
snapshot; the fulfilment store builds the modules-only view from the catalog)."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

from flexchain.domain.allocation import Module, Product
from flexchain.domain.assignment import Candidate
from flexchain.domain.bom import BomLine, low_level_codes, product_modules
from flexchain.domain.catalog import Item, Option
from flexchain.domain.checks import choice
from flexchain.domain.suppliers import ItemSupplier, Process

__all__ = ["material_lead", "per_unit", "process_of", "product_of", "supplier_processes"]

_ONE = Decimal(1)


def process_of(item: Item, processes: Mapping[str, frozenset[Process]]) -> Process | None:
    """The process that makes ``item``: its attribute ``process`` if it has one; else the first
    process (in the order of :class:`~flexchain.domain.suppliers.Process`) its default supplier
    runs (``processes``: per active supplier code); else ``None``."""
    named = item.attributes.get("process")
    if isinstance(named, str) and named:
        return _named_process(named, item.sku)
    if named:
        return choice(Process, named, f"{item.sku}: attributes.process")
    runs = processes.get(item.default_supplier or "", frozenset())
    return next((process for process in _PROCESSES if process in runs), None)


_PROCESSES = tuple(Process)


@functools.lru_cache(maxsize=1024)
def _named_process(named: str, sku: str) -> Process:
    return choice(Process, named, f"{sku}: attributes.process")


def supplier_processes(
    candidates: Mapping[Process, Sequence[Candidate]],
) -> dict[str, frozenset[Process]]:
    """The processes each supplier among ``candidates`` runs."""
    runs: dict[str, set[Process]] = defaultdict(set)
    for process, found in candidates.items():
        for candidate in found:
            runs[candidate.supplier_code].add(process)
    return {code: frozenset(found) for code, found in runs.items()}


def per_unit(lines: Sequence[BomLine]) -> dict[str, dict[str, Decimal]]:
    """Every item's components per unit, all levels, scrap compounded.

    Items are taken deepest first (by low-level code), so each child is complete before its
    parents use it; the walk is iterative and a cycle raises :class:`BomCycleError`.
    """
    children: dict[str, list[BomLine]] = defaultdict(list)
    for line in lines:
        children[line.parent_sku].append(line)
    codes = low_level_codes(lines)
    done: dict[str, dict[str, Decimal]] = {}
    for sku in sorted(children, key=lambda sku: -codes[sku]):
        total: dict[str, Decimal] = defaultdict(Decimal)
        for line in children[sku]:
            gross = line.gross(_ONE)
            total[line.child_sku] += gross
            for below, amount in done.get(line.child_sku, {}).items():
                total[below] += gross * amount
        done[sku] = dict(total)
    return done


def product_of(
    product: Item,
    bom: Sequence[BomLine],
    items: Mapping[str, Item],
    options: Mapping[str, Sequence[Option]],
    processes: Mapping[str, frozenset[Process]],
) -> Product:
    """``product`` with its modules (in BOM order), their materials and processes, and its other
    components, from the BOM tree below it."""
    exploded = per_unit(bom)
    modules = tuple(
        Module(
            item,
            per,
            process_of(item, processes),
            exploded.get(item.sku, {}),
            {option.code: option for option in options.get(item.sku, ())},
        )
        for item, per in product_modules(bom, items, product.sku)
    )
    skus = {module.item.sku for module in modules}
    packaging: dict[str, Decimal] = defaultdict(Decimal)
    for line in bom:
        if line.parent_sku != product.sku or line.child_sku in skus:
            continue
        gross = line.gross(_ONE)
        packaging[line.child_sku] += gross
        for below, amount in exploded.get(line.child_sku, {}).items():
            packaging[below] += gross * amount
    return Product(
        product,
        modules,
        None if modules else process_of(product, processes),
        dict(packaging),
        product.sku in exploded,
    )


def material_lead(
    sku: str,
    items: Mapping[str, Item],
    terms: Mapping[str, Sequence[ItemSupplier]],
    today: date,
) -> tuple[int, str | None]:
    """Days until a material short in stock (or a bought product) arrives, and from whom: the
    item's default supplier's terms if valid ``today``, else the shortest valid terms, else the
    item's production cycle (no supplier)."""
    item = items.get(sku)
    valid = [t for t in terms.get(sku, ()) if t.is_valid_on(today)]
    default = item.default_supplier if item is not None else None
    preferred = [t for t in valid if t.supplier_code == default]
    pick = preferred or sorted(valid, key=lambda t: (t.lead_time_days, t.supplier_code))
    if pick:
        return pick[0].lead_time_days, pick[0].supplier_code
    return (item.production_cycle_days if item else 0), None
