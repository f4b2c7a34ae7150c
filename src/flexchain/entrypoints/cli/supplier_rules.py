"""``flexchain suppliers rules ...``: rules that act (run, list, decide, a supplier's policy);
``flexchain suppliers spot-checks request|list|cancel``: QC spot checks; ``flexchain suppliers
require-certificate SKU CERT [--market EU] [--remove]`` and ``required-certificates``."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from flexchain.entrypoints.cli.context import opened, reported_errors, state_of
from flexchain.entrypoints.cli.render import console, plain, print_json_array, table
from flexchain.entrypoints.cli.suppliers import suppliers_app
from flexchain.services import item_certificates, spot_checks
from flexchain.services import supplier_rules as rules

__all__ = ["rules_app", "spot_checks_app", "suppliers_app"]

rules_app = typer.Typer(help="Rules that act on what suppliers did.", no_args_is_help=True)
spot_checks_app = typer.Typer(help="QC spot checks requested of suppliers.", no_args_is_help=True)
suppliers_app.add_typer(rules_app, name="rules")
suppliers_app.add_typer(spot_checks_app, name="spot-checks")

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print JSON only; decimals as exact strings.")
]
FIRING_COLUMNS = (
    ("id", "Id"),
    ("rule", "Rule"),
    ("supplier", "Supplier"),
    ("item", "Item"),
    ("status", "Status"),
    ("fired_at", "Fired (UTC)"),
)
SPOT_COLUMNS = (
    ("number", "Number"),
    ("supplier", "Supplier"),
    ("of", "Of"),
    ("status", "Status"),
    ("video", "Clip"),
    ("due_by", "Due by (UTC)"),
)


def _now() -> datetime:
    return datetime.now(UTC)


def _echo(record: Any) -> None:
    typer.echo(json.dumps(plain(record), ensure_ascii=False, indent=2))


def _minute(at: datetime) -> str:
    return f"{at:%Y-%m-%d %H:%M}"


def _spot_rows(found: list[spot_checks.SpotCheckView]) -> list[dict[str, Any]]:
    return [
        {"number": s.number, "supplier": s.supplier, "status": s.status,
         "of": f"job {s.job_id}" if s.job_id is not None else s.po_number or "-",
         "video": "yes" if s.video_requested else "no", "due_by": _minute(s.due_by)}
        for s in found
    ]  # fmt: skip


def _print_spots(found: list[spot_checks.SpotCheckView]) -> None:
    console.print(table(SPOT_COLUMNS, _spot_rows(found)))
    for s in found:
        console.print(f"{s.number}: {s.reason}", markup=False, soft_wrap=True)


def _describe(f: rules.FiringView) -> None:
    console.print(f"{f.id} {f.rule} ({f.status}): {f.why}", markup=False, soft_wrap=True)
    console.print(f"  did: {f.action}", markup=False, soft_wrap=True)
    if f.status == "open":
        console.print(f"  to decide: {f.decision}", markup=False, soft_wrap=True)
    else:
        note = f": {f.decision_note}" if f.decision_note else ""
        console.print(f"  {f.status} by {f.decided_by}{note}", markup=False, soft_wrap=True)


@rules_app.command("run")
def rules_run(
    ctx: typer.Context,
    today: Annotated[
        datetime | None,
        typer.Option("--today", formats=["%Y-%m-%d"], help="The day to judge \\[default: today]."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Evaluate every supplier rule and apply what fires (a second run fires nothing new)."""
    now = _now()
    if today is not None:
        now = datetime.combine(today.date(), now.time(), UTC)
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        settings = rules.rule_settings(app.settings)
        run = rules.run_rules(uow, now=now, settings=settings,
                              currency=app.settings.default_currency)  # fmt: skip
        uow.commit()
    if as_json:
        _echo(run)
        return
    console.print(f"{len(run.fired)} fired, {len(run.spot_checks)} spot checks requested, "
                  f"{run.open} open.", markup=False)  # fmt: skip
    for firing in run.fired:
        _describe(firing)
    for check in run.spot_checks:
        console.print(f"Requested {check.number} of {check.supplier}: {check.reason}",
                      markup=False, soft_wrap=True)  # fmt: skip
    for note in run.notes:
        console.print(f"Note: {note}", markup=False, soft_wrap=True)


@rules_app.command("list")
def rules_list(
    ctx: typer.Context,
    status: Annotated[
        str | None, typer.Option("--status", help="open, decided or dismissed.")
    ] = None,
    supplier: Annotated[str | None, typer.Option("--supplier", help="A supplier code.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Rule firings, newest first: why each fired, what it did, what to decide."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        found = rules.list_firings(uow, status=status, supplier=supplier)
    if as_json:
        print_json_array(found)
    elif not found:
        console.print("No rule firings: run them with suppliers rules run.", markup=False)
    else:
        rows = [{**plain(f), "fired_at": _minute(f.fired_at)} for f in found]
        console.print(table(FIRING_COLUMNS, rows, numeric=("id",)))
        for firing in found:
            _describe(firing)


@rules_app.command("decide")
def rules_decide(
    ctx: typer.Context,
    firing: Annotated[int, typer.Argument(metavar="FIRING", help="The firing's id.")],
    decision: Annotated[str, typer.Argument(metavar="restore|keep|end_monitoring|dismiss")],
    note: Annotated[str, typer.Option("--note", help="Why (kept with the decision).")] = "",
    as_json: JsonOption = False,
) -> None:
    """Decide an open firing: restore the weight, keep the action, end monitoring, dismiss."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        view = rules.decide_firing(uow, firing, decision=decision, note=note, now=_now())
        uow.commit()
    if as_json:
        _echo(view)
    else:
        _describe(view)


@rules_app.command("policy")
def rules_policy(
    ctx: typer.Context,
    supplier: Annotated[str, typer.Argument(metavar="SUPPLIER", help="A supplier code.")],
    as_json: JsonOption = False,
) -> None:
    """What the rules set for a supplier: allocation weight, monitoring."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        view = rules.supplier_policy(uow, supplier)
    if as_json:
        _echo(view)
        return
    watched = (f"under closer monitoring since {view.monitoring_since:%Y-%m-%d}: check-ins every"
               f" {view.checkin_interval_days} days, {view.spot_checks_per_week} spot checks a "
               "week" if view.monitoring else "not monitored")  # fmt: skip
    console.print(f"{view.supplier}: allocation weight {plain(view.allocation_weight)}, "
                  f"{watched}" + (f"; last change: {view.reason}" if view.reason else ""),
                  markup=False, soft_wrap=True)  # fmt: skip


@spot_checks_app.command("request")
def spot_checks_request(
    ctx: typer.Context,
    supplier: Annotated[
        str | None, typer.Option("--supplier", help="Ask this supplier (else: random ones).")
    ] = None,
    job: Annotated[int | None, typer.Option("--job", help="Of this job (with --supplier).")] = None,
    po: Annotated[str | None, typer.Option("--po", help="Of this PO (with --supplier).")] = None,
    reason: Annotated[str, typer.Option("--reason", help="Why (with --supplier).")] = "",
    video: Annotated[bool, typer.Option("--video/--no-video", help="Ask for a clip.")] = False,
    count: Annotated[int, typer.Option("--count", help="Random checks to request.")] = 3,
    seed: Annotated[int | None, typer.Option("--seed", help="Same seed, same picks.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Request a spot check of one supplier, or ``--count`` random ones (with a clip) among
    suppliers with open work, monitored suppliers first."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        if supplier is not None:
            found = [spot_checks.request_spot_check(
                uow, supplier=supplier, job_id=job, po_number=po, reason=reason, video=video,
                now=_now())]  # fmt: skip
        else:
            found = spot_checks.request_spot_checks(uow, count=count, now=_now(), seed=seed)
        uow.commit()
    if as_json:
        _echo(found[0] if supplier is not None else found)
    elif not found:
        console.print("No supplier with open work is left to check today.", markup=False)
    else:
        _print_spots(found)


@spot_checks_app.command("cancel")
def spot_checks_cancel(
    ctx: typer.Context,
    number: Annotated[str, typer.Argument(metavar="NUMBER", help="SPC-000001")],
    reason: Annotated[str, typer.Option("--reason", help="Why (required).")],
    as_json: JsonOption = False,
) -> None:
    """Withdraw a requested spot check."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        view = spot_checks.cancel_spot_check(uow, number, reason=reason, now=_now())
        uow.commit()
    if as_json:
        _echo(view)
    else:
        console.print(f"{view.number} of {view.supplier}: {view.status}.", markup=False)


@spot_checks_app.command("list")
def spot_checks_list(
    ctx: typer.Context,
    status: Annotated[
        str | None, typer.Option("--status", help="requested, answered or cancelled.")
    ] = None,
    supplier: Annotated[str | None, typer.Option("--supplier", help="A supplier code.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Spot checks, newest first."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        found = spot_checks.list_spot_checks(uow, status=status, supplier=supplier)
    if as_json:
        print_json_array(found)
    elif not found:
        console.print("No spot checks: request some with suppliers spot-checks request.",
                      markup=False)  # fmt: skip
    else:
        _print_spots(found)


@suppliers_app.command("require-certificate")
def require_certificate(
    ctx: typer.Context,
    sku: Annotated[str, typer.Argument(metavar="SKU")],
    certificate: Annotated[str, typer.Argument(metavar="CERT")],
    market: Annotated[str, typer.Option("--market", help="EU, US, ... or * (any).")] = "*",
    remove: Annotated[bool, typer.Option("--remove", help="No longer required.")] = False,
    as_json: JsonOption = False,
) -> None:
    """An item requires a certificate (for a market): suppliers without it, valid, leave its
    sourcing."""
    action = item_certificates.unrequire_certificate if remove else (
        item_certificates.require_certificate)  # fmt: skip
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        view = action(uow, sku, certificate, market=market, now=_now())
        uow.commit()
    if as_json:
        _echo(view)
    else:
        verb = "no longer requires" if remove else "requires"
        console.print(f"{view.sku} {verb} {view.certificate} (market {view.market}).",
                      markup=False)  # fmt: skip


@suppliers_app.command("required-certificates")
def required_certificates(
    ctx: typer.Context,
    sku: Annotated[str | None, typer.Argument(metavar="[SKU]")] = None,
    as_json: JsonOption = False,
) -> None:
    """The certificates items require, per market."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        found = item_certificates.list_item_certificates(uow, sku)
    if as_json:
        print_json_array(found)
    elif not found:
        console.print("No item requires a certificate.", markup=False)
    else:
        columns = (("sku", "SKU"), ("certificate", "Certificate"), ("market", "Market"))
        console.print(table(columns, [plain(c) for c in found]))
