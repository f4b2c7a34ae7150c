"""Cost and price watch: import price indices (CSV, HTTP JSON feed), keep item cost models and
contract index clauses, raise renegotiation tasks (``watch``) and propose quarterly prices.

Imports check every row first: any bad one raises :class:`ImportFailed` with each error's line
(a feed: its entry number) and field, and nothing is written; a stored value of the same index
and day is updated, unknown indices are created. ``watch``: one task per contract, index and
observed value; an open task follows a newer value. Rules: :mod:`flexchain.domain.price_watch`.
Every change is audited; nothing here commits; ``now`` comes from the caller.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from flexchain.adapters import price_feed
from flexchain.adapters.db.price_watch import (
    ClauseRecord,
    SqlPriceWatchStore,
    TaskRecord,
)
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.adapters.price_feed import FeedValues as IndexFeed
from flexchain.adapters.spreadsheets import SpreadsheetError, normalise_header, read_table
from flexchain.domain import price_watch as rules
from flexchain.domain.checks import choice, code, day, text
from flexchain.domain.errors import format_amount
from flexchain.domain.price_watch import CostModel, Quarter, TaskStatus
from flexchain.domain.values import utc
from flexchain.services import audit
from flexchain.services.imports.report import ImportFailed, RowError

__all__ = [
    "ClauseView",
    "CostModelView",
    "IndexFeed",
    "IndexImportReport",
    "IndexView",
    "ReviewLine",
    "TaskView",
    "WatchCheck",
    "WatchReport",
    "add_index",
    "add_index_clause",
    "decide_task",
    "fetch_index_feed",
    "import_index_csv",
    "import_index_feed",
    "import_index_rows",
    "index_values",
    "list_clauses",
    "list_indices",
    "list_tasks",
    "review_proposals",
    "set_cost_model",
    "watch",
]

_COLUMNS = ("index", "date", "value")
_OPTIONAL = ("name", "unit")


@dataclass(frozen=True)
class IndexView:
    code: str
    name: str
    unit: str
    values: int
    latest_date: date | None
    latest_value: Decimal | None


@dataclass(frozen=True)
class IndexImportReport:
    """What an import did: values created, updated and unchanged; indices it created."""

    source: str
    rows: int
    created: int
    updated: int
    unchanged: int
    new_indices: tuple[str, ...] = ()
    ignored_columns: tuple[str, ...] = ()

    def __str__(self) -> str:
        new, ignored = ", ".join(self.new_indices), ", ".join(self.ignored_columns)
        return (
            f"{self.source}: {self.rows} values, created {self.created}, updated {self.updated}"
            f", unchanged {self.unchanged}" + (f"; new indices: {new}" if new else "")
            + (f"; ignored columns: {ignored}" if ignored else "")
        )  # fmt: skip


@dataclass(frozen=True)
class CostModelView(CostModel):
    sku: str = ""


@dataclass(frozen=True)
class ClauseView:
    contract: str
    supplier: str
    currency: str
    index: str
    base_value: Decimal
    base_date: date
    threshold_pct: Decimal


@dataclass(frozen=True)
class TaskView:
    """A renegotiation task; ``summary`` says it in one sentence, ``impacts`` per price line."""

    id: int
    contract: str
    supplier: str
    index: str
    base_value: Decimal
    index_value: Decimal
    value_date: date
    move_pct: Decimal
    cost_impact: Decimal
    currency: str
    status: str
    reason: str
    created_at: datetime
    created_by: str
    decided_at: datetime | None
    decided_by: str | None
    impacts: list[dict[str, Any]]
    summary: str


@dataclass(frozen=True)
class WatchCheck:
    """One clause as the watch saw it (``value`` None: the index has no value by then)."""

    contract: str
    index: str
    base_value: Decimal
    threshold_pct: Decimal
    value: Decimal | None
    value_date: date | None
    move_pct: Decimal | None
    beyond: bool
    task: int | None
    note: str = ""


@dataclass(frozen=True)
class WatchReport:
    today: date
    checks: tuple[WatchCheck, ...]
    raised: tuple[TaskView, ...]
    updated: tuple[TaskView, ...]


@dataclass(frozen=True)
class ReviewLine:
    """A proposed price for one price tier (``new_price`` None: none, ``explanation`` says why)."""

    quarter: str
    contract: str
    supplier: str
    currency: str
    sku: str
    min_quantity: Decimal
    base_price: Decimal
    new_price: Decimal | None
    change: Decimal | None
    explanation: str


def list_indices(uow: UnitOfWork) -> list[IndexView]:
    """Every index with its number of values and its latest value."""
    found = SqlPriceWatchStore(uow).indices()
    return [IndexView(**{k: getattr(r, k) for k in IndexView.__dataclass_fields__}) for r in found]


def index_values(uow: UnitOfWork, index: str) -> list[rules.IndexPoint]:
    """The values of one index, oldest first."""
    store = SqlPriceWatchStore(uow)
    return store.points(store.index_id(rules.index_code(index)))


def add_index(
    uow: UnitOfWork, index: str, *, name: str = "", unit: str = "", now: datetime
) -> IndexView:
    """Add an index, or change the name and unit of one that exists."""
    now = utc(now, "now")
    key = rules.index_code(index, "code")
    name = text(name, "name", required=False)
    unit = text(unit, "unit", max_length=32, required=False)
    store = SqlPriceWatchStore(uow)
    found = store.indices(key)
    before = {"name": found[0].name, "unit": found[0].unit} if found else None
    if found:
        store.update_index(found[0].id, name=name, unit=unit)
    else:
        store.add_index(key, name, unit)
    audit.record_change(
        uow, "updated" if found else "created", "price_index", key, before=before,
        after={"name": name, "unit": unit}, at=now,
    )  # fmt: skip
    (view,) = [v for v in list_indices(uow) if v.code == key]
    return view


def import_index_csv(uow: UnitOfWork, path: str | Path, *, now: datetime) -> IndexImportReport:
    """Import ``index,date,value`` rows (optional ``name``, ``unit``) from a CSV or XLSX file."""
    try:
        table = read_table(path)
    except SpreadsheetError as error:
        raise ImportFailed([RowError(*error.args)]) from None
    by_name = {normalise_header(h): h for h in table.headers}
    missing = [c for c in _COLUMNS if c not in by_name]
    if missing:
        raise ImportFailed([RowError(table.source, 1, c, "missing column") for c in missing])
    rows = [(line, {k: values.get(h) for k, h in by_name.items()}) for line, values in table.rows]
    ignored = tuple(h for k, h in by_name.items() if k not in (*_COLUMNS, *_OPTIONAL))
    report = import_index_rows(uow, rows, source=table.source, now=now)
    return IndexImportReport(**{**report.__dict__, "ignored_columns": ignored})


def fetch_index_feed(url: str, *, timeout: float = price_feed.DEFAULT_TIMEOUT) -> IndexFeed:
    """The HTTP JSON feed at ``url`` (shape: :mod:`flexchain.adapters.price_feed`); fetch it
    before opening a unit of work, so SQLite's other writers do not wait on the network."""
    return price_feed.fetch_feed(url, timeout=timeout)


def import_index_feed(
    uow: UnitOfWork, feed: str | IndexFeed, *, now: datetime, timeout: float = 10.0
) -> IndexImportReport:
    """Import a feed (a URL, fetched now, or :func:`fetch_index_feed`'s result); errors name
    the entry (1 = the first of ``values``) and its field."""
    if isinstance(feed, str):
        feed = fetch_index_feed(feed, timeout=timeout)
    rows = [
        (position, {"index": feed.index, "name": feed.name, "unit": feed.unit, **entry})
        for position, entry in enumerate(feed.values, start=1)
    ]
    return import_index_rows(uow, rows, source=feed.source, now=now)


def import_index_rows(
    uow: UnitOfWork,
    rows: Iterable[tuple[int, Mapping[str, Any]]],
    *,
    source: str = "rows",
    now: datetime,
) -> IndexImportReport:
    """Import ``(line, {"index", "date", "value", ["name", "unit"]})`` rows: all or nothing."""
    now = utc(now, "now")
    parsed = rules.parse_values(rows)
    if parsed.errors:
        raise ImportFailed([RowError(source, *error) for error in parsed.errors])
    if not parsed.values:
        raise ImportFailed([RowError(source, 1, "-", "no values to import")])
    values, meta, count = parsed.values, parsed.meta, parsed.rows
    store = SqlPriceWatchStore(uow)
    ids = store.index_ids(meta)
    new = tuple(sorted(set(meta) - set(ids)))
    for index in new:
        ids[index] = store.add_index(index, *meta[index])
    stored = store.values_of(ids.values())
    created = [(ids[i], d, v) for (i, d), v in values.items() if (ids[i], d) not in stored]
    changed = [(ids[i], d, v) for (i, d), v in values.items() if stored.get((ids[i], d), v) != v]
    store.add_values(created)
    store.change_values(changed)
    for index in sorted(meta):
        mine = ids[index]
        audit.record_change(
            uow, "created" if index in new else "imported", "price_index", index,
            before={str(d): stored[(i, d)] for i, d, _ in changed if i == mine},
            after={str(d): v for i, d, v in [*created, *changed] if i == mine},
            at=now, source=source,
        )  # fmt: skip
    unchanged = len(values) - len(created) - len(changed)
    return IndexImportReport(source, count, len(created), len(changed), unchanged, new)


def set_cost_model(
    uow: UnitOfWork,
    sku: str,
    *,
    material: object,
    energy: object = 0,
    tooling: object = 0,
    labour: object = 0,
    indices: Mapping[str, str | None] | None = None,
    now: datetime,
) -> CostModelView:
    """Set an item's cost model: shares 0..1 summing to 1, and ``indices``: the index each
    share follows, by component (``{"material": "COTTON"}``)."""
    now = utc(now, "now")
    follows = {f"{choice(rules.Component, c, 'component').value}_index": i
               for c, i in (indices or {}).items() if i}  # fmt: skip
    model = CostModel(material, energy, tooling, labour, **follows)  # type: ignore[arg-type]
    store = SqlPriceWatchStore(uow)
    item_id = store.item_id(code(sku, "sku"))
    ids = {index: store.index_id(index) for index in {getattr(model, f) for f in follows}}
    before = store.cost_models([item_id]).get(item_id)
    store.set_cost_model(item_id, model, ids)
    audit.record_change(
        uow, "updated" if before else "created", "cost_model", sku,
        before=before.__dict__ if before else None, after=model.__dict__, at=now,
    )  # fmt: skip
    return CostModelView(**model.__dict__, sku=sku)


def add_index_clause(
    uow: UnitOfWork,
    contract: str,
    *,
    index: str,
    base: object,
    base_date: date,
    threshold: object = rules.DEFAULT_THRESHOLD_PCT,
    now: datetime,
) -> ClauseView:
    """Tie a contract's prices to an index from ``base`` on ``base_date`` (set again: changed)."""
    now = utc(now, "now")
    base_value = rules.index_value(base, "base")
    when = day(base_date, "base_date")
    limit = rules.threshold(threshold)
    store = SqlPriceWatchStore(uow)
    found = store.contract(code(contract, "contract"))
    index_id = store.index_id(rules.index_code(index))
    old = [c for c in store.clauses(found.id) if c.index_id == index_id]
    store.set_clause(found.id, index_id, base_value, when, limit)
    (clause,) = [c for c in store.clauses(found.id) if c.index_id == index_id]
    audit.record_change(
        uow, "updated" if old else "created", "index_clause", f"{found.code}/{clause.index}",
        before=_clause_fields(old[0]) if old else None, after=_clause_fields(clause), at=now,
    )  # fmt: skip
    return _clause_view(clause)


def _clause_fields(clause: ClauseRecord) -> dict[str, Any]:
    return {k: getattr(clause, k) for k in ("base_value", "base_date", "threshold_pct")}


def _clause_view(c: ClauseRecord) -> ClauseView:
    contract = (c.contract.code, c.contract.supplier, c.contract.currency)
    return ClauseView(*contract, c.index, c.base_value, c.base_date, c.threshold_pct)


def list_clauses(uow: UnitOfWork) -> list[ClauseView]:
    return [_clause_view(c) for c in SqlPriceWatchStore(uow).clauses()]


def _summary(t: TaskRecord) -> str:
    change = t.move_pct / 100  # items without a cost model named once, not once per tier
    bare = dict.fromkeys(str(i["sku"]) for i in t.impacts if i.get("share") is None)
    shown = [i["text"] for i in t.impacts if i.get("share") is not None]
    lines = "; ".join(shown + ([f"no cost model for {', '.join(bare)}"] if bare else []))
    return (
        f"{t.index} {rules.signed_pct(change)} from the base {format_amount(t.base_value)}"
        f" ({format_amount(t.index_value)} on {t.value_date}): cost impact"
        f" {format_amount(t.cost_impact)} {t.currency} on what is on order under {t.contract}"
        + (f"; per unit: {lines}" if lines else "")
    )


def _task_view(t: TaskRecord) -> TaskView:
    fields = {k: getattr(t, k) for k in TaskView.__dataclass_fields__ if k != "summary"}
    return TaskView(**{**fields, "status": t.status.value}, summary=_summary(t))


def list_tasks(uow: UnitOfWork, *, status: str | None = None) -> list[TaskView]:
    """Renegotiation tasks, oldest first (of one status: open, accepted, dismissed)."""
    wanted = choice(TaskStatus, status, "status") if status else None
    return [_task_view(t) for t in SqlPriceWatchStore(uow).tasks(status=wanted)]


def decide_task(
    uow: UnitOfWork, task_id: int, decision: str, *, reason: str, now: datetime
) -> TaskView:
    """Accept or dismiss an open task, with a reason."""
    now = utc(now, "now")
    store = SqlPriceWatchStore(uow)
    task = store.task(task_id, lock=True)
    status, why = rules.decide(task.status, decision, reason)
    store.update_task(task.id, status=status.value, reason=why, decided_by=uow.actor,
                      decided_at=now)  # fmt: skip
    audit.record_change(
        uow, status.value, "renegotiation", str(task.id), before={"status": task.status},
        after={"status": status, "reason": why}, at=now, contract=task.contract,
    )  # fmt: skip
    return _task_view(store.task(task.id))


def watch(uow: UnitOfWork, today: date, *, now: datetime) -> WatchReport:
    """Check every index clause on ``today``; raise (or bring up to date) renegotiation tasks."""
    now, today = utc(now, "now"), day(today, "today")
    store = SqlPriceWatchStore(uow)
    clauses = store.clauses(valid_on=today)  # an expired contract is not renegotiated
    contract_ids = {c.contract.id for c in clauses}
    points = {i: store.points(i) for i in {c.index_id for c in clauses}}
    tiers = store.price_tiers(contract_ids)
    models = store.cost_models({tier.item_id for tier in tiers})
    on_order = store.on_order(contract_ids)
    tasks = store.tasks()
    checks: list[WatchCheck] = []
    raised: list[TaskView] = []
    updated: list[TaskView] = []
    for clause in clauses:
        point = rules.value_on(points[clause.index_id], today)
        seen = (clause.contract.code, clause.index, clause.base_value, clause.threshold_pct)
        if point is None:
            checks.append(WatchCheck(*seen, None, None, None, False, None, "no value yet"))
            continue
        change = rules.move(clause.base_value, point.value)
        if note := rules.implausible(change):  # a value in the wrong unit, most likely: no task
            checks.append(WatchCheck(*seen, point.value, point.day, None, False, None, note))
            continue
        beyond = rules.beyond_threshold(change, clause.threshold_pct)
        key = (clause.contract.id, clause.index_id)
        mine = [t for t in tasks if (t.contract_id, t.index_id) == key]
        task_id = next((t.id for t in mine if t.value_date == point.day), None)  # raised for it
        if beyond and task_id is None:
            impacts, total = rules.contract_impacts(
                clause.index,
                change,
                [x for x in tiers if x.contract_id == clause.contract.id],
                models,
                [x for x in on_order if x.contract_id == clause.contract.id],
            )
            values = {
                "base_value": clause.base_value,
                "index_value": point.value,
                "value_date": point.day,
                "move_pct": change * 100,
                "cost_impact": total,
                "currency": clause.contract.currency,
                "impacts": impacts,
            }
            task_id, kind = _write_task(uow, store, clause, mine, values, now)
            (raised if kind == "raised" else updated).append(_task_view(store.task(task_id)))
        checks.append(WatchCheck(*seen, point.value, point.day, change * 100, beyond, task_id))
    return WatchReport(today, tuple(checks), tuple(raised), tuple(updated))


def _write_task(
    uow: UnitOfWork,
    store: SqlPriceWatchStore,
    clause: ClauseRecord,
    mine: list[TaskRecord],
    values: dict[str, Any],
    now: datetime,
) -> tuple[int, str]:
    """A new task, or the open one of the contract and index brought to the newer value."""
    key = f"{clause.contract.code}/{clause.index}"
    fields = ("index_value", "value_date", "move_pct", "cost_impact")
    open_ = next((t for t in mine if t.status is TaskStatus.OPEN), None)
    if open_ is not None:
        store.update_task(open_.id, **values)
        audit.record_change(
            uow, "updated", "renegotiation", str(open_.id),
            before={f: getattr(open_, f) for f in fields}, after={f: values[f] for f in fields},
            at=now, clause=key,
        )  # fmt: skip
        return open_.id, "updated"
    task_id = store.add_task(contract_id=clause.contract.id, index_id=clause.index_id,
                             status=TaskStatus.OPEN.value, **values)  # fmt: skip
    audit.record_change(uow, "raised", "renegotiation", str(task_id), after={
        "status": "open", **{f: values[f] for f in fields}}, at=now, clause=key)  # fmt: skip
    return task_id, "raised"


def review_proposals(uow: UnitOfWork, quarter: str) -> list[ReviewLine]:
    """A proposed price for ``quarter`` of each price tier of every contract with an index
    clause (:func:`flexchain.domain.price_watch.review_tier`)."""
    period = Quarter.parse(quarter)
    store = SqlPriceWatchStore(uow)
    clauses = store.clauses(valid_on=period.first_day)  # contracts still valid then
    by_contract: dict[int, list[ClauseRecord]] = {}
    for clause in clauses:
        by_contract.setdefault(clause.contract.id, []).append(clause)
    points = {i: store.points(i) for i in {c.index_id for c in clauses}}
    tiers = store.price_tiers(by_contract)
    models = store.cost_models({tier.item_id for tier in tiers})
    lines = []
    for tier in tiers:
        mine = by_contract[tier.contract_id]
        terms = [rules.ClauseTerms(c.index, c.base_value, c.base_date, points[c.index_id])
                 for c in mine]  # fmt: skip
        proposal, why = rules.review_tier(period, tier, terms, models.get(tier.item_id))
        contract = (str(period), mine[0].contract.code, mine[0].contract.supplier,
                    mine[0].contract.currency)  # fmt: skip
        lines.append(ReviewLine(
            *contract, tier.sku, tier.min_quantity, tier.unit_price,
            proposal.new_price if proposal else None, proposal.change if proposal else None, why,
        ))  # fmt: skip
    return lines
