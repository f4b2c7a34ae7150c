from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from flexchain.adapters.db.uow import UnitOfWork
from tests.storefront_world import build_world


@pytest.fixture
def world(engine: Engine, make_uow: Callable[..., UnitOfWork]) -> Engine:
    build_world(make_uow)
    return engine
