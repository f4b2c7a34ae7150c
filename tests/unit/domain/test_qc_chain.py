"""The QC hash chain: canonical form, linking, and verify detecting any single edit, deletion
or swap (hypothesis), naming the first bad record."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flexchain.domain.qc_chain import (
    GENESIS,
    ChainLink,
    ChainRecord,
    canonical,
    link,
    record_hash,
    verify,
)

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


def chain(n: int, supplier_id: int = 1) -> list[ChainRecord]:
    records: list[ChainRecord] = []
    head: ChainLink | None = None
    for i in range(n):
        draft = ChainRecord(
            supplier_id, 0, "qc_result", f"JOB-{i}", "pass", Decimal(10 + i), Decimal(0), "",
            {"files": []}, [f"{i:064x}"], T0 + timedelta(minutes=i), "user:qc", GENESIS,
        )  # fmt: skip
        placed = replace(link(head, draft), id=100 * supplier_id + i + 1)
        records.append(placed)
        head = ChainLink(placed.seq, placed.hash)
    return records


def heads(records: list[ChainRecord]) -> dict[int, ChainLink]:
    last: dict[int, ChainLink] = {}
    for r in records:
        last[r.supplier_id] = ChainLink(r.seq, r.hash)
    return last


def test_a_chain_links_each_record_to_the_one_before() -> None:
    records = chain(3)
    assert [r.seq for r in records] == [1, 2, 3]
    assert records[0].prev_hash == GENESIS
    assert records[1].prev_hash == records[0].hash and records[2].prev_hash == records[1].hash
    assert all(record_hash(r) == r.hash for r in records)
    assert verify(records, heads(records)).ok


def test_the_canonical_form_ignores_trailing_zeros_and_time_zones() -> None:
    from zoneinfo import ZoneInfo

    lisbon = T0.astimezone(ZoneInfo("Europe/Lisbon"))
    assert canonical({"q": Decimal("5.000"), "at": lisbon}) == canonical(
        {"at": T0, "q": Decimal(5)}
    )
    with pytest.raises(ValueError, match="naive"):
        canonical({"at": datetime(2026, 1, 1)})


def test_the_hash_covers_seq_and_prev_hash() -> None:
    (first,) = chain(1)
    assert record_hash(replace(first, seq=2)) != first.hash
    assert record_hash(replace(first, prev_hash="f" * 64)) != first.hash
    assert record_hash(replace(first, id=999)) == first.hash  # the id is not content


EDITS = {
    "reason": lambda r: replace(r, reason="all good"),
    "accepted": lambda r: replace(r, accepted=r.accepted + 1),
    "result": lambda r: replace(r, result="fail"),
    "file_hashes": lambda r: replace(r, file_hashes=["e" * 64]),
    "recorded_at": lambda r: replace(r, recorded_at=r.recorded_at + timedelta(seconds=1)),
    "actor": lambda r: replace(r, actor="user:someone-else"),
}


@given(n=st.integers(2, 8), data=st.data())
def test_any_single_edit_is_named(n: int, data: st.DataObject) -> None:
    records = chain(n)
    at = data.draw(st.integers(0, n - 1))
    field = data.draw(st.sampled_from(sorted(EDITS)))
    tampered = [*records[:at], EDITS[field](records[at]), *records[at + 1 :]]

    report = verify(tampered, heads(records))

    assert not report.ok
    bad = report.first_bad
    assert bad is not None and (bad.seq, bad.id) == (at + 1, records[at].id)
    assert "edited" in bad.problem


@given(n=st.integers(2, 8), data=st.data())
def test_any_single_deletion_is_named(n: int, data: st.DataObject) -> None:
    records = chain(n)
    at = data.draw(st.integers(0, n - 1))
    tampered = records[:at] + records[at + 1 :]

    bad = verify(tampered, heads(records)).first_bad

    assert bad is not None
    if at == n - 1:  # the last one: only the head shows it
        assert bad.seq == n and "deleted from the end" in bad.problem
    else:
        assert (bad.seq, bad.id) == (at + 2, records[at + 1].id)
        assert "deleted" in bad.problem


@given(n=st.integers(2, 8), data=st.data())
def test_any_swap_of_two_records_is_named(n: int, data: st.DataObject) -> None:
    records = chain(n)
    i, j = sorted(data.draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=2, unique=True)))
    # a swap in the database: the two rows exchange their places (seq) in the chain
    swapped = list(records)
    swapped[i] = replace(records[j], seq=records[i].seq)
    swapped[j] = replace(records[i], seq=records[j].seq)

    bad = verify(swapped, heads(records)).first_bad

    assert bad is not None and (bad.seq, bad.id) == (i + 1, records[j].id)


def test_a_re_hashed_swap_is_still_named_as_reordered() -> None:
    # given someone who swaps two records and recomputes each one's hash
    a, b, c = chain(3)
    moved_c = replace(c, seq=2)
    moved_b = replace(b, seq=3)
    rehashed = [
        a,
        replace(moved_c, hash=record_hash(moved_c)),
        replace(moved_b, hash=record_hash(moved_b)),
    ]

    bad = verify(rehashed).first_bad

    assert bad is not None and bad.seq == 2 and "reordered" in bad.problem


def test_each_suppliers_chain_is_checked_on_its_own() -> None:
    one, two = chain(3, supplier_id=1), chain(2, supplier_id=2)
    broken = [*one, two[0], replace(two[1], reason="edited")]

    report = verify(broken, heads(one + two))

    assert (report.chains, report.records) == (2, 5)
    assert [(b.supplier_id, b.seq) for b in report.bad] == [(2, 2)]


def test_a_head_without_records_means_they_were_all_deleted() -> None:
    report = verify([], {7: ChainLink(4, "a" * 64)})

    assert report.first_bad is not None
    assert (report.first_bad.supplier_id, report.first_bad.seq) == (7, 4)
    assert verify([], {}).ok


def test_the_docstring_examples_run() -> None:
    import doctest

    from flexchain.domain import qc_chain

    result = doctest.testmod(qc_chain)
    assert result.attempted > 0 and result.failed == 0
