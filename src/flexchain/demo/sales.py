"""The demo brand's last twelve weeks of sales, as its web shop took them: orders placed (most of
one product, a few of two or three), their customisations (the dye, embroidery, print, fit or
engraving a customer picked for the product's custom modules), and what then happened to each —
cancelled within hours, a supplier's job delayed, shipped some hours after it was ready,
delivered a few days later, an issue reported on a few. Pure and seeded: the events only;
:mod:`flexchain.services.demo_orders` replays them through the storefront intake and the job
and order services, so every order KPI of the demo comes from real records.

Products are drawn in proportion to their last twelve weeks of demand history, so the orders
follow the demand the plans forecast; a few orders placed after a new product is on sale are
for it instead (:mod:`flexchain.demo.launches`).
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np

from flexchain.demo.data import DemoData

if TYPE_CHECKING:
    from flexchain.demo.launches import Launch

__all__ = [
    "WEEKS",
    "Product",
    "Sale",
    "SaleLine",
    "products_of",
    "sale_count",
    "sales",
]

WEEKS = 12
"""How far back the sales go (the control tower's default KPI window)."""
MOST, FEW = 150, 10
"""Orders drawn at the demo's default size and above, and at the least."""
NO_WORK = "NONE"
"""The option code that leaves a custom module out (as in :mod:`flexchain.domain.allocation`)."""
CANCEL_SHARE = 0.04
"""Orders the customer cancels within hours (each share is an exact quota of the orders)."""
DELAY_SHARE = 0.07
"""Orders placed before :data:`AT_RISK` one of whose supplier jobs is delayed (they ship
late)."""
AT_RISK = (timedelta(days=26), timedelta(days=16))
"""Orders placed this long before ``now`` are promised about now (the suppliers' lead times are
around three weeks): :data:`AT_RISK_ORDERS` of them are delayed and still open, the decision
inbox's orders at risk. Newer orders are not delayed: they are still in production."""
AT_RISK_ORDERS = 3
SLOW_PACK_SHARE = 0.02
"""Orders the warehouse ships some days late."""
ISSUE_SHARE = 0.04
LAUNCH_ORDERS = 3
"""Orders given to each launched product (:mod:`flexchain.demo.launches`) at most: the first one
placed once it is on sale, and others drawn after it."""
_NAMES = ("Ana Silva", "Ben Carter", "Chloé Martin", "David Roth", "Eva Novak", "Finn Larsen",
          "Greta Weiss", "Hugo Moreau", "Ines Costa", "Jonas Berg", "Klara Horvat", "Luca Rossi",
          "Mia Jensen", "Noah Fischer", "Olivia Brown", "Pablo Ruiz")  # fmt: skip
_CITIES = (("Lisboa", "PT", "1100-048"), ("Berlin", "DE", "10115"), ("Lyon", "FR", "69001"),
           ("Milano", "IT", "20121"), ("Amsterdam", "NL", "1012"), ("Wien", "AT", "1010"),
           ("Madrid", "ES", "28013"), ("København", "DK", "1050"))  # fmt: skip
_TEXTS = ("Ana", "For Leo", "M & J", "Trail 2026", "Carpe diem", "Oma", "Summit crew", "K.B.")


@dataclass(frozen=True)
class Product:
    """A finished product as the shop sells it: its custom modules (by name) and the options
    of each (code, name)."""

    sku: str
    name: str
    price: Decimal
    custom: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]


@dataclass(frozen=True)
class SaleLine:
    sku: str
    title: str
    quantity: int
    unit_price: Decimal
    properties: tuple[tuple[str, str], ...]
    """(module name, the customer's choice: an option's name, or free text for a text option)."""
    custom: bool
    """Some custom module has work (an option other than "none")."""


@dataclass(frozen=True)
class Sale:
    """One web-shop order and what happened to it (times are drawn; the replay keeps those
    before its ``now``)."""

    number: int
    """The shop's order number (``#1001``)."""
    external_id: int
    placed_at: datetime
    customer: str
    email: str
    city: tuple[str, str, str]
    lines: tuple[SaleLine, ...]
    cancelled_at: datetime | None
    """The customer cancelled (before any work started)."""
    release_hours: int
    """Hours after the order until its jobs are released to their suppliers."""
    delay_days: int
    """Days one of its jobs is delayed by (0: none)."""
    pack_days: int
    """Extra days the warehouse takes to ship it (0: ships the day it is ready, or the next)."""
    ship_hours: int
    """Hours from ready to shipped."""
    transit_days: int
    issue: str | None
    """An issue the customer reports after delivery: ``damaged`` or ``wrong_customisation``."""

    @property
    def custom(self) -> bool:
        return any(line.custom for line in self.lines)

    @property
    def subtotal(self) -> Decimal:
        return sum((line.unit_price * line.quantity for line in self.lines), Decimal(0))


def sale_count(items: int) -> int:
    """Orders to draw for a demo of ``items`` products: five for every two products, at least
    :data:`FEW`, at most :data:`MOST` (a large demo gets as many orders as the default one:
    their replay takes seconds, not minutes)."""
    return min(MOST, max(FEW, 5 * items // 2))


def products_of(data: DemoData) -> list[Product]:
    """The demo's finished products with their custom modules and options, in catalogue order."""
    items = data.tables["items"]
    custom = {row["sku"]: row["name"] for row in items if row.get("module_type") == "custom"}
    options: dict[str, list[tuple[str, str]]] = {}
    for row in data.tables["options"]:
        options.setdefault(row["module_sku"], []).append((row["code"], row["name"]))
    modules: dict[str, list[str]] = {}
    for row in data.tables["bom"]:
        if row["child_sku"] in custom:
            modules.setdefault(row["parent_sku"], []).append(row["child_sku"])
    return [
        Product(
            row["sku"],
            row["name"],
            Decimal(row["list_price"]),
            tuple((custom[m], tuple(options.get(m, ()))) for m in modules.get(row["sku"], ())),
        )
        for row in items
        if row["kind"] == "finished"
    ]


def _choice(module: str, options: tuple[tuple[str, str], ...], colour: str, rng: random.Random
            ) -> tuple[str, bool]:  # fmt: skip
    """What a customer picks for one custom module: (the property value, whether it is work)."""
    codes = {code: name for code, name in options}
    if colour in codes and rng.random() < 0.85:  # a plant-dyed tee is dyed in its colour
        return codes[colour], colour != NO_WORK
    if NO_WORK in codes and rng.random() < 0.55:
        return codes[NO_WORK], False
    code, name = rng.choice(options)
    if code == "TEXT":
        return rng.choice(_TEXTS), True
    return name, code != NO_WORK


def _line(product: Product, rng: random.Random) -> SaleLine:
    colour = product.sku.split("-")[2] if product.sku.count("-") >= 2 else ""
    properties, custom, price = [], False, product.price
    for module, options in product.custom:
        if not options:
            continue
        value, work = _choice(module, options, colour, rng)
        properties.append((module, value))
        custom = custom or work
    quantity = rng.choices((1, 2, 3), weights=(80, 15, 5))[0]
    return SaleLine(product.sku, product.name, quantity, price, tuple(properties), custom)


def sales(
    data: DemoData,
    *,
    now: datetime,
    seed: int = 7,
    weeks: int = WEEKS,
    count: int | None = None,
    launches: Sequence[Launch] = (),
) -> list[Sale]:
    """Orders over the ``weeks`` weeks before ``now`` (``count``: default :func:`sale_count`
    of the demo's products), oldest first, numbered in that order. A few placed after a product
    of ``launches`` is on sale are orders of it instead (:data:`LAUNCH_ORDERS` each, drawn
    apart: the other orders are the same with or without launches)."""
    rng = random.Random(seed + 2)
    products = products_of(data)
    demand = data.demand.quantities[:, -weeks:].sum(axis=1)
    weights = (np.asarray(demand, dtype=float) + 1.0).tolist()
    count = sale_count(len(products)) if count is None else count
    first = now - timedelta(weeks=weeks)
    span = int(timedelta(weeks=weeks).total_seconds()) - 3 * 3600
    placed = sorted(_daytime(first + timedelta(seconds=rng.randrange(span)), now, rng)
                    for _ in range(count))  # fmt: skip
    fates = _fates(placed, now, rng)
    result = []
    for index, at in enumerate(placed):
        picked = rng.choices(products, weights=weights, k=rng.choices((1, 2, 3), (75, 20, 5))[0])
        lines = tuple(_line(product, rng) for product in dict.fromkeys(picked))
        result.append(_sale(index, at, lines, fates[index], rng))
    return _launch_orders(result, launches, random.Random(seed + 5))


def _launch_orders(result: list[Sale], launches: Sequence[Launch], rng: random.Random
                   ) -> list[Sale]:  # fmt: skip
    """``result`` with some orders placed after each launch's day on sale (neither cancelled
    nor with an issue to report) made orders of the launched product: one line, one or two."""
    taken: set[int] = set()
    for launch in launches:
        after = [
            i
            for i, sale in enumerate(result)
            if sale.placed_at >= launch.on_sale
            and sale.cancelled_at is None
            and sale.issue is None
            and i not in taken
        ]
        if not after:
            continue
        picked = [after[0], *rng.sample(after[1:], min(len(after) - 1, LAUNCH_ORDERS - 1))]
        product = launch.product
        for index in picked:
            quantity = rng.choices((1, 2), weights=(85, 15))[0]
            line = SaleLine(product.sku, product.name, quantity, product.price, (), False)
            result[index] = dataclasses.replace(result[index], lines=(line,))
            taken.add(index)
    return result


def _daytime(at: datetime, now: datetime, rng: random.Random) -> datetime:
    """Few orders come in at night: one drawn then comes in during the day."""
    if time(7) <= at.time() <= time(23):
        return at
    return min(at.replace(hour=rng.randint(8, 22)), now - timedelta(hours=3))


def _quota(indexes: list[int], share: float, rng: random.Random) -> set[int]:
    return set(rng.sample(indexes, min(len(indexes), round(share * len(indexes)))))


def _fates(placed: list[datetime], now: datetime, rng: random.Random) -> list[dict[str, Any]]:
    """Per order, what goes wrong: cancelled, a job delayed (days), slow packing, an issue."""
    orders = list(range(len(placed)))
    older = [i for i in orders if placed[i] < now - AT_RISK[0]]
    due_now = [i for i in orders if now - AT_RISK[0] <= placed[i] < now - AT_RISK[1]]
    cancelled = _quota(orders, CANCEL_SHARE, rng)
    delayed = _quota(older, DELAY_SHARE, rng) | set(
        rng.sample(due_now, min(len(due_now), AT_RISK_ORDERS))
    )
    kept = [i for i in orders if i not in cancelled]
    slow = _quota([i for i in kept if i not in delayed], SLOW_PACK_SHARE, rng)
    issues = _quota(kept, ISSUE_SHARE, rng)
    return [
        {
            "cancelled": i in cancelled,
            "delay": rng.randint(4, 8) if i in delayed else 0,
            "slow": rng.randint(2, 4) if i in slow else 0,
            "issue": i in issues,
        }
        for i in orders
    ]


def _sale(
    index: int, placed: datetime, lines: tuple[SaleLine, ...], fate: dict[str, Any],
    rng: random.Random,
) -> Sale:  # fmt: skip
    name = rng.choice(_NAMES)
    custom = any(line.custom for line in lines)
    kinds = ("damaged", "wrong_customisation") if custom else ("damaged",)
    return Sale(
        number=1001 + index,
        external_id=5_300_000_000_000 + 7919 * (index + 1),
        placed_at=placed,
        customer=name,
        email=f"{name.split()[0].lower()}.{index + 1}@customers.example",
        city=rng.choice(_CITIES),
        lines=lines,
        cancelled_at=placed + timedelta(minutes=rng.randint(20, 100))
        if fate["cancelled"]
        else None,
        release_hours=rng.randint(2, 8),
        delay_days=fate["delay"],
        pack_days=fate["slow"],
        ship_hours=rng.randint(2, 20),
        transit_days=rng.randint(1, 4),
        issue=rng.choice(kinds) if fate["issue"] else None,
    )


def shopify_json(sale: Sale, *, updated_at: datetime, cancelled: bool = False) -> dict[str, Any]:
    """The order as Shopify's ``orders/create`` (or ``orders/cancelled``) webhook sends it."""
    city, country, zip_code = sale.city
    subtotal = sale.subtotal
    shipping = Decimal("0.00") if subtotal >= 100 else Decimal("5.90")
    tax = (subtotal * Decimal("0.23") / Decimal("1.23")).quantize(Decimal("0.01"))
    first, last = sale.customer.split(" ", 1)
    return {
        "id": sale.external_id,
        "name": f"#{sale.number}",
        "order_number": sale.number,
        "email": sale.email,
        "currency": "EUR",
        "created_at": sale.placed_at.isoformat(),
        "updated_at": updated_at.isoformat(),
        "cancelled_at": updated_at.isoformat() if cancelled else None,
        "financial_status": "refunded" if cancelled else "paid",
        "subtotal_price": f"{subtotal:.2f}",
        "total_tax": f"{tax:.2f}",
        "total_discounts": "0.00",
        "total_price": f"{subtotal + shipping:.2f}",
        "shipping_lines": [{"title": "Standard", "code": "standard", "price": f"{shipping:.2f}"}],
        "customer": {"first_name": first, "last_name": last, "email": sale.email},
        "shipping_address": {"first_name": first, "last_name": last, "address1": "Main street 1",
                             "city": city, "zip": zip_code, "country_code": country},
        "line_items": [
            {
                "id": sale.external_id * 10 + n,
                "sku": line.sku,
                "title": line.title,
                "quantity": line.quantity,
                "price": f"{line.unit_price:.2f}",
                "properties": [{"name": k, "value": v} for k, v in line.properties],
            }
            for n, line in enumerate(sale.lines, 1)
        ],
    }  # fmt: skip
