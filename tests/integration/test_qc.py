"""Tamper-evident QC records on both databases: results with photos join each supplier's hash
chain, inspections of receipts too; `flexchain qc verify` (and the service) name the first
record edited, deleted or reordered by raw SQL; files, certificates and carbon data, each
supplier confined to its own."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import typer
from sqlalchemy import Engine, func, select, text
from typer.testing import CliRunner

from flexchain.adapters.db.tables import AuditRow, SupplierRow
from flexchain.adapters.db.tables.qc import AttachmentRow, QcRecordRow, StoredFileRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.errors import NotFound, ValidationError
from flexchain.entrypoints.cli.context import CliState
from flexchain.entrypoints.cli.qc import qc_app
from flexchain.services import carbon, certificates, qc, receiving
from flexchain.services import files as shared_files
from flexchain.services.files import FileStore, Upload
from tests.integration.test_paying import PO, add_po
from tests.storefront_world import TEE, build_world

UowFactory = Callable[..., UnitOfWork]
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
JPEG = b"\xff\xd8\xff\xe0" + b"photo of seam" * 10
PNG = b"\x89PNG\r\n\x1a\n" + b"photo of label" * 10
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"clip" * 50
PDF = b"%PDF-1.7\n" + b"certificate" * 10


@pytest.fixture
def files(tmp_path: Path) -> FileStore:
    return FileStore(tmp_path / "files", max_bytes=4096)


@pytest.fixture
def world(engine: Engine, make_uow: UowFactory) -> UowFactory:
    build_world(make_uow)
    add_po(make_uow)
    return make_uow


def scoped(engine: Engine, supplier: str | None, *, write: bool = True) -> UnitOfWork:
    """A unit of work as a supplier's user (``None``: the brand)."""
    scope = None
    if supplier is not None:
        with UnitOfWork(engine, write=False) as uow:
            scope = uow.session.scalar(select(SupplierRow.id).where(SupplierRow.code == supplier))
    return UnitOfWork(
        engine, write=write, actor=f"user:{supplier or 'brand'}", supplier_scope=scope
    )


def record(
    make_uow: UowFactory, files: FileStore, supplier: str = "SEW-PT", n: int = 1, **kw: Any
) -> qc.QcRecordView:
    fields: dict[str, Any] = dict(
        supplier=supplier, kind="qc_result", subject=f"JOB-{n}", result="pass", accepted=10,
        uploads=[Upload("seam.jpg", JPEG + bytes([n]))], now=NOW + timedelta(minutes=n),
    )  # fmt: skip
    fields.update(kw)
    with make_uow(actor="user:qc@sew") as uow:
        view = qc.record_qc_result(uow, files, **fields)
        uow.commit()
    return view


def verify(make_uow: UowFactory) -> qc.ChainReport:
    with make_uow(write=False) as uow:
        return qc.verify_chain(uow)


def raw(engine: Engine, *statements: str) -> None:
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))


def test_results_are_chained_per_supplier_with_their_photo_hashes(
    world: UowFactory, files: FileStore
) -> None:
    # given two results of one supplier and one of another
    first = record(world, files, n=1)
    second = record(world, files, n=2, result="partial", accepted=8, rejected=2, reason="stain")
    other = record(world, files, supplier="DYE-PT", n=3)

    # then each chain starts at the genesis hash and links record to record
    assert (first.seq, second.seq, other.seq) == (1, 2, 1)
    assert first.prev_hash == "0" * 64 and other.prev_hash == "0" * 64
    assert second.prev_hash == first.hash
    assert first.file_hashes == (first.files[0].sha256,)
    assert first.files[0].content_type == "image/jpeg"
    assert files.read(first.files[0].sha256) == JPEG + b"\x01"
    with world(write=False) as uow:
        head = qc.chain_head(uow, "SEW-PT")
        listed = qc.list_qc_records(uow, supplier="SEW-PT")
        audited = uow.session.scalar(
            select(func.count()).select_from(AuditRow).where(AuditRow.entity == "qc_record")
        )
    assert (head.seq, head.hash) == (2, second.hash)
    assert [r.seq for r in listed] == [2, 1]
    assert audited == 3
    report = verify(world)
    assert (report.ok, report.chains, report.records) == (True, 2, 3)
    assert {(h.supplier, h.seq, h.recorded_at) for h in report.heads} == {
        ("SEW-PT", 2, second.recorded_at),
        ("DYE-PT", 1, other.recorded_at),
    }


def test_an_inspection_of_a_receipt_joins_the_chain(world: UowFactory, files: FileStore) -> None:
    with world() as uow:
        receipt = receiving.receive_po(uow, PO, {1: 100}, now=NOW)
        receiving.inspect_receipt(
            uow, receipt.number, 1, accepted=95, rejected=5, reason="holes", now=NOW
        )
        uow.commit()
    with world(write=False) as uow:
        (found,) = qc.list_qc_records(uow, supplier="SEW-PT")
    assert (found.kind, found.subject, found.result) == (
        "inspection",
        f"{receipt.number}/1",
        "partial",
    )
    assert (found.accepted, found.rejected, found.reason) == (95, 5, "holes")
    assert verify(world).ok


def _three(world: UowFactory, files: FileStore) -> list[qc.QcRecordView]:
    return [record(world, files, n=n) for n in (1, 2, 3)]


def test_verify_names_an_edited_record(world: UowFactory, files: FileStore, engine: Engine) -> None:
    views = _three(world, files)
    raw(engine, f"UPDATE qc_records SET reason = 'all fine' WHERE id = {views[1].id}")

    bad = verify(world).first_bad

    assert bad is not None and (bad.supplier, bad.seq, bad.id) == ("SEW-PT", 2, views[1].id)
    assert "edited" in bad.problem


def test_verify_names_the_record_after_a_deleted_one(
    world: UowFactory, files: FileStore, engine: Engine
) -> None:
    views = _three(world, files)
    raw(
        engine,
        f"DELETE FROM attachments WHERE owner_kind = 'qc_record' AND owner_ref = '{views[1].id}'",
    )
    raw(engine, f"DELETE FROM qc_records WHERE id = {views[1].id}")

    bad = verify(world).first_bad

    assert bad is not None and (bad.seq, bad.id) == (3, views[2].id)
    assert "records 2..2 are missing (deleted)" in bad.problem


def test_verify_names_a_reordered_record(
    world: UowFactory, files: FileStore, engine: Engine
) -> None:
    views = _three(world, files)
    raw(
        engine,
        f"UPDATE qc_records SET seq = 99 WHERE id = {views[1].id}",
        f"UPDATE qc_records SET seq = 2 WHERE id = {views[2].id}",
        f"UPDATE qc_records SET seq = 3 WHERE id = {views[1].id}",
    )

    bad = verify(world).first_bad

    assert bad is not None and (bad.seq, bad.id) == (2, views[2].id)
    assert "reordered" in bad.problem


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("payload", "'not json'"),
        ("payload", "'[1, 2]'"),
        ("payload", "'\"text\"'"),
        ("file_hashes", "'5'"),
        ("file_hashes", "'{\"a\": 1}'"),
    ],
    ids=["payload-not-json", "payload-a-list", "payload-a-string", "files-a-number", "files-a-map"],
)
def test_verify_names_a_record_whose_json_was_edited_into_another_shape(
    world: UowFactory, files: FileStore, engine: Engine, column: str, value: str
) -> None:
    # given a chain of three, the middle record's JSON edited by hand (PostgreSQL's json type
    # refuses text that is not JSON: that edit is SQLite's alone)
    if value == "'not json'" and engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL refuses invalid JSON in a json column")
    views = _three(world, files)
    raw(engine, f"UPDATE qc_records SET {column} = {value} WHERE id = {views[1].id}")

    # when the chain is verified and listed, it is read, not a crash
    bad = verify(world).first_bad
    with world(write=False) as uow:
        listed = qc.list_qc_records(uow, supplier="SEW-PT")

    # then the edited record is named
    assert bad is not None and (bad.seq, bad.id) == (2, views[1].id)
    assert "edited" in bad.problem
    assert [r.seq for r in listed] == [3, 2, 1]


def test_verify_notices_the_last_record_deleted(
    world: UowFactory, files: FileStore, engine: Engine
) -> None:
    views = _three(world, files)
    raw(engine, f"DELETE FROM attachments WHERE owner_ref = '{views[2].id}'")
    raw(engine, f"DELETE FROM qc_records WHERE id = {views[2].id}")

    bad = verify(world).first_bad

    assert bad is not None and bad.seq == 3 and "deleted from the end" in bad.problem


@pytest.fixture
def cli(world: UowFactory, database_url: str, files: FileStore) -> Callable[..., Any]:
    app = typer.Typer()

    @app.callback()
    def main(ctx: typer.Context) -> None:
        ctx.obj = CliState(database_url=database_url)

    app.add_typer(qc_app, name="qc")
    runner = CliRunner()
    env = {"COLUMNS": "200", "FLEXCHAIN_FILE_STORE_DIR": str(files.root)}

    def invoke(*args: str) -> Any:
        return runner.invoke(app, ["qc", *args], env=env)

    return invoke


def test_cli_verify_exits_non_zero_naming_the_edited_record(
    cli: Callable[..., Any], world: UowFactory, files: FileStore, engine: Engine, tmp_path: Path
) -> None:
    photo = tmp_path / "label.png"
    photo.write_bytes(PNG)
    recorded = cli(
        "record", "--supplier", "SEW-PT", "--subject", "PO-000001/1", "--result", "pass",
        "--accepted", "12", "--photo", str(photo), "--json",
    )  # fmt: skip
    assert recorded.exit_code == 0, recorded.output
    record(world, files, n=2)
    assert cli("verify").exit_code == 0
    with world(write=False) as uow:
        first = next(r for r in qc.list_qc_records(uow, supplier="SEW-PT") if r.seq == 1)
    assert first.files[0].name == "label.png"
    listed, head = cli("list", "--supplier", "SEW-PT"), cli("head", "SEW-PT", "--json")
    assert "PO-000001/1" in listed.stdout and "JOB-2" in listed.stdout
    assert '"seq": 2' in head.stdout

    raw(engine, f"UPDATE qc_records SET accepted = 13000 WHERE id = {first.id}")
    result = cli("verify")

    assert result.exit_code == 1
    assert f"supplier SEW-PT, seq 1 (record {first.id})" in result.output
    assert "edited" in result.output


def test_a_bad_upload_writes_nothing(world: UowFactory, files: FileStore, engine: Engine) -> None:
    cases = [
        [Upload("notes.txt", b"just text")],
        [Upload("big.jpg", b"\xff\xd8\xff" + b"x" * 5000)],
        [Upload("seam.jpg", JPEG), Upload("cert.pdf", PDF)],
    ]
    for uploads in cases:
        with pytest.raises(ValidationError, match="files"):
            record(world, files, uploads=uploads)
    with pytest.raises(ValidationError, match="reason"):
        record(world, files, result="fail", accepted=0, rejected=3)
    with world(write=False) as uow:
        assert uow.session.scalar(select(func.count()).select_from(QcRecordRow)) == 0
        assert uow.session.scalar(select(func.count()).select_from(StoredFileRow)) == 0


def test_a_supplier_records_and_reads_only_its_own(
    world: UowFactory, files: FileStore, engine: Engine
) -> None:
    own = record(lambda **kw: scoped(engine, "SEW-PT"), files, n=1)
    other = record(world, files, supplier="DYE-PT", n=2)

    with scoped(engine, "SEW-PT", write=False) as uow:
        assert [r.id for r in qc.list_qc_records(uow)] == [own.id]
        assert qc.verify_chain(uow).records == 1
        shared_files.open_file(uow, files, own.files[0].id)
        with pytest.raises(NotFound):
            shared_files.open_file(uow, files, other.files[0].id)
        with pytest.raises(NotFound):
            qc.chain_head(uow, "DYE-PT")
    with pytest.raises(NotFound):
        record(lambda **kw: scoped(engine, "SEW-PT"), files, supplier="DYE-PT")


def test_design_files_attached_to_a_po_reach_its_supplier_only(
    world: UowFactory, files: FileStore, engine: Engine
) -> None:
    with world() as uow:
        attached = shared_files.attach_to_po(
            uow, files, PO, Upload("../tech pack.pdf", PDF), note="rev B", now=NOW
        )
        uow.commit()
    assert (attached.file.name, attached.supplier, attached.kind) == (
        "tech pack.pdf",
        "SEW-PT",
        "design",
    )

    with scoped(engine, "SEW-PT", write=False) as uow:
        _, data = shared_files.open_file(uow, files, attached.file.id)
        shared = shared_files.list_shared_files(uow)
    with scoped(engine, "DYE-PT", write=False) as uow:
        with pytest.raises(NotFound):
            shared_files.open_file(uow, files, attached.file.id)
        assert shared_files.list_attachments(uow, "po", PO) == []
    assert data == PDF and [a.id for a in shared] == [attached.id]


def test_a_photo_altered_on_disk_is_refused_and_named_by_verify(
    world: UowFactory, files: FileStore, cli: Callable[..., Any]
) -> None:
    view = record(world, files)
    record(world, files, n=2)
    path = files.root / view.file_hashes[0][:2] / view.file_hashes[0][2:4] / view.file_hashes[0]
    assert cli("verify", "--files").exit_code == 0
    path.write_bytes(JPEG + b"retouched")

    with world(write=False) as uow:
        with pytest.raises(ValidationError, match="altered"):
            shared_files.open_file(uow, files, view.files[0].id)
        report = qc.verify_chain(uow, files)
    result = cli("verify", "--files")

    assert not report.ok and report.bad == () and report.files_checked == 2
    assert [(b.seq, b.id) for b in report.bad_files] == [(1, view.id)]
    assert result.exit_code == 1 and "altered on disk" in result.output
    assert cli("verify").exit_code == 0  # the chain itself holds


def test_certificates_are_renewed_with_their_file_and_days_to_expiry(
    world: UowFactory, files: FileStore
) -> None:
    with world() as uow:
        certificates.add_certificate(
            uow, files, supplier="SEW-PT", name="OEKO-TEX", valid_until="2026-03-12", now=NOW
        )
        renewed = certificates.add_certificate(
            uow, files, supplier="SEW-PT", name="OEKO-TEX", valid_until=date(2027, 3, 1),
            file=Upload("oeko.pdf", PDF), now=NOW,
        )  # fmt: skip
        uow.commit()
    with world(write=False) as uow:
        listed = certificates.list_certificates(uow, supplier="SEW-PT", today=date(2027, 3, 2))

    assert (renewed.valid_until, renewed.days_to_expiry, renewed.expired) == (
        date(2027, 3, 1),
        364,
        False,
    )
    assert [f.name for f in renewed.files] == ["oeko.pdf"]
    oeko = next(c for c in listed if c.name == "OEKO-TEX")
    assert (oeko.days_to_expiry, oeko.expired) == (-1, True)


def test_the_latest_carbon_figure_applies_item_before_default(
    world: UowFactory, files: FileStore
) -> None:
    with world() as uow:
        for item, kg, day in (
            (None, "2.5", "2026-01-01"),
            (TEE, "1.8", "2026-01-01"),
            (TEE, "1.6", "2026-03-01"),
            (TEE, "1.4", "2026-06-01"),
        ):
            carbon.post_carbon(uow, files, supplier="SEW-PT", item=item, kg_co2e_per_unit=kg,
                               as_of=day, now=NOW)  # fmt: skip
        uow.commit()
    with world(write=False) as uow:
        tee = carbon.carbon_per_unit(uow, "SEW-PT", TEE, on=date(2026, 3, 2))
        strap = carbon.carbon_per_unit(uow, "SEW-PT", "M-STRAP", on=date(2026, 3, 2))
        current = [c for c in carbon.list_carbon(uow, today=date(2026, 3, 2)) if c.current]
    assert (tee, strap) == (Decimal("1.6"), Decimal("2.5"))
    assert [(c.sku, c.kg_co2e_per_unit) for c in current] == [
        (None, Decimal("2.5")),
        (TEE, Decimal("1.6")),
    ]
    with world() as uow, pytest.raises(ValidationError, match="kg_co2e_per_unit"):
        carbon.post_carbon(uow, files, supplier="SEW-PT", item=None, kg_co2e_per_unit="-1",
                           as_of="2026-01-01", now=NOW)  # fmt: skip


@pytest.fixture
def attachments_count(engine: Engine) -> Iterator[Callable[[], int]]:
    def count() -> int:
        with UnitOfWork(engine, write=False) as uow:
            return int(uow.session.scalar(select(func.count()).select_from(AttachmentRow)) or 0)

    yield count


# -- through the API ------------------------------------------------------------------------


@pytest.fixture
def api(world: UowFactory, engine: Engine, database_url: str, files: FileStore) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from flexchain.config import Settings
    from flexchain.entrypoints.api import create_app
    from tests.auth import make_user, token_for

    tokens = {
        name: token_for(engine, make_user(engine, role, supplier=supplier))
        for name, role, supplier in (
            ("SEW-PT", "supplier", "SEW-PT"),
            ("DYE-PT", "supplier", "DYE-PT"),
            ("buyer", "buyer", None),
        )
    }
    settings = Settings(database_url=database_url, outbox_worker=False, file_store_dir=files.root)
    with TestClient(create_app(settings)) as client:
        yield client, {k: {"Authorization": f"Bearer {t}"} for k, t in tokens.items()}


def test_a_supplier_posts_a_result_with_a_photo_and_downloads_only_its_own(api: Any) -> None:
    client, auth = api
    form = {"subject": "JOB-7", "result": "partial", "accepted": "9", "rejected": "1",
            "reason": "loose thread"}  # fmt: skip
    posted = client.post(
        "/qc/results", data=form, files=[("files", ("seam.jpg", JPEG, "image/jpeg"))],
        headers=auth["SEW-PT"],
    )  # fmt: skip
    assert posted.status_code == 201, posted.text
    body = posted.json()
    assert (body["supplier"], body["seq"], body["accepted"]) == ("SEW-PT", 1, "9")
    file_id = body["files"][0]["id"]

    own = client.get(f"/files/{file_id}", headers=auth["SEW-PT"])
    other = client.get(f"/files/{file_id}", headers=auth["DYE-PT"])
    head = client.get("/qc/head", headers=auth["SEW-PT"]).json()
    assert (own.status_code, own.content, own.headers["content-type"]) == (200, JPEG, "image/jpeg")
    assert other.status_code == 404 and other.json() == {"detail": f"no file {file_id}"}
    assert (head["seq"], head["hash"]) == (1, body["hash"])
    assert client.get("/qc/records", headers=auth["DYE-PT"]).json() == []


def test_the_api_refuses_a_disguised_file_and_names_a_broken_chain(
    api: Any, engine: Engine
) -> None:
    client, auth = api
    disguised = client.post(
        "/qc/results", data={"subject": "JOB-7", "result": "pass"},
        files=[("files", ("seam.jpg", b"MZ\x90\x00 not a photo", "image/jpeg"))],
        headers=auth["SEW-PT"],
    )  # fmt: skip
    assert disguised.status_code == 422 and "seam.jpg" in disguised.json()["detail"]

    ok = client.post("/qc/results", data={"subject": "JOB-7", "result": "pass"},
                     headers=auth["SEW-PT"]).json()  # fmt: skip
    assert client.get("/qc/verify", headers=auth["buyer"]).json()["ok"] is True
    raw(engine, f"UPDATE qc_records SET result = 'fail', reason = 'x' WHERE id = {ok['id']}")
    report = client.get("/qc/verify", headers=auth["buyer"]).json()
    assert report["ok"] is False
    assert (report["first_bad"]["supplier"], report["first_bad"]["seq"]) == ("SEW-PT", 1)


def test_the_brand_attaches_a_design_file_and_the_supplier_adds_its_certificate(
    api: Any,
) -> None:
    client, auth = api
    attached = client.post(
        f"/purchase-orders/{PO}/attachments", data={"kind": "design", "note": "rev B"},
        files={"file": ("pack.pdf", PDF, "application/pdf")}, headers=auth["buyer"],
    )  # fmt: skip
    refused = client.post(
        f"/purchase-orders/{PO}/attachments",
        files={"file": ("pack.pdf", PDF, "application/pdf")}, headers=auth["SEW-PT"],
    )  # fmt: skip
    assert attached.status_code == 201, attached.text
    assert refused.status_code == 403
    assert (
        client.get(f"/files/{attached.json()['file']['id']}", headers=auth["SEW-PT"]).content == PDF
    )

    cert = client.post(
        "/suppliers/SEW-PT/certificates", data={"name": "GOTS", "valid_until": "2099-01-31"},
        files={"file": ("gots.pdf", PDF, "application/pdf")}, headers=auth["SEW-PT"],
    )  # fmt: skip
    theirs = client.post(
        "/suppliers/DYE-PT/certificates", data={"name": "GOTS", "valid_until": "2099-01-31"},
        headers=auth["SEW-PT"],
    )  # fmt: skip
    bad_day = client.post(
        "/suppliers/SEW-PT/certificates", data={"name": "GOTS", "valid_until": "31.01.2099"},
        headers=auth["SEW-PT"],
    )  # fmt: skip
    assert cert.status_code == 201 and cert.json()["files"][0]["name"] == "gots.pdf"
    assert theirs.status_code == 404 and bad_day.status_code == 422
    carbon_posted = client.post(
        "/suppliers/SEW-PT/carbon", data={"kg_co2e_per_unit": "2.4", "as_of": "2026-01-01"},
        headers=auth["SEW-PT"],
    )  # fmt: skip
    assert carbon_posted.status_code == 201, carbon_posted.text
    listed = client.get("/suppliers/SEW-PT/carbon", headers=auth["buyer"]).json()
    assert [(c["sku"], c["kg_co2e_per_unit"], c["current"]) for c in listed] == [
        (None, "2.4", True)
    ]


def test_a_spot_check_asking_for_video_is_answered_only_with_a_clip(
    world: UowFactory, files: FileStore
) -> None:
    from flexchain.services import spot_checks

    with world() as uow:
        asked = spot_checks.request_spot_check(
            uow, supplier="SEW-PT", po_number=PO, reason="monitoring", video=True, now=NOW
        )
        uow.commit()
    answer: dict[str, Any] = dict(kind="spot_check", subject=asked.number, spot_check=asked.number)
    with pytest.raises(ValidationError, match="asks for a video clip"):
        record(world, files, **answer)
    with pytest.raises(NotFound):
        record(world, files, supplier="DYE-PT", **answer)

    done = record(world, files, uploads=[Upload("line.mp4", MP4)], **answer)

    with world(write=False) as uow:
        check = spot_checks.show_spot_check(uow, asked.number)
        clips = shared_files.list_attachments(uow, "spot_check", asked.number)
    assert (check.status, check.qc_record_id) == ("answered", done.id)
    assert done.spot_check == asked.number and done.files[0].content_type == "video/mp4"
    assert [(a.kind, a.file.name) for a in clips] == [("clip", "line.mp4")]
    with pytest.raises(ValidationError, match="only a requested one"):
        record(world, files, uploads=[Upload("line.mp4", MP4)], **answer)


def test_two_writers_at_once_never_fork_a_chain(world: UowFactory, files: FileStore) -> None:
    from concurrent.futures import ThreadPoolExecutor

    # given two writers appending to the same supplier's chain at the same time
    def append(n: int) -> int:
        return record(world, files, n=n, uploads=[]).seq

    with ThreadPoolExecutor(max_workers=2) as pool:
        seqs = sorted(pool.map(append, range(1, 9)))

    # then every record got its own place, one after the other, and the chain holds
    assert seqs == list(range(1, 9))
    assert verify(world).ok


TAMPERING = {
    "edited": ["UPDATE qc_records SET reason = 'fine' WHERE id = {b}"],
    "deleted": [
        "DELETE FROM attachments WHERE owner_kind = 'qc_record' AND owner_ref = '{b}'",
        "DELETE FROM qc_records WHERE id = {b}",
    ],
    "reordered": [
        "UPDATE qc_records SET seq = 99 WHERE id = {b}",
        "UPDATE qc_records SET seq = 2 WHERE id = {c}",
        "UPDATE qc_records SET seq = 3 WHERE id = {b}",
    ],
}


@pytest.mark.parametrize("what", sorted(TAMPERING))
def test_cli_verify_names_the_first_bad_record_however_history_was_changed(
    cli: Callable[..., Any], world: UowFactory, files: FileStore, engine: Engine, what: str
) -> None:
    # given a chain of three records, and history changed in the database
    _, b, c = _three(world, files)
    raw(engine, *(s.format(b=b.id, c=c.id) for s in TAMPERING[what]))
    # when the chain is verified from the command line
    result = cli("verify")
    # then it exits 1 naming the first bad record and what was done
    first, seq = (b, 2) if what == "edited" else (c, 3) if what == "deleted" else (c, 2)
    assert result.exit_code == 1
    assert f"supplier SEW-PT, seq {seq} (record {first.id})" in result.output
    assert what in result.output
