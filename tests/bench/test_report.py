"""The benchmark report rewrites only its generated section of BENCHMARKS.md."""

from benchmarks.report import BEGIN, END, write_markdown

RESULTS = {
    "runs": 3,
    "machine": "x86_64",
    "chromium": "156",
    "elapsed_s": 12.0,
    "sizes": {"op_browser.zip (as served)": 26_000},
    "cases": {
        "first_event": {
            "contenders": {
                "@openpanel/web": {"median_ms": 200.0, "min_ms": 190.0, "max_ms": 210.0},
                "op_browser, MicroPython": {"median_ms": 500.0, "min_ms": 480.0,
                                            "max_ms": 900.0},
            },
            "ratios": {"op_browser, MicroPython": 2.5},
        }
    },
}


def test_markdown_keeps_hand_written_sections(tmp_path):
    target = tmp_path / "BENCHMARKS.md"
    target.write_text(f"# Benchmarks\n\nintro\n\n{BEGIN}\nold numbers\n{END}\n\n## Load\n\nkept\n")

    write_markdown(target, RESULTS)

    text = target.read_text()
    assert "old numbers" not in text
    assert "intro" in text
    assert text.endswith("## Load\n\nkept\n")
    assert "| op_browser, MicroPython | 500 | 480 - 900 | 2.50 |" in text
    assert "| @openpanel/web | 200 | 190 - 210 | 1.00 (baseline) |" in text
    assert text.count(BEGIN) == 1


def test_markdown_appends_section_to_new_file(tmp_path):
    target = tmp_path / "BENCHMARKS.md"

    write_markdown(target, RESULTS)

    text = target.read_text()
    assert text.startswith("# Benchmarks\n")
    assert BEGIN in text
    assert END in text
    assert "| op_browser.zip (as served) | 26,000 |" in text
