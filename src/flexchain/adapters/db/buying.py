"""The buying store: every statement for purchase orders (``purchase_orders``
and ``purchase_order_lines``), confirmations, shipment notices, and the numbers documents
get (``RFQ-000001``, ``PO-000001``, ``ASN-000001``). RFQs: :mod:`.rfqs`; capacity holds:
:mod:`.capacity_holds`.

A supplier's user (``uow.supplier_scope``) sees only its own purchase orders and notices: the
others do not exist for it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import func, select, update

from flexchain.adapters.db.dialect import insert_for
from flexchain.adapters.db.repositories import ContractRepository, SupplierRepository
from flexchain.adapters.db.tables import (
    BuyingCounterRow,
    ContractRow,
    ItemRow,
    LocationRow,
    PoConfirmationRow,
    PurchaseOrderLineRow,
    PurchaseOrderRow,
    RfqRow,
    ShipmentNoticeLineRow,
    ShipmentNoticeRow,
    SupplierRow,
)
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.contracts import Contract
from flexchain.domain.errors import NotFound
from flexchain.domain.suppliers import ItemSupplier

__all__ = [
    "COUNTERS",
    "ConfirmationRecord",
    "ItemRef",
    "NewLine",
    "NoticeRecord",
    "PoLineRecord",
    "PoRecord",
    "SqlBuyingStore",
    "SupplierRef",
    "record_of",
]

COUNTERS = {"rfq": "RFQ-", "po": "PO-", "asn": "ASN-"}
"""Document kind -> number prefix; numbers are the prefix and six digits (more past 999999)."""
_ZERO = Decimal(0)
R = TypeVar("R")


@dataclass(frozen=True)
class SupplierRef:
    id: int
    code: str
    name: str
    email: str
    country: str
    currency: str
    payment_terms_days: int


@dataclass(frozen=True)
class ItemRef:
    id: int
    sku: str
    name: str
    uom: str


@dataclass(frozen=True)
class NewLine:
    item_id: int
    quantity: Decimal
    due_date: date
    unit_price: Decimal | None
    topup: bool = False


@dataclass(frozen=True)
class PoLineRecord:
    line_no: int
    item_sku: str
    item_name: str
    uom: str
    quantity: Decimal
    received_quantity: Decimal
    unit_price: Decimal | None
    currency: str
    due_date: date
    status: str
    confirmed_quantity: Decimal | None
    confirmed_date: date | None
    topup: bool
    location: str | None


@dataclass(frozen=True)
class PoRecord:
    id: int
    number: str
    supplier: SupplierRef
    status: str
    source: str
    currency: str
    contract_id: int | None
    contract_code: str | None
    rfq_number: str | None
    payment_terms_days: int
    issued_at: datetime | None
    confirmed_at: datetime | None
    closed_at: datetime | None
    notes: str
    created_at: datetime
    lines: tuple[PoLineRecord, ...]


@dataclass(frozen=True)
class ConfirmationRecord:
    po_number: str
    line_no: int
    ordered_quantity: Decimal
    confirmed_quantity: Decimal
    previous_due_date: date
    confirmed_date: date
    note: str
    at: datetime
    actor: str


@dataclass(frozen=True)
class NoticeRecord:
    number: str
    po_number: str
    supplier: str
    shipped_on: date
    expected_on: date
    carrier: str
    tracking: str
    note: str
    at: datetime
    actor: str
    lines: tuple[tuple[int, Decimal], ...]


def _supplier(row: SupplierRow) -> SupplierRef:
    return record_of(SupplierRef, row)


class SqlBuyingStore:
    """Purchase orders, confirmations and notices of one unit of work."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.session = uow.session
        self.scope = uow.supplier_scope
        self.actor = uow.actor

    # -- numbers ------------------------------------------------------------------------------

    def _taken(self, kind: str) -> list[Any]:
        """Columns holding numbers of ``kind`` already in use (imported PO lines too)."""
        if kind == "po":
            return [PurchaseOrderRow.po_number, PurchaseOrderLineRow.po_number]
        if kind == "asn":
            return [ShipmentNoticeRow.number]
        return [RfqRow.number]

    def _is_taken(self, kind: str, number: str) -> bool:
        return any(
            self.session.scalar(select(column).where(column == number).limit(1)) is not None
            for column in self._taken(kind)
        )

    def _seed(self, kind: str) -> int:
        """The highest number of ``kind`` already in use (0: none)."""
        prefix = COUNTERS[kind]
        pattern = re.compile(re.escape(prefix) + r"(\d+)")
        seed = 0
        for column in self._taken(kind):
            for (value,) in self.session.execute(select(column).where(column.like(f"{prefix}%"))):
                match = pattern.fullmatch(value)
                seed = max(seed, int(match.group(1))) if match else seed
        return seed

    def _counter(self, kind: str) -> int | None:
        return self.session.scalar(
            select(BuyingCounterRow.value).where(BuyingCounterRow.name == kind).with_for_update()
        )

    def next_number(self, kind: str) -> str:
        """The next free number of ``kind`` (``rfq``, ``po``, ``asn``): the prefix and six
        digits. The counter row is locked until the unit of work ends, so concurrent writers get
        different numbers; its first use starts after the highest number already there."""
        prefix = COUNTERS[kind]
        last = self._counter(kind)
        if last is None:  # first use: a concurrent first use waits on this row, then skips
            self.session.execute(
                insert_for(self.session, BuyingCounterRow)
                .values(name=kind, value=self._seed(kind))
                .on_conflict_do_nothing(index_elements=["name"])
            )
            last = self._counter(kind)
            assert last is not None
        value = last + 1
        while self._is_taken(kind, f"{prefix}{value:06d}"):  # typed in by hand or imported
            value += 1
        self.session.execute(
            update(BuyingCounterRow).where(BuyingCounterRow.name == kind).values(value=value)
        )
        return f"{prefix}{value:06d}"

    # -- reference data -----------------------------------------------------------------------

    def supplier(self, code: str) -> SupplierRef:
        """The supplier ``code`` (a supplier's user: only its own)."""
        query = select(SupplierRow).where(SupplierRow.code == code)
        if self.scope is not None:
            query = query.where(SupplierRow.id == self.scope)
        row = self.session.scalars(query).first()
        if row is None:
            raise NotFound(f"unknown supplier {code!r}")
        return _supplier(row)

    def scope_supplier(self) -> str | None:
        """The code of the supplier a supplier's user acts for; None for the brand's users."""
        if self.scope is None:
            return None
        return self.session.scalar(select(SupplierRow.code).where(SupplierRow.id == self.scope))

    def items(self, skus: Iterable[str]) -> dict[str, ItemRef]:
        wanted = sorted(set(skus))
        rows = self.session.execute(
            select(ItemRow.id, ItemRow.sku, ItemRow.name, ItemRow.uom).where(
                ItemRow.sku.in_(wanted)
            )
        )
        return {sku: ItemRef(id_, sku, name, uom) for id_, sku, name, uom in rows}

    def contract(self, code: str) -> tuple[int, Contract]:
        contract = ContractRepository(self.session).get(code)
        contract_id = self.session.scalar(select(ContractRow.id).where(ContractRow.code == code))
        assert contract_id is not None
        return contract_id, contract

    def contracts_of(self, supplier_code: str) -> list[tuple[int, Contract]]:
        """The supplier's contracts with their ids, by code."""
        ids = dict(
            self.session.execute(
                select(ContractRow.code, ContractRow.id)
                .join(SupplierRow, SupplierRow.id == ContractRow.supplier_id)
                .where(SupplierRow.code == supplier_code)
            ).all()
        )
        found = ContractRepository(self.session).all(supplier_code)
        return [(ids[contract.code], contract) for contract in found]

    def item_terms(self, supplier_code: str, item_sku: str) -> ItemSupplier | None:
        """The supplier's list terms (price breaks) for the item, if it has any."""
        terms = SupplierRepository(self.session).item_suppliers(item_sku)
        return next((t for t in terms if t.supplier_code == supplier_code), None)

    def contract_code(self, contract_id: int) -> str:
        code = self.session.scalar(select(ContractRow.code).where(ContractRow.id == contract_id))
        assert code is not None
        return code

    # -- purchase orders ----------------------------------------------------------------------

    def add_po(
        self,
        number: str,
        supplier: SupplierRef,
        *,
        source: str,
        currency: str,
        contract_id: int | None,
        rfq_number: str | None,
        notes: str,
        lines: Sequence[NewLine],
    ) -> None:
        self.session.add(
            PurchaseOrderRow(
                po_number=number,
                supplier_id=supplier.id,
                status="draft",
                source=source,
                currency=currency,
                contract_id=contract_id,
                rfq_number=rfq_number,
                payment_terms_days=supplier.payment_terms_days,
                notes=notes,
            )
        )
        self.add_lines(number, supplier.id, currency, lines)

    def add_lines(
        self, number: str, supplier_id: int, currency: str, lines: Sequence[NewLine]
    ) -> list[int]:
        """Append ``lines`` to order ``number``; their line numbers."""
        last = self.session.scalar(
            select(func.max(PurchaseOrderLineRow.line_no)).where(
                PurchaseOrderLineRow.po_number == number
            )
        )
        numbers = []
        for offset, line in enumerate(lines, start=(last or 0) + 1):
            self.session.add(
                PurchaseOrderLineRow(
                    po_number=number,
                    line_no=offset,
                    supplier_id=supplier_id,
                    item_id=line.item_id,
                    quantity=line.quantity,
                    received_quantity=_ZERO,
                    unit_price=line.unit_price,
                    currency=currency,
                    due_date=line.due_date,
                    status="open",
                    topup=line.topup,
                )
            )
            numbers.append(offset)
        self.session.flush()
        return numbers

    def _po_query(self) -> Any:
        query = (
            select(PurchaseOrderRow, SupplierRow, ContractRow.code)
            .join(SupplierRow, SupplierRow.id == PurchaseOrderRow.supplier_id)
            .outerjoin(ContractRow, ContractRow.id == PurchaseOrderRow.contract_id)
            .execution_options(populate_existing=True)
        )
        if self.scope is not None:
            query = query.where(PurchaseOrderRow.supplier_id == self.scope)
        return query

    def _lines(self, numbers: Sequence[str]) -> dict[str, list[PoLineRecord]]:
        line = PurchaseOrderLineRow
        rows = self.session.execute(
            select(line, ItemRow.sku, ItemRow.name, ItemRow.uom, LocationRow.code)
            .join(ItemRow, ItemRow.id == line.item_id)
            .outerjoin(LocationRow, LocationRow.id == line.location_id)
            .where(line.po_number.in_(list(numbers)))
            .order_by(line.po_number, line.line_no)
            .execution_options(populate_existing=True)
        )
        found: dict[str, list[PoLineRecord]] = {number: [] for number in numbers}
        for row, sku, name, uom, location in rows:
            found[row.po_number].append(
                record_of(PoLineRecord, row, item_sku=sku, item_name=name, uom=uom,
                        topup=bool(row.topup), location=location)
            )  # fmt: skip
        return found

    def _records(self, rows: Sequence[Any]) -> list[PoRecord]:
        lines = self._lines([row[0].po_number for row in rows])
        return [
            record_of(PoRecord, po, number=po.po_number, supplier=_supplier(supplier),
                    contract_code=contract, lines=tuple(lines[po.po_number]))
            for po, supplier, contract in rows
        ]  # fmt: skip

    def po(self, number: str, *, lock: bool = False) -> PoRecord:
        """Purchase order ``number``; ``lock``: its header row locked (PostgreSQL)."""
        query = self._po_query().where(PurchaseOrderRow.po_number == number)
        if lock:
            query = query.with_for_update(of=PurchaseOrderRow)
        row = self.session.execute(query).first()
        if row is None:
            raise NotFound(f"no purchase order {number!r}")
        return self._records([row])[0]

    def pos(
        self,
        *,
        status: str | None = None,
        supplier: str | None = None,
        source: str | None = None,
        limit: int = 1000,
    ) -> list[PoRecord]:
        """Purchase orders, newest first."""
        query = self._po_query()
        if status is not None:
            query = query.where(PurchaseOrderRow.status == status)
        if supplier is not None:
            query = query.where(SupplierRow.code == supplier)
        if source is not None:
            query = query.where(PurchaseOrderRow.source == source)
        query = query.order_by(PurchaseOrderRow.id.desc()).limit(limit)
        return self._records(self.session.execute(query).all())

    def set_po(self, number: str, **values: Any) -> None:
        self.session.execute(
            update(PurchaseOrderRow).where(PurchaseOrderRow.po_number == number).values(**values)
        )

    def set_line(self, number: str, line_no: int, **values: Any) -> None:
        self.session.execute(
            update(PurchaseOrderLineRow)
            .where(PurchaseOrderLineRow.po_number == number)
            .where(PurchaseOrderLineRow.line_no == line_no)
            .values(**values)
        )

    def set_lines(self, number: str, **values: Any) -> None:
        """Every open line of order ``number``."""
        self.session.execute(
            update(PurchaseOrderLineRow)
            .where(PurchaseOrderLineRow.po_number == number, PurchaseOrderLineRow.status == "open")
            .values(**values)
        )

    def has_calloff(self, contract_id: int) -> bool:
        """Whether a call-off (not cancelled) was already made under the contract."""
        found = self.session.scalar(
            select(PurchaseOrderRow.po_number)
            .where(
                PurchaseOrderRow.contract_id == contract_id,
                PurchaseOrderRow.source == "calloff",
                PurchaseOrderRow.status != "cancelled",
            )
            .limit(1)
        )
        return found is not None

    def topped_up(self, contract_id: int) -> Decimal:
        """Units of every top-up line (not cancelled) on the contract's orders."""
        total = self.session.scalar(
            select(func.coalesce(func.sum(PurchaseOrderLineRow.quantity), 0))
            .join(PurchaseOrderRow, PurchaseOrderRow.po_number == PurchaseOrderLineRow.po_number)
            .where(
                PurchaseOrderRow.contract_id == contract_id,
                PurchaseOrderLineRow.topup.is_(True),
                PurchaseOrderLineRow.status != "cancelled",
            )
        )
        return Decimal(total or 0)

    # -- confirmations and notices ------------------------------------------------------------

    def add_confirmation(self, record: ConfirmationRecord) -> None:
        self.session.add(PoConfirmationRow(**record.__dict__))
        self.session.flush()

    def confirmations(self, number: str) -> list[ConfirmationRecord]:
        rows = self.session.scalars(
            select(PoConfirmationRow)
            .where(PoConfirmationRow.po_number == number)
            .order_by(PoConfirmationRow.id)
        )
        return [record_of(ConfirmationRecord, row) for row in rows]

    def add_notice(self, record: NoticeRecord, supplier_id: int) -> None:
        fields = {k: v for k, v in record.__dict__.items() if k not in ("lines", "supplier")}
        row = ShipmentNoticeRow(supplier_id=supplier_id, **fields)
        self.session.add(row)
        self.session.flush()
        for line_no, quantity in record.lines:
            self.session.add(ShipmentNoticeLineRow(notice_id=row.id, line_no=line_no,
                                                   quantity=quantity))  # fmt: skip
        self.session.flush()

    def notices(self, number: str) -> list[NoticeRecord]:
        query = (
            select(ShipmentNoticeRow, SupplierRow.code)
            .join(SupplierRow, SupplierRow.id == ShipmentNoticeRow.supplier_id)
            .where(ShipmentNoticeRow.po_number == number)
            .order_by(ShipmentNoticeRow.id)
        )
        if self.scope is not None:
            query = query.where(ShipmentNoticeRow.supplier_id == self.scope)
        rows = self.session.execute(query).all()
        lines: dict[int, list[tuple[int, Decimal]]] = {row.id: [] for row, _ in rows}
        for line in self.session.scalars(
            select(ShipmentNoticeLineRow)
            .where(ShipmentNoticeLineRow.notice_id.in_(list(lines)))
            .order_by(ShipmentNoticeLineRow.notice_id, ShipmentNoticeLineRow.line_no)
        ):
            lines[line.notice_id].append((line.line_no, line.quantity))
        return [
            record_of(NoticeRecord, notice, supplier=code, lines=tuple(lines[notice.id]))
            for notice, code in rows
        ]


def record_of(kind: type[R], row: object, **given: Any) -> R:
    """A ``kind`` from the fields ``given``, the others read from ``row``'s like-named ones."""
    names = [f.name for f in fields(kind)]  # type: ignore[arg-type]
    return kind(**{name: given[name] if name in given else getattr(row, name) for name in names})
