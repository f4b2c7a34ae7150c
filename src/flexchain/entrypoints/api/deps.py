"""Dependencies shared by the routers, as ``Annotated`` aliases that read like prose."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from flexchain.bootstrap import App


def get_app(request: Request) -> App:
    return cast(App, request.app.state.flexchain)


AppDep = Annotated[App, Depends(get_app)]
