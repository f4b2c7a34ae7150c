"""The dynamic inventory policy: every planning run recomputes each item's parameters.

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

ABC_CLASSES = ("A", "B", "C")
XYZ_CLASSES = ("X", "Y", "Z")
AGILITY_TIERS: Mapping[str, float] = {"S": 1.0, "A": 0.5, "B": 0.0}
"""Agility score of each supplier tier (S: most flexible)."""
PRICE_BREAKS_DTYPE = pl.List(pl.Struct({"min_qty": pl.Float64, "unit_price": pl.Float64}))
"""The ``price_breaks`` dtype; a list of ``(min_qty, unit_price)`` pairs is accepted too."""

INPUT_COLUMNS = (
    "item",
    "location",
    "abc",
    "xyz",
    "demand_mean",
    "demand_sd",
    "lead_time_mean",
    "lead_time_sd",
    "fixed_cost",
    "holding_cost",
    "agility",
    "moq",
    "multiple",
    "price_breaks",
    "unit_cost",
)
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
_OPTIONAL = {"agility": 0.5, "lead_time_sd": 0.0, "moq": 0.0, "multiple": 1.0}
"""Columns that may be null (or absent), and the value a null stands for."""
_NON_NEGATIVE = ("demand_mean", "demand_sd", "lead_time_mean", "fixed_cost", "unit_cost")
_FINITE = (*_NON_NEGATIVE, "holding_cost")
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
    frame = _prepared(items)
    d, sd, lead, lead_sd = (
        pl.col(name) for name in ("demand_mean", "demand_sd", "lead_time_mean", "_lead_time_sd")
    )
    k, h = pl.col("fixed_cost"), pl.col("holding_cost")
    has_demand = d > 0
    cell = pl.concat_str("abc", "xyz")
    protection = lead + pl.col("review_period")
    frame = frame.with_columns(
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
    frame = _with_price_breaks(frame)
    multiple = pl.col("_multiple")
    wanted = pl.max_horizontal(pl.col("price_break_quantity"), pl.col("_moq"))
    days_per_period = 7 * 52 / periods_per_year
    frame = frame.with_columns(
        ((wanted / multiple - _ROUNDING_SLACK).ceil().clip(lower_bound=0.0) * multiple).alias(
            "order_quantity"
        )
    ).with_columns(
        pl.when(has_demand)
        .then((pl.col("safety_stock") + pl.col("order_quantity") / 2) / d * days_per_period)
        .alias("days_of_cover")
    )
    return frame.select(*items.columns, *OUTPUT_COLUMNS)


def _prepared(items: pl.DataFrame) -> pl.DataFrame:
    """Check the inputs; add ``_agility`` etc. (nulls filled) and ``_breaks`` (list of structs)."""
    required = [c for c in INPUT_COLUMNS if c not in (*_OPTIONAL, "price_breaks")]
    missing = [c for c in required if c not in items.columns]
    if missing:
        raise PolicyInputError(
            missing[0], f"items lacks the column(s) {', '.join(missing)}; it has {items.columns}"
        )
    filled = [
        (pl.col(c) if c in items.columns else pl.lit(None))
        .cast(pl.Float64)
        .fill_null(default)
        .alias(f"_{c}")
        for c, default in _OPTIONAL.items()
        if c != "agility"
    ]
    frame = items.with_columns(*filled, _agility(items), _breaks(items))
    rules: list[tuple[str, str, pl.Expr]] = [
        ("abc", "must be A, B or C", ~pl.col("abc").is_in(list(ABC_CLASSES))),
        ("xyz", "must be X, Y or Z", ~pl.col("xyz").is_in(list(XYZ_CLASSES))),
        *[(c, "must not be negative", ~(pl.col(c) >= 0)) for c in _NON_NEGATIVE],
        ("lead_time_sd", "must not be negative", ~(pl.col("_lead_time_sd") >= 0)),
        ("moq", "must not be negative", ~(pl.col("_moq") >= 0)),
        ("multiple", "must be positive", ~(pl.col("_multiple") > 0)),
        ("holding_cost", "must be positive", ~(pl.col("holding_cost") > 0)),
        (
            "agility",
            "must lie in 0..1 or be a tier S, A or B",
            ~pl.col("_agility").is_between(0, 1),
        ),
        *[(c, "must be finite", ~pl.col(c).cast(pl.Float64).is_finite()) for c in _FINITE],
        (
            "price_breaks",
            "need min_qty >= 0 and unit_price > 0",
            ~pl.col("_breaks")
            .list.eval(
                (
                    (pl.element().struct.field("min_qty") >= 0)
                    & (pl.element().struct.field("unit_price") > 0)
                    & pl.element().struct.field("unit_price").is_finite()
                ).fill_null(False)
            )
            .list.all()
            .fill_null(True),
        ),
    ]
    # null compares as null, so a null value fails its rule too (``~(null >= 0)`` is null)
    failed = frame.select(
        [bad.fill_null(True).any().alias(str(i)) for i, (_, _, bad) in enumerate(rules)]
    ).row(0)
    for flag, (column, rule, bad) in zip(failed, rules, strict=True):
        if flag:
            culprits = frame.filter(bad.fill_null(True)).head(3)
            examples = ", ".join(
                f"{row['item']}@{row['location']} ({row.get(column)!r})"
                for row in culprits.iter_rows(named=True)
            )
            raise PolicyInputError(column, f"{rule}; {examples}")
    return frame


def _agility(items: pl.DataFrame) -> pl.Expr:
    if "agility" not in items.columns:
        return pl.lit(0.5, dtype=pl.Float64).alias("_agility")
    column = pl.col("agility")
    if items.schema["agility"].is_numeric():
        score = column.cast(pl.Float64)
    else:
        score = (
            column.cast(pl.String)
            .str.to_uppercase()
            .replace_strict(dict(AGILITY_TIERS), default=-1.0, return_dtype=pl.Float64)
        )
    return pl.when(column.is_null()).then(0.5).otherwise(score).alias("_agility")


def _breaks(items: pl.DataFrame) -> pl.Expr:
    """``price_breaks`` as :data:`PRICE_BREAKS_DTYPE`, from structs or from pairs."""
    if "price_breaks" not in items.columns:
        return pl.lit(None, dtype=PRICE_BREAKS_DTYPE).alias("_breaks")
    dtype = items.schema["price_breaks"]
    inner = getattr(dtype, "inner", None)
    column = pl.col("price_breaks")
    if isinstance(inner, pl.Struct) and len(inner.fields) == 2:
        first, second = (field.name for field in inner.fields)
        pairs = column.list.eval(
            pl.struct(
                pl.element().struct.field(first).cast(pl.Float64).alias("min_qty"),
                pl.element().struct.field(second).cast(pl.Float64).alias("unit_price"),
            )
        )
    elif isinstance(inner, pl.List | pl.Array):
        pairs = column.list.eval(
            pl.struct(
                pl.element().list.get(0, null_on_oob=True).cast(pl.Float64).alias("min_qty"),
                pl.element().list.get(1, null_on_oob=True).cast(pl.Float64).alias("unit_price"),
            )
        )
    elif dtype == pl.Null:
        return pl.lit(None, dtype=PRICE_BREAKS_DTYPE).alias("_breaks")
    else:
        raise PolicyInputError(
            "price_breaks", f"must be a list of (min_qty, unit_price) pairs, got {dtype}"
        )
    return pairs.cast(PRICE_BREAKS_DTYPE).alias("_breaks")


def _with_price_breaks(frame: pl.DataFrame) -> pl.DataFrame:
    """Add ``price_break_quantity`` and ``unit_price``: the all-units discount choice."""
    plain = frame.with_columns(
        pl.col("adjusted_eoq").alias("price_break_quantity"),
        pl.col("unit_cost").cast(pl.Float64).alias("unit_price"),
    )
    priced = (pl.col("_breaks").list.len() > 0).fill_null(False) & (pl.col("demand_mean") > 0)
    if not frame.select(priced.any()).item():
        return plain
    # one row per item and price region; region 0 is unit_cost from 0 unless a break starts at 0
    regions = (
        frame.with_row_index("_row")
        .filter(priced)
        .select(
            "_row",
            "demand_mean",
            "fixed_cost",
            "holding_cost",
            "unit_cost",
            "adjusted_eoq",
            pl.concat_list(
                pl.struct(
                    pl.lit(0.0).alias("min_qty"),
                    pl.col("unit_cost").cast(pl.Float64).alias("unit_price"),
                ),
                "_breaks",
            ).alias("_region"),
        )
        .explode("_region")
        .unnest("_region")
        # a break at the same quantity as an earlier one (0 above all) replaces it
        .unique(["_row", "min_qty"], keep="last", maintain_order=True)
        .sort("_row", "min_qty")
        .with_columns(pl.col("min_qty").shift(-1).over("_row").alias("_end"))
    )
    d, price = pl.col("demand_mean"), pl.col("unit_price")
    base = pl.col("unit_cost").cast(pl.Float64)
    holding = (
        pl.when(base > 0)
        .then(pl.col("holding_cost") * price / base)
        .otherwise(pl.col("holding_cost"))
    )
    scale = pl.when(base > 0).then((base / price).sqrt()).otherwise(1.0)
    candidate = pl.max_horizontal(pl.col("adjusted_eoq") * scale, pl.col("min_qty"))
    best = (
        regions.with_columns(candidate.alias("_q"), holding.alias("_h"))
        .filter(pl.col("_end").is_null() | (pl.col("_q") < pl.col("_end")))
        .with_columns(
            (
                price * d
                + pl.col("fixed_cost") * d / pl.col("_q")
                + pl.col("_h") * pl.col("_q") / 2
            ).alias("_cost")
        )
        .sort("_row", "_cost", "_q")
        .group_by("_row", maintain_order=True)
        .first()
        .select("_row", pl.col("_q").alias("_best_q"), pl.col("unit_price").alias("_best_price"))
    )
    return (
        plain.with_row_index("_row")
        .join(best, on="_row", how="left", maintain_order="left")
        .with_columns(
            pl.coalesce("_best_q", "price_break_quantity").alias("price_break_quantity"),
            pl.coalesce("_best_price", "unit_price").alias("unit_price"),
        )
        .drop("_row", "_best_q", "_best_price")
    )


def explain_row(
    row: Mapping[str, Any], *, periods_per_year: int = 52
) -> list[tuple[str, str, str]]:
    """``(name, formula, value)`` lines for one output row of :func:`dynamic_policy`.

    Each formula is written with symbols and then with the row's numbers, so a planner can redo
    the arithmetic; ``periods_per_year`` must be the one the row was computed with.
    """
    d, sd = float(row["demand_mean"]), float(row["demand_sd"])
    lead = float(row["lead_time_mean"])
    lead_sd = float(_or(row.get("lead_time_sd"), 0.0))
    review = float(row["review_period"])
    moq, multiple = float(_or(row.get("moq"), 0.0)), float(_or(row.get("multiple"), 1.0))
    agility = row.get("agility")
    lines = [
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
    if d <= 0:
        return [
            *lines,
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
    days = 7 * 52 / periods_per_year
    return [
        *lines,
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
