"""A certified lower bound on the landed cost, computed by HiGHS in its own process.

OR-Tools and highspy bundle clashing HiGHS builds, so the bound never runs where OR-Tools was
imported: :func:`start` launches ``python -m flexchain.planning.sourcing.bound``, sends the
pickled problem on stdin and reads one JSON line per bound found. The model is the full
mixed-integer sourcing model (every requirement, supplier, week, price break, fixed cost,
capacity with holds, share-band roles and the region rule), decomposed by family
(:func:`model` says why the families' bounds add up to a bound of the whole): first the sum
of the families' LP relaxations, then, family by family, the dual bound HiGHS proves for the
family's MIP in its share of the time left (branch and cut).
"""

from __future__ import annotations

import json
import math
import os
import pickle
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

from flexchain.planning.sourcing.cost import min_quantity
from flexchain.planning.sourcing.problem import SourcingProblem

__all__ = ["BoundProcess", "read", "start"]

SAFETY = 1e-7
"""Relative slack taken off HiGHS' floating-point bound so that it stays a lower bound."""


class BoundProcess:
    """The bound's process and what it reported so far, read as it comes by a thread: the best
    bound, and per family the LP bound with each candidate as the primary (which the search
    uses to try the primaries that promise most)."""

    def __init__(self, problem: SourcingProblem, time_limit: float) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "flexchain.planning.sourcing.bound", str(time_limit)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert self.proc.stdin is not None
        self.proc.stdin.write(pickle.dumps(problem))
        self.proc.stdin.close()
        self.best: float | None = None
        self._primaries: list[tuple[str, dict[str, float | None]]] = []
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read_lines, daemon=True)
        self._reader.start()

    def _read_lines(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            line = raw.decode()
            if not line.startswith("{"):
                continue  # HiGHS prints its banner on stdout
            event = json.loads(line)
            with self._lock:
                value = event.get("bound")
                if value is not None and (self.best is None or value > self.best):
                    self.best = value
                if "primaries" in event:
                    self._primaries.append((event["family"], event["primaries"]))

    def primaries(self) -> list[tuple[str, dict[str, float | None]]]:
        """(family, LP bound per candidate primary; None: no plan) reported since last asked."""
        with self._lock:
            out, self._primaries = self._primaries, []
        return out

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()


def start(problem: SourcingProblem, time_limit: float) -> BoundProcess:
    """Launch the bound's process; it stops by itself after ``time_limit`` seconds."""
    return BoundProcess(problem, time_limit)


def read(proc: BoundProcess, wait: float) -> float | None:
    """The best bound the process reported within ``wait`` seconds (it is stopped then)."""
    try:
        proc.proc.wait(timeout=max(wait, 0.0))
    except subprocess.TimeoutExpired:
        proc.kill()
    proc._reader.join(timeout=5)
    with proc._lock:
        return proc.best


class _Rows:
    """A sparse model under construction: columns with cost/bounds/integrality, and rows."""

    def __init__(self) -> None:
        self.cost: list[float] = []
        self.lo: list[float] = []
        self.hi: list[float] = []
        self.integer: list[int] = []
        self.rows: list[tuple[float, float, list[int], list[float]]] = []
        self.primaries: list[int] = []
        self.fixed: dict[tuple[str, int], int] = {}
        """Per supplier-week, the flag "an order there" (its cost: the fixed cost's share)."""
        """Per candidate, the flag "it is the primary" (one family's model: exactly one is)."""

    def var(self, cost: float, lo: float, hi: float, integer: bool) -> int:
        self.cost.append(cost)
        self.lo.append(lo)
        self.hi.append(hi)
        self.integer.append(int(integer))
        return len(self.cost) - 1

    def row(self, lo: float, hi: float, terms: dict[int, float]) -> None:
        self.rows.append((lo, hi, list(terms), list(terms.values())))


def model(p: SourcingProblem, family: str | None = None) -> _Rows:
    """The sourcing MIP (brand currency): the whole problem, or one family's part of it.

    The formulation is the disaggregated one: each requirement's units at an order are split
    by the price break the order reaches, and an order's units at a break are at most the
    requirement's quantity times the break's flag. Its LP relaxation cannot buy a requirement's
    few units at the best break without ordering (a fraction of) the break's quantity, nor
    serve a requirement from a supplier-week without (a fraction of) its fixed cost; the last
    break's order is capped at what could ever pay (the demand in reach, or the break).

    A family's part keeps its requirements, orders, capacity and roles, and pays a share of
    each supplier-week's fixed cost: the cost divided by the number of families that could
    order there. Its optimum is at most the family's cost in any plan (capacity it shares is
    all its own here, and the shares of a fixed cost paid once add up to at most the cost), so
    the families' bounds add up to a lower bound of the whole.
    """
    m = _Rows()
    reqs = p.requirements if family is None else p.families[family]
    reach: dict[tuple[str, str, int], list[tuple[str, int]]] = {}  # order -> (req, delay)
    for r in reqs:
        for s, lo, hi in p.windows[r.key]:
            for w in range(lo, hi + 1):
                reach.setdefault((s, r.item, w), []).append((r.key, w - r.need_week))
    sharing = _sharing(p) if family is not None else None
    served: dict[str, dict[int, float]] = {r.key: {} for r in reqs}
    units: dict[tuple[str, str], dict[int, float]] = {}
    load: dict[tuple[str, int], dict[int, float]] = {}
    fixed: dict[tuple[str, int], int] = {}
    for (s, item, w), who in sorted(reach.items()):
        if (s, w) not in fixed:
            sup = p.supplier[s]
            share = 1 if sharing is None else sharing[s, w]
            fixed[s, w] = m.var(float(sup.fixed_order_cost * sup.rate) / share, 0, 1, True)
            m.fixed[s, w] = fixed[s, w]
        flags: dict[int, float] = {fixed[s, w]: -1.0}
        demand = sum(p.requirement[key].quantity for key, _ in who)
        for n, b, per in _breaks(p, m, (s, item, w), demand):
            flags[b] = 1.0
            load.setdefault((s, w), {})[n] = float(p.offer[s, item].multiple)
            cover = {n: per}
            room = per * m.hi[n]
            for key, delay in who:
                q = p.requirement[key].quantity
                rate = p.costs.late_per_unit_week if delay > 0 else p.costs.early_per_unit_week
                v = m.var(float(rate * abs(delay)), 0, min(q, room), False)
                m.row(-math.inf, 0, {v: 1.0, b: -float(min(q, room))})
                cover[v] = -1.0
                served[key][v] = 1.0
                units.setdefault((p.requirement[key].family, s), {})[v] = 1.0
            m.row(0, math.inf, cover)
        m.row(-math.inf, 0, flags)
    for r in reqs:
        m.row(r.quantity, r.quantity, served[r.key])
    for s in {s for s, _ in load}:
        _capacity(p, m, s, {w: terms for (t, w), terms in load.items() if t == s})
    _shares(p, m, units, family)
    return m


def _breaks(
    p: SourcingProblem, m: _Rows, order: tuple[str, str, int], demand: int
) -> Iterator[tuple[int, int, float]]:
    """Per usable price break of ``order``: its count of multiples (cost: price, carbon), its
    flag, and the good units one multiple covers."""
    s, item, w = order
    sup, offer = p.supplier[s], p.offer[s, item]
    mult = offer.multiple
    last = -(-offer.breaks[-1].min_quantity // mult) * mult
    useful = max(min_quantity(p, s, item, demand), last)  # more never pays
    top = min(p.max_units(s, w), useful) // mult
    carbon = sup.carbon_per_unit * p.costs.carbon_price
    for k, brk in enumerate(offer.breaks):
        low = math.ceil(max(brk.min_quantity, offer.moq, 1) / mult)
        high = top
        if k + 1 < len(offer.breaks):
            high = min(top, (offer.breaks[k + 1].min_quantity - 1) // mult)
        if low > high:
            continue
        n = m.var(float((brk.unit_price * sup.rate + carbon) * mult), 0, high, True)
        b = m.var(0.0, 0, 1, True)
        m.row(0, math.inf, {n: 1.0, b: -low})
        m.row(-math.inf, 0, {n: 1.0, b: -high})
        yield n, b, float(sup.yield_rate) * mult


def _sharing(p: SourcingProblem) -> dict[tuple[str, int], int]:
    """How many families could order at each supplier-week."""
    who: dict[tuple[str, int], set[str]] = {}
    for r in p.requirements:
        for s, lo, hi in p.windows[r.key]:
            for w in range(lo, hi + 1):
                who.setdefault((s, w), set()).add(r.family)
    return {k: len(v) for k, v in who.items()}


def _capacity(p: SourcingProblem, m: _Rows, s: str, weeks: dict[int, dict[int, float]]) -> None:
    sup = p.supplier[s]
    held: dict[int, dict[int, float]] = {}
    for hold in sup.holds:
        uses = {}
        for w in weeks:
            if w <= hold.until_week:
                v = m.var(0.0, 0, hold.quantity, False)
                held.setdefault(w, {})[v] = -1.0
                uses[v] = 1.0
        m.row(-math.inf, hold.quantity, uses)
    for w, terms in weeks.items():
        m.row(-math.inf, sup.base_capacity(w), {**terms, **held.get(w, {})})


def _shares(
    p: SourcingProblem, m: _Rows, units: dict[tuple[str, str], dict[int, float]], family: str | None
) -> None:
    if p.costs.bands is None:
        return
    for fam, reqs in p.families.items():
        if family is not None and fam != family:
            continue
        total = sum(r.quantity for r in reqs)
        bands = p.bands(fam)
        cands = p.role_candidates[fam]
        z = {(s, k): m.var(0.0, 0, 1, True) for s in cands for k in range(len(bands))}
        for k in range(len(bands)):
            m.row(1, 1, {z[s, k]: 1.0 for s in cands})
        if family is not None:
            m.primaries = [z[s, 0] for s in cands]
        for s in cands:
            if not p.may_lead(fam, s):  # a reduced allocation weight: a backup only
                m.row(0, 0, {z[s, 0]: 1.0})
            got = units.get((fam, s), {})
            m.row(-math.inf, 1, {z[s, k]: 1.0 for k in range(len(bands))})
            low = {z[s, k]: -math.ceil(lo * total) for k, (lo, _) in enumerate(bands)}
            high = {z[s, k]: -math.floor(hi * total) for k, (_, hi) in enumerate(bands)}
            m.row(0, math.inf, {**got, **low})
            m.row(-math.inf, 0, {**got, **high})
            away = [t for t in cands if p.supplier[t].region != p.supplier[s].region]
            need = min(len(bands) - 1, len(away))
            if need:
                terms = {z[t, k]: 1.0 for t in away for k in range(1, len(bands))}
                m.row(0, math.inf, {**terms, z[s, 0]: -float(need)})


def _highs(rows: _Rows) -> Any:
    import highspy
    import numpy as np

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    n = len(rows.cost)
    h.addVars(n, np.array(rows.lo), np.array(rows.hi))
    h.changeColsCost(n, np.arange(n, dtype=np.int32), np.array(rows.cost))
    starts: list[int] = []
    index: list[int] = []
    value: list[float] = []
    for _, _, idx, val in rows.rows:
        starts.append(len(index))
        index += idx
        value += val
    h.addRows(
        len(rows.rows),
        np.array([r[0] for r in rows.rows]),
        np.array([r[1] for r in rows.rows]),
        len(index),
        np.array(starts, dtype=np.int32),
        np.array(index, dtype=np.int32),
        np.array(value, dtype=np.float64),
    )
    return h


def _run(h: Any, time_limit: float, rows: _Rows | None = None) -> float | None:
    """Solve the LP (or, given ``rows``, the MIP); the proven lower bound or None."""
    import highspy
    import numpy as np

    if rows is not None:
        n = len(rows.cost)
        h.changeColsIntegrality(
            n, np.arange(n, dtype=np.int32), np.array(rows.integer, dtype=np.uint8)
        )
        h.setOptionValue("mip_rel_gap", 1e-4)
    h.setOptionValue("time_limit", max(0.05, time_limit))
    h.run()
    if rows is None:
        ok = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
        return h.getInfo().objective_function_value if ok else None
    bound = h.getInfo().mip_dual_bound
    return bound if -math.inf < bound < math.inf else None


def _by_primary(h: Any, rows: _Rows, time_limit: float) -> list[float] | None:
    """The family's LP with each candidate the primary in turn (inf: no plan with it); the least
    is a bound of the family (every plan has a primary, and the plain LP lets fractional roles
    mix the cheap suppliers). None when an LP is not solved in time."""
    import highspy

    began = time.monotonic()
    out = []
    for col in rows.primaries:
        h.changeColBounds(col, 1.0, 1.0)
        h.setOptionValue("time_limit", max(0.05, time_limit - (time.monotonic() - began)))
        h.run()
        status, value = h.getModelStatus(), h.getInfo().objective_function_value
        h.changeColBounds(col, 0.0, 1.0)  # (changing the model clears its solution)
        if status == highspy.HighsModelStatus.kOptimal:
            out.append(value)
        elif status == highspy.HighsModelStatus.kInfeasible:
            out.append(math.inf)
        else:
            return None
    return out if out and math.isfinite(min(out)) else None


def _resplit(
    p: SourcingProblem, models: dict[str, tuple[Any, _Rows]], parts: dict[str, float], wait: float
) -> None:
    """Share each supplier-week's fixed cost among the families whose LP orders there (all of
    it; the others pay none), instead of among all that could: any shares adding up to the cost
    keep the sum a bound, and these put the cost where it is paid. Kept for every family (one
    split for all, or the sum is no bound) when the families' LPs add up to more; ``parts``
    then gets their new LP bounds."""
    began = time.monotonic()
    users: dict[tuple[str, int], list[str]] = {}
    for fam, (h, rows) in models.items():
        values = h.getSolution().col_value
        for key, col in rows.fixed.items():
            if values[col] > 1e-6:
                users.setdefault(key, []).append(fam)
    for fam, (h, rows) in models.items():
        for (s, w), col in rows.fixed.items():
            who = users.get((s, w))
            if who is not None:  # else no family's LP orders there: the equal shares stay
                cost = float(p.supplier[s].fixed_order_cost * p.supplier[s].rate)
                h.changeColCost(col, cost / len(who) if fam in who else 0.0)
    new: dict[str, float] = {}
    for fam, (h, _) in models.items():
        found = _run(h, wait - (time.monotonic() - began))
        if found is None:
            break
        new[fam] = found
    if len(new) == len(parts) and sum(new.values()) > sum(parts.values()):
        parts.update(new)
        return
    for h, rows in models.values():  # back to the equal shares
        for col in rows.fixed.values():
            h.changeColCost(col, rows.cost[col])


def _solve(p: SourcingProblem, time_limit: float) -> Iterator[float | dict[str, Any]]:
    """Bounds as they come: the families' LPs; then each family's bound split on its primary,
    the largest family first; then family MIPs, each in an equal share of the time left (the
    whole problem's LP is hardly stronger than the families' and takes over a minute)."""
    began = time.monotonic()

    def left() -> float:
        return time_limit - (time.monotonic() - began)

    parts: dict[str, float] = {}
    models = {}
    for fam in sorted(p.families):
        if left() <= 0:
            return
        rows = model(p, fam)
        h = _highs(rows)
        found = _run(h, left())
        if found is None:
            return
        parts[fam], models[fam] = found, (h, rows)
    yield sum(parts.values())
    _resplit(p, models, parts, left())
    yield sum(parts.values())
    order = sorted(parts, key=lambda f: -parts[f])
    for fam in order:
        if left() <= 0.1:
            return
        h, rows = models[fam]
        split = _by_primary(h, rows, left())
        if split is None:
            continue
        yield {
            "family": fam,
            "primaries": {
                s: v if math.isfinite(v) else None
                for s, v in zip(p.role_candidates[fam], split, strict=True)
            },
        }
        if min(split) > parts[fam]:
            parts[fam] = min(split)
            yield sum(parts.values())
    for k, fam in enumerate(order):
        if left() <= 0.1:
            return
        h, rows = models[fam]
        found = _run(h, left() / (len(order) - k), rows)
        if found is not None and found > parts[fam]:
            parts[fam] = found
            yield sum(parts.values())


def main() -> None:
    if "ortools" in sys.modules:  # pragma: no cover - the reason this runs apart
        raise RuntimeError("the HiGHS bound must not share a process with OR-Tools")
    if hasattr(os, "nice"):
        os.nice(5)  # the search in the parent comes first when the cores are busy
    time_limit = float(sys.argv[1])
    problem = pickle.loads(sys.stdin.buffer.read())
    for event in _solve(problem, time_limit):
        if isinstance(event, float):
            event = {"bound": event - abs(event) * SAFETY - 0.01}  # stays a lower bound
        print(json.dumps(event), flush=True)


if __name__ == "__main__":
    main()
