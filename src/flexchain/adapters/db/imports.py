"""The stores the import registry (:mod:`flexchain.services.imports`) reads and writes through,
bundled for one unit of work, with the savepoint an import's writes run in.

tests/fakes.py has in-memory stand-ins with the same attributes and methods.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from flexchain.adapters.db.audit import AuditLog
from flexchain.adapters.db.catalog import CatalogStore
from flexchain.adapters.db.contracts import ContractStore
from flexchain.adapters.db.demand import DemandStore
from flexchain.adapters.db.locations import LocationStore
from flexchain.adapters.db.purchasing import PurchasingStore
from flexchain.adapters.db.suppliers import SupplierStore
from flexchain.adapters.db.tables import utcnow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.adapters.db.upserts import RowStore

__all__ = ["ImportStores"]


@dataclass(frozen=True)
class ImportStores:
    uow: UnitOfWork
    rows: RowStore
    catalog: CatalogStore
    suppliers: SupplierStore
    contracts: ContractStore
    locations: LocationStore
    purchasing: PurchasingStore
    demand: DemandStore
    audit: AuditLog

    @classmethod
    def of(cls, uow: UnitOfWork) -> ImportStores:
        session = uow.session
        return cls(
            uow=uow,
            rows=RowStore(session),
            catalog=CatalogStore(session),
            suppliers=SupplierStore(session),
            contracts=ContractStore(session),
            locations=LocationStore(session),
            purchasing=PurchasingStore(session),
            demand=DemandStore(session),
            audit=AuditLog(session, uow.actor),
        )

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Everything written inside is undone if the block raises; the caller's unit of work
        stays usable (and uncommitted) either way."""
        savepoint = self.uow.session.begin_nested()
        try:
            yield
        except BaseException:
            savepoint.rollback()
            raise
        savepoint.commit()

    def flush(self) -> None:
        """Send what is pending (audit rows) to the database, so errors surface here."""
        self.uow.session.flush()

    def now(self) -> datetime:
        """The time of writing, for callers that give no ``now`` (as the tables' defaults)."""
        return utcnow()
