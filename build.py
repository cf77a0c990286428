#!/usr/bin/env python3
"""Set up, build, test and run op_browser using only the standard library.

    python3 build.py demo      # install what is missing, build, start the demo shop
    python3 build.py test      # install what is missing, build, run ruff and pytest
    python3 build.py test -k revenue -x     # extra arguments go to pytest

Other subcommands: ``setup`` (virtualenv, npm packages, Chromium), ``build``
(assemble ``build/static/``) and ``bench`` (browser benchmarks). Every step
records a digest of its inputs and skips its work when they did not change.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
NODE_MODULES = ROOT / "node_modules"
BUILD = ROOT / "build"
STATIC = BUILD / "static"
STAMPS = BUILD / "stamps"
CHROMIUM_RECORD = BUILD / "chromium.json"

PACKAGE = ROOT / "op_browser"
PROJECT_EXTRAS = "test"  # pulls in the server and demo extras too

# Names a system Chromium goes by on common Linux distributions and macOS.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_PATHS = (
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome",
    "/snap/bin/chromium",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
)

# Fixed timestamp for zip entries, so the bundle is byte-identical between builds.
ZIP_DATE_TIME = (2020, 1, 1, 0, 0, 0)


def log(message: str) -> None:
    print(f"[build.py] {message}", flush=True)


def run(command: list[str], **kwargs) -> None:
    log("$ " + " ".join(str(part) for part in command))
    subprocess.run(command, check=True, **kwargs)


def venv_bin(name: str) -> Path:
    folder = "Scripts" if os.name == "nt" else "bin"
    suffix = ".exe" if os.name == "nt" else ""
    return VENV / folder / f"{name}{suffix}"


def digest_files(paths: list[Path], extra: str = "") -> str:
    sha = hashlib.sha256(extra.encode())
    for path in sorted(paths):
        sha.update(str(path.relative_to(ROOT)).encode())
        sha.update(path.read_bytes())
    return sha.hexdigest()


def stamp_is_current(name: str, digest: str) -> bool:
    stamp = STAMPS / name
    return stamp.exists() and stamp.read_text().strip() == digest


def write_stamp(name: str, digest: str) -> None:
    STAMPS.mkdir(parents=True, exist_ok=True)
    (STAMPS / name).write_text(digest + "\n")


def package_sources() -> list[Path]:
    return [p for p in PACKAGE.rglob("*") if p.is_file() and "__pycache__" not in p.parts]


# ---------------------------------------------------------------- setup


def setup_venv() -> None:
    python = venv_bin("python")
    digest = digest_files([ROOT / "pyproject.toml"], extra=sys.version)
    if python.exists() and stamp_is_current("venv", digest):
        log(f"virtualenv up to date: {VENV}")
        return
    if not python.exists():
        run([sys.executable, "-m", "venv", str(VENV)])
    pip = [str(python), "-m", "pip", "--disable-pip-version-check"]
    run([*pip, "install", "--upgrade", "pip", "hatchling"])
    run([*pip, "install", "--editable", f".[{PROJECT_EXTRAS}]"], cwd=ROOT)
    write_stamp("venv", digest)


def setup_npm() -> None:
    lock = ROOT / "package-lock.json"
    digest = digest_files([ROOT / "package.json", lock])
    if NODE_MODULES.exists() and stamp_is_current("npm", digest):
        log(f"npm packages up to date: {NODE_MODULES}")
        return
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("npm was not found on PATH: install Node.js 18 or newer (it ships npm), "
                 "then run this command again.")
    run([npm, "ci", "--no-audit", "--no-fund"], cwd=ROOT)
    write_stamp("npm", digest)


def find_system_chromium() -> str | None:
    named = os.environ.get("OP_BROWSER_CHROMIUM")
    if named:
        if not Path(named).exists():
            sys.exit(f"OP_BROWSER_CHROMIUM={named!r} does not exist: point it at a Chromium "
                     "executable or unset it.")
        return named
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    for path in CHROMIUM_PATHS:
        if Path(path).exists():
            return path
    return None


def chromium_works(path: str) -> bool:
    try:
        result = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as error:
        log(f"{path} could not run: {error}")
        return False
    if result.returncode != 0:
        log(f"{path} --version failed: {result.stderr.strip()}")
        return False
    log(f"{path}: {result.stdout.strip()}")
    return True


def can_apt_install() -> bool:
    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    return is_root and Path("/etc/debian_version").exists() and shutil.which("apt-get") is not None


def setup_chromium() -> None:
    path = find_system_chromium()
    if path and chromium_works(path):
        record = {"kind": "system", "path": path}
    elif can_apt_install():
        log("no system Chromium found; installing Debian's chromium package")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        run(["apt-get", "update"], env=env)
        run(["apt-get", "install", "-y", "--no-install-recommends", "chromium"], env=env)
        path = find_system_chromium()
        if not path or not chromium_works(path):
            sys.exit("apt-get installed chromium but no working executable was found; "
                     "set OP_BROWSER_CHROMIUM to its path.")
        record = {"kind": "system", "path": path}
    else:
        log("no system Chromium and no apt-get as root; trying `playwright install chromium`")
        run([str(venv_bin("python")), "-m", "playwright", "install", "chromium"])
        record = {"kind": "playwright", "path": ""}
    BUILD.mkdir(parents=True, exist_ok=True)
    CHROMIUM_RECORD.write_text(json.dumps(record) + "\n")
    chosen = record["path"] or "Playwright's bundled Chromium"
    log(f"Chromium for tests: {chosen} ({record['kind']})")


def setup(browser: bool = True) -> None:
    """Install what is missing; `browser=False` skips Chromium, which only tests need."""
    started = time.monotonic()
    setup_venv()
    setup_npm()
    if browser:
        setup_chromium()
    log(f"set-up done in {time.monotonic() - started:.1f} s")


# ---------------------------------------------------------------- build


def copy_tree(source: Path, target: Path, skip_suffixes: tuple[str, ...] = ()) -> None:
    if not source.exists():
        sys.exit(f"{source} is missing: run `python3 build.py setup` first.")
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for path in source.rglob("*"):
        if path.is_dir() or path.name.endswith(skip_suffixes):
            continue
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, destination)


def write_package_zip(target: Path) -> None:
    """Zip op_browser/ so that PyScript's ``"files": {"op_browser.zip": "./*"}`` unpacks it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for path in sorted(package_sources()):
            if path.suffix not in (".py", ".typed"):
                continue
            info = zipfile.ZipInfo(str(path.relative_to(ROOT)), date_time=ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            bundle.writestr(info, path.read_bytes())


def browser_sources() -> list[Path]:
    return sorted(path for path in package_sources() if path.suffix == ".py")


def write_package_files(folder: Path) -> dict[str, str]:
    """Copy the package's modules to `folder`; return a PyScript ``files`` map for them.

    PyScript fetches each listed file directly, where a zip first makes it load
    a 160 KB unzip library, which costs MicroPython pages most of their start-up
    overhead.
    """
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    files = {}
    for path in browser_sources():
        shutil.copy2(path, folder / path.name)
        files[f"/static/op_browser/{path.name}"] = f"./op_browser/{path.name}"
    return files


def write_pyscript_configs(files: dict[str, str]) -> None:
    """Write the ``files`` map alone and as ready PyScript configs for each interpreter."""
    (STATIC / "op_browser.files.json").write_text(json.dumps({"files": files}, indent=2) + "\n")
    interpreters = {"py": "/static/pyodide/pyodide.mjs",
                    "mpy": "/static/micropython/micropython.mjs"}
    for kind, interpreter in interpreters.items():
        config = {"interpreter": interpreter, "files": files}
        (STATIC / f"op_browser.{kind}.json").write_text(json.dumps(config, indent=2) + "\n")


def build_wheel() -> None:
    for old in STATIC.glob("op_browser-*.whl"):
        old.unlink()
    run([str(venv_bin("python")), "-m", "pip", "--disable-pip-version-check", "wheel",
         "--no-deps", "--no-build-isolation", "--quiet", "--wheel-dir", str(STATIC), str(ROOT)])


def build() -> None:
    inputs = [*package_sources(), ROOT / "pyproject.toml", ROOT / "README.md", Path(__file__)]
    npm_stamp = STAMPS / "npm"
    digest = digest_files(inputs, extra=npm_stamp.read_text() if npm_stamp.exists() else "")
    outputs = [STATIC / "op_browser.zip", STATIC / "op_browser.mpy.json", STATIC / "pyscript"]
    if all(path.exists() for path in outputs) and stamp_is_current("static", digest):
        log(f"{STATIC.relative_to(ROOT)} up to date")
        return
    started = time.monotonic()
    maps = (".map", ".d.ts")
    copy_tree(NODE_MODULES / "@pyscript" / "core" / "dist", STATIC / "pyscript", maps)
    copy_tree(NODE_MODULES / "pyodide", STATIC / "pyodide",
              (*maps, ".html", "package.json", "README.md"))
    copy_tree(NODE_MODULES / "@micropython" / "micropython-webassembly-pyscript",
              STATIC / "micropython", ("package.json", "README.md"))
    write_package_zip(STATIC / "op_browser.zip")
    write_pyscript_configs(write_package_files(STATIC / "op_browser"))
    build_wheel()
    write_stamp("static", digest)
    log(f"built {STATIC.relative_to(ROOT)} in {time.monotonic() - started:.1f} s")


# ---------------------------------------------------------------- commands


def chromium_env() -> dict[str, str]:
    env = dict(os.environ)
    if CHROMIUM_RECORD.exists():
        record = json.loads(CHROMIUM_RECORD.read_text())
        if record.get("path"):
            env["OP_BROWSER_CHROMIUM"] = record["path"]
    return env


def run_forwarding_signals(command: list[str], env: dict[str, str] | None = None) -> int:
    """Run a long-lived child and pass SIGINT/SIGTERM on to it, so it can stop cleanly."""
    log("$ " + " ".join(command))
    child = subprocess.Popen(command, cwd=ROOT, env=env)

    def forward(signum, _frame):
        if child.poll() is None:
            child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    return child.wait()


def command_test(pytest_args: list[str]) -> int:
    setup()
    build()
    python = str(venv_bin("python"))
    ruff = subprocess.run([python, "-m", "ruff", "check", "."], cwd=ROOT)
    if ruff.returncode != 0:
        log("ruff found problems (listed above)")
        return ruff.returncode
    return run_forwarding_signals([python, "-m", "pytest", *pytest_args], env=chromium_env())


def command_demo(demo_args: list[str]) -> int:
    setup(browser=False)
    build()
    return run_forwarding_signals([str(venv_bin("python")), "-m", "demo", *demo_args],
                                  env=chromium_env())


def command_bench(bench_args: list[str]) -> int:
    setup()
    build()
    return run_forwarding_signals([str(venv_bin("python")), "-m", "benchmarks", *bench_args],
                                  env=chromium_env())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["setup", "build", "demo", "test", "bench"],
                        help="what to do; demo, test and bench run setup and build first")
    parser.add_argument("args", nargs=argparse.REMAINDER,
                        help="passed on to pytest (test), the demo (demo) or the benchmarks")
    options = parser.parse_args(argv)
    try:
        if options.command == "setup":
            setup()
            return 0
        if options.command == "build":
            setup(browser=False)
            build()
            return 0
        handlers = {"test": command_test, "demo": command_demo, "bench": command_bench}
        return handlers[options.command](options.args)
    except subprocess.CalledProcessError as error:
        log(f"step failed with exit code {error.returncode}: {' '.join(map(str, error.cmd))}")
        return error.returncode or 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
