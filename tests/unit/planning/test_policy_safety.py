"""Standard normal loss and safety stock.

``standard_normal_loss(1.3)`` was checked against the stockpyl package (docstring of
``stockpyl/loss_functions.py``, Snyder & Shen (2019) equations (C.22)-(C.23)). The lead-time
uncertainty example is Chopra & Meindl, "Supply Chain Management" (3rd ed.), chapter 11
("impact of supply uncertainty"): sigma_L = 17,550 and ss = 22,491, confirmed from the
publisher's slides. No published fill-rate answer could be confirmed here, so the fill-rate
safety stock is checked by recomputing the fill rate it achieves by numerical integration.
"""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flexchain.planning.policy import (
    PolicyInputError,
    ServiceLevelKind,
    safety_stock,
    standard_normal_loss,
)


def normal_shortage(mean: float, sd: float, level: float) -> float:
    """E[(D - level)^+] for D ~ N(mean, sd^2), by the midpoint rule over mean +- 12 sd."""
    steps = 40_000
    low, width = mean - 12 * sd, 24 * sd / steps
    total = 0.0
    for i in range(steps):
        d = low + (i + 0.5) * width
        density = math.exp(-(((d - mean) / sd) ** 2) / 2) / (sd * math.sqrt(2 * math.pi))
        total += max(d - level, 0.0) * density * width
    return total


def test_standard_normal_loss_at_1_3() -> None:
    shortage, leftover = standard_normal_loss(1.3)

    assert shortage == pytest.approx(0.04552796208651397, rel=1e-12)
    assert leftover == pytest.approx(1.345527962086514, rel=1e-12)


@settings(max_examples=30)
@given(st.floats(min_value=-4, max_value=4))
def test_standard_normal_loss_is_the_expected_shortage(z: float) -> None:
    shortage, leftover = standard_normal_loss(z)

    assert shortage == pytest.approx(normal_shortage(0, 1, z), abs=1e-6)
    assert leftover - shortage == pytest.approx(z)


def test_lead_time_uncertainty_example_chopra_meindl() -> None:
    # given daily demand 2,500 (sd 500), lead time 7 days (sd 7), cycle service level 0.90
    ss, rop = safety_stock(0.90, 2500, 500, 7, 7, kind="cycle")

    # then sigma_L = sqrt(7 * 500^2 + 2500^2 * 7^2) = 17,550 and ss = 1.2816 * 17,550 = 22,491
    assert math.sqrt(7 * 500**2 + 2500**2 * 7**2) == pytest.approx(17_550, abs=1)
    assert round(ss) == 22_491
    assert rop == pytest.approx(2500 * 7 + ss)


def test_constant_lead_time_scales_demand_sd_by_its_square_root() -> None:
    ss, rop = safety_stock(0.95, 50, 8, 4, 0)

    assert ss == pytest.approx(1.6448536269514722 * 8 * 2)
    assert rop == pytest.approx(200 + ss)


@settings(max_examples=20, deadline=None)
@given(
    st.floats(min_value=0.80, max_value=0.999),
    st.floats(min_value=10, max_value=1000),
    st.floats(min_value=0.1, max_value=0.6),
    st.floats(min_value=1, max_value=10),
    st.floats(min_value=0, max_value=2),
    st.floats(min_value=0.5, max_value=10),
)
def test_fill_rate_safety_stock_achieves_the_target(
    beta: float, mean: float, cv: float, lead_time: float, lead_time_sd: float, cover: float
) -> None:
    sd, lot = cv * mean, cover * mean
    sigma = math.sqrt(lead_time * sd**2 + mean**2 * lead_time_sd**2)

    _, rop = safety_stock(beta, mean, sd, lead_time, lead_time_sd, "fill_rate", lot)

    fill_rate = 1 - normal_shortage(mean * lead_time, sigma, rop) / lot
    assert fill_rate == pytest.approx(beta, abs=1e-6)


def test_fill_rate_example_with_chopra_meindl_figures() -> None:
    # weekly demand 2,500 (sd 500), lead time 2 weeks, lots of 10,000, 97.5% fill rate
    ss, rop = safety_stock(0.975, 2500, 500, 2, 0, ServiceLevelKind.FILL_RATE, 10_000)

    shortage_per_cycle = normal_shortage(5000, 500 * math.sqrt(2), rop)
    assert shortage_per_cycle == pytest.approx(0.025 * 10_000, rel=1e-6)
    assert round(ss) == 67  # regression figure, established by the integral check above


def test_a_higher_target_needs_more_safety_stock() -> None:
    lower = safety_stock(0.95, 100, 30, 4, 1, "fill_rate", 200).safety_stock
    higher = safety_stock(0.99, 100, 30, 4, 1, "fill_rate", 200).safety_stock

    assert higher > lower
    assert safety_stock(0.99, 100, 30, 4, 1).safety_stock > safety_stock(0.95, 100, 30, 4, 1)[0]


def test_no_uncertainty_needs_no_safety_stock() -> None:
    assert safety_stock(0.99, 100, 0, 4, 0) == (0.0, 400.0)
    assert safety_stock(0.99, 100, 0, 4, 0, "fill_rate", 100) == (0.0, 400.0)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(
            lambda: safety_stock(0.98, 100, 30, 4, 1, "fill_rate"),
            "order_quantity: is required for a fill_rate service level",
            id="no-Q",
        ),
        pytest.param(
            lambda: safety_stock(0.98, 100, 30, 4, 1, "type2"),
            "kind: must be one of cycle, fill_rate, got 'type2'",
            id="kind",
        ),
        pytest.param(
            lambda: safety_stock(1.0, 100, 30, 4, 1),
            "service_level: must be strictly between 0 and 1",
            id="alpha",
        ),
        pytest.param(
            lambda: safety_stock(0.9, 100, 30, -4, 1),
            "lead_time_mean: must not be negative",
            id="L",
        ),
        pytest.param(
            lambda: safety_stock(0.9, 100, 30, 4, 1, "fill_rate", 0),
            "order_quantity: must be positive",
            id="Q",
        ),
    ],
)
def test_bad_arguments_are_named(call: object, message: str) -> None:
    with pytest.raises(PolicyInputError) as error:
        call()  # type: ignore[operator]

    assert str(error.value).startswith(message)
