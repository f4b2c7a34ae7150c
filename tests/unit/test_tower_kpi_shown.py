"""The Overview shows each KPI's value with the digits the service gives it (as ``GET /kpis``
and ``flexchain kpis`` do): 0.39 turns a year read 0.4 on the page."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from flexchain.entrypoints.web.tower.overview import shown


def test_the_services_digits_are_kept() -> None:
    assert shown(Decimal("0.39"), "/year") == "0.39 /year"
    assert shown(Decimal("92.7"), "%") == "92.7 %"
    assert shown(Decimal("90"), "%") == "90 %"
    assert shown(Decimal("933.90"), "days") == "933.9 days"
    assert shown(Decimal("1E+3"), "h") == "1,000 h"
    assert shown(Decimal("122.6"), "EUR") == "122.60 EUR"
    assert shown(None, "%") == "no data"


@given(st.decimals(min_value=-(10**6), max_value=10**6, places=2, allow_nan=False))
def test_the_figure_read_back_equals_the_value(value: Decimal) -> None:
    text = shown(value, "days").removesuffix(" days").replace(",", "")
    assert Decimal(text) == value
