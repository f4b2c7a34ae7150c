"""What a run records per item so that ``plan explain`` shows the plan as it was: the forecast
model and its backtest figures, the policy's numbers, and the inputs, weekly forecast, policy
row, gross requirements and scheduled receipts behind the netting (plain JSON values).

Pure: :func:`item_records` reads a :class:`~flexchain.planning.run.PlanResult`; the plans store
writes the records with the plan (table ``plan_items``)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
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
    kind = type(value)
    if kind is Decimal:
        return str(value)
    if kind is list or kind is tuple:  # mostly weeks of Decimals: no call per element for those
        return [str(v) if type(v) is Decimal else _plain(v) for v in value]
    if kind is dict:
        return {str(k): str(v) if type(v) is Decimal else _plain(v) for k, v in value.items()}
    if kind is float:
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, str | int | bool):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)


def _structure(spec: tuple[str, date]) -> str:
    """An AutoETS structure as ``plan explain`` shows it: ``MAMD/52 chosen 2026-11-30``."""
    return f"{spec[0]} chosen {spec[1].isoformat()}"


def _figure(accuracy: dict[str, str], key: str) -> Decimal | None:
    return Decimal(accuracy[key]) if key in accuracy else None


def _history(result: PlanResult) -> dict[tuple[int, str], tuple[int, Decimal]]:
    """Per buffer (item, location), the weeks with demand history and their total (rows of one
    week added up; locations mapped as the forecast step maps them)."""
    snap = result.snapshot
    history = snap.history
    if history.is_empty():
        return {}
    if "location" in history.columns and snap.locations:
        where = pl.col("location").replace_strict(
            snap.locations, default="", return_dtype=pl.String
        )
    else:
        where = pl.lit("")
    # one grouping, lazily: a frame of every (item, location, week) first held ~1.7 GiB
    # at 100,000 items x 104 weeks, the write step's whole peak
    totals = (
        history.lazy()
        .with_columns(where.alias("location"))
        .group_by("item", "location")
        .agg(pl.col("date").n_unique().alias("weeks"), pl.col("quantity").sum())
        .collect()
    )
    return {
        (int(item), str(location)): (int(count), Decimal(str(round(total, 3))))
        for item, location, count, total in totals.iter_rows()
    }


def _buffers(result: PlanResult) -> list[tuple[int, str]]:
    """Every item at home, and every (item, location) elsewhere the run saw, in order."""
    snap, located = result.snapshot, result.located
    away = set(snap.stock_at) | set(located.forecasts) | set(located.policies)
    away |= {(i, loc) for i, _, _, _, loc in snap.receipts_at}
    away |= {(i, loc) for i, _, _, _, loc in snap.firm_at}
    home = [(item_id, "") for item_id in snap.items]
    return sorted(home + [key for key in away if key[1] and key[0] in snap.items])


def item_records(result: PlanResult) -> Iterator[ItemRecord]:
    """One record per item of the snapshot (its home location) and per other location it has
    stock, receipts, firm demand or a forecast at, in item and location order; one at a time,
    so the store can write them in chunks (a run of 100,000 items would hold gigabytes of
    explanations at once)."""
    snap = result.snapshot
    history = _history(result)
    receipts: dict[tuple[int, str], list[list[Any]]] = {}
    located = [(*receipt, "") for receipt in snap.receipts] + snap.receipts_at
    for item_id, period, quantity, source, location in located:
        week = snap.period_start + timedelta(weeks=period)
        key = (item_id, location)
        receipts.setdefault(key, []).append([source, period, str(week), str(quantity)])
    zero = (Decimal(0), Decimal(0))
    for key in _buffers(result):
        item_id, location = key
        item = snap.items[item_id]
        if location:
            forecast, policy = result.located.forecasts.get(key), result.located.policies.get(key)
            on_hand, reserved = snap.stock_at.get(key, zero)
        else:
            forecast, policy = result.forecasts.get(item_id), result.policies.get(item_id)
            on_hand, reserved = snap.stock.get(item_id, zero)
        accuracy = forecast.accuracy if forecast else {}
        moq, multiple = snap.lot[item_id]
        weeks, total = history.get(key, (0, Decimal(0)))
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
                "structure": _structure(forecast.spec) if forecast and forecast.spec else None,
            },
            "policy": policy.row if policy else None,
            "gross": result.mrp.gross.get(buffer_name(item.sku, location), []),
            "receipts": sorted(receipts.get(key, []), key=lambda r: (r[1], r[0])),
        }
        if not location and item.sku in result.mrp.option_shift:
            extra, because = result.mrp.option_shift[item.sku]
            explanation["option_shift"] = {"extra_safety_stock": extra, "because": because}
        yield ItemRecord(
            item_id,
            location,
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
