"""``flexchain user`` (add, list, disable, enable, passwd, unlock) and ``flexchain token``
(create, list, revoke): who may use flexchain, and the API tokens of integrations."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Annotated

import typer

from flexchain.entrypoints.cli.context import UserError, opened, reported_errors, state_of
from flexchain.entrypoints.cli.render import console, plain, print_json_array, table
from flexchain.services import identity

user_app = typer.Typer(help="Users and their roles.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens for integrations.", no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON only.")]
Email = Annotated[str, typer.Argument(metavar="EMAIL", help="The user's e-mail address.")]
PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help="Read the password from standard input (one line). Without it: asked for at a "
        "terminal (empty: generated), else generated; a generated one is printed.",
    ),
]

USER_COLUMNS = (
    ("email", "E-mail"),
    ("role", "Role"),
    ("supplier", "Supplier"),
    ("active", "Active"),
    ("created_at", "Created"),
    ("disabled_at", "Disabled"),
)
TOKEN_COLUMNS = (
    ("id", "Id"),
    ("user", "User"),
    ("name", "Name"),
    ("hint", "Starts"),
    ("status", "Status"),
    ("expires_at", "Expires"),
    ("last_used_at", "Last used"),
)


def _password(from_stdin: bool) -> tuple[str, bool]:
    """The password to set, and whether it was generated (then it is printed)."""
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise UserError("--password-stdin: standard input had no password")
        return line, False
    if sys.stdin.isatty():
        typed = typer.prompt(
            "Password (empty: generate one)",
            default="",
            hide_input=True,
            confirmation_prompt=True,
            show_default=False,
        )
        if typed:
            return typed, False
    return identity.new_password(), True


def _now() -> datetime:
    return datetime.now(UTC)


@user_app.command("add")
def user_add(
    ctx: typer.Context,
    email: Email,
    role: Annotated[
        str,
        typer.Option(
            "--role",
            help="admin, planner, buyer, finance, quality, viewer or supplier.",
            show_default=False,
        ),
    ],
    supplier: Annotated[
        str | None, typer.Option("--supplier", metavar="CODE", help="Supplier users: theirs.")
    ] = None,
    password_stdin: PasswordStdin = False,
) -> None:
    """Add a user with one role (a supplier user bound to one supplier)."""
    with reported_errors():
        password, generated = _password(password_stdin)
        with opened(state_of(ctx)) as app, app.uow() as uow:
            view = identity.add_user(
                uow, email, role, password=password, supplier=supplier, now=_now()
            )
            uow.commit()
    bound = f" of supplier {view.supplier}" if view.supplier else ""
    console.print(f"Added {view.email} ({view.role}{bound}).", markup=False)
    if generated:
        console.print(f"Password: {password}", markup=False)


@user_app.command("list")
def user_list(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Every user with role, supplier and whether active."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        records = [asdict(view) for view in identity.list_users(uow)]
    if as_json:
        print_json_array(records)
    elif not records:
        console.print("No users. Add one: flexchain user add EMAIL --role admin", markup=False)
    else:
        console.print(table(USER_COLUMNS, records))


@user_app.command("disable")
def user_disable(ctx: typer.Context, email: Email) -> None:
    """The user can do nothing any more: logins refused, sessions ended, tokens ignored."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        view = identity.disable_user(uow, email, now=_now())
        uow.commit()
    console.print(f"Disabled {view.email}.", markup=False)


@user_app.command("enable")
def user_enable(ctx: typer.Context, email: Email) -> None:
    """Let a disabled user in again (their tokens work again unless expired or revoked)."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        view = identity.enable_user(uow, email, now=_now())
        uow.commit()
    console.print(f"Enabled {view.email}.", markup=False)


@user_app.command("passwd")
def user_passwd(ctx: typer.Context, email: Email, password_stdin: PasswordStdin = False) -> None:
    """Set a new password; the user's browser sessions end."""
    with reported_errors():
        password, generated = _password(password_stdin)
        with opened(state_of(ctx)) as app, app.uow() as uow:
            view = identity.set_password(uow, email, password, now=_now())
            uow.commit()
    console.print(f"Password of {view.email} changed.", markup=False)
    if generated:
        console.print(f"Password: {password}", markup=False)


@user_app.command("unlock")
def user_unlock(ctx: typer.Context, email: Email) -> None:
    """Forget the user's failed logins, lifting a lockout."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        view = identity.unlock_user(uow, email, now=_now())
        uow.commit()
    console.print(f"Unlocked {view.email}.", markup=False)


@token_app.command("create")
def token_create(
    ctx: typer.Context,
    user: Annotated[
        str, typer.Option("--user", metavar="EMAIL", help="Who it acts as.", show_default=False)
    ],
    expires: Annotated[
        datetime | None,
        typer.Option(
            "--expires",
            formats=["%Y-%m-%d"],
            metavar="YYYY-MM-DD",
            help="Last day it works (UTC) \\[default: never expires].",
        ),
    ] = None,
    name: Annotated[str | None, typer.Option("--name", metavar="N", help="What it is for.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help='Print {"token": ...}.')] = False,
) -> None:
    """Create an API token and print it, alone on stdout: it is shown this once."""
    day: date | None = expires.date() if expires is not None else None
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        issued = identity.create_token(uow, user, name=name, expires=day, now=_now())
        uow.commit()
    if as_json:
        body = {"token": issued.token, **plain(asdict(issued.view))}
        typer.echo(json.dumps(body, ensure_ascii=False, indent=2))
    else:
        typer.echo(issued.token)


@token_app.command("list")
def token_list(
    ctx: typer.Context,
    user: Annotated[str | None, typer.Option("--user", metavar="EMAIL")] = None,
    as_json: JsonOption = False,
) -> None:
    """Tokens with their user, status and last use (never the tokens themselves)."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        records = [asdict(v) for v in identity.list_tokens(uow, user=user, now=_now())]
    if as_json:
        print_json_array(records)
    elif not records:
        console.print("No tokens.", markup=False)
    else:
        console.print(table(TOKEN_COLUMNS, records, numeric=("id",)))


@token_app.command("revoke")
def token_revoke(
    ctx: typer.Context, token_id: Annotated[int, typer.Argument(metavar="ID")]
) -> None:
    """Stop a token at once."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        view = identity.revoke_token(uow, token_id, now=_now())
        uow.commit()
    console.print(f"Token {view.id} ({view.name}) of {view.user} revoked.", markup=False)
