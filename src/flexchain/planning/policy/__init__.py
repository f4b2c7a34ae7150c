"""The textbook library of inventory policy formulas, each a small pure function named for what
it computes. (The policy the planning run applies is :mod:`flexchain.planning.dynamic`, built on
these.)

They follow the notation and conventions of L. V. Snyder and Z.-J. M. Shen, "Fundamentals of
Supply Chain Theory", 2nd ed., Wiley (2019), the book the stockpyl package implements; every
docstring names the symbols and equations it uses and runs the book's example. Arguments out of
their domain raise :class:`PolicyInputError` naming the argument.

=================================  ======================================================
module                             formulas
=================================  ======================================================
:mod:`~.eoq`                       :func:`eoq`, :func:`eoq_with_backorders`, :func:`epq`
:mod:`~.discounts`                 :func:`eoq_all_units_discount`,
                                   :func:`eoq_incremental_discount`
:mod:`~.newsvendor`                :func:`newsvendor_normal`, :func:`newsvendor_poisson`,
                                   :func:`newsvendor_discrete`
:mod:`~.periodic`                  :func:`ss_optimal`, :func:`ss_optimal_poisson`
:mod:`~.continuous`                :func:`rq_optimal_poisson`,
                                   :func:`rq_loss_function_approximation`
:mod:`~.lotsizing`                 :func:`wagner_whitin`
:mod:`~.loss`                      :func:`standard_normal_loss`
:mod:`~.safety`                    :func:`safety_stock`
:mod:`~.gsm`                       :func:`gsm_tree`
=================================  ======================================================
"""

from flexchain.planning.policy._checks import PolicyInputError
from flexchain.planning.policy.continuous import (
    RqApproximation,
    RqResult,
    rq_loss_function_approximation,
    rq_optimal_poisson,
)
from flexchain.planning.policy.discounts import (
    DiscountEoqResult,
    eoq_all_units_discount,
    eoq_incremental_discount,
)
from flexchain.planning.policy.eoq import (
    BackorderEoqResult,
    EoqResult,
    eoq,
    eoq_with_backorders,
    epq,
)
from flexchain.planning.policy.gsm import GsmResult, gsm_tree
from flexchain.planning.policy.loss import NormalLoss, standard_normal_loss
from flexchain.planning.policy.lotsizing import LotSizingResult, wagner_whitin
from flexchain.planning.policy.newsvendor import (
    NewsvendorResult,
    newsvendor_discrete,
    newsvendor_normal,
    newsvendor_poisson,
)
from flexchain.planning.policy.periodic import SsResult, ss_optimal, ss_optimal_poisson
from flexchain.planning.policy.safety import SafetyStockResult, ServiceLevelKind, safety_stock

__all__ = [
    "BackorderEoqResult",
    "DiscountEoqResult",
    "EoqResult",
    "GsmResult",
    "LotSizingResult",
    "NewsvendorResult",
    "NormalLoss",
    "PolicyInputError",
    "RqApproximation",
    "RqResult",
    "SafetyStockResult",
    "ServiceLevelKind",
    "SsResult",
    "eoq",
    "eoq_all_units_discount",
    "eoq_incremental_discount",
    "eoq_with_backorders",
    "epq",
    "gsm_tree",
    "newsvendor_discrete",
    "newsvendor_normal",
    "newsvendor_poisson",
    "rq_loss_function_approximation",
    "rq_optimal_poisson",
    "safety_stock",
    "ss_optimal",
    "ss_optimal_poisson",
    "standard_normal_loss",
    "wagner_whitin",
]
