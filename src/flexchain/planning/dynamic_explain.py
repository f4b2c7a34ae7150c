"""``plan explain``'s lines for one row of :func:`flexchain.planning.dynamic.dynamic_policy`:
each formula with its symbols and then with the row's numbers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flexchain.planning.error_scale import (
    NOISE_PRIOR_FACTOR,
    POWER_LAW_ITEMS,
    POWER_LAW_PATTERNS,
    SCALE_PRIOR,
)
from flexchain.planning.protection_errors import LOST_DAMPING, NOISE_YEARS
from flexchain.planning.safety_factors import PAST_FACTORS, PAST_M

__all__ = ["decided_lines", "explain_row"]


def explain_row(
    row: Mapping[str, Any], *, periods_per_year: int = 52
) -> list[tuple[str, str, str]]:
    """``(name, formula, value)`` lines for one output row of
    :func:`~flexchain.planning.dynamic.dynamic_policy`.

    Each formula is written with symbols and then with the row's numbers, so a planner can redo
    the arithmetic; ``periods_per_year`` must be the one the row was computed with.
    """
    if "decided_protection_demand" in row:
        return [*_input_lines(row, periods_per_year)[:5], *decided_lines(row)]
    lines = _input_lines(row, periods_per_year)
    if float(row["demand_mean"]) <= 0:
        return [*lines, *_no_demand_lines(row)]
    return [*lines, *_demand_lines(row, periods_per_year)]


def _input_lines(row: Mapping[str, Any], periods_per_year: int) -> list[tuple[str, str, str]]:
    """The inputs, the matrix cell, ``z`` and ``sigma_ltr``."""
    d, sd = float(row["demand_mean"]), float(row["demand_sd"])
    lead = float(row["lead_time_mean"])
    lead_sd = float(_or(row.get("lead_time_sd"), 0.0))
    review = float(row["review_period"])
    moq, multiple = float(_or(row.get("moq"), 0.0)), float(_or(row.get("multiple"), 1.0))
    return [
        ("item", "item @ location", f"{row['item']} @ {row['location']}"),
        ("class", "ABC x XYZ", f"{row['abc']}{row['xyz']}"),
        ("demand", "forecast mean d, sd sd_d per period", f"d = {_n(d)}, sd_d = {_n(sd)}"),
        ("lead_time", "mean L, sd sd_L in periods", f"L = {_n(lead)}, sd_L = {_n(lead_sd)}"),
        (
            "terms",
            "K per order, h per unit per period, unit cost, MOQ, multiple",
            f"K = {_n(row['fixed_cost'])}, h = {_n(row['holding_cost'])}, "
            f"c = {_n(row['unit_cost'])}, MOQ = {_n(moq)}, multiple = {_n(multiple)}",
        ),
        (
            "service_level",
            f"matrix[{row['abc']}{row['xyz']}] (cycle service level)",
            _n(row["service_level"]),
        ),
        (
            "review_period",
            f"review weeks x periods_per_year / 52 = {_n(row['review_weeks'])} x "
            f"{periods_per_year} / 52",
            _n(review),
        ),
        ("z", f"Phi^-1(service_level) = Phi^-1({_n(row['service_level'])})", _n(row["z"])),
        (
            "sigma_ltr",
            f"sqrt((L + R) sd_d^2 + d^2 sd_L^2) = sqrt(({_n(lead)} + {_n(review)}) x "
            f"{_n(sd)}^2 + {_n(d)}^2 x {_n(lead_sd)}^2)",
            _n(row["sigma_ltr"]),
        ),
    ]


def decided_lines(row: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """The lines of a row whose safety stock and reorder point come from
    :func:`flexchain.planning.replenishment.decide` (the planning run's path)."""
    lead, review = int(row["decided_lead_time"]), int(row["decided_review_period"])
    weeks = [float(value) for value in row.get("protection_forecast") or []]
    target = str(row["decided_target"])
    kind = "fill rate" if target == "fill" else "cycle service level"
    factor = (
        "units short per cycle, sigma x mean((e / rmse - k)^+) over the errors, = allowed_short "
        "summed over the items of this service level and review: one k for them all, no "
        "demand pattern's items short more than three times their share "
        "(FLEXCHAIN_PLAN_FILL_SCOPE=item: each item alone; docs/policy.md)"
        if target == "fill"
        else "Phi^-1(service_level)"
    )
    lines = [
        ("service_level", f"matrix[{row['abc']}{row['xyz']}] ({kind})", _n(row["service_level"])),
        (
            "protection",
            f"lead time L + review period R = {lead} + {review} weeks",
            _n(row["decided_protection"]),
        ),
        (
            "protection_demand",
            "sum of the weekly forecast over L + R = "
            + " + ".join(_n(w) for w in weeks)
            + _undone(row, weeks),
            _n(row["decided_protection_demand"]),
        ),
        (
            "errors",
            f"realised errors sum(actual) - sum(forecast) over L + R, from "
            f"{row['decided_error_source']}: rmse (its own, shrunk towards the scale its "
            f"pattern lends its volume), bias (mean)",
            f"{row['decided_errors']}{_realised(row)}: rmse = {_n(row['decided_rmse'])}, "
            f"bias = {_n(row['decided_bias'])}",
        ),
        *_rmse_lines(row),
        (
            "sigma",
            f"sqrt(rmse^2 + (d sd_L)^2), d = protection demand / (L + R) = "
            f"{_n(row['decided_demand_per_period'])}",
            _n(row["decided_sigma"]),
        ),
        *_allowed_lines(row),
        ("safety_factor", f"k: {factor}{_steady(row)}", _n(row["decided_safety_factor"])),
        (
            "safety_stock",
            f"max(k sigma, 0) = max({_n(row['decided_safety_factor'])} x "
            f"{_n(row['decided_sigma'])}, 0)",
            _n(row["safety_stock"]),
        ),
        (
            "reorder_point",
            f"order-up-to level: protection demand + k sigma = "
            f"{_n(row['decided_protection_demand'])} + {_n(row['decided_safety_stock'])}",
            _n(row["reorder_point"]),
        ),
        (
            "mrp_trigger",
            "MRP plans an order now when stock and receipts fall below the forecast of weeks "
            "0..L plus the safety stock: "
            + " + ".join(_n(w) for w in weeks[: lead + 1])
            + f" + {_n(row['safety_stock'])}",
            _n(row["mrp_trigger"]),
        ),
    ]
    lines[3:3] = _model_lines(row)
    if float(row["demand_mean"]) <= 0:
        return [*lines, *_no_demand_lines(row)[2:]]
    return [*lines, *_demand_lines(row, 52)[2:]]


def _model_lines(row: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """Why the item's model forecast it, where its pattern's model and the long-run mean were
    compared (:mod:`flexchain.planning.model_choice`)."""
    if row.get("decided_default_rmse") is None or row.get("decided_mean_rmse") is None:
        return []
    default = row["decided_default_model"]
    return [
        (
            "model",
            f"the more accurate over L + R on the same backtest origins (up to a year): "
            f"{default} rmse {_n(row['decided_default_rmse'])}, the long-run mean "
            f"(HistoricAverage) rmse {_n(row['decided_mean_rmse'])} "
            f"(FLEXCHAIN_PLAN_MODEL_CHOICE=pattern: always {default})",
            str(row.get("decided_model") or row.get("model") or ""),
        )
    ]


def _no_demand_lines(row: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    moq, multiple = float(_or(row.get("moq"), 0.0)), float(_or(row.get("multiple"), 1.0))
    return [
        ("safety_stock", "no demand: 0", "0"),
        ("reorder_point", "no demand: 0", "0"),
        (
            "order_quantity",
            f"no demand: MOQ rounded up to the multiple = ceil({_n(moq)} / {_n(multiple)}) x "
            f"{_n(multiple)}",
            _n(row["order_quantity"]),
        ),
        ("days_of_cover", "no demand: undefined", "-"),
    ]


def _demand_lines(row: Mapping[str, Any], periods_per_year: int) -> list[tuple[str, str, str]]:
    d = float(row["demand_mean"])
    lead = float(row["lead_time_mean"])
    review = float(row["review_period"])
    moq, multiple = float(_or(row.get("moq"), 0.0)), float(_or(row.get("multiple"), 1.0))
    agility = row.get("agility")
    days = 7 * 52 / periods_per_year
    return [
        (
            "safety_stock",
            f"max(z sigma_ltr, 0) = {_n(row['z'])} x {_n(row['sigma_ltr'])}",
            _n(row["safety_stock"]),
        ),
        (
            "reorder_point",
            f"d (L + R) + SS = {_n(d)} x ({_n(lead)} + {_n(review)}) + {_n(row['safety_stock'])}",
            _n(row["reorder_point"]),
        ),
        (
            "eoq",
            f"sqrt(2 K d / h) = sqrt(2 x {_n(row['fixed_cost'])} x {_n(d)} / "
            f"{_n(row['holding_cost'])})",
            _n(row["eoq"]),
        ),
        (
            "uncertainty_coefficient",
            f"1 + min(cv, cap - 1), cv = sd_d / d = {_n(row['cv'])} (flexchain heuristic)",
            _n(row["uncertainty_coefficient"]),
        ),
        (
            "agility_factor",
            f"1.25 - 0.5 agility, agility = {agility!r} (flexchain heuristic)",
            _n(row["agility_factor"]),
        ),
        (
            "adjusted_eoq",
            f"eoq x coefficient x agility = {_n(row['eoq'])} x "
            f"{_n(row['uncertainty_coefficient'])} x {_n(row['agility_factor'])}",
            _n(row["adjusted_eoq"]),
        ),
        (
            "price_break_quantity",
            "least c_j d + K d / Q + h_j Q / 2 over the price breaks (all units), "
            f"unit price {_n(row['unit_price'])}",
            _n(row["price_break_quantity"]),
        ),
        (
            "order_quantity",
            f"ceil(max(Q, MOQ) / multiple) x multiple = ceil(max("
            f"{_n(row['price_break_quantity'])}, {_n(moq)}) / {_n(multiple)}) x {_n(multiple)}",
            _n(row["order_quantity"]),
        ),
        (
            "days_of_cover",
            f"(SS + Q / 2) / d x {_n(days)} days = ({_n(row['safety_stock'])} + "
            f"{_n(row['order_quantity'])} / 2) / {_n(d)} x {_n(days)}",
            _n(row["days_of_cover"]),
        ),
    ]


def _or(value: Any, default: float) -> Any:
    return default if value is None else value


def _n(value: Any) -> str:
    """A number with four significant decimals, without trailing zeros."""
    if value is None:
        return "-"
    number = float(value)
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return f"{number:.4f}".rstrip("0").rstrip(".")


def _allowed_lines(row: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """The units a fill-rate target lets an item be short per review cycle, and why (plans
    decided before they were recorded show none)."""
    if row.get("decided_allowed_short") is None:
        return []
    share, ratio = row["decided_lost_share"], row["decided_held_out_ratio"]
    carried = row.get("decided_carried_share")  # plans decided before it was recorded: none
    level = row["decided_service_level"]
    by_carried = ("", "") if carried is None else (" / carried_share", f" / {_n(carried)}")
    earlier, used = row.get("decided_past_multipliers") or 0, row.get("decided_multiplier")
    if earlier and used is not None:  # the mean with the earlier runs' (PAST_M)
        return [
            (
                "allowed_short",
                f"(1 - fill) d R / multiplier = (1 - {_n(level)}) x "
                f"{_n(row['decided_demand_per_period'])} x {int(row['decided_review_period'])} / "
                f"{_n(used)}; multiplier: the mean of this run's lost_share x carried_share x "
                f"held_out_ratio = {_n(share)} x {_n(carried or 1)} x {_n(ratio)} and the "
                f"{int(earlier)} earlier runs' of this buffer (up to {PAST_M}), so the factor does "
                f"not move with every re-measurement (docs/policy.md)",
                _n(row["decided_allowed_short"]),
            )
        ]
    return [
        (
            "allowed_short",
            f"(1 - fill) d R / lost_share{by_carried[0]} / held_out_ratio = (1 - {_n(level)}) x "
            f"{_n(row['decided_demand_per_period'])} x {int(row['decided_review_period'])} / "
            f"{_n(share)}{by_carried[1]} / {_n(ratio)}; lost_share: of a backorder's shortage, "
            f"what a lost sale costs, the policy replayed on the items' history at the factor "
            f"used (1: demand waits); carried_share: of the shortage the cycle formula counts, "
            f"what the replayed policy was short with backorders (a spike in the lead time is "
            f"in two cycles' errors, short once); held_out_ratio: units short on each item's "
            f"held-out errors over those predicted, k solved on the rest (at least 1)",
            _n(row["decided_allowed_short"]),
        )
    ]


def _rmse_lines(row: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """How the item's own RMSE was shrunk towards the scale its pattern lends it (plans decided
    before it was recorded, and items without errors of their own, show none)."""
    own, borrowed = row.get("decided_own_rmse"), row.get("decided_borrowed_rmse")
    n = int(row.get("decided_errors") or 0)
    if own is None or borrowed is None or n <= 0:
        return []
    pattern = row.get("decided_pattern") or "its"
    by = str(row.get("decided_borrowed_by") or "proportion")
    if by.startswith("noise"):
        noise = row.get("decided_noise")
        law = (
            f"c x noise x sqrt(P), noise = {_n(noise) if noise is not None else '?'} the item's "
            f"one-step in-sample error over {NOISE_YEARS} years (root mean square), "
            f"c = {by.removeprefix('noise x ')} what the {pattern} items' realised errors "
            "make of it"
        )
    elif by.startswith("power law"):
        law = (
            f"Taylor's law fitted over the {pattern} items, sqrt(a P^b), "
            f"{by.removeprefix('power law ')}"
        )
    else:
        law = f"in proportion, r P, r the {pattern} items' pooled relative error"
    if not by.startswith("noise"):
        law += (
            f"; Taylor's law only for {' and '.join(POWER_LAW_PATTERNS)} patterns of at least "
            f"{POWER_LAW_ITEMS} items"
        )
    p = float(row.get("decided_scale_prior") or SCALE_PRIOR)
    noisy = by.startswith("noise")
    prior = _n(p * NOISE_PRIOR_FACTOR if noisy else p)
    law += (
        f"; the pattern's errors weigh {prior} against the item's {n}: "
        + (
            f"{_n(NOISE_PRIOR_FACTOR)} x {_n(p)}, B being its own noise over {NOISE_YEARS} years, "
            f"{_n(p)} "
            if noisy
            else ""
        )
        + (
            f"how much the {pattern} items' scales differ beyond what sampling explains (at most "
            f"{_n(SCALE_PRIOR)})"
        )
    )
    return [
        (
            "rmse",
            f"own rmse shrunk towards B, the scale the pattern lends protection demand P ({law}): "
            f"sqrt((n own^2 + {prior} B^2) / (n + {prior})) = "
            f"sqrt(({n} x {_n(own)}^2 + {prior} x {_n(borrowed)}^2) / ({n} + {prior}))",
            _n(row["decided_rmse"]),
        )
    ]


def _undone(row: Mapping[str, Any], weeks: list[float]) -> str:
    """With lost sales, the part of the first week's revision the protection demand undoes."""
    revision = row.get("decided_revision")
    # the stored weekly forecasts are rounded to 0.001: a smaller gap is that rounding
    if revision is None or abs(sum(weeks) - float(row["decided_protection_demand"])) < 0.01:
        return ""
    return (
        f" - {_n(LOST_DAMPING)} x {_n(float(revision))} (lost sales: the first week's change "
        "since the last run's forecast of it is undone; docs/policy.md, step 4)"
    )


def _realised(row: Mapping[str, Any]) -> str:
    """How many of the errors happened, where the backtest made up the rest."""
    realised = row.get("decided_realised_errors")  # plans decided before it was recorded: none
    if realised is None or row.get("decided_error_source") != "past_forecasts and backtest":
        return ""
    made_up = int(row["decided_errors"]) - int(realised)
    return f" ({int(realised)} realised, {made_up} from the backtest before them)"


def _steady(row: Mapping[str, Any]) -> str:
    """How the factor solved was held steady with the earlier runs' (``steady_factors``)."""
    earlier, solved = row.get("decided_past_factors") or 0, row.get("decided_solved_factor")
    if not earlier or solved is None:
        return ""
    return (
        f"; solved {_n(solved)} this run, then held steady: the k whose normal loss "
        f"phi(k) - k (1 - Phi(k)) is the mean of this run's and the {int(earlier)} earlier runs' "
        f"at this service level (up to {PAST_FACTORS})"
    )
