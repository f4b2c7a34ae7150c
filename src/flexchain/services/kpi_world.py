"""The facts one window of KPIs is computed from, each read once when first needed
(:mod:`flexchain.services.kpis` measures them): orders, launches, payments, the stock ledger
and its sums, the stored forecasts measured against what happened, the suppliers' scorecards."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from functools import cached_property

import polars as pl

from flexchain.adapters.db import plan_reads
from flexchain.adapters.db.kpis import SqlKpiStore, StockLedger
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.config import Settings
from flexchain.domain import kpis as f
from flexchain.domain.errors import ValidationError
from flexchain.domain.kpis import ForecastPoint, Span
from flexchain.planning.run import monday as monday_of
from flexchain.planning.stock_kpis import StockArrays
from flexchain.services import scorecards

__all__ = ["EARLIEST", "LATEST", "MAX_WEEKS", "SUPPLIER_MONTHS", "Stock", "World"]

MAX_WEEKS = 104
EARLIEST, LATEST = date(2000, 1, 1), date(2999, 12, 31)
"""The days a window may end on."""
SUPPLIER_MONTHS = 3
"""Months of supplier scorecards the supplier KPIs add up (their trend is monthly)."""

_BACK = timedelta(days=7 * f.HEALTH_WEEKS + f.AGED_DAYS)
"""How far before a day the ledger's moves must reach to rebuild the stock KPIs' facts."""


class Stock:
    """The stock ledger read once for every window of a request (from the earliest day any
    needs; older moves change no figure) and its sums at the days asked, computed together."""

    def __init__(self, store: SqlKpiStore, ends: Sequence[date]) -> None:
        self.store, self.ends = store, list(ends)
        self.totals: dict[date, f.StockTotals] = {}

    @cached_property
    def ledger(self) -> StockLedger:
        return self.store.stock(min(self.ends) - _BACK)

    @cached_property
    def arrays(self) -> StockArrays:
        """The ledger as arrays (raises OverflowError beyond 64-bit integers)."""
        return StockArrays(self.ledger.arrays, self.ledger.costs)

    def at(self, end: date) -> f.StockTotals:
        if end not in self.totals:
            ledger = self.ledger
            try:
                found = self.arrays.totals([end, *self.ends])
            except OverflowError:  # beyond 64-bit integers: item by item
                found = {end: f.totals_of(f.stock_facts(
                    ledger.on_hand, ledger.moves, ledger.skus, ledger.costs, end))}  # fmt: skip
            self.totals.update(found)
        return self.totals[end]


class World:
    """The facts of one window, each read when first needed."""

    def __init__(
        self,
        uow: UnitOfWork,
        end: date,
        weeks: int,
        settings: Settings,
        stock: Stock | None = None,
    ) -> None:
        if not 1 <= weeks <= MAX_WEEKS:
            raise ValidationError("weeks", f"must be 1 to {MAX_WEEKS}, got {weeks}")
        if not EARLIEST <= end <= LATEST:
            raise ValidationError("period_end", f"must be {EARLIEST} to {LATEST}, got {end}")
        self.uow, self.settings = uow, settings
        self.store = SqlKpiStore(uow)
        self.weeks = f.weeks_ending(end, weeks)
        self.window = Span(self.weeks[0].start, end)
        self.currency = settings.default_currency
        self.shared = stock or Stock(self.store, [week.end for week in self.weeks])

    @cached_property
    def orders(self) -> list[f.OrderFact]:
        return self.store.orders(self.window.start, self.window.end)

    @cached_property
    def launches(self) -> list[f.LaunchFact]:
        return self.store.launches(self.window.start, self.window.end)

    @cached_property
    def payments(self) -> list[f.PaymentFact]:
        return self.store.payments(self.window.start, self.window.end)

    @property
    def ledger(self) -> StockLedger:
        return self.shared.ledger

    def totals(self, end: date) -> f.StockTotals:
        """The stock KPIs' sums at the end of ``end`` (every week's end of the window is
        computed at once, vectorised)."""
        return self.shared.at(end)

    @cached_property
    def _measured_end(self) -> date:
        """The Monday after the window's last week that has happened: its forecasts are
        measured up to before it."""
        return monday_of(self.window.end + timedelta(days=1))

    @cached_property
    def forecasts(self) -> list[tuple[str, str, ForecastPoint]]:
        """(sku, location, point) of every stored forecast of a week of the window (which has
        happened), measured now against the demand history: the rows forecast accuracy and
        bias add up (the same, unless demand of a week was imported or changed after the
        run that measured it)."""
        end = self._measured_end
        if not self.store.forecasts_before(end):
            return []
        rows = self.store.measure(monday_of(self.window.start), end, rows=True).rows()
        skus, home = plan_reads.skus(self.uow), self.store.home()
        columns = rows.select("item", "location", "period", "actual", "forecast")
        return [
            (
                skus.get(item, str(item)),
                location or home,
                ForecastPoint(period, _dec(actual), _dec(forecast)),
            )
            for item, location, period, actual, forecast in columns.iter_rows()
            if self.window.contains(period)
        ]

    @cached_property
    def forecast_weeks(self) -> list[f.ForecastWeek]:
        """The stored forecasts' sums per week of the window: as the plan runs measured them
        (:mod:`flexchain.adapters.db.forecast_weeks`), and the weeks after the latest run's
        own week measured now (all of them when that run measured nothing)."""
        end = self._measured_end
        if not self.store.forecasts_before(end):
            return []  # no run before the window's last week: no forecast to measure
        first = monday_of(self.window.start)
        found = self.store.measured_weeks(first, end)
        frames = []
        if found is not None:
            ran, stored = found
            frames.append(stored)
            first = max(first, ran)
        if first < end:
            frames.append(self.store.measure(first, end).sums())
        return [
            f.ForecastWeek(period, int(count), _dec(actual), _dec(error), _dec(over))
            for period, count, actual, error, over in pl.concat(frames).sort("period").iter_rows()
            if self.window.contains(period)
        ]

    @cached_property
    def cards(self) -> list[scorecards.ScorecardView]:
        end = self.window.end
        return scorecards.scorecard_history(
            self.uow,
            supplier=None,
            periods=SUPPLIER_MONTHS,
            until_period=f"{end.year}-{end.month:02d}",
            today=end,
            **scorecards.options_from(self.settings),
        )


def _dec(value: float | None) -> Decimal:
    return Decimal(str(round(value or 0.0, 6)))
