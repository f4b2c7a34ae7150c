"""Webhook intake throughput: the real server over loopback, concurrent signed Shopify webhooks.

    python bench/intake.py                       # SQLite and PostgreSQL, 3 rounds of 1,000 orders
    python bench/intake.py --db sqlite --orders 2000 --concurrency 64

For each database: a fresh database with the test brand, ``flexchain serve`` (one uvicorn
process unless ``--workers``) in a subprocess, then rounds of distinct orders (two lines each: a
stocked tee and a made-to-order bag) posted by ``--concurrency`` clients at once. Each request
is the whole intake: signature, raw body stored in the inbox and committed, order created,
stock reserved, picks and jobs placed, promise set. Prints orders/s and p50/p99 latency per round
and their medians. The PostgreSQL server is the test suite's throwaway one (fsync off), started
here on a loopback port.
The clients write prepared requests to keep-alive sockets and read every answer whole
(``--client raw``, ~0.1 ms of CPU per request), so the machine's cores go to the server and the
database; ``--client httpx`` uses a full client library instead (~2 ms per request).
Goal on 2 cores: >= 200 orders/s on SQLite, >= 400 on PostgreSQL, p99 <= 100 ms; on PostgreSQL
that takes both cores: ``--intake-processes 2 --no-access-log`` (batches applied in two child
processes; ``--workers 2`` is faster when the kernel splits the clients' connections evenly
between the server processes, and slow when it does not). docs/storefronts.md has figures.
With C clients each waiting for its answer, the mean latency is C / (orders/s) (Little's law):
at 32 clients, 100 ms needs 320 orders/s; compare concurrency levels with ``--concurrency``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import pgserver  # noqa: E402
from tests.storefront_world import BAG, TEE, build_world, shopify_order, shopify_webhook  # noqa: E402

from flexchain.adapters.db.uow import UnitOfWork  # noqa: E402
from flexchain.bootstrap import bootstrap  # noqa: E402
from flexchain.config import Settings  # noqa: E402


@contextmanager
def database(kind: str) -> Iterator[str]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{Path(folder) / 'bench.db'}"
        return
    server = pgserver.start_server()
    try:
        yield server.url("postgres")
    finally:
        server.stop()


def prepare(url: str) -> None:
    app = bootstrap(Settings(database_url=url))
    try:
        build_world(lambda **kw: UnitOfWork(app.engine, **kw), tee_stock=1_000_000)
        with UnitOfWork(app.engine) as uow:  # plenty of bag modules too
            from flexchain.domain.stock import MoveKind, StockMove
            from flexchain.services import inventory

            for sku in ("M-BAG-BODY", "M-STRAP"):
                inventory.post_move(
                    uow,
                    StockMove(
                        sku,
                        "OPENING",
                        "WH",
                        1_000_000,
                        MoveKind.OPENING,
                        "bench",
                        at=__import__("datetime").datetime.now(__import__("datetime").UTC),
                    ),
                )
            uow.commit()
    finally:
        app.close()


@contextmanager
def serve(
    url: str, workers: int = 1, access_log: bool = True, intake_processes: int = 0
) -> Iterator[str]:
    port = pgserver.free_port()
    env = {**os.environ, "FLEXCHAIN_OUTBOX_WORKER": "false"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flexchain.entrypoints.cli.main",
            "--db",
            url,
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--access-log" if access_log else "--no-access-log",
            "--intake-processes",
            str(intake_processes),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/health", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("the server did not start") from None
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def webhooks(first_id: int, count: int) -> list[tuple[dict[str, str], bytes]]:
    bag = {"sku": BAG, "quantity": 1, "properties": {"Colour": "Indigo", "Engraving": "Ana"}}
    return [
        shopify_webhook(shopify_order(first_id + n, [{"sku": TEE, "quantity": 1}, bag]))
        for n in range(count)
    ]


def request_bytes(host: str, headers: dict[str, str], body: bytes) -> bytes:
    """One whole HTTP/1.1 POST, built before the clock starts."""
    head = [
        "POST /webhooks/shopify HTTP/1.1",
        f"Host: {host}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """Status and body of one HTTP/1.1 response (the server answers with Content-Length)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = next(
        int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:")
    )
    return status, await reader.readexactly(length)


async def fire_raw(
    base: str, batch: list[tuple[dict[str, str], bytes]], concurrency: int
) -> tuple[float, list[float]]:
    """Like :func:`fire`, with keep-alive connections written to directly: the client costs
    ~0.1 ms of CPU per request instead of httpx's ~2 ms, which on a 2-core machine leaves the
    cores to the server under test. Every answer is still read whole and checked."""
    host_port = base.removeprefix("http://")
    host, port = host_port.split(":")
    requests = [request_bytes(host_port, headers, body) for headers, body in batch]
    queue = list(reversed(requests))
    latencies: list[float] = []

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while queue:
                request = queue.pop()
                began = time.perf_counter()
                writer.write(request)
                status, body = await read_response(reader)
                latencies.append(time.perf_counter() - began)
                if status != 200 or json.loads(body)["status"] != "processed":
                    raise SystemExit(f"unexpected answer: {status} {body!r}")
        finally:
            writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - began, latencies


async def fire(
    base: str, batch: list[tuple[dict[str, str], bytes]], concurrency: int
) -> tuple[float, list[float]]:
    latencies: list[float] = []
    queue = list(reversed(batch))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:

        async def worker() -> None:
            while queue:
                headers, body = queue.pop()
                began = time.perf_counter()
                response = await client.post("/webhooks/shopify", content=body, headers=headers)
                latencies.append(time.perf_counter() - began)
                if response.status_code != 200 or response.json()["status"] != "processed":
                    raise SystemExit(f"unexpected answer: {response.status_code} {response.text}")

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - began, latencies


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--orders", type=int, default=1000, help="orders per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    parser.add_argument(
        "--intake-processes",
        type=int,
        default=0,
        help="child processes applying the webhook batches, per server process",
    )
    parser.add_argument(
        "--client",
        choices=["raw", "httpx"],
        default="raw",
        help="raw: keep-alive sockets written directly (cheap, leaves the cores to the server); "
        "httpx: a full HTTP client library (about 2 ms of CPU per request on these machines)",
    )
    parser.add_argument(
        "--no-access-log",
        dest="access_log",
        action="store_false",
        help="serve without uvicorn's line per request (flexchain serve --no-access-log)",
    )
    args = parser.parse_args()
    send = fire_raw if args.client == "raw" else fire
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    print(
        f"{'database':<11} {'round':>5} {'orders':>7} {'orders/s':>9} {'p50 ms':>7} {'p99 ms':>7}"
    )
    for kind in kinds:
        with database(kind) as url:
            prepare(url)
            with serve(url, args.workers, args.access_log, args.intake_processes) as base:
                asyncio.run(send(base, webhooks(1, 100), args.concurrency))  # warm up
                rates, p50s, p99s = [], [], []
                for round_ in range(1, args.rounds + 1):
                    batch = webhooks(round_ * 1_000_000, args.orders)
                    seconds, latencies = asyncio.run(send(base, batch, args.concurrency))
                    rates.append(len(batch) / seconds)
                    p50s.append(percentile(latencies, 0.50) * 1000)
                    p99s.append(percentile(latencies, 0.99) * 1000)
                    print(
                        f"{kind:<11} {round_:>5} {len(batch):>7} {rates[-1]:>9.0f} "
                        f"{p50s[-1]:>7.1f} {p99s[-1]:>7.1f}"
                    )
                print(
                    f"{kind:<11} {'median':>5} {args.orders:>7} {statistics.median(rates):>9.0f} "
                    f"{statistics.median(p50s):>7.1f} {statistics.median(p99s):>7.1f}"
                )


if __name__ == "__main__":
    main()
