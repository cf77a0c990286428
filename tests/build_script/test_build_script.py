"""build.py: Chromium choice, skipped steps and the package forms it writes."""

import json
import subprocess
import sys
import zipfile

import pytest

import build

ROOT = build.ROOT


def test_named_chromium_wins(monkeypatch, tmp_path):
    executable = tmp_path / "my-chromium"
    executable.write_text("")
    monkeypatch.setenv("OP_BROWSER_CHROMIUM", str(executable))
    assert build.find_system_chromium() == str(executable)


def test_missing_named_chromium_exits(monkeypatch, tmp_path):
    monkeypatch.setenv("OP_BROWSER_CHROMIUM", str(tmp_path / "absent"))
    with pytest.raises(SystemExit, match="does not exist"):
        build.find_system_chromium()


def test_chromium_found_on_path(monkeypatch, tmp_path):
    executable = tmp_path / "chromium-browser"
    executable.write_text("#!/bin/sh\n")
    executable.chmod(0o755)
    monkeypatch.delenv("OP_BROWSER_CHROMIUM", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert build.find_system_chromium() == str(executable)


def test_broken_chromium_is_not_used(tmp_path):
    executable = tmp_path / "chromium"
    executable.write_text("#!/bin/sh\nexit 3\n")
    executable.chmod(0o755)
    assert build.chromium_works(str(executable)) is False


def test_stamp_matches_only_same_digest(monkeypatch, tmp_path):
    monkeypatch.setattr(build, "STAMPS", tmp_path)
    build.write_stamp("step", "abc")
    assert build.stamp_is_current("step", "abc") is True
    assert build.stamp_is_current("step", "abd") is False
    assert build.stamp_is_current("other", "abc") is False


def test_digest_changes_with_content(tmp_path, monkeypatch):
    monkeypatch.setattr(build, "ROOT", tmp_path)
    source = tmp_path / "a.py"
    source.write_text("x = 1\n")
    before = build.digest_files([source])
    source.write_text("x = 2\n")
    assert build.digest_files([source]) != before


def test_zip_holds_importable_package(tmp_path):
    target = tmp_path / "op_browser.zip"
    build.write_package_zip(target)
    names = zipfile.ZipFile(target).namelist()
    assert "op_browser/__init__.py" in names
    assert "op_browser/client.py" in names
    assert all(name.startswith("op_browser/") for name in names)

    unpacked = tmp_path / "site"
    zipfile.ZipFile(target).extractall(unpacked)
    script = "import op_browser, op_browser.client; print(op_browser.__file__)"
    result = subprocess.run([sys.executable, "-c", script],
                            cwd=unpacked, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(unpacked / "op_browser" / "__init__.py")


def test_zip_is_byte_identical_between_builds(tmp_path):
    first = tmp_path / "first.zip"
    second = tmp_path / "second.zip"
    build.write_package_zip(first)
    build.write_package_zip(second)
    assert first.read_bytes() == second.read_bytes()


def test_file_list_and_configs(tmp_path, monkeypatch):
    monkeypatch.setattr(build, "STATIC", tmp_path)
    files = build.write_package_files(tmp_path / "op_browser")
    build.write_pyscript_configs(files)

    modules = sorted(path.name for path in (ROOT / "op_browser").glob("*.py"))
    assert sorted(path.name for path in (tmp_path / "op_browser").iterdir()) == modules
    assert files["/static/op_browser/client.py"] == "./op_browser/client.py"
    assert len(files) == len(modules)

    micropython = json.loads((tmp_path / "op_browser.mpy.json").read_text())
    assert micropython["interpreter"] == "/static/micropython/micropython.mjs"
    assert micropython["files"] == files
    pyodide = json.loads((tmp_path / "op_browser.py.json").read_text())
    assert pyodide["interpreter"] == "/static/pyodide/pyodide.mjs"
    assert json.loads((tmp_path / "op_browser.files.json").read_text()) == {"files": files}
