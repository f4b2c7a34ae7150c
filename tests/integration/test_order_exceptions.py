"""An order line no capable supplier can make is an exception on the order (``orders show``, its
JSON, the inbox), with no promise date, never a silent one; its quote refuses it. Both databases."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine

from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.errors import DomainError
from flexchain.services import intake, orders, shops
from flexchain.services.imports import import_rows
from flexchain.services.quotes import quote
from tests.integration.test_cli import flexchain_cli
from tests.storefront_world import NOW, SECRET, SHOP, shopify_order, shopify_webhook

CATALOG: dict[str, list[dict[str, Any]]] = {
    "suppliers": [
        {"code": "SEW", "name": "Sewer", "tier": "S", "country": "PT",
         "capabilities": [{"process": "sewing", "capacity_per_day": 50,
                           "lead_time_mean_days": 5, "moq": 1}]},
    ],
    "locations": [{"code": "WH", "name": "Warehouse", "kind": "warehouse"}],
    "items": [
        {"sku": "APRON", "name": "Apron", "kind": "finished", "list_price": 40,
         "default_supplier": "SEW"},
        {"sku": "M-BODY", "name": "Body", "kind": "module", "module_type": "standard",
         "default_supplier": "SEW", "standard_cost": 5},
        {"sku": "M-DYE", "name": "Colour", "kind": "module", "module_type": "custom",
         "attributes": {"process": "dyeing"}, "standard_cost": 3},
        {"sku": "M-LINING", "name": "Lining", "kind": "module", "module_type": "custom",
         "standard_cost": 2},
    ],
    "options": [
        {"module_sku": "M-DYE", "code": "NONE", "name": "Undyed", "price_delta": 0},
        {"module_sku": "M-DYE", "code": "INDIGO", "name": "Indigo", "price_delta": 5},
        {"module_sku": "M-LINING", "code": "NONE", "name": "No lining", "price_delta": 0},
        {"module_sku": "M-LINING", "code": "SILK", "name": "Silk", "price_delta": 9},
    ],
    "bom": [{"parent_sku": "APRON", "child_sku": child, "quantity": 1}
            for child in ("M-BODY", "M-DYE", "M-LINING")],
}  # fmt: skip
DYE = "no capable supplier for dyeing makes M-DYE: add the dyeing capability to an active supplier"
LINING = (
    "no supplier can make M-LINING: give it the attribute process=... or a default supplier "
    "with a capability"
)


@pytest.fixture
def catalog(engine: Engine, make_uow: Callable[..., UnitOfWork]) -> Engine:
    with make_uow() as uow:
        for kind, rows in CATALOG.items():
            import_rows(uow, kind, rows, source=f"test {kind}")
        shops.add_shop(uow, platform="shopify", domain=SHOP, secret=SECRET, warehouse="WH")
        uow.commit()
    return engine


def _order(engine: Engine, order_id: int, options: dict[str, str]) -> intake.InboxView:
    line = {"id": 1, "sku": "APRON", "quantity": 3, "properties": options}
    headers, body = shopify_webhook(shopify_order(order_id, [line]))
    received = intake.receive_webhook(engine, "shopify", headers, body, now=NOW)
    return intake.process(engine, received.inbox_id, now=NOW)


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"Colour": "Indigo", "Lining": "No lining"}, [DYE]),
        ({"Colour": "Undyed", "Lining": "Silk"}, [LINING]),
        ({"Colour": "Indigo", "Lining": "Silk"}, [DYE, LINING]),
    ],
    ids=["no-dyer", "no-process", "both"],
)
def test_a_line_no_supplier_can_make_is_an_exception_without_a_promise(
    catalog: Engine, database_url: str, options: dict[str, str], expected: list[str]
) -> None:
    # given an apron whose chosen options need work nobody in the network can do
    # when it is ordered through the webhook intake
    view = _order(catalog, 9001, options)
    # then the order is applied, and the inbox shows what keeps it from a promise
    assert view.status == "processed", view
    assert list(view.exceptions) == expected
    with UnitOfWork(catalog, write=False) as uow:
        (listed,) = intake.list_inbox(uow)
        shown = orders.show_order(uow, "9001")
    assert list(listed.exceptions) == expected
    # and so do the commands an operator reads them with
    code, out, _ = flexchain_cli(database_url, "inbox", "list", "--json")
    assert code == 0 and json.loads(out)[0]["exceptions"] == expected
    code, out, _ = flexchain_cli(database_url, "inbox", "list")
    assert code == 0 and expected[0][:8] in out, out  # the flexible column: cut on 80 columns
    # and the order (orders show, and its JSON) carries the exceptions and promises no date
    assert list(shown.exceptions) == expected
    assert shown.as_dict()["exceptions"] == expected
    assert shown.promise_date is None
    stages = {stage.stage: stage.planned for stage in shown.stages}
    assert stages.get("shipped") is None and stages.get("delivered") is None
    # and its jobs are there, unplaced, for when a supplier is found
    assert [(j.sku, j.supplier) for j in shown.jobs if j.supplier is None] == [
        (message.split(" makes ")[-1].split(":")[0] if " makes " in message
         else message.split("can make ")[1].split(":")[0], None)
        for message in expected
    ]  # fmt: skip


def test_an_order_every_supplier_can_make_has_no_exception_and_a_promise(catalog: Engine) -> None:
    options = {"Colour": "Undyed", "Lining": "No lining"}
    with UnitOfWork(catalog, write=False) as uow:
        quoted = quote(uow, "APRON", options, 3, "basic", today=NOW.date(), alternatives=False)
    view = _order(catalog, 9002, options)
    assert view.status == "processed" and view.exceptions == ()
    with UnitOfWork(catalog, write=False) as uow:
        shown = orders.show_order(uow, "9002")
    assert shown.exceptions == () and shown.promise_date == quoted.ship_date


@pytest.mark.parametrize(
    ("options", "message"),
    [({"Colour": "Indigo", "Lining": "No lining"}, "no capable supplier for dyeing"),
     ({"Colour": "Undyed", "Lining": "Silk"}, "no process known for module M-LINING")],
    ids=["no-dyer", "no-process"],
)  # fmt: skip
def test_the_quote_of_what_no_supplier_can_make_is_refused(
    catalog: Engine, options: dict[str, str], message: str
) -> None:
    with UnitOfWork(catalog, write=False) as uow, pytest.raises(DomainError, match=message):
        quote(uow, "APRON", options, 3, "basic", today=NOW.date(), alternatives=False)


def test_a_bought_product_nobody_sells_is_an_exception_not_a_date(
    catalog: Engine, make_uow: Callable[..., UnitOfWork]
) -> None:
    # given a finished product with no bill of materials, no process, no default supplier and
    # no supplier terms (bought, but from nobody), and none in stock
    with make_uow() as uow:
        import_rows(uow, "items", [{"sku": "MUG", "name": "Mug", "kind": "finished",
                                   "list_price": 12, "production_cycle_days": 0}])  # fmt: skip
        uow.commit()
    # when it is ordered
    headers, body = shopify_webhook(shopify_order(9101, [{"id": 1, "sku": "MUG", "quantity": 2}]))
    received = intake.receive_webhook(catalog, "shopify", headers, body, now=NOW)
    view = intake.process(catalog, received.inbox_id, now=NOW)
    # then the order is applied with no promise (not "tomorrow"), and says why where it is read
    expected = [
        "no supplier sells MUG: import its supplier terms (item-suppliers) or give it a "
        "default supplier"
    ]
    assert view.status == "processed" and list(view.exceptions) == expected
    with UnitOfWork(catalog, write=False) as uow:
        shown = orders.show_order(uow, "9101")
        (listed,) = intake.list_inbox(uow)
    assert shown.promise_date is None and list(shown.exceptions) == expected
    assert list(listed.exceptions) == expected
    # and its quote is refused with the same reason
    refused = pytest.raises(DomainError, match="no supplier sells MUG")
    with UnitOfWork(catalog, write=False) as uow, refused:
        quote(uow, "MUG", {}, 2, "basic", today=NOW.date(), alternatives=False)
    # and once a supplier sells it, a new order of it is promised again
    with make_uow() as uow:
        import_rows(uow, "item-suppliers", [{"item_sku": "MUG", "supplier_code": "SEW",
                                            "unit_price": 3, "lead_time_days": 4}])  # fmt: skip
        uow.commit()
    headers, body = shopify_webhook(shopify_order(9102, [{"id": 1, "sku": "MUG", "quantity": 2}]))
    received = intake.receive_webhook(catalog, "shopify", headers, body, now=NOW)
    assert intake.process(catalog, received.inbox_id, now=NOW).exceptions == ()
    with UnitOfWork(catalog, write=False) as uow:
        again = orders.show_order(uow, "9102")
    assert again.exceptions == () and again.promise_date is not None
