"""Logging in and staying safe, through HTTP and the CLI on both databases: sessions and their
cookie, CSRF on state-changing requests, lockout after wrong passwords (and its record),
disabled users, expiry, security headers, no stack traces, and the ``user``/``token`` commands."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from flexchain.adapters.db.tables import AuditRow, LoginAttemptRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.config import Settings
from flexchain.domain.identity import EVERYONE, LockoutRule, Principal
from flexchain.entrypoints.api import create_app
from flexchain.entrypoints.api.access import UndeclaredRoute, allow, check_declarations
from flexchain.entrypoints.cli.main import app as cli
from flexchain.services import identity, sessions
from tests.auth import NOW, PASSWORD, make_user, token_for

BROWSER = {"accept": "text/html"}


def flexchain_cli(database_url: str, *args: str, input: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--db", database_url, *args], input=input)
    return result.exit_code, result.stdout + result.stderr


@pytest.fixture
def api(engine: Engine, database_url: str) -> Iterator[TestClient]:
    settings = Settings(database_url=database_url, outbox_worker=False, login_failures=3)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


def _login(client: TestClient, email: str, password: str = PASSWORD, **kw: Any) -> Any:
    return client.post("/login", data={"email": email, "password": password}, **kw)


def test_a_login_sets_a_strict_cookie_and_the_session_acts_as_the_user(
    api: TestClient, engine: Engine
) -> None:
    email = make_user(engine, "planner")
    # when a browser logs in
    response = _login(api, email, headers=BROWSER, follow_redirects=False)
    # then it is sent on, with an HttpOnly, SameSite=Lax cookie
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    me = api.get("/me").json()
    assert (me["email"], me["role"], me["via"]) == (email, "planner", "session")
    assert api.get("/", headers=BROWSER).text.count(me["csrf_token"]) == 1


def test_over_tls_the_cookie_is_secure(engine: Engine, database_url: str) -> None:
    email = make_user(engine, "viewer")
    app = create_app(Settings(database_url=database_url, outbox_worker=False))
    with TestClient(app, base_url="https://flexchain.example") as client:
        response = _login(client, email)
        assert "Secure" in response.headers["set-cookie"]
        assert response.headers["strict-transport-security"] == "max-age=31536000"


def test_a_state_changing_request_without_the_csrf_token_is_refused(
    api: TestClient, engine: Engine
) -> None:
    # given a logged-in planner
    _login(api, make_user(engine, "planner"))
    csrf = api.get("/me").json()["csrf_token"]
    # when a form is posted without the token, or with another one
    bare = api.post("/logout", data={}, follow_redirects=False)
    forged = api.post("/logout", data={"csrf_token": "x" * 43}, follow_redirects=False)
    as_json = api.post("/signals", json=[], follow_redirects=False)
    # then each is refused and the session goes on
    assert bare.status_code == forged.status_code == as_json.status_code == 403
    assert bare.json() == {"detail": "this form is missing its CSRF token: reload the page"}
    assert api.get("/me").status_code == 200
    # and with the token (form field or header) it is done
    assert api.post("/signals", json=[], headers={"X-CSRF-Token": csrf}).status_code == 201
    done = api.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert done.status_code == 303 and api.get("/me").status_code == 401


def test_repeated_wrong_passwords_lock_the_account_and_are_logged(
    api: TestClient, engine: Engine
) -> None:
    email = make_user(engine, "buyer")
    # when three wrong passwords are tried (login_failures=3)
    answers = [_login(api, email, "wrong password").status_code for _ in range(3)]
    # then the right one is refused too, for the window, with Retry-After
    locked = _login(api, email)
    assert answers == [401, 401, 401]
    assert locked.status_code == 429 and 0 < int(locked.headers["retry-after"]) <= 900
    # and every attempt is kept, the lock in the audit trail
    with UnitOfWork(engine, write=False) as uow:
        outcomes = uow.session.scalars(
            select(LoginAttemptRow.outcome).where(LoginAttemptRow.email == email)
        ).all()
        locks = uow.session.scalars(
            select(AuditRow.entity_key).where(AuditRow.action == "locked")
        ).all()
    assert outcomes == ["wrong", "wrong", "wrong", "locked"] and locks == [email]
    # and an admin's unlock lets the user in again
    with UnitOfWork(engine) as uow:
        identity.unlock_user(uow, email, now=datetime.now(UTC))
        uow.commit()
    assert _login(api, email).status_code == 200


def test_many_wrong_passwords_from_one_address_lock_the_address(engine: Engine) -> None:
    rule = LockoutRule(failures=2)  # an address: 4 x 2 failures, whatever the e-mails
    email = make_user(engine, "viewer")
    with UnitOfWork(engine) as uow:
        for n in range(8):
            login = sessions.login(
                uow, f"guess{n}@x.example", "nope", address="10.0.0.9", now=NOW, rule=rule, hours=1
            )
            assert login.refused == "wrong"
        from_there = sessions.login(
            uow, email, PASSWORD, address="10.0.0.9", now=NOW, rule=rule, hours=1
        )
        from_elsewhere = sessions.login(
            uow, email, PASSWORD, address="10.0.0.10", now=NOW, rule=rule, hours=1
        )
    assert from_there.refused == "locked" and from_elsewhere.cookie is not None


def test_sessions_expire_and_a_disabled_user_can_do_nothing(
    api: TestClient, engine: Engine
) -> None:
    email = make_user(engine, "planner")
    token = token_for(engine, email)
    with UnitOfWork(engine) as uow:
        login = sessions.login(
            uow,
            email,
            PASSWORD,
            address="",
            now=NOW,
            rule=LockoutRule(),
            hours=12,
        )
        uow.commit()
    assert login.cookie is not None
    with UnitOfWork(engine, write=False) as uow:
        assert sessions.session_principal(uow, login.cookie, now=NOW + timedelta(hours=11))
        assert sessions.session_principal(uow, login.cookie, now=NOW + timedelta(hours=12)) is None
    bearer = {"Authorization": f"Bearer {token}"}
    assert api.get("/orders", headers=bearer).status_code == 200
    # when the user is disabled
    with UnitOfWork(engine) as uow:
        identity.disable_user(uow, email, now=NOW)
        uow.commit()
    # then their token, and their password, stop working
    assert api.get("/orders", headers=bearer).status_code == 401
    assert _login(api, email).status_code == 401


def test_answers_carry_security_headers_and_never_a_stack_trace(
    api: TestClient, engine: Engine
) -> None:
    bearer = {"Authorization": f"Bearer {token_for(engine, make_user(engine, 'viewer'))}"}
    orders = api.get("/orders", headers=bearer)
    assert orders.headers["cache-control"] == "no-store"
    assert orders.headers["x-content-type-options"] == "nosniff"
    page = api.get("/login", headers=BROWSER)
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    # a request the server cannot handle: a 500 that says so, and no trace
    app: Any = api.app

    @app.get("/boom")
    def boom(who: Annotated[Principal, allow(*EVERYONE)]) -> None:
        raise RuntimeError("secret internals")

    failed = api.get("/boom", headers=bearer)
    assert failed.status_code == 500 and "secret internals" not in failed.text
    assert failed.json() == {"detail": "internal error: the server log has the details"}


def test_an_app_with_a_route_that_declares_nobody_refuses_to_start(database_url: str) -> None:
    app = create_app(Settings(database_url=database_url, outbox_worker=False))

    @app.get("/forgotten")
    def forgotten() -> None:
        return None

    with pytest.raises(UndeclaredRoute, match="GET /forgotten: 0 access declarations"):
        check_declarations(app)


def test_a_browser_without_a_session_is_sent_to_log_in(api: TestClient) -> None:
    response = api.get("/", headers=BROWSER, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/login?next=/")
    assert api.get("/orders").status_code == 401
    assert api.get("/orders").headers["www-authenticate"] == "Bearer"


def test_a_login_posted_from_another_site_is_refused(api: TestClient, engine: Engine) -> None:
    email = make_user(engine, "viewer")
    response = _login(api, email, headers={"origin": "https://evil.example"})
    assert response.status_code == 403 and "set-cookie" not in response.headers


def test_the_user_and_token_commands(engine: Engine, database_url: str) -> None:
    # given a supplier user added with a password from stdin, and an admin with a generated one
    code, out = flexchain_cli(
        database_url, "user", "add", "Kim@Example.com", "--role", "supplier", "--supplier",
        "NOPE", "--password-stdin", input="a long password\n",
    )  # fmt: skip
    assert code == 1 and "unknown supplier 'NOPE'" in out
    code, out = flexchain_cli(database_url, "user", "add", "root@example.com", "--role", "admin")
    assert code == 0 and "Password: " in out
    code, out = flexchain_cli(database_url, "user", "list", "--json")
    assert [(u["email"], u["role"], u["active"]) for u in json.loads(out)] == [
        ("root@example.com", "admin", True)
    ]
    # when a token is made, it is printed alone (or as JSON), then listed without it
    code, token = flexchain_cli(
        database_url, "token", "create", "--user", "root@example.com", "--name", "erp",
        "--expires", "2099-12-31",
    )  # fmt: skip
    assert code == 0 and token.startswith("fxc_") and len(token.strip().split()) == 1
    code, out = flexchain_cli(
        database_url, "token", "create", "--user", "root@example.com", "--json"
    )
    assert json.loads(out)["token"].startswith("fxc_")
    code, out = flexchain_cli(database_url, "token", "list", "--json")
    listed = json.loads(out)
    assert (listed[0]["name"], listed[0]["status"]) == ("erp", "active")
    assert token.strip() not in out
    # and revoking and disabling stop it
    assert flexchain_cli(database_url, "token", "revoke", str(listed[0]["id"]))[0] == 0
    with UnitOfWork(engine, write=False) as uow:
        assert identity.token_principal(uow, token.strip(), now=NOW) is None
    assert flexchain_cli(database_url, "user", "disable", "root@example.com")[0] == 0
    code, out = flexchain_cli(
        database_url, "user", "passwd", "root@example.com", "--password-stdin",
        input="another long one\n",
    )  # fmt: skip
    assert code == 0
    code, out = flexchain_cli(database_url, "user", "list", "--json")
    assert json.loads(out)[0]["active"] is False


def test_a_login_with_a_nul_character_is_refused_before_it_is_stored(api: TestClient) -> None:
    # PostgreSQL cannot store a NUL: it must never reach the attempts table
    response = _login(api, "anna\x00@example.com", "whatever password")
    assert response.status_code == 422 and "NUL" in response.json()["detail"]
