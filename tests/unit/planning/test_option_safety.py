"""The option-share alert's extra safety stock (planning/sensing.py): computed, never zero."""

from __future__ import annotations

from decimal import Decimal as D

import polars as pl

from flexchain.planning.sensing import (
    OPTION_MATERIALS_SCHEMA,
    Sensing,
    module_weekly,
    option_safety_stock,
)


def _sensed(window_total: float) -> Sensing:
    alerts = pl.DataFrame({"module": ["M-DYE"], "option": ["MADDER"], "window_count": [30.0],
                           "window_total": [window_total], "window_share": [0.45],
                           "baseline_share": [0.05]})  # fmt: skip
    needs = pl.DataFrame(
        [("M-DYE", "MADDER", "ALUM", 0.02), ("M-DYE", "MADDER", "MADDER-ROOT", 0.2)],
        schema=OPTION_MATERIALS_SCHEMA,
        orient="row",
    )
    return Sensing(pl.DataFrame(), alerts, {}, needs)


def test_the_shift_of_the_modules_forecast_volume_sets_the_amount():
    # 50 jackets a week use the dye; 40 % of them moved to madder: 20 garments a week more,
    # 0.2 kg each over a 3-week lead time = 12 kg; alum 0.02 kg: ceil(1.2) = 2
    extra = option_safety_stock(_sensed(60), {"M-DYE": 50.0}, {"MADDER-ROOT": 3.0, "ALUM": 3.0})
    assert extra == {"MADDER-ROOT": D(12), "ALUM": D(2)}


def test_without_a_forecast_the_carts_give_the_volume_and_the_amount_is_never_zero():
    # 7 carts in two weeks x 20 % conversion = 0.7 a week; 40 % of it: tiny, rounded up to 1
    extra = option_safety_stock(_sensed(7), {}, {})
    assert extra == {"MADDER-ROOT": D(1), "ALUM": D(1)}


def test_a_modules_weekly_units_follow_its_parents_forecasts():
    bom = [(1, 10, D(1), D(0)), (2, 10, D(2), D(0)), (1, 11, D(1), D(0))]
    assert module_weekly(bom, {1: 5.0, 2: 3.0}, {10: "M-DYE", 11: "M-FIT"}) == {
        "M-DYE": 11.0,
        "M-FIT": 5.0,
    }
