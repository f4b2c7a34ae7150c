"""Argument checks shared by the policy formulas; every error names the argument it refuses."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from flexchain.domain.errors import ValidationError

__all__ = [
    "PolicyInputError",
    "checked_pmf",
    "finite",
    "non_negative",
    "non_negative_integer",
    "positive",
    "probability",
]


class PolicyInputError(ValidationError, ValueError):
    """An argument of a policy formula is out of its domain.

    It is both a :class:`~flexchain.domain.errors.ValidationError` (the API turns it into a 4xx
    with the same message) and a :class:`ValueError` (what numeric code expects).

    >>> str(PolicyInputError("holding_cost", "must be positive, got 0"))
    'holding_cost: must be positive, got 0'
    """


def finite(value: float, name: str) -> float:
    """``value`` as a float, refusing booleans, non-numbers, NaN and infinities."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PolicyInputError(name, f"must be a number, got {value!r}")
    if not math.isfinite(value):
        raise PolicyInputError(name, f"must be a finite number, got {value!r}")
    return float(value)


def positive(value: float, name: str) -> float:
    """``value`` if it is a finite number above zero."""
    number = finite(value, name)
    if number <= 0:
        raise PolicyInputError(name, f"must be positive, got {value!r}")
    return number


def non_negative(value: float, name: str) -> float:
    """``value`` if it is a finite number at least zero."""
    number = finite(value, name)
    if number < 0:
        raise PolicyInputError(name, f"must not be negative, got {value!r}")
    return number


def non_negative_integer(value: float, name: str) -> int:
    """``value`` if it is a whole number at least zero (``3.0`` is accepted as ``3``)."""
    number = non_negative(value, name)
    if not number.is_integer():
        raise PolicyInputError(name, f"must be a whole number, got {value!r}")
    return int(number)


def probability(value: float, name: str) -> float:
    """``value`` if it lies strictly between 0 and 1."""
    number = finite(value, name)
    if not 0 < number < 1:
        raise PolicyInputError(name, f"must be strictly between 0 and 1, got {value!r}")
    return number


def checked_pmf(demand_pmf: Mapping[Any, float]) -> dict[float, float]:
    """``{demand: probability}`` sorted by demand, after checking it is a distribution."""
    if not demand_pmf:
        raise PolicyInputError("demand_pmf", "must give at least one demand value")
    pairs = [
        (finite(demand, "demand_pmf"), non_negative(chance, f"demand_pmf[{demand!r}]"))
        for demand, chance in demand_pmf.items()
    ]
    total = math.fsum(chance for _, chance in pairs)
    if abs(total - 1.0) > 1e-6:
        raise PolicyInputError("demand_pmf", f"probabilities must sum to 1, got {total!r}")
    return dict(sorted(pairs))
