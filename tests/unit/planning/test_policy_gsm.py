"""Guaranteed-service safety-stock placement against Snyder & Shen (2019), chapter 6.

Instances and answers (costs and CSTs) were checked against the stockpyl package
(``tests/test_gsm_tree.py``, ``tests/instances_gsm_tree.py``): Example 6.5, Figure 6.14 (the
Graves & Willems camera supply chain) with four customer service times, Problems 6.7 and 6.9.
Random small trees are checked against enumeration of every feasible CST vector.
"""

import itertools
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flexchain.planning.policy import PolicyInputError, gsm_tree
from tests.unit.planning import policy_instances as book


def test_example_6_5() -> None:
    cost, cst = gsm_tree(book.example_6_5())

    assert cost == pytest.approx(2 * math.sqrt(2) + math.sqrt(6) + 3.0)
    assert cst == {1: 0, 2: 0, 3: 0, 4: 1}


CAMERA_CSTS = {
    2: (18.8240044725922, [0, 3, 5, 4, 7, 0, 0, 0, 0, 2]),
    5: (12.4686888061037, [0, 3, 5, 4, 0, 3, 3, 3, 3, 5]),
    8: (3.25788236403285, [0, 3, 1, 1, 3, 6, 6, 4, 3, 8]),
    12: (0.232617430735335, [0, 3, 5, 4, 7, 10, 6, 4, 3, 12]),
}


@pytest.mark.parametrize("outbound", sorted(CAMERA_CSTS), ids=lambda s: f"figure-6.14-s{s}")
def test_figure_6_14(outbound: int) -> None:
    nodes = book.figure_6_14(outbound)
    cost, csts = CAMERA_CSTS[outbound]

    result = gsm_tree(nodes)

    assert result.cost == pytest.approx(cost, rel=1e-9)
    assert result.committed_service_times == {
        node["index"]: cst for node, cst in zip(nodes, csts, strict=True)
    }


def test_problem_6_7() -> None:
    cost, cst = gsm_tree(book.problem_6_7())

    assert cost == pytest.approx(160 * math.sqrt(5))
    assert cst == {1: 0, 2: 3, 3: 2}


@pytest.mark.parametrize(
    ("outbound", "cost", "cst"),
    [
        pytest.param((3, 3), 15.649530249501, {1: 3, 2: 3, 3: 0, 4: 0, 5: 0, 6: 2}, id="s3-s3"),
        pytest.param((0, 7), 13.121240238718, {1: 0, 2: 7, 3: 0, 4: 0, 5: 0, 6: 2}, id="s0-s7"),
        pytest.param((21, 5), 10.5811190103555, {1: 7, 2: 5, 3: 0, 4: 0, 5: 0, 6: 2}, id="s21-s5"),
    ],
)
def test_problem_6_9(outbound: tuple[int, int], cost: float, cst: dict[int, int]) -> None:
    result = gsm_tree(book.problem_6_9(*outbound))

    assert result.cost == pytest.approx(cost, rel=1e-9)
    assert result.committed_service_times == cst


def test_single_stage_holds_k_sigma_sqrt_lead_time() -> None:
    node = {
        "index": 1,
        "processing_time": 1,
        "holding_cost": 1,
        "demand_bound_constant": 2,
        "predecessors": [],
        "external_outbound_cst": 0,
        "external_demand_sd": 1,
    }

    assert gsm_tree([node]) == (2.0, {1: 0})


def enumerate_csts(nodes: list[dict]) -> float:
    """The cheapest feasible CST vector, by trying every one."""
    by_index = {n["index"]: n for n in nodes}
    successors = {i: [n["index"] for n in nodes if i in n["predecessors"]] for i in by_index}

    def sigma(i: int) -> float:
        own = by_index[i].get("external_demand_sd", 0) ** 2
        return math.sqrt(own + sum(sigma(c) ** 2 for c in successors[i]))

    horizon = sum(n["processing_time"] for n in nodes) + max(
        n.get("external_inbound_cst", 0) for n in nodes
    )
    best = math.inf
    for csts in itertools.product(range(horizon + 1), repeat=len(nodes)):
        s = dict(zip(by_index, csts, strict=True))
        cost = 0.0
        for i, n in by_index.items():
            si = max([n.get("external_inbound_cst", 0)] + [s[p] for p in n["predecessors"]])
            limit = n.get("external_outbound_cst", None if successors[i] else 0)
            tau = si + n["processing_time"] - s[i]
            if tau < 0 or (limit is not None and s[i] > limit):
                break
            cost += n["holding_cost"] * n["demand_bound_constant"] * sigma(i) * math.sqrt(tau)
        else:
            best = min(best, cost)
    return best


@st.composite
def small_trees(draw: st.DrawFn) -> list[dict[str, Any]]:
    size = draw(st.integers(min_value=1, max_value=4))
    nodes: list[dict[str, Any]] = [
        {
            "index": i,
            "processing_time": draw(st.integers(0, 2)),
            "holding_cost": draw(st.floats(0, 5)),
            "demand_bound_constant": draw(st.floats(0.5, 3)),
            "predecessors": [],
            "external_inbound_cst": draw(st.integers(0, 1)),
        }
        for i in range(size)
    ]
    for i in range(1, size):
        other = draw(st.integers(0, i - 1))
        if draw(st.booleans()):
            nodes[i]["predecessors"].append(other)
        else:
            nodes[other]["predecessors"].append(i)
    for node in nodes:
        if not any(node["index"] in n["predecessors"] for n in nodes):  # faces customers
            node["external_demand_sd"] = draw(st.floats(0.5, 3))
            node["external_outbound_cst"] = draw(st.integers(0, 3))
    return nodes


@settings(max_examples=60, deadline=None)
@given(small_trees())
def test_gsm_tree_equals_enumeration(nodes: list[dict]) -> None:
    result = gsm_tree(nodes)

    assert result.cost == pytest.approx(enumerate_csts(nodes), rel=1e-9, abs=1e-12)
    assert set(result.committed_service_times) == {n["index"] for n in nodes}
    assert all(isinstance(s, int) for s in result.committed_service_times.values())


def test_reported_csts_attain_the_reported_cost() -> None:
    nodes = book.figure_6_14(8)
    result = gsm_tree(nodes)
    by_index = {n["index"]: n for n in nodes}
    s = result.committed_service_times

    total = 0.0
    for i, n in by_index.items():
        si = max([0] + [s[p] for p in n["predecessors"]])
        total += n["holding_cost"] * book.Z_95 * 10 * math.sqrt(si + n["processing_time"] - s[i])

    assert total == pytest.approx(result.cost)


def _stage(index: int, predecessors: list[int], **extra: object) -> dict:
    return {
        "index": index,
        "processing_time": 1,
        "holding_cost": 1,
        "demand_bound_constant": 1,
        "predecessors": predecessors,
        **extra,
    }


@pytest.mark.parametrize(
    ("nodes", "message"),
    [
        pytest.param([], "nodes: must contain at least one stage", id="empty"),
        pytest.param(
            [_stage(1, []), _stage(2, [1]), _stage(3, [1, 2])],
            "nodes: must form a tree: 3 stages need 2 links, got 3",
            id="cycle",
        ),
        pytest.param(
            [_stage(1, []), _stage(2, []), _stage(3, [1]), _stage(4, [3, 1])],
            "nodes: must form a tree",
            id="two-parts",
        ),
        pytest.param([_stage(1, [7])], r"nodes\[1\].predecessors: 7 is not another stage", id="7"),
        pytest.param([_stage(1, []), _stage(1, [])], r"nodes\[1\].index: repeats 1", id="dup"),
        pytest.param(
            [{"index": 1, "processing_time": 1, "predecessors": []}],
            r"nodes\[0\].holding_cost: is required",
            id="missing",
        ),
        pytest.param(
            [_stage(1, [], processing_time=1.5)],
            r"nodes\[1\].processing_time: must be a whole number",
            id="fraction",
        ),
    ],
)
def test_bad_networks_are_named(nodes: list[dict], message: str) -> None:
    with pytest.raises(PolicyInputError, match=message):
        gsm_tree(nodes)
