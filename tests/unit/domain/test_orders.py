"""The order lifecycle, cancellation effects, newest-wins upserts and option matching."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flexchain.domain.catalog import Option
from flexchain.domain.errors import IllegalTransition
from flexchain.domain.orders import (
    ALLOWED,
    OPEN_STATUSES,
    ChosenOption,
    JobStatus,
    OrderStatus,
    can_transition,
    match_options,
    newest_wins,
    plan_cancellation,
    transition,
)

HAPPY_PATH = ["received", "reserved", "in_production", "ready", "shipped", "delivered"]


def test_the_happy_path_is_allowed_step_by_step() -> None:
    for current, target in pairwise(HAPPY_PATH):
        assert transition(current, target) == OrderStatus(target)


@pytest.mark.parametrize("status", sorted(OPEN_STATUSES))
def test_every_open_status_can_be_cancelled(status: OrderStatus) -> None:
    assert transition(status, "cancelled") is OrderStatus.CANCELLED


@pytest.mark.parametrize("status", ["shipped", "delivered", "cancelled"])
def test_an_order_that_left_cannot_be_cancelled(status: str) -> None:
    with pytest.raises(IllegalTransition, match=f"cannot go from {status} to cancelled"):
        transition(status, "cancelled")


def test_an_illegal_move_names_what_is_allowed() -> None:
    with pytest.raises(IllegalTransition) as caught:
        transition("received", "shipped")

    assert str(caught.value) == (
        "cannot go from received to shipped; allowed: reserved, in_production, cancelled"
    )


def test_a_final_status_says_so() -> None:
    with pytest.raises(IllegalTransition, match="delivered is final"):
        transition("delivered", "ready")


@given(st.sampled_from(list(OrderStatus)), st.sampled_from(list(OrderStatus)))
def test_can_transition_agrees_with_transition(current: OrderStatus, target: OrderStatus) -> None:
    if can_transition(current, target):
        assert transition(current, target) is target
        assert target in ALLOWED[current]
    else:
        with pytest.raises(IllegalTransition):
            transition(current, target)


def test_cancelling_cancels_only_jobs_not_started() -> None:
    plan = plan_cancellation(
        "in_production", {"J1": "planned", "J2": JobStatus.STARTED, "J3": "done", "J4": "cancelled"}
    )

    assert plan.release_reservations
    assert plan.cancel_jobs == ("J1",)
    assert plan.keep_jobs == ("J2", "J3")


def test_cancelling_a_shipped_order_is_refused() -> None:
    with pytest.raises(IllegalTransition):
        plan_cancellation("shipped", {})


def test_newest_wins_keeps_the_newest_copy() -> None:
    stored = datetime(2026, 11, 20, 10, tzinfo=UTC)

    assert newest_wins(None, stored)
    assert newest_wins(stored, stored)  # a redelivery of the same version
    assert newest_wins(stored, stored + timedelta(seconds=1))
    assert not newest_wins(stored, stored - timedelta(seconds=1))


COLOURS = [
    Option("JKT-SHELL", "INDIGO", "Indigo"),
    Option("JKT-SHELL", "MADDER", "Madder red"),
]
ENGRAVING = [Option("TAG-ENGRAVE", "TEXT", "Engraving text")]
LINING = [Option("JKT-LINING", "STD", "Standard lining")]


def test_properties_choose_options_ignoring_case_and_punctuation() -> None:
    chosen, errors = match_options(
        {"colour": "madder-RED", "Engraving": "Anna & Ben", "_speed": "fast"},
        [(("Colour", "shell"), COLOURS), ("Engraving", ENGRAVING), ("Lining", LINING)],
    )

    assert errors == []
    assert chosen == [
        ChosenOption("JKT-SHELL", "MADDER"),
        ChosenOption("TAG-ENGRAVE", "TEXT", "Anna & Ben"),
        ChosenOption("JKT-LINING", "STD"),  # the only option, taken by default
    ]


def test_unknown_and_missing_choices_are_explained() -> None:
    chosen, errors = match_options(
        {"Colour": "Neon"}, [("Colour", COLOURS), ("Engraving", ENGRAVING)]
    )

    assert chosen == []
    assert errors == [
        "unknown option 'Neon' for Colour; choose one of Indigo, Madder red",
        "missing Engraving: add a line property Engraving with the text",
    ]
