"""The quality fund is settled by each contract's own period, on both databases: a quarterly
contract for quarters, a semiannual one for halves (on the half's inspections), a period of
another kind leaves a contract out and says so, and nothing is settled twice."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select, update

from flexchain.adapters.db.tables import ContractRow, PaymentRow
from flexchain.domain.errors import ValidationError
from flexchain.services import invoicing, payments, receiving
from tests.integration.test_paying import AFTER_Q1, NOW, PO, UowFactory, add_po, run
from tests.storefront_world import build_world

HALF = "PO-000002"
MAY = datetime(2026, 5, 4, 9, tzinfo=UTC)
JULY = datetime(2026, 7, 2, 9, tzinfo=UTC)


@pytest.fixture
def two_contracts(engine: Engine, make_uow: UowFactory) -> UowFactory:
    """SEW-PT under a quarterly contract (PO-000001) and a semiannual one (PO-000002)."""
    build_world(make_uow)
    add_po(make_uow)
    add_po(make_uow, HALF)
    with make_uow() as uow:
        uow.session.execute(
            update(ContractRow)
            .where(ContractRow.code == f"C-{HALF}")
            .values(retention_settlement="semiannual")
        )
        uow.commit()
    return make_uow


def _bought(make_uow: UowFactory, po: str, rejected: int, now: datetime) -> None:
    """1000 received and inspected (``rejected`` of them) and the accepted units invoiced,
    approved and scheduled on ``now``: 5 % of the invoice retained."""
    receipt = run(make_uow, receiving.receive_po, po, {1: "1000"}, now=now)
    assert isinstance(receipt, receiving.ReceiptView)
    run(
        make_uow, receiving.inspect_receipt, receipt.number, 1, accepted=1000 - rejected,
        rejected=rejected, reason="stain" if rejected else "", now=now,
    )  # fmt: skip
    billed = run(
        make_uow, invoicing.register_invoice, po_number=po, supplier_invoice_number=f"F-{po}",
        invoice_date=now.date(), lines=[(1, 1000 - rejected, "10.00")], now=now,
        base_currency="EUR",
    )  # fmt: skip
    assert isinstance(billed, invoicing.InvoiceView)
    run(make_uow, invoicing.approve_invoice, billed.number, now=now)
    run(make_uow, payments.schedule_payments, now=now)


def _settle(make_uow: UowFactory, period: str, now: datetime) -> list[payments.FundSettlementView]:
    settled = run(make_uow, payments.settle_quality_fund, period, target_yield="0.98", now=now)
    assert isinstance(settled, list)
    return settled


def _releases(make_uow: UowFactory) -> int:
    with make_uow(write=False) as uow:
        found = uow.session.scalar(
            select(func.count(PaymentRow.id)).where(PaymentRow.kind == "fund_release")
        )
    return int(found or 0)


def test_each_contract_is_settled_for_periods_of_its_own_kind(two_contracts: UowFactory) -> None:
    # given 500.00 retained in February under the quarterly contract (nothing rejected)
    _bought(two_contracts, PO, 0, NOW)
    # and 485.00 retained in May under the semiannual one (30 of 1000 rejected: 97 % in Q2)
    _bought(two_contracts, HALF, 30, MAY)
    # when Q1 is settled, the quarterly contract's fund is released in full
    (q1,) = _settle(two_contracts, "2026-Q1", AFTER_Q1)
    assert (q1.supplier, q1.quarter, q1.settlement, q1.status) == (
        "SEW-PT", "2026-Q1", "quarterly", "settled",
    )  # fmt: skip
    assert (q1.retained, q1.released, q1.forfeited) == (Decimal("500.00"),) * 2 + (0,)
    # then Q2 leaves the semiannual contract out and says so, settling nothing
    (left,) = _settle(two_contracts, "2026-Q2", JULY)
    assert (left.status, left.settlement, left.retained, left.released, left.payment) == (
        "left out", "semiannual", Decimal("485.00"), 0, None,
    )  # fmt: skip
    assert left.note == (f"C-{HALF} settled semiannual, not by quarterly period: settle 2026-H1")
    # and a month leaves it out too
    assert [s.status for s in _settle(two_contracts, "2026-05", JULY)] == ["left out"]
    assert _releases(two_contracts) == 1
    # when H1 is settled, only the semiannual fund is, on the half's inspections:
    # 1970 of 2000 accepted is 98.5 %, at or above the target (Q2 alone: 97 %, 300.00 kept)
    (h1,) = _settle(two_contracts, "2026-H1", JULY)
    assert (h1.quarter, h1.settlement, h1.first_pass_yield) == (
        "2026-H1", "semiannual", Decimal("0.985"),
    )  # fmt: skip
    assert (h1.retained, h1.released, h1.forfeited) == (Decimal("485.00"),) * 2 + (0,)
    # then nothing is settled twice, by any period
    for period in ("2026-H1", "2026-Q1", "2026-Q2", "2026-05"):
        assert _settle(two_contracts, period, JULY) == []
    assert _releases(two_contracts) == 2
    with two_contracts(write=False) as uow:
        fund = {(f.quarter, f.balance, f.released) for f in payments.quality_fund(uow)}
    assert fund == {("2026-Q1", 0, Decimal("500.00")), ("2026-Q2", 0, Decimal("485.00"))}


def test_a_period_is_a_month_quarter_half_or_year_settled_after_it_ends(
    two_contracts: UowFactory,
) -> None:
    with pytest.raises(ValidationError, match="2026-H1 ends 2026-06-30: settle it after"):
        _settle(two_contracts, "2026-H1", MAY)
    with pytest.raises(ValidationError, match="2026 ends 2026-12-31: settle it after"):
        _settle(two_contracts, "2026", JULY)
    with pytest.raises(ValidationError, match="a half 2026-H2 or a year 2026, got '2026-H3'"):
        _settle(two_contracts, "2026-H3", JULY)
    assert _settle(two_contracts, "2026-06", JULY) == []


def test_the_settle_command_lists_what_it_left_out(
    two_contracts: UowFactory, database_url: str
) -> None:
    from tests.integration.test_cli import flexchain_cli

    _bought(two_contracts, HALF, 30, MAY)
    code, out, err = flexchain_cli(database_url, "pay", "fund", "--settle", "2026-Q2", "--json")
    assert code == 0, err
    (left,) = json.loads(out)
    assert (left["status"], left["settlement"], left["retained"], left["payment"]) == (
        "left out", "semiannual", "485", None,
    )  # fmt: skip
    code, out, err = flexchain_cli(database_url, "pay", "fund", "--settle", "2026-H1")
    assert code == 0, err
    assert "semiannual" in out and "settled" in out and "485.00" in out
    assert date.today() > date(2026, 6, 30)  # the command settles on today's clock
