"""The new products the demo brand launches during its last twelve weeks of sales: a new colour of
an existing product, entered in the catalogue on a past day (its design done), on sale in the
web shop one to three weeks later, and made to order by one workshop from then on. Pure and
seeded: the catalogue rows and the days only; :mod:`flexchain.services.demo_launches` enters
them during the replay of the orders (:mod:`flexchain.services.demo_orders`), and
:func:`flexchain.demo.sales.sales` gives a few of the orders placed after a launch to it, so
the demo's design-to-production time comes from a real catalogue entry and real jobs.

A launched product is *made* rather than assembled from modules: it has no modules of its own
(its BOM is its sibling's standard modules' materials, and the sibling's packaging), and its
workshop makes it whole (the item's ``process`` attribute), so each order of it is a production
job for the product itself (the design-to-production time counts a product's own jobs). It has
no custom options: a launch colour is sold as it is.
"""

from __future__ import annotations

import math
import random
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from flexchain.demo.data import DemoData, Row
from flexchain.demo.sales import WEEKS, Product

__all__ = ["LINEUP", "Launch", "LaunchPlan", "launches"]

ON_SALE_DAYS = (7, 21)
"""Days from a product's catalogue entry to its first day on sale in the shop (least, most)."""


@dataclass(frozen=True)
class LaunchPlan:
    """A product to launch: a new ``colour`` of the first product of ``family`` (of ``size``,
    for a sized family: a first run in the size that sells most), named ``name``, made whole by
    ``maker`` running ``process``, entered about ``weeks_ago`` weeks before the replay's end."""

    family: str
    colour: str
    name: str
    maker: str
    process: str
    weeks_ago: int
    size: str | None = None


LINEUP = (
    LaunchPlan("KRG", "BLACK", "Engraved key tag, blackened", "ENGR-ES", "engraving", 10),
    LaunchPlan("CRD", "FOREST", "Card holder, forest green", "SEW-PT", "sewing", 8),
    LaunchPlan("TEE", "SAGE", "Organic pocket tee, sage, M", "SEW-PT", "sewing", 6, "M"),
)
"""What the demo brand launches, oldest first (a plan whose family the demo lacks is left out)."""


@dataclass(frozen=True)
class Launch:
    """A launched product: the catalogue rows entered on ``entered_at`` (its item, BOM and its
    maker's terms) and the first moment the shop sells it."""

    product: Product
    sibling: str
    """The existing product it is a new colour of."""
    entered_at: datetime
    on_sale: datetime
    items: tuple[Row, ...]
    bom: tuple[Row, ...]
    item_suppliers: tuple[Row, ...]


def launches(data: DemoData, *, now: datetime, seed: int = 7, weeks: int = WEEKS) -> list[Launch]:
    """The :data:`LINEUP` products whose family ``data`` has, entered during the ``weeks``
    weeks before ``now`` (oldest first)."""
    rng = random.Random(seed + 13)
    items = {row["sku"]: row for row in data.tables["items"]}
    bom: dict[str, list[Row]] = defaultdict(list)
    for row in data.tables["bom"]:
        bom[row["parent_sku"]].append(row)
    suppliers = {row["code"]: row for row in data.tables["suppliers"]}
    result = []
    for plan in LINEUP:
        sibling = _sibling(data.tables["items"], plan)
        entered = now - timedelta(weeks=min(plan.weeks_ago, weeks - 2), days=rng.randint(0, 3))
        entered = datetime.combine(entered.date(), time(rng.randint(9, 16)), entered.tzinfo)
        on_sale = entered + timedelta(days=rng.randint(*ON_SALE_DAYS), hours=rng.randint(0, 6))
        if sibling is None or plan.maker not in suppliers:
            continue
        attributes = {**sibling["attributes"], "colour": plan.colour, "process": plan.process}
        if plan.size is not None and "size" in attributes:
            attributes["size"] = plan.size
        sku = _sku(sibling, attributes)
        if sku in items:
            continue
        result.append(_launch(plan, sku, attributes, sibling, items, bom, suppliers[plan.maker],
                              entered, on_sale))  # fmt: skip
    return result


def _sibling(rows: list[Row], plan: LaunchPlan) -> Row | None:
    """The first finished product of the plan's family (of its size, if the demo has it)."""
    family = [row for row in rows if row["kind"] == "finished" and row.get("family") == plan.family]
    sized = [row for row in family if row["attributes"].get("size") == plan.size]
    return next(iter(sized or family), None)


def _sku(sibling: Row, attributes: dict[str, str]) -> str:
    """The sibling's SKU with its colour and size replaced by those of ``attributes``, whatever
    the separators of the SKU rule (a colour its SKU does not show is appended)."""
    parts = re.split(r"([^0-9A-Za-z]+)", sibling["sku"])
    for name in ("size", "colour"):
        old, new = sibling["attributes"].get(name), attributes.get(name)
        words = parts[::2]  # the separators are at the odd places
        if old is not None and old in words:
            parts[2 * (len(words) - 1 - words[::-1].index(old))] = str(new)
        elif name == "colour":
            parts += ["-", str(new)]
    return "".join(parts)


def _launch(
    plan: LaunchPlan,
    sku: str,
    attributes: dict[str, str],
    sibling: Row,
    items: dict[str, Row],
    bom: dict[str, list[Row]],
    maker: Row,
    entered: datetime,
    on_sale: datetime,
) -> Launch:
    """The product's rows: the sibling's item with the new colour, made by the plan's maker;
    its materials those of the sibling's standard modules (custom modules left out: nothing to
    choose), its packaging the sibling's; its standard cost the sibling's without the custom
    modules; the maker's terms for it at the cost of the work it takes over."""
    materials: dict[str, Decimal] = {}
    scrap: dict[str, Decimal] = {}
    custom = work = Decimal(0)
    for line in bom[sibling["sku"]]:
        child = items[line["child_sku"]]
        per = Decimal(line["quantity"])
        if child["kind"] != "module":
            parts = [(child["sku"], per, Decimal(line["scrap_pct"]))]
        elif child.get("module_type") == "custom":
            custom += Decimal(child["standard_cost"]) * per
            parts = []
        else:
            work += Decimal(child["standard_cost"]) * per
            parts = [(part["child_sku"], per * Decimal(part["quantity"]),
                      Decimal(part["scrap_pct"])) for part in bom[child["sku"]]]  # fmt: skip
        for material, quantity, pct in parts:
            materials[material] = materials.get(material, Decimal(0)) + quantity
            scrap.setdefault(material, pct)
    item = {**sibling, "sku": sku, "name": plan.name, "attributes": attributes,
            "default_supplier": plan.maker,
            "standard_cost": Decimal(sibling["standard_cost"]) - custom}  # fmt: skip
    lead = next(cap["lead_time_mean_days"] for cap in maker["capabilities"]
                if cap["process"] == plan.process)  # fmt: skip
    term = {
        "item_sku": sku,
        "supplier_code": plan.maker,
        "currency": maker["currency"],
        "lead_time_days": math.ceil(Decimal(lead)),
        "moq": Decimal(1),
        "order_multiple": Decimal(1),
        "price_breaks": [{"min_quantity": Decimal(1), "unit_price": work}],
    }
    lines = tuple(
        {"parent_sku": sku, "child_sku": material, "quantity": quantity,
         "scrap_pct": scrap[material]}
        for material, quantity in materials.items()
    )  # fmt: skip
    product = Product(sku, plan.name, Decimal(sibling["list_price"]), ())
    return Launch(product, sibling["sku"], entered, on_sale, (item,), lines, (term,))
