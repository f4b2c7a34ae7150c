"""The spot checks' store: every statement on QC spot-check requests, their numbers
(``SPC-000001``) and the open work they look at. Built on the rules' store (suppliers, policies);
a supplier's user sees only its own requests. Nothing here commits.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from flexchain.adapters.db.dialect import insert_for
from flexchain.adapters.db.supplier_rules import SqlSupplierRulesStore
from flexchain.adapters.db.tables import (
    BuyingCounterRow,
    ProductionJobRow,
    PurchaseOrderRow,
    SupplierRow,
)
from flexchain.adapters.db.tables.supplier_rules import SpotCheckRequestRow
from flexchain.domain.errors import NotFound
from flexchain.domain.spot_checks import SpotStatus, Target

__all__ = ["SpotCheckRecord", "SqlSpotCheckStore"]

SPOT_PREFIX = "SPC-"
_COUNTER = "spc"
_OPEN_PO = ("sent", "confirmed")
_OPEN_JOB = ("released", "started")


@dataclass(frozen=True)
class SpotCheckRecord:
    id: int
    number: str
    supplier: str
    job_id: int | None
    po_number: str | None
    reason: str
    requested_at: datetime
    due_by: datetime
    video_requested: bool
    status: SpotStatus
    answered_at: datetime | None
    qc_record_id: int | None


def _spot(row: SpotCheckRequestRow, supplier: str) -> SpotCheckRecord:
    return SpotCheckRecord(
        row.id, row.number, supplier, row.job_id, row.po_number, row.reason, row.requested_at,
        row.due_by, row.video_requested, SpotStatus(row.status), row.answered_at,
        row.qc_record_id,
    )  # fmt: skip


class SqlSpotCheckStore(SqlSupplierRulesStore):
    """Spot checks of one unit of work (and the rules' store's reads)."""

    def open_work(self) -> dict[str, list[Target]]:
        """Per active supplier, its open POs (sent or confirmed) and released or started jobs."""
        found: dict[str, list[Target]] = defaultdict(list)
        for code, number in self.session.execute(
            select(SupplierRow.code, PurchaseOrderRow.po_number)
            .join(SupplierRow, SupplierRow.id == PurchaseOrderRow.supplier_id)
            .where(PurchaseOrderRow.status.in_(_OPEN_PO), SupplierRow.active.is_(True))
        ):  # fmt: skip
            found[code].append(Target(po_number=number))
        for code, job_id in self.session.execute(
            select(SupplierRow.code, ProductionJobRow.id)
            .join(SupplierRow, SupplierRow.id == ProductionJobRow.supplier_id)
            .where(ProductionJobRow.status.in_(_OPEN_JOB), SupplierRow.active.is_(True))
        ):  # fmt: skip
            found[code].append(Target(job_id=job_id))
        return found

    def requested_since(self, since: datetime) -> dict[str, int]:
        """Spot checks requested at or after ``since`` (not cancelled), per supplier code."""
        rows = self.session.execute(
            select(SupplierRow.code, func.count(SpotCheckRequestRow.id))
            .join(SupplierRow, SupplierRow.id == SpotCheckRequestRow.supplier_id)
            .where(SpotCheckRequestRow.requested_at >= since)
            .where(SpotCheckRequestRow.status != SpotStatus.CANCELLED.value)
            .group_by(SupplierRow.code)
        )  # fmt: skip
        return {code: count for code, count in rows}

    def has_job(self, supplier_id: int, job_id: int) -> bool:
        return self.session.scalar(select(ProductionJobRow.id).where(
            ProductionJobRow.id == job_id, ProductionJobRow.supplier_id == supplier_id
        )) is not None  # fmt: skip

    def has_po(self, supplier_id: int, number: str) -> bool:
        return self.session.scalar(select(PurchaseOrderRow.id).where(
            PurchaseOrderRow.po_number == number, PurchaseOrderRow.supplier_id == supplier_id
        )) is not None  # fmt: skip

    def next_spot_number(self) -> str:
        """The next ``SPC-`` number; the counter row stays locked until the unit of work ends."""
        counter = select(BuyingCounterRow.value).where(BuyingCounterRow.name == _COUNTER)
        last = self.session.scalar(counter.with_for_update())
        if last is None:
            self.session.execute(
                insert_for(self.session, BuyingCounterRow)
                .values(name=_COUNTER, value=0)
                .on_conflict_do_nothing(index_elements=["name"])
            )
            last = self.session.scalar(counter.with_for_update()) or 0
        value = last + 1
        while self._spot_taken(f"{SPOT_PREFIX}{value:06d}"):  # typed in elsewhere
            value += 1
        self.session.execute(
            update(BuyingCounterRow).where(BuyingCounterRow.name == _COUNTER).values(value=value)
        )
        return f"{SPOT_PREFIX}{value:06d}"

    def _spot_taken(self, number: str) -> bool:
        found = select(SpotCheckRequestRow.id).where(SpotCheckRequestRow.number == number)
        return self.session.scalar(found) is not None

    def add_spot_check(self, **values: Any) -> int:
        row = SpotCheckRequestRow(status=SpotStatus.REQUESTED.value, **values)
        self.session.add(row)
        self.session.flush()
        return row.id

    def _spots(self) -> Any:
        query = (
            select(SpotCheckRequestRow, SupplierRow.code)
            .join(SupplierRow, SupplierRow.id == SpotCheckRequestRow.supplier_id)
            .execution_options(populate_existing=True)
        )
        if self.scope is not None:
            query = query.where(SpotCheckRequestRow.supplier_id == self.scope)
        return query

    def spot_checks(
        self, *, status: SpotStatus | None = None, supplier: str | None = None
    ) -> list[SpotCheckRecord]:
        """Spot checks, newest first (of one status or supplier)."""
        query = self._spots().order_by(SpotCheckRequestRow.id.desc())
        if status is not None:
            query = query.where(SpotCheckRequestRow.status == status.value)
        if supplier is not None:
            query = query.where(SupplierRow.code == supplier)
        return [_spot(*row) for row in self.session.execute(query)]

    def spot_check(self, number: str, *, lock: bool = False) -> SpotCheckRecord:
        query = self._spots().where(SpotCheckRequestRow.number == number)
        if lock:
            query = query.with_for_update(of=SpotCheckRequestRow)
        row = self.session.execute(query).first()
        if row is None:
            raise NotFound(f"no spot check {number}")
        return _spot(*row)

    def answer_spot_check(self, spot_id: int, *, qc_record_id: int, at: datetime) -> None:
        self.session.execute(
            update(SpotCheckRequestRow).where(SpotCheckRequestRow.id == spot_id)
            .values(status=SpotStatus.ANSWERED.value, answered_at=at, qc_record_id=qc_record_id,
                    updated_at=at)
        )  # fmt: skip

    def cancel_spot_check(self, spot_id: int, *, at: datetime) -> None:
        self.session.execute(
            update(SpotCheckRequestRow).where(SpotCheckRequestRow.id == spot_id)
            .values(status=SpotStatus.CANCELLED.value, updated_at=at)
        )  # fmt: skip
