"""Today says in words what a planned order is for (it read ``for planned:403=292;
forecast=6.773; lot_size=36.227``)."""

from __future__ import annotations

from decimal import Decimal

from flexchain.services.today_planned import peg_text


def test_each_source_the_plan_pegs_to_reads_as_words() -> None:
    assert peg_text("planned:403", Decimal("292")) == "planned order 403 (292)"
    assert peg_text("order:#1110", Decimal("2")) == "order #1110 (2)"
    assert peg_text("transfer:7", Decimal("5")) == "transfer 7 (5)"
    assert peg_text("forecast", Decimal("6.773")) == "the forecast (6.773)"
    assert peg_text("safety_stock", Decimal("3")) == "safety stock (3)"
    assert peg_text("lot_size", Decimal("36.227")) == "rounding up to the lot size (36.227)"
    assert peg_text("new_source", Decimal("1")) == "new source (1)"
