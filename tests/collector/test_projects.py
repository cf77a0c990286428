"""Loading and checking the projects file."""

import pytest

from demo.collector.projects import ProjectConfigError, build_projects, load_projects
from tests.support.collector import DEMO_PROJECTS

VALID = {
    "name": "Shop",
    "client_id": "0b5e8d1c-2f4a-4c6b-9d7e-1a2b3c4d5e6f",
    "client_secret": "sec_x",
}


def test_demo_projects_file_loads():
    [project] = load_projects(DEMO_PROJECTS)
    assert project.id == "demo-shop"
    assert project.client_id == "a3f1c2d4-5b6e-4f70-8a9b-0c1d2e3f4a5b"
    assert project.allowed_origins == ("*",)
    assert project.allow_unsafe_revenue_tracking is True


def test_project_repr_hides_secret():
    [project] = build_projects([VALID])
    assert "sec_x" not in repr(project)


def test_project_defaults():
    [project] = build_projects([VALID])
    assert project.id == "shop"
    assert project.allowed_origins == ()
    assert project.allow_unsafe_revenue_tracking is False
    assert project.currency == "USD"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"client_id": "not-a-uuid"}, "client_id must be a lowercase UUID"),
        ({"client_secret": ""}, "client_secret must be a non-empty string"),
        ({"allowed_origins": "*"}, "allowed_origins must be a list"),
        ({"allow_unsafe_revenue_tracking": "yes"}, "must be true or false"),
        ({"currency": "dollars"}, "3-letter ISO 4217 code"),
        ({"secret": "typo"}, "unknown keys ['secret']"),
    ],
)
def test_invalid_project_is_refused(change, message):
    with pytest.raises(ProjectConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        build_projects([{**VALID, **change}])


def test_duplicate_client_ids_are_refused():
    with pytest.raises(ProjectConfigError, match="duplicate project client_id"):
        build_projects([VALID, {**VALID, "id": "other"}])


def test_empty_project_list_is_refused():
    with pytest.raises(ProjectConfigError, match="no projects configured"):
        build_projects([])


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(ProjectConfigError, match="not found"):
        load_projects(tmp_path / "missing.toml")


def test_invalid_toml_is_refused(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[[projects]\nname = ")
    with pytest.raises(ProjectConfigError, match="not valid TOML"):
        load_projects(path)


@pytest.mark.parametrize(
    ("allowed", "origin", "expected"),
    [
        ("*", "https://any.example", True),
        ("*", None, False),
        ("https://shop.example", "https://shop.example", True),
        ("https://shop.example", "http://shop.example", True),
        ("https://shop.example", "https://www.shop.example", True),
        ("https://shop.example/", "https://shop.example", True),
        ("https://shop.example", "https://shop.example:8443", False),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000", True),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8001", False),
        ("*.shop.example", "https://eu.shop.example", True),
        ("*.shop.example", "https://shop.example", False),
        ("*.shop.example", "https://eu.shop.example.evil.test", False),
    ],
)
def test_origin_allowlist(allowed, origin, expected):
    [project] = build_projects([{**VALID, "allowed_origins": [allowed]}])
    assert project.origin_allowed(origin) is expected
