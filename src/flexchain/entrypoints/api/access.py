"""Who may call each route: declared next to its definition, checked on every request, and
required of every route when the app is built.

A route declares its callers with a parameter::

    @router.get("/orders")
    def list_orders(app: AppDep, who: Annotated[Principal, allow(*STAFF)]) -> ...

    @router.get("/health")
    def health(app: AppDep, _: Annotated[Principal, public()]) -> ...

:func:`check_declarations` refuses an app with a route that declares nothing (or twice), so a
new route cannot be forgotten. Credentials: ``Authorization: Bearer <API token>``, or the
browser session's cookie, whose state-changing requests must also carry the session's CSRF
token (form field ``csrf_token`` or header ``X-CSRF-Token``). 401 without (valid)
credentials, 403 with a role the route does not allow.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.routing import APIRoute, iter_route_contexts

from flexchain.bootstrap import App
from flexchain.domain.identity import ANONYMOUS, Principal, Role
from flexchain.services import identity, sessions

__all__ = [
    "COOKIE",
    "Access",
    "UndeclaredRoute",
    "allow",
    "check_declarations",
    "declarations",
    "public",
]

COOKIE = "flexchain_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
Gate = Callable[[App, Request], Principal | None]
"""Lets a caller without credentials in (``POST /quote`` when a shop allows it)."""


class UndeclaredRoute(RuntimeError):
    """A route does not say who may call it: the app refuses to start."""


@dataclass(frozen=True, eq=False)
class Access:
    """A route's declaration: the roles it allows (empty and ``public``: anyone), and for
    routes open to some callers without credentials, the ``gate`` that decides."""

    roles: frozenset[Role]
    public: bool = False
    gate: Gate | None = field(default=None)

    async def __call__(self, request: Request) -> Principal:
        if self.public:
            request.state.principal = ANONYMOUS
            return ANONYMOUS
        app: App = request.app.state.flexchain
        principal = await _authenticate(app, request)
        if principal is None and self.gate is not None and _no_credentials(request):
            principal = await run_in_threadpool(self.gate, app, request)
        if principal is None:
            raise HTTPException(
                401, "log in or send an API token", headers={"WWW-Authenticate": "Bearer"}
            )
        if principal.role is not None and principal.role not in self.roles:
            raise HTTPException(403, f"the {principal.role} role may not do this")
        if principal.via == "session" and request.method not in SAFE_METHODS:
            await _check_csrf(request, principal)
        request.state.principal = principal
        return principal


def allow(*roles: Role) -> Any:
    """Declare the roles that may call a route (as the type of one parameter)."""
    if not roles:
        raise ValueError("allow() needs at least one role; use public() for anyone")
    return Depends(Access(frozenset(roles)))


def public() -> Any:
    """Declare a route open to anyone (health, tracking links, signed webhooks)."""
    return Depends(Access(frozenset(), public=True))


def gated(*roles: Role, gate: Gate) -> Any:
    """Declare ``roles``, and let callers without credentials in when ``gate`` says so."""
    return Depends(Access(frozenset(roles), gate=gate))


def _no_credentials(request: Request) -> bool:
    return "authorization" not in request.headers and COOKIE not in request.cookies


async def _authenticate(app: App, request: Request) -> Principal | None:
    """The principal of the request's bearer token or session cookie; ``None`` without either.

    Raises 401 for a malformed Authorization header or a token that does not work.
    """
    header = request.headers.get("authorization")
    now = datetime.now(UTC)
    if header is not None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise HTTPException(401, "send 'Authorization: Bearer <token>'")
        use = await run_in_threadpool(_token_use, app, token.strip(), now)
        if use is None:
            raise HTTPException(401, "this token is unknown, expired or revoked")
        if use.touch:
            await run_in_threadpool(_touch, app, use.principal, now)
        return use.principal
    cookie = request.cookies.get(COOKIE)
    if cookie:
        found = await run_in_threadpool(_session, app, cookie, now)
        if found is None:
            raise HTTPException(401, "your session has ended: log in again")
        return found
    return None


def _token_use(app: App, token: str, now: datetime) -> identity.TokenUse | None:
    with app.uow(write=False) as uow:
        return identity.token_principal(uow, token, now=now)


def _touch(app: App, principal: Principal, now: datetime) -> None:
    assert principal.token_id is not None
    with app.uow(actor=principal.actor) as uow:
        identity.touch_token(uow, principal.token_id, now=now)
        uow.commit()


def _session(app: App, cookie: str, now: datetime) -> Principal | None:
    with app.uow(write=False) as uow:
        return sessions.session_principal(uow, cookie, now=now)


async def _check_csrf(request: Request, principal: Principal) -> None:
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get("csrf_token")
        sent = value if isinstance(value, str) else None
    if not sent or not principal.csrf or not secrets.compare_digest(sent, principal.csrf):
        raise HTTPException(403, "this form is missing its CSRF token: reload the page")


def _accesses(route: APIRoute) -> Iterator[Access]:
    stack = list(route.dependant.dependencies)
    while stack:
        dependant = stack.pop()
        if isinstance(dependant.call, Access):
            yield dependant.call
        stack.extend(dependant.dependencies)


def _routes(api: FastAPI) -> Iterator[tuple[str, list[str], Any]]:
    """(path, methods, route) of every route, through included routers."""
    for context in iter_route_contexts(api.routes):
        path = context.path_format or context.path or repr(context.original_route)
        yield path, sorted(context.methods or ()), context.original_route


def declarations(api: FastAPI) -> list[tuple[str, str, Access]]:
    """(method, path, declaration) of every route, for docs and the access-matrix tests."""
    found: list[tuple[str, str, Access]] = []
    for path, methods, route in _routes(api):
        if isinstance(route, APIRoute):
            (access,) = list(_accesses(route))
            found.extend((method, path, access) for method in methods)
    return found


def check_declarations(api: FastAPI) -> None:
    """Refuse an app in which a route does not declare who may call it (or declares twice)."""
    problems = []
    for path, methods, route in _routes(api):
        if not isinstance(route, APIRoute):
            problems.append(f"{path}: not an API route, so it cannot declare who may call it")
            continue
        count = len(list(_accesses(route)))
        if count != 1:
            problems.append(f"{','.join(methods)} {path}: {count} access declarations, not 1")
    if problems:
        raise UndeclaredRoute("routes must declare who may call them: " + "; ".join(problems))
