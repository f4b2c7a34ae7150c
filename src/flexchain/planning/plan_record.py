"""What a run records per item so that ``plan explain`` shows the plan as it was: the forecast
model and its backtest figures, the policy's numbers, and the inputs, weekly forecast, policy
row, gross requirements and scheduled receipts behind the netting (plain JSON values).

Pure: :func:`item_records` reads a :class:`~flexchain.planning.run.PlanResult`; the plans store
writes the records with the plan (table ``plan_items``)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import polars as pl

from flexchain.planning.mrp import buffer_name

if TYPE_CHECKING:
    from flexchain.planning.run import PlanResult

__all__ = ["ItemRecord", "item_records"]


@dataclass(frozen=True)
class ItemRecord:
    """One item's record of a run (a ``plan_items`` row)."""

    item_id: int
    location: str
    model: str | None
    default_model: str | None
    mase: Decimal | None
    wape: Decimal | None
    bias: Decimal | None
    safety_stock: Decimal
    reorder_point: Decimal
    order_quantity: Decimal
    days_of_cover: Decimal | None
    explanation: dict[str, Any]


def _plain(value: Any) -> Any:
    """A JSON-safe copy: Decimals and dates as text, NaN and infinities as None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, str | int | bool):
        return value
    return str(value)


def _figure(accuracy: dict[str, str], key: str) -> Decimal | None:
    return Decimal(accuracy[key]) if key in accuracy else None


def _history(result: PlanResult) -> dict[int, tuple[int, Decimal]]:
    """Per item, the weeks with demand history and their total (all locations' rows added)."""
    history = result.snapshot.history
    if history.is_empty():
        return {}
    weeks = history.group_by("item", "date").agg(pl.col("quantity").sum())
    totals = weeks.group_by("item").agg(pl.len().alias("weeks"), pl.col("quantity").sum())
    return {
        int(item): (int(count), Decimal(str(round(total, 3))))
        for item, count, total in totals.iter_rows()
    }


def item_records(result: PlanResult) -> list[ItemRecord]:
    """One record per item of the snapshot, in item order."""
    snap = result.snapshot
    history = _history(result)
    receipts: dict[int, list[list[Any]]] = {}
    for item_id, period, quantity, source in snap.receipts:
        week = snap.period_start + timedelta(weeks=period)
        receipts.setdefault(item_id, []).append([source, period, str(week), str(quantity)])
    records = []
    for item_id in sorted(snap.items):
        item = snap.items[item_id]
        forecast, policy = result.forecasts.get(item_id), result.policies.get(item_id)
        accuracy = forecast.accuracy if forecast else {}
        on_hand, reserved = snap.stock.get(item_id, (Decimal(0), Decimal(0)))
        moq, multiple = snap.lot[item_id]
        weeks, total = history.get(item_id, (0, Decimal(0)))
        explanation = {
            "inputs": {
                "on_hand": on_hand,
                "allocated": reserved,
                "lead_time_days": snap.lead_days[item_id],
                "moq": moq,
                "multiple": multiple,
                "price_breaks": list(snap.price_breaks.get(item_id, ())),
                "history_weeks": weeks,
                "history_total": total,
            },
            "forecast": {
                "abc": forecast.abc if forecast else None,
                "xyz": forecast.xyz if forecast else None,
                "pattern": forecast.pattern if forecast else None,
                "mean": forecast.mean if forecast else Decimal(0),
                "sigma": forecast.sigma if forecast else None,
                "weekly": forecast.weekly if forecast else [],
            },
            "policy": policy.row if policy else None,
            "gross": result.mrp.gross.get(buffer_name(item.sku), []),
            "receipts": sorted(receipts.get(item_id, []), key=lambda r: (r[1], r[0])),
        }
        records.append(
            ItemRecord(
                item_id,
                "",
                forecast.model if forecast else None,
                accuracy.get("default_model"),
                _figure(accuracy, "mase"),
                _figure(accuracy, "wape"),
                _figure(accuracy, "bias"),
                policy.safety_stock if policy else Decimal(0),
                policy.reorder_point if policy else Decimal(0),
                policy.order_quantity if policy else Decimal(0),
                policy.days_of_cover if policy else None,
                _plain(explanation),
            )
        )
    return records
