"""Issues reported on orders that reached the customer: damaged, wrong customisation,
incomplete, or something else. They are what the perfect order rate counts besides on time and
complete (an order is perfect when it was on time, in full, and has no issue).

The rules, pure:

* an issue is reported only on an order that has shipped or was delivered — before that
  nothing can have arrived damaged;
* on one line of the order (by its SKU; the line must be on the order) or on the whole order;
* a quantity, when given, is at least 1 and at most the line's quantity (the order's units
  when on the whole order), and the units reported with the same kind on the same line never
  add up to more than the line holds;
* the note is at most :data:`MAX_NOTE` characters; an ``other`` issue needs one (it is the
  only place saying what went wrong).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Final

from flexchain.domain.checks import choice, text
from flexchain.domain.errors import DomainError, ValidationError, format_decimal
from flexchain.domain.orders import OrderStatus
from flexchain.domain.values import quantity as parse_quantity

__all__ = [
    "MAX_NOTE",
    "REPORTABLE",
    "IssueKind",
    "IssueLine",
    "NewIssue",
    "check_issue",
    "check_reportable",
    "issue_kind",
]

MAX_NOTE: Final = 500
"""The longest note an issue keeps (what the customer said, in a few sentences)."""

REPORTABLE: Final = frozenset({OrderStatus.SHIPPED, OrderStatus.DELIVERED})
"""The statuses of an order something can have arrived wrong in."""


class IssueKind(StrEnum):
    """What went wrong with what the customer received."""

    DAMAGED = "damaged"
    WRONG_CUSTOMISATION = "wrong_customisation"
    INCOMPLETE = "incomplete"
    OTHER = "other"


@dataclass(frozen=True)
class IssueLine:
    """A line of the order as the rules need it: its SKU, its quantity, and the units already
    reported on it per kind."""

    line_id: int
    sku: str
    quantity: Decimal
    reported: dict[IssueKind, Decimal]


@dataclass(frozen=True)
class NewIssue:
    """An issue that passed every rule, ready to store."""

    kind: IssueKind
    line_id: int | None
    sku: str | None
    quantity: Decimal | None
    note: str


def issue_kind(value: object) -> IssueKind:
    """The kind from its name (case-insensitive), or a :class:`ValidationError` listing them."""
    return choice(IssueKind, value, "kind")


def check_reportable(order: str, status: str) -> None:
    """Refuse an issue on ``order`` while it has not left (or was cancelled)."""
    if status in REPORTABLE:
        return
    if status == OrderStatus.CANCELLED:
        raise DomainError(f"order {order} was cancelled: nothing was sent, nothing can be wrong")
    raise DomainError(f"order {order} has not shipped: nothing can have arrived damaged yet")


def _line(order: str, lines: list[IssueLine], sku: str) -> IssueLine:
    wanted = sku.strip()
    for line in lines:
        if line.sku == wanted:
            return line
    for line in lines:  # SKUs are codes: a different case is a typo, not another item
        if line.sku.lower() == wanted.lower():
            return line
    on_order = ", ".join(sorted({line.sku for line in lines})) or "none"
    raise ValidationError("sku", f"{wanted!r} is not on order {order} (its SKUs: {on_order})")


def _quantity(value: object, line: IssueLine | None, kind: IssueKind, units: Decimal) -> Decimal:
    amount = parse_quantity(value, "quantity")
    most = line.quantity if line is not None else units
    where = f"line {line.sku}" if line is not None else "the order"
    if amount < 1 or amount > most:
        raise ValidationError(
            "quantity",
            f"must be between 1 and {format_decimal(most)} (the units of {where}), "
            f"got {format_decimal(amount)}",
        )
    already = line.reported.get(kind, Decimal(0)) if line is not None else Decimal(0)
    if line is not None and already + amount > line.quantity:
        raise ValidationError(
            "quantity",
            f"{format_decimal(already)} of line {line.sku}'s {format_decimal(line.quantity)} "
            f"units are already reported {kind.value}: at most "
            f"{format_decimal(line.quantity - already)} more",
        )
    return amount


def check_issue(
    order: str,
    status: str,
    lines: list[IssueLine],
    *,
    kind: object,
    sku: str | None = None,
    quantity: object = None,
    note: object = "",
) -> NewIssue:
    """Check a report on ``order`` (its name for messages, its ``status`` and ``lines``) and
    return what to store; raise a :class:`DomainError` naming the rule broken.

    >>> line = IssueLine(7, "TEE-RED", Decimal(3), {})
    >>> check_issue("#1001", "delivered", [line], kind="damaged", sku="TEE-RED", quantity="2")
    NewIssue(kind=<IssueKind.DAMAGED: 'damaged'>, line_id=7, sku='TEE-RED', quantity=Decimal('2'), note='')
    """  # noqa: E501
    check_reportable(order, status)
    chosen = issue_kind(kind)
    words = text("" if note is None else note, "note", max_length=MAX_NOTE, required=False)
    if chosen is IssueKind.OTHER and not words:
        raise ValidationError("note", "required for an 'other' issue: say what went wrong")
    line = _line(order, lines, sku) if sku is not None and sku.strip() else None
    units = sum((each.quantity for each in lines), Decimal(0))
    amount = None
    if quantity is not None and quantity != "":
        amount = _quantity(quantity, line, chosen, units)
    return NewIssue(
        kind=chosen,
        line_id=line.line_id if line else None,
        sku=line.sku if line else None,
        quantity=amount,
        note=words,
    )
