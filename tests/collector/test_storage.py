"""The SQLite file: schema version, WAL mode, reopening, and a killed collector."""

import sqlite3

import pytest

from demo.collector.store import SCHEMA_VERSION, Store
from tests.support.collector import CollectorServer


def test_new_database_uses_wal_and_current_schema(tmp_path):
    store = Store(tmp_path / "c.sqlite3")
    store.close()
    connection = sqlite3.connect(tmp_path / "c.sqlite3")
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    connection.close()


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "c.sqlite3"
    connection = sqlite3.connect(path)
    connection.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    connection.close()
    with pytest.raises(RuntimeError, match="newer than this collector"):
        Store(path)


def test_database_path_parent_is_created(tmp_path):
    store = Store(tmp_path / "var" / "nested" / "c.sqlite3")
    assert store.ping()
    store.close()


def test_killed_collector_keeps_acknowledged_events(tmp_path):
    server = CollectorServer(tmp_path, in_subprocess=True).start()
    try:
        acknowledged = []
        for number in range(40):
            payload = {"name": "step", "properties": {"n": number}}
            if number % 4 == 0:
                payload = {
                    "name": "revenue",
                    "properties": {
                        "n": number,
                        "__revenue": 100 + number,
                        "__idempotencyKey": f"order-{number}",
                    },
                }
            response = server.track("track", payload, secret=True, origin=None)
            assert response.status_code == 200
            acknowledged.append(number)

        server.kill()
        server.start()

        stored = sorted(event["properties"]["n"] for event in server.export_events())
        assert stored == acknowledged
        again = server.track(
            "track",
            {"name": "revenue", "properties": {"__revenue": 100, "__idempotencyKey": "order-0"}},
            secret=True,
            origin=None,
        )
        assert again.status_code == 200
        assert len(server.export_events(event="revenue")) == 10
    finally:
        server.close()


def test_cookieless_device_id_survives_restart(tmp_path):
    server = CollectorServer(tmp_path, in_subprocess=True).start()
    try:
        before = server.track("track", {"name": "a"}).json()
        server.kill()
        server.start()
        after = server.track("track", {"name": "b"}).json()
        assert after == before
    finally:
        server.close()
