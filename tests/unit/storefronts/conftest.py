"""Fixtures for the storefront adapter tests: fresh copies of the sample orders to modify."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.storefronts.samples import load


@pytest.fixture
def shopify_payload() -> dict[str, Any]:
    return load("shopify_order.json")


@pytest.fixture
def woocommerce_payload() -> dict[str, Any]:
    return load("woocommerce_order.json")
