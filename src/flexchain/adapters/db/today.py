"""The Today inbox's own reads and writes: snoozed entries, the open orders near or past their
promise with what is still to do for them, and each item's cheapest listed supplier."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import and_, func, select

from flexchain.adapters.db.tables import (
    InboxRow,
    ItemRow,
    ItemSupplierRow,
    PickRow,
    PlanOrderRow,
    PriceBreakRow,
    ProductionJobRow,
    SalesOrderRow,
    SupplierRow,
)
from flexchain.adapters.db.tables.decisions import DecisionSnoozeRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.orders import OPEN_STATUSES, JobStatus
from flexchain.domain.today import Snooze

__all__ = ["DueOrderRow", "OfferRow", "OpenOrderRow", "SnoozedRow", "SqlTodayStore"]

_CLOSED_JOBS = (JobStatus.FINISHED.value, JobStatus.DONE.value, JobStatus.CANCELLED.value)


@dataclass(frozen=True)
class OpenOrderRow:
    """An open order with a promise on or before the horizon, and what is still open for it."""

    number: str
    total: Decimal
    currency: str
    status: str
    promise_date: date
    open_jobs: int
    last_finish: date | None
    """The latest planned finish of its open jobs (None: none planned)."""
    open_picks: int


@dataclass(frozen=True)
class DueOrderRow:
    """A planned purchase or production order of a run whose release day has come."""

    number: int
    sku: str
    kind: str
    release_date: date
    due_date: date
    quantity: Decimal
    pegging: str
    location: str


@dataclass(frozen=True)
class SnoozedRow:
    """A snooze as stored: the entry's key, the day it shows again, why, who and when."""

    key: str
    until: date
    reason: str
    by: str
    at: datetime


@dataclass(frozen=True)
class OfferRow:
    sku: str
    supplier: str
    unit_price: Decimal
    currency: str
    lead_time_days: int


class SqlTodayStore:
    """The inbox's records in one unit of work."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.session = uow.session

    # -- snoozes ------------------------------------------------------------------------------

    def snoozes(self, today: date) -> dict[str, Snooze]:
        """The entries hidden today (snoozed until a later day), by key."""
        rows = self.session.scalars(
            select(DecisionSnoozeRow).where(DecisionSnoozeRow.until > today)
        )
        return {r.key: Snooze(r.key, r.until, r.reason, r.snoozed_by) for r in rows}

    def snooze(self, key: str, until: date, reason: str, by: str) -> Snooze | None:
        """Hide ``key`` until ``until`` (replacing an earlier snooze); the earlier one, if any."""
        row = self.session.scalar(
            select(DecisionSnoozeRow).where(DecisionSnoozeRow.key == key).with_for_update()
        )
        before = None if row is None else Snooze(row.key, row.until, row.reason, row.snoozed_by)
        if row is None:
            row = DecisionSnoozeRow(key=key)
            self.session.add(row)
        row.until, row.reason, row.snoozed_by = until, reason, by
        self.session.flush()
        return before

    def snoozed(self, today: date) -> list[SnoozedRow]:
        """The snoozes still hiding their entry today (until a later day), soonest back first,
        with when each was made (or last replaced)."""
        rows = self.session.scalars(
            select(DecisionSnoozeRow)
            .where(DecisionSnoozeRow.until > today)
            .order_by(DecisionSnoozeRow.until, DecisionSnoozeRow.key)
        )
        return [SnoozedRow(r.key, r.until, r.reason, r.snoozed_by, r.updated_at) for r in rows]

    def unsnooze(self, key: str) -> Snooze | None:
        """Show ``key`` again (delete its snooze); the snooze deleted, None if there was none."""
        row = self.session.scalar(
            select(DecisionSnoozeRow).where(DecisionSnoozeRow.key == key).with_for_update()
        )
        if row is None:
            return None
        before = Snooze(row.key, row.until, row.reason, row.snoozed_by)
        self.session.delete(row)
        self.session.flush()
        return before

    # -- webhooks -----------------------------------------------------------------------------

    def webhook_bodies(self, ids: Iterable[int]) -> dict[int, tuple[str, bytes]]:
        """The platform and raw body of each inbox row of ``ids``, by id."""
        wanted = list(ids)
        if not wanted:
            return {}
        query = select(InboxRow.id, InboxRow.platform, InboxRow.body).where(InboxRow.id.in_(wanted))
        return {row_id: (platform, body) for row_id, platform, body in self.session.execute(query)}

    # -- orders -------------------------------------------------------------------------------

    def open_orders_due(self, until: date, limit: int = 200) -> list[OpenOrderRow]:
        """Open orders promised on or before ``until`` (overdue ones too), soonest first, with
        their open jobs (count, latest planned finish) and open picks."""
        jobs = (
            select(
                ProductionJobRow.order_id,
                func.count().label("n"),
                func.max(ProductionJobRow.planned_finish).label("finish"),
            )
            .where(ProductionJobRow.status.not_in(_CLOSED_JOBS))
            .group_by(ProductionJobRow.order_id)
            .subquery()
        )
        picks = (
            select(PickRow.order_id, func.count().label("n"))
            .where(PickRow.status == "open")
            .group_by(PickRow.order_id)
            .subquery()
        )
        query = (
            select(SalesOrderRow, jobs.c.n, jobs.c.finish, picks.c.n)
            .outerjoin(jobs, jobs.c.order_id == SalesOrderRow.id)
            .outerjoin(picks, picks.c.order_id == SalesOrderRow.id)
            .where(
                and_(
                    SalesOrderRow.status.in_([s.value for s in OPEN_STATUSES]),
                    SalesOrderRow.promise_date.is_not(None),
                    SalesOrderRow.promise_date <= until,
                )
            )
            .order_by(SalesOrderRow.promise_date, SalesOrderRow.id)
            .limit(limit)
        )
        return [
            OpenOrderRow(
                o.number or str(o.id),
                o.total,
                o.currency,
                o.status,
                o.promise_date,
                n_jobs or 0,
                finish,
                n_picks or 0,
            )
            for o, n_jobs, finish, n_picks in self.session.execute(query)
        ]

    # -- the plan -----------------------------------------------------------------------------

    def planned_due(self, run_id: int, today: date, limit: int) -> list[DueOrderRow]:
        """Run ``run_id``'s planned purchases and production released on or before ``today``,
        the longest overdue first (read in SQL: a large plan has tens of thousands)."""
        query = (
            select(PlanOrderRow, ItemRow.sku)
            .join(ItemRow, ItemRow.id == PlanOrderRow.item_id)
            .where(
                PlanOrderRow.run_id == run_id,
                PlanOrderRow.kind.in_(("purchase", "production")),
                PlanOrderRow.release_date <= today,
            )
            .order_by(PlanOrderRow.release_date, PlanOrderRow.number)
            .limit(limit)
        )
        return [
            DueOrderRow(
                row.number,
                sku,
                row.kind,
                row.release_date,
                row.due_date,
                row.quantity,
                "; ".join(f"{source}={quantity}" for source, quantity in row.pegs or ()),
                row.location,
            )
            for row, sku in self.session.execute(query)
        ]

    # -- offers -------------------------------------------------------------------------------

    def cheapest_offers(
        self, wanted: Iterable[tuple[int, str, Decimal]], on: date
    ) -> dict[int, OfferRow]:
        """For each wanted ``(key, sku, quantity)``, the active supplier listing valid ``on``
        with the lowest unit price for that quantity (all units at the highest break whose
        minimum it reaches, the first break below it: as a purchase order prices it; ties:
        shorter lead time, then supplier code), by key."""
        asked = list(wanted)
        skus = sorted({sku for _, sku, _ in asked})
        if not skus:
            return {}
        query = (
            select(
                ItemRow.sku, SupplierRow.code, ItemSupplierRow, PriceBreakRow.min_quantity,
                PriceBreakRow.unit_price,
            )
            .join(ItemSupplierRow, ItemSupplierRow.item_id == ItemRow.id)
            .join(SupplierRow, SupplierRow.id == ItemSupplierRow.supplier_id)
            .join(PriceBreakRow, PriceBreakRow.item_supplier_id == ItemSupplierRow.id)
            .where(ItemRow.sku.in_(skus), SupplierRow.active.is_(True))
            .order_by(ItemSupplierRow.id, PriceBreakRow.min_quantity)
        )  # fmt: skip
        listings: dict[str, dict[int, tuple[str, ItemSupplierRow, list[tuple[Decimal, Decimal]]]]]
        listings = {}
        for sku, supplier, listing, least, price in self.session.execute(query):
            if listing.valid_from is not None and listing.valid_from > on:
                continue
            if listing.valid_to is not None and listing.valid_to < on:
                continue
            entry = listings.setdefault(sku, {}).setdefault(listing.id, (supplier, listing, []))
            entry[2].append((least, price))
        best: dict[int, OfferRow] = {}
        for key, sku, amount in asked:
            for supplier, listing, breaks in listings.get(sku, {}).values():
                price = breaks[0][1]
                for least, at in breaks:
                    if least > amount:
                        break
                    price = at
                offer = OfferRow(sku, supplier, price, listing.currency, listing.lead_time_days)
                known = best.get(key)
                if known is None or (price, offer.lead_time_days, supplier) < (
                    known.unit_price, known.lead_time_days, known.supplier
                ):  # fmt: skip
                    best[key] = offer
        return best
