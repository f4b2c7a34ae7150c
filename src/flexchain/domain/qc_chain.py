"""Tamper-evident QC records: one hash chain per supplier.

Each record carries the hash of the record before it (``prev_hash``; the first carries
:data:`GENESIS`) and its own ``hash``: the SHA-256 of its canonical form, every field but ``id``
and ``hash`` (so ``seq`` and ``prev_hash`` are covered). Editing a record changes its hash;
deleting one leaves a gap in ``seq`` and a ``prev_hash`` that points at nothing; swapping two
makes a record's ``prev_hash`` point at a record that does not come before it. Deleting the last
records is caught by the head each supplier's chain keeps beside it (and shown to the supplier).

Canonical form: JSON with sorted keys and no spaces; decimals as exact strings without trailing
zeros (``"5"``, not ``"5.000"``), times as UTC ISO 8601 with microseconds, so a record hashes the
same after a round trip through SQLite or PostgreSQL. Pure: no I/O.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from itertools import groupby
from typing import Any

from flexchain.domain.errors import format_decimal

__all__ = [
    "GENESIS",
    "BadRecord",
    "ChainLink",
    "ChainRecord",
    "ChainReport",
    "QcKind",
    "QcResult",
    "canonical",
    "link",
    "record_hash",
    "verify",
]

GENESIS = "0" * 64
"""The ``prev_hash`` of a supplier's first record."""


class QcKind(StrEnum):
    INSPECTION = "inspection"
    QC_RESULT = "qc_result"
    SPOT_CHECK = "spot_check"
    FIRST_ARTICLE = "first_article"


class QcResult(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    PARTIAL = "partial"


@dataclass(frozen=True)
class ChainRecord:
    """One QC record as stored: its content, its place in the chain and its hashes."""

    supplier_id: int
    seq: int
    kind: str
    subject: str
    result: str
    accepted: Decimal
    rejected: Decimal
    reason: str
    payload: Mapping[str, Any]
    file_hashes: Sequence[str]
    recorded_at: datetime
    actor: str
    prev_hash: str
    hash: str = ""
    id: int | None = None

    def content(self) -> dict[str, Any]:
        """Every field the hash covers (all but ``id`` and ``hash``)."""
        return {
            "supplier_id": self.supplier_id,
            "seq": self.seq,
            "kind": self.kind,
            "subject": self.subject,
            "result": self.result,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "reason": self.reason,
            "payload": dict(self.payload),
            "file_hashes": list(self.file_hashes),
            "recorded_at": self.recorded_at,
            "actor": self.actor,
            "prev_hash": self.prev_hash,
        }


@dataclass(frozen=True)
class ChainLink:
    """Where the next record of a chain goes: after ``seq`` whose hash is ``hash``."""

    seq: int = 0
    hash: str = GENESIS


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format_decimal(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime in a QC record: use UTC")
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if value is None or isinstance(value, str | int | bool):
        return value
    raise TypeError(f"a QC record cannot hold {type(value).__name__}")


def canonical(content: Mapping[str, Any]) -> bytes:
    """The bytes a record's hash is taken of.

    >>> canonical({"b": Decimal("5.000"), "a": "x"})
    b'{"a":"x","b":"5"}'
    """
    text = json.dumps(_plain(content), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def record_hash(record: ChainRecord) -> str:
    """SHA-256 (hex) of the record's canonical content."""
    return hashlib.sha256(canonical(record.content())).hexdigest()


def link(head: ChainLink | None, record: ChainRecord) -> ChainRecord:
    """``record`` placed after ``head`` (``None``: first of its chain): its ``seq``,
    ``prev_hash`` and ``hash`` filled in."""
    head = head or ChainLink()
    placed = replace(record, seq=head.seq + 1, prev_hash=head.hash, hash="")
    return replace(placed, hash=record_hash(placed))


@dataclass(frozen=True)
class BadRecord:
    """The first record of a chain that does not hold: whose, where, and what is wrong."""

    supplier_id: int
    seq: int
    id: int | None
    problem: str


@dataclass(frozen=True)
class ChainReport:
    """What :func:`verify` found: ``ok`` when every chain holds."""

    records: int
    chains: int
    bad: tuple[BadRecord, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.bad

    @property
    def first_bad(self) -> BadRecord | None:
        return self.bad[0] if self.bad else None


def _check_one(record: ChainRecord, expected_seq: int, prev_hash: str, known: set[str]) -> str:
    """What is wrong with ``record`` at position ``expected_seq`` after ``prev_hash`` ('': ok)."""
    problems = []
    if record.seq != expected_seq:
        what = (
            f"records {expected_seq}..{record.seq - 1} are missing (deleted)"
            if record.seq > expected_seq
            else f"seq {record.seq} where {expected_seq} was expected (reordered)"
        )
        problems.append(what)
    elif record.prev_hash != prev_hash:
        if record.prev_hash in known:
            problems.append("its prev_hash names another record than the one before it (reordered)")
        else:
            problems.append(
                "its prev_hash matches no record before it "
                "(a record before it was deleted, replaced or moved: reordered)"
            )
    if record_hash(record) != record.hash:
        problems.append("its content does not match its hash (edited)")
    return "; ".join(problems)


def _verify_chain(
    records: Sequence[ChainRecord], head: ChainLink | None
) -> tuple[BadRecord | None, int]:
    known = {record.hash for record in records}
    prev_hash, expected = GENESIS, 1
    for record in records:
        problem = _check_one(record, expected, prev_hash, known)
        if problem:
            return BadRecord(record.supplier_id, record.seq, record.id, problem), len(records)
        prev_hash, expected = record.hash, record.seq + 1
    last = records[-1]
    if head is not None and (last.seq, last.hash) != (head.seq, head.hash):
        problem = (
            f"the chain ends at seq {last.seq} but its head is seq {head.seq} "
            f"(hash {head.hash[:12]}): records were deleted from the end or edited"
        )
        return BadRecord(last.supplier_id, head.seq, None, problem), len(records)
    return None, len(records)


def verify(
    records: Iterable[ChainRecord], heads: Mapping[int, ChainLink] | None = None
) -> ChainReport:
    """Check every supplier's chain (records in any order; each chain is walked by ``seq``)
    and, where ``heads`` has one, that the chain ends at its head (a head whose chain has no
    records left: all were deleted). Reports each broken chain's first bad record, in
    supplier order.
    """
    heads = dict(heads or {})
    ordered = sorted(records, key=lambda r: (r.supplier_id, r.seq, r.id or 0))
    bad: list[BadRecord] = []
    total = 0
    chains = 0
    seen: set[int] = set()
    for supplier_id, group in groupby(ordered, key=lambda r: r.supplier_id):
        chain = list(group)
        seen.add(supplier_id)
        chains += 1
        found, count = _verify_chain(chain, heads.get(supplier_id))
        total += count
        if found is not None:
            bad.append(found)
    for supplier_id in sorted(set(heads) - seen):
        head = heads[supplier_id]
        if head.seq > 0:
            chains += 1
            problem = f"no records left but its head is seq {head.seq}: records were deleted"
            bad.append(BadRecord(supplier_id, head.seq, None, problem))
    bad.sort(key=lambda b: b.supplier_id)
    return ChainReport(records=total, chains=chains, bad=tuple(bad))
