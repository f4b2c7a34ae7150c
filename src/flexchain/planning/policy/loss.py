"""Loss functions of the standard normal and Poisson distributions (Snyder & Shen, Appendix C).

The loss function of a demand ``D`` is ``n(x) = E[(D - x)^+]`` (expected shortage when stocking
``x``) and its complement is ``n_bar(x) = E[(x - D)^+]`` (expected leftover). Everything here is
standard library only; ``statistics.NormalDist`` supplies the normal cdf, pdf and quantile.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import NamedTuple

from flexchain.planning.policy._checks import finite, positive

__all__ = [
    "NormalLoss",
    "inverse_standard_normal_loss",
    "normal_cdf",
    "normal_pdf",
    "normal_ppf",
    "poisson_cdf",
    "poisson_loss",
    "poisson_pmf",
    "poisson_ppf",
    "standard_normal_loss",
    "standard_normal_second_loss",
]

_STANDARD = NormalDist()


class NormalLoss(NamedTuple):
    """Standard normal loss ``L(z)`` and complementary loss ``L_bar(z)``."""

    L: float
    L_bar: float


def normal_pdf(z: float) -> float:
    """Standard normal density ``phi(z)``."""
    return _STANDARD.pdf(z)


def normal_cdf(z: float) -> float:
    """Standard normal distribution function ``Phi(z)``."""
    return _STANDARD.cdf(z)


def normal_ppf(alpha: float) -> float:
    """Standard normal quantile ``Phi^-1(alpha)`` for ``0 < alpha < 1``."""
    return _STANDARD.inv_cdf(alpha)


def standard_normal_loss(z: float) -> NormalLoss:
    """Standard normal loss function and its complement.

    Snyder & Shen (2019), equations (C.22)-(C.23)::

        L(z)     = phi(z) - z (1 - Phi(z))      expected shortage E[(Z - z)^+]
        L_bar(z) = z + L(z)                     expected leftover E[(z - Z)^+]

    Parameters
    ----------
    z
        The standardised stock level.

    Examples
    --------
    >>> loss = standard_normal_loss(1.3)
    >>> round(loss.L, 6), round(loss.L_bar, 6)
    (0.045528, 1.345528)
    """
    z = finite(z, "z")
    shortage = normal_pdf(z) - z * (1.0 - normal_cdf(z))
    return NormalLoss(shortage, z + shortage)


def standard_normal_second_loss(z: float) -> float:
    """Second-order standard normal loss ``L2(z) = E[(Z - z)^+ ^2] / 2``.

    Snyder & Shen (2019), equation (C.27): ``L2(z) = [(z^2 + 1)(1 - Phi(z)) - z phi(z)] / 2``.

    >>> round(standard_normal_second_loss(1.3), 6)
    0.018807
    """
    return 0.5 * ((z * z + 1.0) * (1.0 - normal_cdf(z)) - z * normal_pdf(z))


def poisson_pmf(k: int, mean: float) -> float:
    """``P(D = k)`` for ``D ~ Poisson(mean)``, in log space so that large means do not underflow."""
    if k < 0:
        return 0.0
    if mean == 0:
        return 1.0 if k == 0 else 0.0
    return math.exp(k * math.log(mean) - mean - math.lgamma(k + 1))


def poisson_cdf(k: int, mean: float) -> float:
    """``P(D <= k)`` for ``D ~ Poisson(mean)``."""
    return min(1.0, math.fsum(poisson_pmf(j, mean) for j in range(k + 1)))


def poisson_ppf(alpha: float, mean: float) -> int:
    """The smallest ``k`` with ``P(D <= k) >= alpha`` for ``D ~ Poisson(mean)``, in one pass.

    >>> poisson_ppf(0.8, 6)
    8
    """
    level, cumulative = 0, poisson_pmf(0, mean)
    while cumulative < alpha and level <= mean + 40 * math.sqrt(mean) + 40:
        level += 1
        cumulative += poisson_pmf(level, mean)
    return level


def poisson_loss(x: int, mean: float) -> tuple[float, float]:
    """Poisson loss ``n(x)`` and complementary loss ``n_bar(x)`` at an integer ``x``.

    Snyder & Shen (2019), Appendix C (the Poisson loss in closed form)::

        n(x)     = -(x - mean)(1 - F(x)) + mean f(x)
        n_bar(x) = (x - mean) + n(x)

    >>> [round(value, 6) for value in poisson_loss(8, 6)]
    [0.314021, 2.314021]
    """
    tail = 1.0 - poisson_cdf(x, mean)
    shortage = -(x - mean) * tail + mean * poisson_pmf(x, mean)
    return shortage, (x - mean) + shortage


def inverse_standard_normal_loss(target: float) -> float:
    """The ``z`` with ``L(z) = target > 0``; ``L`` falls from infinity to 0, so it is unique.

    Found by bracketing and bisection, then one Newton step.

    >>> round(inverse_standard_normal_loss(0.045528), 4)
    1.3
    """
    target = positive(target, "target")
    low, high = -1.0, 1.0
    while target > standard_normal_loss(low).L:
        low *= 2
    while target < standard_normal_loss(high).L:
        high *= 2
    for _ in range(200):
        middle = (low + high) / 2
        if target < standard_normal_loss(middle).L:
            low = middle
        else:
            high = middle
        if high - low <= 1e-13 * max(1.0, abs(middle)):
            break
    # One Newton step sharpens the bisection: L'(z) = -(1 - Phi(z)).
    middle = (low + high) / 2
    slope = 1.0 - normal_cdf(middle)
    if slope > 0:
        middle += (standard_normal_loss(middle).L - target) / slope
    return middle
