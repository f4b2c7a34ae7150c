"""``flexchain source --create po|rfq``: a sourcing proposal written as draft purchase orders
(one per supplier, ``source='sourcing'``) or draft RFQs (one per supplier), each planned
purchase it covers recorded as released (:mod:`flexchain.services.plan_releases`), once.

Before writing, every planned purchase of the proposal is checked unreleased (their rows
locked): one released meanwhile (``flexchain plan release``, ``rfq create --plan``, the Plan
page, Today, the API, another ``source --create``) refuses the whole write with the existing
message naming the planned order and the document it went into. After writing, each is
recorded (kind ``po`` or ``rfq``), so every later release of it is refused the same way.

A planned purchase the optimiser splits across several suppliers goes into several documents:
its one release names them all, in document order, comma-separated (``PO-000111,
PO-000112``; if they do not fit the reference's 64 characters, the first ones and ``+N
more``). Such a release does not lapse when its documents are cancelled (a release lapses when
*its* document is cancelled, and a list is not one document): the planned purchase stays
released for that plan version and the next ``flexchain plan`` nets what is still open. A
planned purchase in one document (the usual case) is releasable again once it is cancelled.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.errors import DomainError
from flexchain.domain.values import utc
from flexchain.services import plan_releases, purchase_orders, rfqs
from flexchain.services.sourcing import ProposedLine, SourcingProposal

__all__ = ["REFERENCE_LENGTH", "create_drafts", "reference_of"]

REFERENCE_LENGTH = 64
"""What a release's reference holds (``plan_releases.reference``)."""


def reference_of(documents: list[str]) -> str:
    """The release reference of a planned purchase written into ``documents`` (in order)."""
    whole = ", ".join(documents)
    if len(whole) <= REFERENCE_LENGTH:
        return whole
    for keep in range(len(documents) - 1, 0, -1):
        shown = f"{', '.join(documents[:keep])} +{len(documents) - keep} more"
        if len(shown) <= REFERENCE_LENGTH:
            return shown
    return documents[0][:REFERENCE_LENGTH]


def _legacy_sourced(uow: UnitOfWork, run_id: int) -> None:
    """Refuse when documents noted ``sourcing of plan N`` exist that no release of the run
    names: written by ``source --create`` before releases were recorded (not cancelled)."""
    note = f"sourcing of plan {run_id}"
    recorded = {
        part.strip()
        for reference in plan_releases.released(uow, run_id).values()
        for part in reference.split(",")
    }
    live = [po.number for po in purchase_orders.list_pos(uow, source="sourcing")
            if po.status != "cancelled" and po.number not in recorded]  # fmt: skip
    made = [n for n in live if purchase_orders.show_po(uow, n).notes == note]
    asked = [r.number for r in rfqs.list_rfqs(uow)
             if r.status != "cancelled" and r.number not in recorded]  # fmt: skip
    made += [n for n in asked if rfqs.show_rfq(uow, n).notes == note]
    if made:
        raise DomainError(
            f"plan {run_id}'s purchases were already sourced into {', '.join(sorted(made))}: "
            "run flexchain plan again (it nets them) or cancel those first"
        )


def _by_supplier(lines: tuple[ProposedLine, ...]) -> dict[str, list[ProposedLine]]:
    grouped: dict[str, list[ProposedLine]] = {}
    for line in sorted(lines, key=lambda line: line.supplier):
        grouped.setdefault(line.supplier, []).append(line)
    return grouped


def create_drafts(
    uow: UnitOfWork, proposal: SourcingProposal, *, rfq: bool = False, now: datetime
) -> list[str]:
    """Write ``proposal``: one draft PO per supplier (``source='sourcing'``), or with ``rfq``
    one draft RFQ per supplier asking for its lines; the numbers written, and each planned
    purchase recorded as released into them (module docstring). A PO line is priced as the
    optimiser priced it: by the supplier's contract valid today where one prices the item (the
    order then falls under that contract, its retention and clauses), else by the list's
    all-units break its pooled quantity reaches."""
    at = utc(now, "now")
    numbers = sorted({n for line in proposal.lines for n in line.planned})
    plan_releases.check_unreleased(uow, proposal.run_id, numbers)
    _legacy_sourced(uow, proposal.run_id)
    note = f"sourcing of plan {proposal.run_id}"
    grouped = _by_supplier(proposal.lines)
    if rfq:
        into = {
            supplier: rfqs.create_rfq(
                uow, suppliers=[supplier], now=at, currency=lines[0].currency, notes=note,
                lines=[{"item": line.item, "quantity": line.quantity, "need_date": line.due_date}
                       for line in lines],
            ).number
            for supplier, lines in grouped.items()
        }  # fmt: skip
    else:
        made = purchase_orders.create_purchase_orders(
            uow,
            [
                purchase_orders.Proposal(
                    line.supplier, line.item, Decimal(line.quantity), line.due_date,
                    None,  # priced by the contract or list breaks, as the optimiser priced it
                    tuple(("planned", str(number)) for number in line.planned),
                )
                for lines in grouped.values()
                for line in lines
            ],
            source="sourcing", notes=note, now=at,
        )  # fmt: skip
        into = {po.supplier: po.number for po in made}
    documents: dict[int, list[str]] = {}
    for supplier, lines in grouped.items():
        for number in sorted({n for line in lines for n in line.planned}):
            documents.setdefault(number, []).append(into[supplier])
    references = {n: reference_of(sorted(set(docs))) for n, docs in documents.items()}
    plan_releases.record(uow, proposal.run_id, references, "rfq" if rfq else "po", now=at)
    return list(into.values())
