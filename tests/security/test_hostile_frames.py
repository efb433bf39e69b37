"""Property-based fuzzing of the websocket frames: 10,000 malformed or hostile frames to one room socket
(and more to the listen-only sockets). The server keeps running, answers each bad frame with an error
frame, never closes the socket for it, and stores exactly the messages it acknowledged.

After each fuzzed frame a probe frame (an unknown type, always answered with `unknown_type`) is sent,
so that everything received before the probe's answer is the answer to the fuzzed frame.
"""

import json
import os
import uuid

import pytest
from asgiref.sync import async_to_sync
from channels.layers import channel_layers
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from messaging.consumers import MAX_FRAME
from messaging.models import Message
from tests.support import open_socket_as

pytestmark = pytest.mark.django_db(transaction=True)

PROBE = json.dumps({"type": "probe-after-fuzz"})
KNOWN_TYPES = ["message", "edit", "delete", "typing", "read", "resync"]
FIELDS = ["type", "body", "client_id", "id", "after_id", "reply_to"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
hostile_ints = st.sampled_from([0, -1, 2**63, 2**63 - 1, 10**30, -(10**30), True, False])
field_values = json_values | hostile_ints | st.sampled_from(["", "<script>alert(1)</script>", "\x00", "💥" * 50])

frame_objects = st.fixed_dictionaries(
    {"type": st.sampled_from(KNOWN_TYPES) | st.text(max_size=12) | json_values},
    optional=dict.fromkeys(FIELDS[1:], field_values),
)
deeply_nested = st.integers(min_value=500, max_value=MAX_FRAME // 2).map(lambda depth: "[" * depth + "]" * depth)
unclosed = st.integers(min_value=500, max_value=MAX_FRAME - 1).map(lambda depth: "{\"a\":" * (depth // 5))

text_frames = st.one_of(
    frame_objects.map(lambda frame: json.dumps(frame, allow_nan=True)),
    json_values.map(lambda value: json.dumps(value, allow_nan=True)),
    st.text(max_size=200),
    deeply_nested,
    unclosed,
    st.sampled_from(["", "null", "NaN", "{}", "[]", '{"type": null}', '{"type": "message"}', "\ufeff{}"]),
)
frames = st.one_of(text_frames.map(lambda text: ("text", text)), st.binary(max_size=64).map(lambda data: ("bytes", data)))

# Shrinking a list of 100 frames takes minutes; the failing frame is named in the assertion instead.
NO_SHRINKING = [Phase.explicit, Phase.generate]
FRAMES_PER_EXAMPLE = 100
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", 100))  # 100 x 100 = 10,000 frames


def in_a_loop_of_its_own(coroutine_function, *args, **kwargs):
    """Runs one example in an event loop of its own, with a channel layer of its own: channels_redis binds
    its locks to the loop that first used them, and a lock the last loop's room hub still held (its
    reader stopped with the loop) made the next loop's hub fail and close the socket with 4503."""
    channel_layers.backends.clear()
    try:
        return async_to_sync(coroutine_function)(*args, **kwargs)
    finally:
        channel_layers.backends.clear()


async def receive_until_probe_answer(socket, payload) -> list[dict]:
    got = []
    while True:
        output = await socket.receive_output(timeout=5)
        assert output["type"] == "websocket.send", f"the socket closed after {payload!r}: {output}"
        frame = json.loads(output["text"])
        if frame.get("type") == "error" and frame.get("ref") == "probe-after-fuzz":
            return got
        got.append(frame)


async def send(socket, kind: str, payload) -> None:
    # Straight to the application: the communicator's send_to refuses empty frames, browsers don't.
    await socket.send_input({"type": "websocket.receive", kind: payload})


async def fuzz_room(user, path: str, batch: list) -> list[int]:
    """Sends the batch with a probe after each frame; returns the ids of the acknowledged messages."""
    socket = await open_socket_as(user, path)
    acked = []
    for kind, payload in batch:
        await send(socket, kind, payload)
        await socket.send_to(text_data=PROBE)
        for answer in await receive_until_probe_answer(socket, payload):
            assert answer["type"] in {"error", "ack", "message", "edited", "deleted", "read", "resynced", "presence",
                                      "typing", "counts"}, answer
            if answer["type"] == "ack":
                acked.append(answer["id"])
    # The socket's writer stores messages, and acknowledges them, after the answer to the next frame has
    # gone out. One last message, stored after all the others, says when every earlier one is stored and
    # acknowledged; without it a message sent just before the socket closed is stored and its ack lost.
    last = f"end-of-batch-{uuid.uuid4().hex}"
    await socket.send_to(text_data=json.dumps({"type": "message", "body": "end of batch", "client_id": last}))
    while True:
        output = await socket.receive_output(timeout=5)
        assert output["type"] == "websocket.send", f"the socket closed before the batch's end: {output}"
        answer = json.loads(output["text"])
        if answer["type"] == "ack":
            acked.append(answer["id"])
        # Its ack (or its refusal) ends the batch; its broadcast, which can come first, does not.
        if answer.get("client_id") == last and answer["type"] in ("ack", "error"):
            break
    await socket.disconnect()
    return acked


async def open_listener(user, path: str):
    socket = await open_socket_as(user, path)
    await socket.receive_nothing(timeout=0.2)
    while not await socket.receive_nothing(timeout=0.05):
        await socket.receive_output()  # the greeting
    return socket


LISTENER_ERRORS = {"read_only", "malformed", "rate_limited", "frame_too_large"}


async def fuzz_listener(user, path: str, batch: list, *, max_frame: int | None = None) -> None:
    """A listen-only socket answers every frame, whatever it is: the notification socket with one
    `read_only` error; the question socket answers its one frame, `resync` (with `resynced`), refuses
    anything else with an error frame, and closes with 1009 a text frame over its `max_frame`."""
    socket = await open_listener(user, path)
    for kind, payload in batch:
        await send(socket, kind, payload)
        while True:
            output = await socket.receive_output(timeout=5)
            if output["type"] == "websocket.close":
                oversized = max_frame is not None and kind == "text" and len(payload) > max_frame
                assert oversized and output.get("code") == 1009, f"the socket closed: {output}"
                socket = await open_listener(user, path)
                break
            frame = json.loads(output["text"])
            if frame["type"] == "hello":
                continue  # a reopened socket's greeting, late on a busy machine
            if max_frame is None:
                assert frame == {"type": "error", "code": "read_only"}
                break
            if frame["type"] == "resynced":
                break
            if frame["type"] in ("answer", "answer_edited"):
                continue
            assert frame["type"] == "error" and frame["code"] in LISTENER_ERRORS, frame
            if frame["code"] != "frame_too_large":
                break
    assert await socket.receive_nothing(timeout=0.05)
    await socket.disconnect()


@pytest.fixture
def general(coffee):
    from messaging.services import room_general_for_cluster

    return room_general_for_cluster(cluster=coffee)


def test_ten_thousand_hostile_frames_get_error_frames_and_the_room_socket_survives(general, ana, caplog):
    acked: list[int] = []

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, phases=NO_SHRINKING,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(st.lists(frames, min_size=FRAMES_PER_EXAMPLE, max_size=FRAMES_PER_EXAMPLE))
    def each_batch(batch):
        acked.extend(in_a_loop_of_its_own(fuzz_room, ana, f"/ws/rooms/{general.pk}/", batch))

    each_batch()
    # Nothing acknowledged that is not stored, nothing stored that was not acknowledged (a resent
    # client id is acknowledged again with the first message's id).
    assert set(Message.objects.filter(room=general).values_list("id", flat=True)) == set(acked)
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]


@pytest.mark.parametrize("path", ["/ws/notifications/", "question"])
def test_hostile_frames_to_the_listen_only_sockets_are_answered_read_only(path, ana, coffee):
    max_frame = None
    if path == "question":
        from questions import services as question_services
        from questions.consumers import MAX_FRAME

        question = question_services.question_ask(
            cluster=coffee, author=ana, title="¿Cómo certifico café orgánico para Europa?",
            body="Buscamos certificación.", language="es", topics=["customs"], target_markets=["DE"],
        )
        path = f"/ws/questions/{question.pk}/"
        max_frame = MAX_FRAME

    @settings(max_examples=10, deadline=None, derandomize=True, database=None, phases=NO_SHRINKING,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(st.lists(frames, min_size=FRAMES_PER_EXAMPLE, max_size=FRAMES_PER_EXAMPLE))
    def each_batch(batch):
        in_a_loop_of_its_own(fuzz_listener, ana, path, batch, max_frame=max_frame)

    each_batch()


def test_the_room_socket_still_works_after_the_fuzzing(general, ana):
    async def post():
        socket = await open_socket_as(ana, f"/ws/rooms/{general.pk}/")
        for frame in ("[" * 8000 + "]" * 8000, json.dumps({"type": "read", "id": 10**30}), PROBE):
            await socket.send_to(text_data=frame)
        await socket.send_to(text_data=json.dumps({"type": "message", "body": "sigo aquí", "client_id": "ok"}))
        while True:
            frame = json.loads(await socket.receive_from(timeout=5))
            if frame["type"] == "ack":
                break
        await socket.disconnect()
        return frame

    assert in_a_loop_of_its_own(post)["client_id"] == "ok"
    assert Message.objects.get().body == "sigo aquí"


async def _next_answer(socket) -> dict:
    """The next frame but presence (a message's answer comes when its batch is stored)."""
    while True:
        output = await socket.receive_output(timeout=5)
        assert output["type"] == "websocket.send", output
        frame = json.loads(output["text"])
        if frame["type"] != "presence":
            return frame


@pytest.mark.parametrize("frame", [
    '{"type": "message", "body": "hola \\ud800", "client_id": "s1"}',  # a lone surrogate: no UTF-8 for it
    '{"type": "message", "body": "hola", "client_id": "s2\\udfff"}',
    '{"type": "edit", "id": 1, "body": "\\udbff adiós"}',
])
async def test_text_that_cannot_be_stored_gets_an_error_frame_and_the_socket_stays_open(general, ana, caplog, frame):
    socket = await open_listener(ana, f"/ws/rooms/{general.pk}/")
    await socket.send_to(text_data=frame)
    answer = await _next_answer(socket)
    assert answer["type"] == "error" and answer["code"] == "malformed", answer
    await socket.send_to(text_data=PROBE)
    await receive_until_probe_answer(socket, frame)  # still open, still answering
    assert not await Message.objects.filter(room=general).aexists()
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]
    await socket.disconnect()
