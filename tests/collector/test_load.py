"""Bounded load test: many concurrent clients on loopback for a fixed time, no event lost.

    .venv/bin/pytest -m load tests/collector/test_load.py -s

Excluded from the default run. COLLECTOR_LOAD_SECONDS and COLLECTOR_LOAD_CLIENTS
change the duration (default 10 s) and the number of concurrent clients
(default 32). The figures go to stdout and build/benchmarks/collector_ingestion.json.
"""

import asyncio
import json
import os
import platform
import statistics
import time
from pathlib import Path

import httpx
import pytest

from tests.support.collector import CollectorServer

pytestmark = pytest.mark.load

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "build" / "benchmarks" / "collector_ingestion.json"
DURATION_S = float(os.environ.get("COLLECTOR_LOAD_SECONDS", "10"))
CLIENTS = int(os.environ.get("COLLECTOR_LOAD_CLIENTS", "32"))
REQUEST_TIMEOUT_S = 30.0
# Every REVENUE_EVERY-th request is a revenue. Every RETRY_EVERY-th revenue is
# sent a second time with the same idempotency key, as a retrying webhook would.
REVENUE_EVERY = 5
RETRY_EVERY = 4


class Tally:
    def __init__(self) -> None:
        self.latencies_ms: list[float] = []
        self.stored_expected = 0
        self.retries_acknowledged = 0
        self.failures: list[str] = []


async def run_client(number: int, server: CollectorServer, deadline: float, tally: Tally) -> None:
    headers = server.headers()
    limits = httpx.Limits(max_connections=1)
    async with httpx.AsyncClient(
        base_url=server.base_url, timeout=REQUEST_TIMEOUT_S, limits=limits
    ) as http:
        sequence = 0
        while time.monotonic() < deadline:
            sequence += 1
            event_id = f"{number}-{sequence}"
            if sequence % REVENUE_EVERY == 0:
                properties = {"__revenue": 100 + sequence, "__idempotencyKey": f"order-{event_id}"}
                payload = {"name": "revenue", "properties": properties}
            else:
                payload = {"name": "load_step", "properties": {"client": number, "n": sequence}}
            if await send(http, headers, payload, tally):
                tally.stored_expected += 1
            retry = sequence % (REVENUE_EVERY * RETRY_EVERY) == 0
            if retry and await send(http, headers, {**payload, "retry": True}, tally):
                tally.retries_acknowledged += 1


async def send(http: httpx.AsyncClient, headers: dict, payload: dict, tally: Tally) -> bool:
    body = {"type": "track", "payload": payload}
    started = time.perf_counter()
    try:
        response = await http.post("/track", json=body, headers=headers)
    except httpx.HTTPError as error:
        tally.failures.append(f"{type(error).__name__}: {error}")
        return False
    tally.latencies_ms.append((time.perf_counter() - started) * 1000)
    if response.status_code != 200:
        tally.failures.append(f"HTTP {response.status_code}: {response.text[:200]}")
        return False
    return True


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def test_collector_ingestion_under_load(tmp_path):
    server = CollectorServer(tmp_path, in_subprocess=True).start()
    tally = Tally()
    try:
        started = time.monotonic()
        deadline = started + DURATION_S

        async def drive():
            await asyncio.gather(*(run_client(n, server, deadline, tally) for n in range(CLIENTS)))

        asyncio.run(drive())
        elapsed = time.monotonic() - started
        stored = server.export().json()["meta"]["totalCount"]
        stored_revenues = server.export(event="revenue").json()["meta"]["totalCount"]
    finally:
        server.close()

    acknowledged = len(tally.latencies_ms) - len(
        [f for f in tally.failures if f.startswith("HTTP")]
    )
    figures = {
        "clients": CLIENTS,
        "duration_s": round(elapsed, 2),
        "requests_acknowledged": acknowledged,
        "events_stored": stored,
        "revenues_stored": stored_revenues,
        "retries_acknowledged": tally.retries_acknowledged,
        "events_per_s": round(tally.stored_expected / elapsed, 1),
        "requests_per_s": round(acknowledged / elapsed, 1),
        "latency_p50_ms": round(percentile(tally.latencies_ms, 0.50), 2),
        "latency_p99_ms": round(percentile(tally.latencies_ms, 0.99), 2),
        "latency_mean_ms": round(statistics.fmean(tally.latencies_ms), 2),
        "failures": len(tally.failures),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "python": platform.python_version(),
        # Other processes share the CPUs, and the 1-minute load average shows how busy they were.
        "load_average_1min_after": round(os.getloadavg()[0], 2),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n")
    print("\ncollector ingestion:", json.dumps(figures, indent=2))

    assert tally.failures == []
    assert stored == tally.stored_expected
    assert acknowledged == tally.stored_expected + tally.retries_acknowledged
    assert tally.retries_acknowledged > 0
