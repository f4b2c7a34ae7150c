"""The inventory policy flexchain runs (the planning run's policy step), recomputed every run.

(:mod:`flexchain.planning.policy` is the textbook library this builds on: scalar formulas tested
against textbook examples, for analysis and tests; this module is what plans.)

Per item and location (frePPLe's *buffer*) :func:`dynamic_policy` turns the forecast (mean and
sigma per period), the supplier's lead time, lot terms and price breaks, and the item's ABC-XYZ
class into a periodic-review policy: cycle service level and review period from a
:class:`PolicyMatrix`, safety stock, reorder point (order-up-to level), order quantity and days of
cover. :func:`explain_row` lists every intermediate number of one row for ``plan explain``.

The textbook formulas are the scalar functions of :mod:`flexchain.planning.policy`
(:func:`~flexchain.planning.policy.safety_stock`, :func:`~flexchain.planning.policy.eoq`,
:func:`~flexchain.planning.policy.eoq_all_units_discount`); here they are written once more as
Polars expressions, because a run covers 100,000 items and a Python call per item would dominate
it. The tests check the two agree. The only scalar calls are ``normal_ppf`` once per matrix cell
(nine calls, whatever the number of items).

Formulas (``d``, ``sd_d`` demand mean and sd per period; ``L``, ``sd_L`` lead time mean and sd in
periods; ``R`` review period in periods; ``K`` cost per order; ``h`` holding cost per unit per
period)::

    service_level, review_weeks = matrix[abc, xyz]
    R              = review_weeks x periods_per_year / 52
    z              = Phi^-1(service_level)
    sigma_ltr      = sqrt((L + R) sd_d^2 + d^2 sd_L^2)
    safety_stock   = max(z sigma_ltr, 0)
    reorder_point  = d (L + R) + safety_stock
    eoq            = sqrt(2 K d / h)
    cv             = sd_d / d
    uncertainty    = 1 + min(cv, max_uncertainty_coefficient - 1)
    agility_factor = 1.25 - 0.5 agility                   (agility 0..1; tier S 1, A 0.5, B 0)
    adjusted_eoq   = eoq x uncertainty x agility_factor
    price break    = the quantity of least cost per period (all-units discounts)
    order_quantity = ceil(max(price-break quantity, moq) / multiple) x multiple
    days_of_cover  = (safety_stock + order_quantity / 2) / d x days_per_period
    days_per_period = 7 x 52 / periods_per_year           (7 for weeks, 30.3 for months)

Sources: the protection interval ``L + R`` of the periodic-review order-up-to (R, S) system is
Silver, Pyke & Thomas, "Inventory and Production Management in Supply Chains", 4th ed. (2017),
ch. 6; lead-time variability in ``sigma_ltr`` is Chopra & Meindl, "Supply Chain Management",
ch. 11 ("impact of supply uncertainty"), the formula of ``policy.safety_stock`` with lead time
``L + R``; ``z`` for a cycle service level and the EOQ (Harris, 1913) are Snyder & Shen,
"Fundamentals of Supply Chain Theory", 2nd ed. (2019), ch. 4 and eq. (3.4); the all-units price
breaks are Snyder & Shen ch. 3 (``policy.eoq_all_units_discount``); days of cover count the
average stock of a cycle, safety stock plus half a lot (Silver, Pyke & Thomas, ch. 4 and 6).

Two factors are flexchain's own heuristics, not textbook results, and say so in ``plan explain``:

- ``uncertainty_coefficient`` raises the lot with the demand's coefficient of variation. In the
  (r, Q) model the optimal ``Q`` exceeds the EOQ by a term that grows with the expected shortage
  per cycle (Hadley & Whitin, 1963; Snyder & Shen ch. 5): uncertain demand earns fewer, larger
  orders. ``1 + cv`` is a simple proxy, capped (default 2) so lumpy demand at most doubles a lot.
- ``agility_factor`` shrinks the lot for an agile supplier (small, frequent lots are cheap to get
  from it) and grows it for a rigid one: 0.75 for agility 1 (tier S), 1 for 0.5 (tier A), 1.25
  for 0 (tier B).

Price breaks: with breaks ``b_j`` and unit prices ``c_j`` (below the first break the price is
``unit_cost``), holding cost is a rate on value, ``h_j = h c_j / unit_cost`` (Snyder & Shen's
``i c_j``). In region ``j`` the candidate is ``max(adjusted_eoq sqrt(unit_cost / c_j), b_j)``,
kept when it lies below the next break; the candidate of least ``c_j d + K d / Q + h_j Q / 2``
wins (the smaller quantity on a tie). With both factors 1 this is exactly
``eoq_all_units_discount``.

Zero demand (``demand_mean == 0``): safety stock, reorder point and EOQ are zero and the order
quantity is the MOQ rounded up to the multiple (zero without an MOQ): the smallest lot the
supplier accepts, should an order be needed at all. ``cv`` and ``days_of_cover`` are null.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from flexchain.planning.dynamic_explain import explain_row
from flexchain.planning.dynamic_inputs import (
    ABC_CLASSES,
    AGILITY_TIERS,
    INPUT_COLUMNS,
    PRICE_BREAKS_DTYPE,
    XYZ_CLASSES,
    prepared,
    with_price_breaks,
)
from flexchain.planning.policy import PolicyInputError
from flexchain.planning.policy.loss import normal_ppf

__all__ = [
    "ABC_CLASSES",
    "AGILITY_TIERS",
    "DEFAULT_MATRIX",
    "INPUT_COLUMNS",
    "OUTPUT_COLUMNS",
    "PRICE_BREAKS_DTYPE",
    "XYZ_CLASSES",
    "MatrixCell",
    "PolicyMatrix",
    "dynamic_policy",
    "explain_row",
]

OUTPUT_COLUMNS = (
    "service_level",
    "review_weeks",
    "review_period",
    "z",
    "sigma_ltr",
    "safety_stock",
    "reorder_point",
    "eoq",
    "cv",
    "uncertainty_coefficient",
    "agility_factor",
    "adjusted_eoq",
    "price_break_quantity",
    "unit_price",
    "order_quantity",
    "days_of_cover",
)
_ROUNDING_SLACK = 1e-9  # 2.0000000000000004 multiples must round to 2, not 3


@dataclass(frozen=True)
class MatrixCell:
    """One ABC x XYZ cell: cycle service level (0..1) and review period in weeks."""

    abc: str
    xyz: str
    service_level: float
    review_weeks: float


@dataclass(frozen=True)
class PolicyMatrix:
    """Cycle service level and review period per ABC x XYZ cell.

    ``cells`` holds the nine cells exactly once (any order; stored sorted). Build one with
    :meth:`from_mapping`; :data:`DEFAULT_MATRIX` is the default.

    >>> DEFAULT_MATRIX.cell("A", "X")
    MatrixCell(abc='A', xyz='X', service_level=0.98, review_weeks=1.0)
    >>> PolicyMatrix.from_mapping({"CZ": (0.8, 6)}, base=DEFAULT_MATRIX).cell("C", "Z").review_weeks
    6.0
    """

    cells: tuple[MatrixCell, ...]

    def __post_init__(self) -> None:
        keys = sorted((cell.abc, cell.xyz) for cell in self.cells)
        expected = [(a, x) for a in ABC_CLASSES for x in XYZ_CLASSES]
        if keys != expected:
            raise PolicyInputError(
                "matrix", f"must hold each ABC x XYZ cell once, got {[a + x for a, x in keys]}"
            )
        for cell in self.cells:
            name = f"matrix[{cell.abc}{cell.xyz}]"
            if not 0 < cell.service_level < 1:
                raise PolicyInputError(
                    name,
                    f"service_level must be strictly between 0 and 1, got {cell.service_level}",
                )
            if not cell.review_weeks > 0 or not math.isfinite(cell.review_weeks):
                raise PolicyInputError(
                    name, f"review_weeks must be positive, got {cell.review_weeks}"
                )
        ordered = sorted(self.cells, key=lambda cell: (cell.abc, cell.xyz))
        object.__setattr__(self, "cells", tuple(ordered))

    @classmethod
    def from_mapping(
        cls, mapping: Mapping[str, Any], *, base: PolicyMatrix | None = None
    ) -> PolicyMatrix:
        """A matrix from ``{"AX": (service_level, review_weeks), ...}``.

        A value may also be a mapping with the keys ``service_level`` and ``review_weeks``. Cells
        missing from ``mapping`` are taken from ``base``; without a base all nine are required.
        """
        cells = {(c.abc, c.xyz): c for c in base.cells} if base is not None else {}
        for key, value in mapping.items():
            label = str(key).upper()
            if len(label) != 2 or label[0] not in ABC_CLASSES or label[1] not in XYZ_CLASSES:
                raise PolicyInputError("matrix", f"cells are named AX ... CZ, got {key!r}")
            if isinstance(value, Mapping):
                level, weeks = value["service_level"], value["review_weeks"]
            else:
                level, weeks = value
            cells[(label[0], label[1])] = MatrixCell(label[0], label[1], float(level), float(weeks))
        return cls(tuple(cells.values()))

    @classmethod
    def uniform(cls, service_level: float, review_weeks: float) -> PolicyMatrix:
        """The same service level and review period in every cell (benchmarks, tests)."""
        return cls(
            tuple(
                MatrixCell(a, x, service_level, review_weeks)
                for a in ABC_CLASSES
                for x in XYZ_CLASSES
            )
        )

    def cell(self, abc: str, xyz: str) -> MatrixCell:
        """The cell of one class pair, e.g. ``cell("A", "X")``."""
        for cell in self.cells:
            if (cell.abc, cell.xyz) == (abc, xyz):
                return cell
        raise PolicyInputError("matrix", f"no cell {abc}{xyz}; classes are A/B/C and X/Y/Z")

    def as_mapping(self) -> dict[str, tuple[float, float]]:
        """``{"AX": (service_level, review_weeks), ...}``, the input of :meth:`from_mapping`."""
        return {c.abc + c.xyz: (c.service_level, c.review_weeks) for c in self.cells}


DEFAULT_MATRIX = PolicyMatrix.from_mapping(
    {
        "AX": (0.98, 1),
        "AY": (0.97, 1),
        "AZ": (0.95, 2),
        "BX": (0.95, 2),
        "BY": (0.93, 2),
        "BZ": (0.90, 3),
        "CX": (0.92, 2),
        "CY": (0.90, 3),
        "CZ": (0.85, 4),
    }
)
"""The default matrix: high service and weekly review for valuable, steady items (AX); lower
service and monthly review for cheap, erratic ones (CZ), where each point of service costs the
most safety stock per unit of value.

=====  ===========  ===========  ===========
 ABC       X            Y            Z
=====  ===========  ===========  ===========
  A    0.98 / 1 wk  0.97 / 1 wk  0.95 / 2 wk
  B    0.95 / 2 wk  0.93 / 2 wk  0.90 / 3 wk
  C    0.92 / 2 wk  0.90 / 3 wk  0.85 / 4 wk
=====  ===========  ===========  ===========
"""


def dynamic_policy(
    items: pl.DataFrame,
    *,
    matrix: PolicyMatrix = DEFAULT_MATRIX,
    periods_per_year: int = 52,
    max_uncertainty_coefficient: float = 2.0,
) -> pl.DataFrame:
    """Safety stock, reorder point, order quantity and days of cover for every row.

    Parameters
    ----------
    items
        One row per item and location with the columns of :data:`INPUT_COLUMNS`: ``item``,
        ``location``, ``abc`` (A/B/C), ``xyz`` (X/Y/Z), ``demand_mean`` and ``demand_sd`` (per
        period, from the forecast), ``lead_time_mean`` and ``lead_time_sd`` (periods),
        ``fixed_cost`` (per order), ``holding_cost`` (per unit per period, > 0), ``agility``
        (0..1, or a tier S/A/B), ``moq``, ``multiple``, ``price_breaks``
        (:data:`PRICE_BREAKS_DTYPE` or pairs; may be absent) and ``unit_cost``. Null
        ``agility`` means 0.5, null ``lead_time_sd`` 0, null ``moq`` 0, null ``multiple`` 1.
    matrix
        Service level and review period per ABC x XYZ cell.
    periods_per_year
        52 for weekly buckets, 12 for monthly: converts the review weeks into periods and
        periods into days of cover.
    max_uncertainty_coefficient
        Cap of ``1 + cv`` (at least 1).

    Returns
    -------
    pl.DataFrame
        ``items`` in the same order with :data:`OUTPUT_COLUMNS` added. The formulas are in the
        module docstring; a value out of its domain raises :class:`PolicyInputError` naming the
        column and an item.
    """
    if periods_per_year <= 0:
        raise PolicyInputError("periods_per_year", f"must be positive, got {periods_per_year}")
    if max_uncertainty_coefficient < 1:
        raise PolicyInputError(
            "max_uncertainty_coefficient", f"must be at least 1, got {max_uncertainty_coefficient}"
        )
    frame = prepared(items)
    d, sd, lead, lead_sd = (
        pl.col(name) for name in ("demand_mean", "demand_sd", "lead_time_mean", "_lead_time_sd")
    )
    k, h = pl.col("fixed_cost"), pl.col("holding_cost")
    has_demand = d > 0
    protection = lead + pl.col("review_period")
    frame = _with_matrix(frame, matrix, periods_per_year)
    frame = frame.with_columns(
        (protection * sd**2 + d**2 * lead_sd**2).sqrt().alias("sigma_ltr"),
        pl.when(has_demand).then((2 * k * d / h).sqrt()).otherwise(0.0).alias("eoq"),
        pl.when(has_demand).then(sd / d).alias("cv"),
        (1.25 - 0.5 * pl.col("_agility")).alias("agility_factor"),
    ).with_columns(
        pl.when(has_demand)
        .then((pl.col("z") * pl.col("sigma_ltr")).clip(lower_bound=0.0))
        .otherwise(0.0)
        .alias("safety_stock"),
        (1 + pl.col("cv").clip(upper_bound=max_uncertainty_coefficient - 1))
        .fill_null(1.0)
        .alias("uncertainty_coefficient"),
    )
    frame = frame.with_columns(
        pl.when(has_demand)
        .then(d * protection + pl.col("safety_stock"))
        .otherwise(0.0)
        .alias("reorder_point"),
        (pl.col("eoq") * pl.col("uncertainty_coefficient") * pl.col("agility_factor")).alias(
            "adjusted_eoq"
        ),
    )
    frame = _with_order_quantity(with_price_breaks(frame), periods_per_year)
    return frame.select(*items.columns, *OUTPUT_COLUMNS)


def _with_matrix(frame: pl.DataFrame, matrix: PolicyMatrix, periods_per_year: int) -> pl.DataFrame:
    """Add each row's ``service_level``, ``review_weeks`` and ``z`` from its ABC x XYZ cell, and
    the ``review_period`` in periods."""
    cell = pl.concat_str("abc", "xyz")
    return frame.with_columns(
        cell.replace_strict({c.abc + c.xyz: c.service_level for c in matrix.cells})
        .cast(pl.Float64)
        .alias("service_level"),
        cell.replace_strict({c.abc + c.xyz: c.review_weeks for c in matrix.cells})
        .cast(pl.Float64)
        .alias("review_weeks"),
        cell.replace_strict({c.abc + c.xyz: normal_ppf(c.service_level) for c in matrix.cells})
        .cast(pl.Float64)
        .alias("z"),
    ).with_columns((pl.col("review_weeks") * (periods_per_year / 52)).alias("review_period"))


def _with_order_quantity(frame: pl.DataFrame, periods_per_year: int) -> pl.DataFrame:
    """Add ``order_quantity`` (the price-break quantity, at least the MOQ, rounded up to the
    multiple) and ``days_of_cover``."""
    d = pl.col("demand_mean")
    multiple = pl.col("_multiple")
    wanted = pl.max_horizontal(pl.col("price_break_quantity"), pl.col("_moq"))
    days_per_period = 7 * 52 / periods_per_year
    return frame.with_columns(
        ((wanted / multiple - _ROUNDING_SLACK).ceil().clip(lower_bound=0.0) * multiple).alias(
            "order_quantity"
        )
    ).with_columns(
        pl.when(d > 0)
        .then((pl.col("safety_stock") + pl.col("order_quantity") / 2) / d * days_per_period)
        .alias("days_of_cover")
    )
