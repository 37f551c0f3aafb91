"""Redaction in-process: secrets never appear, structured data keeps its shape."""

from __future__ import annotations

import json

import pytest

from deskctl.util import redact


@pytest.fixture(autouse=True)
def clean_registry():
    redact.forget_all()
    yield
    redact.forget_all()


def test_a_registered_secret_is_masked_in_text_bytes_and_data():
    redact.add_secret("s3cr3t-Passw0rd!")
    assert redact.redact("login with s3cr3t-Passw0rd! now") == f"login with {redact.MASK} now"
    assert redact.MASK.encode() in redact.redact_bytes(b"pw=s3cr3t-Passw0rd!\n")
    data = {"params": {"password": "s3cr3t-Passw0rd!", "count": 3, "ok": True, "none": None},
            "lines": ["a", "x s3cr3t-Passw0rd! y"]}
    clean = redact.redact_data(data)
    assert "s3cr3t-Passw0rd!" not in json.dumps(clean)
    # shape and non-string values untouched: JSON consumers still parse it
    assert clean["params"]["count"] == 3 and clean["params"]["ok"] is True and clean["params"]["none"] is None
    assert clean["lines"][0] == "a" and set(clean) == set(data)
    assert data["params"]["password"] == "s3cr3t-Passw0rd!"  # the caller's data is not changed


def test_nothing_registered_changes_nothing():
    assert not redact.secrets_registered()
    assert redact.redact("plain text") == "plain text"
    assert redact.redact_data({"a": [1, "b"]}) == {"a": [1, "b"]}


def test_the_longest_secret_is_masked_first():
    redact.add_secret("abcdefgh")
    redact.add_secret("abcdefgh-and-more")
    assert redact.redact("x abcdefgh-and-more y") == f"x {redact.MASK} y"
