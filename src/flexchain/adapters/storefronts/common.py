"""What Shopify and WooCommerce intake share: the normalised order, the envelope, signatures.

Both platforms sign the raw request body with HMAC-SHA256 and send the digest base64-encoded;
:func:`verify_hmac_base64` checks it before anything parses the body. A request that fails the
check raises :class:`SignatureError` (HTTP 401); a signed body that is not what the platform sends
raises :class:`PayloadError` (HTTP 400) whose message names the field.

The rest of the system consumes :class:`NormalisedOrder`: one shape whatever the platform, ids as
``str`` (a 64-bit Shopify id never passes through a float), money as ``Decimal``, times in UTC.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Final, Literal, Protocol

from flexchain.domain.orders import SpeedTier

__all__ = [
    "ADDRESS_FIELDS",
    "CANCELLED",
    "OPEN",
    "NormalisedLine",
    "NormalisedOrder",
    "PayloadError",
    "SignatureError",
    "StatusHint",
    "WebhookEnvelope",
    "WebhookError",
    "WebhookParser",
    "header",
    "sign_hmac_base64",
    "speed_tier",
    "verify_hmac_base64",
]

StatusHint = Literal["open", "cancelled"]
OPEN: Final[StatusHint] = "open"
CANCELLED: Final[StatusHint] = "cancelled"

ADDRESS_FIELDS: Final = (
    "name",
    "company",
    "address1",
    "address2",
    "city",
    "zip",
    "province",
    "country_code",
    "phone",
)
"""The keys of ``NormalisedOrder.shipping_address`` whatever the platform (Shopify's names)."""


class WebhookError(Exception):
    """A webhook request was refused; ``status_code`` is the HTTP answer to give the sender."""

    status_code: int = 400


class SignatureError(WebhookError):
    """The body is not signed with the shop's secret: answer 401 and store nothing."""

    status_code = 401


class PayloadError(WebhookError):
    """The headers or body are not what the platform sends: answer 400 with ``reason``."""

    status_code = 400

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


def header(headers: Mapping[str, str], name: str) -> str | None:
    """The value of header ``name`` matched in any case, stripped; ``None`` if absent or blank."""
    value = headers.get(name)
    if value is None:
        wanted = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == wanted), None)
    if value is None or not value.strip():
        return None
    return value.strip()


def sign_hmac_base64(secret: str, body: bytes) -> str:
    """base64(HMAC-SHA256(secret, body)): what a platform sends (for simulators and tests)."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify_hmac_base64(
    secret: str, body: bytes, signature: str | None, *, header_name: str = "signature"
) -> None:
    """Check that ``signature`` is base64(HMAC-SHA256(``secret``, ``body``)).

    ``body`` must be the raw bytes as received: re-serialised JSON has a different signature.
    Compares in constant time. Raises :class:`SignatureError` when the signature is missing,
    not base64 or wrong, and when ``secret`` is empty (a shop whose secret was never set up must
    not accept anything).
    """
    if not secret:
        raise SignatureError("no webhook secret is configured for this shop; set it first")
    if signature is None or not signature.strip():
        raise SignatureError(f"missing {header_name} header: the request is not signed")
    try:
        given = base64.b64decode(signature.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError(f"{header_name} is not base64") from None
    expected = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    if not hmac.compare_digest(expected, given):
        raise SignatureError(
            f"{header_name} does not match the body: check the shop's webhook secret"
        )


@dataclass(frozen=True)
class WebhookEnvelope:
    """Which delivery a webhook is, from its headers (and the order id).

    ``dedupe_key`` is unique per delivery of one event: store it unique per shop, and a second
    delivery with the same key is a duplicate to answer 200 and ignore.
    """

    platform: str
    shop_domain: str
    topic: str
    webhook_id: str | None
    event_id: str | None
    triggered_at: datetime | None
    dedupe_key: str
    resource_id: str | None = None


@dataclass(frozen=True)
class NormalisedLine:
    """One storefront order line, before it is mapped to our SKUs.

    ``properties`` are the customer's choices (``{"Engraving": "Anna"}``); private names that
    start with ``_`` are left out. ``unit_price`` is before order-level discounts.
    """

    external_line_id: str
    sku: str | None
    variant_id: str | None
    product_id: str | None
    title: str
    quantity: int
    unit_price: Decimal
    properties: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class NormalisedOrder:
    """A storefront order in one shape whatever the platform. Amounts are in ``currency``.

    ``status`` is a hint, ``"open"`` or ``"cancelled"``; ``platform_status`` keeps what the
    platform said. ``subtotal`` is after discounts, before shipping and tax (Shopify's meaning).
    """

    platform: str
    shop_domain: str
    external_id: str
    number: str
    status: StatusHint
    platform_status: str
    currency: str
    created_at: datetime
    updated_at: datetime
    customer_email: str
    customer_name: str
    shipping_address: dict[str, str]
    subtotal: Decimal
    total_tax: Decimal
    total_discounts: Decimal
    shipping: Decimal
    total: Decimal
    speed_tier: SpeedTier
    lines: tuple[NormalisedLine, ...]

    def __post_init__(self) -> None:
        if self.status not in (OPEN, CANCELLED):
            raise ValueError(f"status must be 'open' or 'cancelled', got {self.status!r}")
        for name in ("created_at", "updated_at"):
            value = getattr(self, name)
            if value.tzinfo is None or value.utcoffset() is None:
                raise ValueError(f"{name} must be timezone-aware, got {value!r}")
            object.__setattr__(self, name, value.astimezone(UTC))

    def line_key(self, line: NormalisedLine | str) -> str:
        """The idempotency key of an effect of one line (its reservation, its job):
        ``<platform>:<shop>:<order id>:<line id>``, the same on every redelivery."""
        line_id = line.external_line_id if isinstance(line, NormalisedLine) else line
        return f"{self.platform}:{self.shop_domain}:{self.external_id}:{line_id}"


class WebhookParser(Protocol):
    """What both platform modules' ``parse_webhook`` are. ``None``: the order was deleted."""

    def __call__(
        self, headers: Mapping[str, str], body: bytes, secret: str
    ) -> tuple[WebhookEnvelope, NormalisedOrder | None]: ...


# --- speed tier -------------------------------------------------------------------------------

SPEED_PROPERTY_NAMES: Final = frozenset({"speed", "speedtier", "deliveryspeed"})
"""Property names that carry the tier, compared lower-case without ``_``, ``-`` or spaces:
``speed``, ``Speed tier``, ``_speed_tier``, ``Delivery speed``."""

_TIER_VALUE: Final = re.compile(r"(basic|custom|fast|premium)\b", re.IGNORECASE)
# A shipping method called "custom" is a hand-entered rate, not the custom tier.
_SHIPPING_TIER: Final = re.compile(r"\b(basic|fast|premium)\b", re.IGNORECASE)
_NAME_NOISE: Final = re.compile(r"[\s_-]+")


def speed_tier(
    attributes: Iterable[tuple[str, str]], shipping_methods: Iterable[str] = ()
) -> SpeedTier | None:
    """The speed tier an order names, or ``None`` when it names none (the caller's default).

    Parameters
    ----------
    attributes
        ``(name, value)`` pairs: order-level attributes, then line properties, private ones
        included, in order of precedence. The first whose name is a speed property (``speed``,
        ``Speed tier``) and whose value starts with a tier (``"Fast"``, ``"premium (2 days)"``)
        wins.
    shipping_methods
        Codes and titles of the shipping lines, looked at only when no attribute names a tier:
        the first one with the word basic, fast or premium in it wins.
    """
    for name, value in attributes:
        if _NAME_NOISE.sub("", name).lower() in SPEED_PROPERTY_NAMES:
            matched = _TIER_VALUE.match(value.strip())
            if matched:
                return SpeedTier(matched.group(1).lower())
    for method in shipping_methods:
        found = _SHIPPING_TIER.search(method)
        if found:
            return SpeedTier(found.group(1).lower())
    return None
