"""Migration 0030 on both databases: a run's planned orders are indexed by (run, number) and
(run, item), the lookups a release and plan explain make use them, and a downgrade to 0029
drops exactly those two indexes (an upgrade puts them back)."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Engine, inspect, text

from flexchain.adapters.db.migrate import alembic_config, current_revision, head_revision

WANTED = {
    "ix_plan_orders_run_number": ["run_id", "number"],
    "ix_plan_orders_run_item": ["run_id", "item_id"],
}


def _indexes(engine: Engine) -> dict[str, list[str]]:
    return {
        str(index["name"]): list(index["column_names"])  # type: ignore[arg-type]
        for index in inspect(engine).get_indexes("plan_orders")
    }


def _migrate(engine: Engine, step: str, revision: str) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, step)(config, revision)


def test_planned_orders_are_indexed_by_run_and_number_and_by_run_and_item(
    engine: Engine,
) -> None:
    found = _indexes(engine)

    assert {name: found.get(name) for name in WANTED} == WANTED
    if engine.dialect.name == "sqlite":  # the planner takes them for the two lookups
        with engine.connect() as connection:
            for where, index in (("number = 7", "ix_plan_orders_run_number"),
                                 ("item_id = 3", "ix_plan_orders_run_item")):  # fmt: skip
                plan = connection.execute(
                    text(
                        f"EXPLAIN QUERY PLAN SELECT * FROM plan_orders WHERE run_id = 1 AND {where}"
                    )
                ).all()
                assert index in " ".join(str(row[-1]) for row in plan)


def test_a_downgrade_to_0029_drops_them_and_an_upgrade_restores_them(engine: Engine) -> None:
    before = _indexes(engine)

    _migrate(engine, "downgrade", "0029")
    assert current_revision(engine) == "0029"
    assert _indexes(engine) == {k: v for k, v in before.items() if k not in WANTED}

    _migrate(engine, "upgrade", "head")
    assert current_revision(engine) == head_revision()
    assert _indexes(engine) == before
