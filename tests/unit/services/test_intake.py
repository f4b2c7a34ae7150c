"""Intake's decisions without a database: the inbox is tests.fakes.FakeInboxStore."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from flexchain.domain.inbox import InboxStatus
from flexchain.services import intake
from tests.fakes import FakeInboxStore, FakeShop
from tests.storefront_world import NOW, SECRET, SHOP, TEE, shopify_order, shopify_webhook

SHOP_ID = 1


def _inbox() -> FakeInboxStore:
    return FakeInboxStore([FakeShop(SHOP_ID, "shopify", SHOP, SECRET)])


def _webhook(order_id: int = 1001, **kwargs: Any) -> intake.Verified:
    headers, body = shopify_webhook(shopify_order(order_id, [{"sku": TEE}], **kwargs))
    return intake.verified(intake.Platform.SHOPIFY, (SHOP_ID, SECRET), headers, body)


class _Applier:
    """Stands in for apply_order: records the orders it is given, answers with ``note``."""

    def __init__(self, note: str | None = None) -> None:
        self.note = note
        self.applied: list[str] = []

    def __call__(
        self, uow: object, shop: object, order: Any, *, now: object, ladder: object = None
    ) -> tuple[Any, Any]:
        self.applied.append(order.external_id)
        self.ladder = ladder
        return SimpleNamespace(id=7), self.note


def test_a_redelivered_webhook_is_stored_once() -> None:
    # given a webhook delivered twice in one batch, then once more
    inbox, webhook = _inbox(), _webhook()
    # when they are stored
    first = intake.store_webhooks(inbox, [webhook, webhook], now=NOW)
    again = intake.store_webhooks(inbox, [webhook], now=NOW)
    # then one row holds it, and the copies are answered as duplicates of it
    assert [(r.inbox_id, r.duplicate, r.status) for r in first + again] == [
        (1, False, "pending"),
        (1, True, "pending"),
        (1, True, "pending"),
    ]
    assert len(inbox.rows) == 1
    assert not any("hmac" in name.lower() for name in inbox.rows[1].headers)  # never stored


def test_a_stored_webhook_is_applied_once() -> None:
    # given a stored webhook
    inbox = _inbox()
    (received,) = intake.store_webhooks(inbox, [_webhook()], now=NOW)
    inbox.orders[7] = "#1001"
    apply = _Applier()
    # when it is applied, and then applied again (a redelivery, a retry)
    view = intake.apply_entry(None, inbox, received.inbox_id, now=NOW, apply=apply)  # type: ignore[arg-type]
    later = NOW + timedelta(minutes=1)
    again = intake.apply_entry(None, inbox, received.inbox_id, now=later, apply=apply)  # type: ignore[arg-type]
    # then its order was applied once, and the second attempt only reports the first
    assert apply.applied == ["1001"]
    assert (view.status, view.attempts, view.order, view.processed_at) == (
        InboxStatus.PROCESSED,
        1,
        "#1001",
        NOW,
    )
    assert again == view


def test_an_older_copy_is_kept_as_ignored_with_the_reason() -> None:
    inbox = _inbox()
    (received,) = intake.store_webhooks(inbox, [_webhook()], now=NOW)
    apply = _Applier(note="older than the stored version (2026-11-23 09:00:00)")
    view = intake.apply_entry(None, inbox, received.inbox_id, now=NOW, apply=apply)  # type: ignore[arg-type]
    assert (view.status, view.error) == (InboxStatus.IGNORED, apply.note)


def test_a_redelivery_is_answered_as_it_stands_once_handled() -> None:
    # a duplicate of a pending row is applied (the server may have stopped before applying it);
    # one of a handled row is answered with its status
    for status, answered in [
        (InboxStatus.PENDING, False),
        (InboxStatus.PROCESSED, True),
        (InboxStatus.IGNORED, True),
        (InboxStatus.FAILED, True),
    ]:
        assert intake.Received(1, True, status).answered is answered
        assert not intake.Received(1, False, status).answered


def test_an_order_older_than_the_stored_one_is_not_applied() -> None:
    # given an order stored at a newer version than the copy that arrives
    incoming = _webhook(updated=NOW).order
    assert incoming is not None
    stored = SimpleNamespace(external_updated_at=NOW + timedelta(hours=1), status="received")
    batch = SimpleNamespace(order=lambda shop, order: stored, touched=set())
    # when it is applied
    order, note = intake.apply_order(
        None,  # type: ignore[arg-type]
        SimpleNamespace(id=SHOP_ID),  # type: ignore[arg-type]
        incoming,
        now=NOW,
        batch=batch,  # type: ignore[arg-type]
    )
    # then nothing of it is copied, and the reason says why
    assert order is stored
    assert note == "older than the stored version (2026-11-23 10:00:00)"
    assert not hasattr(stored, "number")  # the header was not copied
    assert stored.status == "received" and not batch.touched
