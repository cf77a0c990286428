"""Held sends: call order kept, and overflow drops the oldest non-revenue send with a warning."""

from op_browser.event_queue import EventQueue, QueuedSend
from op_browser.log import Log


def make_log():
    lines = []
    return Log(lambda level, message: lines.append((level, message))), lines


def held(label, started, dropped, is_revenue=False):
    return QueuedSend(label, lambda: started.append(label),
                      lambda reason: dropped.append((label, reason)), is_revenue)


def test_drain_keeps_call_order():
    log, _lines = make_log()
    queue = EventQueue(log)
    started, dropped = [], []
    for label in ("a", "b", "c"):
        queue.add(held(label, started, dropped))
    for item in queue.drain():
        item.start()
    assert started == ["a", "b", "c"]
    assert len(queue) == 0


def test_overflow_drops_oldest_non_revenue():
    log, lines = make_log()
    queue = EventQueue(log, max_sends=2)
    started, dropped = [], []
    queue.add(held("revenue", started, dropped, is_revenue=True))
    queue.add(held("first", started, dropped))
    queue.add(held("second", started, dropped))
    labels = [item.label for item in queue.drain()]
    assert labels == ["revenue", "second"]
    assert dropped[0][0] == "first"
    assert "more than 2" in dropped[0][1]
    assert lines[0][0] == "warning"


def test_overflow_never_drops_revenue():
    log, _lines = make_log()
    queue = EventQueue(log, max_sends=1)
    started, dropped = [], []
    for number in range(3):
        queue.add(held(f"revenue {number}", started, dropped, is_revenue=True))
    assert len(queue) == 3
    assert dropped == []
