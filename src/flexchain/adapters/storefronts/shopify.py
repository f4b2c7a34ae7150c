"""Shopify: order webhooks in; orders, inventory levels and fulfillments over the Admin REST API.

A webhook is verified (``X-Shopify-Hmac-Sha256``, base64 HMAC-SHA256 of the raw body) before its
body is parsed. The body is the order JSON, read exactly: ``820982911946154508`` stays that id and
``"199.00"`` stays a ``Decimal``. See https://shopify.dev/docs/apps/build/webhooks.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Final

import httpx

from flexchain.adapters.storefronts.common import (
    ADDRESS_FIELDS,
    CANCELLED,
    OPEN,
    NormalisedLine,
    NormalisedOrder,
    PayloadError,
    WebhookEnvelope,
    header,
    speed_tier,
    verify_hmac_base64,
)
from flexchain.adapters.storefronts.payload import (
    amount,
    count,
    currency,
    external_id,
    items,
    load_json,
    mapping,
    optional_id,
    pairs,
    public,
    text,
    timestamp,
)
from flexchain.adapters.storefronts.transport import (
    PermanentFailure,
    json_of,
    numeric_id,
    request,
)
from flexchain.domain.orders import SpeedTier
from flexchain.domain.values import utc

__all__ = [
    "DEFAULT_API_VERSION",
    "PLATFORM",
    "TOPICS",
    "ShopifyClient",
    "normalise_order",
    "parse_webhook",
    "shop_domain_of",
]

PLATFORM: Final = "shopify"
DEFAULT_API_VERSION: Final = "2025-01"
TOPICS: Final = frozenset({"orders/create", "orders/updated", "orders/cancelled"})

HMAC_HEADER: Final = "X-Shopify-Hmac-Sha256"
TOPIC_HEADER: Final = "X-Shopify-Topic"
SHOP_HEADER: Final = "X-Shopify-Shop-Domain"
WEBHOOK_ID_HEADER: Final = "X-Shopify-Webhook-Id"
EVENT_ID_HEADER: Final = "X-Shopify-Event-Id"
TRIGGERED_AT_HEADER: Final = "X-Shopify-Triggered-At"
PAGE_SIZE: Final = 250
FULFILLABLE: Final = frozenset({"open", "in_progress"})
"""Fulfillment-order statuses a fulfillment can still be created for."""


def shop_domain_of(headers: Mapping[str, str]) -> str | None:
    """The shop a webhook claims to come from, to look up its secret (not yet verified)."""
    domain = header(headers, SHOP_HEADER)
    return domain.lower() if domain else None


def parse_webhook(
    headers: Mapping[str, str], body: bytes, secret: str
) -> tuple[WebhookEnvelope, NormalisedOrder]:
    """Verify an order webhook, then read its envelope and order.

    Raises :class:`SignatureError` (401) before looking at anything else, then
    :class:`PayloadError` (400) for a topic other than ``orders/create``, ``orders/updated`` and
    ``orders/cancelled``, a missing shop domain, or a body that is not a Shopify order.
    The dedupe key is the event id, else the webhook id (Shopify sends both).
    """
    verify_hmac_base64(secret, body, header(headers, HMAC_HEADER), header_name=HMAC_HEADER)
    topic = (header(headers, TOPIC_HEADER) or "").lower()
    if not topic:
        raise PayloadError(f"missing {TOPIC_HEADER} header")
    if topic not in TOPICS:
        allowed = ", ".join(sorted(TOPICS))
        raise PayloadError(f"unsupported topic {topic!r}: this endpoint takes {allowed}")
    shop = shop_domain_of(headers)
    if shop is None:
        raise PayloadError(f"missing {SHOP_HEADER} header")
    order = normalise_order(
        mapping(load_json(body), "body"), shop, cancelled=topic == "orders/cancelled"
    )
    webhook_id = header(headers, WEBHOOK_ID_HEADER)
    event_id = header(headers, EVENT_ID_HEADER)
    fallback = f"{topic}:{order.external_id}:{order.updated_at.isoformat()}"
    envelope = WebhookEnvelope(
        platform=PLATFORM,
        shop_domain=shop,
        topic=topic,
        webhook_id=webhook_id,
        event_id=event_id,
        triggered_at=_header_time(header(headers, TRIGGERED_AT_HEADER)),
        dedupe_key=event_id or webhook_id or fallback,
        resource_id=order.external_id,
    )
    return envelope, order


def normalise_order(
    order: Mapping[str, Any], shop_domain: str, *, cancelled: bool = False
) -> NormalisedOrder:
    """A Shopify order (webhook body or REST ``orders[i]``) in the shape the system consumes.

    ``cancelled`` forces the cancelled hint (the ``orders/cancelled`` topic); otherwise an order
    with ``cancelled_at`` set is cancelled. A line's quantity is its ``current_quantity`` (after
    edits and removals) when Shopify sends one; the speed tier comes from note attributes, then
    line properties, then shipping lines, and is basic when none names one.
    """
    external = external_id(order.get("id"), "id")
    lines: list[NormalisedLine] = []
    attributes = pairs(order.get("note_attributes"), "note_attributes", "name", "value")
    for index, entry in enumerate(items(order.get("line_items"), "line_items")):
        line, properties = _line(mapping(entry, f"line_items[{index}]"), f"line_items[{index}]")
        lines.append(line)
        attributes.extend(properties)
    created = timestamp(order.get("created_at"), "created_at")
    updated = order.get("updated_at")
    customer = _optional_mapping(order.get("customer"), "customer")
    address = _optional_mapping(order.get("shipping_address"), "shipping_address")
    billing = _optional_mapping(order.get("billing_address"), "billing_address")
    zero = Decimal(0)
    return NormalisedOrder(
        platform=PLATFORM,
        shop_domain=shop_domain,
        external_id=external,
        number=text(order.get("name")) or text(order.get("order_number")) or external,
        status=CANCELLED if cancelled or order.get("cancelled_at") else OPEN,
        platform_status=text(order.get("financial_status")),
        currency=currency(order.get("currency")),
        created_at=created,
        updated_at=timestamp(updated, "updated_at") if updated else created,
        customer_email=(
            text(order.get("email"))
            or text(order.get("contact_email"))
            or text(customer.get("email"))
        ),
        customer_name=(
            _full_name(customer) or text(address.get("name")) or text(billing.get("name"))
        ),
        shipping_address=_address(address),
        subtotal=amount(order.get("subtotal_price"), "subtotal_price", default=zero),
        total_tax=amount(order.get("total_tax"), "total_tax", default=zero),
        total_discounts=amount(order.get("total_discounts"), "total_discounts", default=zero),
        shipping=_shipping_total(order),
        total=amount(order.get("total_price"), "total_price"),
        speed_tier=speed_tier(attributes, _shipping_methods(order)) or SpeedTier.BASIC,
        lines=tuple(lines),
    )


def _line(entry: Mapping[str, Any], where: str) -> tuple[NormalisedLine, list[tuple[str, str]]]:
    quantity_field = "current_quantity" if entry.get("current_quantity") is not None else "quantity"
    properties = pairs(entry.get("properties"), f"{where}.properties", "name", "value")
    line = NormalisedLine(
        external_line_id=external_id(entry.get("id"), f"{where}.id"),
        sku=text(entry.get("sku")) or None,
        variant_id=optional_id(entry.get("variant_id"), f"{where}.variant_id"),
        product_id=optional_id(entry.get("product_id"), f"{where}.product_id"),
        title=text(entry.get("title")) or text(entry.get("name")),
        quantity=count(entry.get(quantity_field), f"{where}.{quantity_field}"),
        unit_price=amount(entry.get("price"), f"{where}.price"),
        properties=public(properties),
    )
    return line, properties


def _shipping_total(order: Mapping[str, Any]) -> Decimal:
    price_set = _optional_mapping(order.get("total_shipping_price_set"), "total_shipping_price_set")
    shop_money = _optional_mapping(price_set.get("shop_money"), "total_shipping_price_set")
    if shop_money.get("amount") is not None:
        return amount(shop_money["amount"], "total_shipping_price_set.shop_money.amount")
    total = Decimal(0)
    for index, entry in enumerate(_shipping_lines(order)):
        total += amount(entry.get("price"), f"shipping_lines[{index}].price", default=Decimal(0))
    return total


def _shipping_methods(order: Mapping[str, Any]) -> Iterator[str]:
    for entry in _shipping_lines(order):
        yield from (text(entry.get("code")), text(entry.get("title")))


def _shipping_lines(order: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for index, entry in enumerate(items(order.get("shipping_lines"), "shipping_lines")):
        yield mapping(entry, f"shipping_lines[{index}]")


def _optional_mapping(value: object, where: str) -> Mapping[str, Any]:
    return {} if value is None else mapping(value, where)


def _full_name(person: Mapping[str, Any]) -> str:
    return " ".join(filter(None, (text(person.get("first_name")), text(person.get("last_name")))))


def _address(address: Mapping[str, Any]) -> dict[str, str]:
    if not address:
        return {}
    values = {name: text(address.get(name)) for name in ADDRESS_FIELDS}
    values["name"] = values["name"] or _full_name(address)
    values["province"] = text(address.get("province_code")) or values["province"]
    return values


def _header_time(value: str | None) -> datetime | None:
    """``X-Shopify-Triggered-At`` (nanoseconds and all); informational, so unreadable is None."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


class ShopifyClient:
    """The few Admin REST calls flexchain makes to one shop.

    Parameters
    ----------
    domain
        The shop's ``*.myshopify.com`` domain, as webhooks name it.
    token
        An Admin API access token (``read_orders``, ``write_inventory``, and
        ``write_merchant_managed_fulfillment_orders`` to report shipments).
    http
        The client to send with; its timeouts and transport are the caller's.
    api_version
        The Admin API version in the URLs, ``2025-01``.
    base_url
        Where to send instead of ``https://<domain>`` (a local simulator in tests).
    """

    def __init__(
        self,
        domain: str,
        token: str,
        http: httpx.Client,
        api_version: str = DEFAULT_API_VERSION,
        *,
        base_url: str | None = None,
    ) -> None:
        self.domain = domain.strip().lower()
        self.api_version = api_version
        self._token = token
        self._http = http
        self._base = httpx.URL((base_url or f"https://{self.domain}").rstrip("/"))

    def _url(self, resource: str) -> str:
        return f"{self._base}/admin/api/{self.api_version}/{resource}"

    def _headers(self) -> dict[str, str]:
        return {"X-Shopify-Access-Token": self._token, "Accept": "application/json"}

    def orders_updated_since(self, since: datetime) -> list[NormalisedOrder]:
        """Every order (open, closed or cancelled) updated at or after ``since``, all pages.

        Follows the ``Link: <...>; rel="next"`` cursor (``page_info``) until there is none.
        """
        what = f"list orders of {self.domain} updated since {since.isoformat()}"
        url = self._url("orders.json")
        params: dict[str, str | int] | None = {
            "status": "any",
            "updated_at_min": utc(since, "since").isoformat(),
            "limit": PAGE_SIZE,
        }
        orders: list[NormalisedOrder] = []
        seen: set[str] = set()
        while True:
            response = request(
                self._http, "GET", url, what=what, headers=self._headers(), params=params
            )
            orders.extend(self._orders_in(response, what))
            link = response.links.get("next", {}).get("url")
            if not link:
                return orders
            url, params = self._next_page(response, link, what, seen), None

    def _orders_in(self, response: httpx.Response, what: str) -> list[NormalisedOrder]:
        data = json_of(response, what)
        if not isinstance(data, Mapping) or not isinstance(data.get("orders"), list):
            raise PermanentFailure(f"{what}: the response has no orders list", 200)
        result = []
        for index, order in enumerate(data["orders"]):
            try:
                result.append(normalise_order(mapping(order, "order"), self.domain))
            except PayloadError as error:
                raise PermanentFailure(f"{what}: orders[{index}]: {error}", 200) from None
        return result

    def _next_page(self, response: httpx.Response, link: str, what: str, seen: set[str]) -> str:
        url = response.url.join(link)
        if (url.scheme, url.host, url.port) != (
            self._base.scheme,
            self._base.host,
            self._base.port,
        ):
            raise PermanentFailure(
                f"{what}: the next page is on another host ({url.host}); refused"
            )
        if str(url) in seen:
            raise PermanentFailure(f"{what}: the next page link repeats ({url}); stopped")
        seen.add(str(url))
        return str(url)

    def set_inventory(
        self,
        inventory_item_id: str | int,
        location_id: str | int,
        available: int,
        idempotency_key: str,
    ) -> None:
        """Set the available quantity of an inventory item at a location (absolute, not a delta).

        Raises :class:`RateLimited`, :class:`TemporaryFailure` or :class:`PermanentFailure`.
        """
        what = f"set inventory of item {inventory_item_id} at location {location_id}"
        if isinstance(available, bool) or not isinstance(available, int):
            raise PermanentFailure(f"{what}: available must be a whole number, got {available!r}")
        body = {
            "location_id": numeric_id(location_id, "location_id"),
            "inventory_item_id": numeric_id(inventory_item_id, "inventory_item_id"),
            "available": available,
        }
        headers = {**self._headers(), "Idempotency-Key": idempotency_key}
        request(
            self._http,
            "POST",
            self._url("inventory_levels/set.json"),
            what=what,
            headers=headers,
            json_body=body,
        )

    def fulfill(
        self,
        order_id: str | int,
        tracking: Mapping[str, str | None],
        idempotency_key: str,
        *,
        notify_customer: bool = True,
    ) -> int:
        """Fulfil what is still open of an order, with ``tracking`` (``company``, ``number``,
        ``url``), through the fulfillment-orders API; returns how many fulfillment orders.

        Reads the order's fulfillment orders, then creates one fulfillment for those still
        open (``open``, ``in_progress``), all their lines. None open (already fulfilled, e.g. a
        retry after a lost answer) is success with nothing sent: 0.
        """
        order = numeric_id(order_id, "order_id")
        what = f"fulfil order {order} of {self.domain}"
        response = request(
            self._http,
            "GET",
            self._url(f"orders/{order}/fulfillment_orders.json"),
            what=f"{what}: read its fulfillment orders",
            headers=self._headers(),
        )
        data = json_of(response, what)
        listed = data.get("fulfillment_orders") if isinstance(data, Mapping) else None
        if not isinstance(listed, list):
            raise PermanentFailure(f"{what}: the response has no fulfillment_orders list", 200)
        open_ids = [
            numeric_id(str(entry.get("id")), "fulfillment_orders[].id")
            for entry in listed
            if isinstance(entry, Mapping) and entry.get("status") in FULFILLABLE
        ]
        if not open_ids:
            return 0
        info = {name: value for name, value in tracking.items() if value}
        body = {
            "fulfillment": {
                "line_items_by_fulfillment_order": [
                    {"fulfillment_order_id": ident} for ident in open_ids
                ],
                "tracking_info": info,
                "notify_customer": notify_customer,
            }
        }
        request(
            self._http,
            "POST",
            self._url("fulfillments.json"),
            what=what,
            headers={**self._headers(), "Idempotency-Key": idempotency_key},
            json_body=body,
        )
        return len(open_ids)
