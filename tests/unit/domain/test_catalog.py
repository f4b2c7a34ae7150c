from decimal import Decimal
from typing import Any

import pytest

from flexchain.domain.catalog import Item, ItemKind, ModuleType, Option, validate_sku
from flexchain.domain.errors import ValidationError


def make_item(**overrides: Any) -> Item:
    fields: dict[str, Any] = {"sku": "TEE-COT-RED-M", "name": "Tee", "kind": ItemKind.FINISHED}
    fields.update(overrides)
    return Item(**fields)


@pytest.mark.parametrize("sku", ["A", "JKT-SHELL", "tee_2.v1", "X" * 64])
def test_validate_sku_accepts_letters_digits_and_dash_underscore_dot(sku: str) -> None:
    assert validate_sku(sku) == sku


@pytest.mark.parametrize(
    "sku",
    [
        pytest.param("", id="empty"),
        pytest.param("X" * 65, id="too-long"),
        pytest.param("TEE RED", id="space"),
        pytest.param("TEE/RED", id="slash"),
        pytest.param("CAFÉ", id="non-ascii"),
    ],
)
def test_validate_sku_refuses_other_characters(sku: str) -> None:
    with pytest.raises(ValidationError, match=r"^sku: "):
        validate_sku(sku)


def test_item_normalises_uom_currency_and_kind() -> None:
    item = make_item(kind="Finished", uom=" KG ", currency="eur")

    assert (item.kind, item.uom, item.currency) == (ItemKind.FINISHED, "kg", "EUR")


def test_item_unknown_uom_lists_the_allowed_ones() -> None:
    with pytest.raises(ValidationError) as caught:
        make_item(uom="dozen")

    assert caught.value.field == "uom"
    assert "pcs, m, m2, kg, g, l, roll, set, pair, box" in caught.value.message


def test_module_requires_a_module_type() -> None:
    with pytest.raises(ValidationError, match="module_type: required for a module"):
        make_item(sku="MOD-HOOD", kind=ItemKind.MODULE)


def test_module_type_is_forbidden_on_other_kinds() -> None:
    with pytest.raises(ValidationError, match="module_type: only modules have a module type"):
        make_item(module_type=ModuleType.STANDARD)


def test_module_type_is_read_from_its_value() -> None:
    item = make_item(sku="MOD-HOOD", kind="module", module_type="custom")

    assert item.module_type is ModuleType.CUSTOM
    assert item.is_custom_module


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param({"name": "  "}, "name", id="blank-name"),
        pytest.param({"moq": -1}, "moq", id="negative-moq"),
        pytest.param({"order_multiple": 0}, "order_multiple", id="zero-multiple"),
        pytest.param({"moq": "0.0001"}, "moq", id="moq-four-places"),
        pytest.param({"production_cycle_days": -2}, "production_cycle_days", id="negative-cycle"),
        pytest.param({"list_price": -5}, "list_price", id="negative-price"),
        pytest.param({"standard_cost": "x"}, "standard_cost", id="cost-not-a-number"),
        pytest.param({"currency": "EU"}, "currency", id="short-currency"),
        pytest.param({"default_supplier": "ACME LTD"}, "default_supplier", id="supplier-space"),
        pytest.param({"attributes": {"size": 42}}, "attributes.size", id="attribute-not-text"),
        pytest.param({"active": "yes"}, "active", id="active-not-bool"),
    ],
)
def test_item_validation_names_the_bad_field(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        make_item(**overrides)

    assert caught.value.field == field


def test_item_validate_checks_again_after_a_change() -> None:
    item = make_item()
    item.moq = Decimal(-1)

    with pytest.raises(ValidationError, match="moq"):
        item.validate()


def test_item_round_quantity_uses_its_moq_and_multiple() -> None:
    item = make_item(moq=10, order_multiple=4)

    assert item.round_quantity(Decimal(7)) == 12


def test_option_allows_a_negative_price_and_a_shorter_lead_time() -> None:
    option = Option("MOD-HOOD", "RECYCLED", "Recycled lining", Decimal("-2.50"), -3)

    assert (option.price_delta, option.lead_time_delta_days) == (Decimal("-2.50"), -3)


def test_option_lead_time_cut_is_at_most_a_year() -> None:
    with pytest.raises(ValidationError, match="lead_time_delta_days: must be at least -365"):
        Option("MOD-HOOD", "EXPRESS", "Express", lead_time_delta_days=-366)


def test_option_module_sku_must_be_a_valid_sku() -> None:
    with pytest.raises(ValidationError, match=r"^module_sku: "):
        Option("MOD HOOD", "RED", "Red")
