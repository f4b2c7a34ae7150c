"""The FastAPI application factory. No engine exists until the app starts (its lifespan)."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

import flexchain
from flexchain.bootstrap import App, bootstrap
from flexchain.config import Settings
from flexchain.entrypoints.api import (
    access,
    budgets,
    buying,
    decisions,
    errors,
    health,
    jobs,
    kpis,
    openapi,
    order_issues,
    orders,
    paying,
    plan_release,
    plan_runs,
    plans,
    price_watch,
    qc,
    quotes,
    report,
    scorecards,
    security,
    signals,
    stock,
    supplier_events,
    supplier_rules,
    supplier_tiers,
    tracking,
    views,
    webhooks,
)
from flexchain.entrypoints.api.background import intake, outbox
from flexchain.entrypoints.api.background.weekly_report import ReportSender
from flexchain.entrypoints.web import login, portal, tower
from flexchain.services.intake import IntakeTerms


def _workers(settings: Settings, context: App) -> list[outbox.Worker | ReportSender]:
    """The server's background threads besides intake: the outbox (availability pushes), and
    the weekly report, e-mailed when a day is set (each week and user once, whichever worker
    process claims it first; otherwise by cron: ``flexchain report send``)."""
    found: list[outbox.Worker | ReportSender] = []
    if settings.outbox_worker:
        terms = IntakeTerms.of(settings)
        found.append(outbox.Worker(context.engine, settings.outbox_interval_seconds, terms=terms))
    if settings.weekly_report_weekday is not None:
        found.append(ReportSender(context))
    return found


def create_app(settings: Settings | None = None, *, app: App | None = None) -> FastAPI:
    """The API for ``settings`` (default: from the environment).

    Every route declares who may call it (:mod:`.access`); an app with a route that does not
    is refused (:class:`~.access.UndeclaredRoute`).

    The database is opened, and upgraded to the newest schema, when the server starts; pass an
    already bootstrapped ``app`` to share it (it is then not closed at shutdown).
    """
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(api: FastAPI) -> AsyncIterator[None]:
        owned = app is None
        context = bootstrap(settings) if app is None else app
        api.state.flexchain = context
        batcher = intake.Batcher(
            context.engine,
            processes=settings.intake_processes,
            terms=IntakeTerms.of(settings),
        )
        batcher.start()
        gc.freeze()  # what startup loaded lives as long as the server: no collection scans it
        api.state.intake = batcher
        workers = _workers(settings, context)
        for worker in workers:
            worker.start()
        try:
            yield
        finally:
            for worker in reversed(workers):
                worker.stop()
            batcher.stop()
            if owned:
                context.close()

    api = FastAPI(
        title="flexchain",
        version=flexchain.__version__,
        summary="Supply chain for brands selling small-batch, customised products.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    errors.install(api)
    security.install(api)
    api.include_router(health.router)
    api.include_router(webhooks.router)
    api.include_router(orders.router)
    api.include_router(order_issues.router)
    api.include_router(tracking.router)
    api.include_router(quotes.router)
    api.include_router(signals.router)
    api.include_router(stock.router)
    api.include_router(jobs.router)
    api.include_router(paying.router)
    api.include_router(buying.router)
    api.include_router(budgets.router)
    api.include_router(plans.router)
    api.include_router(plan_runs.router)
    api.include_router(plan_release.router)
    api.include_router(price_watch.router)
    api.include_router(scorecards.router)
    api.include_router(supplier_tiers.router)
    api.include_router(supplier_rules.router)
    api.include_router(supplier_events.router)
    api.include_router(qc.router)
    api.include_router(portal.router)
    api.include_router(decisions.router)
    api.include_router(kpis.router)
    api.include_router(views.router)
    api.include_router(report.router)
    api.include_router(tower.router)
    api.include_router(login.router)
    api.include_router(openapi.router)
    access.check_declarations(api)  # a route that says nothing about its callers: no app
    return api
