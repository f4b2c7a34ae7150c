"""The catalog: items (finished products, modules, raw materials, packaging), SKU rules, options.

A finished product is built from modules. A *standard* module is generic and stocked; a *custom*
module is made to order from the :class:`Option` the customer picks (a colour, an engraving).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Final

from flexchain.domain.checks import choice, code, optional_code, text, whole_number
from flexchain.domain.errors import ValidationError
from flexchain.domain.values import currency_code, money, quantity, round_order_quantity

__all__ = [
    "UOMS",
    "Item",
    "ItemKind",
    "ModuleType",
    "Option",
    "SkuRule",
    "check_sku_rule",
    "validate_sku",
]

UOMS: Final = ("pcs", "m", "m2", "kg", "g", "l", "roll", "set", "pair", "box")
"""Units of measure an item may be counted in."""

MAX_LEAD_TIME_CUT_DAYS: Final = 365


class ItemKind(StrEnum):
    FINISHED = "finished"
    MODULE = "module"
    RAW = "raw"
    PACKAGING = "packaging"


class ModuleType(StrEnum):
    STANDARD = "standard"
    """Generic and stockable: reserved from stock when an order comes in."""
    CUSTOM = "custom"
    """Made to order from the option the customer chooses."""


def validate_sku(sku: object, field: str = "sku") -> str:
    """A SKU: 1-64 characters of ``A-Z a-z 0-9 - _ .`` (the same rule for every kind of item)."""
    return code(sku, field)


@dataclass
class Item:
    """Something we sell, build, buy or pack, identified by its SKU.

    ``moq`` and ``order_multiple`` are in ``uom``; prices are in ``currency``. Construction
    validates and normalises (UoM lower-case, currency upper-case, enums from their values); call
    :meth:`validate` again after changing fields.
    """

    sku: str
    name: str
    kind: ItemKind
    uom: str = "pcs"
    family: str = ""
    attributes: dict[str, str] = field(default_factory=dict)
    module_type: ModuleType | None = None
    production_cycle_days: int = 0
    moq: Decimal = Decimal(0)
    order_multiple: Decimal = Decimal(1)
    default_supplier: str | None = None
    list_price: Decimal | None = None
    standard_cost: Decimal | None = None
    currency: str = "EUR"
    active: bool = True

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Check every field; raises :class:`ValidationError` naming the first bad one."""
        self.sku = validate_sku(self.sku)
        self.name = text(self.name, "name")
        self.kind = choice(ItemKind, self.kind, "kind")
        uom = self.uom.strip().lower() if isinstance(self.uom, str) else self.uom
        if uom not in UOMS:
            raise ValidationError("uom", f"unknown unit {self.uom!r}; use one of {', '.join(UOMS)}")
        self.uom = uom
        self.family = text(self.family, "family", max_length=64, required=False)
        self.attributes = _attributes(self.attributes)
        self._validate_module_type()
        self.production_cycle_days = whole_number(
            self.production_cycle_days, "production_cycle_days"
        )
        self.moq = quantity(self.moq, "moq")
        self.order_multiple = quantity(self.order_multiple, "order_multiple", allow_zero=False)
        self.default_supplier = optional_code(self.default_supplier, "default_supplier")
        if self.list_price is not None:
            self.list_price = money(self.list_price, "list_price")
        if self.standard_cost is not None:
            self.standard_cost = money(self.standard_cost, "standard_cost")
        self.currency = currency_code(self.currency)
        if not isinstance(self.active, bool):
            raise ValidationError("active", f"expected true or false, got {self.active!r}")

    def _validate_module_type(self) -> None:
        if self.kind is ItemKind.MODULE:
            if self.module_type is None:
                raise ValidationError("module_type", "required for a module: standard or custom")
            self.module_type = choice(ModuleType, self.module_type, "module_type")
        elif self.module_type is not None:
            raise ValidationError(
                "module_type", f"only modules have a module type; this item is {self.kind}"
            )

    @property
    def is_custom_module(self) -> bool:
        return self.module_type is ModuleType.CUSTOM

    def round_quantity(self, qty: Decimal) -> Decimal:
        """``qty`` raised to the item's MOQ and then up to its order multiple (0 stays 0)."""
        return round_order_quantity(quantity(qty), self.moq, self.order_multiple)


def _attributes(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ValidationError("attributes", f"expected a mapping of names to text, got {value!r}")
    for key, attribute in value.items():
        if not isinstance(key, str) or not key.strip():
            raise ValidationError("attributes", f"attribute names must be text, got {key!r}")
        if not isinstance(attribute, str):
            raise ValidationError(f"attributes.{key}", f"expected text, got {attribute!r}")
    return {key.strip(): attribute.strip() for key, attribute in value.items()}


_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(\??)\}")
_SKU_TEXT = re.compile(r"[A-Za-z0-9._-]*")


@dataclass(frozen=True)
class SkuRule:
    """How the SKUs of a family are built from the item's attributes.

    ``pattern`` mixes literal text with placeholders: ``{family}`` is the item's family, any other
    ``{name}`` is ``attributes[name]``. A placeholder written ``{name?}`` is optional: when the item
    has no such attribute, the placeholder is dropped together with the separator before it (for
    the first placeholder, the separator after it), so ``{family}-{colour}-{size?}`` gives
    ``TEE-RED-M`` or ``TEE-RED``. Values are upper-cased and lose their spaces.
    """

    pattern: str

    def __post_init__(self) -> None:
        pattern = self.pattern
        if not isinstance(pattern, str) or not _PLACEHOLDER.search(pattern):
            raise ValidationError("pattern", f"{pattern!r} has no placeholder like {{family}}")
        for literal in _PLACEHOLDER.split(pattern)[::3]:
            if not _SKU_TEXT.fullmatch(literal):
                raise ValidationError(
                    "pattern",
                    f"{literal!r} in {pattern!r}: literal text may only use A-Z, a-z, 0-9, "
                    "'-', '_', '.'; placeholders look like {name} or {name?}",
                )

    def _segments(self) -> tuple[list[str], list[tuple[str, bool]]]:
        """Literals ``[lit0, lit1, ..., litN]`` and placeholders ``[(name, optional), ...]``."""
        parts = _PLACEHOLDER.split(self.pattern)
        literals = parts[::3]
        placeholders = [
            (name, bool(mark)) for name, mark in zip(parts[1::3], parts[2::3], strict=True)
        ]
        return literals, placeholders

    def placeholders(self) -> tuple[str, ...]:
        """Placeholder names in pattern order, without the ``?`` of optional ones."""
        return tuple(name for name, _ in self._segments()[1])

    def render(self, item: Item) -> str:
        """The SKU ``item`` should have under this rule."""
        literals, placeholders = self._segments()
        pieces = [literals[0]]
        first = True
        for index, (name, optional) in enumerate(placeholders):
            value = self._value(item, name, optional)
            if value is None:
                continue
            pieces.append(("" if first else literals[index]) + value)
            first = False
        pieces.append(literals[-1])
        return validate_sku("".join(pieces))

    def _value(self, item: Item, name: str, optional: bool) -> str | None:
        where = "family" if name == "family" else f"attributes.{name}"
        raw = item.family if name == "family" else item.attributes.get(name, "")
        value = "".join(raw.split()).upper()
        if not value:
            if optional:
                return None
            raise ValidationError(where, f"required by SKU rule {self.pattern}")
        if not _SKU_TEXT.fullmatch(value):
            raise ValidationError(
                where, f"{raw!r} cannot be part of a SKU: use letters, digits, '-', '_', '.'"
            )
        return value

    def check(self, item: Item) -> None:
        """Raise :class:`ValidationError` on ``sku`` unless it is what :meth:`render` gives."""
        expected = self.render(item)
        if item.sku != expected:
            raise ValidationError(
                "sku", f"'{item.sku}' does not follow {self.pattern}: expected '{expected}'"
            )


def check_sku_rule(item: Item, rules: Mapping[str, SkuRule]) -> None:
    """Raise :class:`ValidationError` unless ``item`` follows the SKU rule of its kind
    (``rules``: by item kind, the installation's ``Settings.sku_rules``).

    An item without a family follows no rule (there is nothing to build its SKU from); one with a
    family must have the SKU the rule renders (on ``sku``) and every attribute the rule requires
    (on ``attributes.NAME``).

    >>> tee = Item("WHATEVER-123", "Tee", "finished", family="TEE",
    ...            attributes={"material": "COT", "colour": "NAVY"})
    >>> try:
    ...     check_sku_rule(tee, {"finished": SkuRule("{family}-{material}-{colour}")})
    ... except ValidationError as error:
    ...     print(error)
    sku: 'WHATEVER-123' does not follow {family}-{material}-{colour}: expected 'TEE-COT-NAVY'
    """
    rule = rules.get(item.kind.value)
    if rule is not None and item.family:
        rule.check(item)


@dataclass
class Option:
    """A choice offered for a custom module, with its effect on price and lead time.

    ``price_delta`` may be negative (a cheaper material); ``lead_time_delta_days`` may be negative
    (a faster process) but not below -365.
    """

    module_sku: str
    code: str
    name: str
    price_delta: Decimal = Decimal(0)
    lead_time_delta_days: int = 0
    currency: str = "EUR"

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        self.module_sku = validate_sku(self.module_sku, "module_sku")
        self.code = code(self.code, "code")
        self.name = text(self.name, "name")
        self.price_delta = money(self.price_delta, "price_delta", allow_negative=True)
        self.lead_time_delta_days = whole_number(
            self.lead_time_delta_days, "lead_time_delta_days", minimum=-MAX_LEAD_TIME_CUT_DAYS
        )
        self.currency = currency_code(self.currency)
