"""The inputs of :func:`flexchain.planning.dynamic.dynamic_policy`: their columns, the checks
that name a bad column and item, and the all-units price-break choice (all Polars expressions)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

import polars as pl

from flexchain.planning.policy import PolicyInputError

__all__ = [
    "ABC_CLASSES",
    "AGILITY_TIERS",
    "INPUT_COLUMNS",
    "PRICE_BREAKS_DTYPE",
    "XYZ_CLASSES",
    "prepared",
    "price_breaks_column",
    "with_price_breaks",
]

ABC_CLASSES = ("A", "B", "C")
XYZ_CLASSES = ("X", "Y", "Z")
AGILITY_TIERS: Mapping[str, float] = {"S": 1.0, "A": 0.5, "B": 0.0}
"""Agility score of each supplier tier (S: most flexible)."""
PRICE_BREAKS_DTYPE = pl.List(pl.Struct({"min_qty": pl.Float64, "unit_price": pl.Float64}))
"""The ``price_breaks`` dtype; a list of ``(min_qty, unit_price)`` pairs is accepted too."""


def price_breaks_column(
    breaks: Sequence[Sequence[tuple[Decimal | float, Decimal | float]]],
) -> pl.Series:
    """A ``price_breaks`` column, one list per row of ``breaks`` (its ``(min_qty, unit_price)``
    pairs in their order; none: an empty list). Built long and grouped: a list of dicts per row
    takes ten times as long (5 s for a planning run's 100,000 items)."""
    long = pl.DataFrame(
        {
            "row": [row for row, pairs in enumerate(breaks) for _ in pairs],
            "min_qty": [float(minimum) for pairs in breaks for minimum, _ in pairs],
            "unit_price": [float(price) for pairs in breaks for _, price in pairs],
        },
        schema={"row": pl.Int64, "min_qty": pl.Float64, "unit_price": pl.Float64},
    )
    lists = long.group_by("row").agg(pl.struct("min_qty", "unit_price").alias("price_breaks"))
    rows = pl.DataFrame({"row": pl.int_range(len(breaks), eager=True, dtype=pl.Int64)})
    return (
        rows.join(lists, on="row", how="left")
        .sort("row")
        .select(pl.col("price_breaks").fill_null(pl.lit([], dtype=PRICE_BREAKS_DTYPE)))
        .to_series()
        .cast(PRICE_BREAKS_DTYPE)
    )


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
_OPTIONAL = {"agility": 0.5, "lead_time_sd": 0.0, "moq": 0.0, "multiple": 1.0}
"""Columns that may be null (or absent), and the value a null stands for."""
_NON_NEGATIVE = ("demand_mean", "demand_sd", "lead_time_mean", "fixed_cost", "unit_cost")
_FINITE = (*_NON_NEGATIVE, "holding_cost")


def prepared(items: pl.DataFrame) -> pl.DataFrame:
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


def with_price_breaks(frame: pl.DataFrame) -> pl.DataFrame:
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
