"""What a person decides on a rule's firing (:mod:`flexchain.domain.supplier_rules`), and what
the decision does to the supplier's policy: ``restore`` undoes a delivery-delay cut,
``end_monitoring`` ends closer monitoring, ``keep`` lets the action stand, ``dismiss`` marks the
firing unwarranted and undoes its action. Only an open firing is decided, once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from enum import StrEnum
from typing import Any

from flexchain.domain.checks import choice, text
from flexchain.domain.errors import IllegalTransition, ValidationError
from flexchain.domain.supplier_rules import WEIGHT_PLACES, FiringStatus, Policy, Rule

__all__ = ["ALLOWED", "Decision", "decide", "policy_after_decision"]

_ONE = Decimal(1)


class Decision(StrEnum):
    RESTORE = "restore"
    """delivery_delays: the supplier's allocation weight goes back up by this firing's cut."""
    KEEP = "keep"
    """The firing's action stands (weight stays cut, monitoring goes on, the alert is noted)."""
    END_MONITORING = "end_monitoring"
    """on_time_rate: closer monitoring ends."""
    DISMISS = "dismiss"
    """The firing was not warranted: its action is undone (weight restored, monitoring ended)."""


ALLOWED = {
    Rule.DELIVERY_DELAYS: (Decision.RESTORE, Decision.KEEP, Decision.DISMISS),
    Rule.ON_TIME_RATE: (Decision.KEEP, Decision.END_MONITORING, Decision.DISMISS),
    Rule.CERTIFICATE_EXPIRING: (Decision.KEEP, Decision.DISMISS),
    Rule.CERTIFICATE_EXPIRED: (Decision.KEEP, Decision.DISMISS),
    Rule.SINGLE_SOURCE: (Decision.KEEP, Decision.DISMISS),
    Rule.CHECKIN_OVERDUE: (Decision.KEEP, Decision.DISMISS),
}
"""The decisions each rule's firing takes."""


def decide(
    rule: Rule, status: FiringStatus, decision: object, note: object
) -> tuple[FiringStatus, Decision, str]:
    """The status a firing takes on ``decision`` (allowed for its rule), and the note."""
    if status is not FiringStatus.OPEN:
        raise IllegalTransition(f"the firing is {status.value}: only an open firing is decided")
    chosen = choice(Decision, decision, "decision")
    if chosen not in ALLOWED[rule]:
        names = ", ".join(d.value for d in ALLOWED[rule])
        raise ValidationError("decision", f"a {rule.value} firing takes {names}, not {chosen}")
    why = text(note, "note", max_length=2000, required=False)
    done = FiringStatus.DISMISSED if chosen is Decision.DISMISS else FiringStatus.DECIDED
    return done, chosen, why


def policy_after_decision(
    policy: Policy, rule: Rule, decision: Decision, figures: Mapping[str, Any], note: str
) -> Policy:
    """The supplier's policy after a person decided on a firing (its action undone or kept)."""
    undo = decision in (Decision.RESTORE, Decision.DISMISS)
    if rule is Rule.DELIVERY_DELAYS and undo:
        cut = Decimal(figures["weight_cut"])
        weight = min(_ONE, (policy.allocation_weight / cut).quantize(WEIGHT_PLACES))
        return replace(
            policy, allocation_weight=weight, reason=note or "allocation weight restored"
        )
    if rule is Rule.ON_TIME_RATE and decision in (Decision.END_MONITORING, Decision.DISMISS):
        why = note or "monitoring ended"
        return replace(policy, monitoring=False, monitoring_since=None, reason=why,
                       checkin_interval_days=None, spot_checks_per_week=0)  # fmt: skip
    return policy
