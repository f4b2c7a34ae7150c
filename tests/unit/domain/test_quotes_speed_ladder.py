"""The speed ladder as an installation configures it (``FLEXCHAIN_SPEED_LADDER``)."""

from __future__ import annotations

import doctest
from decimal import Decimal

import pydantic
import pytest

from flexchain.config import Settings
from flexchain.domain import allocation, speed
from flexchain.domain.errors import ValidationError
from flexchain.domain.speed import DEFAULT_LADDER, SpeedLadder


def test_docstring_examples_run() -> None:
    for module in (speed, allocation):
        assert doctest.testmod(module).failed == 0


def test_tiers_and_fields_left_out_keep_the_default() -> None:
    ladder = SpeedLadder.parse({"fast": {"premium_percent": "12", "rush": False}})

    assert ladder.fast.premium_pct == Decimal(12)
    assert ladder.fast.lead_time_factor == DEFAULT_LADDER.fast.lead_time_factor
    assert ladder.fast.rush is False
    assert ladder.premium == DEFAULT_LADDER.premium


def test_as_dict_reads_back_as_the_same_ladder() -> None:
    assert SpeedLadder.parse(DEFAULT_LADDER.as_dict()) == DEFAULT_LADDER


@pytest.mark.parametrize(
    ("value", "field", "message"),
    [
        ({"turbo": {}}, "speed_ladder", "unknown speed tier 'turbo'"),
        ({"fast": {"speed": 2}}, "speed_ladder.fast", "unknown field 'speed'"),
        ({"basic": {"lead_time_factor": "0"}}, "speed_ladder.basic.lead_time_factor", "zero"),
        ({"custom": {"premium_pct": "-1"}}, "speed_ladder.custom.premium_pct", "negative"),
        ({"fast": {"rush": "yes"}}, "speed_ladder.fast.rush", "true or false"),
        ({"fast": 3}, "speed_ladder.fast", "expected an object"),
    ],
    ids=["tier", "field", "factor", "premium", "rush", "terms"],
)
def test_errors_name_the_tier_and_the_field(value: object, field: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        SpeedLadder.parse(value)  # type: ignore[arg-type]

    assert caught.value.field == field
    assert message in caught.value.message


def test_settings_read_the_ladder_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLEXCHAIN_SPEED_LADDER", '{"premium": {"lead_time_factor": "0.4"}}')

    assert Settings().speed_ladder.premium.lead_time_factor == Decimal("0.4")
    assert Settings().speed_ladder.basic == DEFAULT_LADDER.basic


def test_settings_refuse_a_bad_ladder_naming_the_field(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLEXCHAIN_SPEED_LADDER", '{"fast": {"lead_time_factor": "fast"}}')

    with pytest.raises(pydantic.ValidationError, match=r"speed_ladder\.fast\.lead_time_factor"):
        Settings()
