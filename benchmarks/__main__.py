"""Browser benchmarks: op_browser against @openpanel/web and bare PyScript.

    python3 build.py bench                 # 7 runs per case, rewrites BENCHMARKS.md
    python3 build.py bench --runs 3 --only startup

Everything runs in one headless Chromium on 127.0.0.1: a static server for
the pages and the local collector, wrapped so that it timestamps each
acknowledged ``POST /track``. Each run uses a new browser context (empty cache
and storage), and the contenders of a case alternate run by run, so a slow
moment of the machine hits all of them. Absolute times depend on the machine;
the ratios measured in one run are the result.
"""

from __future__ import annotations

import argparse
import gzip
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.cases import CASES, Bench
from benchmarks.report import write_json, write_markdown

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_RUNS = 7


def wire_sizes() -> dict[str, int]:
    """Return gzip-compressed sizes in bytes of what a page downloads for each SDK."""
    sdk_sources = sorted((ROOT / "op_browser").glob("*.py"))
    source_text = b"".join(path.read_bytes() for path in sdk_sources)
    tracker = ROOT / "node_modules/@openpanel/web/dist/src/tracker.global.js"
    return {
        "op_browser.zip (as served)": (ROOT / "build/static/op_browser.zip").stat().st_size,
        "op_browser sources, gzip": len(gzip.compress(source_text, 9)),
        "@openpanel/web tracker.global.js, gzip": len(gzip.compress(tracker.read_bytes(), 9)),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS,
                        help=f"runs per contender and case (default {DEFAULT_RUNS})")
    parser.add_argument("--only", choices=sorted(CASES), action="append",
                        help="run only this case (repeatable); default: all")
    parser.add_argument("--markdown", type=Path, default=ROOT / "BENCHMARKS.md",
                        help="Markdown file whose generated section is rewritten")
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results.json",
                        help="file for the raw measurements in JSON")
    options = parser.parse_args(argv)
    if options.runs < 1:
        parser.error(f"--runs must be 1 or more, got {options.runs}")

    started = time.monotonic()
    results = {
        "machine": f"{platform.machine()}, {platform.system()}, Python {platform.python_version()}",
        "runs": options.runs,
        "sizes": wire_sizes(),
        "cases": {},
    }
    with tempfile.TemporaryDirectory(prefix="op_browser-bench-") as workdir, \
            Bench(Path(workdir)) as bench:
        results["chromium"] = bench.browser_version
        for name in options.only or list(CASES):
            print(f"[bench] {name}: {options.runs} runs per contender", flush=True)
            results["cases"][name] = CASES[name](bench, options.runs)
    results["elapsed_s"] = round(time.monotonic() - started, 1)

    write_json(options.json, results)
    write_markdown(options.markdown, results)
    print(f"[bench] wrote {options.markdown} and {options.json} "
          f"in {results['elapsed_s']} s", flush=True)
    print(json.dumps(results["sizes"], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
