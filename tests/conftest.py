"""Shared fixtures. Every test that takes ``database_url`` (or ``engine``/``uow``) runs twice: on
SQLite and on a real PostgreSQL server started for the session on a loopback port.

``FLEXCHAIN_TEST_DATABASES=sqlite`` narrows a local run to one backend; CI runs both.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import Engine, text

from flexchain.adapters import secretbox
from flexchain.adapters.db.engine import make_engine
from flexchain.adapters.db.migrate import upgrade
from flexchain.adapters.db.uow import UnitOfWork
from tests.pgserver import PgServer, start_server

# pytest-xdist's workers inherit COLUMNS=80 and LINES=24, which would fix the width of the CLI's
# Rich consoles when they are created at import; the tests that check CLI output set their own.
for _name in ("COLUMNS", "LINES"):
    os.environ.pop(_name, None)

# CI machines are shared and noisy: a slow example is not a failure (speed lives in bench/).
settings.register_profile("flexchain", deadline=None)
settings.load_profile("flexchain")

BACKENDS = [
    name
    for name in os.environ.get("FLEXCHAIN_TEST_DATABASES", "sqlite,postgresql").split(",")
    if name
]
_counter = itertools.count()


@pytest.fixture(scope="session", autouse=True)
def secret_key_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The key file that encrypts shop secrets in this session (never the user's own in
    ~/.local/share): set in the environment, so the commands and server processes tests start
    use it too. Created when the first secret is stored."""
    path = tmp_path_factory.mktemp("secret-key") / "secret.key"
    names = ("FLEXCHAIN_SECRET_KEY", "FLEXCHAIN_SECRET_KEY_FILE", "FLEXCHAIN_FILE_STORE_DIR")
    saved = {name: os.environ.pop(name, None) for name in names}
    os.environ["FLEXCHAIN_SECRET_KEY_FILE"] = str(path)
    # uploads (QC photos, certificates, design files) of this session: never the user's own store
    os.environ["FLEXCHAIN_FILE_STORE_DIR"] = str(tmp_path_factory.mktemp("file-store"))
    secretbox.install(None)
    try:
        yield path
    finally:
        for name, value in saved.items():
            os.environ.pop(name, None)
            if value is not None:
                os.environ[name] = value
        secretbox.install(None)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    server = start_server()
    try:
        admin = make_engine(server.admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("CREATE DATABASE flexchain_template"))
        admin.dispose()
        template = make_engine(server.url("flexchain_template"))
        upgrade(template)
        template.dispose()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@contextmanager
def _fresh_database(
    request: pytest.FixtureRequest, directory: Path, sqlite_template: Path
) -> Iterator[str]:
    """A fresh, migrated, empty database on the backend ``request.param``; dropped after."""
    if request.param == "sqlite":
        path = directory / "flexchain.db"
        shutil.copyfile(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    server: PgServer = request.getfixturevalue("pg_server")
    name = f"t{os.getpid()}_{next(_counter)}"
    admin = make_engine(server.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name} TEMPLATE flexchain_template"))
    try:
        yield server.url(name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[str]:
    """A fresh, migrated, empty database on each backend."""
    with _fresh_database(request, tmp_path, sqlite_template) as url:
        yield url


@pytest.fixture(scope="module", params=BACKENDS)
def module_database_url(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    sqlite_template: Path,
) -> Iterator[str]:
    """A fresh, migrated, empty database on each backend, shared by a module's tests (for
    tests that read one expensive world and write little)."""
    with _fresh_database(request, tmp_path_factory.mktemp("module-db"), sqlite_template) as url:
        yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def make_uow(engine: Engine) -> Callable[..., UnitOfWork]:
    def factory(*, write: bool = True, actor: str = "test") -> UnitOfWork:
        return UnitOfWork(engine, write=write, actor=actor)

    return factory


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing() -> Iterator[None]:
    """argon2id at its smallest cost in tests: the same algorithm, hash format and checks,
    a millisecond instead of ~150 ms per user created or login checked (the suite makes
    hundreds). The server keeps argon2-cffi's defaults (RFC 9106)."""
    from argon2 import PasswordHasher

    from flexchain.adapters import passwords

    saved = passwords._HASHER
    passwords._HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    passwords._HASHER = saved
