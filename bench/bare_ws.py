"""The same-run baseline of the fan-out bench: a bare Python `websockets` server. Everyone who connects
is in one room; every text frame received is broadcast, as it is, to everyone (`websockets.broadcast`:
one write per socket, nothing awaited). No Django, no channel layer, no database, no authorisation.

    .venv/bin/python bench/bare_ws.py --port 8765 [--uvloop]
"""

import argparse
import asyncio

from websockets.asyncio.server import broadcast, serve


async def main(port: int) -> None:
    everyone = set()

    async def handler(ws):
        everyone.add(ws)
        try:
            async for text in ws:
                broadcast(everyone, text)
        finally:
            everyone.discard(ws)

    async with serve(handler, "127.0.0.1", port, max_queue=None, ping_interval=None, max_size=2**20):
        await asyncio.Future()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--uvloop", action="store_true", help="run on uvloop (as the uvicorn setup does)")
    args = parser.parse_args()
    if args.uvloop:
        import uvloop

        uvloop.run(main(args.port))
    else:
        asyncio.run(main(args.port))
