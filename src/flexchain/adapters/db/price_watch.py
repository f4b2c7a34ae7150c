"""The price watch's store: every statement on price indices, their values, item cost models,
contract index clauses and renegotiation tasks (and the reads of contracts, their prices and
what is on order under them that the watch needs)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.orm import aliased

from flexchain.adapters.db.tables import (
    ContractIndexClauseRow,
    ContractPriceRow,
    ContractRow,
    ItemCostModelRow,
    ItemRow,
    PriceIndexRow,
    PriceIndexValueRow,
    PurchaseOrderLineRow,
    PurchaseOrderRow,
    RenegotiationTaskRow,
    SupplierRow,
)
from flexchain.adapters.db.tables.base import utcnow
from flexchain.adapters.db.types import Dec
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.errors import NotFound
from flexchain.domain.price_watch import (
    Component,
    CostModel,
    IndexPoint,
    OnOrder,
    PriceTier,
    TaskStatus,
)

__all__ = [
    "ClauseRecord",
    "ContractRecord",
    "IndexRecord",
    "SqlPriceWatchStore",
    "TaskRecord",
]


@dataclass(frozen=True)
class IndexRecord:
    id: int
    code: str
    name: str
    unit: str
    values: int
    latest_date: date | None
    latest_value: Decimal | None


@dataclass(frozen=True)
class ContractRecord:
    id: int
    code: str
    supplier: str
    currency: str


@dataclass(frozen=True)
class ClauseRecord:
    contract: ContractRecord
    index_id: int
    index: str
    base_value: Decimal
    base_date: date
    threshold_pct: Decimal


@dataclass(frozen=True)
class TaskRecord:
    id: int
    contract: str
    supplier: str
    index: str
    base_value: Decimal
    index_value: Decimal
    value_date: date
    move_pct: Decimal
    cost_impact: Decimal
    currency: str
    impacts: list[dict[str, Any]]
    status: TaskStatus
    reason: str
    created_at: datetime
    created_by: str
    decided_at: datetime | None
    decided_by: str | None
    contract_id: int
    index_id: int


_INDEX_COLUMNS = {c: f"{c.value}_index_id" for c in Component}


class SqlPriceWatchStore:
    """Price watch records of one unit of work."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.session = uow.session
        self.actor = uow.actor

    # -- indices ------------------------------------------------------------------------------

    def index_ids(self, codes: Iterable[str] | None = None) -> dict[str, int]:
        query = select(PriceIndexRow.code, PriceIndexRow.id)
        if codes is not None:
            query = query.where(PriceIndexRow.code.in_(list(codes)))
        return {code: id_ for code, id_ in self.session.execute(query)}

    def index_id(self, code: str) -> int:
        found = self.index_ids([code]).get(code)
        if found is None:
            raise NotFound(f"unknown price index {code!r}: import its values or add it first")
        return found

    def indices(self, code: str | None = None) -> list[IndexRecord]:
        latest = (
            select(
                PriceIndexValueRow.index_id,
                func.count().label("n"),
                func.max(PriceIndexValueRow.value_date).label("last"),
            )
            .group_by(PriceIndexValueRow.index_id)
            .subquery()
        )
        last_value = aliased(PriceIndexValueRow)
        query = (
            select(PriceIndexRow, latest.c.n, latest.c.last, last_value.value)
            .outerjoin(latest, latest.c.index_id == PriceIndexRow.id)
            .outerjoin(
                last_value,
                (last_value.index_id == PriceIndexRow.id)
                & (last_value.value_date == latest.c.last),
            )
            .order_by(PriceIndexRow.code)
        )
        if code is not None:
            query = query.where(PriceIndexRow.code == code)
        return [
            IndexRecord(row.id, row.code, row.name, row.unit, n or 0, last, value)
            for row, n, last, value in self.session.execute(query)
        ]

    def add_index(self, code: str, name: str, unit: str) -> int:
        row = PriceIndexRow(code=code, name=name, unit=unit)
        self.session.add(row)
        self.session.flush()
        return row.id

    def update_index(self, index_id: int, **values: Any) -> None:
        self.session.execute(
            update(PriceIndexRow).where(PriceIndexRow.id == index_id).values(**values)
        )

    def values_of(self, index_ids: Iterable[int]) -> dict[tuple[int, date], Decimal]:
        """Every stored value of the indices, by (index id, day)."""
        rows = self.session.execute(
            select(
                PriceIndexValueRow.index_id,
                PriceIndexValueRow.value_date,
                PriceIndexValueRow.value,
            ).where(PriceIndexValueRow.index_id.in_(list(index_ids)))
        )
        return {(index_id, day): value for index_id, day, value in rows}

    def points(self, index_id: int) -> list[IndexPoint]:
        rows = self.session.execute(
            select(PriceIndexValueRow.value_date, PriceIndexValueRow.value)
            .where(PriceIndexValueRow.index_id == index_id)
            .order_by(PriceIndexValueRow.value_date)
        )
        return [IndexPoint(day, value) for day, value in rows]

    def add_values(self, values: list[tuple[int, date, Decimal]]) -> None:
        if values:
            self.session.add_all(
                PriceIndexValueRow(index_id=i, value_date=d, value=v) for i, d, v in values
            )
            self.session.flush()

    def change_values(self, values: list[tuple[int, date, Decimal]]) -> None:
        """New values of stored (index, day) pairs, in one executemany."""
        if not values:
            return
        table = cast(Table, PriceIndexValueRow.__table__)
        statement = (
            update(table)
            .where(table.c.index_id == bindparam("i"), table.c.value_date == bindparam("d"))
            .values(value=bindparam("v", type_=Dec()), updated_at=bindparam("at"))
        )
        at = utcnow()
        self.session.execute(statement, [{"i": i, "d": d, "v": v, "at": at} for i, d, v in values])

    # -- cost models --------------------------------------------------------------------------

    def item_id(self, sku: str) -> int:
        found = self.session.scalar(select(ItemRow.id).where(ItemRow.sku == sku))
        if found is None:
            raise NotFound(f"unknown item {sku!r}")
        return int(found)

    def cost_models(self, item_ids: Iterable[int]) -> dict[int, CostModel]:
        """The cost model of each item that has one, its indices by code."""
        codes = dict(self.session.execute(select(PriceIndexRow.id, PriceIndexRow.code)).all())
        rows = self.session.scalars(
            select(ItemCostModelRow).where(ItemCostModelRow.item_id.in_(list(item_ids)))
        )
        return {row.item_id: _model(row, codes) for row in rows}

    def set_cost_model(self, item_id: int, model: CostModel, index_ids: dict[str, int]) -> None:
        values: dict[str, Any] = {f"{c.value}_share": getattr(model, c.value) for c in Component}
        for component, column in _INDEX_COLUMNS.items():
            index = getattr(model, f"{component.value}_index")
            values[column] = index_ids[index] if index is not None else None
        row = self.session.scalar(
            select(ItemCostModelRow).where(ItemCostModelRow.item_id == item_id)
        )
        if row is None:
            self.session.add(ItemCostModelRow(item_id=item_id, **values))
        else:
            for name, value in values.items():
                setattr(row, name, value)
        self.session.flush()

    # -- contracts and clauses ----------------------------------------------------------------

    def contract(self, code: str) -> ContractRecord:
        row = self.session.execute(
            select(ContractRow.id, ContractRow.code, SupplierRow.code, ContractRow.currency)
            .join(SupplierRow, SupplierRow.id == ContractRow.supplier_id)
            .where(ContractRow.code == code)
        ).first()
        if row is None:
            raise NotFound(f"unknown contract {code!r}")
        return ContractRecord(*row)

    def clauses(
        self, contract_id: int | None = None, *, valid_on: date | None = None
    ) -> list[ClauseRecord]:
        """The index clauses (of one contract; of contracts not expired by ``valid_on``)."""
        query = (
            select(
                ContractRow.id,
                ContractRow.code,
                SupplierRow.code,
                ContractRow.currency,
                ContractIndexClauseRow,
                PriceIndexRow.code,
            )
            .join(ContractRow, ContractRow.id == ContractIndexClauseRow.contract_id)
            .join(SupplierRow, SupplierRow.id == ContractRow.supplier_id)
            .join(PriceIndexRow, PriceIndexRow.id == ContractIndexClauseRow.index_id)
            .order_by(ContractRow.code, PriceIndexRow.code)
        )
        if contract_id is not None:
            query = query.where(ContractRow.id == contract_id)
        if valid_on is not None:
            query = query.where(ContractRow.valid_to >= valid_on)
        return [
            ClauseRecord(
                ContractRecord(cid, code, supplier, currency),
                clause.index_id,
                index,
                clause.base_value,
                clause.base_date,
                clause.threshold_pct,
            )
            for cid, code, supplier, currency, clause, index in self.session.execute(query)
        ]

    def set_clause(
        self,
        contract_id: int,
        index_id: int,
        base_value: Decimal,
        base_date: date,
        threshold_pct: Decimal,
    ) -> None:
        row = self.session.scalar(
            select(ContractIndexClauseRow).where(
                ContractIndexClauseRow.contract_id == contract_id,
                ContractIndexClauseRow.index_id == index_id,
            )
        )
        values = {"base_value": base_value, "base_date": base_date, "threshold_pct": threshold_pct}
        if row is None:
            self.session.add(
                ContractIndexClauseRow(contract_id=contract_id, index_id=index_id, **values)
            )
        else:
            for name, value in values.items():
                setattr(row, name, value)
        self.session.flush()

    def price_tiers(self, contract_ids: Iterable[int]) -> list[PriceTier]:
        rows = self.session.execute(
            select(
                ContractPriceRow.contract_id,
                ContractPriceRow.item_id,
                ItemRow.sku,
                ContractPriceRow.min_quantity,
                ContractPriceRow.unit_price,
            )
            .join(ItemRow, ItemRow.id == ContractPriceRow.item_id)
            .where(ContractPriceRow.contract_id.in_(list(contract_ids)))
            .order_by(ContractPriceRow.contract_id, ItemRow.sku, ContractPriceRow.min_quantity)
        )
        return [PriceTier(*row) for row in rows]

    def on_order(self, contract_ids: Iterable[int]) -> list[OnOrder]:
        """The open lines of purchase orders placed under the contracts, what is still to come."""
        rows = self.session.execute(
            select(
                PurchaseOrderRow.contract_id,
                PurchaseOrderLineRow.item_id,
                PurchaseOrderLineRow.quantity,
                PurchaseOrderLineRow.received_quantity,
                PurchaseOrderLineRow.unit_price,
            )
            .join(PurchaseOrderRow, PurchaseOrderRow.po_number == PurchaseOrderLineRow.po_number)
            .where(
                PurchaseOrderRow.contract_id.in_(list(contract_ids)),
                PurchaseOrderRow.status.not_in(("cancelled", "closed")),
                PurchaseOrderLineRow.status == "open",
            )
            .order_by(PurchaseOrderLineRow.po_number, PurchaseOrderLineRow.line_no)
        )
        return [
            OnOrder(cid, item_id, ordered - received, price)
            for cid, item_id, ordered, received, price in rows
            if cid is not None  # the query keeps only lines under a contract
        ]

    # -- tasks --------------------------------------------------------------------------------

    def _task_query(self) -> Any:
        return (
            select(RenegotiationTaskRow, ContractRow.code, SupplierRow.code, PriceIndexRow.code)
            .join(ContractRow, ContractRow.id == RenegotiationTaskRow.contract_id)
            .join(SupplierRow, SupplierRow.id == ContractRow.supplier_id)
            .join(PriceIndexRow, PriceIndexRow.id == RenegotiationTaskRow.index_id)
            .execution_options(populate_existing=True)
        )

    def tasks(
        self,
        *,
        status: TaskStatus | None = None,
        contract_id: int | None = None,
        index_id: int | None = None,
    ) -> list[TaskRecord]:
        query = self._task_query().order_by(RenegotiationTaskRow.id)
        if status is not None:
            query = query.where(RenegotiationTaskRow.status == status.value)
        if contract_id is not None:
            query = query.where(RenegotiationTaskRow.contract_id == contract_id)
        if index_id is not None:
            query = query.where(RenegotiationTaskRow.index_id == index_id)
        return [_task(*row) for row in self.session.execute(query)]

    def task(self, task_id: int, *, lock: bool = False) -> TaskRecord:
        query = self._task_query().where(RenegotiationTaskRow.id == task_id)
        if lock:
            query = query.with_for_update(of=RenegotiationTaskRow)
        row = self.session.execute(query).first()
        if row is None:
            raise NotFound(f"no renegotiation task {task_id}")
        return _task(*row)

    def add_task(self, **values: Any) -> int:
        row = RenegotiationTaskRow(created_by=self.actor, **values)
        self.session.add(row)
        self.session.flush()
        return row.id

    def update_task(self, task_id: int, **values: Any) -> None:
        self.session.execute(
            update(RenegotiationTaskRow).where(RenegotiationTaskRow.id == task_id).values(**values)
        )


def _model(row: ItemCostModelRow, codes: dict[int, str]) -> CostModel:
    def index(column: str) -> str | None:
        found = getattr(row, column)
        return codes[found] if found is not None else None

    return CostModel(
        material=row.material_share,
        energy=row.energy_share,
        tooling=row.tooling_share,
        labour=row.labour_share,
        material_index=index("material_index_id"),
        energy_index=index("energy_index_id"),
        tooling_index=index("tooling_index_id"),
        labour_index=index("labour_index_id"),
    )


def _task(row: RenegotiationTaskRow, contract: str, supplier: str, index: str) -> TaskRecord:
    return TaskRecord(
        id=row.id,
        contract=contract,
        supplier=supplier,
        index=index,
        base_value=row.base_value,
        index_value=row.index_value,
        value_date=row.value_date,
        move_pct=row.move_pct,
        cost_impact=row.cost_impact,
        currency=row.currency,
        impacts=list(row.impacts or []),
        status=TaskStatus(row.status),
        reason=row.reason,
        created_at=row.created_at,
        created_by=row.created_by,
        decided_at=row.decided_at,
        decided_by=row.decided_by,
        contract_id=row.contract_id,
        index_id=row.index_id,
    )
