"""The supplier network of the demo brand: ten small specialists across tiers S, A and B.

The brand sits in Lisbon. Cutting, sewing, dyeing and printing are done nearby in Portugal; fabric
and trims come from Italy; packaging, engraving and leather from Spain; a larger, cheaper and slower
factory in Vietnam is the qualified backup for cutting and sewing.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cap:
    process: str
    capacity_per_day: str
    moq: str
    order_multiple: str
    lead_time_mean_days: str
    lead_time_sd_days: str
    sample_lead_time_days: str = "7"


@dataclass(frozen=True)
class SupplierDef:
    code: str
    name: str
    tier: str
    country: str
    latitude: str
    longitude: str
    capabilities: tuple[Cap, ...]
    certifications: tuple[str, ...]
    payment_terms_days: int = 30
    currency: str = "EUR"
    carbon_intensity: str = "1.2"
    factory: bool = True
    """Makes things (WIP sits at a factory location) rather than only selling materials."""

    @property
    def email(self) -> str:
        return f"orders@{self.code.lower()}.example"

    @property
    def location(self) -> str:
        return f"{'FAC' if self.factory else 'SUP'}-{self.code}"


SUPPLIERS: tuple[SupplierDef, ...] = (
    SupplierDef(
        "MILL-IT", "Lanificio Valle Cervo", "A", "IT", "45.5629", "8.0583",
        (Cap("weaving", "2000", "250", "50", "21", "4", "14"),),
        ("GRS", "GOTS", "OEKO-TEX 100"), 60, carbon_intensity="3.1", factory=False,
    ),
    SupplierDef(
        "CUT-PT", "Corte Certo Lda", "S", "PT", "41.4425", "-8.2918",
        # Cutting is counted in 50 m rolls of fabric: at least five rolls per order.
        (Cap("cutting", "40", "5", "1", "4", "1", "3"),),
        ("OEKO-TEX 100", "SA8000"), 30, carbon_intensity="0.4",
    ),
    SupplierDef(
        "SEW-PT", "Costura Viva", "S", "PT", "41.5388", "-8.6151",
        (Cap("sewing", "400", "50", "10", "12", "3", "7"),
         Cap("assembly", "300", "50", "10", "5", "1", "3")),
        ("SA8000", "BSCI"), 30, carbon_intensity="0.9",
    ),
    SupplierDef(
        "TRIM-IT", "Accessori Rossi", "A", "IT", "45.8081", "9.0852",
        (Cap("trims", "5000", "100", "100", "10", "2", "5"),),
        ("OEKO-TEX 100",), 45, carbon_intensity="0.3", factory=False,
    ),
    SupplierDef(
        "PRINT-PT", "Estampa Lab", "A", "PT", "41.1579", "-8.6291",
        (Cap("printing", "500", "20", "10", "6", "2", "3"),
         Cap("finishing", "300", "20", "10", "4", "1", "2")),
        ("OEKO-TEX 100",), 30, carbon_intensity="0.5",
    ),
    SupplierDef(
        "DYE-PT", "Tinturaria Verde", "S", "PT", "40.2806", "-7.5047",
        (Cap("dyeing", "250", "20", "10", "9", "3", "5"),),
        ("GOTS",), 30, carbon_intensity="0.7",
    ),
    SupplierDef(
        "PACK-ES", "Envases Lumbre", "A", "ES", "39.4699", "-0.3763",
        (Cap("packaging", "3000", "20", "20", "6", "1", "3"),),
        ("FSC",), 30, carbon_intensity="0.2", factory=False,
    ),
    SupplierDef(
        "ENGR-ES", "Grabados del Sol", "A", "ES", "41.3874", "2.1686",
        (Cap("engraving", "400", "1", "1", "3", "1", "2"),),
        ("ISO 9001",), 30, carbon_intensity="0.2",
    ),
    SupplierDef(
        "LEATH-ES", "Curtidos Ubrique", "B", "ES", "36.6777", "-5.4459",
        (Cap("cutting", "150", "20", "10", "14", "4", "7"),
         Cap("sewing", "120", "20", "10", "16", "5", "7")),
        ("LWG",), 45, carbon_intensity="1.6",
    ),
    SupplierDef(
        "SEW-VN", "Saigon Apparel Works", "B", "VN", "10.8231", "106.6297",
        (Cap("cutting", "3000", "500", "100", "35", "8", "21"),
         Cap("sewing", "2500", "300", "50", "42", "10", "21")),
        ("BSCI", "ISO 9001"), 60, "USD", carbon_intensity="2.4",
    ),
)  # fmt: skip

BY_CODE = {supplier.code: supplier for supplier in SUPPLIERS}
BACKUP = "SEW-VN"
"""The cheaper, slower backup: it also quotes every cut or sewn module."""

WAREHOUSE = "WH-LIS"
INBOUND = "TR-LIS"

# (code, name, kind, supplier code, transit for)
LOCATIONS: tuple[tuple[str, str, str, str | None, str | None], ...] = (
    (WAREHOUSE, "Lisbon warehouse", "warehouse", None, None),
    (INBOUND, "Inbound to the Lisbon warehouse", "transit", None, WAREHOUSE),
    ("CUSTOMERS", "Customers", "customer", None, None),
    ("SCRAP", "Scrap", "scrap", None, None),
    *(
        (s.location, f"{s.name} ({'factory' if s.factory else 'supplier'})",
         "factory" if s.factory else "supplier", s.code, None)
        for s in SUPPLIERS
    ),
)  # fmt: skip


@dataclass(frozen=True)
class ContractDef:
    code: str
    supplier: str
    notes: str
    topup: tuple[str, str, str] | None = None
    """(max extra units, max premium %, max units of the first call-off)"""
    retention: tuple[str, str] | None = None
    """(retained %, settlement period)"""
    capacity: tuple[str, str, str] | None = None
    """(reserved % of capacity, monthly fee, process)"""
    discounts: tuple[tuple[str, str], ...] = (("0", "1"), ("200", "0.94"), ("1000", "0.88"))
    """Tiered prices as (min quantity per order, factor on the module's standard cost)."""


CONTRACTS: tuple[ContractDef, ...] = (
    ContractDef(
        "FA-SEW-PT", "SEW-PT", "Framework agreement for sewn modules and assembly",
        topup=("600", "8", "100"), retention=("3", "quarterly"), capacity=("30", "1800", "sewing"),
    ),
    ContractDef(
        "FA-CUT-PT", "CUT-PT", "Framework agreement for cutting",
        topup=("400", "6", "100"), capacity=("25", "900", "cutting"),
    ),
    ContractDef(
        "FA-DYE-PT", "DYE-PT", "Plant dyeing, seasonal colour programme",
        retention=("5", "semiannual"), capacity=("20", "650", "dyeing"),
    ),
    ContractDef(
        "FA-SEW-VN", "SEW-VN", "Backup cutting and sewing, quality fund retained",
        topup=("3000", "12", "300"), retention=("8", "quarterly"),
        discounts=(("300", "0.72"), ("2000", "0.66"), ("10000", "0.61")),
    ),
)  # fmt: skip
