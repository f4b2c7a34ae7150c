from sqlalchemy import Engine, inspect

from flexchain.adapters.db.migrate import current_revision, head_revision, upgrade


def test_fresh_database_is_at_head_with_every_table(engine: Engine) -> None:
    # given a database created by the test fixture through the migrations
    # then it is at the newest revision and holds the ledger tables
    assert current_revision(engine) == head_revision()
    tables = set(inspect(engine).get_table_names())
    assert {"items", "suppliers", "stock_moves", "stock_balances", "reservations"} <= tables


def test_upgrade_is_idempotent(engine: Engine) -> None:
    before, after = upgrade(engine)
    assert before == after == head_revision()
