"""A purchase order moves only along its legal transitions; closed and cancelled are final."""

from __future__ import annotations

import pytest

from flexchain.domain.errors import IllegalTransition
from flexchain.domain.purchase_orders import PO_ALLOWED, POHeaderStatus, po_transition


@pytest.mark.parametrize(("start", "end"), [(s, e) for s in POHeaderStatus for e in POHeaderStatus])
def test_a_po_allows_exactly_its_transitions(start: POHeaderStatus, end: POHeaderStatus) -> None:
    if end in PO_ALLOWED[start]:
        assert po_transition(start, end) is end
    else:
        with pytest.raises(IllegalTransition, match=f"purchase order is {start.value}"):
            po_transition(start, end)


def test_the_legal_moves_are_the_lifecycles() -> None:
    legal = {(s.value, e.value) for s, ends in PO_ALLOWED.items() for e in ends}
    assert legal == {
        ("draft", "sent"),
        ("draft", "cancelled"),
        ("sent", "confirmed"),
        ("sent", "cancelled"),
        ("confirmed", "confirmed"),  # a later confirmation re-dates or changes quantities
        ("confirmed", "closed"),
    }
    with pytest.raises(IllegalTransition, match="closed, which is final"):
        po_transition("closed", "sent")
