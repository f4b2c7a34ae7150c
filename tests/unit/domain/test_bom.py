from collections import defaultdict
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flexchain.domain.bom import (
    BomLine,
    check_acyclic,
    explode,
    find_cycle,
    low_level_codes,
    product_modules,
)
from flexchain.domain.catalog import Item, ItemKind, ModuleType
from flexchain.domain.errors import BomCycleError, NotFound, ValidationError


def line(parent: str, child: str, qty: int | str = 1, scrap: int | str = 0) -> BomLine:
    return BomLine(parent, child, Decimal(qty), Decimal(scrap))


JACKET = [
    line("JKT", "SHELL", 1),
    line("JKT", "HOOD", 1),
    line("JKT", "BOX", 1),
    line("SHELL", "FABRIC", "1.5", 10),
    line("HOOD", "FABRIC", "0.5"),
    line("FABRIC", "YARN", 2, 5),
]


@pytest.mark.parametrize(
    ("qty", "scrap", "field"),
    [
        pytest.param(0, 0, "quantity", id="zero-quantity"),
        pytest.param("0.0005", 0, "quantity", id="four-places"),
        pytest.param(1, 100, "scrap_pct", id="scrap-100"),
        pytest.param(1, -1, "scrap_pct", id="negative-scrap"),
    ],
)
def test_bom_line_refuses_bad_quantity_or_scrap(qty: object, scrap: object, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        BomLine("A", "B", qty, scrap)  # type: ignore[arg-type]

    assert caught.value.field == field


def test_bom_line_gross_applies_scrap_on_top_of_quantity() -> None:
    assert line("A", "B", 2, 10).gross(Decimal(5)) == Decimal(11)


def test_find_cycle_returns_none_for_an_acyclic_bom() -> None:
    assert find_cycle(JACKET) is None
    check_acyclic(JACKET)


def test_find_cycle_returns_the_cycle_closed_on_its_first_item() -> None:
    lines = [line("TOP", "A"), line("A", "B"), line("B", "C"), line("C", "A")]

    assert find_cycle(lines) == ("A", "B", "C", "A")


def test_a_line_whose_parent_is_its_child_is_a_cycle() -> None:
    assert find_cycle([line("A", "A")]) == ("A", "A")


def test_bom_cycle_error_names_the_cycle() -> None:
    lines = [line("A", "B"), line("B", "C"), line("C", "A")]

    with pytest.raises(BomCycleError, match=r"^BOM cycle: A -> B -> C -> A$") as caught:
        check_acyclic(lines)

    assert caught.value.cycle == ("A", "B", "C", "A")


def test_low_level_codes_give_each_item_its_deepest_level() -> None:
    codes = low_level_codes([*JACKET, line("JKT", "YARN", 1)])

    # YARN sits directly under JKT too, but MRP must plan it after FABRIC: its deepest level
    assert codes == {"JKT": 0, "SHELL": 1, "HOOD": 1, "BOX": 1, "FABRIC": 2, "YARN": 3}


def test_low_level_codes_refuse_a_cycle() -> None:
    with pytest.raises(BomCycleError):
        low_level_codes([line("A", "B"), line("B", "A")])


def test_explode_sums_repeated_components_and_applies_scrap_per_level() -> None:
    required = explode(JACKET, "JKT", 10)

    # FABRIC: 10 * 1.5 * 1.10 via SHELL + 10 * 0.5 via HOOD = 16.5 + 5; YARN: 21.5 * 2 * 1.05
    assert required == {
        "SHELL": 10,
        "HOOD": 10,
        "BOX": 10,
        "FABRIC": Decimal("21.5"),
        "YARN": Decimal("45.15"),
    }


def test_explode_of_an_item_without_bom_is_empty() -> None:
    assert explode(JACKET, "YARN", 3) == {}


def test_explode_raises_on_a_cycle_below_the_item() -> None:
    with pytest.raises(BomCycleError, match="B -> C -> B"):
        explode([line("A", "B"), line("B", "C"), line("C", "B")], "A", 1)


def test_explode_ignores_cycles_elsewhere_in_the_bom() -> None:
    assert explode([line("A", "B"), line("X", "Y"), line("Y", "X")], "A", 2) == {"B": 2}


def test_explode_handles_a_thousand_levels_without_recursion() -> None:
    chain = [line(f"L{level}", f"L{level + 1}") for level in range(1000)]

    required = explode(chain, "L0", 1)

    assert len(required) == 1000
    assert required["L1000"] == 1
    assert low_level_codes(chain)["L1000"] == 1000
    assert find_cycle([*chain, line("L1000", "L0")]) is not None


def test_product_modules_lists_the_direct_module_children_with_quantity() -> None:
    items = {
        "JKT": Item("JKT", "Jacket", ItemKind.FINISHED),
        "SHELL": Item("SHELL", "Shell", ItemKind.MODULE, module_type=ModuleType.STANDARD),
        "HOOD": Item("HOOD", "Hood", ItemKind.MODULE, module_type=ModuleType.CUSTOM),
        "BOX": Item("BOX", "Box", ItemKind.PACKAGING),
    }
    lines = [*JACKET[:3], line("JKT", "HOOD", 1)]

    modules = product_modules(lines, items, "JKT")

    assert [(item.sku, qty) for item, qty in modules] == [("SHELL", 1), ("HOOD", 2)]


def test_product_modules_raises_not_found_for_an_unknown_component() -> None:
    with pytest.raises(NotFound, match="'SHELL'"):
        product_modules(JACKET, {}, "JKT")


@st.composite
def acyclic_boms(draw: st.DrawFn) -> list[BomLine]:
    """Edges only go from a lower to a higher index, so the BOM can never have a cycle."""
    size = draw(st.integers(min_value=2, max_value=7))
    pairs = draw(
        st.lists(
            st.tuples(st.integers(0, size - 1), st.integers(0, size - 1)).filter(
                lambda pair: pair[0] < pair[1]
            ),
            unique=True,
            max_size=12,
        )
    )
    return [
        BomLine(
            f"I{parent}",
            f"I{child}",
            Decimal(draw(st.integers(1, 4))),
            Decimal(draw(st.sampled_from(["0", "5", "12.5"]))),
        )
        for parent, child in pairs
    ]


def path_sum(lines: list[BomLine], sku: str, qty: Decimal) -> dict[str, Decimal]:
    """Reference answer: walk every path from ``sku`` and add its requirement at its end."""
    children = defaultdict(list)
    for bom_line in lines:
        children[bom_line.parent_sku].append(bom_line)
    total: dict[str, Decimal] = defaultdict(Decimal)
    paths = [(sku, qty)]
    while paths:
        node, amount = paths.pop()
        for bom_line in children[node]:
            need = amount * bom_line.quantity * (1 + bom_line.scrap_pct / 100)
            total[bom_line.child_sku] += need
            paths.append((bom_line.child_sku, need))
    return dict(total)


@given(lines=acyclic_boms(), qty=st.integers(min_value=0, max_value=50))
def test_explode_equals_the_sum_over_paths(lines: list[BomLine], qty: int) -> None:
    assert explode(lines, "I0", qty) == path_sum(lines, "I0", Decimal(qty))
    assert find_cycle(lines) is None


def test_a_trusted_bom_line_equals_the_checked_one_for_valid_values() -> None:
    checked = BomLine("JKT-SHELL", "FAB-CANV", Decimal("1.5"), Decimal("2"))
    trusted = BomLine.trusted("JKT-SHELL", "FAB-CANV", Decimal("1.5"), Decimal("2"))
    assert trusted == checked
    assert trusted.gross(Decimal(10)) == checked.gross(Decimal(10)) == Decimal("15.3")
