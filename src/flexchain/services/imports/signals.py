"""Import kind ``signals``: presale and demand-sensing signals (views, add-to-carts, preorders,
deposits) of a product or of one option of one of its custom modules, upserted by (SKU, option,
kind, occurred_at, source).

Signals run to many rows, so an import that changes anything writes one audit row for the whole
file (with its counts), and an import that changes nothing writes none.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from flexchain.adapters.db.imports import ImportStores
from flexchain.domain.catalog import ModuleType
from flexchain.domain.values import MONEY_PLACES, QUANTITY_PLACES
from flexchain.planning.presale import COMMITTED, SignalKind
from flexchain.services.imports import cells
from flexchain.services.imports.cells import CellError
from flexchain.services.imports.columns import Column, Parsed, Seen
from flexchain.services.imports.lookups import ItemRef, item_refs
from flexchain.services.imports.pipeline import Checked, Kind, Plan
from flexchain.services.imports.writing import Upserts

__all__ = ["SIGNALS", "OptionChoice", "option_text", "timestamp", "timestamp_text"]

SOURCE_LENGTH = 64
KIND_SYNONYMS = {
    "view": "views",
    "add-to-cart": "add_to_cart",
    "add to cart": "add_to_cart",
    "cart": "add_to_cart",
    "preorders": "preorder",
    "pre-order": "preorder",
    "deposits": "deposit",
}


@dataclass(frozen=True)
class OptionChoice:
    """An option as a file gives it: ``CODE``, or ``MODULE/CODE`` when the module is named."""

    module: str | None
    code: str


def option(value: Any) -> OptionChoice:
    module, slash, code = cells.text(value).rpartition("/")
    return OptionChoice(cells.code(module) if slash else None, cells.code(code))


def option_text(module: str | None, code: str | None) -> str | None:
    """How an export writes an option: ``MODULE/CODE`` (unambiguous whatever the BOM becomes)."""
    if code is None:
        return None
    return f"{module}/{code}" if module else code


def timestamp(value: Any) -> datetime:
    """An ISO 8601 date and time (``2026-11-02T10:30:00Z``, ``2026-11-02 10:30+01:00``), a date
    (midnight), or an XLSX date cell; without an offset it is UTC. Returned in UTC."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    else:
        raw = cells.text(value)
        try:
            parsed = datetime.fromisoformat(raw)
        except ValueError:
            raise CellError(
                f"not a date and time: {raw!r} (use YYYY-MM-DDTHH:MM:SSZ, or YYYY-MM-DD)"
            ) from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise CellError(f"{parsed.isoformat()} is out of range") from None


def timestamp_text(value: datetime) -> str:
    """A UTC time the way exports write it: ``2026-11-02T10:30:00Z``."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


COLUMNS = (
    Column("sku", cells.reference, required=True, aliases=("item", "item_sku", "Product")),
    Column("option", option, aliases=("option_code",)),
    Column("kind", cells.choice(SignalKind, KIND_SYNONYMS), required=True, aliases=("signal",)),
    Column("quantity", cells.decimal(QUANTITY_PLACES), required=True, aliases=("qty", "count")),
    Column("amount", cells.decimal(MONEY_PLACES)),
    Column("currency", cells.currency, default="EUR"),
    Column("occurred_at", timestamp, required=True, aliases=("timestamp", "at", "date")),
    Column("source", cells.text, default="", aliases=("channel",)),
)
Key = tuple[int, int | None, str | None, str, datetime, str]


class CustomOptions:
    """Which options a product's signals may name: the options of its custom modules (its own
    BOM children of module type custom, or the product itself when it is one)."""

    def __init__(self, stores: ImportStores, items: dict[str, ItemRef]) -> None:
        self.items = items
        self.skus = {ref.id: sku for sku, ref in items.items()}
        custom = {ref.id for ref in items.values() if ref.module_type == ModuleType.CUSTOM}
        self.modules: dict[int, list[int]] = defaultdict(list)
        for module_id in custom:
            self.modules[module_id].append(module_id)
        for parent_id, child_id in stores.catalog.bom_edges():
            if child_id in custom:
                self.modules[parent_id].append(child_id)
        self.codes: dict[int, set[str]] = defaultdict(set)
        for module_id, code in stores.catalog.option_codes():
            self.codes[module_id].add(code)

    def resolve(self, sku: str, choice: OptionChoice) -> tuple[int | None, str]:
        """The module id of ``choice`` for product ``sku``, or None and why not."""
        item = self.items[sku]
        modules = self.modules.get(item.id, [])
        names = ", ".join(sorted(self.skus[m] for m in modules)) or "none"
        if choice.module is not None:
            module = self.items.get(choice.module)
            if module is None or module.id not in modules:
                return None, (
                    f"{choice.module!r} is not a custom module of {sku} (its custom modules: "
                    f"{names})"
                )
            if choice.code not in self.codes[module.id]:
                return None, f"unknown option {choice.code!r} of {choice.module}"
            return module.id, ""
        having = [m for m in modules if choice.code in self.codes[m]]
        if len(having) == 1:
            return having[0], ""
        if not having:
            return None, (f"unknown option {choice.code!r} for {sku} (its custom modules: {names})")
        several = ", ".join(sorted(self.skus[m] for m in having))
        return None, (
            f"{choice.code!r} is an option of several modules of {sku} ({several}); "
            f"write MODULE/{choice.code}"
        )


def _stored(check: Checked) -> dict[Key, dict[str, Any]]:
    times = [row.values["occurred_at"] for row in check.rows if row.values.get("occurred_at")]
    if not times:
        return {}
    rows = check.stores.demand.signals_between(min(times), max(times))
    return {
        (row["item_id"], row["module_id"], row["option_code"], row["kind"], row["occurred_at"],
         row["source"]): row
        for row in rows
    }  # fmt: skip


def _amount_error(row: Parsed) -> str | None:
    if row.values.get("amount") is not None and row.values.get("kind") not in COMMITTED:
        return "only preorders and deposits carry an amount"
    return None


def check(check: Checked) -> Plan:
    items = item_refs(check.stores)
    options = CustomOptions(check.stores, items)
    stored = _stored(check)
    seen = Seen(check.errors, "occurred_at")
    upserts = Upserts("presale_signals", "presale_signal")
    for row in check.rows:
        sku, choice = row.values.get("sku"), row.values.get("option")
        kind, at = row.values.get("kind"), row.values.get("occurred_at")
        source = row.values.get("source") or ""
        if len(source) > SOURCE_LENGTH:
            check.errors.add(row.line, "source", f"at most {SOURCE_LENGTH} characters")
            continue
        if sku is None or kind is None or at is None:
            continue
        if sku not in items:
            check.errors.add(row.line, "sku", f"unknown item {sku!r}")
            continue
        module_id, why = (None, "") if choice is None else options.resolve(sku, choice)
        if why:
            check.errors.add(row.line, "option", why)
            continue
        code = None if choice is None else choice.code
        if not seen.first((sku, module_id, code, kind, at, source), row.line):
            continue
        problem = _amount_error(row)
        if problem:
            check.errors.add(row.line, "amount", problem)
            continue
        if not row.ok:
            continue
        item_id = items[sku].id
        key: Key = (item_id, module_id, code, kind.value, at, source)
        old = stored.get(key)
        values = {
            "item_id": item_id,
            "module_id": module_id,
            "option_code": code,
            "kind": kind.value,
            "quantity": row.values["quantity"],
            "amount": row.values.get("amount"),
            "currency": row.values.get("currency") or "EUR",
            "occurred_at": at,
            "source": source,
        }
        for name in ("amount", "currency"):  # columns the file leaves out keep their values
            if old is not None and not check.layout.has(name):
                values[name] = old[name]
        label = f"{sku}/{option_text(options.skus.get(module_id or 0), code) or '-'}"
        upserts.add(f"{label} {kind.value}@{timestamp_text(at)}", row.line, values, old)

    def write(stores: ImportStores) -> None:
        upserts.write(stores, check.source, audit_each=False)
        created, updated, unchanged = upserts.counts
        if created or updated:
            details = {"source": check.source, "created": created, "updated": updated}
            stores.audit.record(
                "imported", "presale_signal", check.source, {**details, "unchanged": unchanged}
            )

    return Plan(*upserts.counts, write=write)


SIGNALS = Kind("signals", COLUMNS, check)
