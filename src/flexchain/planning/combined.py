"""AutoETS and Theta averaged: the model :func:`flexchain.planning.replenishment.decide` forecasts a
seasonal smooth or erratic series with when its unmet demand waits (``unmet_demand=
"backordered"``, step 2; docs/policy.md).

Two models that err differently, averaged, forecast better than either most of the time (the
M3 and M4 competitions' simple combinations; Hyndman & Athanasopoulos, *Forecasting: principles
and practice*, 3rd ed., section 13.4). On aus_retail, five years of history, the average of
AutoETS and Theta forecasts the protection interval as well as AutoETS on thirty years. It also
revises a month's forecast more from one review to the next (1.13 % of demand against 0.98 %
for AutoETS alone), and where unmet demand is lost every revision reaches the shelf: there
AutoETS alone holds less stock at the same fill (docs/policy.md, step 2).

:class:`Combined` is a statsforecast model (``_TS``), so it fits, forecasts and runs forward in
the same ``StatsForecast`` calls as any other; its ``model_`` is the AutoETS part's, so the
structure AutoETS chose is carried to the next decisions (:mod:`flexchain.planning.model_specs`),
with the two parts' average as its in-sample fitted values.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from statsforecast.models import _TS

from flexchain.planning import forecast

__all__ = ["COMBINED", "Combined", "model"]

COMBINED = "AutoETS+Theta"
"""The model's name, in ``Decision.levels.model`` and a planning run's forecasts."""


class Combined(_TS):  # type: ignore[misc]
    """The mean of an AutoETS and a Theta forecast, both fitted on the same series."""

    def __init__(self, ets: Any, theta: Any, alias: str = COMBINED) -> None:
        self.ets, self.theta, self.alias = ets, theta, alias
        self.prediction_intervals = None

    def new(self) -> Combined:
        return Combined(self.ets.new(), self.theta.new(), self.alias)

    def fit(self, y: np.ndarray, X: Any = None) -> Combined:
        self.ets = self.ets.fit(y=y, X=X)
        self.theta = self.theta.fit(y=y, X=X)
        fitted = _mean(self.ets.predict_in_sample(), self.theta.predict_in_sample(), "fitted")
        self.model_ = {**self.ets.model_, "fitted": fitted}
        return self

    def predict(self, h: int, X: Any = None, level: Any = None) -> dict[str, np.ndarray]:
        return {"mean": _mean(self.ets.predict(h=h, X=X), self.theta.predict(h=h, X=X))}

    def predict_in_sample(self, level: Any = None) -> dict[str, np.ndarray]:
        return {"fitted": self.model_["fitted"]}

    def forecast(
        self,
        y: np.ndarray,
        h: int,
        X: Any = None,
        X_future: Any = None,
        level: Any = None,
        fitted: bool = False,
    ) -> dict[str, np.ndarray]:
        parts = [
            model.forecast(y=y, h=h, X=X, X_future=X_future, fitted=fitted)
            for model in (self.ets, self.theta)
        ]
        out = {"mean": _mean(*parts)}
        if fitted:
            out["fitted"] = _mean(parts[0], parts[1], key="fitted")
        return out

    def forward(
        self,
        y: np.ndarray,
        h: int,
        X: Any = None,
        X_future: Any = None,
        level: Any = None,
        fitted: bool = False,
    ) -> dict[str, np.ndarray]:
        """Both fitted parts run forward over ``y``, their forecasts averaged."""
        return {"mean": _mean(self.ets.forward(y=y, h=h), self.theta.forward(y=y, h=h))}


def model(season: int, spec: str | None = None) -> Combined:
    """The average of AutoETS (the structure ``spec`` where given, else searched) and Theta
    over a cycle of ``season`` periods."""
    return Combined(forecast._model("AutoETS", season, spec), forecast._model("Theta", season))


def _mean(first: dict[str, Any], second: dict[str, Any], key: str = "mean") -> np.ndarray:
    return (np.asarray(first[key], float) + np.asarray(second[key], float)) / 2
