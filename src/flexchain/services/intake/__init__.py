"""Storefront intake: a signed webhook in, a sales order with its reservations, picks and jobs out.

1. :func:`receive_webhook` checks the signature against the shop's secret *before* parsing, and
   stores the raw body in the inbox (unique on shop and event id, else webhook id), committed.
   A bad signature stores nothing; a duplicate is recognised here and changes nothing
   (:mod:`.receive`).
2. :func:`apply_inbox_row` applies one inbox row in its own transaction: normalise, upsert the
   order keeping the newest ``updated_at``, reserve and split it, set its promise, queue
   availability pushes (:mod:`.apply`). If anything in the data is wrong (unknown SKU, unknown
   option), the transaction is rolled back and the inbox row is kept as ``failed`` with the
   error; :func:`retry` runs it again after the data is fixed. :func:`process_batch` applies
   many in one transaction (:mod:`.inbox`). Nothing a store sent is lost or applied twice.

The server's runtime that batches webhooks and applies them in child processes is
:mod:`flexchain.entrypoints.api.background.intake`; every statement is in the stores
:mod:`flexchain.adapters.db.inbox` and :mod:`flexchain.adapters.db.orders.upserts`.
"""

from flexchain.adapters.db.orders.upserts import CatalogCache
from flexchain.adapters.storefronts.common import NormalisedOrder, PayloadError, SignatureError
from flexchain.domain.inbox import InboxStatus
from flexchain.services.intake.apply import Batch, apply_order
from flexchain.services.intake.inbox import (
    Handled,
    InboxView,
    apply_entry,
    apply_inbox_row,
    list_inbox,
    mark_failed,
    process,
    process_batch,
    process_pending,
    retry,
)
from flexchain.services.intake.parse import DEFAULT_CURRENCY, SYNC_TOPIC, parse_stored
from flexchain.services.intake.receive import (
    Received,
    ShopSecrets,
    Verified,
    is_ping,
    receive_webhook,
    shop_key,
    shop_secret,
    store,
    store_many,
    store_webhooks,
    verified,
    verify_webhook,
)
from flexchain.services.intake.terms import DEFAULT_TERMS, IntakeTerms
from flexchain.services.shops import Platform

__all__ = [
    "DEFAULT_CURRENCY",
    "DEFAULT_TERMS",
    "SYNC_TOPIC",
    "Batch",
    "CatalogCache",
    "Handled",
    "InboxStatus",
    "InboxView",
    "IntakeTerms",
    "NormalisedOrder",
    "PayloadError",
    "Platform",
    "Received",
    "ShopSecrets",
    "SignatureError",
    "Verified",
    "apply_entry",
    "apply_inbox_row",
    "apply_order",
    "is_ping",
    "list_inbox",
    "mark_failed",
    "parse_stored",
    "process",
    "process_batch",
    "process_pending",
    "receive_webhook",
    "retry",
    "shop_key",
    "shop_secret",
    "store",
    "store_many",
    "store_webhooks",
    "verified",
    "verify_webhook",
]
