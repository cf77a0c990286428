"""The automatic tracking options on CPython, and the click rules every interpreter runs."""

import pytest

from op_browser import OpenPanel
from op_browser.clicks import camel_case, link_out_properties, tracked_click

CLIENT_ID = "a3f1c2d4-5b6e-4f70-8a9b-0c1d2e3f4a5b"
OPTIONS = ("track_screen_views", "track_outgoing_links", "track_attributes")


@pytest.mark.parametrize("option", OPTIONS)
def test_option_rejected_on_cpython(option):
    with pytest.raises(ValueError, match=option + " needs a browser page"):
        OpenPanel(client_id=CLIENT_ID, **{option: True})


def test_options_off_accepted_on_cpython():
    OpenPanel(client_id=CLIENT_ID, track_screen_views=False, track_hash_changes=False,
              track_outgoing_links=False, track_attributes=False)


@pytest.mark.parametrize("option", (*OPTIONS, "track_hash_changes"))
def test_option_must_be_bool(option):
    with pytest.raises(TypeError, match=option + " must be True or False, got 1"):
        OpenPanel(client_id=CLIENT_ID, **{option: 1})


def test_hash_changes_need_screen_views():
    with pytest.raises(ValueError, match="track_hash_changes=True needs track_screen_views"):
        OpenPanel(client_id=CLIENT_ID, track_hash_changes=True)


@pytest.mark.parametrize(("name", "expected"), [
    ("product-id", "productId"),
    ("gift_wrap", "giftWrap"),
    ("a--b", "a-B"),
    ("a-_b", "a-B"),
    ("size-2", "size-2"),
    ("trailing-", "trailing-"),
    ("caf\u00e9-\u00e9t\u00e9", "caf\u00e9-\u00e9t\u00e9"),
    ("", ""),
])
def test_camel_case(name, expected):
    assert camel_case(name) == expected


def link(href, hostname, text="Docs", title=None, target_alt=None, target_title=None):
    return {"href": href, "hostname": hostname, "text": text, "title": title,
            "targetAlt": target_alt, "targetTitle": target_title}


def test_link_out_other_host():
    properties = link_out_properties(link("https://docs.example.com/a", "docs.example.com"),
                                     "shop.example.com")
    assert properties == {"href": "https://docs.example.com/a", "text": "Docs"}


@pytest.mark.parametrize(("href", "hostname"), [
    ("https://shop.example.com:8443/a", "shop.example.com"),
    ("/relative", "shop.example.com"),
    ("mailto:ada@example.com", ""),
    ("HTTPS://docs.example.com/", "docs.example.com"),
    ("http://[::1/", None),
    (None, None),
])
def test_link_out_skipped(href, hostname):
    assert link_out_properties(link(href, hostname), "shop.example.com") is None


def test_link_out_text_fallbacks():
    only_alt = link("https://x.example/", "x.example", text="", target_alt="Logo")
    nothing = link("https://x.example/", "x.example", text="", target_title="")
    assert link_out_properties(only_alt, "shop.example.com")["text"] == "Logo"
    assert link_out_properties(nothing, "shop.example.com")["text"] == ""


def test_tracked_click_button_wins():
    button = [["data-track", "add_to_cart"], ["data-product-id", "tee-01"], ["class", "buy"]]
    anchor = [["data-track", "card_open"], ["href", "/p/1"]]
    assert tracked_click(button, anchor) == ("add_to_cart", {"productId": "tee-01"})


def test_tracked_click_falls_back_to_link():
    button = [["data-track", ""], ["data-x", "1"]]
    anchor = [["data-track", "card_open"], ["data-card-id", "1"]]
    assert tracked_click(button, anchor) == ("card_open", {"cardId": "1"})


def test_tracked_click_without_name():
    assert tracked_click([["data-x", "1"]], None) is None
    assert tracked_click(None, None) is None
