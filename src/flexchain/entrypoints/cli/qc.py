"""``flexchain qc ...``: tamper-evident QC records (``qc verify``), results and files.

``qc record`` appends a result with its photos and clips to the supplier's hash chain, ``qc
list`` shows records newest first, ``qc head`` a supplier's chain head (what its portal
shows), and ``qc verify`` walks every chain: exit code 1 and the first bad record named when
history was edited, deleted or reordered in the database.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from flexchain.entrypoints.cli.context import fail, opened, reported_errors, state_of
from flexchain.entrypoints.cli.render import console, plain, print_json_array, table
from flexchain.services import files as shared_files
from flexchain.services import qc

__all__ = ["qc_app"]

qc_app = typer.Typer(help="QC records: a hash chain that shows any edit.", no_args_is_help=True)

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print JSON only; decimals as exact strings.")
]
COLUMNS = (
    ("id", "Id"),
    ("supplier", "Supplier"),
    ("seq", "Seq"),
    ("kind", "Kind"),
    ("subject", "Subject"),
    ("result", "Result"),
    ("accepted", "Accepted"),
    ("rejected", "Rejected"),
    ("files", "Files"),
    ("recorded_at", "Recorded"),
    ("hash", "Hash"),
)


def _row(view: qc.QcRecordView) -> dict[str, Any]:
    return {
        **plain(view),
        "files": len(view.files),
        "recorded_at": f"{view.recorded_at:%Y-%m-%d %H:%M}",
        "hash": view.hash[:12],
    }


@qc_app.command("verify")
def qc_verify(
    ctx: typer.Context,
    check_files: Annotated[
        bool,
        typer.Option("--files", help="Also read every photo and clip and check its hash."),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Check every supplier's chain; exit code 1 naming the first bad record if history was
    edited, deleted or reordered (with --files: or a photo is missing or altered on disk)."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        store = shared_files.store_for(app.settings) if check_files else None
        report = qc.verify_chain(uow, store)
    if as_json:
        body = {**plain(report), "first_bad": plain(report.first_bad)}
        typer.echo(json.dumps(body, ensure_ascii=False, indent=2))
    elif report.ok:
        files = f", {report.files_checked} file(s) as hashed" if check_files else ""
        console.print(
            f"QC chains hold: {report.chains} chain(s), {report.records} record(s){files}.",
            markup=False,
        )
    if not report.ok:
        for bad in report.bad:
            typer.echo(f"BROKEN: {bad}", err=True)
        for bad in report.bad_files:
            typer.echo(f"FILE: {bad}", err=True)
        raise typer.Exit(1)


@qc_app.command("list")
def qc_list(
    ctx: typer.Context,
    supplier: Annotated[str | None, typer.Option("--supplier", help="A supplier code.")] = None,
    subject: Annotated[
        str | None, typer.Option("--subject", help="What was checked, e.g. RCV-000001/1.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000)] = 100,
    as_json: JsonOption = False,
) -> None:
    """QC records newest first."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        found = qc.list_qc_records(uow, supplier=supplier, subject=subject, limit=limit)
    if as_json:
        print_json_array(found)
    elif not found:
        console.print("No QC records.", markup=False)
    else:
        rows = [_row(view) for view in found]
        console.print(table(COLUMNS, rows, numeric=("id", "seq", "accepted", "rejected")))


@qc_app.command("head")
def qc_head(
    ctx: typer.Context,
    supplier: Annotated[str, typer.Argument(help="A supplier code.")],
    as_json: JsonOption = False,
) -> None:
    """A supplier's chain head: the seq and hash of its last record."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        head = qc.chain_head(uow, supplier)
    if as_json:
        typer.echo(json.dumps(plain(head), ensure_ascii=False, indent=2))
    else:
        console.print(f"{head.supplier}: seq {head.seq}, hash {head.hash}", markup=False)


def _uploads(paths: list[Path]) -> list[shared_files.Upload]:
    uploads = []
    for path in paths:
        try:
            uploads.append(shared_files.Upload(path.name, path.read_bytes()))
        except OSError as error:
            raise fail(f"cannot read {path}: {error.strerror}") from None
    return uploads


@qc_app.command("record")
def qc_record(
    ctx: typer.Context,
    supplier: Annotated[str, typer.Option("--supplier", help="The supplier's code.")],
    subject: Annotated[
        str, typer.Option("--subject", help="What was checked: RCV-000001/1, JOB-12, PO-000004/2.")
    ],
    result: Annotated[str, typer.Option("--result", help="pass, fail or partial.")],
    kind: Annotated[
        str, typer.Option("--kind", help="qc_result, inspection, spot_check or first_article.")
    ] = "qc_result",
    accepted: Annotated[str, typer.Option("--accepted", help="Units accepted.")] = "0",
    rejected: Annotated[str, typer.Option("--rejected", help="Units rejected.")] = "0",
    reason: Annotated[str, typer.Option("--reason", help="Why (required unless pass).")] = "",
    photo: Annotated[
        list[Path] | None,
        typer.Option("--photo", help="A photo or clip (JPEG, PNG, WebP, MP4, WebM, MOV); repeat."),
    ] = None,
    spot_check: Annotated[
        str | None, typer.Option("--spot-check", help="The spot check it answers (SPC-...).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Append a QC result with its photos to the supplier's chain."""
    uploads = _uploads(list(photo or []))
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        view = qc.record_qc_result(
            uow,
            shared_files.store_for(app.settings),
            supplier=supplier,
            kind=kind,
            subject=subject,
            result=result,
            accepted=accepted,
            rejected=rejected,
            reason=reason,
            uploads=uploads,
            spot_check=spot_check,
            now=datetime.now(UTC),
        )
        uow.commit()
    if as_json:
        typer.echo(json.dumps(plain(view), ensure_ascii=False, indent=2))
    else:
        console.print(
            f"Recorded {view.supplier} #{view.seq} ({view.kind} {view.subject}: {view.result}), "
            f"{len(view.files)} file(s), hash {view.hash}",
            markup=False,
            soft_wrap=True,
        )
