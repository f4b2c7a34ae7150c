"""``/budgets``: purchasing budgets by month in the brand's currency, the same use cases as
``flexchain budget``.

Buyers and finance (and admin) set and remove budgets; the brand's staff read them, as they
read purchase orders. A supplier's user is refused (403): a budget is the brand's own figure,
across suppliers, and has no supplier-scoped view. Money is an exact decimal string.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from flexchain.domain.identity import STAFF, Principal, Role
from flexchain.entrypoints.api.access import allow
from flexchain.entrypoints.api.deps import AppDep, uow_for
from flexchain.entrypoints.api.inputs import STORABLE_TEXT
from flexchain.entrypoints.api.responses import errors
from flexchain.entrypoints.cli.render import plain
from flexchain.services import budgets

__all__ = ["router"]

router = APIRouter(tags=["budgets"], dependencies=[STORABLE_TEXT])

SETTERS = (Role.ADMIN, Role.BUYER, Role.FINANCE)
"""Set and remove budgets: the brand's buying and money decisions."""
Month = Annotated[str, Path(min_length=7, max_length=7, description="e.g. 2026-03")]
SupplierCode = Annotated[
    str | None, Query(max_length=64, description="The supplier's code (none: brand-wide)")
]
WRITE = errors("A bad month or amount", missing="No such supplier or budget", body=True)
READ = errors("A bad month")


class BudgetIn(BaseModel):
    amount: str = Field(description="In the brand's currency, an exact decimal, e.g. 25000.00")
    supplier: str | None = Field(default=None, max_length=64, description="none: brand-wide")


def _now() -> datetime:
    return datetime.now(UTC)


@router.get("/budgets", responses=READ)
def list_budgets(
    app: AppDep,
    who: Annotated[Principal, allow(*STAFF)],
    first: Annotated[
        str | None, Query(alias="from", max_length=7, description="First month, e.g. 2026-01")
    ] = None,
    last: Annotated[
        str | None, Query(alias="to", max_length=7, description="Last month, e.g. 2026-06")
    ] = None,
) -> Any:
    """Budgets by month and scope with what is committed (orders issued in the month, at the
    issue date's rate), invoiced (approved or paid, at the invoice date's rate), remaining and
    the share used, in the brand's currency."""
    with uow_for(app, who, write=False) as uow:
        found = budgets.budget_report(
            uow, first=first, last=last, base=app.settings.default_currency
        )
    return JSONResponse(plain([line.as_dict() for line in found]))


@router.put("/budgets/{month}", responses=WRITE)
def set_budget(
    month: Month, body: BudgetIn, app: AppDep, who: Annotated[Principal, allow(*SETTERS)]
) -> Any:
    """Set a month's budget, brand-wide or for one supplier (replacing it; audited)."""
    with uow_for(app, who) as uow:
        line = budgets.set_budget(
            uow, month, body.amount, supplier=body.supplier,
            base=app.settings.default_currency, now=_now(),
        )  # fmt: skip
        uow.commit()
    return JSONResponse(plain(line.as_dict()))


@router.delete("/budgets/{month}", responses=errors("A bad month", missing="No such budget"))
def remove_budget(
    month: Month,
    app: AppDep,
    who: Annotated[Principal, allow(*SETTERS)],
    supplier: SupplierCode = None,
) -> Any:
    """Remove a month's budget, brand-wide or the supplier's (audited)."""
    with uow_for(app, who) as uow:
        removed = budgets.remove_budget(uow, month, supplier=supplier, now=_now())
        uow.commit()
    return JSONResponse(plain(removed))
