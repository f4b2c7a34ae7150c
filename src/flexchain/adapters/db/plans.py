"""The plans store: every statement of a planning run and of its reports.

:class:`SqlPlanStore` is what :func:`flexchain.services.planning.run_plan` drives (record the
run, load the snapshot, write the plan, mark a failure), one transaction each. The module
functions read stored runs in the caller's unit of work, for ``plan show/export/diff``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any, cast

from sqlalchemy import Engine, Table, func, select
from sqlalchemy.orm import Session

from flexchain.adapters.db import demand as demand_store
from flexchain.adapters.db import forecast_weeks, plan_forecasts
from flexchain.adapters.db import locations as location_store
from flexchain.adapters.db import signals as signals_store
from flexchain.adapters.db.plan_forecasts import insert_chunks
from flexchain.adapters.db.tables import (
    BomLineRow,
    CapabilityRow,
    ItemRow,
    ItemSupplierRow,
    LocationRow,
    PlanExceptionRow,
    PlanInputRow,
    PlanItemRow,
    PlanOrderRow,
    PlanRunRow,
    PriceBreakRow,
    ProductionJobRow,
    PurchaseOrderLineRow,
    SalesOrderLineRow,
    SalesOrderRow,
    ShopRow,
    StockBalanceRow,
    SupplierRow,
)
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.errors import DomainError
from flexchain.domain.orders import JobStatus
from flexchain.domain.purchasing import POStatus
from flexchain.planning.accuracy_weeks import WeekSums, weekly_actuals
from flexchain.planning.mrp import TRANSFER
from flexchain.planning.plan_record import item_records
from flexchain.planning.replenishment import DEFAULT_ERRORS
from flexchain.planning.run import HISTORY_WEEKS, PlanItem, PlanResult, PlanRunStatus, Snapshot
from flexchain.planning.run import monday as monday_of
from flexchain.planning.sensing import sense
from flexchain.planning.supply import (
    MADE_KINDS,
    Capability,
    ItemTerms,
    SupplierTerms,
    supply_terms,
)

__all__ = ["Database", "RunAudit", "SqlPlanStore", "load_demand", "load_snapshot"]

Database = Engine
"""The handle of a database the services pass on to its stores."""

OPEN_ORDER = ("received", "reserved", "in_production", "ready")
STOCK_KINDS = location_store.STOCK_KINDS
OPEN_JOB = tuple(status.value for status in JobStatus if status.is_open)
"""Jobs still to finish (planned, released, started): their output is a receipt."""


RunAudit = Callable[[UnitOfWork, str, str, int, dict[str, Any], dict[str, Any], datetime], None]
"""Called in a run's own transactions as ``(uow, actor, action, run_id, before, after, at)``
when it is started, completed or failed (the planning service's audit entry)."""


class SqlPlanStore:
    """The plans store of one database, one transaction per method. Snapshots read at most
    ``history_weeks`` weeks of demand history (``FLEXCHAIN_PLAN_HISTORY_YEARS`` x 52);
    ``audit`` records each change of a run's status in the transaction that makes it."""

    def __init__(
        self,
        engine: Engine,
        *,
        history_weeks: int = HISTORY_WEEKS,
        audit: RunAudit | None = None,
    ) -> None:
        self.engine = engine
        self.history_weeks = history_weeks
        self.audit = audit

    def _audit(
        self,
        uow: UnitOfWork,
        run: PlanRunRow,
        action: str,
        before: dict[str, Any],
        after: dict[str, Any],
        at: datetime,
    ) -> None:
        if self.audit is not None:
            self.audit(uow, run.actor, action, run.id, before, after, at)

    def start_run(
        self, *, started_at: datetime, period_start: date, horizon: int, actor: str
    ) -> int:
        """Record a ``running`` run (committed) and return its id."""
        with UnitOfWork(self.engine, actor=actor) as uow:
            run = PlanRunRow(
                status=PlanRunStatus.RUNNING.value,
                started_at=started_at,
                period_start=period_start,
                period_days=7,
                horizon=horizon,
                actor=actor,
            )
            uow.session.add(run)
            uow.session.flush()
            run_id = run.id
            after = {"status": run.status, "period_start": period_start, "horizon": horizon}
            self._audit(uow, run, "started", {}, after, started_at)
            uow.commit()
        return run_id

    def load_snapshot(self, *, today: date, horizon: int, now: datetime) -> Snapshot:
        """Everything the run reads, with the presale signals up to ``now``, in one read."""
        with UnitOfWork(self.engine, write=False) as reader:
            sensed = sense(
                signals_store.signals_frame(reader, now),
                now=now,
                items_with_history=partial(signals_store.items_with_history, reader),
                bom=partial(signals_store.bom_frame, reader),
                option_materials=partial(signals_store.option_materials_frame, reader),
            )
            snap = load_snapshot(
                reader, today=today, horizon=horizon, history_weeks=self.history_weeks
            )
        snap.sensed = sensed
        return snap

    def write_plan(
        self,
        run_id: int,
        result: PlanResult,
        *,
        inputs: dict[int, dict[str, str]],
        stats: dict[str, Any],
        finished_at: datetime,
    ) -> None:
        """The planned orders, exceptions, inputs and forecasts, and the run ``complete``: one
        transaction. Refused (nothing written) when the run is no longer ``running``: it was
        abandoned (``flexchain plan abandon``) or taken for dead while it ran.

        Raises
        ------
        DomainError
            The run is not ``running`` any more.
        """
        with UnitOfWork(self.engine) as uow:
            found = uow.session.get(PlanRunRow, run_id, with_for_update=True)
            if found is None or found.status != PlanRunStatus.RUNNING.value:
                state = "missing" if found is None else f"{found.status}: {found.error or ''}"
                raise DomainError(
                    f"run {run_id} was recorded {state.rstrip(': ')} while it ran: "
                    "its plan is not kept (start a new run)"
                )
            _write(uow.session, run_id, result, inputs)
            plan_forecasts.write_forecasts(uow.session, run_id, result)
            measured = _measured(uow.session, run_id, result.snapshot)
            run = uow.session.get(PlanRunRow, run_id)
            assert run is not None
            before = {"status": run.status}
            run.status = PlanRunStatus.COMPLETE.value
            run.finished_at = finished_at
            run.stats = {**stats, **measured}
            after: dict[str, Any] = {"status": run.status}
            after.update((k, stats[k]) for k in ("items", "orders", "exceptions") if k in stats)
            self._audit(uow, run, "completed", before, after, finished_at)
            uow.commit()

    def fail_run(self, run_id: int, *, error: str, finished_at: datetime, actor: str) -> None:
        with UnitOfWork(self.engine, actor=actor) as uow:
            row = uow.session.get(PlanRunRow, run_id)
            assert row is not None
            before = {"status": row.status}
            row.status = PlanRunStatus.FAILED.value
            row.error = error
            row.finished_at = finished_at
            self._audit(
                uow, row, "failed", before, {"status": row.status, "error": error}, finished_at
            )
            uow.commit()


def _measured(session: Session, run_id: int, snap: Snapshot) -> dict[str, Any]:
    """Store the weeks the run measured; the stats entry that says it did (none if not)."""
    if snap.measured is None or snap.measured_from is None:
        return {}
    weeks = forecast_weeks.write(session, run_id, snap.measured)
    return {forecast_weeks.MARK: {"from": snap.measured_from.isoformat(), "weeks": weeks}}


def _write(
    session: Session, run_id: int, result: PlanResult, inputs: dict[int, dict[str, str]]
) -> None:
    start, ids = result.snapshot.period_start, result.ids

    def day(period: int) -> date:
        return start + timedelta(weeks=period)

    order_rows = (
        {
            "run_id": run_id,
            "number": order.id,
            "item_id": ids[order.item],
            "kind": order.kind,
            "release_date": day(order.release_period),
            "due_date": day(order.due_period),
            "quantity": order.quantity,
            "pegs": [[source, str(quantity)] for source, quantity in order.pegs],
            "location": order.location,
            "from_location": order.from_location if order.kind == TRANSFER else None,
        }
        for order in result.mrp.planned
    )
    exception_rows = (
        {
            "run_id": run_id,
            "item_id": ids[e.item],
            "kind": e.kind,
            "period_date": day(e.period),
            "message": e.message,
            "location": e.location,
        }
        for e in result.mrp.exceptions
    )
    input_rows = ({"run_id": run_id, "item_id": i, "values": v} for i, v in inputs.items())
    item_rows = ({"run_id": run_id, **vars(record)} for record in item_records(result))
    for table, rows in (
        (PlanOrderRow, order_rows),
        (PlanExceptionRow, exception_rows),
        (PlanInputRow, input_rows),
        (PlanItemRow, item_rows),
    ):
        # Core inserts (the ORM's bulk path costs ~3x more on the run's 100k items), in chunks
        insert_chunks(session, cast(Table, table.__table__), rows)


# --- the snapshot ------------------------------------------------------------------------------


def load_snapshot(
    uow: UnitOfWork, *, today: date, horizon: int, history_weeks: int = HISTORY_WEEKS
) -> Snapshot:
    """The run's :class:`~flexchain.planning.run.Snapshot` (without sensing) in ``uow``, with
    at most ``history_weeks`` weeks of demand history and the past forecasts."""
    session = uow.session
    snap = Snapshot(period_start=monday_of(today), horizon=horizon)
    items = {row.id: row for row in session.scalars(select(ItemRow).where(ItemRow.active))}
    snap.bom = [  # plain rows, not ORM objects: a big catalog has hundreds of thousands
        (parent, child, quantity, scrap)
        for parent, child, quantity, scrap in session.execute(
            select(
                BomLineRow.parent_id,
                BomLineRow.child_id,
                BomLineRow.quantity,
                BomLineRow.scrap_pct,
            )
        )
    ]
    _terms(session, snap, items)
    snap.items = {item.id: _plan_item(item) for item in items.values()}
    _locations(session, snap)
    _stock_and_receipts(session, snap)
    _firm_demand(session, snap)
    for item, period, units, source, site in demand_store.job_demand(
        session, snap.period_of, OPEN_JOB
    ):  # made-to-order jobs: their items at home, their materials at the supplier's site
        if location := snap.locations.get(site or 0, ""):
            snap.firm_at.append((item, period, units, source, location))
        else:
            snap.firm.append((item, period, units, source))
    for (item_id, warehouse), units in demand_store.ordered_since(
        session, snap.period_start
    ).items():  # this week's orders, where they are sold from (home without a warehouse)
        if location := snap.locations.get(warehouse or 0, ""):
            snap.ordered_at[(item_id, location)] = units
        else:
            snap.ordered[item_id] = snap.ordered.get(item_id, Decimal(0)) + units
    _demand_history(session, snap, history_weeks, measure=True)
    session.expunge_all()  # plain values from here on: the snapshot outlives the transaction
    return snap


def load_demand(uow: UnitOfWork, *, today: date, history_weeks: int = HISTORY_WEEKS) -> Snapshot:
    """The demand side of the snapshot of a run on ``today`` only: active items, stocking
    locations, demand history and past forecasts (what ``plan accuracy`` measures)."""
    session = uow.session
    snap = Snapshot(period_start=monday_of(today), horizon=0)
    # read as columns, not as items: at 20,000 items the objects cost a second
    columns = select(
        ItemRow.id, ItemRow.sku, ItemRow.kind, ItemRow.module_type, ItemRow.standard_cost,
        ItemRow.list_price,
    ).where(ItemRow.active)  # fmt: skip
    snap.items = {row.id: _plan_item(row) for row in session.execute(columns)}
    _locations(session, snap)
    _demand_history(session, snap, history_weeks)
    session.expunge_all()
    return snap


def _plan_item(item: Any) -> PlanItem:
    """The planning view of an item (an ``ItemRow`` or a row of its columns)."""
    return PlanItem(
        item.id,
        item.sku,
        make=item.kind in MADE_KINDS,
        custom=item.module_type == "custom",
        unit_value=float(item.standard_cost or item.list_price or 1),
    )


def _demand_history(session: Session, snap: Snapshot, weeks: int, measure: bool = False) -> None:
    """Weekly history (imported, plus sales in the weeks it does not cover) and the forecasts
    earlier runs made for the weeks before the snapshot's; with ``measure``, those forecasts
    of the weeks since the last measured one, measured as they are read
    (:mod:`flexchain.adapters.db.forecast_weeks`)."""
    start = snap.period_start
    history = demand_store.history_frame(session, start, weeks)
    snap.history = demand_store.with_sales(session, history, start, weeks)
    # what decide measures: each item's protection interval (lead time plus a review period of
    # up to plan_forecasts.REVIEW_LAGS weeks) at its last DEFAULT_ERRORS origins
    lags = {
        item: math.ceil(days / 7) + plan_forecasts.REVIEW_LAGS
        for item, days in snap.lead_days.items()
    }
    reach = DEFAULT_ERRORS + max(lags.values(), default=plan_forecasts.REVIEW_LAGS)
    sums, back = None, 0
    if measure:
        first = forecast_weeks.measure_from(session, start, weeks)
        actuals = weekly_actuals(snap.history, snap.locations, first, start)
        sums, snap.measured_from = WeekSums(actuals, first, start), first
        back = forecast_weeks.origin_weeks(session, first, start)
    snap.past_forecasts = plan_forecasts.past_forecasts(
        session, start, weeks=reach, lags=lags, each=sums.add if sums else None,
        each_weeks=back, first=snap.measured_from,
    )  # fmt: skip
    snap.measured = sums.sums() if sums else None
    snap.model_specs = plan_forecasts.carried_specs(session, start)
    snap.past_factors = plan_forecasts.past_factors(session, start, reach)


def _terms(session: Session, snap: Snapshot, items: dict[int, ItemRow]) -> None:
    """Lead times, tiers and lot terms (:func:`flexchain.planning.supply.supply_terms`)."""
    capabilities = [
        Capability(supplier_id, lead, lead_sd)
        for supplier_id, lead, lead_sd in session.execute(
            select(
                CapabilityRow.supplier_id,
                CapabilityRow.lead_time_mean_days,
                CapabilityRow.lead_time_sd_days,
            ).order_by(CapabilityRow.id)
        ).all()
    ]
    tiers = dict(session.execute(select(SupplierRow.id, SupplierRow.tier)).all())
    breaks: dict[int, list[tuple[Decimal, Decimal]]] = {}
    for term_id, minimum, price in session.execute(
        select(
            PriceBreakRow.item_supplier_id, PriceBreakRow.min_quantity, PriceBreakRow.unit_price
        ).order_by(PriceBreakRow.item_supplier_id, PriceBreakRow.min_quantity)
    ).all():
        breaks.setdefault(term_id, []).append((minimum, price))
    terms = [
        SupplierTerms(
            row.item_id,
            row.supplier_id,
            row.lead_time_days,
            row.moq,
            row.order_multiple,
            tuple(breaks.get(row.id, ())),
        )
        for row in session.scalars(select(ItemSupplierRow).order_by(ItemSupplierRow.id))
    ]
    own = [
        ItemTerms(
            item.id,
            item.kind,
            item.default_supplier_id,
            item.production_cycle_days,
            item.moq,
            item.order_multiple,
        )
        for item in items.values()
    ]
    for item_id, supply in supply_terms(own, terms, capabilities, tiers).items():
        snap.lead_days[item_id] = supply.lead_days
        snap.lead_sd_days[item_id] = supply.lead_sd_days
        if supply.tier is not None:
            snap.tier[item_id] = supply.tier
        snap.lot[item_id] = (supply.moq, supply.multiple)
        if supply.price_breaks:
            snap.price_breaks[item_id] = supply.price_breaks


def _locations(session: Session, snap: Snapshot) -> None:
    snap.home, snap.locations = location_store.buffer_locations(session)


def _stock_and_receipts(session: Session, snap: Snapshot) -> None:
    for item_id, location_id, on_hand, reserved in session.execute(
        select(
            StockBalanceRow.item_id,
            StockBalanceRow.location_id,
            func.sum(StockBalanceRow.on_hand),
            func.sum(StockBalanceRow.reserved),
        )
        .join(LocationRow, LocationRow.id == StockBalanceRow.location_id)
        .where(LocationRow.kind.in_(STOCK_KINDS))
        .group_by(StockBalanceRow.item_id, StockBalanceRow.location_id)
    ).all():
        figures = (Decimal(on_hand or 0), Decimal(reserved or 0))
        if location := snap.locations.get(location_id, ""):
            snap.stock_at[(item_id, location)] = figures
        else:
            snap.stock[item_id] = figures
    for job in session.scalars(
        select(ProductionJobRow).where(ProductionJobRow.status.in_(OPEN_JOB))
    ):
        period = max(snap.period_of(job.planned_finish), 0)
        snap.receipts.append((job.item_id, period, job.quantity, f"job:{job.id}"))
    po = PurchaseOrderLineRow
    open_lines = (
        select(
            po.item_id,
            po.po_number,
            po.line_no,
            po.quantity,
            po.received_quantity,
            po.due_date,
            po.location_id,
        )
        .where(po.status == POStatus.OPEN.value, po.received_quantity < po.quantity)
        .order_by(po.po_number, po.line_no)
    )
    for item_id, number, line_no, ordered, received, due, at in session.execute(open_lines):
        period = max(snap.period_of(due), 0)  # past due: still expected, so this week
        receipt = (item_id, period, ordered - received, f"po:{number}/{line_no}")
        if location := snap.locations.get(at or 0, ""):  # no location: the home warehouse
            snap.receipts_at.append((*receipt, location))
        else:
            snap.receipts.append(receipt)


def _firm_demand(session: Session, snap: Snapshot) -> None:
    """Backordered lines of open orders, at their shop's warehouse (home without one)."""
    for line, number, promise, warehouse in session.execute(
        select(
            SalesOrderLineRow,
            SalesOrderRow.number,
            SalesOrderRow.promise_date,
            ShopRow.warehouse_id,
        )
        .join(SalesOrderRow, SalesOrderRow.id == SalesOrderLineRow.order_id)
        .outerjoin(ShopRow, ShopRow.id == SalesOrderRow.shop_id)
        .where(SalesOrderRow.status.in_(OPEN_ORDER), SalesOrderLineRow.backordered > 0)
    ).all():
        demand = (
            line.item_id,
            max(snap.period_of(promise), 0),
            line.backordered,
            f"order:{number}",
        )
        if location := snap.locations.get(warehouse or 0, ""):
            snap.firm_at.append((*demand, location))
        else:
            snap.firm.append(demand)
