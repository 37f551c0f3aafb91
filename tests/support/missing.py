"""What a test does when a real server or browser it needs is not installed."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def missing(message: str) -> NoReturn:
    """Skip on a developer's machine; fail under CI=true, where .ci/run installs everything
    (a real-server test must never be skipped silently in CI)."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)
