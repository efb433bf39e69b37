"""Helpers shared by tests that need real services."""

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def need(service: str, available: bool, why: str):
    """Skips outside CI when a real service is missing; in CI a missing service is a failure."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{service} is required in CI: {why}")
    pytest.skip(f"{service} is not configured here ({why}); CI runs this test.")
