"""The control tower's order page: the issues reported on an order, and the form that reports
one (CSRF, roles, a refusal shown next to its field); the order book's issues flag and filter."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from flexchain.services import order_issues as issues
from tests.auth import PASSWORD, make_user
from tests.integration.test_order_issues import TEE, World, _report
from tests.integration.test_order_issues import clean as clean  # a fixture
from tests.integration.test_order_issues import world as world  # a fixture


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _login(tower: World, role: str) -> str:
    """Log a new user of ``role`` in on the client; its session's CSRF token."""
    email = make_user(tower.engine, role, supplier="DYE-PT" if role == "supplier" else None)
    tower.client.cookies.clear()
    answer = tower.client.post("/login", data={"email": email, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["csrf_token"])


def _order_id(tower: World, name: str) -> int:
    with tower.uow(write=False) as uow:
        return issues.find_order(uow, tower.orders[name]).id


@pytest.fixture
def tower(clean: World) -> Iterator[World]:
    yield clean
    clean.client.cookies.clear()


def test_a_buyer_reports_an_issue_from_the_order_page_and_sees_it_listed(tower: World) -> None:
    # given a buyer on a shipped order's page, with the form
    csrf = _login(tower, "buyer")
    order = _order_id(tower, "shipped")
    before = tower.client.get(f"/app/orders/{order}")
    assert 'id="issue-form"' in before.text
    assert "No issue reported" in _text(before.text)
    # when the form is posted
    form = {"csrf_token": csrf, "kind": "damaged", "sku": TEE, "quantity": "1", "note": "torn"}
    answer = tower.client.post(f"/app/orders/{order}/issues", data=form, follow_redirects=False)
    # then the page says so and lists it; the service holds it
    assert answer.status_code == 303, answer.text
    shown = tower.client.get(answer.headers["location"])
    text = _text(shown.text)
    assert "recorded: damaged on line " + TEE in text
    assert re.search(rf"damaged {TEE} 1 torn", text), text
    with tower.uow(write=False) as uow:
        (stored,) = issues.issues_of(uow, order)
    assert (stored.kind, stored.note, stored.reported_by[:5]) == ("damaged", "torn", "user:")


def test_a_refused_report_shows_the_reason_next_to_its_field_and_keeps_what_was_typed(
    tower: World,
) -> None:
    csrf = _login(tower, "quality")
    order = _order_id(tower, "shipped")
    form = {"csrf_token": csrf, "kind": "damaged", "sku": TEE, "quantity": "7", "note": "kept"}
    answer = tower.client.post(f"/app/orders/{order}/issues", data=form)
    assert answer.status_code == 422
    assert 'id="quantity-error"' in answer.text and "between 1 and 2" in answer.text
    assert ">kept</textarea>" in answer.text
    with tower.uow(write=False) as uow:
        assert issues.issues_of(uow, order) == ()


def test_an_order_not_shipped_shows_no_form_and_refuses_a_post(tower: World) -> None:
    csrf = _login(tower, "admin")
    order = _order_id(tower, "open")
    page = tower.client.get(f"/app/orders/{order}")
    assert 'id="issue-form"' not in page.text
    assert "once the order has shipped" in _text(page.text)
    form = {"csrf_token": csrf, "kind": "damaged"}
    answer = tower.client.post(f"/app/orders/{order}/issues", data=form)
    assert answer.status_code == 422
    assert "has not shipped" in _text(answer.text)


@pytest.mark.parametrize("role", ["viewer", "finance"])
def test_a_role_that_does_not_report_sees_no_form_and_its_post_is_refused(
    tower: World, role: str
) -> None:
    csrf = _login(tower, role)
    order = _order_id(tower, "shipped")
    page = tower.client.get(f"/app/orders/{order}")
    assert page.status_code == 200
    assert 'id="issue-form"' not in page.text
    form = {"csrf_token": csrf, "kind": "damaged"}
    assert tower.client.post(f"/app/orders/{order}/issues", data=form).status_code == 403


def test_a_post_without_the_csrf_token_is_refused(tower: World) -> None:
    _login(tower, "admin")
    order = _order_id(tower, "shipped")
    answer = tower.client.post(f"/app/orders/{order}/issues", data={"kind": "damaged"})
    assert answer.status_code == 403
    with tower.uow(write=False) as uow:
        assert issues.issues_of(uow, order) == ()


def test_the_order_book_flags_and_filters_orders_with_issues(tower: World) -> None:
    _report(tower, tower.orders["shipped"], kind="incomplete", note="no strap")
    _login(tower, "viewer")
    every = _text(tower.client.get("/app/orders").text)
    assert "1 reported" in every
    with_issues = tower.client.get("/app/orders", params={"issues": "yes"})
    without = tower.client.get("/app/orders", params={"issues": "no"})
    numbers = {name: number for name, number in tower.orders.items()}
    assert numbers["shipped"] in with_issues.text and numbers["open"] not in with_issues.text
    assert numbers["shipped"] not in without.text and numbers["open"] in without.text


def test_an_issue_reported_in_error_is_withdrawn_from_the_page_with_a_reason(
    tower: World,
) -> None:
    view = _report(tower, tower.orders["shipped"], kind="damaged")
    order = view.order_id
    path = f"/app/orders/{order}/issues/{view.id}/withdraw"
    csrf = _login(tower, "viewer")
    assert f'id="withdraw-{view.id}"' not in tower.client.get(f"/app/orders/{order}").text
    assert tower.client.post(path, data={"csrf_token": csrf, "reason": "x"}).status_code == 403
    csrf = _login(tower, "planner")
    assert f'id="withdraw-{view.id}"' in tower.client.get(f"/app/orders/{order}").text
    blank = tower.client.post(path, data={"csrf_token": csrf, "reason": " "})
    assert blank.status_code == 422
    assert f"issue {view.id} was not withdrawn: reason: required" in _text(blank.text)
    answer = tower.client.post(path, data={"csrf_token": csrf, "reason": "wrong order"})
    assert answer.status_code == 200  # followed the redirect to the order
    assert f"Issue {view.id} withdrawn: wrong order" in _text(answer.text)
    with tower.uow(write=False) as uow:
        assert issues.issues_of(uow, order) == ()
    gone = tower.client.post(path, data={"csrf_token": csrf, "reason": "again"})
    assert gone.status_code == 404


def test_the_orders_view_api_filters_orders_with_issues(tower: World) -> None:
    _report(tower, tower.orders["shipped"], kind="damaged", note="dented")
    _login(tower, "viewer")

    def numbers(**params: str) -> dict[str, int]:
        answer = tower.client.get("/views/orders", params=params)
        assert answer.status_code == 200, answer.text
        return {order["number"]: order["issues"] for order in answer.json()["orders"]}

    shipped, opened = tower.orders["shipped"], tower.orders["open"]
    assert numbers(issues="true") == {shipped: 1}
    assert shipped not in numbers(issues="false") and opened in numbers(issues="false")
    assert numbers()[shipped] == 1


def _customer_part(html: str) -> str:
    """The order page's "What the customer sees" section (its last), in words."""
    return _text(html.partition('id="tracking"')[2])


def test_what_the_customer_sees_on_the_order_page_includes_a_reported_problem(
    tower: World,
) -> None:
    # given a shipped order with an issue reported
    _login(tower, "viewer")
    order = _order_id(tower, "shipped")
    before = _customer_part(tower.client.get(f"/app/orders/{order}").text)
    assert "A problem was reported" not in before
    _report(tower, tower.orders["shipped"], kind="wrong_customisation", note="staff only")
    # when the order page is opened
    page = tower.client.get(f"/app/orders/{order}")
    shown = _customer_part(page.text)
    # then its customer's view says what the tracking page says, in the same words
    assert "A problem was reported" in shown
    assert "The personalisation is not what was ordered: reported" in shown
    assert "We are handling it and will be in touch." in shown
    assert "staff only" not in shown  # the note stays inside, as on the tracking page
    token = re.search(r'href="/track/([^"?]+)\?format=html"', page.text)
    assert token is not None
    tracking = _text(tower.client.get(f"/track/{token.group(1)}?format=html").text)
    assert "A problem was reported" in tracking
    assert "The personalisation is not what was ordered: reported" in tracking
