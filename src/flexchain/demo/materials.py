"""Raw materials and packaging of the demo brand: fabric by the metre, thread, trims, dyes, boxes.

Fabric is bought by the 50 m roll (order multiple 50 m) with a mill minimum of five rolls.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Material:
    sku: str
    name: str
    uom: str
    cost: str
    supplier: str
    moq: str = "0"
    multiple: str = "1"
    kind: str = "raw"
    lead_time_days: int = 14

    @property
    def unit_cost(self) -> Decimal:
        return Decimal(self.cost)


def _roll(sku: str, name: str, cost: str) -> Material:
    """Fabric in metres, sold by the 50 m roll, at least five rolls."""
    return Material(sku, name, "m", cost, "MILL-IT", "250", "50", lead_time_days=21)


def _trim(sku: str, name: str, uom: str, cost: str) -> Material:
    return Material(sku, name, uom, cost, "TRIM-IT", "100", "100", lead_time_days=10)


def _pack(sku: str, name: str, cost: str) -> Material:
    return Material(sku, name, "pcs", cost, "PACK-ES", "20", "20", "packaging", 6)


MATERIALS: tuple[Material, ...] = (
    # fabric rolls, in metres
    _roll("FAB-RNYL", "Recycled nylon ripstop, 50 m roll", "7.80"),
    _roll("FAB-MESH", "Recycled polyester mesh lining", "3.20"),
    _roll("FAB-FLC", "Recycled polyester fleece", "6.40"),
    _roll("FAB-COT", "Organic cotton jersey, GOTS", "5.10"),
    _roll("FAB-CANV", "Organic cotton canvas", "6.90"),
    Material("YRN-MER", "Merino wool yarn", "kg", "38.00", "MILL-IT", "10", "5", lead_time_days=21),
    Material("LTH-VEG", "Vegetable-tanned leather", "m2", "42.00", "LEATH-ES", "5", "1"),
    # thread
    Material("THR-POLY", "Recycled polyester thread", "m", "0.004", "TRIM-IT", "5000", "5000"),
    Material("THR-EMB", "Embroidery thread", "m", "0.012", "TRIM-IT", "2000", "1000"),
    # trims
    _trim("TRM-ZIP-MAIN", "Two-way main zipper, 70 cm", "pcs", "3.60"),
    _trim("TRM-ZIP-PKT", "Pocket zipper, 18 cm", "pcs", "0.95"),
    _trim("TRM-CORD", "Shock cord, 3 mm", "m", "0.35"),
    _trim("TRM-TOGGLE", "Cord toggle", "pcs", "0.18"),
    _trim("TRM-VELCRO", "Hook-and-loop tape, 25 mm", "m", "0.80"),
    _trim("TRM-SNAP", "Brass snap button", "pcs", "0.22"),
    _trim("TRM-BUCKLE", "Solid brass belt buckle", "pcs", "4.50"),
    _trim("TRM-RING", "Brass split ring", "pcs", "0.30"),
    _trim("TRM-BLANK", "Brass tag blank", "pcs", "1.40"),
    _trim("TRM-WEBBING", "Recycled webbing, 25 mm", "m", "0.70"),
    _trim("LBL-WOVEN", "Woven brand label", "pcs", "0.12"),
    _trim("LBL-CARE", "Printed care label", "pcs", "0.05"),
    # dyes and inks
    Material("DYE-INDIGO", "Plant indigo extract", "kg", "64.00", "DYE-PT", "1", "0.5"),
    Material("DYE-MADDER", "Madder root extract", "kg", "48.00", "DYE-PT", "1", "0.5"),
    Material("DYE-WELD", "Weld extract", "kg", "36.00", "DYE-PT", "1", "0.5"),
    Material("DYE-WALNUT", "Walnut hull extract", "kg", "30.00", "DYE-PT", "1", "0.5"),
    Material("DYE-ALUM", "Alum mordant", "kg", "4.20", "DYE-PT", "5", "5"),
    Material("INK-WB", "Water-based screen ink", "kg", "18.50", "PRINT-PT", "2", "1"),
    Material("ENG-FILM", "Laser masking film", "m2", "9.00", "ENGR-ES", "1", "1"),
    # packaging
    _pack("PKG-BAG", "Compostable garment bag", "0.14"),
    _pack("PKG-BOX-S", "Small kraft gift box", "0.60"),
    _pack("PKG-BOX-M", "Medium kraft mailer box", "0.95"),
    _pack("PKG-TAG", "Recycled-paper hang tag", "0.06"),
)

BY_SKU = {material.sku: material for material in MATERIALS}
