"""Today's planned orders to release: the current plan's planned purchases and planned
production whose release day has come and that were not released yet, each ranked by money and
time like every other entry (:func:`flexchain.domain.today.rank`), at most :data:`MAX_PLANNED`
of each kind, so purchases are not crowded out by production (or the other way round); the rest
of a kind is counted in one entry pointing to the Plan page. Of each kind the
:data:`RANKED` longest overdue are ranked (a large plan has thousands due).

* a planned **purchase**: money at stake = quantity x the item's cheapest listed price (first
  break); **release** into a draft PO to that supplier (buyers, admins): added to the open
  draft PO to it that an earlier release of the same plan made, when one takes it (same
  currency and contract: ``release_planned(into_draft=True)``), so releases from here pool per
  supplier as the Plan page's batch does; an item no supplier lists: snooze, and ask for quotes
  from the Plan page;
* a planned **production** order: money at stake = quantity x the item's standard cost (else
  its list price); **release** into a planned job at the supplier that makes it
  (:func:`flexchain.services.plan_release.makers`; planners, admins).

Releasing goes through :func:`flexchain.services.plan_release.release_planned`, which records
it (``plan_releases``): the entry leaves the inbox until the next plan run.

**Keys** name what stays the same when the plan is run again, not the run's numbering (a new
run numbers its planned orders anew): ``planned_order:KIND:SKU[@LOCATION]:YYYY-Www``, the
kind, the item, where it is due (none: the home warehouse) and the ISO week it is due
(:func:`entry_key`); the rest of a kind is ``planned_order:more-KIND``. So a snooze of "the
planned purchase of X due week W" holds across runs until its day; acting releases the current
run's planned order (``ref``, its number). Should a run plan two orders of one kind, item,
place and week, the second (by number) is ``KEY#2``, and so on. The keys of old,
``planned_order:RUN:NUMBER`` and ``planned_order:RUN:more-KIND``, are still taken for the
current run (:func:`old_ref`) and their snoozes still hide the entry.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Container, Iterable
from datetime import date, datetime
from decimal import Decimal

from flexchain.adapters.db.plan_releases import PlannedRecord, SqlPlanReleaseStore
from flexchain.adapters.db.today import OfferRow, SqlTodayStore
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.errors import NotFound
from flexchain.domain.today import Action, Decision, Kind, rank
from flexchain.services import plan_release, plan_reports
from flexchain.services.today_common import (
    BUYERS,
    PLANNERS,
    SNOOZE,
    AtStake,
    late,
    money_text,
    plural,
)

__all__ = [
    "MAX_PLANNED",
    "PEG_WORDS",
    "RANKED",
    "entry_key",
    "old_ref",
    "peg_text",
    "planned_orders",
    "release",
]

MAX_PLANNED = 25
"""At most this many planned orders of each kind (purchase, production) in the inbox."""
RANKED = 500
"""Of each kind, the this many longest overdue are read and ranked."""
_CENT = Decimal("0.01")
_NOUNS = {"purchase": "planned purchase", "production": "planned production order"}


def planned_orders(
    uow: UnitOfWork, today: date, base: str, hidden: Container[str]
) -> list[Decision]:
    """The planned purchases and production to release today (module docstring), entries
    snoozed (``hidden``) left out."""
    try:
        run = plan_reports.current_run(uow)
    except NotFound:
        return []
    home = str(run.stats.get("home") or "the home warehouse")
    at_stake = AtStake(uow, today, base)
    store = SqlPlanReleaseStore(uow)
    purchases, n_purchases = store.due(run.id, today, "purchase", RANKED)
    offers = SqlTodayStore(uow).cheapest_offers(
        ((p.number, p.sku, p.quantity) for p in purchases), today
    )

    def purchase(p: PlannedRecord) -> Decision:
        return _purchase(at_stake, p, offers.get(p.number), today, base, home)

    def production(p: PlannedRecord) -> Decision:
        money = at_stake((p.quantity * (p.unit_cost or 0)).quantize(_CENT), p.currency)
        return _entry(p, today, base, home, money, "", (SNOOZE,))

    found = _capped(run.id, "purchase", purchases, n_purchases, purchase, hidden, base)
    made, n_made = store.due(run.id, today, "production", RANKED)
    shown = _capped(run.id, "production", made, n_made, production, hidden, base)
    found += _with_makers(uow, shown, {p.number: p for p in made}, today)
    # what each shown one is pegged to (read for those only: a planned order's pegs can run
    # to thousands)
    pegged = {
        p.number: p for p in store.planned(run.id, [int(d.ref) for d in found if d.ref.isdigit()])
    }
    return [
        _replace(d, why=_why(pegged[int(d.ref)], home)) if d.ref.isdigit() else d for d in found
    ]


def entry_key(p: PlannedRecord) -> str:
    """``planned_order:purchase:CANVAS:2026-W50``, ``planned_order:production:M-TEE@WH2:
    2026-W51``: what stays the same across plan runs (module docstring)."""
    year, week, _ = p.due_date.isocalendar()
    where = f"@{p.location}" if p.location else ""
    return f"{Kind.PLANNED_ORDER}:{p.kind}:{p.sku}{where}:{year}-W{week:02d}"


def _more_key(kind: str) -> str:
    return f"{Kind.PLANNED_ORDER}:more-{kind}"


def old_ref(uow: UnitOfWork, key: str) -> str | None:
    """The planned order (its number, or ``more-KIND``) an old key names,
    ``planned_order:RUN:NUMBER`` or ``planned_order:RUN:more-KIND``, when RUN is the current
    plan; None for a key of another form. NotFound for an old key of an earlier plan (its
    numbers are not the current plan's)."""
    parts = key.split(":")
    if len(parts) != 3 or parts[0] != Kind.PLANNED_ORDER or not parts[1].isdigit():
        return None
    try:
        current = plan_reports.current_run(uow).id
    except NotFound:
        return None
    if int(parts[1]) != current:
        raise NotFound(
            f"{key} names a planned order of plan {parts[1]}, not of the current plan "
            f"({current}): list the inbox again (flexchain today) for its key"
        )
    return parts[2]


PEG_WORDS = {
    "planned": "planned order",
    "order": "order",
    "transfer": "transfer",
    "forecast": "the forecast",
    "safety_stock": "safety stock",
    "lot_size": "rounding up to the lot size",
}
"""What a peg's source means, in words (the plan stores ``planned:403``, ``lot_size``, ...)."""


def peg_text(source: str, quantity: object) -> str:
    """One peg in words: ``planned order 403 (292)``, ``the forecast (6.773)``."""
    kind, _, ref = source.partition(":")
    words = PEG_WORDS.get(kind, kind.replace("_", " "))
    return f"{words} {ref} ({quantity})" if ref else f"{words} ({quantity})"


def _why(p: PlannedRecord, home: str) -> str:
    """Where and when it is due, and the first three of what it is pegged to."""
    pegs = [peg_text(source, quantity) for source, quantity in p.pegs]
    more = f" and {p.peg_count - len(pegs)} more" if p.peg_count > len(pegs) else ""
    return f"Due {p.due_date} at {p.location or home}; for {'; '.join(pegs) or 'stock'}{more}."


def _capped(
    run_id: int, kind: str, due: list[PlannedRecord], total: int,
    entry: Callable[[PlannedRecord], Decision], hidden: Container[str], base: str,
) -> list[Decision]:  # fmt: skip
    """The :data:`MAX_PLANNED` highest ranked of ``due`` not hidden, and one entry counting
    the rest (of ``total`` due) if any."""
    old = f"{Kind.PLANNED_ORDER}:{run_id}:"  # the keys' old form (module docstring)
    ranked = rank(
        e for e in _distinct(map(entry, due)) if e.key not in hidden and old + e.ref not in hidden
    )
    left_out = len(due) - len(ranked)  # snoozed
    shown = ranked[:MAX_PLANNED]
    rest = total - left_out - len(shown)
    more_key = _more_key(kind)
    if rest <= 0 or more_key in hidden or f"{old}more-{kind}" in hidden:
        return shown
    more = Decision(
        more_key, Kind.PLANNED_ORDER,
        f"{plural(rest, 'more ' + _NOUNS[kind])} to release, on the Plan page",
        f"The {len(shown)} most pressing planned {kind} orders are listed here; {rest} more "
        "are due for release.",
        f"Release them from the Plan page (filter {kind}, tick, release).",
        Decimal(0), base, None, f"more-{kind}", f"/app/plan?kind={kind}", (SNOOZE,),
    )  # fmt: skip
    return [*shown, more]


def _distinct(entries: Iterable[Decision]) -> list[Decision]:
    """``entries`` with the keys they share told apart, by planned order number: the second
    ``KEY#2``, the third ``KEY#3``."""
    seen: Counter[str] = Counter()
    found = []
    for d in sorted(entries, key=lambda d: int(d.ref)):
        seen[d.key] += 1
        found.append(d if seen[d.key] == 1 else _replace(d, key=f"{d.key}#{seen[d.key]}"))
    return found


def _entry(
    p: PlannedRecord, today: date, base: str, home: str, money: Decimal,
    suggestion: str, actions: tuple[Action, ...], details: tuple[tuple[str, str], ...] = (),
) -> Decision:  # fmt: skip
    return Decision(
        entry_key(p), Kind.PLANNED_ORDER,
        f"Planned {p.kind} {p.number}: {p.quantity.normalize():f} {p.sku} "
        f"to release{late((today - p.release_date).days)}",
        _why(p, home), suggestion, money, base, (p.due_date - today).days, str(p.number),
        f"/app/plan?kind={p.kind}&q={p.sku}", actions, details=details,
    )  # fmt: skip


def _purchase(
    at_stake: AtStake, p: PlannedRecord, offer: OfferRow | None, today: date,
    base: str, home: str,
) -> Decision:  # fmt: skip
    if offer is None:
        suggestion = "No supplier lists this item: ask for quotes from the Plan page (RFQ)."
        return _entry(p, today, base, home, Decimal(0), suggestion, (SNOOZE,))
    cost = (p.quantity * offer.unit_price).quantize(_CENT)
    suggestion = (
        f"Release it as a draft PO to {offer.supplier} (cheapest listed: "
        f"{money_text(offer.unit_price, offer.currency)} a unit, "
        f"{offer.lead_time_days} days' lead)."
    )
    release_to = Action("release", f"Release to {offer.supplier}", BUYERS)
    return _entry(
        p, today, base, home, at_stake(cost, offer.currency),
        suggestion, (release_to, SNOOZE), (("into", "po"), ("supplier", offer.supplier)),
    )  # fmt: skip


def _with_makers(
    uow: UnitOfWork, shown: list[Decision], planned: dict[int, PlannedRecord], today: date
) -> list[Decision]:
    """The production entries shown, with the supplier that would make each (suggested, and
    the release action) or why none would."""
    wanted = [planned[int(d.ref)] for d in shown if d.ref.isdigit()]
    refused: dict[int, str] = {}
    chosen = plan_release.makers(uow, wanted, today=today, refused=refused)
    found = []
    for d in shown:
        maker = chosen.get(int(d.ref)) if d.ref.isdigit() else None
        if maker is None:
            why = refused.get(int(d.ref)) if d.ref.isdigit() else None
            suggestion = d.suggestion or f"Start it by hand: {why}."
            found.append(_replace(d, suggestion=suggestion))
            continue
        suggestion = (
            f"Release it as a job at {maker.supplier} ({maker.reason}); its good units come "
            "into stock."
        )
        found.append(
            _replace(
                d, suggestion=suggestion,
                actions=(Action("release", f"Release as a job at {maker.supplier}", PLANNERS),
                         SNOOZE),
                details=(("into", "job"), ("supplier", maker.supplier)),
            )
        )  # fmt: skip
    return found


def _replace(d: Decision, **changed: object) -> Decision:
    return Decision(**{**vars(d), **changed})  # type: ignore[arg-type]


def release(uow: UnitOfWork, entry: Decision, now: datetime) -> str:
    """Release the planned order of ``entry`` as its suggestion says (a draft PO to the
    cheapest listed supplier, a job at its maker); what was done, in a sentence."""
    facts = dict(entry.details)
    done = plan_release.release_planned(
        uow, plan_numbers=[int(entry.ref)], to=facts["into"], suppliers=[facts["supplier"]],
        into_draft=True, now=now,
    )  # fmt: skip
    (reference,) = done.references
    if done.added:
        return done.message.removesuffix(": issue it from Procurement")
    if done.to == "po":
        return f"Planned order {entry.ref} released into draft {reference} to {facts['supplier']}"
    return (
        f"Planned order {entry.ref} released into {reference} at {facts['supplier']} (planned; "
        f"releasing the job issues its materials: flexchain jobs release {reference[4:]})"
    )
