"""encrypted shop secrets: webhook secrets and API tokens as Fernet tokens

The columns become text (a Fernet token is about 4/3 of its secret's length plus 60
characters) and the plain values already there are encrypted under the installation's key
(``migrate.upgrade``'s ``secrets``, else the settings in the environment; the key file is
created if missing). On SQLite deleted content is overwritten with zeros while this runs, so the
plain values do not linger in the file's free pages (``migrate.upgrade`` truncates the WAL).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 09:00:00
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import context, op

from flexchain.adapters import secretbox
from flexchain.adapters.db import catalog_version

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

PLAIN_LENGTHS = {"secret": 200, "api_token": 500}


def _keys(*, create: bool) -> secretbox.Keyring:
    source = context.config.attributes.get("secrets") or secretbox.installed()
    return source.keyring(create=create)


def _convert(change: Callable[[str], str]) -> None:
    """Set every stored secret to ``change`` of itself."""
    shops = sa.table(
        "shops", sa.column("id", sa.Integer), *(sa.column(name, sa.Text) for name in PLAIN_LENGTHS)
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(shops.c.id, shops.c.secret, shops.c.api_token).order_by(shops.c.id)
    ).all()
    for shop_id, secret, api_token in rows:
        connection.execute(
            shops.update()
            .where(shops.c.id == shop_id)
            .values(
                secret=None if secret is None else change(secret),
                api_token=None if api_token is None else change(api_token),
            )
        )


def _stored_any() -> bool:
    connection = op.get_bind()
    return bool(connection.execute(sa.text("SELECT count(*) FROM shops")).scalar())


def upgrade() -> None:
    connection = op.get_bind()
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:  # zero freed pages and cells while the plain values are replaced
        secure_delete = connection.exec_driver_sql("PRAGMA secure_delete").scalar()
        connection.exec_driver_sql("PRAGMA secure_delete = 1")
    with op.batch_alter_table("shops", schema=None) as batch_op:
        for name, length in PLAIN_LENGTHS.items():
            batch_op.alter_column(
                name,
                existing_type=sa.String(length=length),
                type_=sa.Text(),
                existing_nullable=name == "api_token",
            )
    catalog_version.create_triggers(connection, ("shops",))  # SQLite's batch dropped them
    if _stored_any():
        _convert(_keys(create=True).encrypt)
    if sqlite:
        connection.exec_driver_sql(f"PRAGMA secure_delete = {int(secure_delete or 0)}")


def downgrade() -> None:
    if _stored_any():
        _convert(_keys(create=False).decrypt)
    with op.batch_alter_table("shops", schema=None) as batch_op:
        for name, length in PLAIN_LENGTHS.items():
            batch_op.alter_column(
                name,
                existing_type=sa.Text(),
                type_=sa.String(length=length),
                existing_nullable=name == "api_token",
            )
    catalog_version.create_triggers(op.get_bind(), ("shops",))
