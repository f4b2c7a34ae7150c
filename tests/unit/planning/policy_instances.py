"""Named reference instances from Snyder & Shen, "Fundamentals of Supply Chain Theory" (2019).

Shared by the tests so that each published example is written down once. Inputs and expected
answers were checked against the stockpyl package's tests and docstrings (github.com/LarrySnyder/
stockpyl, ``tests/test_gsm_tree.py`` and ``tests/instances_gsm_tree.py``), which reproduce the
book's examples and end-of-chapter problems.
"""

from __future__ import annotations

from statistics import NormalDist
from typing import Any

Node = dict[str, Any]

Z_95 = NormalDist().inv_cdf(0.95)


def example_6_5() -> list[Node]:
    """Example 6.5: stage 1 feeds stage 3, which serves stages 2 and 4."""
    return [
        _node(1, 2, 1, 1, [], external_inbound_cst=1),
        _node(3, 1, 2, 1, [1]),
        _node(2, 1, 3, 1, [3], external_outbound_cst=0, external_demand_sd=1),
        _node(4, 1, 3, 1, [3], external_outbound_cst=1, external_demand_sd=1),
    ]


def figure_6_14(outbound_cst: int = 2) -> list[Node]:
    """Figure 6.14: the digital-camera supply chain of Graves & Willems (2000), k = z_0.95."""
    stages = [
        ("Raw_Material", 2, 0.01, []),
        ("Process_Wafers", 3, 0.03, ["Raw_Material"]),
        ("Package_Test_Wafers", 2, 0.04, ["Process_Wafers"]),
        ("Imager_Base", 4, 0.06, []),
        ("Imager_Assembly", 2, 0.12, ["Package_Test_Wafers", "Imager_Base"]),
        ("Ship_to_Final_Assembly", 3, 0.13, ["Imager_Assembly"]),
        ("Camera", 6, 0.20, []),
        ("Circuit_Board", 4, 0.08, []),
        ("Other_Parts", 3, 0.04, []),
        (
            "Build_Test_Pack",
            2,
            0.50,
            ["Camera", "Ship_to_Final_Assembly", "Circuit_Board", "Other_Parts"],
        ),
    ]
    nodes = [_node(index, t, h, Z_95, preds) for index, t, h, preds in stages]
    nodes[-1].update(external_outbound_cst=outbound_cst, external_demand_sd=10)
    return nodes


def problem_6_7() -> list[Node]:
    """Problem 6.7: forming (3) -> firing (2) -> glazing (1), k = 4 throughout."""
    return [
        _node(3, 1, 2, 4, [], external_inbound_cst=1),
        _node(2, 1, 3, 4, [3]),
        _node(
            1,
            2,
            4,
            4,
            [2],
            external_demand_mean=45,
            external_demand_sd=10,
            external_outbound_cst=0,
        ),
    ]


def problem_6_9(outbound_1: int = 3, outbound_2: int = 3) -> list[Node]:
    """Problem 6.9: 6 -> 5 -> 3 <- 4, and 3 serves customers through stages 1 and 2.

    Holding costs are 20% a year of each stage's value, per day.
    """

    def daily(value: float) -> float:
        return value * 0.2 / 365

    return [
        _node(
            1,
            7,
            daily(220),
            4,
            [3],
            external_outbound_cst=outbound_1,
            external_demand_mean=22.0,
            external_demand_sd=4.1,
        ),
        _node(
            2,
            7,
            daily(140),
            4,
            [3],
            external_outbound_cst=outbound_2,
            external_demand_mean=15.3,
            external_demand_sd=6.2,
        ),
        _node(3, 21, daily(90), 4, [4, 5]),
        _node(4, 3, daily(5), 4, []),
        _node(5, 8, daily(20), 4, [6]),
        _node(6, 2, daily(7.5), 4, []),
    ]


def _node(
    index: object,
    processing_time: int,
    holding_cost: float,
    demand_bound_constant: float,
    predecessors: list[Any],
    **extra: float,
) -> Node:
    return {
        "index": index,
        "processing_time": processing_time,
        "holding_cost": holding_cost,
        "demand_bound_constant": demand_bound_constant,
        "predecessors": predecessors,
        **extra,
    }
