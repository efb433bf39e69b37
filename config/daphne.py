"""Let Daphne send the RFC 6455 close codes a server may use.

Daphne closes a socket through autobahn's `sendClose`, which accepts only 1000 and 3000-4999: a
consumer that closes with 1009 ("message too big", docs/PROTOCOL.md) makes Daphne fail the connection
with 1011 instead. autobahn's own `sendCloseFrame` sends any code (autobahn uses it for its 1009 on
frames over Daphne's 1 MiB limit), so the server-side codes go through it; everything else is as
Daphne does it.
"""

SERVER_CLOSE_CODES = frozenset({1001, 1008, 1009, 1011, 1012, 1013, 1014})


def allow_rfc_close_codes() -> None:
    try:
        from daphne.ws_protocol import WebSocketProtocol
    except ImportError:  # served by another ASGI server
        return
    if getattr(WebSocketProtocol.serverClose, "puente", False):
        return
    daphne_server_close = WebSocketProtocol.serverClose

    def server_close(self, code=None):
        if code in SERVER_CLOSE_CODES:
            self.sendCloseFrame(code=code)
        else:
            daphne_server_close(self, code=code)

    server_close.puente = True
    WebSocketProtocol.serverClose = server_close
