"""The control tower's Today page through HTTP, on both databases, on the world of
tests/today_world.py (one entry of every kind): each entry's title links to its record's own
page, which shows it; a refused action keeps the kind filter and says so at the top; a failed
webhook shows the order's total from its body and a failed retry is an error, not a success;
snoozes are listed and undone (page, API, terminal)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from html import unescape
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from flexchain.adapters.db.tables import AuditRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.entrypoints.cli.main import app as cli
from tests.integration.test_today import HTML, NOW, World, _inbox, _keys
from tests.integration.test_today import seen as seen  # a fixture
from tests.integration.test_today import world as world  # a fixture


def _text(html: str) -> str:
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return unescape(" ".join(re.sub(r"<[^>]+>", " ", html).split()))


def _page(w: World, path: str, role: str = "admin") -> Any:
    return w.client.get(path, headers={**HTML, **w.as_role[role]})


def _entry(w: World, kind: str) -> dict[str, Any]:
    (entry,) = _inbox(w, kind=kind)
    return entry


# -- links ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "link", "shown"),
    [
        ("rfq_to_award", "/app/procurement/rfqs/{rfq}", "{rfq}"),
        ("invoice_held", "/app/procurement?invoice={invoice}#invoice-{invoice}", "{invoice}"),
        ("rule_fired", "/app/suppliers/DYE-PT", "DYE-PT"),
        ("certificate_expiring", "/app/suppliers/ENGR-ES", "ENGR-ES"),
    ],
    ids=["rfq", "invoice", "firing", "certificate"],
)
def test_an_entry_links_to_its_records_own_page_which_shows_it(
    seen: World, kind: str, link: str, shown: str
) -> None:
    # given the entry of that kind in the inbox
    entry = _entry(seen, kind)
    # then its link is the record's own page
    assert entry["link"] == link.format(**seen.built)
    # and that page answers and shows the record
    page = _page(seen, entry["link"].partition("#")[0])
    assert page.status_code == 200, page.text
    assert shown.format(**seen.built) in _text(page.text)
    # and Today's card links its title there
    today = _page(seen, f"/app/today?kind={kind}")
    assert f'<a href="{entry["link"]}">' in today.text


def test_the_procurement_page_marks_the_held_invoice_it_was_opened_for(seen: World) -> None:
    invoice = seen.built["invoice"]
    page = _page(seen, f"/app/procurement?invoice={invoice}")
    # the held invoice's card is marked, and says so in words
    card = re.search(rf'<li id="invoice-{invoice}"([^>]*)>(.*?)</li>', page.text, re.S)
    assert card is not None and 'aria-current="true"' in card.group(1)
    assert "the one you opened" in card.group(2)
    # an invoice that is not held is said to be so
    gone = _text(_page(seen, "/app/procurement?invoice=INV-999999").text)
    assert "Invoice INV-999999 is not held any more" in gone
    assert "the one you opened" not in _text(_page(seen, "/app/procurement").text)


# -- a refused action ----------------------------------------------------------------------------


def test_a_refused_action_on_a_filtered_list_keeps_the_filter_and_says_so_at_the_top(
    seen: World,
) -> None:
    # given finance on Today filtered to held invoices
    entry = _entry(seen, "invoice_held")
    form = {"key": entry["key"], "action": "release", "reason": " ", "kind": "invoice_held"}
    # when it releases the hold without a reason
    answer = seen.client.post(
        "/app/today/act", data=form, headers={**HTML, **seen.as_role["finance"]}
    )
    # then it is refused, and the list is still of held invoices (a reload shows the same)
    assert answer.status_code == 422
    assert answer.headers["HX-Push-Url"] == "/app/today?kind=invoice_held"
    assert '<a href="/app/today?kind=invoice_held" aria-current="page">' in answer.text
    assert answer.text.count('class="decision"') == 1
    # and the reason is at the top, before the list, naming the entry and linking to it
    top, _, cards = answer.text.partition('<ol class="cards"')
    alert = re.search(r'<div class="alert" role="alert" id="form-alert">(.*?)</div>', top, re.S)
    assert alert is not None, top
    assert '<a href="#d-1">' in alert.group(1)
    assert entry["title"] in _text(alert.group(1)) and "say why you release it" in alert.group(1)
    # and again next to the entry
    assert 'id="d-1-error"' in cards and "say why you release it" in cards
    # nothing changed
    assert entry["key"] in {d["key"] for d in _inbox(seen)}


def test_a_refused_action_on_the_whole_list_stays_on_the_whole_list(seen: World) -> None:
    entry = _entry(seen, "invoice_held")
    form = {"key": entry["key"], "action": "release", "kind": ""}
    answer = seen.client.post(
        "/app/today/act", data=form, headers={**HTML, **seen.as_role["finance"]}
    )
    assert answer.status_code == 422 and answer.headers["HX-Push-Url"] == "/app/today"
    assert '<a href="/app/today" aria-current="page">All</a>' in answer.text


# -- failed webhooks -----------------------------------------------------------------------------


def test_a_failed_webhook_puts_its_orders_total_at_stake(seen: World) -> None:
    # the failed webhook's stored body carries total_price 64.90 EUR (tests/storefront_world.py)
    entry = _entry(seen, "failed_webhook")
    assert entry["money"] == "64.9" and entry["currency"] == "EUR"
    assert entry["why"].startswith("A 64.90 EUR order: no order is in for it since")
    card = _text(_page(seen, "/app/today?kind=failed_webhook").text)
    assert "At stake 64.90 EUR" in card and "no amount known" not in card


def test_a_retry_that_fails_again_is_shown_as_an_error_not_a_success(world: World) -> None:
    # given the failed webhook, its cause not fixed
    key = _entry(world, "failed_webhook")["key"]
    # when a planner retries it from the page
    answer = world.client.post(
        "/app/today/act", data={"key": key, "action": "retry", "kind": "failed_webhook"},
        headers={**HTML, **world.as_role["planner"]}, follow_redirects=False,
    )  # fmt: skip
    # then the page it lands on says it failed again, as an error
    assert answer.status_code == 303 and "failed=1" in answer.headers["location"]
    shown = _page(world, answer.headers["location"], "planner").text
    notice = re.search(r'<p class="([a-z]+)" role="([a-z]+)" id="notice">(.*?)</p>', shown, re.S)
    assert notice is not None and notice.group(1, 2) == ("alert", "alert")
    assert "It did not work" in notice.group(3) and "failed again" in notice.group(3)
    # and the same words without the failure flag are not shown at all (the flag is signed)
    plain = answer.headers["location"].replace("&failed=1", "")
    assert 'id="notice"' not in _page(world, plain, "planner").text


# -- snoozes -------------------------------------------------------------------------------------


def _snooze(w: World, key: str, reason: str) -> None:
    until = (NOW + timedelta(days=5)).date().isoformat()
    answer = w.client.post(
        "/decisions/act", json={"key": key, "action": "snooze", "until": until, "reason": reason},
        headers=w.as_role["planner"],
    )  # fmt: skip
    assert answer.status_code == 200, answer.text


def _audited(w: World, key: str) -> list[str]:
    with UnitOfWork(w.engine, write=False) as uow:
        return list(
            uow.session.scalars(
                select(AuditRow.action)
                .where(AuditRow.entity == "decision", AuditRow.entity_key == key)
                .order_by(AuditRow.id)
            )
        )


def test_snoozes_are_listed_and_undone_from_the_page(world: World) -> None:
    # given a snoozed entry
    key = _entry(world, "certificate_expiring")["key"]
    _snooze(world, key, "renewal promised")
    until = (NOW + timedelta(days=5)).date().isoformat()
    # then the API and the terminal list it, with why, who and when
    (listed,) = world.client.get("/decisions/snoozes", headers=world.as_role["viewer"]).json()
    assert (listed["key"], listed["until"], listed["reason"]) == (key, until, "renewal promised")
    assert listed["by"].startswith("token:") and listed["at"]
    cli_listed = CliRunner().invoke(cli, ["--db", world.url, "today", "snoozed", "--json"])
    assert cli_listed.exit_code == 0, cli_listed.output
    assert [s["key"] for s in json.loads(cli_listed.stdout)] == [key]
    # and the page lists it under "Snoozed (1)", with a button for a role that acts
    page = _page(world, "/app/today", "planner")
    assert "Snoozed (1)" in _text(page.text) and "renewal promised" in page.text
    assert f'aria-label="Unsnooze {key}"' in page.text
    viewer = _page(world, "/app/today", "viewer")
    assert "Snoozed (1)" in _text(viewer.text) and "Unsnooze" not in viewer.text
    # when a planner unsnoozes it from the page (on a filtered list)
    answer = world.client.post(
        "/app/today/unsnooze", data={"key": key, "kind": "certificate_expiring"},
        headers={**HTML, **world.as_role["planner"]}, follow_redirects=False,
    )  # fmt: skip
    # then it is back on the same list today, no longer listed as snoozed, and audited
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/app/today?kind=certificate_expiring&done=")
    back = _page(world, answer.headers["location"], "planner")
    assert f'data-key="{key}"' in back.text and "shows again today" in _text(back.text)
    assert "Snoozed (" not in _text(back.text)
    assert world.client.get("/decisions/snoozes", headers=world.as_role["viewer"]).json() == []
    assert _audited(world, key) == ["snoozed", "unsnoozed"]
    # and unsnoozing what no snooze hides is refused, saying so
    again = world.client.post(
        "/app/today/unsnooze", data={"key": key}, headers={**HTML, **world.as_role["planner"]}
    )
    assert again.status_code == 422 and "no snooze hides" in unescape(again.text)


def test_snoozes_are_undone_through_the_api_and_the_terminal(world: World) -> None:
    key = _entry(world, "option_alert")["key"]
    path = f"/decisions/snoozes/{quote(key, safe='')}"
    _snooze(world, key, "a passing fad")
    # a viewer may not unsnooze; a role that acts may
    assert world.client.delete(path, headers=world.as_role["viewer"]).status_code == 403
    undone = world.client.delete(path, headers=world.as_role["buyer"])
    assert undone.status_code == 200, undone.text
    assert undone.json()["unsnoozed"]["reason"] == "a passing fad"
    assert key in _keys(world)
    assert world.client.delete(path, headers=world.as_role["buyer"]).status_code == 404
    # the terminal too
    _snooze(world, key, "again")
    assert key not in _keys(world)
    result = CliRunner().invoke(cli, ["--db", world.url, "today", "unsnooze", key])
    assert result.exit_code == 0, result.output
    assert "shows again today" in result.stdout and key in _keys(world)
    missing = CliRunner().invoke(cli, ["--db", world.url, "today", "unsnooze", key])
    assert missing.exit_code != 0 and "no snooze hides" in missing.output
    assert _audited(world, key) == ["snoozed", "unsnoozed", "snoozed", "unsnoozed"]
