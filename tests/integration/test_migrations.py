from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from flexchain.adapters.db.migrate import current_revision, head_revision, upgrade
from flexchain.adapters.db.tables import Base


def test_fresh_database_is_at_head_with_every_table(engine: Engine) -> None:
    # given a database created by the test fixture through the migrations
    # then it is at the newest revision and holds the ledger tables
    assert current_revision(engine) == head_revision()
    tables = set(inspect(engine).get_table_names())
    assert {"items", "suppliers", "stock_moves", "stock_balances", "reservations"} <= tables


def test_upgrade_is_idempotent(engine: Engine) -> None:
    before, after = upgrade(engine)
    assert before == after == head_revision()


def test_the_migrated_schema_matches_the_models(engine: Engine) -> None:
    # given a database created through the migrations
    # then alembic finds nothing in the models that the migrations left out (tables, columns,
    # indexes, foreign keys), so a model change without its migration fails here
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
