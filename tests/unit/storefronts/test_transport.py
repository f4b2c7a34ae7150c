"""How long a rate-limited call should wait, from the ``Retry-After`` header."""

from __future__ import annotations

import pickle

import pytest

from flexchain.adapters.storefronts.transport import (
    DEFAULT_RETRY_AFTER_SECONDS,
    RateLimited,
    retry_after_seconds,
)


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        pytest.param({"retry-after": "2.0"}, 2.0, id="shopify-float"),
        pytest.param({"retry-after": "120"}, 120.0, id="seconds"),
        pytest.param(
            {
                "retry-after": "Tue, 05 Mar 2024 15:21:30 GMT",
                "date": "Tue, 05 Mar 2024 15:20:00 GMT",
            },
            90.0,
            id="http-date-against-date-header",
        ),
        pytest.param({"retry-after": "-5"}, 0.0, id="negative-is-now"),
        pytest.param({}, DEFAULT_RETRY_AFTER_SECONDS, id="missing"),
        pytest.param({"retry-after": "soon"}, DEFAULT_RETRY_AFTER_SECONDS, id="unreadable"),
        pytest.param({"retry-after": "nan"}, DEFAULT_RETRY_AFTER_SECONDS, id="nan"),
    ],
)
def test_retry_after_is_read_in_seconds(headers: dict[str, str], seconds: float) -> None:
    assert retry_after_seconds(headers) == seconds


def test_rate_limited_survives_pickling_for_a_worker_process() -> None:
    error = pickle.loads(pickle.dumps(RateLimited("set stock: HTTP 429", 2.5)))

    assert (str(error), error.retry_after_seconds, error.status_code) == (
        "set stock: HTTP 429",
        2.5,
        429,
    )
