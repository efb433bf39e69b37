"""The project's ASGI handler (infra/handlers.py): a request's middleware and view run in one trip to
its thread, and a process works on at most PAGE_CONCURRENCY requests at once, the others waiting their
turn in arrival order."""

import asyncio
import threading
import time

import pytest
from asgiref.sync import ThreadSensitiveContext
from django.test import override_settings

from infra.handlers import OneTripASGIHandler


async def served(handler, request):
    """As Django's ASGI handler calls it: each request in its own thread-sensitive context (thread)."""
    async with ThreadSensitiveContext():
        return await handler.get_response_async(request)


async def test_a_page_is_served_whole_through_the_asgi_handler(db):
    from asgiref.testing import ApplicationCommunicator

    handler = OneTripASGIHandler()
    scope = {"type": "http", "method": "GET", "path": "/accounts/login/", "query_string": b"",
             "headers": [(b"host", b"testserver")], "server": ("testserver", 80), "client": ("127.0.0.1", 5)}
    communicator = ApplicationCommunicator(handler, scope)
    await communicator.send_input({"type": "http.request", "body": b""})
    start = await communicator.receive_output(timeout=10)
    body = await communicator.receive_output(timeout=10)
    assert start["status"] == 200
    assert b"<form" in body["body"]


# These tests need no database, but take `db`: pytest-django runs tests without it last, after the
# browser tests, whose Playwright (sync API) leaves an event loop running in this thread for the rest
# of the session, and pytest-asyncio cannot start another there.
@override_settings(PAGE_CONCURRENCY=2)
async def test_no_more_than_page_concurrency_requests_are_at_work_at_once_and_the_rest_wait_in_order(db):
    handler = OneTripASGIHandler()
    at_work, most, started, lock = 0, 0, [], threading.Lock()

    def get_response(request):  # stands in for the middleware chain and the view, in the request's thread
        nonlocal at_work, most
        with lock:
            at_work += 1
            most = max(most, at_work)
            started.append(request)
        time.sleep(0.05)
        with lock:
            at_work -= 1
        return request

    handler.get_response = get_response
    requests = list(range(6))
    tasks = []
    for request in requests:
        tasks.append(asyncio.create_task(served(handler, request)))
        await asyncio.sleep(0.005)  # arriving one after the other
    assert await asyncio.gather(*tasks) == requests
    assert most == 2
    assert started == requests


@override_settings(PAGE_CONCURRENCY=3)
async def test_a_request_that_fails_gives_its_place_back(db):
    handler = OneTripASGIHandler()

    def get_response(request):
        if request == "bad":
            raise RuntimeError("the view failed")
        return request

    handler.get_response = get_response
    for _ in range(5):
        with pytest.raises(RuntimeError):
            await served(handler, "bad")
    assert await asyncio.wait_for(asyncio.gather(*(served(handler, n) for n in range(3))), 5) == [0, 1, 2]
