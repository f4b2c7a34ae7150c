"""SQLAlchemy 2 tables, one module per aggregate; this package re-exports every name, and importing
it registers every table on ``Base.metadata`` (what Alembic compares against).

The domain never sees these: the stores under ``adapters/db/`` convert rows to domain objects.

Every table users change carries ``created_at`` / ``updated_at``; who did what is in ``audit_log``.
Natural keys (SKU, supplier code, location code, contract code) are unique and are what imports
match on, so re-importing a file updates rows instead of duplicating them.
"""

from __future__ import annotations

# issue 16's tables: registered on the metadata by import; use them from their own modules
from flexchain.adapters.db.tables import (  # noqa: F401
    budgets,
    decisions,
    loop,
    qc,
    reports,
    supplier_events,
    supplier_rules,
)
from flexchain.adapters.db.tables.audit import AuditRow
from flexchain.adapters.db.tables.base import NAMING, ZERO, Base, Timestamps, utcnow
from flexchain.adapters.db.tables.buying import (
    BuyingCounterRow,
    CapacityHoldRow,
    PoConfirmationRow,
    RfqLineRow,
    RfqQuoteRow,
    RfqRow,
    RfqSupplierRow,
    ShipmentNoticeLineRow,
    ShipmentNoticeRow,
)
from flexchain.adapters.db.tables.catalog import (
    BomLineRow,
    CatalogVersionRow,
    ItemRow,
    OptionComponentRow,
    OptionRow,
)
from flexchain.adapters.db.tables.demand import DemandHistoryRow, PresaleSignalRow
from flexchain.adapters.db.tables.identity import (
    ApiTokenRow,
    LoginAttemptRow,
    SessionRow,
    UserRow,
)
from flexchain.adapters.db.tables.jobs import JobEventRow
from flexchain.adapters.db.tables.orders import (
    InboxRow,
    OrderEventRow,
    OutboxRow,
    PickRow,
    ProductionJobRow,
    SalesOrderLineRow,
    SalesOrderRow,
    ShopRow,
    SkuMappingRow,
)
from flexchain.adapters.db.tables.paying import (
    CapacityFeeAccrualRow,
    ExchangeRateRow,
    InspectionRow,
    InvoiceLineRow,
    InvoiceRow,
    PaymentRow,
    QualityFundEntryRow,
    ReceiptLineRow,
    ReceiptRow,
)
from flexchain.adapters.db.tables.planning import (
    PlanExceptionRow,
    PlanInputRow,
    PlanItemRow,
    PlanOrderRow,
    PlanRunRow,
)
from flexchain.adapters.db.tables.price_watch import (
    ContractIndexClauseRow,
    ItemCostModelRow,
    PriceIndexRow,
    PriceIndexValueRow,
    RenegotiationTaskRow,
)
from flexchain.adapters.db.tables.procurement import PurchaseOrderRow
from flexchain.adapters.db.tables.purchasing import PurchaseOrderLineRow
from flexchain.adapters.db.tables.stock import (
    LocationRow,
    ReservationRow,
    StockBalanceRow,
    StockMoveRow,
)
from flexchain.adapters.db.tables.suppliers import (
    CapabilityRow,
    CertificationRow,
    ContractPriceRow,
    ContractRow,
    ItemSupplierRow,
    PriceBreakRow,
    SupplierRow,
)

__all__ = [
    "NAMING",
    "ZERO",
    "ApiTokenRow",
    "AuditRow",
    "Base",
    "BomLineRow",
    "BuyingCounterRow",
    "CapabilityRow",
    "CapacityFeeAccrualRow",
    "CapacityHoldRow",
    "CatalogVersionRow",
    "CertificationRow",
    "ContractIndexClauseRow",
    "ContractPriceRow",
    "ContractRow",
    "DemandHistoryRow",
    "ExchangeRateRow",
    "InboxRow",
    "InspectionRow",
    "InvoiceLineRow",
    "InvoiceRow",
    "ItemCostModelRow",
    "ItemRow",
    "ItemSupplierRow",
    "JobEventRow",
    "LocationRow",
    "LoginAttemptRow",
    "OptionComponentRow",
    "OptionRow",
    "OrderEventRow",
    "OutboxRow",
    "PaymentRow",
    "PickRow",
    "PlanExceptionRow",
    "PlanInputRow",
    "PlanItemRow",
    "PlanOrderRow",
    "PlanRunRow",
    "PoConfirmationRow",
    "PresaleSignalRow",
    "PriceBreakRow",
    "PriceIndexRow",
    "PriceIndexValueRow",
    "ProductionJobRow",
    "PurchaseOrderLineRow",
    "PurchaseOrderRow",
    "QualityFundEntryRow",
    "ReceiptLineRow",
    "ReceiptRow",
    "RenegotiationTaskRow",
    "ReservationRow",
    "RfqLineRow",
    "RfqQuoteRow",
    "RfqRow",
    "RfqSupplierRow",
    "SalesOrderLineRow",
    "SalesOrderRow",
    "SessionRow",
    "ShipmentNoticeLineRow",
    "ShipmentNoticeRow",
    "ShopRow",
    "SkuMappingRow",
    "StockBalanceRow",
    "StockMoveRow",
    "SupplierRow",
    "Timestamps",
    "UserRow",
    "utcnow",
]
