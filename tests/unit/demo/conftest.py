from __future__ import annotations

from datetime import date

import pytest

from flexchain.demo import DemoData, generate

START = date(2024, 1, 1)  # a Monday


@pytest.fixture(scope="package")
def demo() -> DemoData:
    """The default demo company, generated once for all generator tests."""
    return generate(start=START)
