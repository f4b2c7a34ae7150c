"""Sales orders: the order lifecycle, production job status and chosen options.

An order moves ``received -> reserved -> in_production -> ready -> shipped -> delivered``; it can be
cancelled from any open state (before it ships). Cancelling releases its reservations and cancels
the production jobs that have not started; :func:`plan_cancellation` says which.

A storefront line carries the customer's customisation as free-form properties
(``Colour: Indigo``, ``Engraving: Anna``); :func:`match_options` turns them into the
:class:`ChosenOption` of each custom module of the product.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from flexchain.domain.catalog import Option
from flexchain.domain.checks import choice
from flexchain.domain.errors import IllegalTransition
from flexchain.domain.speed import SpeedTier
from flexchain.domain.values import utc

__all__ = [
    "ALLOWED",
    "OPEN_STATUSES",
    "CancelPlan",
    "ChosenOption",
    "JobStatus",
    "OrderStatus",
    "PickStatus",
    "SpeedTier",
    "can_transition",
    "is_free_text",
    "match_options",
    "newest_wins",
    "option_key",
    "plan_cancellation",
    "transition",
]


class OrderStatus(StrEnum):
    RECEIVED = "received"
    RESERVED = "reserved"
    IN_PRODUCTION = "in_production"
    READY = "ready"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


OPEN_STATUSES: Final = frozenset(
    {OrderStatus.RECEIVED, OrderStatus.RESERVED, OrderStatus.IN_PRODUCTION, OrderStatus.READY}
)
"""Statuses an order can still be cancelled from: it has not left the warehouse."""

_S = OrderStatus
ALLOWED: Final[Mapping[OrderStatus, frozenset[OrderStatus]]] = MappingProxyType(
    {
        _S.RECEIVED: frozenset({_S.RESERVED, _S.IN_PRODUCTION, _S.CANCELLED}),
        _S.RESERVED: frozenset({_S.IN_PRODUCTION, _S.READY, _S.CANCELLED}),
        _S.IN_PRODUCTION: frozenset({_S.READY, _S.CANCELLED}),
        _S.READY: frozenset({_S.SHIPPED, _S.CANCELLED}),
        _S.SHIPPED: frozenset({_S.DELIVERED}),
        _S.DELIVERED: frozenset(),
        _S.CANCELLED: frozenset(),
    }
)
"""The statuses each status may move to; delivered and cancelled are final."""


def _in_lifecycle_order(statuses: frozenset[OrderStatus]) -> list[OrderStatus]:
    return [status for status in OrderStatus if status in statuses]


def can_transition(current: OrderStatus | str, target: OrderStatus | str) -> bool:
    """Whether an order in ``current`` may move to ``target``."""
    return choice(OrderStatus, target, "status") in ALLOWED[choice(OrderStatus, current, "status")]


def transition(current: OrderStatus | str, target: OrderStatus | str) -> OrderStatus:
    """``target`` if an order in ``current`` may move there, else :class:`IllegalTransition`.

    >>> transition("received", "reserved")
    <OrderStatus.RESERVED: 'reserved'>
    >>> try:
    ...     transition("shipped", "reserved")
    ... except IllegalTransition as error:
    ...     print(error)
    cannot go from shipped to reserved; allowed: delivered
    """
    start = choice(OrderStatus, current, "status")
    end = choice(OrderStatus, target, "status")
    allowed = ALLOWED[start]
    if end not in allowed:
        if not allowed:
            raise IllegalTransition(f"cannot go from {start} to {end}: {start} is final")
        names = ", ".join(_in_lifecycle_order(allowed))
        raise IllegalTransition(f"cannot go from {start} to {end}; allowed: {names}")
    return end


class JobStatus(StrEnum):
    """A production job's status; the moves between them are :mod:`flexchain.domain.jobs`.

    ``planned -> released -> started -> finished``, or ``cancelled`` before it starts.
    ``done`` is the word older databases stored for a finished job: migration 0008 turns those
    rows into ``finished`` and new code never writes it, but it stays a valid (closed) status.
    """

    PLANNED = "planned"
    RELEASED = "released"
    STARTED = "started"
    FINISHED = "finished"
    DONE = "done"
    CANCELLED = "cancelled"

    @property
    def cancellable(self) -> bool:
        """Only a job the supplier has not started can be cancelled with its order."""
        return self is JobStatus.PLANNED

    @property
    def is_open(self) -> bool:
        """Planned, released or started: it still books supplier load and brings supply."""
        return self in (JobStatus.PLANNED, JobStatus.RELEASED, JobStatus.STARTED)


def order_exceptions(
    unplaced: Iterable[tuple[str | None, str | None]], unsourced: Iterable[str]
) -> tuple[str, ...]:
    """What keeps an order from a promise: its jobs no supplier can take ((SKU, process) each,
    :func:`unplaced_job_message`) and its lines of a bought product nobody sells
    (:func:`unsourced_message`)."""
    return tuple(unplaced_job_message(sku, process) for sku, process in unplaced) + tuple(
        unsourced_message(sku) for sku in unsourced
    )


def unsourced_message(sku: str) -> str:
    """Why an order line of a bought product has no promise, and what to do.

    >>> print(unsourced_message("KRG-BRS-GOLD"))  # doctest: +NORMALIZE_WHITESPACE
    no supplier sells KRG-BRS-GOLD: import its supplier terms (item-suppliers) or give it a
    default supplier
    """
    return (
        f"no supplier sells {sku}: import its supplier terms (item-suppliers) or give it a "
        "default supplier"
    )


def unplaced_job_message(sku: str | None, process: str | None) -> str:
    """Why a job of an order has no supplier (and the order no promise), and what to do.

    >>> unplaced_job_message("M-DYE", "dyeing")
    'no capable supplier for dyeing makes M-DYE: add the dyeing capability to an active supplier'
    >>> print(unplaced_job_message("M-LINING", None))  # doctest: +NORMALIZE_WHITESPACE
    no supplier can make M-LINING: give it the attribute process=... or a default supplier
    with a capability
    """
    if process:
        return (
            f"no capable supplier for {process} makes {sku}: add the {process} capability to "
            "an active supplier"
        )
    return (
        f"no supplier can make {sku}: give it the attribute process=... or a default supplier "
        "with a capability"
    )


class PickStatus(StrEnum):
    """A pick list line: ``open`` until the order ships, then ``done``; an order released
    before it ships drops its open picks."""

    OPEN = "open"
    DONE = "done"


@dataclass(frozen=True)
class CancelPlan:
    """What cancelling an order does: release its reservations, cancel the unstarted jobs.

    ``keep_jobs`` are already started or done: the supplier has to be told, the system cannot
    undo them.
    """

    release_reservations: bool
    cancel_jobs: tuple[str, ...]
    keep_jobs: tuple[str, ...]


def plan_cancellation(
    current: OrderStatus | str, jobs: Mapping[str, JobStatus | str]
) -> CancelPlan:
    """The effects of cancelling an order in ``current`` whose jobs (by reference) are ``jobs``.

    Raises :class:`IllegalTransition` when the order can no longer be cancelled (shipped,
    delivered or already cancelled).
    """
    transition(current, OrderStatus.CANCELLED)
    statuses = {ref: choice(JobStatus, status, f"jobs[{ref}]") for ref, status in jobs.items()}
    cancel = tuple(ref for ref, status in statuses.items() if status.cancellable)
    keep = tuple(
        ref
        for ref, status in statuses.items()
        if not status.cancellable and status is not JobStatus.CANCELLED
    )
    return CancelPlan(release_reservations=True, cancel_jobs=cancel, keep_jobs=keep)


@dataclass(frozen=True)
class ChosenOption:
    """The option picked for a custom module; ``value`` holds free text such as an engraving."""

    module_sku: str
    option_code: str
    value: str = ""


def newest_wins(stored_updated_at: datetime | None, incoming_updated_at: datetime) -> bool:
    """Whether an incoming copy of an order should replace the stored one.

    Storefronts deliver out of order and more than once: apply the incoming copy only when it is
    at least as new (a redelivery of the same version is harmless to apply again).
    """
    incoming = utc(incoming_updated_at, "incoming_updated_at")
    if stored_updated_at is None:
        return True
    return incoming >= utc(stored_updated_at, "stored_updated_at")


_NOT_ALNUM = re.compile(r"[\W_]+")
_TEXT_WORD = re.compile(r"\btext\b", re.IGNORECASE)
_FREE_TEXT_CODES: Final = frozenset({"text", "freetext", "customtext"})


def option_key(text: str) -> str:
    """Case-, space- and punctuation-insensitive form: ``"Dark-Blue"`` -> ``"darkblue"``."""
    return _NOT_ALNUM.sub("", text).casefold()


def is_free_text(option: Option) -> bool:
    """Whether ``option`` takes the customer's text (code ``TEXT``, or "text" in its name).

    The one test of a free-text option: orders keep the text as typed, quotes never offer such
    an option as an alternative.
    """
    return option_key(option.code) in _FREE_TEXT_CODES or bool(_TEXT_WORD.search(option.name))


_key = option_key
_is_free_text = is_free_text


ModuleLabels = str | Sequence[str]


def match_options(
    properties: Mapping[str, str],
    custom_modules: Sequence[tuple[ModuleLabels, Sequence[Option]]],
) -> tuple[list[ChosenOption], list[str]]:
    """The options a line's properties choose for each custom module, and what went wrong.

    Parameters
    ----------
    properties
        The storefront line's properties, e.g. ``{"Colour": "Indigo", "Engraving": "Anna"}``.
    custom_modules
        One entry per custom module of the product: the names a property may use for it (its
        name, SKU or attribute key; one string or several) and its options. A property also
        matches the ``module_sku`` of the options.

    Returns
    -------
    (chosen, errors)
        Names and values compare ignoring case, spaces and punctuation. A value picks the option
        whose code or name it equals; otherwise, if the module has a free-text option (code
        ``TEXT`` or a name containing "text"), that option keeping the value as typed. A module
        no property names takes its only option, unless that option needs text; anything else
        is an error written for the person fixing the order. Properties that name no module
        (gift notes, ``_speed_tier``) are ignored.
    """
    by_key: dict[str, tuple[str, str]] = {}
    for name, value in properties.items():
        by_key.setdefault(_key(name), (name, value))
    chosen: list[ChosenOption] = []
    errors: list[str] = []
    for labels, options in custom_modules:
        names = [labels] if isinstance(labels, str) else list(labels)
        skus = sorted({option.module_sku for option in options})
        label = names[0] if names else (skus[0] if skus else "?")
        if not options:
            errors.append(f"{label} has no options; add them to the catalog")
            continue
        keys = [_key(name) for name in [*names, *skus]]
        name, given = next((by_key[key] for key in keys if key in by_key), (label, ""))
        if given.strip():
            result = _choose(name, given.strip(), options)
        else:
            result = _default(label, options)
        if isinstance(result, ChosenOption):
            chosen.append(result)
        else:
            errors.append(result)
    return chosen, errors


def _choose(name: str, value: str, options: Sequence[Option]) -> ChosenOption | str:
    wanted = _key(value)
    for option in options:
        if wanted in (_key(option.code), _key(option.name)) and not _is_free_text(option):
            return ChosenOption(option.module_sku, option.code)
    free = [option for option in options if _is_free_text(option)]
    if free:
        return ChosenOption(free[0].module_sku, free[0].code, value)
    return f"unknown option {value!r} for {name}; choose one of {_names(options)}"


def _default(label: str, options: Sequence[Option]) -> ChosenOption | str:
    if len(options) == 1 and not _is_free_text(options[0]):
        return ChosenOption(options[0].module_sku, options[0].code)
    if all(_is_free_text(option) for option in options):
        return f"missing {label}: add a line property {label} with the text"
    return f"missing {label}: choose one of {_names(options)}"


def _names(options: Sequence[Option]) -> str:
    """The choices to offer a person: option names, then "or your own text" if one is free."""
    names = ", ".join(option.name for option in options if not _is_free_text(option))
    return f"{names} or your own text" if any(map(_is_free_text, options)) else names
