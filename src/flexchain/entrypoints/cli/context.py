"""What every command shares: the settings from the global options, opening the database, and
turning user errors into one line on stderr and exit code 1."""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pydantic
import typer

from flexchain.bootstrap import App, DatabaseUnavailable, bootstrap
from flexchain.config import Settings
from flexchain.domain.errors import DomainError
from flexchain.services.imports import ImportFailed
from flexchain.services.secrets import SecretKeyError


@dataclass
class CliState:
    """Set by the global options (``--db``), read by the commands."""

    database_url: str | None = None

    def settings(self) -> Settings:
        try:
            if self.database_url:
                return Settings(database_url=self.database_url)
            return Settings()
        except pydantic.ValidationError as error:
            problems = "; ".join(
                f"FLEXCHAIN_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}"
                for e in error.errors()
            )
            raise UserError(f"invalid configuration: {problems}") from error


class UserError(Exception):
    """Something the user can fix; printed as one line."""


def fail(message: str) -> typer.Exit:
    typer.echo(f"Error: {message}", err=True)
    return typer.Exit(1)


@contextmanager
def reported_errors() -> Iterator[None]:
    """Print domain and user errors (never a traceback) and exit with code 1.

    Anything else is a bug and keeps its traceback.
    """
    try:
        yield
    except ImportFailed as error:
        typer.echo(str(error), err=True)  # one line per problem: FILE:LINE: COLUMN: message
        raise typer.Exit(1) from None
    except (DomainError, DatabaseUnavailable, UserError, SecretKeyError) as error:
        raise fail(str(error)) from None
    except (FileNotFoundError, IsADirectoryError, PermissionError) as error:
        raise fail(f"{error.strerror}: {error.filename}") from None


@contextmanager
def opened(state: CliState) -> Iterator[App]:
    """The application with its database open and upgraded to the newest schema."""
    app = bootstrap(state.settings())
    app.actor = cli_actor()
    try:
        yield app
    finally:
        app.close()


def cli_actor() -> str:
    """The audit trail's "who" for a command: ``cli:`` and the login name running it."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no name for this uid (a bare container)
        return f"cli:uid {os.getuid()}"


def state_of(ctx: typer.Context) -> CliState:
    state = ctx.find_object(CliState)
    return state if state is not None else CliState()
