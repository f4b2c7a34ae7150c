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

from flexchain.planning.sourcing.mip import Rows, highs, model
from flexchain.planning.sourcing.problem import SourcingProblem

__all__ = ["BoundProcess", "read", "start"]

SAFETY = 1e-7
"""Relative slack taken off HiGHS' floating-point bound so that it stays a lower bound."""
PRUNE = 1.002
"""A candidate primary whose LP is surely this much above the family's least is not solved
(the search tries a primary only when its LP is 0.2 % below the current one's: ``lns``)."""


class BoundProcess:
    """The bound's process and what it reported so far, read as it comes by a thread: the best
    bound, and per family the LP bound with each candidate as the primary (which the search
    uses to try the primaries that promise most)."""

    def __init__(self, problem: SourcingProblem, time_limit: float, mips: bool = True) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "flexchain.planning.sourcing.bound",
                str(time_limit),
                "mips" if mips else "lp",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert self.proc.stdin is not None
        self.proc.stdin.write(pickle.dumps(problem))
        self.proc.stdin.close()
        self.best: float | None = None
        self._primaries: list[tuple[str, dict[str, float | None]]] = []
        self.family_bounds: dict[str, float] = {}
        """Per family, its bound split on the primary (as reported so far)."""
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
                    known = [v for v in event["primaries"].values() if v is not None]
                    if known:
                        self.family_bounds[event["family"]] = min(known)

    def primaries(self) -> list[tuple[str, dict[str, float | None]]]:
        """(family, LP bound per candidate primary; None: no plan) reported since last asked."""
        with self._lock:
            out, self._primaries = self._primaries, []
        return out

    def done(self) -> bool:
        """Whether the process has ended (its last bound reported)."""
        return self.proc.poll() is not None

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()


def start(problem: SourcingProblem, time_limit: float, *, mips: bool = True) -> BoundProcess:
    """Launch the bound's process; it stops by itself after ``time_limit`` seconds, or once the
    bounds split on the primary are done when ``mips`` is false (no family MIPs after them)."""
    return BoundProcess(problem, time_limit, mips)


def read(proc: BoundProcess, wait: float) -> float | None:
    """The best bound the process reported within ``wait`` seconds (it is stopped then)."""
    try:
        proc.proc.wait(timeout=max(wait, 0.0))
    except subprocess.TimeoutExpired:
        proc.kill()
    proc._reader.join(timeout=5)
    with proc._lock:
        return proc.best


def _run(h: Any, time_limit: float, rows: Rows | None = None) -> float | None:
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


def _by_primary(h: Any, rows: Rows, time_limit: float) -> list[float] | None:
    """The family's LP with each candidate the primary in turn (inf: no plan with it); the least
    is a bound of the family (every plan has a primary, and the plain LP lets fractional roles
    mix the cheap suppliers). None when an LP is not solved in time.

    Candidates go in the order of a lower estimate of their LP: the plain LP plus the reduced
    cost of the candidate's flag (it is at 0 there; making it 1 costs at least that). One whose
    estimate is more than ``PRUNE`` times the least LP found is not solved: its estimate stands
    in for it (it cannot be the least, nor a primary the search would be pointed to). The others
    are solved with that as the dual simplex's cutoff (``objective_bound``): once the dual
    objective passes it, the candidate is neither, and the dual objective, a lower bound of its
    LP, stands in for it (half the CPU of solving every candidate to the end, same bound)."""
    import highspy

    began = time.monotonic()
    h.setOptionValue("time_limit", max(0.05, time_limit))
    h.run()  # the family's LP as it stands (solved already: returns at once)
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    plain = h.getInfo().objective_function_value
    solution = h.getSolution()
    estimate = [
        plain + max(0.0, solution.col_dual[col]) if solution.col_value[col] < 1e-9 else plain
        for col in rows.primaries
    ]
    # each candidate's LP starts from the plain LP's optimal basis, which fixing one column
    # leaves dual feasible (a third fewer simplex iterations than from the last candidate's)
    base = h.getBasis()
    out = list(estimate)
    least = math.inf
    for i in sorted(range(len(estimate)), key=lambda i: estimate[i]):
        if estimate[i] > least * PRUNE:
            continue
        col = rows.primaries[i]
        cutoff = least * PRUNE
        h.setBasis(base)
        h.changeColBounds(col, 1.0, 1.0)
        h.setOptionValue("time_limit", max(0.05, time_limit - (time.monotonic() - began)))
        h.setOptionValue("objective_bound", cutoff)
        h.run()
        status, value = h.getModelStatus(), h.getInfo().objective_function_value
        h.setOptionValue("objective_bound", math.inf)  # (a MIP would take it as a cutoff)
        h.changeColBounds(col, 0.0, 1.0)  # (changing the model clears its solution)
        if status == highspy.HighsModelStatus.kOptimal:
            out[i] = value
        elif status == highspy.HighsModelStatus.kObjectiveBound:  # proven above the cutoff
            out[i] = max(value, cutoff)
        elif status == highspy.HighsModelStatus.kInfeasible:
            out[i] = math.inf
        else:
            return None
        least = min(least, out[i])
    return out if out and math.isfinite(least) else None


def _resplit(
    p: SourcingProblem, models: dict[str, tuple[Any, Rows]], parts: dict[str, float], wait: float
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


def _solve(
    p: SourcingProblem, time_limit: float, mips: bool = True
) -> Iterator[float | dict[str, Any]]:
    """Bounds as they come: the families' LPs; then each family's bound split on its primary,
    the largest family first; then (``mips``) family MIPs, each in an equal share of the time
    left (the whole problem's LP is hardly stronger than the families' and takes over a
    minute)."""
    began = time.monotonic()

    def left() -> float:
        return time_limit - (time.monotonic() - began)

    parts: dict[str, float] = {}
    models = {}
    for fam in sorted(p.families):
        if left() <= 0:
            return
        rows = model(p, fam)
        h = highs(rows)
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
    for k, fam in enumerate(order if mips else ()):
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
    mips = len(sys.argv) < 3 or sys.argv[2] == "mips"
    problem = pickle.loads(sys.stdin.buffer.read())
    for event in _solve(problem, time_limit, mips):
        if isinstance(event, float):
            event = {"bound": event - abs(event) * SAFETY - 0.01}  # stays a lower bound
        print(json.dumps(event), flush=True)


if __name__ == "__main__":
    main()
