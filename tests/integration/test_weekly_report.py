"""The weekly report on both databases: what fired and what was decided in its week (from the
audit trail the services write), its PDF, subscriptions, and ``report send`` through a real SMTP
server on loopback (aiosmtpd): each subscriber once per week, a refused address tried again by
the next run; the routes and commands, and who may call them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from html import unescape
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from flexchain.adapters.db.uow import UnitOfWork
from flexchain.bootstrap import App
from flexchain.config import Settings
from flexchain.domain.errors import DomainError, NotFound, ValidationError
from flexchain.entrypoints.api import create_app
from flexchain.entrypoints.api import errors as api_errors
from flexchain.entrypoints.api.background.weekly_report import ReportSender
from flexchain.entrypoints.api.report import router
from flexchain.services import audit, kpis, price_watch, report_mail
from flexchain.services.weekly_report import last_week_end, week_bounds, weekly_report
from tests.auth import PASSWORD, bearer, make_user
from tests.integration.test_cli import flexchain_cli
from tests.integration.test_mail import Inbox, serve  # noqa: F401 (a fixture)
from tests.integration.test_price_watch import _add, _set_up_watch, world  # noqa: F401

UowFactory = Callable[..., UnitOfWork]
NOW = datetime(2026, 11, 3, 9, tzinfo=UTC)
"""A Tuesday (in the past, for the routes and commands, which use the clock)."""
WEEK_END = date(2026, 11, 8)
LATER = datetime(2026, 11, 20, 8, tzinfo=UTC)


def _raise_and_decide(make_uow: UowFactory, tmp_path: Path) -> int:
    """A renegotiation raised on NOW (fired) and accepted a week later (decided next week)."""
    _set_up_watch(make_uow, tmp_path)
    _add(make_uow, "2026-10-30", "1.98")
    with make_uow(actor="watcher") as uow:
        (task,) = price_watch.watch(uow, NOW.date(), now=NOW).raised
        uow.commit()
    with make_uow(actor="user:anna@brand.example") as uow:
        price_watch.decide_task(
            uow, task.id, "accept", reason="new prices agreed", now=NOW + timedelta(days=7)
        )
        uow.commit()
    return task.id


def _settings(database_url: str, **values: object) -> Settings:
    return Settings(database_url=database_url, brand_name="Atelier", **values)  # type: ignore[arg-type]


def test_the_week_runs_monday_to_sunday_and_defaults_to_the_last_complete_one() -> None:
    assert last_week_end(date(2026, 11, 9)) == date(2026, 11, 8)  # a Monday: yesterday
    assert last_week_end(date(2026, 11, 8)) == date(2026, 11, 1)  # a Sunday: not over yet
    assert last_week_end(date(2026, 11, 11)) == date(2026, 11, 8)
    start, end = week_bounds(date(2026, 11, 8))
    assert (start, end) == (
        datetime(2026, 11, 2, tzinfo=UTC),
        datetime(2026, 11, 9, tzinfo=UTC),
    )


def test_what_fired_and_what_was_decided_fall_in_their_own_week(
    world: Engine,  # noqa: F811
    make_uow: UowFactory,
    database_url: str,
    tmp_path: Path,
) -> None:
    # given a renegotiation raised in the week of 4 January and accepted the week after
    task_id = _raise_and_decide(make_uow, tmp_path)
    settings = _settings(database_url)
    with make_uow(write=False) as uow:
        first = weekly_report(uow, week_end=WEEK_END, settings=settings, now=LATER)
        second = weekly_report(uow, week_end=WEEK_END + timedelta(days=7), settings=settings,
                               now=LATER)  # fmt: skip
        before = weekly_report(uow, week_end=WEEK_END - timedelta(days=7), settings=settings,
                               now=LATER)  # fmt: skip
    # then the first week lists it as fired, the second as decided, by whom and why
    assert (first.week_start, first.week_end, first.brand) == (
        date(2026, 11, 2),
        WEEK_END,
        "Atelier",
    )
    assert [(e.kind, e.key, e.actor) for e in first.fired] == [
        ("renegotiation", str(task_id), "watcher")
    ]
    assert "FA-SEW/COTTON" in first.fired[0].what and "cost impact" in first.fired[0].what
    assert first.decided == () and first.fired_counts == {"renegotiation": 1}
    assert second.fired == ()
    (decided,) = second.decided
    assert (decided.actor, decided.kind) == ("user:anna@brand.example", "renegotiation")
    assert decided.what == f"renegotiation {task_id} (FA-SEW) accepted: new prices agreed"
    assert before.fired == before.decided == ()
    # and the KPIs are the Overview's, measured over the week and the week before
    with make_uow(write=False) as uow:
        board = kpis.kpis(uow, period_end=WEEK_END, weeks=1, settings=settings)
        last = kpis.kpis(uow, period_end=WEEK_END - timedelta(days=7), weeks=1, settings=settings)
    assert [(k.key, k.name, k.value, k.target, k.on_target) for k in first.kpis] == [
        (b.key, b.label, b.value, b.target, b.meets) for b in board
    ]
    assert [k.last_week for k in first.kpis] == [b.value for b in last]


def test_a_week_not_yet_over_or_before_1970_is_refused(
    make_uow: UowFactory, database_url: str
) -> None:
    settings = _settings(database_url)
    with make_uow(write=False) as uow:
        with pytest.raises(ValidationError, match="ends Sun 8 Nov 2026: it has not ended yet"):
            weekly_report(uow, week_end=WEEK_END, settings=settings, now=NOW)
        with pytest.raises(ValidationError, match="week_end"):
            weekly_report(uow, week_end=date(1, 1, 7), settings=settings, now=NOW)


def test_the_pdf_and_the_text_say_the_same(
    world: Engine,  # noqa: F811
    make_uow: UowFactory,
    database_url: str,
    tmp_path: Path,
) -> None:
    _raise_and_decide(make_uow, tmp_path)
    with make_uow(write=False) as uow:
        report = weekly_report(uow, week_end=WEEK_END, settings=_settings(database_url), now=LATER)
    text = report_mail.report_text(report)
    pdf = report_mail.report_pdf_bytes(report)
    assert pdf.startswith(b"%PDF") and pdf == report_mail.report_pdf_bytes(report)
    assert "Weekly report: Atelier" in text and "The week 2026-11-02 to 2026-11-08" in text
    assert "What fired" in text and "FA-SEW/COTTON" in text
    assert "Nothing was decided this week" in text
    assert b"/Count 1" in pdf  # one page


def test_subscriptions_are_for_brand_users_and_audited(
    world: Engine,  # noqa: F811
    engine: Engine,
    make_uow: UowFactory,
) -> None:
    buyer = make_user(engine, "buyer")
    supplier = make_user(engine, "supplier", supplier="SEW-PT")
    with make_uow(actor="cli:root") as uow:
        on = report_mail.set_subscription(uow, buyer.upper(), subscribed=True, now=NOW)
        again = report_mail.set_subscription(uow, buyer, subscribed=True, now=NOW)
        with pytest.raises(DomainError, match="supplier's user: the weekly report is the brand"):
            report_mail.set_subscription(uow, supplier, subscribed=True, now=NOW)
        with pytest.raises(NotFound, match=r"no user 'nobody@x\.example'"):
            report_mail.set_subscription(uow, "nobody@x.example", subscribed=True, now=NOW)
        uow.commit()
    assert (on.email, on.subscribed, on.since) == (buyer, True, NOW)
    assert again.subscribed
    with make_uow() as uow:
        assert [s.email for s in report_mail.list_subscribers(uow)] == [buyer]
        report_mail.set_subscription(uow, buyer, subscribed=False, now=LATER)
        assert report_mail.list_subscribers(uow) == []
        entries = audit.list_entries(uow, entity="report_subscription")
        uow.commit()
    # one entry per change, none for asking twice
    assert [(e.action, e.key, e.actor) for e in reversed(entries)] == [
        ("subscribed", buyer, "cli:root"),
        ("unsubscribed", buyer, "test"),
    ]


@pytest.fixture
def mailed(
    world: Engine,  # noqa: F811
    engine: Engine,
    database_url: str,
    serve: Callable[..., int],  # noqa: F811
) -> Iterator[tuple[Inbox, Settings, list[str]]]:
    inbox = Inbox()
    port = serve(inbox)
    settings = _settings(
        database_url, smtp_host="127.0.0.1", smtp_port=port, mail_from="tower@atelier.example"
    )
    users = [make_user(engine, role) for role in ("admin", "buyer", "viewer")]
    with UnitOfWork(engine) as uow:
        for email in users[:2]:
            report_mail.set_subscription(uow, email, subscribed=True, now=NOW)
        uow.commit()
    yield inbox, settings, users


def _send(engine: Engine, settings: Settings) -> report_mail.SendRun:
    return report_mail.send_weekly_reports(
        lambda **options: UnitOfWork(engine, actor="cron", **options),
        week_end=WEEK_END,
        settings=settings,
        now=LATER,
    )


def test_send_mails_each_subscriber_once_a_week_with_the_pdf(
    mailed: tuple[Inbox, Settings, list[str]],
    engine: Engine,
    make_uow: UowFactory,
    tmp_path: Path,
) -> None:
    inbox, settings, (admin, buyer, _viewer) = mailed
    _raise_and_decide(make_uow, tmp_path)
    # when the report is sent twice for the same week
    first = _send(engine, settings)
    second = _send(engine, settings)
    # then each subscriber (not the viewer, who did not ask) got it once
    assert sorted((d.to, d.outcome) for d in first.deliveries) == [
        (admin, "sent"),
        (buyer, "sent"),
    ]
    assert {d.outcome for d in second.deliveries} == {"already sent"}
    assert sorted(e.rcpt_tos[0] for e in inbox.envelopes) == sorted([admin, buyer])
    envelope = inbox.envelopes[0]
    assert isinstance(envelope.content, bytes)
    import email
    from email.policy import default as policy

    message = email.message_from_bytes(envelope.content, policy=policy)
    assert message["Subject"] == "Atelier: week 2026-11-02 to 2026-11-08 (weekly report)"
    assert message["From"] == "tower@atelier.example"
    body = message.get_body(preferencelist=("plain",))
    assert body is not None and "FA-SEW/COTTON" in body.get_content()
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "weekly-report-2026-11-08.pdf"
    assert attachment.get_content().startswith(b"%PDF")
    with make_uow(write=False) as uow:
        mailed_entries = audit.list_entries(uow, entity="weekly_report")
    assert {(e.key, e.actor, e.context["to"]) for e in mailed_entries} == {
        ("2026-11-08", "cron", admin),
        ("2026-11-08", "cron", buyer),
    }


def test_a_refused_address_does_not_stop_the_others_and_is_tried_again(
    mailed: tuple[Inbox, Settings, list[str]], engine: Engine
) -> None:
    inbox, settings, (admin, buyer, _viewer) = mailed
    inbox.refuse.add(admin)
    first = _send(engine, settings)
    outcomes = {d.to: d for d in first.deliveries}
    assert outcomes[buyer].outcome == "sent"
    assert outcomes[admin].outcome == "failed"
    assert "refused the recipient" in outcomes[admin].error and "550" in outcomes[admin].error
    inbox.refuse.clear()
    second = _send(engine, settings)
    assert {d.to: d.outcome for d in second.deliveries} == {
        admin: "sent",
        buyer: "already sent",
    }


def test_send_refuses_up_front_while_mail_is_off(
    world: Engine,  # noqa: F811
    engine: Engine,
    database_url: str,
) -> None:
    with pytest.raises(DomainError, match="mail is off: set FLEXCHAIN_SMTP_HOST"):
        _send(engine, _settings(database_url))
    with pytest.raises(DomainError, match="FLEXCHAIN_MAIL_FROM"):
        _send(engine, _settings(database_url, smtp_host="127.0.0.1"))


@pytest.fixture
def api(
    world: Engine,  # noqa: F811
    engine: Engine,
    database_url: str,
) -> Iterator[TestClient]:
    app = FastAPI()
    api_errors.install(app)
    app.include_router(router)
    app.state.flexchain = App(settings=_settings(database_url), engine=engine)
    with TestClient(app) as client:
        yield client


def test_the_routes_and_who_may_call_them(
    api: TestClient, engine: Engine, make_uow: UowFactory, tmp_path: Path
) -> None:
    _raise_and_decide(make_uow, tmp_path)
    viewer, buyer = bearer(engine, "viewer"), bearer(engine, "buyer")
    supplier = bearer(engine, "supplier", supplier="SEW-PT")
    shown = api.get("/reports/weekly", params={"week_end": "2026-11-08"}, headers=viewer)
    assert shown.status_code == 200, shown.text
    body = shown.json()
    assert (body["week_start"], body["week_end"], body["fired_counts"]) == (
        "2026-11-02",
        "2026-11-08",
        {"renegotiation": 1},
    )
    assert body["fired"][0]["actor"] == "watcher"
    pdf = api.get("/reports/weekly.pdf", params={"week_end": "2026-11-08"}, headers=viewer)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    assert "weekly-report-2026-11-08.pdf" in pdf.headers["content-disposition"]
    default = api.get("/reports/weekly", headers=viewer).json()
    assert default["week_end"] == last_week_end(datetime.now(UTC).date()).isoformat()
    future = api.get("/reports/weekly", params={"week_end": "2999-01-06"}, headers=viewer)
    assert future.status_code == 422 and "has not ended" in future.json()["detail"]
    # subscribing: the caller's own, not a viewer's, never a supplier's
    on = api.post("/reports/weekly/subscription", json={"subscribed": True}, headers=buyer)
    assert on.status_code == 200 and on.json()["subscribed"] is True
    refused = api.post("/reports/weekly/subscription", json={"subscribed": True}, headers=viewer)
    assert refused.status_code == 403
    assert api.get("/reports/weekly", headers=supplier).status_code == 403
    assert api.get("/reports/weekly.pdf", headers=supplier).status_code == 403


def test_the_report_commands(
    world: Engine,  # noqa: F811
    engine: Engine,
    database_url: str,
    make_uow: UowFactory,
    tmp_path: Path,
    serve: Callable[..., int],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _raise_and_decide(make_uow, tmp_path)
    buyer = make_user(engine, "buyer")
    code, out, err = flexchain_cli(database_url, "report", "show", "--week-end", "2026-11-08")
    assert code == 0, err
    assert "What fired" in out and "renegotiation" in out and "watcher" in out
    code, out, _ = flexchain_cli(
        database_url, "report", "pdf", "--week-end", "2026-11-08", "-o", str(tmp_path / "w.pdf")
    )
    assert code == 0 and (tmp_path / "w.pdf").read_bytes().startswith(b"%PDF")
    code, out, _ = flexchain_cli(database_url, "report", "subscribe", buyer)
    assert (code, out.strip()) == (0, f"{buyer} gets the weekly report")
    code, out, _ = flexchain_cli(database_url, "report", "subscribers", "--json")
    assert code == 0 and buyer in out
    code, out, _ = flexchain_cli(database_url, "report", "subscribers")  # since: to the minute
    assert code == 0 and re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", out) and "+00:00" not in out
    inbox = Inbox()
    monkeypatch.setenv("FLEXCHAIN_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("FLEXCHAIN_SMTP_PORT", str(serve(inbox)))
    monkeypatch.setenv("FLEXCHAIN_MAIL_FROM", "tower@atelier.example")
    args = ("report", "send", "--week-end", "2026-11-08")
    code, out, err = flexchain_cli(database_url, *args)
    assert code == 0, err
    assert "1 sent, 0 already sent, 0 failed" in out
    code, out, _ = flexchain_cli(database_url, *args, "--json")
    assert code == 0 and '"already sent"' in out
    assert len(inbox.envelopes) == 1
    code, _, err = flexchain_cli(database_url, "report", "show", "--week-end", "2999-01-06")
    assert code == 1 and "has not ended" in err


# -- the page ---------------------------------------------------------------------------------


def _login(client: TestClient, email: str) -> str:
    client.cookies.clear()
    answer = client.post("/login", data={"email": email, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["csrf_token"])


def _words(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


@pytest.fixture
def site(
    world: Engine,  # noqa: F811
    engine: Engine,
    database_url: str,
) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=database_url, outbox_worker=False))
    with TestClient(app) as client:
        yield client


def test_the_page_shows_the_week_and_the_reader_subscribes_there(
    site: TestClient, engine: Engine, make_uow: UowFactory, tmp_path: Path
) -> None:
    task_id = _raise_and_decide(make_uow, tmp_path)
    buyer = make_user(engine, "buyer")
    csrf = _login(site, buyer)
    shown = site.get("/app/report", params={"week_end": "2026-11-08"})
    assert shown.status_code == 200, shown.text
    words = _words(shown.text)
    assert "the week Mon 2 Nov 2026 to Sun 8 Nov 2026" in words
    assert f"renegotiation {task_id} raised on FA-SEW/COTTON" in words
    assert "Nothing was decided this week." in words
    assert "On time in full (OTIF)" in words and "no data" in words
    assert 'href="/app/report?week_end=2026-11-15"' in shown.text  # the week after
    assert "You do not get this report by e-mail." in words
    pdf = site.get("/app/report.pdf", params={"week_end": "2026-11-08"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # when the buyer asks for it by e-mail
    asked = site.post(
        "/app/report/subscription",
        data={"csrf_token": csrf, "subscribed": "yes", "week_end": "2026-11-08"},
    )
    assert asked.status_code == 200
    assert f"The weekly report will be e-mailed to {buyer} each week." in _words(asked.text)
    assert "You get this report by e-mail each week" in _words(asked.text)
    with make_uow(write=False) as uow:
        assert [s.email for s in report_mail.list_subscribers(uow)] == [buyer]
    # a week not over yet, or not a date: said, and the last complete week shown
    future = site.get("/app/report", params={"week_end": "2999-01-04"})
    assert future.status_code == 422 and "it has not ended yet" in _words(future.text)
    bad = site.get("/app/report", params={"week_end": "soon"})
    assert bad.status_code == 422 and "'soon' is not a date" in _words(bad.text)


def test_a_viewer_reads_the_page_without_the_button_and_a_supplier_gets_403(
    site: TestClient, engine: Engine
) -> None:
    viewer = make_user(engine, "viewer")
    csrf = _login(site, viewer)
    shown = site.get("/app/report")
    assert shown.status_code == 200
    assert 'id="subscribe"' not in shown.text and "An administrator can send it" in shown.text
    refused = site.post("/app/report/subscription", data={"csrf_token": csrf, "subscribed": "yes"})
    assert refused.status_code == 403
    _login(site, make_user(engine, "supplier", supplier="SEW-PT"))
    assert site.get("/app/report").status_code == 403
    assert site.get("/app/report.pdf").status_code == 403


# -- the server's sender ------------------------------------------------------------------------


def test_the_report_is_due_from_its_day_and_hour_after_the_week() -> None:
    monday = dict(weekday=1, hour=7)
    assert report_mail.due_week(datetime(2026, 11, 9, 6, 59, tzinfo=UTC), **monday) is None
    assert report_mail.due_week(datetime(2026, 11, 9, 7, tzinfo=UTC), **monday) == WEEK_END
    assert report_mail.due_week(datetime(2026, 11, 15, 23, tzinfo=UTC), **monday) == WEEK_END
    sunday = dict(weekday=7, hour=18)
    assert report_mail.due_week(datetime(2026, 11, 15, 17, tzinfo=UTC), **sunday) is None
    assert report_mail.due_week(datetime(2026, 11, 15, 18, tzinfo=UTC), **sunday) == WEEK_END


def test_the_server_sends_when_due_once_and_retries_an_hour_after_a_failure(
    mailed: tuple[Inbox, Settings, list[str]], engine: Engine
) -> None:
    inbox, settings, (admin, buyer, _viewer) = mailed
    settings = settings.model_copy(update={"weekly_report_weekday": 1, "weekly_report_hour": 7})
    sender = ReportSender(App(settings=settings, engine=engine))
    monday = datetime(2026, 11, 9, 7, tzinfo=UTC)
    assert sender.round(monday - timedelta(minutes=1)) is None  # not due yet
    inbox.refuse.add(admin)
    first = sender.round(monday)
    assert first is not None and first.count("failed") == 1 and first.count("sent") == 1
    inbox.refuse.clear()
    assert sender.round(monday + timedelta(minutes=30)) is None  # waits an hour
    again = sender.round(monday + timedelta(hours=1))
    assert again is not None and {d.to: d.outcome for d in again.deliveries} == {
        admin: "sent",
        buyer: "already sent",
    }
    assert sender.done == WEEK_END
    assert sender.round(monday + timedelta(hours=2)) is None  # done for the week
    assert len(inbox.envelopes) == 2
    off = ReportSender(App(settings=settings.model_copy(update={"weekly_report_weekday": None}),
                           engine=engine))  # fmt: skip
    assert off.round(monday) is None
