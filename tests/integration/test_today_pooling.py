"""Releasing planned purchases from Today pools them per supplier, on both databases: a
release adds to the open draft PO to the same supplier (same currency and contract) that an
earlier release of the same plan version made, and says so ("added to draft PO-... (now N
lines)"); a PO issued meanwhile, or a line priced in another currency, gets a PO of its own;
the Plan page (and ``POST /plan/release``) still makes one new PO per release."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from flexchain.adapters.db.tables import AuditRow, ItemRow, PlanOrderRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.services import plan_release, purchase_orders, today
from flexchain.services.imports import import_rows
from tests.integration.test_today_release import (
    NOW,
    SETTINGS,
    TODAY,
    world,  # noqa: F401 (a fixture)
)

UowFactory = Callable[..., UnitOfWork]
HTML = {"Accept": "text/html"}


def _key(make_uow: UowFactory, ref: str) -> str:
    with make_uow(write=False) as uow:
        found = today.decision_inbox(uow, now=NOW, settings=SETTINGS, kind="planned_order")
    return next(d.key for d in found if d.ref == ref)


def _act(make_uow: UowFactory, ref: str) -> str:
    key = _key(make_uow, ref)
    with make_uow(actor="user:bo") as uow:
        done = today.act(uow, key, "release", now=NOW, settings=SETTINGS, role="buyer")
        uow.commit()
    return done


def _po(text: str) -> str:
    found = re.search(r"PO-\d+", text)
    assert found is not None, text
    return found.group(0)


def test_releases_from_today_to_one_supplier_go_into_one_draft_po(
    world: dict[str, Any],  # noqa: F811
    make_uow: UowFactory,
) -> None:
    # given planned purchases 27 and 26 of canvas, both cheapest at SEW-PT (5.00 a metre)
    # when a buyer releases 27 from Today, then 26 through the page
    first = _act(make_uow, "27")
    po = _po(first)
    assert first == f"Planned order 27 released into draft {po} to SEW-PT"
    answer = world["client"].post(
        "/app/today/act", data={"key": _key(make_uow, "26"), "action": "release"},
        headers={**HTML, **world["as"]["buyer"]}, follow_redirects=False,
    )  # fmt: skip
    assert answer.status_code == 303
    shown = world["client"].get(
        answer.headers["location"], headers={**HTML, **world["as"]["buyer"]}
    )

    # then 26 is added to the same draft, and the notice says so
    assert f"Planned order 26 released: added to draft {po} to SEW-PT (now 2 lines)" in shown.text
    with make_uow(write=False) as uow:
        drafts = purchase_orders.list_pos(uow, source="sourcing")
        lines = purchase_orders.show_po(uow, po).lines
        assert plan_release.released(uow) == {27: po, 26: po}
        added = uow.session.scalars(
            select(AuditRow).where(AuditRow.entity_key == po, AuditRow.action == "lines_added")
        ).all()
    assert [p.number for p in drafts] == [po]
    assert [(line.item, line.quantity, line.unit_price) for line in lines] == [
        ("CANVAS", Decimal(270), Decimal("5.00")),
        ("CANVAS", Decimal(260), Decimal("5.00")),
    ]
    assert len(added) == 1


def test_an_issued_po_or_another_currency_gets_a_po_of_its_own(
    world: dict[str, Any],  # noqa: F811
    make_uow: UowFactory,
) -> None:
    # given 27 released from Today into a draft PO to SEW-PT, and that PO issued
    po = _po(_act(make_uow, "27"))
    with make_uow() as uow:
        purchase_orders.issue_po(uow, po, now=NOW)
        uow.commit()
    # when 26 is released from Today, it goes into a new draft
    second = _po(_act(make_uow, "26"))
    assert second != po
    # and a planned purchase SEW-PT prices in USD does not join that EUR draft
    with make_uow() as uow:
        import_rows(uow, "items", [{"sku": "LINING", "name": "Lining", "kind": "raw"}],
                    source="t")  # fmt: skip
        import_rows(uow, "item-suppliers", [
            {"item_sku": "LINING", "supplier_code": "SEW-PT", "min_quantity": 0,
             "unit_price": "2.00", "lead_time_days": 7, "currency": "USD"}
        ], source="t")  # fmt: skip
        lining = uow.session.scalar(select(ItemRow.id).where(ItemRow.sku == "LINING"))
        uow.session.add(
            PlanOrderRow(
                run_id=world["run"], number=99, item_id=lining, kind="purchase",
                release_date=TODAY, due_date=TODAY, quantity=Decimal(10), pegs=[], location="",
            )
        )  # fmt: skip
        uow.commit()
    third = _act(make_uow, "99")
    assert third.startswith("Planned order 99 released into draft ")
    with make_uow(write=False) as uow:
        usd = purchase_orders.show_po(uow, _po(third))
        assert len(purchase_orders.show_po(uow, second).lines) == 1
    assert usd.number not in (po, second) and usd.currency == "USD"


def test_the_plan_page_still_makes_a_po_of_its_own(
    world: dict[str, Any],  # noqa: F811
    make_uow: UowFactory,
) -> None:
    # given a draft PO to SEW-PT from a release on Today
    po = _po(_act(make_uow, "27"))
    # when a buyer ticks two planned purchases on the Plan page and releases them to SEW-PT
    answer = world["client"].post(
        "/app/plan/release", data={"number": ["25", "24"], "to": "po", "suppliers": "SEW-PT"},
        headers={**HTML, **world["as"]["buyer"]}, follow_redirects=False,
    )  # fmt: skip
    assert answer.status_code == 303, answer.text
    # then they go into one new PO, the Today draft untouched
    with make_uow(write=False) as uow:
        released = plan_release.released(uow)
        assert len(purchase_orders.show_po(uow, po).lines) == 1
    assert released[25] == released[24] != po
