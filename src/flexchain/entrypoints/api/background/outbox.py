"""The outbox worker: the API server's background thread that sends due pushes.

Every ``interval`` seconds it applies webhooks left pending by a stopped server
(:func:`flexchain.services.intake.process_pending`) and sends the pushes that are due
(:func:`flexchain.services.outbox.dispatch_due`), both at the wall-clock time of the round.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

from sqlalchemy import Engine

from flexchain.services import intake, outbox

__all__ = ["Worker"]

log = logging.getLogger(__name__)


class Worker:
    """A daemon thread running :meth:`round` every ``interval`` seconds until :meth:`stop`."""

    def __init__(
        self,
        engine: Engine,
        interval: float = 0.5,
        *,
        terms: intake.IntakeTerms = intake.DEFAULT_TERMS,
    ) -> None:
        self.engine = engine
        self.interval = interval
        self.terms = terms
        """The installation's terms for the webhooks it applies (currency, speed ladder)."""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="flexchain-outbox", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=15)

    def round(self) -> None:
        """Apply what is pending, then send what is due."""
        intake.process_pending(self.engine, now=datetime.now(UTC), terms=self.terms)
        outbox.dispatch_due(self.engine, now=datetime.now(UTC))

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.round()
            except Exception:  # keep the worker alive; the row keeps its error
                log.exception("outbox dispatch failed")
            self._stop.wait(self.interval)
