"""The finished products of the demo brand, as many as asked for.

The first 61 are the named products (the modular jacket, plant-dyed tees, engraved accessories);
beyond them come collection lines of hoodies, beanies, socks, caps, pants, totes and daypacks, each
line a new family code (``HOD1``, ``HOD2``, ...) so that every SKU stays unique under the rule
``{family}-{material}-{colour}-{size?}`` however many items a benchmark asks for.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain, count, islice, zip_longest

from flexchain.demo import modules as m

SIZES = ("XS", "S", "M", "L", "XL")
MATERIAL_NAMES = {
    "RNYL": "recycled nylon",
    "COT": "organic cotton",
    "FLC": "recycled fleece",
    "MER": "merino",
    "CANV": "cotton canvas",
    "LTH": "vegetable-tanned leather",
    "BRS": "brass",
}


@dataclass(frozen=True)
class Family:
    code: str
    name: str
    materials: tuple[str, ...]
    colours: tuple[str, ...]
    sizes: tuple[str | None, ...]
    modules: tuple[m.Module, ...]
    packaging: tuple[str, ...]
    list_price: str
    weekly_level: float
    """Typical units sold in a week with demand (before size and colour effects)."""
    peak_week: int
    """Week of the year when the family sells most."""


@dataclass(frozen=True)
class Variant:
    family: Family
    family_code: str
    material: str
    colour: str
    size: str | None

    @property
    def name(self) -> str:
        line = self.family_code[len(self.family.code) :]
        parts = [f"{self.family.name} line {line}" if line else self.family.name]
        if len(self.family.materials) > 1:
            parts.append(MATERIAL_NAMES[self.material])
        parts.append(self.colour.lower())
        if self.size:
            parts.append(self.size)
        return ", ".join(parts)


JACKET = Family(
    "JKT",
    "Ridgeline shell jacket",
    ("RNYL",),
    ("NAVY", "OLIVE", "BLACK", "RUST"),
    SIZES,
    (*m.JACKET_STANDARD, m.DYE, m.EMBROIDERY, m.FIT),
    ("PKG-BAG", "PKG-TAG", "PKG-BOX-M"),
    "289",
    6.0,
    45,
)
TEE = Family(
    "TEE",
    "Plant-dyed organic tee",
    ("COT",),
    ("NATURAL", "INDIGO", "MADDER", "WELD", "WALNUT", "CHARCOAL"),
    SIZES,
    (*m.TEE_STANDARD, m.DYE, m.PRINT),
    ("PKG-BAG", "PKG-TAG"),
    "45",
    9.0,
    25,
)
KEYRING = Family(
    "KRG", "Engraved key tag", ("BRS",), ("GOLD", "SILVER"), (None,),
    (m.KEYRING_BLANK, m.ENGRAVING), ("PKG-BOX-S",), "24", 4.0, 50,
)  # fmt: skip
CARD_HOLDER = Family(
    "CRD", "Engraved card holder", ("LTH",), ("TAN", "BLACK", "NAVY"), (None,),
    (m.CARD_SHELL, m.ENGRAVING), ("PKG-BOX-S",), "39", 3.0, 50,
)  # fmt: skip
BELT = Family(
    "BLT", "Engraved leather belt", ("LTH",), ("TAN", "BLACK"), ("S", "M", "L"),
    (m.BELT_STRAP, m.BELT_BUCKLE, m.ENGRAVING), ("PKG-BOX-M",), "69", 2.5, 50,
)  # fmt: skip
NAMED = (JACKET, TEE, KEYRING, CARD_HOLDER, BELT)

_COLOURS = ("NAVY", "OLIVE", "BLACK", "RUST", "SAND", "STONE", "FOREST", "OCHRE", "SLATE", "CLAY",
            "MOSS", "SKY", "PLUM", "CHALK")  # fmt: skip
COLLECTION = (
    Family("HOD", "Organic hoodie", ("COT", "FLC"), _COLOURS, (*SIZES, "XXL"),
           (*m.HOODIE, m.DYE, m.PRINT), ("PKG-BAG", "PKG-TAG"), "79", 3.0, 40),
    Family("BNE", "Merino beanie", ("MER",), _COLOURS, (None,),
           (m.BEANIE_KNIT, m.EMBROIDERY), ("PKG-TAG",), "29", 2.0, 48),
    Family("SCK", "Merino hiking socks", ("MER", "COT"), _COLOURS, ("S", "M", "L"),
           (m.SOCK_KNIT,), ("PKG-TAG",), "18", 3.0, 44),
    Family("CAP", "Trail cap", ("COT", "RNYL"), _COLOURS, (None,),
           (*m.CAP, m.EMBROIDERY), ("PKG-TAG",), "32", 2.0, 22),
    Family("PNT", "Trail pants", ("RNYL", "CANV"), _COLOURS, ("28", "30", "32", "34", "36", "38"),
           (*m.PANTS, m.FIT), ("PKG-BAG", "PKG-TAG"), "119", 2.0, 15),
    Family("TOT", "Canvas tote", ("CANV",), _COLOURS, (None,),
           (*m.TOTE, m.PRINT), ("PKG-TAG",), "35", 2.0, 28),
    Family("BPK", "Daypack", ("RNYL", "CANV"), _COLOURS, ("20L", "30L"),
           (*m.DAYPACK, m.EMBROIDERY), ("PKG-BOX-M",), "129", 1.5, 30),
)  # fmt: skip


def _variants(family: Family, family_code: str) -> Iterator[Variant]:
    for material in family.materials:
        for colour in family.colours:
            for size in family.sizes:
                yield Variant(family, family_code, material, colour, size)


def _interleave(*streams: Iterator[Variant]) -> Iterator[Variant]:
    """Round robin over the families, so a small assortment still has some of each."""
    for group in zip_longest(*streams):
        yield from (variant for variant in group if variant is not None)


def _collection() -> Iterator[Variant]:
    for line in count(1):
        yield from _interleave(*(_variants(f, f"{f.code}{line}") for f in COLLECTION))


def assortment(items: int) -> list[Variant]:
    """``items`` finished products: the named ones first, then collection lines as needed."""
    if items < 1:
        raise ValueError(f"items must be at least 1, got {items}")
    named = _interleave(*(_variants(family, family.code) for family in NAMED))
    return list(islice(chain(named, _collection()), items))
