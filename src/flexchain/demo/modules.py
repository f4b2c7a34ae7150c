"""Modules of the demo products and what they are made of, down to raw materials.

A standard module is generic and stocked; a custom module is made to order from the option the
customer picks. The jacket has exactly 15 standard and 3 custom modules.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from flexchain.demo.network import BY_CODE

Parts = tuple[tuple[str, str], ...]
CUT_MINIMUM_METRES = Decimal(250)  # five rolls of 50 m


@dataclass(frozen=True)
class Module:
    sku: str
    name: str
    supplier: str
    cost: str
    parts: Parts
    custom: bool = False
    cycle_days: int = 3
    moq: str = "50"


@dataclass(frozen=True)
class OptionDef:
    code: str
    name: str
    price_delta: str
    lead_days: int


def _std(sku: str, name: str, supplier: str, cost: str, *parts: tuple[str, str]) -> Module:
    return Module(sku, name, supplier, cost, parts, moq=_moq(supplier, parts))


def _moq(supplier: str, parts: Parts) -> str:
    """A cutting order is at least five 50 m rolls of fabric, so a cut module's minimum is the
    number of pieces five rolls yield (rounded up to tens); elsewhere the supplier's minimum."""
    if supplier == "CUT-PT":
        metres = Decimal(parts[0][1])
        pieces = math.ceil(CUT_MINIMUM_METRES / metres / 10) * 10
        return str(pieces)
    return BY_CODE[supplier].capabilities[0].moq


def _custom(sku: str, name: str, supplier: str, cost: str, *parts: tuple[str, str]) -> Module:
    return Module(sku, name, supplier, cost, parts, custom=True, cycle_days=5, moq="1")


JACKET_STANDARD = (
    _std("M-JKT-FRONT-L", "Shell front panel, left", "CUT-PT", "5.10", ("FAB-RNYL", "0.55")),
    _std("M-JKT-FRONT-R", "Shell front panel, right", "CUT-PT", "5.10", ("FAB-RNYL", "0.55")),
    _std("M-JKT-BACK", "Shell back panel", "CUT-PT", "7.20", ("FAB-RNYL", "0.8")),
    _std("M-JKT-SLEEVES", "Articulated sleeves, pair", "CUT-PT", "9.40", ("FAB-RNYL", "1.1")),
    _std(
        "M-JKT-HOOD",
        "Storm hood with drawcord",
        "SEW-PT",
        "8.60",
        ("FAB-RNYL", "0.5"),
        ("THR-POLY", "15"),
        ("TRM-CORD", "0.6"),
        ("TRM-TOGGLE", "2"),
    ),
    _std(
        "M-JKT-COLLAR",
        "Fleece-lined collar",
        "SEW-PT",
        "3.10",
        ("FAB-RNYL", "0.15"),
        ("FAB-FLC", "0.1"),
    ),
    _std("M-JKT-FLAP", "Storm flap", "SEW-PT", "2.40", ("FAB-RNYL", "0.2"), ("TRM-VELCRO", "0.6")),
    _std("M-JKT-LINING", "Body lining", "SEW-PT", "6.30", ("FAB-MESH", "1.2"), ("THR-POLY", "20")),
    _std(
        "M-JKT-LINING-SLV",
        "Sleeve lining",
        "SEW-PT",
        "4.10",
        ("FAB-MESH", "0.9"),
        ("THR-POLY", "14"),
    ),
    _std(
        "M-JKT-ZIP",
        "Main zipper assembly",
        "SEW-PT",
        "5.20",
        ("TRM-ZIP-MAIN", "1"),
        ("THR-POLY", "4"),
    ),
    _std(
        "M-JKT-CUFFS",
        "Adjustable cuffs, pair",
        "SEW-PT",
        "2.20",
        ("FAB-RNYL", "0.1"),
        ("TRM-VELCRO", "0.3"),
    ),
    _std("M-JKT-HEM", "Hem drawcord", "SEW-PT", "1.30", ("TRM-CORD", "1.4"), ("TRM-TOGGLE", "2")),
    _std(
        "M-JKT-PKT-CHEST",
        "Chest pocket",
        "SEW-PT",
        "2.60",
        ("FAB-RNYL", "0.12"),
        ("TRM-ZIP-PKT", "1"),
    ),
    _std(
        "M-JKT-PKT-HAND",
        "Hand pockets, pair",
        "SEW-PT",
        "4.80",
        ("FAB-RNYL", "0.3"),
        ("FAB-MESH", "0.2"),
        ("TRM-ZIP-PKT", "2"),
    ),
    _std("M-JKT-LABELS", "Label set", "SEW-PT", "0.40", ("LBL-WOVEN", "1"), ("LBL-CARE", "1")),
)
DYE = _custom("M-DYE", "Plant-dye finish", "DYE-PT", "6.50", ("DYE-ALUM", "0.02"))
EMBROIDERY = _custom("M-EMBROIDERY", "Embroidery", "PRINT-PT", "3.20", ("THR-EMB", "40"))
FIT = _custom("M-JKT-FIT", "Fit and length adjustment", "SEW-PT", "4.00", ("THR-POLY", "6"))
PRINT = _custom("M-PRINT", "Screen print", "PRINT-PT", "2.10", ("INK-WB", "0.02"))
ENGRAVING = _custom("M-ENGRAVING", "Laser engraving", "ENGR-ES", "1.80")

TEE_LABELS = _std(
    "M-TEE-LABELS", "Tee label set", "SEW-PT", "0.20", ("LBL-WOVEN", "1"), ("LBL-CARE", "1")
)
TEE_STANDARD = (
    _std("M-TEE-BODY", "Tee body panels", "CUT-PT", "3.30", ("FAB-COT", "0.9")),
    _std("M-TEE-SLEEVES", "Tee sleeves, pair", "CUT-PT", "1.40", ("FAB-COT", "0.35")),
    _std("M-TEE-RIB", "Neck rib", "SEW-PT", "0.60", ("FAB-COT", "0.05"), ("THR-POLY", "30")),
    TEE_LABELS,
)
KEYRING_BLANK = _std(
    "M-KRG-TAG", "Brass key tag", "ENGR-ES", "2.10", ("TRM-BLANK", "1"), ("TRM-RING", "1")
)
CARD_SHELL = _std(
    "M-CRD-SHELL",
    "Leather card holder shell",
    "LEATH-ES",
    "4.60",
    ("LTH-VEG", "0.04"),
    ("THR-POLY", "3"),
)
BELT_STRAP = _std("M-BLT-STRAP", "Leather belt strap", "LEATH-ES", "9.80", ("LTH-VEG", "0.12"))
BELT_BUCKLE = _std("M-BLT-BUCKLE", "Buckle with keeper", "LEATH-ES", "5.40", ("TRM-BUCKLE", "1"))

# Collection lines (the families that scale the assortment up for benchmarks).
HOODIE = (
    _std("M-HOD-BODY", "Hoodie body panels", "CUT-PT", "7.90", ("FAB-FLC", "1.4")),
    _std("M-HOD-HOOD", "Hoodie hood", "SEW-PT", "3.40", ("FAB-FLC", "0.5"), ("THR-POLY", "20")),
    TEE_LABELS,
)
BEANIE_KNIT = _std("M-BNE-KNIT", "Knitted beanie shell", "SEW-PT", "4.20", ("YRN-MER", "0.08"))
SOCK_KNIT = _std("M-SCK-KNIT", "Knitted sock pair", "SEW-PT", "3.10", ("YRN-MER", "0.05"))
CAP = (
    _std("M-CAP-CROWN", "Cap crown panels", "CUT-PT", "2.30", ("FAB-CANV", "0.3")),
    _std("M-CAP-BRIM", "Cap brim", "SEW-PT", "1.10", ("FAB-CANV", "0.1"), ("THR-POLY", "8")),
)
PANTS = (
    _std("M-PNT-LEGS", "Pant leg panels", "CUT-PT", "9.60", ("FAB-CANV", "1.3")),
    _std(
        "M-PNT-WAIST",
        "Waistband with fly",
        "SEW-PT",
        "3.80",
        ("TRM-SNAP", "1"),
        ("TRM-ZIP-PKT", "1"),
    ),
)
TOTE = (
    _std("M-TOT-BODY", "Tote body", "CUT-PT", "4.70", ("FAB-CANV", "0.7")),
    _std("M-TOT-STRAPS", "Tote straps", "SEW-PT", "1.20", ("TRM-WEBBING", "1.2")),
)
DAYPACK = (
    _std("M-BPK-BODY", "Daypack body", "CUT-PT", "12.40", ("FAB-RNYL", "1.6")),
    _std(
        "M-BPK-HARNESS",
        "Daypack harness",
        "SEW-PT",
        "6.90",
        ("TRM-WEBBING", "2.5"),
        ("TRM-BUCKLE", "2"),
    ),
    JACKET_STANDARD[9],  # the main zipper assembly, shared with the jacket
)

PLANT_DYES = (
    OptionDef("NATURAL", "Undyed, natural", "0", -3),
    OptionDef("INDIGO", "Indigo blue", "25", 6),
    OptionDef("MADDER", "Madder red", "25", 6),
    OptionDef("WELD", "Weld yellow", "20", 5),
    OptionDef("WALNUT", "Walnut brown", "20", 5),
)
OPTIONS: dict[str, tuple[OptionDef, ...]] = {
    DYE.sku: PLANT_DYES,
    EMBROIDERY.sku: (
        OptionDef("NONE", "No embroidery", "0", 0),
        OptionDef("INITIALS", "Initials, up to 3 letters", "12", 2),
        OptionDef("TEXT", "Text, up to 20 characters", "15", 2),
        OptionDef("LOGO", "Customer logo", "18", 3),
    ),
    FIT.sku: (
        OptionDef("REGULAR", "Regular fit", "0", 0),
        OptionDef("SLIM", "Slim fit", "0", 2),
        OptionDef("RELAXED", "Relaxed fit", "0", 2),
        OptionDef("TALL", "Tall, +5 cm body and sleeves", "15", 4),
        OptionDef("SHORT", "Short, -4 cm body and sleeves", "10", 3),
    ),
    PRINT.sku: (
        OptionDef("NONE", "No print", "0", 0),
        OptionDef("CHEST", "Small chest print", "8", 2),
        OptionDef("BACK", "Large back print", "12", 3),
        OptionDef("ARTWORK", "Customer artwork", "20", 5),
    ),
    ENGRAVING.sku: (
        OptionDef("NONE", "No engraving", "0", 0),
        OptionDef("INITIALS", "Initials", "6", 1),
        OptionDef("TEXT", "Text, up to 24 characters", "9", 1),
        OptionDef("LOGO", "Customer logo", "12", 2),
    ),
}

OPTION_MATERIALS: dict[tuple[str, str], Parts] = {
    (DYE.sku, "INDIGO"): (("DYE-INDIGO", "0.05"),),
    (DYE.sku, "MADDER"): (("DYE-MADDER", "0.2"),),
    (DYE.sku, "WELD"): (("DYE-WELD", "0.15"),),
    (DYE.sku, "WALNUT"): (("DYE-WALNUT", "0.15"),),
    (EMBROIDERY.sku, "LOGO"): (("THR-EMB", "60"),),
    (PRINT.sku, "CHEST"): (("INK-WB", "0.01"),),
    (PRINT.sku, "BACK"): (("INK-WB", "0.04"),),
    (PRINT.sku, "ARTWORK"): (("INK-WB", "0.05"),),
    (ENGRAVING.sku, "INITIALS"): (("ENG-FILM", "0.002"),),
    (ENGRAVING.sku, "TEXT"): (("ENG-FILM", "0.004"),),
    (ENGRAVING.sku, "LOGO"): (("ENG-FILM", "0.01"),),
}
"""What an option needs on top of its module's own parts, per module unit (natural dye and
initials need nothing more: the mordant and the thread are the module's)."""
