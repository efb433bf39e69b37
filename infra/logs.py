"""Operator logs: one line per request and per websocket, JSON in production and readable text in
development (LOG_FORMAT overrides: `json` or `text`).

A request's line carries its id (nginx's `X-Request-ID`, or one made here; it goes back in the
response's `X-Request-ID` so a person's report can be matched to the line), the signed-in person's id,
method, path, status and duration. An unhandled error's traceback is logged once, by Django's
`django.request` logger, on the same request id's thread. A websocket gets a line when it opens and
one when it closes, with the close code and who closed it.
"""

import json
import logging
import re
import time
import traceback
import uuid

from django.utils.functional import empty

request_log = logging.getLogger("puente.request")
socket_log = logging.getLogger("puente.websocket")

REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")

# The fields a request or socket line may carry, in the order the JSON shows them.
FIELDS = ("request_id", "user_id", "method", "path", "status", "duration_ms", "code", "closed_by")


class JsonFormatter(logging.Formatter):
    """One JSON object per line; a traceback is a field of its line, not lines of its own."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                line[field] = value
        if record.exc_info:
            line["traceback"] = "".join(traceback.format_exception(*record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


JsonFormatter.converter = time.gmtime


def logging_settings(*, log_format: str, level: str) -> dict:
    """Settings' LOGGING. Everything goes to the root's one handler: Django's own console handlers
    (which printed each line a second time) are replaced, and the servers' access logs are off because
    RequestLogMiddleware writes the request's line."""
    formatter = {"()": JsonFormatter} if log_format == "json" else {
        "format": "%(asctime)s %(levelname)s %(name)s %(message)s"
    }
    quiet = {"handlers": [], "propagate": True}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"puente": formatter},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "puente"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django": quiet,
            # Its 4xx warnings would be a second line for the request; its errors carry the traceback.
            "django.request": {**quiet, "level": "ERROR"},
            "django.server": {**quiet, "level": "ERROR"},
            "django.channels.server": {**quiet, "level": "ERROR"},  # Daphne's access log
            "daphne": {**quiet, "level": "WARNING"},  # runserver has said where it listens
            "uvicorn": quiet,  # its start-up and shutdown lines, in the same format as ours
            "uvicorn.access": {**quiet, "level": "ERROR"},
        },
    }


def _user_id(request):
    # Only a person some part of the request already loaded: logging must not cost a query.
    user = getattr(request, "user", None)
    wrapped = getattr(user, "_wrapped", user)
    if wrapped is None or wrapped is empty:
        return None
    return getattr(wrapped, "pk", None)


class RequestLogMiddleware:
    """The request's one log line (outermost middleware, so its duration covers all the others)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        request_id = request.headers.get("X-Request-ID", "")
        if not REQUEST_ID.fullmatch(request_id):  # absent, or not the kind of id a proxy makes
            request_id = uuid.uuid4().hex
        request.request_id = request_id
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        user_id = _user_id(request)
        level = logging.ERROR if response.status_code >= 500 else logging.INFO
        request_log.log(
            level,
            "%s %s %s %.1f ms user=%s request=%s",
            request.method, request.path, response.status_code, duration_ms, user_id or "-", request_id,
            extra={
                "request_id": request_id, "user_id": user_id, "method": request.method, "path": request.path,
                "status": response.status_code, "duration_ms": duration_ms,
            },
        )
        return response


class WebsocketLog:
    """ASGI middleware for websockets, inside the session auth: a line when a socket opens, one when
    it closes (with its close code and whether the server or the client closed it), one when the
    handshake is refused."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        state = {"opened": None, "code": None, "closed_by": None}

        async def logged_send(message):
            kind = message["type"]
            if kind == "websocket.accept":
                state["opened"] = time.monotonic()
                self._line(scope, "websocket open %s user=%s", logging.INFO)
            elif kind == "websocket.close" and state["closed_by"] is None:
                state["code"], state["closed_by"] = message.get("code", 1000), "server"
            await send(message)

        async def logged_receive():
            message = await receive()
            if message["type"] == "websocket.disconnect" and state["closed_by"] is None:
                state["code"], state["closed_by"] = message.get("code", 1005), "client"
            return message

        try:
            await self.app(scope, logged_receive, logged_send)
        finally:
            if state["opened"] is None:
                self._line(scope, "websocket refused %s user=%s code=%s", logging.INFO, code=state["code"] or 403,
                           closed_by="server")
            else:
                duration_ms = round((time.monotonic() - state["opened"]) * 1000, 1)
                self._line(scope, "websocket closed %s user=%s code=%s by %s", logging.INFO, code=state["code"],
                           closed_by=state["closed_by"], duration_ms=duration_ms)

    @staticmethod
    def _line(scope, message, level, **fields):
        user = scope.get("user")
        wrapped = getattr(user, "_wrapped", user)
        user_id = None if wrapped is None or wrapped is empty else getattr(wrapped, "pk", None)
        args = [scope["path"], user_id or "-"]
        if "code" in fields:
            args.append(fields["code"])
        if "closed_by" in fields and "by %s" in message:
            args.append(fields["closed_by"])
        socket_log.log(level, message, *args, extra={"path": scope["path"], "user_id": user_id, **fields})
