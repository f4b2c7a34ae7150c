"""The supplier rules' store: every statement on rule firings, supplier policies, spot-check
requests and item certificates, and the reads of suppliers, certificates, terms, spend and open
work the rules need.

Supplier-owned records (spot checks, suppliers named by code) are filtered by the unit of work's
``supplier_scope``: another supplier's record does not exist for a supplier's user. A firing's
key is open once: the insert does nothing when an open firing holds the key (the unique
``(key, open_marker)``), so two runs at once cannot raise it twice. Nothing here commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, or_, select, update

from flexchain.adapters.db.dialect import insert_for
from flexchain.adapters.db.tables import (
    CapabilityRow,
    CertificationRow,
    ItemRow,
    ItemSupplierRow,
    JobEventRow,
    ProductionJobRow,
    PurchaseOrderLineRow,
    PurchaseOrderRow,
    SupplierRow,
)
from flexchain.adapters.db.tables.supplier_rules import (
    ItemCertificateRow,
    RuleFiringRow,
    SupplierPolicyRow,
)
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.errors import NotFound
from flexchain.domain.supplier_rules import (
    CertificateFact,
    Firing,
    FiringStatus,
    JobReport,
    KeyState,
    Policy,
    Rule,
)

__all__ = [
    "FiringRecord",
    "ItemCertificateRecord",
    "SiteRecord",
    "SpendRecord",
    "SqlSupplierRulesStore",
    "SupplierRef",
]

_SPENT = ("sent", "confirmed", "closed")
"""PO header statuses whose lines count as spend (issued to the supplier)."""


@dataclass(frozen=True)
class SupplierRef:
    id: int
    code: str


@dataclass(frozen=True)
class FiringRecord:
    id: int
    rule: Rule
    supplier: str | None
    item: str | None
    key: str
    fired_at: datetime
    why: str
    figures: dict[str, Any]
    action: str
    decision: str
    status: FiringStatus
    decided_at: datetime | None
    decided_by: str | None
    decision_note: str | None


@dataclass(frozen=True)
class ItemCertificateRecord:
    sku: str
    certificate: str
    market: str


@dataclass(frozen=True)
class SpendRecord:
    item: str
    supplier: str
    currency: str
    amount: Decimal
    on: date


@dataclass(frozen=True)
class SiteRecord:
    """A supplier as the alternatives search sees it."""

    code: str
    latitude: Decimal | None
    longitude: Decimal | None
    processes: dict[str, Decimal]  # process -> mean lead time (days)
    terms: dict[str, int]  # item SKU -> lead time (days) of terms valid today
    certificates: dict[str, date]


_FIRING_COLUMNS = (RuleFiringRow, SupplierRow.code, ItemRow.sku)


def _firing(row: RuleFiringRow, supplier: str | None, sku: str | None) -> FiringRecord:
    return FiringRecord(
        row.id, Rule(row.rule), supplier, sku, row.key, row.fired_at, row.why,
        dict(row.figures or {}), row.action, row.decision, FiringStatus(row.status),
        row.decided_at, row.decided_by, row.decision_note,
    )  # fmt: skip


class SqlSupplierRulesStore:
    """Rule firings, policies, spot checks and item certificates of one unit of work."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.session = uow.session
        self.scope = uow.supplier_scope

    # -- reference data -------------------------------------------------------------------------

    def supplier(self, code: str) -> SupplierRef:
        """The supplier ``code`` (a supplier's user: only its own)."""
        query = select(SupplierRow.id, SupplierRow.code).where(SupplierRow.code == code)
        if self.scope is not None:
            query = query.where(SupplierRow.id == self.scope)
        row = self.session.execute(query).first()
        if row is None:
            raise NotFound(f"unknown supplier {code!r}")
        return SupplierRef(*row)

    def item_id(self, sku: str) -> int:
        found = self.session.scalar(select(ItemRow.id).where(ItemRow.sku == sku))
        if found is None:
            raise NotFound(f"unknown item {sku!r}")
        return found

    def sites(self, on: date) -> dict[str, SiteRecord]:
        """Every active supplier with its site, processes, current terms and certificates."""
        suppliers = self.session.execute(
            select(SupplierRow.id, SupplierRow.code, SupplierRow.latitude, SupplierRow.longitude)
            .where(SupplierRow.active.is_(True))
        ).all()  # fmt: skip
        processes: dict[int, dict[str, Decimal]] = defaultdict(dict)
        for sid, process, mean in self.session.execute(select(
            CapabilityRow.supplier_id, CapabilityRow.process, CapabilityRow.lead_time_mean_days
        )):  # fmt: skip
            processes[sid][process] = mean
        terms: dict[int, dict[str, int]] = defaultdict(dict)
        for sid, sku, days in self.session.execute(
            select(ItemSupplierRow.supplier_id, ItemRow.sku, ItemSupplierRow.lead_time_days)
            .join(ItemRow, ItemRow.id == ItemSupplierRow.item_id)
            .where(or_(ItemSupplierRow.valid_from.is_(None), ItemSupplierRow.valid_from <= on))
            .where(or_(ItemSupplierRow.valid_to.is_(None), ItemSupplierRow.valid_to >= on))
        ):  # fmt: skip
            terms[sid][sku] = days
        certs: dict[int, dict[str, date]] = defaultdict(dict)
        for sid, name, until in self.session.execute(select(
            CertificationRow.supplier_id, CertificationRow.name, CertificationRow.valid_until
        )):  # fmt: skip
            certs[sid][name] = until
        return {
            code: SiteRecord(code, lat, lon, processes[sid], terms[sid], certs[sid])
            for sid, code, lat, lon in suppliers
        }

    def item_processes(self, skus: Iterable[str]) -> dict[str, str | None]:
        """Each item's ``attributes.process`` (None: it names none)."""
        rows = self.session.execute(
            select(ItemRow.sku, ItemRow.attributes).where(ItemRow.sku.in_(list(skus)))
        )
        found = {}
        for sku, attributes in rows:
            named = (attributes or {}).get("process")
            found[sku] = named if isinstance(named, str) and named else None
        return found

    def certificates(self) -> list[CertificateFact]:
        """The certificates of every active supplier."""
        rows = self.session.execute(
            select(SupplierRow.code, CertificationRow.name, CertificationRow.valid_until)
            .join(SupplierRow, SupplierRow.id == CertificationRow.supplier_id)
            .where(SupplierRow.active.is_(True))
        )  # fmt: skip
        return [CertificateFact(*row) for row in rows]

    def supplied(self) -> dict[str, frozenset[str]]:
        """The SKUs each supplier supplies: items it has terms for or is the default of."""
        found: dict[str, set[str]] = defaultdict(set)
        by_terms = (
            select(SupplierRow.code, ItemRow.sku)
            .join(ItemSupplierRow, ItemSupplierRow.supplier_id == SupplierRow.id)
            .join(ItemRow, ItemRow.id == ItemSupplierRow.item_id)
        )
        by_default = select(SupplierRow.code, ItemRow.sku).join(
            ItemRow, ItemRow.default_supplier_id == SupplierRow.id
        )
        for query in (by_terms, by_default):
            for code, sku in self.session.execute(query):
                found[code].add(sku)
        return {code: frozenset(skus) for code, skus in found.items()}

    def spend(self, since: date, until: date) -> list[SpendRecord]:
        """PO lines (not cancelled) of POs issued from ``since`` to ``until`` (lines without a
        header, imported: due in that window), priced, with what they cost."""
        start = datetime.combine(since, time(), UTC) - timedelta(days=1)  # any zone's day
        rows = self.session.execute(
            select(ItemRow.sku, SupplierRow.code, PurchaseOrderLineRow.currency,
                   PurchaseOrderLineRow.quantity, PurchaseOrderLineRow.unit_price,
                   PurchaseOrderRow.issued_at, PurchaseOrderLineRow.due_date,
                   PurchaseOrderRow.status)
            .join(ItemRow, ItemRow.id == PurchaseOrderLineRow.item_id)
            .join(SupplierRow, SupplierRow.id == PurchaseOrderLineRow.supplier_id)
            .outerjoin(PurchaseOrderRow,
                       PurchaseOrderRow.po_number == PurchaseOrderLineRow.po_number)
            .where(PurchaseOrderLineRow.status != "cancelled")
            .where(PurchaseOrderLineRow.unit_price.is_not(None))
            .where(or_(PurchaseOrderRow.issued_at >= start, PurchaseOrderLineRow.due_date >= since))
        )  # fmt: skip
        found = []
        for sku, code, currency, qty, price, issued_at, due, status in rows:
            if status is not None and status not in _SPENT:
                continue
            on = issued_at.date() if status is not None and issued_at is not None else due
            if since <= on <= until:
                found.append(SpendRecord(sku, code, currency, qty * (price or 0), on))
        return found

    def job_reports(self, suppliers: Iterable[str]) -> list[JobReport]:
        """The released or started jobs of ``suppliers`` with the time of their last report
        (last event, else started, else released)."""
        last = (
            select(JobEventRow.job_id, func.max(JobEventRow.at).label("at"))
            .group_by(JobEventRow.job_id)
            .subquery()
        )
        rows = self.session.execute(
            select(SupplierRow.code, ProductionJobRow.id, last.c.at, ProductionJobRow.started_at,
                   ProductionJobRow.released_at)
            .join(SupplierRow, SupplierRow.id == ProductionJobRow.supplier_id)
            .outerjoin(last, last.c.job_id == ProductionJobRow.id)
            .where(SupplierRow.code.in_(list(suppliers)))
            .where(ProductionJobRow.status.in_(("released", "started")))
        )  # fmt: skip
        return [
            JobReport(code, job_id, at or started or released)
            for code, job_id, at, started, released in rows
            if (at or started or released) is not None
        ]

    # -- item certificates ------------------------------------------------------------------------

    def item_certificates(self, sku: str | None = None) -> list[ItemCertificateRecord]:
        query = (
            select(ItemRow.sku, ItemCertificateRow.certificate, ItemCertificateRow.market)
            .join(ItemRow, ItemRow.id == ItemCertificateRow.item_id)
            .order_by(ItemRow.sku, ItemCertificateRow.certificate, ItemCertificateRow.market)
        )
        if sku is not None:
            query = query.where(ItemRow.sku == sku)
        return [ItemCertificateRecord(*row) for row in self.session.execute(query)]

    def require(self, item_id: int, certificate: str, market: str) -> bool:
        """Record the requirement; False when it was there already."""
        done = self.session.execute(
            insert_for(self.session, ItemCertificateRow)
            .values(item_id=item_id, certificate=certificate, market=market)
            .on_conflict_do_nothing(index_elements=["item_id", "certificate", "market"])
        )
        return bool(done.rowcount)  # type: ignore[attr-defined]

    def unrequire(self, item_id: int, certificate: str, market: str) -> bool:
        done = self.session.execute(
            delete(ItemCertificateRow)
            .where(ItemCertificateRow.item_id == item_id)
            .where(ItemCertificateRow.certificate == certificate)
            .where(ItemCertificateRow.market == market)
        )
        return bool(done.rowcount)  # type: ignore[attr-defined]

    # -- policies ---------------------------------------------------------------------------------

    def policies(self) -> dict[str, Policy]:
        """Every stored policy by supplier code (a supplier's user: its own)."""
        query = select(SupplierPolicyRow, SupplierRow.code).join(
            SupplierRow, SupplierRow.id == SupplierPolicyRow.supplier_id
        )
        if self.scope is not None:
            query = query.where(SupplierRow.id == self.scope)
        return {
            code: Policy(row.allocation_weight, row.monitoring, row.monitoring_since,
                         row.checkin_interval_days, row.spot_checks_per_week, row.reason)
            for row, code in self.session.execute(query)
        }  # fmt: skip

    def policy(self, supplier_id: int, *, lock: bool = False) -> Policy:
        """One supplier's policy (the default until a rule acted); ``lock``: its row (or the
        supplier's, before it has one) stays locked until the unit of work ends."""
        query = select(SupplierPolicyRow).where(SupplierPolicyRow.supplier_id == supplier_id)
        row = self.session.scalar(query.with_for_update() if lock else query)
        if row is None:
            if lock:
                self.session.scalar(select(SupplierRow.id).where(SupplierRow.id == supplier_id)
                                    .with_for_update())  # fmt: skip
            return Policy()
        return Policy(row.allocation_weight, row.monitoring, row.monitoring_since,
                      row.checkin_interval_days, row.spot_checks_per_week, row.reason)  # fmt: skip

    def set_policy(self, supplier_id: int, policy: Policy) -> None:
        values = {
            "allocation_weight": policy.allocation_weight,
            "monitoring": policy.monitoring,
            "monitoring_since": policy.monitoring_since,
            "checkin_interval_days": policy.checkin_interval_days,
            "spot_checks_per_week": policy.spot_checks_per_week,
            "reason": policy.reason,
        }
        found = self.session.scalar(
            select(SupplierPolicyRow).where(SupplierPolicyRow.supplier_id == supplier_id)
        )
        if found is None:
            self.session.add(SupplierPolicyRow(supplier_id=supplier_id, **values))
        else:
            for name, value in values.items():
                setattr(found, name, value)
        self.session.flush()

    # -- firings ----------------------------------------------------------------------------------

    def history(self) -> dict[str, KeyState]:
        """Per key fired: whether a firing of it is open, and its last decision's time."""
        rows = self.session.execute(
            select(RuleFiringRow.key, func.count(RuleFiringRow.open_marker),
                   func.max(RuleFiringRow.decided_at))
            .group_by(RuleFiringRow.key)
        )  # fmt: skip
        return {key: KeyState(bool(opened), decided) for key, opened, decided in rows}

    def add_firing(
        self, firing: Firing, *, supplier_id: int | None, item_id: int | None, at: datetime
    ) -> int | None:
        """Store an open firing; None when one of its key is open already."""
        done = self.session.execute(
            insert_for(self.session, RuleFiringRow)
            .values(rule=firing.rule.value, supplier_id=supplier_id, item_id=item_id,
                    key=firing.key, open_marker=1, fired_at=at, why=firing.why,
                    figures=dict(firing.figures), action=firing.action,
                    decision=firing.decision, status=FiringStatus.OPEN.value,
                    created_at=at, updated_at=at)
            .on_conflict_do_nothing(index_elements=["key", "open_marker"])
            .returning(RuleFiringRow.id)
        ).first()  # fmt: skip
        return None if done is None else done[0]

    def _firings(self) -> Any:
        return (
            select(*_FIRING_COLUMNS)
            .outerjoin(SupplierRow, SupplierRow.id == RuleFiringRow.supplier_id)
            .outerjoin(ItemRow, ItemRow.id == RuleFiringRow.item_id)
            .execution_options(populate_existing=True)
        )

    def firings(self, *, status: FiringStatus | None = None) -> list[FiringRecord]:
        """Firings, newest first (of one status)."""
        query = self._firings().order_by(RuleFiringRow.fired_at.desc(), RuleFiringRow.id.desc())
        if status is not None:
            query = query.where(RuleFiringRow.status == status.value)
        return [_firing(*row) for row in self.session.execute(query)]

    def firing(self, firing_id: int, *, lock: bool = False) -> FiringRecord:
        query = self._firings().where(RuleFiringRow.id == firing_id)
        if lock:
            query = query.with_for_update(of=RuleFiringRow)
        row = self.session.execute(query).first()
        if row is None:
            raise NotFound(f"no rule firing {firing_id}")
        return _firing(*row)

    def close_firing(
        self, firing_id: int, *, status: FiringStatus, at: datetime, by: str, note: str
    ) -> None:
        self.session.execute(
            update(RuleFiringRow).where(RuleFiringRow.id == firing_id)
            .values(status=status.value, open_marker=None, decided_at=at, decided_by=by,
                    decision_note=note, updated_at=at)
        )  # fmt: skip
