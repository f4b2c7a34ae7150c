"""Dependencies shared by the routers, as ``Annotated`` aliases that read like prose."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from flexchain.bootstrap import App, UnitOfWork
from flexchain.domain.identity import Principal


def get_app(request: Request) -> App:
    return cast(App, request.app.state.flexchain)


AppDep = Annotated[App, Depends(get_app)]


def uow_for(app: App, who: Principal, *, write: bool = True) -> UnitOfWork:
    """A unit of work acting as ``who``: the audit records them, and a supplier's user sees
    only their supplier's records."""
    return app.uow(write=write, actor=who.actor, supplier_scope=who.supplier_scope)
