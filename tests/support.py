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


async def open_socket_as(user, path: str):
    """A websocket to one of the project's websocket routes (config.routing), connected as `user`,
    without the origin and session layers (tests/security/test_websocket_matrix.py covers those)."""
    from channels.routing import URLRouter
    from channels.testing import WebsocketCommunicator

    from config.routing import websocket_urlpatterns

    socket = WebsocketCommunicator(URLRouter(websocket_urlpatterns), path)
    socket.scope["user"] = user
    connected, _ = await socket.connect()
    assert connected
    return socket


def delete_redis_keys(url: str, prefix: str) -> int:
    """Deletes the keys under `prefix` in the Redis database `url` names (never the whole database:
    another site's keys may live beside them); how many were deleted."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        deleted = 0
        batch = []
        for key in client.scan_iter(match=f"{prefix}*", count=1000):
            batch.append(key)
            if len(batch) == 1000:
                deleted += client.delete(*batch)
                batch = []
        if batch:
            deleted += client.delete(*batch)
        return deleted
    finally:
        client.close()
