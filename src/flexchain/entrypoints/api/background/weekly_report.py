"""The weekly report's sender: the API server's background thread that e-mails the report to
its subscribers when it is due (``FLEXCHAIN_WEEKLY_REPORT_WEEKDAY`` and ``_HOUR``; unset: off).

Each round (every ``interval`` seconds) asks :func:`flexchain.services.report_mail.due_week`
which week is due; once a week's sends all went out it is not asked again by this process
(another process or ``flexchain report send`` sending the same week sends nothing twice: the
sends are unique per week and user). Mail off or a refused address: logged, tried again an
hour later.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, date, datetime, timedelta

from flexchain.bootstrap import App
from flexchain.domain.errors import DomainError
from flexchain.services import report_mail

__all__ = ["ReportSender"]

log = logging.getLogger(__name__)
RETRY = timedelta(hours=1)


class ReportSender:
    """A daemon thread running :meth:`round` every ``interval`` seconds until :meth:`stop`."""

    def __init__(self, app: App, interval: float = 300.0) -> None:
        self.app = app
        self.interval = interval
        self.done: date | None = None
        """The last week this process sent to everyone."""
        self._retry_at: datetime | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="flexchain-report", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=15)

    def round(self, now: datetime) -> report_mail.SendRun | None:
        """Send the week due at ``now``, if any and not done; what was sent (None: nothing
        was due, or it failed before any mail: logged)."""
        settings = self.app.settings
        if settings.weekly_report_weekday is None:
            return None
        week = report_mail.due_week(
            now, weekday=settings.weekly_report_weekday, hour=settings.weekly_report_hour
        )
        if week is None or week == self.done:
            return None
        if self._retry_at is not None and now < self._retry_at:
            return None
        try:
            run = report_mail.send_weekly_reports(
                lambda **options: self.app.uow(actor="system:weekly-report", **options),
                week_end=week,
                settings=settings,
                now=now,
            )
        except DomainError as error:
            log.warning("weekly report of %s not sent: %s", week, error)
            self._retry_at = now + RETRY
            return None
        failed = [d for d in run.deliveries if d.outcome == "failed"]
        for delivery in failed:
            log.warning("weekly report to %s failed: %s", delivery.to, delivery.error)
        if failed:
            self._retry_at = now + RETRY
        else:
            self.done, self._retry_at = week, None
        return run

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.round(datetime.now(UTC))
            except Exception:  # keep the sender alive; the next round tries again
                log.exception("weekly report sender failed")
            self._stop.wait(self.interval)
