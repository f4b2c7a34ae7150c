"""Latency of a checkout quote, in process: p50 and p95 over many calls (goal: p95 < 20 ms).

    python bench/quote.py                         # 20 modules, 10 capable suppliers, SQLite
    python bench/quote.py --calls 500 --repeat 7
    python bench/quote.py --db postgresql://user@host/empty_db

The company is built through the spreadsheet imports in a temporary SQLite file (or the empty
database given): one product of ``--modules`` modules (a quarter of them custom, with four options
each, the rest standard, some short in stock), two materials per module (one short), ten suppliers
that all run every process, and open production jobs booked on them. Each call is the whole
service, :func:`flexchain.services.quotes.quote`, in its own read-only unit of work: the snapshot
load (its queries) and the pure computation, alternatives included. The figures printed are the
median, over ``--repeat`` repetitions, of each repetition's p50 and p95.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from flexchain.adapters.db.tables import ItemRow, ProductionJobRow, SupplierRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.bootstrap import bootstrap
from flexchain.config import Settings
from flexchain.services.imports import import_rows
from flexchain.services.quotes import quote

TODAY = date(2026, 11, 23)
PRODUCT = "BENCH-JACKET"
PROCESSES = ("cutting", "sewing", "printing", "dyeing", "finishing")
TIERS = ("S", "A", "A", "B", "S", "A", "B", "A", "B", "A")


def company(modules: int, suppliers: int) -> dict[str, list[dict[str, Any]]]:
    """Import rows per kind, in load order."""
    codes = [f"SUP-{n:02d}" for n in range(1, suppliers + 1)]
    custom = max(1, modules // 4)
    rows: dict[str, list[dict[str, Any]]] = {
        "suppliers": [
            {
                "code": code,
                "name": f"Workshop {n}",
                "tier": TIERS[n % len(TIERS)],
                "country": "PT",
                "capabilities": [
                    {
                        "process": process,
                        "capacity_per_day": Decimal(100 + 40 * ((n + k) % 7)),
                        "moq": Decimal(10 * (1 + (n + k) % 4)),
                        "lead_time_mean_days": Decimal(3 + (2 * n + k) % 12),
                    }
                    for k, process in enumerate(PROCESSES)
                ],
            }
            for n, code in enumerate(codes)
        ],
        "locations": [{"code": "WH", "name": "Warehouse", "kind": "warehouse"}],
        "items": [
            {
                "sku": PRODUCT,
                "name": "Bench jacket",
                "kind": "finished",
                "list_price": Decimal(289),
                "production_cycle_days": 2,
                "default_supplier": codes[0],
            },
            {"sku": "BOX", "name": "Box", "kind": "packaging", "default_supplier": codes[1]},
        ],
        "options": [],
        "bom": [{"parent_sku": PRODUCT, "child_sku": "BOX", "quantity": 1}],
        "item-suppliers": [],
        "stock": [{"sku": "BOX", "location": "WH", "quantity": 500}],
    }
    for m in range(modules):
        sku = f"MOD-{m:02d}"
        is_custom = m < custom
        rows["items"].append(
            {
                "sku": sku,
                "name": f"Module {m}",
                "kind": "module",
                "module_type": "custom" if is_custom else "standard",
                "attributes": {"process": PROCESSES[m % len(PROCESSES)]},
                "moq": Decimal(1 if is_custom else 50),
                "default_supplier": codes[m % suppliers],
                "standard_cost": Decimal("3.50") + m,
            }
        )
        rows["bom"].append({"parent_sku": PRODUCT, "child_sku": sku, "quantity": 1})
        if is_custom:
            for code, name, delta, days in (
                ("NONE", "None", 0, 0),
                ("SMALL", "Small", 8, 1),
                ("LARGE", "Large", 12, 3),
                ("TEXT", "Text, up to 20 characters", 15, 2),
            ):
                rows["options"].append(
                    {
                        "module_sku": sku,
                        "code": code,
                        "name": name,
                        "price_delta": Decimal(delta),
                        "lead_time_delta_days": days,
                    }
                )
        else:
            # every third standard module is out of stock: a shortage job
            units = 0 if m % 3 == 0 else 200
            if units:
                rows["stock"].append({"sku": sku, "location": "WH", "quantity": units})
        for k in range(2):
            material = f"MAT-{m:02d}-{k}"
            rows["items"].append(
                {"sku": material, "name": f"Material {m}.{k}", "kind": "raw", "uom": "m"}
            )
            rows["bom"].append(
                {
                    "parent_sku": sku,
                    "child_sku": material,
                    "quantity": Decimal("0.5"),
                    "scrap_pct": 3,
                }
            )
            rows["item-suppliers"].append(
                {
                    "item_sku": material,
                    "supplier_code": codes[(m + k) % suppliers],
                    "lead_time_days": 5 + (m + k) % 9,
                    "price_breaks": [
                        {"min_quantity": 0, "unit_price": Decimal("4.20")},
                        {"min_quantity": 500, "unit_price": Decimal("3.90")},
                    ],
                }
            )
            if k == 0 or m % 5:
                rows["stock"].append({"sku": material, "location": "WH", "quantity": 5000})
    return rows


def build(engine: Engine, modules: int, suppliers: int) -> dict[str, str]:
    """Load the company and book open jobs on every supplier; returns the options to quote."""
    rows = company(modules, suppliers)
    with UnitOfWork(engine, actor="bench") as uow:
        for kind, kind_rows in rows.items():
            import_rows(uow, kind, kind_rows, source=f"bench {kind}")
        session = uow.session
        item = session.scalar(select(ItemRow.id).where(ItemRow.sku == "MOD-00"))
        assert item is not None
        for index, supplier in enumerate(session.scalars(select(SupplierRow.id)).all()):
            for k, process in enumerate(PROCESSES):
                session.add(
                    ProductionJobRow(
                        item_id=item,
                        supplier_id=supplier,
                        process=process,
                        quantity=Decimal(100 * ((index + k) % 6)),
                        planned_start=TODAY + timedelta(days=(index + k) % 10),
                    )
                )
        uow.commit()
    custom = [row for row in rows["items"] if row.get("module_type") == "custom"]
    values = ("SMALL", "Large", "Anna")
    return {row["sku"]: values[n % len(values)] for n, row in enumerate(custom)}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", type=int, default=20)
    parser.add_argument("--suppliers", type=int, default=10)
    parser.add_argument("--quantity", type=int, default=5)
    parser.add_argument("--speed", default="basic")
    parser.add_argument("--calls", type=int, default=300, help="quotes per repetition")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--db", help="an empty database URL (default: temporary SQLite)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        url = args.db or f"sqlite:///{Path(folder) / 'bench.db'}"
        app = bootstrap(Settings(database_url=url))
        try:
            options = build(app.engine, args.modules, args.suppliers)

            def once() -> float:
                began = time.perf_counter()
                with app.uow(write=False) as uow:
                    quote(uow, PRODUCT, options, args.quantity, args.speed, today=TODAY)
                return (time.perf_counter() - began) * 1000

            for _ in range(20):  # warm up: statement caches, connection pool
                once()
            p50s, p95s = [], []
            for _ in range(args.repeat):
                times = [once() for _ in range(args.calls)]
                p50s.append(percentile(times, 0.50))
                p95s.append(percentile(times, 0.95))
            with app.uow(write=False) as uow:
                sample = quote(uow, PRODUCT, options, args.quantity, args.speed, today=TODAY)
        finally:
            app.close()

    print(
        f"quote of a {args.modules}-module product, {args.suppliers} capable suppliers, "
        f"quantity {args.quantity}, speed {args.speed} ({app.engine.dialect.name})"
    )
    print(
        f"  {len(sample.jobs)} jobs, {len(sample.stages)} stages, "
        f"{len(sample.alternatives)} alternatives; total {sample.total}, "
        f"ships {sample.ship_date} ({sample.lead_days} days)"
    )
    print(f"  {args.repeat} x {args.calls} calls, median of repetitions:")
    print(f"  p50 {statistics.median(p50s):.2f} ms")
    print(f"  p95 {statistics.median(p95s):.2f} ms")


if __name__ == "__main__":
    main()
