"""The domain: business objects and rules in plain Python, standard library only.

Nothing here does I/O or reads a clock; callers pass ``now``. Errors are :class:`DomainError`
subclasses whose message is written for the user.
"""

from flexchain.domain.bom import (
    BomLine,
    check_acyclic,
    explode,
    find_cycle,
    low_level_codes,
    product_modules,
)
from flexchain.domain.catalog import Item, ItemKind, ModuleType, Option, SkuRule, validate_sku
from flexchain.domain.contracts import (
    CapacityReservation,
    Contract,
    ElasticTopUp,
    QualityRetention,
    Settlement,
    TieredPrice,
)
from flexchain.domain.errors import (
    BomCycleError,
    DomainError,
    IllegalTransition,
    InsufficientStock,
    NotFound,
    ValidationError,
)
from flexchain.domain.ledger import (
    Balance,
    Ledger,
    Location,
    LocationKind,
    MoveKind,
    Reservation,
    ReservationStatus,
    StockMove,
)
from flexchain.domain.suppliers import (
    Capability,
    Certification,
    ItemSupplier,
    PriceBreak,
    Process,
    Supplier,
    Tier,
)
from flexchain.domain.values import Money, currency_code, money, percent, quantity, utc

__all__ = [
    "Balance",
    "BomCycleError",
    "BomLine",
    "Capability",
    "CapacityReservation",
    "Certification",
    "Contract",
    "DomainError",
    "ElasticTopUp",
    "IllegalTransition",
    "InsufficientStock",
    "Item",
    "ItemKind",
    "ItemSupplier",
    "Ledger",
    "Location",
    "LocationKind",
    "ModuleType",
    "Money",
    "MoveKind",
    "NotFound",
    "Option",
    "PriceBreak",
    "Process",
    "QualityRetention",
    "Reservation",
    "ReservationStatus",
    "Settlement",
    "SkuRule",
    "StockMove",
    "Supplier",
    "Tier",
    "TieredPrice",
    "ValidationError",
    "check_acyclic",
    "currency_code",
    "explode",
    "find_cycle",
    "low_level_codes",
    "money",
    "percent",
    "product_modules",
    "quantity",
    "utc",
    "validate_sku",
]
