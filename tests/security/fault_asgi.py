"""The project's ASGI application for the fault test's Daphne processes, with the per-person message
rate limit lifted: three people exchanging 1,000 messages would otherwise wait minutes on a limit
(20 per 10 seconds) that the test is not about. The rate check itself still runs, so each message
still asks the cache (Redis) as in production."""

from config.asgi import application  # noqa: F401  (sets Django up before messaging is imported)
from messaging import services

services.RATE_LIMIT_COUNT = 1_000_000
