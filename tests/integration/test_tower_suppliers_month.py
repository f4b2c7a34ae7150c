"""The Suppliers page opens on a month with figures, on both databases, through HTTP: without a
period chosen it shows the last complete month with supplier events (not this month, whose
figures early on mostly say "no data"), an earlier one when that month had none, this month
when only it has events, and says which month it shows and why; a period in the URL wins."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from html import unescape
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from flexchain.adapters.db.uow import UnitOfWork
from flexchain.config import Settings
from flexchain.entrypoints.api import create_app
from flexchain.services import purchase_orders, receiving, scorecards
from flexchain.services.imports import import_rows
from tests.auth import PASSWORD, make_user

TODAY = datetime.now(UTC).date()
WORLD: dict[str, list[dict[str, Any]]] = {
    "suppliers": [{"code": "MILL-PT", "name": "Tecidos", "tier": "A", "country": "PT",
                   "payment_terms_days": 30}],
    "items": [{"sku": "CANVAS", "name": "Canvas", "kind": "raw", "uom": "m"}],
    "locations": [{"code": "WH", "name": "Warehouse", "kind": "warehouse"}],
}  # fmt: skip


def month(back: int) -> date:
    """The 10th of the month ``back`` months before this one."""
    first = TODAY.replace(day=1)
    for _ in range(back):
        first = (first - timedelta(days=1)).replace(day=1)
    return first.replace(day=10)


def label(day: date) -> str:
    return f"{day.year}-{day.month:02d}"


def _delivered(engine: Engine, day: date) -> None:
    """A PO for canvas sent on ``day``, due and received in full the same day: an on-time
    delivery counted in ``day``'s month."""
    at = datetime.combine(day, time(9), tzinfo=UTC)

    def do(action: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        with UnitOfWork(engine, actor="buyer@brand.example") as uow:
            result = action(uow, *args, now=at, **kw)
            uow.commit()
        return result

    line = {"item": "CANVAS", "quantity": 10, "due_date": day, "unit_price": "4.00"}
    po = do(purchase_orders.create_po, supplier="MILL-PT", lines=[line])
    do(purchase_orders.issue_po, po.number)
    do(receiving.receive_po, po.number, {1: 10})


@pytest.fixture
def tower(engine: Engine, database_url: str) -> Iterator[Callable[..., Any]]:
    """Builds the world with deliveries in the months given, then gets a Suppliers page."""
    with UnitOfWork(engine) as uow:
        for kind, rows in WORLD.items():
            import_rows(uow, kind, rows, source=f"month {kind}")
        uow.commit()
    viewer = make_user(engine, "viewer")
    app = create_app(Settings(database_url=database_url, outbox_worker=False))
    with TestClient(app) as client:
        answer = client.post("/login", data={"email": viewer, "password": PASSWORD})
        assert answer.status_code == 200, answer.text

        def get(*delivered: date, path: str = "/app/suppliers", **params: str) -> Any:
            for day in delivered:
                _delivered(engine, day)
            return client.get(path, params=params)

        yield get


def _shown(page: Any) -> tuple[str, str]:
    """The month the scorecards are of, and the note saying why (empty: none)."""
    heading = re.search(r'<h2 id="cards-heading">Scorecards, ([^<]+)</h2>', page.text)
    note = re.search(r'<p id="period-note">(.*?)</p>', page.text, re.S)
    assert heading is not None
    words = "" if note is None else " ".join(unescape(re.sub(r"<[^>]+>", "", note[1])).split())
    return heading[1], words


def _otif(page: Any) -> str:
    row = page.text.split('<tr id="supplier-MILL-PT">')[1].split("</tr>")[0]
    return " ".join(re.sub(r"<[^>]+>", " ", row).split())


def test_it_opens_on_the_last_complete_month_with_events(tower: Callable[..., Any]) -> None:
    # given deliveries last month and this month
    page = tower(month(1), TODAY)

    # then the page shows last month and says why, offering this month so far
    assert page.status_code == 200
    shown, note = _shown(page)
    assert shown == label(month(1))
    assert note == (
        f"Showing {label(month(1))}, the last complete month with supplier events. "
        f"This month so far ({label(TODAY)})."
    )
    assert f'href="/app/suppliers?period={label(TODAY)}"' in page.text
    assert "100 %" in _otif(page)  # its on-time delivery, not "no data"


def test_a_month_without_events_is_passed_over_for_an_earlier_one(
    tower: Callable[..., Any],
) -> None:
    # given a delivery three months ago, nothing since
    page = tower(month(3))

    shown, note = _shown(page)
    assert shown == label(month(3))
    assert note.startswith(f"Showing {label(month(3))}, the latest month with supplier events.")
    assert "100 %" in _otif(page)


def test_this_month_is_shown_when_only_it_has_events(tower: Callable[..., Any]) -> None:
    page = tower(TODAY)

    shown, note = _shown(page)
    assert shown == label(TODAY)
    assert note == (
        f"Showing {label(TODAY)}, this month so far: no earlier month has supplier events."
    )


def test_without_any_events_it_shows_the_last_complete_month(tower: Callable[..., Any]) -> None:
    page = tower()

    shown, note = _shown(page)
    assert shown == label(month(1))
    assert "no supplier events yet" in note


def test_a_period_in_the_url_wins_and_a_bad_one_falls_back_to_the_opening_month(
    tower: Callable[..., Any],
) -> None:
    chosen = tower(month(1), TODAY, period=label(TODAY))
    quarter = tower(period=f"{TODAY.year}-Q{(TODAY.month - 1) // 3 + 1}")
    bad = tower(period="2026-13")

    assert _shown(chosen) == (label(TODAY), "")  # chosen: no note
    assert _shown(quarter)[0].endswith(f"Q{(TODAY.month - 1) // 3 + 1}")
    assert bad.status_code == 422 and "2026-13" in bad.text
    assert _shown(bad)[0] == label(month(1))


def test_a_suppliers_own_page_opens_on_the_same_month(tower: Callable[..., Any]) -> None:
    page = tower(month(1), TODAY, path="/app/suppliers/MILL-PT")

    assert page.status_code == 200
    assert f"Scorecard figures, {label(month(1))}" in page.text


def test_the_opening_month_is_the_services_answer(engine: Engine) -> None:
    # given a delivery two months ago: the service picks that month and scores it
    with UnitOfWork(engine) as uow:
        for kind, rows in WORLD.items():
            import_rows(uow, kind, rows, source=f"month {kind}")
        uow.commit()
    _delivered(engine, month(2))

    with UnitOfWork(engine, write=False) as uow:
        opening, cards = scorecards.opening_scorecards(uow, today=TODAY)
        same = scorecards.scorecards(uow, period=label(month(2)))

    assert (opening.period, opening.current) == (label(month(2)), label(TODAY))
    assert cards == same
