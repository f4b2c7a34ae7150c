from datetime import date, datetime
from decimal import Decimal

import pytest

from flexchain.domain.errors import ValidationError
from flexchain.domain.purchasing import POStatus, PurchaseOrderLine

D = Decimal
DUE = date(2026, 12, 7)


def line(**changes: object) -> PurchaseOrderLine:
    fields: dict[str, object] = {
        "po_number": "PO-1001",
        "line_no": 1,
        "supplier_code": "KNIT-TR",
        "item_sku": "COTTON",
        "quantity": D(100),
        "due_date": DUE,
    }
    fields.update(changes)
    return PurchaseOrderLine(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "open_quantity"),
    [
        pytest.param({}, D(100), id="nothing-received"),
        pytest.param({"received_quantity": D("37.5")}, D("62.5"), id="partly-received"),
        pytest.param({"received_quantity": D(100)}, D(0), id="fully-received"),
        pytest.param({"status": "closed", "received_quantity": D(60)}, D(0), id="closed"),
        pytest.param({"status": POStatus.CANCELLED}, D(0), id="cancelled"),
    ],
)
def test_open_quantity_is_what_an_open_line_still_expects(
    changes: dict[str, object], open_quantity: Decimal
) -> None:
    assert line(**changes).open_quantity == open_quantity


def test_a_line_is_named_po_slash_line() -> None:
    assert line(po_number=" P00042 ", line_no=3).key == "P00042/3"


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        pytest.param(
            {"received_quantity": D(101)},
            "received_quantity: 101 received is more than the 100 ordered",
            id="over-received",
        ),
        pytest.param({"quantity": D(0)}, "quantity: must be greater than zero", id="zero"),
        pytest.param(
            {"received_quantity": D(-1)},
            "received_quantity: must not be negative, got -1",
            id="negative-received",
        ),
        pytest.param({"line_no": 0}, "line_no: must be at least 1, got 0", id="line-0"),
        pytest.param({"po_number": "  "}, "po_number: required: must not be blank", id="no-po"),
        pytest.param(
            {"due_date": datetime(2026, 12, 7)},
            "due_date: expected a date (YYYY-MM-DD), got datetime.datetime(2026, 12, 7, 0, 0)",
            id="datetime",
        ),
        pytest.param(
            {"status": "draft"},
            "status: must be one of open, closed, cancelled, got 'draft'",
            id="status",
        ),
    ],
)
def test_a_bad_line_names_its_field(changes: dict[str, object], error: str) -> None:
    with pytest.raises(ValidationError) as refused:
        line(**changes)
    assert str(refused.value) == error
