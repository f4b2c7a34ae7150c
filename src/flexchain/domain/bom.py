"""Bills of materials: which components, how many, with how much scrap, and the checks on them.

Convention (as in Odoo and frePPLe): a line says how many ``child`` units one ``parent`` unit needs,
before scrap. The gross requirement of the child for ``n`` parents is::

    n * quantity * (1 + scrap_pct / 100)

and scrap compounds level by level: the grandchildren of a line are exploded from the child's gross
requirement. All walks here are iterative, so a 1000-level BOM does not hit the recursion limit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from flexchain.domain.catalog import Item, ItemKind, validate_sku
from flexchain.domain.errors import BomCycleError, NotFound, ValidationError
from flexchain.domain.values import QUANTITY_PLACES, percent, quantity

__all__ = [
    "BomLine",
    "check_acyclic",
    "explode",
    "find_cycle",
    "low_level_codes",
    "product_modules",
]

_HUNDRED = Decimal(100)


@dataclass(frozen=True)
class BomLine:
    """``quantity`` units of ``child_sku`` go into one unit of ``parent_sku``, plus scrap."""

    parent_sku: str
    child_sku: str
    quantity: Decimal
    scrap_pct: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        validate_sku(self.parent_sku, "parent_sku")
        validate_sku(self.child_sku, "child_sku")
        object.__setattr__(self, "quantity", quantity(self.quantity, allow_zero=False))
        scrap = percent(self.scrap_pct, "scrap_pct", places=QUANTITY_PLACES)
        if scrap >= _HUNDRED:
            raise ValidationError("scrap_pct", f"must be below 100, got {scrap}")
        object.__setattr__(self, "scrap_pct", scrap)

    @classmethod
    def trusted(
        cls, parent_sku: str, child_sku: str, quantity: Decimal, scrap_pct: Decimal
    ) -> BomLine:
        """A line from values already validated (read back from the database, where only valid
        lines are written): skips the checks, which cost more than the line at 500k lines."""
        line = object.__new__(cls)
        object.__setattr__(line, "parent_sku", parent_sku)
        object.__setattr__(line, "child_sku", child_sku)
        object.__setattr__(line, "quantity", quantity)
        object.__setattr__(line, "scrap_pct", scrap_pct)
        return line

    def gross(self, parent_quantity: Decimal) -> Decimal:
        """Child units needed for ``parent_quantity`` parents, scrap included."""
        return parent_quantity * self.quantity * (1 + self.scrap_pct / _HUNDRED)


def _children(lines: Iterable[BomLine]) -> dict[str, list[BomLine]]:
    children: dict[str, list[BomLine]] = defaultdict(list)
    for line in lines:
        children[line.parent_sku].append(line)
    for group in children.values():
        group.sort(key=lambda line: line.child_sku)  # deterministic walks, hence messages
    return children


def _cycle_from(
    children: Mapping[str, list[BomLine]], roots: Iterable[str]
) -> tuple[str, ...] | None:
    """First cycle met by depth-first walks from ``roots`` (iterative, so any depth is fine)."""
    done: set[str] = set()
    for root in roots:
        if root in done:
            continue
        path = [root]
        on_path = {root}
        pending = [iter(children.get(root, ()))]
        while pending:
            line = next(pending[-1], None)
            if line is None:
                pending.pop()
                finished = path.pop()
                on_path.remove(finished)
                done.add(finished)
                continue
            child = line.child_sku
            if child in on_path:
                return (*path[path.index(child) :], child)
            if child not in done:
                path.append(child)
                on_path.add(child)
                pending.append(iter(children.get(child, ())))
    return None


def find_cycle(lines: Iterable[BomLine]) -> tuple[str, ...] | None:
    """A cycle in the BOM as ``("A", "B", "C", "A")``, or ``None`` if there is none.

    A line whose parent is its own child is the cycle ``("A", "A")``.
    """
    children = _children(lines)
    return _cycle_from(children, sorted(children))


def check_acyclic(lines: Iterable[BomLine]) -> None:
    """Raise :class:`BomCycleError` naming the cycle if the BOM has one."""
    cycle = find_cycle(lines)
    if cycle is not None:
        raise BomCycleError(cycle)


def _topological(children: Mapping[str, list[BomLine]], nodes: Iterable[str]) -> list[str]:
    """``nodes`` parents-first (Kahn); raises :class:`BomCycleError` if they hold a cycle."""
    parents_left: dict[str, int] = dict.fromkeys(nodes, 0)
    for node in list(parents_left):
        for line in children.get(node, ()):
            parents_left[line.child_sku] += 1
    ready = sorted(node for node, count in parents_left.items() if count == 0)
    order: list[str] = []
    while ready:
        node = ready.pop()
        order.append(node)
        for line in children.get(node, ()):
            parents_left[line.child_sku] -= 1
            if parents_left[line.child_sku] == 0:
                ready.append(line.child_sku)
    if len(order) < len(parents_left):
        stuck = sorted(node for node, count in parents_left.items() if count > 0)
        cycle = _cycle_from(children, stuck)
        assert cycle is not None  # Kahn stalls only on a cycle
        raise BomCycleError(cycle)
    return order


def low_level_codes(lines: Iterable[BomLine]) -> dict[str, int]:
    """The MRP low-level code of every item in the BOM.

    Top-level items (never a component) get 0; any other item gets the length of the *longest*
    path from a top-level item down to it, so MRP can net each item once, after all its parents.

    Raises
    ------
    BomCycleError
        The BOM has a cycle (low-level codes are then undefined).
    """
    lines = list(lines)
    children = _children(lines)
    nodes = {line.parent_sku for line in lines} | {line.child_sku for line in lines}
    codes = dict.fromkeys(nodes, 0)
    for node in _topological(children, nodes):
        for line in children.get(node, ()):
            codes[line.child_sku] = max(codes[line.child_sku], codes[node] + 1)
    return codes


def explode(lines: Iterable[BomLine], sku: str, qty: Decimal | int | str) -> dict[str, Decimal]:
    """Total gross requirement of every component below ``qty`` units of ``sku``, at all levels.

    A component reached through several parents (or several paths) gets the sum of them; scrap is
    applied on every line along each path. ``sku`` itself is not in the result; an item with no
    BOM gives ``{}``. Results are exact decimals: round them to the item's unit where you order.

    >>> lines = [
    ...     BomLine("TEE", "BODY", Decimal(1), scrap_pct=Decimal(10)),
    ...     BomLine("BODY", "FABRIC", Decimal(2)),
    ... ]
    >>> explode(lines, "TEE", 5)
    {'BODY': Decimal('5.5'), 'FABRIC': Decimal('11.0')}

    Raises
    ------
    BomCycleError
        ``sku`` reaches a cycle.
    """
    amount = quantity(qty)
    children = _children(lines)
    reachable = {sku}
    frontier = [sku]
    while frontier:
        for line in children.get(frontier.pop(), ()):
            if line.child_sku not in reachable:
                reachable.add(line.child_sku)
                frontier.append(line.child_sku)
    required: dict[str, Decimal] = defaultdict(Decimal)
    required[sku] = amount
    for node in _topological(children, reachable):
        for line in children.get(node, ()):
            required[line.child_sku] += line.gross(required[node])
    del required[sku]
    return dict(sorted(required.items()))


def product_modules(
    lines: Iterable[BomLine], items: Mapping[str, Item], product_sku: str
) -> list[tuple[Item, Decimal]]:
    """The modules a product is directly built from, with the quantity of each per product.

    Components that are not modules (raw materials, packaging) are left out; a module on two
    lines counts once with the quantities summed. Order follows the BOM lines.

    Raises
    ------
    NotFound
        A component of ``product_sku`` is not in ``items``.
    """
    per_module: dict[str, Decimal] = {}
    for line in lines:
        if line.parent_sku != product_sku:
            continue
        item = items.get(line.child_sku)
        if item is None:
            raise NotFound(
                f"item '{line.child_sku}' (a component of '{product_sku}') is not in the catalog"
            )
        if item.kind is ItemKind.MODULE:
            per_module[item.sku] = per_module.get(item.sku, Decimal(0)) + line.quantity
    return [(items[module_sku], amount) for module_sku, amount in per_module.items()]
