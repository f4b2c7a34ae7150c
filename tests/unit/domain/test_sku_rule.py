from typing import Any

import pytest

from flexchain.domain.catalog import Item, ItemKind, SkuRule
from flexchain.domain.errors import ValidationError

RULE = SkuRule("{family}-{material}-{colour}-{size?}")


def item(sku: str = "X", family: str = "tee", **attributes: str) -> Item:
    return Item(sku, "Tee", ItemKind.FINISHED, family=family, attributes=dict(attributes))


def test_sku_rule_lists_its_placeholders_without_the_optional_mark() -> None:
    assert RULE.placeholders() == ("family", "material", "colour", "size")


def test_sku_rule_renders_upper_case_without_spaces() -> None:
    tee = item(material="organic cotton", colour="Navy Blue", size="m")

    assert RULE.render(tee) == "TEE-ORGANICCOTTON-NAVYBLUE-M"


def test_sku_rule_optional_segment_is_dropped() -> None:
    tee = item(material="cot", colour="red")

    assert RULE.render(tee) == "TEE-COT-RED"


@pytest.mark.parametrize(
    ("pattern", "attributes", "expected"),
    [
        pytest.param("{colour?}-{family}", {}, "TEE", id="leading-optional"),
        pytest.param("{family}-{colour?}_{size}", {"size": "L"}, "TEE_L", id="middle-optional"),
        pytest.param("{family}-{a?}-{b?}", {}, "TEE", id="two-trailing-optionals"),
        pytest.param("FX-{family}.{size?}", {"size": "xl"}, "FX-TEE.XL", id="literal-prefix"),
    ],
)
def test_sku_rule_drops_missing_optionals_with_their_separator(
    pattern: str, attributes: dict[str, str], expected: str
) -> None:
    assert SkuRule(pattern).render(item(**attributes)) == expected


def test_sku_rule_missing_required_attribute_names_it() -> None:
    with pytest.raises(ValidationError) as caught:
        RULE.render(item(material="cot"))

    assert caught.value.field == "attributes.colour"
    assert caught.value.message == "required by SKU rule {family}-{material}-{colour}-{size?}"


def test_sku_rule_missing_family_names_the_family_field() -> None:
    with pytest.raises(ValidationError, match=r"^family: required by SKU rule"):
        RULE.render(item(family="", material="cot", colour="red"))


def test_sku_rule_refuses_values_that_cannot_be_in_a_sku() -> None:
    with pytest.raises(ValidationError, match=r"attributes.colour: 'red/white' cannot be part"):
        RULE.render(item(material="cot", colour="red/white"))


def test_sku_rule_refuses_a_rendered_sku_longer_than_64_characters() -> None:
    with pytest.raises(ValidationError, match=r"^sku: '.*' is not a valid code"):
        RULE.render(item(material="X" * 60, colour="red"))


def test_sku_rule_check_passes_a_conforming_sku() -> None:
    RULE.check(item("TEE-COT-RED-M", material="cot", colour="red", size="m"))


def test_sku_rule_check_says_what_the_sku_should_be() -> None:
    with pytest.raises(ValidationError) as caught:
        RULE.check(item("TEE-RED-COT", material="cot", colour="red"))

    assert str(caught.value) == (
        "sku: 'TEE-RED-COT' does not follow {family}-{material}-{colour}-{size?}: "
        "expected 'TEE-COT-RED'"
    )


@pytest.mark.parametrize(
    "pattern",
    [
        pytest.param("TEE-RED", id="no-placeholder"),
        pytest.param("{family} {size}", id="space-literal"),
        pytest.param("{family}-{size", id="unclosed-brace"),
        pytest.param("{fam ily}", id="bad-name"),
    ],
)
def test_sku_rule_refuses_malformed_patterns(pattern: str) -> None:
    with pytest.raises(ValidationError, match=r"^pattern: "):
        SkuRule(pattern)


def test_sku_rule_is_a_value() -> None:
    same: Any = SkuRule("{family}")

    assert same == SkuRule("{family}")
    assert len({same, SkuRule("{family}")}) == 1
