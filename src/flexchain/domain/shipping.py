"""A shipment as the store is told about it: carrier, tracking number, tracking link.

:func:`shipment` checks what a person typed (``orders ship ID --carrier C --tracking N``) and
names the field that is wrong; :meth:`Shipment.note` is the line a WooCommerce customer reads
in the order note.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from flexchain.domain.errors import ValidationError

__all__ = ["MAX_CARRIER", "MAX_TRACKING", "MAX_URL", "Shipment", "shipment"]

MAX_CARRIER = 64
MAX_TRACKING = 100
MAX_URL = 500


@dataclass(frozen=True)
class Shipment:
    """How an order left: the carrier, its tracking number and link (if any), when."""

    carrier: str | None
    tracking_number: str | None
    tracking_url: str | None
    shipped_at: datetime

    def note(self) -> str:
        """``Shipped with DHL, tracking number 00340434 (https://...)``."""
        text = f"Shipped with {self.carrier}" if self.carrier else "Shipped"
        if self.tracking_number:
            text += f", tracking number {self.tracking_number}"
        if self.tracking_url:
            text += f" ({self.tracking_url})"
        return text


def _text(value: str | None, field: str, longest: int, *, required: bool) -> str | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise ValidationError(field, "must not be empty")
        return None
    if len(text) > longest:
        raise ValidationError(field, f"must be at most {longest} characters, got {len(text)}")
    if any(not char.isprintable() for char in text):
        raise ValidationError(field, f"{text!r} holds control characters")
    return text


def shipment(
    carrier: str | None,
    tracking: str | None,
    shipped_at: datetime,
    *,
    tracking_url: str | None = None,
    required: bool = True,
) -> Shipment:
    """A checked :class:`Shipment`; ``required``: carrier and tracking number must be given.

    >>> from datetime import UTC
    >>> shipment(" DHL ", "00340434", datetime(2026, 5, 4, tzinfo=UTC)).note()
    'Shipped with DHL, tracking number 00340434'
    >>> shipment("DHL", "", datetime(2026, 5, 4, tzinfo=UTC))
    Traceback (most recent call last):
    ...
    flexchain.domain.errors.ValidationError: tracking: must not be empty
    """
    url = _text(tracking_url, "tracking_url", MAX_URL, required=False)
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValidationError("tracking_url", f"{url!r} is not an http(s) URL")
    if shipped_at.tzinfo is None:
        raise ValidationError("shipped_at", "must be timezone-aware (UTC)")
    return Shipment(
        carrier=_text(carrier, "carrier", MAX_CARRIER, required=required),
        tracking_number=_text(tracking, "tracking", MAX_TRACKING, required=required),
        tracking_url=url,
        shipped_at=shipped_at,
    )
