"""``GET|POST /login``, ``POST /logout``, ``GET /`` and ``GET /me``: browser sessions.

``POST /login`` takes the form fields ``email`` and ``password`` (and ``next``, where to go
after). A browser (``Accept: text/html``) is sent on with 303, or shown the form again with the
reason; anything else gets JSON: who logged in and the session's CSRF token, which every
state-changing request of the session must carry (form field ``csrf_token`` or header
``X-CSRF-Token``). The cookie is ``HttpOnly``, ``SameSite=Lax``, ``Secure`` over TLS.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel

from flexchain.bootstrap import App
from flexchain.domain.identity import EVERYONE, LockoutRule, Principal, Role
from flexchain.entrypoints.api.access import COOKIE, allow, public
from flexchain.entrypoints.api.deps import AppDep
from flexchain.entrypoints.web import render
from flexchain.services import sessions

__all__ = ["router"]

router = APIRouter(tags=["session"])


class MePublic(BaseModel):
    email: str | None
    role: str | None
    supplier: str | None
    via: str
    """``session`` or ``token``."""
    csrf_token: str | None
    """The session's CSRF token (sessions only)."""


def _me(who: Principal) -> MePublic:
    return MePublic(
        email=who.email,
        role=who.role.value if who.role else None,
        supplier=who.supplier,
        via=who.via,
        csrf_token=who.csrf,
    )


def _browser(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def _local(target: str | None) -> str:
    """Only a path on this server, its query kept (``/app/today?kind=purchase``), to go on to:
    never ``//elsewhere``, ``/\\elsewhere`` or a full URL, nor a path with a control character
    or space (a browser drops a tab or newline: ``/<tab>/elsewhere`` would be ``//elsewhere``)."""
    if (
        target
        and target.startswith("/")
        and not target.startswith(("//", "/\\"))
        and not any(c <= " " or c == "\x7f" for c in target)
    ):
        return target
    return "/"


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is None:  # not a browser, or one that sends no Origin on same-site posts
        return True
    return urlsplit(origin).netloc == request.headers.get("host", "")


@router.get("/login", include_in_schema=False)
def login_page(request: Request, _: Annotated[Principal, public()], next: str = "/") -> Any:
    """The login form."""
    return render(request, "login.html", next=_local(next), email="", message="")


def _login(app: App, email: str, password: str, address: str) -> sessions.Login:
    settings = app.settings
    rule = LockoutRule(settings.login_failures, timedelta(minutes=settings.login_window_minutes))
    with app.uow(actor=f"login:{address}") as uow:
        outcome = sessions.login(
            uow,
            email,
            password,
            address=address,
            now=datetime.now(UTC),
            rule=rule,
            hours=settings.session_hours,
        )
        uow.commit()
    return outcome


@router.post(
    "/login",
    responses={
        401: {"description": "Wrong e-mail or password"},
        422: {"description": "A field is missing, too long, or holds a NUL character"},
        403: {"description": "Posted from another site"},
        429: {"description": "Locked after repeated wrong passwords; see Retry-After"},
    },
)
async def login(
    request: Request,
    app: AppDep,
    _: Annotated[Principal, public()],
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Any:
    """Log in with ``email`` and ``password``: a session cookie, and where to go next."""
    if not _same_origin(request):
        raise HTTPException(403, "log in from this server's own login page")
    if "\x00" in email + password + next:  # cannot be stored (PostgreSQL), never a real login
        raise HTTPException(422, "email, password: text may not hold a NUL character")
    address = request.client.host if request.client else ""
    outcome = await run_in_threadpool(_login, app, email, password, address)
    if outcome.refused is not None:
        status = 429 if outcome.refused == "locked" else 401
        message = (
            f"Too many wrong passwords: try again in {-(-(outcome.retry_after or 60) // 60)} min."
            if outcome.refused == "locked"
            else "Wrong e-mail or password."
        )
        headers = {"Retry-After": str(outcome.retry_after)} if outcome.retry_after else {}
        if _browser(request):
            page = render(
                request, "login.html", status, next=_local(next), email=email, message=message
            )
            page.headers.update(headers)
            return page
        return JSONResponse({"detail": message}, status, headers=headers)
    response: Response
    if _browser(request):
        response = RedirectResponse(_local(next), status_code=303)
    else:
        response = JSONResponse(
            {
                "email": email.strip().lower(),
                "csrf_token": outcome.csrf,
                "expires_at": outcome.expires_at.isoformat() if outcome.expires_at else None,
            }
        )
    assert outcome.cookie is not None and outcome.expires_at is not None
    response.set_cookie(
        COOKIE,
        outcome.cookie,
        max_age=int((outcome.expires_at - datetime.now(UTC)).total_seconds()),
        httponly=True,
        secure=request.url.scheme == "https",
        samesite="lax",
        path="/",
    )
    return response


def _logout(app: App, who: Principal, cookie: str) -> None:
    with app.uow(actor=who.actor) as uow:
        sessions.logout(uow, cookie, now=datetime.now(UTC))
        uow.commit()


@router.post("/logout", status_code=303, response_class=RedirectResponse)
async def logout(request: Request, app: AppDep, who: Annotated[Principal, allow(*EVERYONE)]) -> Any:
    """End this browser session (its CSRF token required) and go to the login page."""
    cookie = request.cookies.get(COOKIE)
    if cookie:
        await run_in_threadpool(_logout, app, who, cookie)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax")
    return response


@router.get("/me", response_model=MePublic)
def me(who: Annotated[Principal, allow(*EVERYONE)]) -> MePublic:
    """Who this session or token acts as (and the session's CSRF token)."""
    return _me(who)


@router.get("/", include_in_schema=False)
def home(request: Request, who: Annotated[Principal, allow(*EVERYONE)]) -> Any:
    """Where a logged-in person starts: a supplier's user in the supplier portal (``/portal``),
    the brand's people in the control tower (``/app/today``); a caller with no role (never a
    browser session) sees who is logged in, and the way out."""
    if who.role is Role.SUPPLIER:
        return RedirectResponse("/portal", status_code=303)
    if who.role is not None:
        return RedirectResponse("/app/today", status_code=303)
    return render(request, "home.html", who=who)
