"""A store's API on loopback for tests: records every request and answers like the platform."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    url: str
    requests: list[Recorded] = field(default_factory=list)
    respond: Callable[[Recorded], tuple[int, dict[str, str], bytes]] | None = None
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Recorded]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.requests) >= count, timeout=timeout)
            return list(self.requests)


@contextmanager
def receiver(
    respond: Callable[[Recorded], tuple[int, dict[str, str], bytes]] | None = None,
) -> Iterator[Receiver]:
    """Serve on a free loopback port until the block ends; 200 ``{}`` unless ``respond`` says."""
    state = Receiver(url="", respond=respond)

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            record = Recorded(
                self.command, self.path, dict(self.headers.items()), self.rfile.read(length)
            )
            status, headers, body = (state.respond or (lambda _r: (200, {}, b"{}")))(record)
            with state.arrived:
                state.requests.append(record)
                state.arrived.notify_all()
            self.send_response(status)
            for name, value in {"Content-Type": "application/json", **headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = _handle

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


# --- a store that checks what it is sent (issue 12: shipments and variations) ------------------

_SHOPIFY = re.compile(r"^/admin/api/(?P<version>[0-9-]+)/(?P<resource>[^?]+)")
_WOO = re.compile(r"^/wp-json/wc/v3/(?P<resource>[^?]+)")


@dataclass
class StoreApi:
    """Answers the calls flexchain makes like Shopify and WooCommerce do, and checks them.

    Shopify: ``GET orders/{id}/fulfillment_orders.json`` lists the order's fulfillment orders
    (one open one per order in ``shopify_orders``); ``POST fulfillments.json`` must name open
    fulfillment orders in ``line_items_by_fulfillment_order``, carry ``tracking_info``
    (``company``, ``number``, ``url`` only) and a boolean ``notify_customer``: it closes them
    and answers 201. WooCommerce: ``PUT orders/{id}`` takes ``{"status": "completed"}``,
    ``POST orders/{id}/notes`` a ``note``; ``PUT products/{id}`` and
    ``products/{parent}/variations/{id}`` take ``manage_stock`` and ``stock_quantity``, for the
    products and variations in ``woo_products``. Anything else is a 404 or 400, like the
    platforms; every refusal is kept in ``refused``.
    """

    shopify_orders: set[int] = field(default_factory=set)
    woo_orders: set[int] = field(default_factory=set)
    woo_products: dict[int, int | None] = field(default_factory=dict)
    """product or variation id -> its parent product (``None`` for a product)."""
    fulfillment_orders: dict[int, str] = field(default_factory=dict)
    fulfillments: list[dict[str, Any]] = field(default_factory=list)
    woo_status: dict[int, str] = field(default_factory=dict)
    woo_notes: dict[int, list[str]] = field(default_factory=dict)
    stock: dict[int, int] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        for order in self.shopify_orders:
            self.fulfillment_orders.setdefault(order * 10, "open")

    def __call__(self, request: Recorded) -> tuple[int, dict[str, str], bytes]:
        path = request.path.split("?")[0]
        shopify, woo = _SHOPIFY.match(path), _WOO.match(path)
        try:
            if shopify:
                return self._shopify(request.method, shopify.group("resource"), request)
            if woo:
                return self._woo(request.method, woo.group("resource"), request)
            return self._refuse(404, f"{request.method} {path}: no such resource")
        except (KeyError, TypeError, ValueError) as error:
            return self._refuse(400, f"{request.method} {path}: bad body: {error!r}")

    def _refuse(self, status: int, message: str) -> tuple[int, dict[str, str], bytes]:
        self.refused.append(message)
        return status, {}, json.dumps({"errors": message}).encode()

    @staticmethod
    def _ok(data: Any, status: int = 200) -> tuple[int, dict[str, str], bytes]:
        return status, {}, json.dumps(data).encode()

    def _shopify(
        self, method: str, resource: str, request: Recorded
    ) -> tuple[int, dict[str, str], bytes]:
        listing = re.fullmatch(r"orders/(\d+)/fulfillment_orders\.json", resource)
        if method == "GET" and listing:
            order = int(listing.group(1))
            if order not in self.shopify_orders:
                return self._refuse(404, f"no order {order}")
            ident = order * 10
            entry = {"id": ident, "order_id": order, "status": self.fulfillment_orders[ident]}
            return self._ok({"fulfillment_orders": [entry]})
        if method == "POST" and resource == "fulfillments.json":
            return self._fulfil(request)
        if method == "GET" and resource == "orders.json":
            return self._ok({"orders": []})
        if method == "POST" and resource == "inventory_levels/set.json":
            return self._ok({"inventory_level": request.json()})
        return self._refuse(404, f"{method} {resource}: no such Shopify resource")

    def _fulfil(self, request: Recorded) -> tuple[int, dict[str, str], bytes]:
        body = request.json()["fulfillment"]
        if set(body) - {"line_items_by_fulfillment_order", "tracking_info", "notify_customer"}:
            return self._refuse(400, f"unknown fields {sorted(body)}")
        if not isinstance(body["notify_customer"], bool):
            return self._refuse(400, "notify_customer must be a boolean")
        if set(body["tracking_info"]) - {"company", "number", "url"}:
            return self._refuse(400, f"unknown tracking_info {sorted(body['tracking_info'])}")
        ids = [entry["fulfillment_order_id"] for entry in body["line_items_by_fulfillment_order"]]
        if not ids or any(self.fulfillment_orders.get(i) != "open" for i in ids):
            return self._refuse(422, f"fulfillment orders {ids} are not all open")
        for ident in ids:
            self.fulfillment_orders[ident] = "closed"
        self.fulfillments.append(body)
        return self._ok({"fulfillment": {"id": len(self.fulfillments), **body}}, 201)

    def _woo(
        self, method: str, resource: str, request: Recorded
    ) -> tuple[int, dict[str, str], bytes]:
        if method == "GET" and resource == "orders":
            return self._ok([])
        order = re.fullmatch(r"orders/(\d+)(/notes)?", resource)
        if order and int(order.group(1)) not in self.woo_orders:
            return self._refuse(404, f"no order {order.group(1)}")
        if order and method == "PUT" and not order.group(2):
            if request.json() != {"status": "completed"}:
                return self._refuse(400, f"unexpected order update {request.json()}")
            self.woo_status[int(order.group(1))] = "completed"
            return self._ok({"id": int(order.group(1)), "status": "completed"})
        if order and method == "POST" and order.group(2):
            note = request.json()["note"]
            if not isinstance(note, str) or not note:
                return self._refuse(400, "note must be text")
            self.woo_notes.setdefault(int(order.group(1)), []).append(note)
            return self._ok({"id": 1, "note": note}, 201)
        product = re.fullmatch(r"products/(\d+)(?:/variations/(\d+))?", resource)
        if product and method == "PUT":
            parent, variation = int(product.group(1)), product.group(2)
            ident = int(variation) if variation else parent
            expected_parent = parent if variation else None
            if ident not in self.woo_products or self.woo_products[ident] != expected_parent:
                return self._refuse(404, f"no product {resource}")
            body = request.json()
            if body.get("manage_stock") is not True:
                return self._refuse(400, "manage_stock must be true")
            self.stock[ident] = int(body["stock_quantity"])
            return self._ok({"id": ident, "stock_quantity": self.stock[ident]})
        return self._refuse(404, f"{method} {resource}: no such WooCommerce resource")
