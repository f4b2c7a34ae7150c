"""Capacity-hold requests in the domain: the brand asks, the supplier accepts or declines; only
a held hold is capacity, and every refused move names the hold, its state and what is left."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from flexchain.domain.buying import HOLD_ALLOWED, CapacityHold, HoldStatus, hold_move
from flexchain.domain.errors import IllegalTransition

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
REQUEST = CapacityHold("SUP", Decimal(300), "m", date(2026, 3, 2), date(2026, 3, 15),
                       NOW + timedelta(hours=48), status=HoldStatus.REQUESTED)  # fmt: skip


def test_a_requested_hold_is_no_capacity_until_accepted() -> None:
    # given a request the supplier has not answered, then the brand cannot call it
    assert not REQUEST.active(NOW)
    # and once accepted it is capacity until firm_by
    held = replace(REQUEST, status=HoldStatus.HELD)
    assert held.active(NOW + timedelta(hours=48))
    assert not held.active(NOW + timedelta(hours=48, seconds=1))


def test_an_unanswered_request_lapses_at_firm_by() -> None:
    assert not REQUEST.lapsed(NOW + timedelta(hours=48))
    assert REQUEST.lapsed(NOW + timedelta(hours=48, seconds=1))
    for final in (HoldStatus.DECLINED, HoldStatus.RELEASED, HoldStatus.FIRMED):
        assert not replace(REQUEST, status=final).lapsed(NOW + timedelta(days=9))


@pytest.mark.parametrize(
    ("state", "target"),
    [
        ("requested", HoldStatus.HELD),
        ("requested", HoldStatus.DECLINED),
        ("requested", HoldStatus.RELEASED),
        ("held", HoldStatus.FIRMED),
        ("held", HoldStatus.RELEASED),
    ],
    ids=["accept", "decline", "withdraw", "firm", "release"],
)
def test_the_moves_a_hold_may_make(state: str, target: HoldStatus) -> None:
    assert hold_move(3, state, target) is target


@pytest.mark.parametrize(
    ("state", "target", "message"),
    [
        ("held", HoldStatus.HELD, "capacity hold 3 is held: it can no longer be accepted "
                                  r"\(it can be firmed or released\)"),
        ("held", HoldStatus.DECLINED, "is held: it can no longer be declined"),
        ("requested", HoldStatus.FIRMED, "is requested: it can no longer be firmed "
                                         r"\(it can be accepted or declined or released\)"),
        ("declined", HoldStatus.HELD, "is declined: it can no longer be accepted$"),
        ("lapsed", HoldStatus.DECLINED, "is lapsed: it can no longer be declined$"),
        ("expired", HoldStatus.HELD, "is expired: it can no longer be accepted$"),
    ],
    ids=["accept-held", "decline-held", "firm-request", "accept-declined", "lapsed", "expired"],
)  # fmt: skip
def test_a_refused_move_names_the_hold_its_state_and_what_is_left(
    state: str, target: HoldStatus, message: str
) -> None:
    with pytest.raises(IllegalTransition, match=message):
        hold_move(3, state, target)


def test_final_statuses_go_nowhere() -> None:
    finals = {status for status, targets in HOLD_ALLOWED.items() if not targets}
    assert finals == {HoldStatus.FIRMED, HoldStatus.RELEASED, HoldStatus.DECLINED}
