"""A weekly report is always of a Monday-to-Sunday week: any day asked for (``week_end``, the
page's field, ``--week-end``) gives the week that contains it, named by its Monday and Sunday in
every form; a week is refused until its Sunday is over, saying when it ends. On both databases,
through the service, the API, the page, the commands and the mail (QA of issue 17: a Thursday
gave "the week Fri 27 Nov to Thu 3 Dec (Monday to Sunday, UTC)")."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from flexchain.adapters.db.uow import UnitOfWork
from flexchain.config import Settings
from flexchain.domain.errors import ValidationError
from flexchain.services import report_mail
from flexchain.services.weekly_report import last_week_end, week_bounds, week_of, weekly_report
from tests.auth import bearer, make_user
from tests.integration.test_cli import flexchain_cli
from tests.integration.test_mail import Inbox, serve  # noqa: F401 (a fixture)
from tests.integration.test_price_watch import world  # noqa: F401 (a fixture)
from tests.integration.test_weekly_report import (  # noqa: F401 (fixtures)
    LATER,
    _login,
    _raise_and_decide,
    _settings,
    _words,
    api,
    mailed,
    site,
)

UowFactory = Callable[..., UnitOfWork]
THURSDAY = date(2026, 11, 5)
"""A Thursday of the week Mon 2 Nov to Sun 8 Nov 2026 (the renegotiation fires on its Tuesday)."""
TODAY = datetime.now(UTC).date()
"""The routes and commands read the clock: this week has not ended, whichever day it is."""


def _not_ended(asked: date) -> str:
    sunday = asked + timedelta(days=7 - asked.isoweekday())
    return (
        f"the week of {asked:%a} {asked.day} {asked:%b %Y} ends "
        f"{sunday:%a} {sunday.day} {sunday:%b %Y}: it has not ended yet"
    )


@pytest.mark.parametrize(
    "asked", [date(2026, 11, 2) + timedelta(days=i) for i in range(7)], ids=lambda d: f"{d:%a}"
)
def test_every_day_of_a_week_names_the_same_monday_to_sunday_week(asked: date) -> None:
    assert week_of(asked) == date(2026, 11, 8)
    assert week_bounds(asked) == (
        datetime(2026, 11, 2, tzinfo=UTC),
        datetime(2026, 11, 9, tzinfo=UTC),
    )


def test_the_day_after_a_sunday_starts_the_next_week() -> None:
    assert week_of(date(2026, 11, 9)) == date(2026, 11, 15)
    assert week_of(date(2026, 11, 8)) == date(2026, 11, 8)
    assert week_of(last_week_end(TODAY)) == last_week_end(TODAY)


def test_a_thursday_reports_the_week_that_contains_it(
    world: Engine,  # noqa: F811
    make_uow: UowFactory,
    database_url: str,
    tmp_path: Path,
) -> None:
    task_id = _raise_and_decide(make_uow, tmp_path)
    settings = _settings(database_url)
    with make_uow(write=False) as uow:
        thursday = weekly_report(uow, week_end=THURSDAY, settings=settings, now=LATER)
        sunday = weekly_report(uow, week_end=date(2026, 11, 8), settings=settings, now=LATER)
    assert (thursday.week_start, thursday.week_end) == (date(2026, 11, 2), date(2026, 11, 8))
    assert thursday == sunday  # the same week: KPIs, what fired, what was decided
    assert [e.key for e in thursday.fired] == [str(task_id)]
    text = report_mail.report_text(thursday)
    assert "The week 2026-11-02 to 2026-11-08 (Monday to Sunday, UTC)" in text
    assert report_mail.report_filename(thursday) == "weekly-report-2026-11-08.pdf"


def test_a_week_is_refused_until_its_sunday_is_over(
    make_uow: UowFactory, database_url: str
) -> None:
    settings = _settings(database_url)
    asked = date(2026, 12, 3)  # QA's Thursday
    with make_uow(write=False) as uow:
        for now in (
            datetime(2026, 12, 3, 10, tzinfo=UTC),  # the day itself
            datetime(2026, 12, 5, 12, tzinfo=UTC),  # two days later: still not over
            datetime(2026, 12, 6, 23, 59, tzinfo=UTC),  # its Sunday evening
        ):
            with pytest.raises(ValidationError) as refused:
                weekly_report(uow, week_end=asked, settings=settings, now=now)
            assert refused.value.field == "week_end"
            assert str(refused.value).endswith(
                "the week of Thu 3 Dec 2026 ends Sun 6 Dec 2026: it has not ended yet"
            )
        over = weekly_report(
            uow, week_end=asked, settings=settings, now=datetime(2026, 12, 7, tzinfo=UTC)
        )
    assert (over.week_start, over.week_end) == (date(2026, 11, 30), date(2026, 12, 6))


def test_the_api_answers_the_week_containing_the_day(
    api: TestClient,  # noqa: F811
    engine: Engine,
    make_uow: UowFactory,
    tmp_path: Path,
) -> None:
    _raise_and_decide(make_uow, tmp_path)
    viewer = bearer(engine, "viewer")
    shown = api.get("/reports/weekly", params={"week_end": THURSDAY.isoformat()}, headers=viewer)
    assert shown.status_code == 200, shown.text
    body = shown.json()
    assert (body["week_start"], body["week_end"], body["fired_counts"]) == (
        "2026-11-02",
        "2026-11-08",
        {"renegotiation": 1},
    )
    pdf = api.get("/reports/weekly.pdf", params={"week_end": "2026-11-04"}, headers=viewer)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert "weekly-report-2026-11-08.pdf" in pdf.headers["content-disposition"]
    current = api.get("/reports/weekly", params={"week_end": TODAY.isoformat()}, headers=viewer)
    assert current.status_code == 422
    assert _not_ended(TODAY) in current.json()["detail"]


def test_the_page_shows_the_monday_to_sunday_week_of_the_day_asked(
    site: TestClient,  # noqa: F811
    engine: Engine,
    make_uow: UowFactory,
    tmp_path: Path,
) -> None:
    task_id = _raise_and_decide(make_uow, tmp_path)
    _login(site, make_user(engine, "buyer"))
    shown = site.get("/app/report", params={"week_end": THURSDAY.isoformat()})
    assert shown.status_code == 200, shown.text
    words = _words(shown.text)
    assert "the week Mon 2 Nov 2026 to Sun 8 Nov 2026 (Monday to Sunday, UTC)" in words
    assert f"renegotiation {task_id} raised on FA-SEW/COTTON" in words
    assert "Week containing the day" in words
    assert "Any day picks the Monday-to-Sunday week that contains it" in words
    assert 'name="week_end" type="date" value="2026-11-08"' in shown.text
    assert 'href="/app/report.pdf?week_end=2026-11-08"' in shown.text
    assert 'href="/app/report?week_end=2026-11-01"' in shown.text  # the week before
    pdf = site.get("/app/report.pdf", params={"week_end": THURSDAY.isoformat()})
    assert pdf.status_code == 200
    assert "weekly-report-2026-11-08.pdf" in pdf.headers["content-disposition"]
    # this week: refused, saying when it ends, and the last complete week shown
    current = site.get("/app/report", params={"week_end": TODAY.isoformat()})
    assert current.status_code == 422
    words = _words(current.text)
    assert _not_ended(TODAY) in words
    ended = last_week_end(TODAY)
    assert f"to {ended:%a} {ended.day} {ended:%b %Y} (Monday to Sunday, UTC)" in words
    assert 'id="later"' not in current.text  # the week after the last complete one is not over


def test_the_commands_take_any_day_of_the_week(
    world: Engine,  # noqa: F811
    database_url: str,
    make_uow: UowFactory,
    tmp_path: Path,
) -> None:
    _raise_and_decide(make_uow, tmp_path)
    code, out, err = flexchain_cli(database_url, "report", "show", "--week-end", "2026-11-05")
    assert code == 0, err
    assert "The week 2026-11-02 to 2026-11-08 (Monday to Sunday, UTC)" in " ".join(out.split())
    code, out, err = flexchain_cli(
        database_url, "report", "show", "--week-end", "2026-11-05", "--json"
    )
    assert code == 0, err
    assert '"week_start": "2026-11-02"' in out and '"week_end": "2026-11-08"' in out
    code, _, err = flexchain_cli(database_url, "report", "show", "--week-end", TODAY.isoformat())
    assert code == 1 and _not_ended(TODAY) in " ".join(err.split())


def test_a_weekday_and_its_sunday_send_the_same_week_once(
    mailed: tuple[Inbox, Settings, list[str]],  # noqa: F811
    engine: Engine,
) -> None:
    inbox, settings, _users = mailed

    def send(week_end: date) -> report_mail.SendRun:
        return report_mail.send_weekly_reports(
            lambda **options: UnitOfWork(engine, actor="cron", **options),
            week_end=week_end,
            settings=settings,
            now=LATER,
        )

    first, second = send(THURSDAY), send(date(2026, 11, 8))
    assert first.week_end == second.week_end == date(2026, 11, 8)
    assert {d.outcome for d in first.deliveries} == {"sent"}
    assert {d.outcome for d in second.deliveries} == {"already sent"}
    assert len(inbox.envelopes) == 2
