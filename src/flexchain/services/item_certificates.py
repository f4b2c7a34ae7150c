"""The certificates an item requires, per market (``EU``, ``US``; ``*``: wherever it is sold).

A supplier may take an item in sourcing only while it holds every certificate the item requires,
valid that day (``services/supplier_rules.sourcing_adjustments``); the certificate rules alert
before one ends and say which items a supplier leaves when it has. Every change is audited;
nothing here commits; ``now`` comes from the caller.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from flexchain.adapters.db.supplier_rules import SqlSupplierRulesStore
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.checks import code, text
from flexchain.domain.errors import NotFound, ValidationError
from flexchain.domain.values import utc
from flexchain.services import audit

__all__ = [
    "ANY_MARKET",
    "ItemCertificateView",
    "list_item_certificates",
    "market_code",
    "require_certificate",
    "required_certificates",
    "unrequire_certificate",
]

ANY_MARKET = "*"
_MARKET = re.compile(r"[A-Z0-9]{2,8}")


@dataclass(frozen=True)
class ItemCertificateView:
    sku: str
    certificate: str
    market: str


def market_code(value: object) -> str:
    """``*`` or 2-8 letters and digits (``EU``, ``US``, ``UK``), upper case."""
    if value is None or value == "":
        return ANY_MARKET
    if isinstance(value, str) and (value.strip() == ANY_MARKET or
                                   _MARKET.fullmatch(value.strip().upper())):  # fmt: skip
        return value.strip().upper()
    raise ValidationError("market", f"{value!r} is not a market: use * (any) or 2-8 letters "
                          "and digits such as EU or US")  # fmt: skip


def _certificate(value: object) -> str:
    return text(value, "certificate", max_length=100)


def list_item_certificates(uow: UnitOfWork, sku: str | None = None) -> list[ItemCertificateView]:
    """Every certificate requirement, by SKU (of one item: an unknown SKU is an error)."""
    store = SqlSupplierRulesStore(uow)
    if sku is not None:
        store.item_id(code(sku, "sku"))
    return [ItemCertificateView(r.sku, r.certificate, r.market)
            for r in store.item_certificates(sku)]  # fmt: skip


def required_certificates(uow: UnitOfWork) -> dict[str, frozenset[str]]:
    """The certificates each item requires, any market, by SKU."""
    found: dict[str, set[str]] = defaultdict(set)
    for r in SqlSupplierRulesStore(uow).item_certificates():
        found[r.sku].add(r.certificate)
    return {sku: frozenset(names) for sku, names in found.items()}


def require_certificate(
    uow: UnitOfWork, sku: str, certificate: str, *, market: str = ANY_MARKET, now: datetime
) -> ItemCertificateView:
    """``sku`` requires ``certificate`` for ``market`` (again: nothing changes)."""
    now = utc(now, "now")
    store = SqlSupplierRulesStore(uow)
    view = ItemCertificateView(code(sku, "sku"), _certificate(certificate), market_code(market))
    if store.require(store.item_id(view.sku), view.certificate, view.market):
        audit.record_change(uow, "required", "item_certificate", view.sku, after={
            "certificate": view.certificate, "market": view.market}, at=now)  # fmt: skip
    return view


def unrequire_certificate(
    uow: UnitOfWork, sku: str, certificate: str, *, market: str = ANY_MARKET, now: datetime
) -> ItemCertificateView:
    """``sku`` no longer requires ``certificate`` for ``market``."""
    now = utc(now, "now")
    store = SqlSupplierRulesStore(uow)
    view = ItemCertificateView(code(sku, "sku"), _certificate(certificate), market_code(market))
    if not store.unrequire(store.item_id(view.sku), view.certificate, view.market):
        raise NotFound(f"{view.sku} does not require {view.certificate} for market {view.market}")
    audit.record_change(uow, "unrequired", "item_certificate", view.sku, before={
        "certificate": view.certificate, "market": view.market}, at=now)  # fmt: skip
    return view
