"""The project's ASGI application for the fault test's Daphne processes, with the per-person message
rate limit lifted: three people exchanging 1,000 messages would otherwise wait minutes on a limit
(20 per 10 seconds) that the test is not about. The rate check itself still runs, so each message
still asks the cache (Redis) as in production."""

import os

os.environ["PUENTE_RATE_MESSAGE"] = "1000000/10"  # read by config.settings, below

from config.asgi import application  # noqa: F401
