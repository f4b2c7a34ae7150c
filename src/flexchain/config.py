"""Settings: one typed object read from the environment (``FLEXCHAIN_*``) and CLI options."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from flexchain.domain.errors import ValidationError
from flexchain.domain.speed import DEFAULT_LADDER, SpeedLadder


def default_data_dir() -> Path:
    """Where flexchain keeps files: ``$XDG_DATA_HOME/flexchain`` or ``~/.local/share/flexchain``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "flexchain"


def default_database_url() -> str:
    """The embedded default: an SQLite file ``flexchain.db`` in :func:`default_data_dir`."""
    return f"sqlite:///{default_data_dir() / 'flexchain.db'}"


class Settings(BaseSettings):
    """Configuration of one flexchain installation.

    Every field can be set as ``FLEXCHAIN_<FIELD>`` in the environment.
    """

    model_config = SettingsConfigDict(env_prefix="FLEXCHAIN_", extra="ignore")

    database_url: str = Field(default_factory=default_database_url)
    # SKU rules per item kind; placeholders are ``family`` or attribute names, ``{x?}`` optional.
    sku_rules: dict[str, str] = Field(
        default_factory=lambda: {"finished": "{family}-{material}-{colour}-{size?}"}
    )
    default_currency: str = "EUR"
    host: str = "127.0.0.1"
    port: int = 8000
    plan_abc_cutoffs: tuple[float, float] = (0.8, 0.95)
    """Cumulative value shares closing classes A and B (env: ``[0.8, 0.95]`` as JSON)."""
    plan_policy_matrix: dict[str, tuple[float, float]] = Field(default_factory=dict)
    """Overrides of the ABC-XYZ matrix: ``{"AX": [0.99, 1]}`` = service level, review weeks."""
    plan_order_cost: float = 25.0
    """Cost of placing one order, for the EOQ."""
    plan_holding_rate: float = 0.25
    """Yearly holding cost as a share of unit cost."""
    plan_service_target: Literal["fill", "cycle"] = "fill"
    """What the matrix's service levels mean: a fill rate (share of demand served from stock,
    the default) or a cycle service level (chance of no stockout in a review cycle)."""
    plan_fill_scope: Literal["group", "item"] = "group"
    """Whose fill rate a fill-rate service level is: the items of an ABC-XYZ cell together (one
    safety factor, the least stock; the default) or each item on its own."""
    plan_unmet_demand: Literal["backordered", "lost"] = "backordered"
    """What becomes of demand not served from stock: customers wait for it, or it is lost."""
    plan_model_choice: Literal["accuracy", "pattern"] = "accuracy"
    """Which model forecasts an item: its pattern's default or the long-run mean, whichever
    was more accurate over the last year's backtest origins (the default), or always the
    pattern's default."""
    plan_forecast_errors: int = Field(default=24, ge=1)
    """How many realised forecast errors (the latest) size an item's safety stock."""
    plan_history_years: int = Field(default=5, ge=1)
    """Years of weekly demand history a run reads at most (52 weeks each; all there is when
    the history is shorter)."""
    plan_run_stale_minutes: int = Field(default=120, ge=1)
    """A planning run recorded ``running`` for longer than this is taken as dead (a killed
    process): it no longer blocks a new run (one run at a time, across processes)."""
    job_over_consumption: Decimal = Field(default=Decimal("0.20"), ge=0)
    """A finished job that used more material than its bill of materials allows for the good
    units it made, by more than this share (0.20: 20 %), gets an alert (docs/jobs.md)."""
    receipt_over_delivery_pct: Decimal = Field(default=Decimal(5), ge=0, le=100)
    """A PO line may receive this much (percent) above what it ordered (docs/procurement.md)."""
    receipt_under_delivery_pct: Decimal = Field(default=Decimal(5), ge=0, le=100)
    """A PO line short by at most this much (percent) is complete: it closes."""
    invoice_price_tolerance_pct: Decimal = Field(default=Decimal(2), ge=0, le=100)
    """An invoiced unit price may exceed the PO price by this much (percent) and still match."""
    invoice_quantity_tolerance_pct: Decimal = Field(default=Decimal(0), ge=0, le=100)
    """Invoiced units may exceed those received and accepted by this much (percent)."""
    early_payment_annual_rate: Decimal = Field(default=Decimal("0.10"), ge=0, le=1)
    """The yearly rate (a share: 0.10 for 10 %) of an early-payment discount."""
    quality_target_yield: Decimal = Field(default=Decimal("0.98"), ge=0, le=1)
    """First-pass yield at or above which a quarter's quality fund is released in full."""
    supplier_delay_standard_days: int = Field(default=0, ge=0)
    """Days late a delivery may be before it counts against the supplier (0: any day late)."""
    supplier_delay_consecutive: int = Field(default=3, ge=1)
    """Deliveries in a row later than the standard that cut a supplier's allocation weight."""
    supplier_weight_cut: Decimal = Field(default=Decimal("0.5"), gt=0, le=1)
    """The factor a supplier's allocation weight in sourcing is multiplied by when it fires."""
    supplier_on_time_floor: Decimal = Field(default=Decimal("0.85"), ge=0, le=1)
    """An on-time rate below this share (over 90 days) puts a supplier under closer monitoring."""
    certificate_warning_days: int = Field(default=30, ge=0)
    """Days before a supplier's certificate ends that an alert is raised."""
    single_source_spend_threshold: Decimal = Field(default=Decimal(10000), ge=0)
    """Yearly spend (brand currency) above which a single-source item is flagged."""
    scorecard_weights: dict[str, Decimal] = Field(default_factory=dict)
    """Weights of supplier scorecard figures, overriding the defaults per figure key (env: JSON
    such as ``{"otif": 30, "innovation": 0}``; docs/suppliers.md lists the keys)."""
    scorecard_targets: dict[str, Decimal] = Field(default_factory=dict)
    """Other scorecard targets by key (``sample_days``, ``rfq_response_hours``, ``cycle_days``,
    ``progress_interval_days``, ``change_answer_days``, ``staff_turnover_pct``)."""
    agility_target_hours: Decimal = Field(default=Decimal(72), gt=0)
    """Hours from a request to the first piece delivered that score in full (the trade: 72)."""
    on_time_target: Decimal = Field(default=Decimal("0.85"), ge=0, le=1)
    """The on-time-in-full share a supplier is expected to reach (0.85: 85 %)."""
    kpi_targets: dict[str, Decimal] = Field(default_factory=dict)
    """Targets of the control tower's KPIs by key, overriding the defaults (env: JSON such as
    ``{"otif": 97, "forecast_accuracy": 75}``; docs/control-tower.md lists the keys)."""
    sourcing_carbon_price: Decimal = Field(default=Decimal(0), ge=0)
    """The price of a kg of CO2e in ``flexchain source``'s objective (brand currency; 0: carbon
    is reported, not priced); ``--carbon-price`` overrides it for one run."""
    sourcing_late_per_unit_week: Decimal = Field(default=Decimal("0.50"), ge=0)
    """The lateness penalty per unit and week late in ``flexchain source``'s objective
    (``--late-penalty`` for one run)."""
    sourcing_early_per_unit_week: Decimal = Field(default=Decimal("0.05"), ge=0)
    """The holding cost per unit and week delivered early in ``flexchain source``'s objective
    (``--early-holding`` for one run)."""
    po_change_max_pct: Decimal = Field(default=Decimal(30), gt=0, le=100)
    """A request to change a PO line's quantity by more than this (percent, either way) is
    refused up front: the trade's band for volume changes (docs/suppliers.md)."""
    outbox_worker: bool = True
    """Whether ``flexchain serve`` sends outbox pushes (availability) in a background thread."""
    outbox_interval_seconds: float = 0.5
    intake_processes: int = Field(default=0, ge=0)
    """Child processes of ``flexchain serve`` that apply webhook batches (0: its intake thread);
    on PostgreSQL, 2 on a 2-core machine (docs/storefronts.md)."""
    secret_key: str | None = Field(default=None, repr=False)
    """Fernet key(s) that encrypt shop secrets at rest, comma-separated, the first encrypting
    (base64, from ``flexchain secrets key``); unset: the key file (docs/security.md)."""
    secret_key_file: Path = Field(default_factory=lambda: default_data_dir() / "secret.key")
    """Where the key lives when ``FLEXCHAIN_SECRET_KEY`` is unset; created by ``flexchain init``
    (or the first secret stored) readable by its owner only."""
    session_hours: float = Field(default=12, gt=0)
    """How long a browser login lasts."""
    login_failures: int = Field(default=5, ge=1)
    """Wrong passwords for one e-mail within ``login_window_minutes`` that lock it until the
    window has passed; an address is locked after four times as many."""
    login_window_minutes: float = Field(default=15, gt=0)
    speed_ladder: SpeedLadder = DEFAULT_LADDER
    """Terms of each speed tier, for quotes and order promises (env: a JSON object such as
    ``{"fast": {"premium_pct": "12", "lead_time_factor": "0.75", "rush": true}}``; tiers and
    fields left out keep the default, docs/quotes.md)."""
    smtp_host: str = ""
    """SMTP server that e-mails RFQs and POs to suppliers; empty: mail is off."""
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_tls: Literal["none", "starttls", "ssl"] = "none"
    """``starttls``: upgrade a plain connection (port 587); ``ssl``: TLS from the start (465)."""
    smtp_user: str = ""
    """Login name on the SMTP server; empty: no login."""
    smtp_password: str = Field(default="", repr=False)
    smtp_timeout_seconds: float = Field(default=30, gt=0)
    smtp_ca_file: str = ""
    """PEM file of the authority (or self-signed certificate) to trust for SMTP TLS; empty: the
    system's."""
    mail_from: str = ""
    """Sender address of documents and test mails, e.g. ``buying@brand.example``."""
    brand_name: str = "flexchain"
    """The brand as RFQ and PO documents name it."""
    brand_address: str = ""
    """The brand's postal address on documents (one line per ``\\n``)."""
    file_store_dir: Path = Field(default_factory=lambda: default_data_dir() / "files")
    """Where QC photos, clips, certificates and design files are kept, named by their SHA-256
    (any mounted directory, e.g. an object-store bucket; docs/suppliers.md)."""
    upload_max_mb: int = Field(default=20, ge=1, le=1024)
    """The largest file an upload may be, in MB."""
    document_font: str = ""
    """TrueType font file for PDF documents (e.g. DejaVuSans.ttf, for names beyond Western
    European letters); empty: Helvetica."""
    weekly_report_weekday: int | None = Field(default=None, ge=1, le=7)
    """The day after a week ends (1 Monday .. 7 Sunday) on which ``flexchain serve`` e-mails
    the weekly report to its subscribers; unset: the server does not (use cron and ``flexchain
    report send``)."""
    weekly_report_hour: int = Field(default=7, ge=0, le=23)
    """The hour (UTC) of that day from which the server sends it."""

    @field_validator("speed_ladder", mode="before")
    @classmethod
    def _parse_speed_ladder(cls, value: Any) -> SpeedLadder:
        if isinstance(value, SpeedLadder):
            return value
        try:
            return SpeedLadder.parse(value)
        except ValidationError as error:
            raise ValueError(str(error)) from error
