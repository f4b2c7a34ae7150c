"""Shop secrets encrypted at rest (issue 14): a database copied without its key reveals no secret,
webhooks verify across restarts, ``flexchain secrets rotate`` and ``init``, and the migration of
a database whose secrets were stored in plain text. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import sqlite3
import stat
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import Engine, select, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from flexchain.adapters import secretbox
from flexchain.adapters.db import migrate
from flexchain.adapters.db.engine import make_engine
from flexchain.adapters.db.tables import AuditRow
from flexchain.adapters.db.types import UTCDateTime
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.adapters.secretbox import Keyring, KeySource, SecretKeyError
from flexchain.bootstrap import bootstrap
from flexchain.config import Settings
from flexchain.entrypoints.cli.main import app
from flexchain.services import intake, shops
from flexchain.services import secrets as secrets_service
from tests.pgserver import PgServer
from tests.storefront_world import NOW, SECRET, SHOP, shopify_order, shopify_webhook

TOKEN = "ck_live_8c1e27:cs_live_PLAINTOKEN_93bd5f"
runner = CliRunner()


@pytest.fixture(autouse=True)
def own_key_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """A key file of this test's own (rotations rewrite it), not yet created."""
    path = tmp_path / "keys" / "secret.key"
    monkeypatch.delenv("FLEXCHAIN_SECRET_KEY", raising=False)
    monkeypatch.setenv("FLEXCHAIN_SECRET_KEY_FILE", str(path))
    secretbox.install(None)
    yield path
    secretbox.install(None)


def _add_shop(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        shops.add_shop(
            uow,
            platform="shopify",
            domain=SHOP,
            secret=SECRET,
            api_url=f"https://{SHOP}",
            api_token=TOKEN,
        )
        uow.commit()


def _verify(engine: Engine) -> intake.Verified:
    """A webhook signed with the shop's secret, checked as the webhook route does."""
    headers, body = shopify_webhook(shopify_order(1001, [{"sku": "TEE", "quantity": 1}]))
    return intake.verify_webhook(engine, "shopify", headers, body)


def _stored(engine: Engine) -> tuple[str, str]:
    """The shop's secret and API token as they sit in the table."""
    with engine.connect() as connection:
        secret, token = connection.execute(text("SELECT secret, api_token FROM shops")).one()
    return secret, token


def _opens(keys: list[str], engine: Engine) -> bool:
    keyring = Keyring(keys, "test")
    try:
        return [keyring.decrypt(token) for token in _stored(engine)] == [SECRET, TOKEN]
    except SecretKeyError:
        return False


def _file_keys(path: Path) -> tuple[str, ...]:
    return secretbox.parse_keys(path.read_text(), str(path))


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _dump(database_url: str, request: pytest.FixtureRequest) -> bytes:
    """Everything a copy of the database holds: for SQLite the bytes of its files (with the
    write-ahead log) and ``iterdump()``; for PostgreSQL ``pg_dump`` (else every row as text)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        path = Path(str(url.database))
        files = b"".join(p.read_bytes() for p in sorted(path.parent.glob(f"{path.name}*")))
        with sqlite3.connect(path) as connection:
            lines = "\n".join(connection.iterdump())
        return files + lines.encode()
    server: PgServer = request.getfixturevalue("pg_server")
    pg_dump = server.bin_dir / "pg_dump"
    plain_url = url.set(drivername="postgresql").render_as_string(hide_password=False)
    if pg_dump.exists():
        return subprocess.run([str(pg_dump), plain_url], check=True, capture_output=True).stdout
    engine = make_engine(database_url)  # pragma: no cover - pg_dump ships with the server
    try:
        with engine.connect() as connection:
            names = sa.inspect(connection).get_table_names()
            rows = [
                str(row)
                for name in names
                for row in connection.execute(text(f'SELECT t::text FROM "{name}" t'))
            ]
    finally:
        engine.dispose()
    return "\n".join(rows).encode()


def _rotate(database_url: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", database_url, "secrets", "rotate", *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_a_database_copied_without_its_key_reveals_no_secret(
    engine: Engine, database_url: str, request: pytest.FixtureRequest, own_key_file: Path
) -> None:
    # given a shop added with a webhook secret and an API token
    _add_shop(engine)
    # when the database is dumped (or its files copied while it is open)
    dump = _dump(database_url, request)
    # then neither secret is in it: each column holds a Fernet token the key file opens
    assert SECRET.encode() not in dump and TOKEN.encode() not in dump
    assert SHOP.encode() in dump  # the dump is the shop's
    assert all(token.startswith("gAAAAA") for token in _stored(engine))
    assert _opens(list(_file_keys(own_key_file)), engine)
    assert _mode(own_key_file) == 0o600


def test_a_webhook_still_verifies_after_a_restart_with_the_key(
    engine: Engine, database_url: str
) -> None:
    # given a shop stored by one process
    _add_shop(engine)
    engine.dispose()
    # when another process (nothing installed, a new engine) receives its signed webhook
    secretbox.install(None)
    restarted = make_engine(database_url)
    try:
        verified = _verify(restarted)
    finally:
        restarted.dispose()
    # then the signature checks out against the decrypted secret
    assert verified.envelope.shop_domain == SHOP


def test_with_another_key_the_secret_cannot_be_read_and_the_error_says_why(
    engine: Engine, own_key_file: Path
) -> None:
    # given a shop stored under the key file's key
    _add_shop(engine)
    # when the server runs with another key in FLEXCHAIN_SECRET_KEY
    secretbox.install(KeySource(secretbox.generate_key(), own_key_file))
    with pytest.raises(SecretKeyError) as raised:
        _verify(engine)
    # then the error names the key that does not open the secrets and what to do
    assert str(raised.value).startswith(
        "shop secrets cannot be read: FLEXCHAIN_SECRET_KEY does not open them (was the "
        "database copied without its key?"
    )
    # and without any key at all, it says where it looked
    own_key_file.unlink()
    secretbox.install(None)
    with pytest.raises(SecretKeyError, match=f"there is no key file {own_key_file}"):
        _verify(engine)


def test_storing_a_secret_under_a_malformed_key_fails_without_showing_the_secret(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a key that is not a Fernet key
    monkeypatch.setenv("FLEXCHAIN_SECRET_KEY", "swordfish")
    secretbox.install(None)
    # when a shop is added
    with pytest.raises(SecretKeyError) as raised:
        _add_shop(engine)
    # then the error is the key's (not a statement's, which would list the plain secret)
    assert str(raised.value).startswith("FLEXCHAIN_SECRET_KEY: key 1 is not a Fernet key")
    assert SECRET not in str(raised.value)


def test_applying_an_order_does_not_need_the_key(engine: Engine) -> None:
    # given a webhook received and stored under the key
    _add_shop(engine)
    headers, body = shopify_webhook(shopify_order(1002, [{"sku": "NOPE", "quantity": 1}]))
    received = intake.receive_webhook(engine, "shopify", headers, body, now=NOW)
    # when it is applied where the key is another one (an applier process without the key)
    secretbox.install(KeySource(secretbox.generate_key(), Path("/nowhere")))
    view = intake.apply_inbox_row(engine, received.inbox_id, now=NOW)
    # then the shop was loaded without decrypting its secrets (the unknown SKU fails the row)
    assert view.shop == SHOP
    assert view.status == "failed" and "NOPE" in (view.error or "")


def test_rotation_with_the_key_file_re_encrypts_every_secret_under_a_new_key(
    engine: Engine, database_url: str, own_key_file: Path
) -> None:
    # given a shop stored under the key file's key
    _add_shop(engine)
    (old,) = _file_keys(own_key_file)
    # when the key is rotated
    code, out, err = _rotate(database_url, "--json")
    # then both secrets were re-encrypted under a new key, the file holds it alone, owner-only
    assert (code, err) == (0, "")
    done = json.loads(out)
    (new,) = _file_keys(own_key_file)
    assert new != old
    assert done == {
        "where": f"the key file {own_key_file}",
        "key_file": str(own_key_file),
        "fingerprint": Keyring([new], "x").fingerprint,
        "reencrypted": 2,
        "by_column": {"shops.api_token": 1, "shops.secret": 1},
        "current": 0,
        "old_keys": 0,
    }
    assert _mode(own_key_file) == 0o600
    assert sorted(p.name for p in own_key_file.parent.iterdir()) == ["secret.key"]
    # and the old key no longer opens them, the new one does, webhooks still verify
    assert not _opens([old], engine)
    assert _opens([new], engine)
    assert _verify(engine).shop_id > 0
    # and the audit trail has the rotation, without a secret or a key in it
    with engine.connect() as connection:
        audit = connection.execute(
            select(AuditRow.action, AuditRow.entity_key, AuditRow.details).where(
                AuditRow.entity == "secret_key"
            )
        ).all()
    assert [(a, k) for a, k, _ in audit] == [("rotated", Keyring([new], "x").fingerprint)]
    details = json.dumps(audit[0][2])
    assert all(s not in details for s in (SECRET, TOKEN, old, new))
    assert audit[0][2]["reencrypted"] == 2


def test_rotation_with_environment_keys_moves_every_secret_to_the_first(
    engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch, own_key_file: Path
) -> None:
    # given a shop stored under FLEXCHAIN_SECRET_KEY=OLD
    old, new = secretbox.generate_key(), secretbox.generate_key()
    monkeypatch.setenv("FLEXCHAIN_SECRET_KEY", old)
    secretbox.install(None)
    _add_shop(engine)
    # when it is rotated with FLEXCHAIN_SECRET_KEY=NEW,OLD
    monkeypatch.setenv("FLEXCHAIN_SECRET_KEY", f"{new},{old}")
    code, out, _ = _rotate(database_url)
    # then both were re-encrypted, and the output says to drop the old key
    assert code == 0
    assert "re-encrypted 2 secret(s)" in out
    assert "set FLEXCHAIN_SECRET_KEY to that key alone" in out
    # and NEW alone opens them (no key file was made), webhooks verify with it
    assert not _opens([old], engine) and _opens([new], engine)
    monkeypatch.setenv("FLEXCHAIN_SECRET_KEY", new)
    secretbox.install(None)
    assert _verify(engine).shop_id > 0
    assert not own_key_file.exists()


def test_rotation_with_a_single_environment_key_is_refused_and_says_how(
    engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a shop stored under FLEXCHAIN_SECRET_KEY=OLD
    old = secretbox.generate_key()
    monkeypatch.setenv("FLEXCHAIN_SECRET_KEY", old)
    secretbox.install(None)
    _add_shop(engine)
    before = _stored(engine)
    # when rotation is asked with that key alone
    code, _, err = _rotate(database_url)
    # then it is refused with how to do it, and nothing changed
    assert code == 1
    assert "FLEXCHAIN_SECRET_KEY: holds one key" in err
    assert "FLEXCHAIN_SECRET_KEY=NEW,OLD flexchain secrets rotate" in err
    assert _stored(engine) == before


def test_rotation_with_a_key_that_does_not_open_the_secrets_changes_nothing(
    engine: Engine, database_url: str, own_key_file: Path
) -> None:
    # given secrets stored under a key file's key, and then the file replaced by another key
    _add_shop(engine)
    other = secretbox.generate_key()
    secretbox.write_key_file(own_key_file, [other])
    before = _stored(engine)
    # when rotation is asked
    code, _, err = _rotate(database_url)
    # then it stops with why, leaving the secrets and the key file as they were
    assert code == 1
    assert "does not open them (was the database copied without its key?" in err
    assert _stored(engine) == before
    assert _file_keys(own_key_file) == (other,)


@pytest.mark.parametrize("stop", ["re-encrypting", "dropping the old key"])
def test_a_rotation_stopped_midway_leaves_every_secret_readable(
    engine: Engine,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    own_key_file: Path,
    stop: str,
) -> None:
    # given secrets under the key file's key
    _add_shop(engine)
    (old,) = _file_keys(own_key_file)
    writes: list[int] = []
    write = secretbox.write_key_file

    def crash_on_second_write(path: Path, keys: list[str]) -> None:
        writes.append(1)
        if len(writes) == 2:
            raise KeyboardInterrupt("killed")
        write(path, keys)

    def crash(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt("killed")

    if stop == "re-encrypting":
        monkeypatch.setattr(secrets_service, "reencrypt", crash)
    else:
        monkeypatch.setattr(secrets_service, "write_key_file", crash_on_second_write)
    # when the rotation is killed at that step
    settings = Settings(database_url=database_url)
    rotating = bootstrap(settings)
    try:
        with pytest.raises(KeyboardInterrupt):
            secrets_service.rotate(rotating.uow, settings)
    finally:
        rotating.close()
    # then the key file holds the new key and the old one, and every secret opens with it
    keys = _file_keys(own_key_file)
    assert len(keys) == 2 and keys[1] == old
    assert _opens(list(keys), engine)
    secretbox.install(None)
    assert _verify(engine).shop_id > 0
    # and rotating again finishes the job
    monkeypatch.undo()
    monkeypatch.setenv("FLEXCHAIN_SECRET_KEY_FILE", str(own_key_file))
    assert _rotate(database_url)[0] == 0
    (newest,) = _file_keys(own_key_file)
    assert newest not in keys and _opens([newest], engine)


def _insert_plain_shop(engine: Engine) -> None:
    shops_table = sa.table(
        "shops",
        *(sa.column(n) for n in ("platform", "domain", "secret", "api_token", "active")),
        sa.column("quotes_public"),
        sa.column("created_at", UTCDateTime()),
        sa.column("updated_at", UTCDateTime()),
    )
    at = datetime(2026, 12, 1, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(
            shops_table.insert().values(
                platform="shopify",
                domain=SHOP,
                secret=SECRET,
                api_token=TOKEN,
                active=True,
                quotes_public=False,
                created_at=at,
                updated_at=at,
            )
        )


def _sqlite_keeping_deleted_content(database_url: str) -> Engine:
    """An engine whose SQLite connections leave deleted content in the file (as builds without
    SQLITE_SECURE_DELETE do), so the migration must zero it itself."""
    engine = make_engine(database_url)
    if engine.dialect.name == "sqlite":

        @sa.event.listens_for(engine, "connect")
        def _keep_deleted_content(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute("PRAGMA secure_delete = 0")

    return engine


def test_the_migration_encrypts_the_plain_secrets_of_an_older_database(
    database_url: str, request: pytest.FixtureRequest, own_key_file: Path
) -> None:
    # given a database at revision 0014 whose shop secrets are plain text
    engine = _sqlite_keeping_deleted_content(database_url)
    config = migrate.alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0014")
    _insert_plain_shop(engine)
    assert _stored(engine) == (SECRET, TOKEN)
    assert SECRET.encode() in _dump(database_url, request)  # the test can see a plain secret
    # when it is upgraded (as any command does) with no key file yet
    try:
        before, after = migrate.upgrade(engine, secrets=KeySource.of(Settings()))
        # then both are encrypted under the key file made for them, and a copy of the
        # database taken while it is open shows neither
        dump = _dump(database_url, request)
    finally:
        engine.dispose()
    assert (before, after) == ("0014", migrate.head_revision())
    assert SECRET.encode() not in dump and TOKEN.encode() not in dump
    assert _mode(own_key_file) == 0o600
    reopened = make_engine(database_url)
    try:
        assert _opens(list(_file_keys(own_key_file)), reopened)
        # and the shop's webhooks still verify
        assert _verify(reopened).shop_id > 0
    finally:
        reopened.dispose()


def test_a_downgrade_below_0015_stores_the_secrets_in_plain_text_again(engine: Engine) -> None:
    # given a shop whose secrets are encrypted
    _add_shop(engine)
    # when the schema goes back to 0014 (which reads them as plain text)
    config = migrate.alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0014")
    # then they are decrypted
    assert _stored(engine) == (SECRET, TOKEN)


def test_init_creates_the_key_file_owner_only_and_says_where(
    tmp_path: Path, own_key_file: Path
) -> None:
    # given no key file, and no FLEXCHAIN_SECRET_KEY
    url = f"sqlite:///{tmp_path / 'flexchain.db'}"
    # when init runs twice
    first = runner.invoke(app, ["--db", url, "init"])
    key = own_key_file.read_text()
    second = runner.invoke(app, ["--db", url, "init"])
    # then the first creates it (0600 in a 0700 directory) and says so; the second keeps it
    assert first.exit_code == 0
    assert f"secrets key: {own_key_file} (created, readable by you only" in first.stdout
    assert _mode(own_key_file) == 0o600 and _mode(own_key_file.parent) == 0o700
    assert second.exit_code == 0
    assert f"secrets key: {own_key_file} (kept)" in second.stdout
    assert own_key_file.read_text() == key


def test_init_with_an_environment_key_creates_no_key_file(
    tmp_path: Path, own_key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLEXCHAIN_SECRET_KEY", secretbox.generate_key())
    result = runner.invoke(app, ["--db", f"sqlite:///{tmp_path / 'f.db'}", "init"])
    assert result.exit_code == 0
    assert "secrets key: from FLEXCHAIN_SECRET_KEY" in result.stdout
    assert not own_key_file.exists()


def test_init_refuses_a_malformed_environment_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLEXCHAIN_SECRET_KEY", "swordfish")
    result = runner.invoke(app, ["--db", f"sqlite:///{tmp_path / 'f.db'}", "init"])
    assert result.exit_code == 1
    assert "FLEXCHAIN_SECRET_KEY: key 1 is not a Fernet key" in result.stderr
    assert not (tmp_path / "f.db").exists()


def test_secrets_key_prints_a_new_key_each_time() -> None:
    first = runner.invoke(app, ["secrets", "key"]).stdout.strip()
    second = runner.invoke(app, ["secrets", "key"]).stdout.strip()
    assert secretbox.parse_keys(first, "stdout") == (first,)
    assert first != second
