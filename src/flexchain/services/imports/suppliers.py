"""Import kind ``suppliers``: one row per supplier and process, upserted by supplier code.

Rows with the same ``code`` form one supplier. Its own columns (name, tier, country, ...) may be
repeated on every row or given once; its capabilities are one per row (``process`` and the
capacity columns), and its certifications sit in one cell: ``GOTS 2026-05-31; SA8000 2025-12-31``.
When the file has a ``process`` (or ``certifications``) column, a supplier's capabilities (or
certifications) are replaced by the file's; without the column they are left as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from flexchain.domain.errors import ValidationError
from flexchain.domain.suppliers import Capability, Certification, Process, Supplier, Tier
from flexchain.domain.values import QUANTITY_PLACES
from flexchain.services.imports import cells
from flexchain.services.imports.aliases import COUNTRIES
from flexchain.services.imports.cells import CellError
from flexchain.services.imports.columns import Column, Seen
from flexchain.services.imports.groups import Group, group_rows
from flexchain.services.imports.lookups import stored_rows
from flexchain.services.imports.pipeline import Checked, Kind, Plan
from flexchain.services.imports.supplier_parts import CAPABILITY_FIELDS, Parts
from flexchain.services.imports.writing import Upserts

__all__ = ["SUPPLIERS", "certifications", "country"]

QUANTITY = cells.decimal(QUANTITY_PLACES)
Certs = list[tuple[str, date]]


def country(value: Any) -> str:
    """An ISO 3166 alpha-2 code, or an English country name as Odoo and ERPNext export it."""
    raw = cells.text(value)
    if len(raw) == 2 and raw.isalpha():
        return raw.upper()
    found = COUNTRIES.get(raw.lower())
    if found is None:
        raise CellError(f"not a country code like PT: {raw!r}")
    return found


def certifications(value: Any) -> Certs:
    """``NAME YYYY-MM-DD; NAME YYYY-MM-DD`` (or a list of {name, valid_until}) -> (name, date)."""
    if isinstance(value, list | tuple):
        parts = [
            (str(item["name"]), item["valid_until"]) if isinstance(item, Mapping) else item
            for item in value
        ]
        return sorted((name.strip(), cells.day(until)) for name, until in parts)
    result: Certs = []
    for part in cells.text(value).split(";"):
        name, _, until = part.strip().rpartition(" ")
        if not part.strip():
            continue
        try:
            result.append((name.strip(), cells.day(until)))
        except CellError:
            raise CellError(
                f"{part.strip()!r} needs its valid-until date: write e.g. GOTS 2026-05-31"
            ) from None
    return sorted(result)


COLUMNS = (
    Column("code", cells.code, required=True),
    Column("name", cells.text, required=True, group=True),
    Column("tier", cells.choice(Tier), required=True, group=True),
    Column("country", country, required=True, group=True),
    Column("latitude", cells.decimal(6, negative=True), group=True),
    Column("longitude", cells.decimal(6, negative=True), group=True),
    Column("payment_terms_days", cells.integer(), default=30, group=True),
    Column("currency", cells.currency, default="EUR", group=True),
    Column("carbon_intensity", cells.decimal(6), default=Decimal(0), group=True),
    Column("email", cells.text, default="", group=True),
    Column("active", cells.boolean, default=True, group=True),
    Column("certifications", certifications, default=[], group=True),
    Column("process", cells.choice(Process)),
    Column("capacity_per_day", QUANTITY),
    Column("moq", QUANTITY, default=Decimal(0)),
    Column("order_multiple", QUANTITY, default=Decimal(1)),
    Column("lead_time_mean_days", QUANTITY, default=Decimal(0)),
    Column("lead_time_sd_days", QUANTITY, default=Decimal(0)),
    Column("sample_lead_time_days", QUANTITY, default=Decimal(0)),
)
_FIELDS = tuple(c.name for c in COLUMNS if c.group and c.name != "certifications")
_DEFAULTS = {column.name: column.default for column in COLUMNS}
"""What a capability column means when the file leaves it out altogether."""


def _capabilities(group: Group[str], check: Checked) -> list[Capability] | None:
    if not check.layout.has("process"):
        return None
    seen = Seen(check.errors, "process")
    result = []
    for row in group.rows:
        if not row.ok:  # its bad cells are reported; more complaints would only repeat them
            continue
        process = row.values.get("process")
        if process is None:
            given = [name for name in CAPABILITY_FIELDS if name in row.given]
            if given:
                check.errors.add(row.line, "process", f"required when {given[0]} is given")
                group.ok = False
            continue
        if not seen.first(process, row.line):
            group.ok = False
            continue
        if "capacity_per_day" not in row.given:
            check.errors.add(row.line, "capacity_per_day", f"required for {process.value}")
            group.ok = False
            continue
        try:
            values = {name: row.values.get(name, _DEFAULTS[name]) for name in CAPABILITY_FIELDS}
            result.append(Capability(process, **values))
        except ValidationError as error:
            check.errors.invalid(row.line, error, {})
            group.ok = False
    return result


def _certifications(certs: Certs) -> list[Certification]:
    return [Certification(name, until) for name, until in certs]


def check(check: Checked) -> Plan:
    stored = {row["code"]: row for row in stored_rows(check.stores, "suppliers")}
    parts = Parts.load(check.stores, {row["id"]: code for code, row in stored.items()})
    groups: dict[str, Group[str]] = group_rows(
        check.rows, lambda row: row.values.get("code"), COLUMNS, check.layout, check.errors
    )
    upserts = Upserts("suppliers", "supplier")
    for code, group in groups.items():
        old = stored.get(code)
        capabilities = _capabilities(group, check)
        if not group.ok:
            continue
        fields = {name: old[name] for name in _FIELDS} if old else {}
        fields.update({name: group.values[name] for name in _FIELDS if check.layout.has(name)})
        certs = group.values["certifications"] if check.layout.has("certifications") else None
        try:
            supplier = Supplier(
                code=code,
                **fields,
                capabilities=parts.caps(code) if capabilities is None else capabilities,
                certifications=parts.certs(code) if certs is None else _certifications(certs),
            )
        except ValidationError as error:
            check.errors.invalid(group.line, error, {})
            continue
        values = {"code": code, **{name: getattr(supplier, name) for name in _FIELDS}}
        values["tier"] = supplier.tier.value
        extra = parts.plan(code, supplier, capabilities is not None, certs is not None)
        upserts.add(code, group.line, values, old, extra)
    return Plan(*upserts.counts, write=lambda stores: parts.write(stores, upserts, check.source))


def expand(row: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """A Python row with a ``capabilities`` list becomes one row per capability."""
    capabilities = row.get("capabilities")
    if not isinstance(capabilities, list | tuple):
        return [row]
    base = {key: value for key, value in row.items() if key != "capabilities"}
    if not capabilities:
        return [base]
    return [{**base, **capability} for capability in capabilities]


SUPPLIERS = Kind("suppliers", COLUMNS, check, expand=expand)
