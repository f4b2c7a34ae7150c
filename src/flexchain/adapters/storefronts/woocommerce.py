"""WooCommerce: order webhooks in; orders, product stock and completion over the REST API
(``wc/v3``).

A webhook is verified (``X-WC-Webhook-Signature``, base64 HMAC-SHA256 of the raw body) before its
body is parsed. When a webhook is saved, WooCommerce first sends an unsigned form-encoded ping
(``webhook_id=12``): :func:`is_ping` recognises it so the endpoint can answer 200 and do nothing.
See https://woocommerce.github.io/woocommerce-rest-api-docs/#webhooks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, Final
from urllib.parse import urlsplit

import httpx

from flexchain.adapters.storefronts.common import (
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
    round_money,
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
    "CANCELLED_STATUSES",
    "PLATFORM",
    "TOPICS",
    "WooCommerceClient",
    "is_ping",
    "normalise_order",
    "parse_webhook",
    "source_domain",
]

PLATFORM: Final = "woocommerce"
TOPICS: Final = frozenset({"order.created", "order.updated", "order.restored", "order.deleted"})
CANCELLED_STATUSES: Final = frozenset({"cancelled", "refunded", "failed", "trash"})
"""Order statuses that mean the goods will not ship; every other status is open."""

SIGNATURE_HEADER: Final = "X-WC-Webhook-Signature"
TOPIC_HEADER: Final = "X-WC-Webhook-Topic"
SOURCE_HEADER: Final = "X-WC-Webhook-Source"
WEBHOOK_ID_HEADER: Final = "X-WC-Webhook-ID"
DELIVERY_ID_HEADER: Final = "X-WC-Webhook-Delivery-ID"
PAGE_SIZE: Final = 100

_PING: Final = re.compile(rb"webhook_id=\d{1,20}")
_FORM: Final = "application/x-www-form-urlencoded"


def is_ping(headers: Mapping[str, str], body: bytes) -> bool:
    """Whether a request is WooCommerce's ping: form-encoded ``webhook_id=<n>``, unsigned.

    Answer it 200 and change nothing; it carries no order and proves nothing about its sender.
    """
    content_type = (header(headers, "Content-Type") or _FORM).split(";")[0].strip().lower()
    return content_type == _FORM and _PING.fullmatch(body.strip()) is not None


def source_domain(headers: Mapping[str, str]) -> str | None:
    """The shop a webhook claims to come from (``X-WC-Webhook-Source``), to look up its secret.

    ``https://shop.example.com/`` -> ``shop.example.com``; a port or a folder stays.
    """
    source = header(headers, SOURCE_HEADER)
    return _domain(source) if source else None


def parse_webhook(
    headers: Mapping[str, str], body: bytes, secret: str
) -> tuple[WebhookEnvelope, NormalisedOrder | None]:
    """Verify an order webhook, then read its envelope and order.

    ``order.deleted`` (the order was trashed or deleted) carries only the id: the order is
    ``None`` and ``envelope.resource_id`` names the order to cancel. The dedupe key is the
    delivery id, else topic, order id and modification time.

    Raises :class:`SignatureError` (401) before looking at anything else, then
    :class:`PayloadError` (400) for another topic, a missing source, or a body that is not an
    order. Call :func:`is_ping` first: the ping is unsigned.
    """
    verify_hmac_base64(
        secret, body, header(headers, SIGNATURE_HEADER), header_name=SIGNATURE_HEADER
    )
    topic = (header(headers, TOPIC_HEADER) or "").lower()
    if not topic:
        raise PayloadError(f"missing {TOPIC_HEADER} header")
    if topic not in TOPICS:
        allowed = ", ".join(sorted(TOPICS))
        raise PayloadError(f"unsupported topic {topic!r}: this endpoint takes {allowed}")
    shop = source_domain(headers)
    if shop is None:
        raise PayloadError(f"missing {SOURCE_HEADER} header")
    data = mapping(load_json(body), "body")
    order = None if topic == "order.deleted" else normalise_order(data, shop)
    resource_id = order.external_id if order else external_id(data.get("id"), "id")
    delivery_id = header(headers, DELIVERY_ID_HEADER)
    fallback = f"{topic}:{resource_id}" + (f":{order.updated_at.isoformat()}" if order else "")
    envelope = WebhookEnvelope(
        platform=PLATFORM,
        shop_domain=shop,
        topic=topic,
        webhook_id=header(headers, WEBHOOK_ID_HEADER),
        event_id=delivery_id,
        triggered_at=None,
        dedupe_key=delivery_id or fallback,
        resource_id=resource_id,
    )
    return envelope, order


def normalise_order(order: Mapping[str, Any], shop_domain: str) -> NormalisedOrder:
    """A WooCommerce order (webhook body or REST ``orders[i]``) in the shape the system consumes.

    Times are the ``*_gmt`` fields (UTC without an offset). ``subtotal`` is the sum of the line
    totals (after discounts, before tax), as Shopify means it; a line's ``unit_price`` is its
    subtotal (before discounts) over its quantity. The speed tier comes from the order's
    ``meta_data``, then the lines' ``meta_data``, then the shipping lines, and is basic when none
    names one.
    """
    external = external_id(order.get("id"), "id")
    attributes = pairs(order.get("meta_data"), "meta_data", "key", "value")
    lines: list[NormalisedLine] = []
    subtotal = Decimal(0)
    for index, entry in enumerate(items(order.get("line_items"), "line_items")):
        where = f"line_items[{index}]"
        line, meta, line_total = _line(mapping(entry, where), where)
        lines.append(line)
        attributes.extend(meta)
        subtotal += line_total
    billing = _optional_mapping(order.get("billing"), "billing")
    shipping = _optional_mapping(order.get("shipping"), "shipping")
    created = timestamp(order.get("date_created_gmt"), "date_created_gmt", naive_is_utc=True)
    modified = order.get("date_modified_gmt")
    status = text(order.get("status")).lower()
    zero = Decimal(0)
    return NormalisedOrder(
        platform=PLATFORM,
        shop_domain=shop_domain,
        external_id=external,
        number=text(order.get("number")) or external,
        status=CANCELLED if status in CANCELLED_STATUSES else OPEN,
        platform_status=status,
        currency=currency(order.get("currency")),
        created_at=created,
        updated_at=(
            timestamp(modified, "date_modified_gmt", naive_is_utc=True) if modified else created
        ),
        customer_email=text(billing.get("email")),
        customer_name=_full_name(billing) or _full_name(shipping),
        shipping_address=_address(shipping),
        subtotal=subtotal,
        total_tax=amount(order.get("total_tax"), "total_tax", default=zero),
        total_discounts=amount(order.get("discount_total"), "discount_total", default=zero),
        shipping=amount(order.get("shipping_total"), "shipping_total", default=zero),
        total=amount(order.get("total"), "total"),
        speed_tier=speed_tier(attributes, _shipping_methods(order)) or SpeedTier.BASIC,
        lines=tuple(lines),
    )


def _line(
    entry: Mapping[str, Any], where: str
) -> tuple[NormalisedLine, list[tuple[str, str]], Decimal]:
    quantity = count(entry.get("quantity"), f"{where}.quantity")
    meta = pairs(entry.get("meta_data"), f"{where}.meta_data", "key", "value")
    if entry.get("subtotal") not in (None, "") and quantity > 0:
        unit_price = round_money(amount(entry["subtotal"], f"{where}.subtotal") / quantity)
    else:  # ``price`` is total / quantity as a float-like number: 16.6666666667
        price = entry.get("price")
        unit_price = amount(
            round_money(price) if isinstance(price, Decimal) else price, f"{where}.price"
        )
    line = NormalisedLine(
        external_line_id=external_id(entry.get("id"), f"{where}.id"),
        sku=text(entry.get("sku")) or None,
        variant_id=optional_id(
            entry.get("variation_id"), f"{where}.variation_id", zero_is_none=True
        ),
        product_id=optional_id(entry.get("product_id"), f"{where}.product_id", zero_is_none=True),
        title=text(entry.get("name")),
        quantity=quantity,
        unit_price=unit_price,
        properties=public(meta),
    )
    total = amount(entry.get("total"), f"{where}.total", default=Decimal(0))
    return line, meta, total


def _shipping_methods(order: Mapping[str, Any]) -> list[str]:
    methods: list[str] = []
    for index, entry in enumerate(items(order.get("shipping_lines"), "shipping_lines")):
        line = mapping(entry, f"shipping_lines[{index}]")
        methods += [text(line.get("method_id")), text(line.get("method_title"))]
    return methods


def _optional_mapping(value: object, where: str) -> Mapping[str, Any]:
    return {} if value is None or value == [] else mapping(value, where)


def _full_name(person: Mapping[str, Any]) -> str:
    return " ".join(filter(None, (text(person.get("first_name")), text(person.get("last_name")))))


def _address(shipping: Mapping[str, Any]) -> dict[str, str]:
    """WooCommerce's shipping address under Shopify's names (``postcode`` is ``zip``)."""
    if not any(text(value) for value in shipping.values()):
        return {}
    return {
        "name": _full_name(shipping),
        "company": text(shipping.get("company")),
        "address1": text(shipping.get("address_1")),
        "address2": text(shipping.get("address_2")),
        "city": text(shipping.get("city")),
        "zip": text(shipping.get("postcode")),
        "province": text(shipping.get("state")),
        "country_code": text(shipping.get("country")),
        "phone": text(shipping.get("phone")),
    }


def _domain(url: str) -> str:
    """A site address as a shop domain: host, port if given, and the path of a WordPress that
    lives in a folder (``https://Example.com/shop/`` -> ``example.com/shop``)."""
    text = url.strip()
    if "://" in text:
        parts = urlsplit(text)
        text = parts.netloc + parts.path
    return text.strip("/").lower()


class WooCommerceClient:
    """The few REST calls flexchain makes to one WooCommerce shop (``/wp-json/wc/v3``).

    Parameters
    ----------
    base_url
        The site's address, ``https://shop.example.com`` (HTTPS: keys go in basic auth).
    key, secret
        A REST API consumer key and secret with read/write access.
    http
        The client to send with; its timeouts and transport are the caller's.
    domain
        The shop domain to put on the orders it lists, when ``base_url`` is not the site itself
        (a local simulator); by default the host and folder of ``base_url``.
    """

    def __init__(
        self, base_url: str, key: str, secret: str, http: httpx.Client, *, domain: str | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.domain = domain.strip().lower() if domain else _domain(self.base_url)
        self._auth = httpx.BasicAuth(key, secret)
        self._http = http

    def _url(self, resource: str) -> str:
        return f"{self.base_url}/wp-json/wc/v3/{resource}"

    def orders_modified_since(self, since: datetime) -> list[NormalisedOrder]:
        """Every order modified after ``since``, all pages, oldest id first.

        Pages by ``page=N`` up to ``X-WP-TotalPages`` (or until a short page when the header
        is missing). ``dates_are_gmt`` makes WooCommerce read ``since`` as UTC, not site time.
        """
        what = f"list orders of {self.domain} modified since {since.isoformat()}"
        after = utc(since, "since").replace(tzinfo=None).isoformat(timespec="seconds")
        orders: list[NormalisedOrder] = []
        page = 1
        while True:
            params: dict[str, str | int] = {
                "modified_after": after,
                "dates_are_gmt": "true",
                "orderby": "id",
                "order": "asc",
                "per_page": PAGE_SIZE,
                "page": page,
            }
            response = request(
                self._http, "GET", self._url("orders"), what=what, params=params, auth=self._auth
            )
            batch = self._orders_in(response, f"{what}, page {page}")
            orders.extend(batch)
            total_pages = _total_pages(response)
            last = page >= total_pages if total_pages is not None else len(batch) < PAGE_SIZE
            if last or not batch:
                return orders
            page += 1

    def _orders_in(self, response: httpx.Response, what: str) -> list[NormalisedOrder]:
        data = json_of(response, what)
        if not isinstance(data, list):
            raise PermanentFailure(f"{what}: expected a list of orders", response.status_code)
        result = []
        for index, order in enumerate(data):
            try:
                result.append(normalise_order(mapping(order, "order"), self.domain))
            except PayloadError as error:
                raise PermanentFailure(f"{what}: orders[{index}]: {error}", 200) from None
        return result

    def set_stock(
        self, product_id: str | int, stock_quantity: int, *, parent_id: str | int | None = None
    ) -> None:
        """Set a product's stock (absolute) and make WooCommerce manage it.

        A variation is updated under its product: give the product as ``parent_id``.
        Raises :class:`RateLimited`, :class:`TemporaryFailure` or :class:`PermanentFailure`.
        """
        what = f"set stock of product {product_id}"
        if isinstance(stock_quantity, bool) or not isinstance(stock_quantity, int):
            raise PermanentFailure(f"{what}: stock_quantity must be a whole number")
        product = numeric_id(product_id, "product_id")
        resource = f"products/{product}"
        if parent_id is not None:
            resource = f"products/{numeric_id(parent_id, 'parent_id')}/variations/{product}"
        request(
            self._http,
            "PUT",
            self._url(resource),
            what=what,
            json_body={"manage_stock": True, "stock_quantity": stock_quantity},
            auth=self._auth,
        )

    def complete_order(self, order_id: str | int, note: str | None) -> None:
        """Mark an order ``completed`` (WooCommerce e-mails the customer), then add ``note``
        (the carrier and tracking number) as a note to the customer.

        The status goes first: setting it again is harmless, so a retry after a failed note
        sends the note once. Raises :class:`RateLimited`, :class:`TemporaryFailure` or
        :class:`PermanentFailure`.
        """
        order = numeric_id(order_id, "order_id")
        what = f"complete order {order} of {self.domain}"
        request(
            self._http,
            "PUT",
            self._url(f"orders/{order}"),
            what=what,
            json_body={"status": "completed"},
            auth=self._auth,
        )
        if note:
            request(
                self._http,
                "POST",
                self._url(f"orders/{order}/notes"),
                what=f"{what}: add the tracking note",
                json_body={"note": note, "customer_note": True},
                auth=self._auth,
            )


def _total_pages(response: httpx.Response) -> int | None:
    value = (response.headers.get("X-WP-TotalPages") or "").strip()
    return int(value) if value.isdigit() else None
