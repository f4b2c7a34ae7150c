import pickle
from decimal import Decimal

import pytest

from flexchain.domain.errors import (
    BomCycleError,
    DomainError,
    InsufficientStock,
    NotFound,
    ValidationError,
)


def test_validation_error_message_names_the_field() -> None:
    # given / when
    error = ValidationError("moq", "must not be negative, got -1")

    # then
    assert str(error) == "moq: must not be negative, got -1"
    assert (error.field, error.message) == ("moq", "must not be negative, got -1")
    assert isinstance(error, DomainError)


def test_insufficient_stock_message_shows_quantities_as_people_write_them() -> None:
    error = InsufficientStock("JKT-SHELL", "WH-MAIN", Decimal("5.000"), Decimal("3"))

    assert str(error) == "JKT-SHELL at WH-MAIN: requested 5, available 3"
    assert error.requested == 5
    assert error.available == 3


def test_bom_cycle_error_names_the_cycle() -> None:
    error = BomCycleError(("A", "B", "C", "A"))

    assert str(error) == "BOM cycle: A -> B -> C -> A"
    assert error.cycle == ("A", "B", "C", "A")


@pytest.mark.parametrize(
    "error",
    [
        pytest.param(ValidationError("sku", "bad"), id="validation"),
        pytest.param(InsufficientStock("A", "WH", Decimal(2), Decimal(1)), id="stock"),
        pytest.param(BomCycleError(("A", "A")), id="cycle"),
        pytest.param(NotFound("unknown item 'X'"), id="not-found"),
    ],
)
def test_domain_errors_survive_pickling_with_their_message(error: DomainError) -> None:
    # a planning run on a Dask worker raises in another process
    copy = pickle.loads(pickle.dumps(error))

    assert type(copy) is type(error)
    assert str(copy) == str(error)
