"""Django's Redis cache, with its connections kept for the whole process.

Django makes a cache backend, and with it a connection pool, per request context (under ASGI every
request is one), so every request that used the cache opened a new connection to Redis. Here the
backends of one process share one client per server (a `redis.Redis` is safe to share between
threads: each command takes a connection from its pool). Everything else is Django's.
"""

import threading

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient

_clients: dict[tuple, "RedisCacheClient"] = {}
_lock = threading.Lock()


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    @property
    def _cache(self):
        key = (tuple(self._servers), repr(sorted(self._options.items())))
        client = _clients.get(key)
        if client is None:
            with _lock:
                client = _clients.setdefault(key, RedisCacheClient(self._servers, **self._options))
        return client

    def clear(self):
        """Deletes this site's keys, everything under REDIS_KEY_PREFIX (cache, presence, channel layer),
        where Django's flushes the whole Redis database: another site's keys may live in it (the
        browser tests' server shares the tests' database)."""
        if not self.key_prefix:
            return self._cache.clear()
        client = self._cache.get_client(None, write=True)
        keys = list(client.scan_iter(match=f"{self.key_prefix}:*", count=1000))
        for start in range(0, len(keys), 1000):
            client.delete(*keys[start:start + 1000])
        return True

    def count_and_read(self, key: str, other_key: str, timeout: int, amount: int = 1) -> tuple[int, int]:
        """Adds `amount` to the count under `key` (kept `timeout` seconds) and reads the count under
        `other_key`, in one round trip (a pipeline on the server that takes writes), where Django's
        API takes four (add, exists, incr, get). For the sliding-window rate limits."""
        key, other_key = self.make_and_validate_key(key), self.make_and_validate_key(other_key)
        pipe = self._cache.get_client(key, write=True).pipeline(transaction=False)
        pipe.incr(key, amount)
        pipe.expire(key, timeout)
        pipe.get(other_key)
        count, _expiry, other = pipe.execute()
        return int(count), int(other or 0)


KEPT_BY_READ = object()  # read_many's timeout for a value whose read() keeps it itself


def read_many(entries) -> list:
    """Several values kept in the cache, in one round trip to it. `entries` are (key, read, timeout):
    the kept value, or read() (then kept for `timeout` seconds, None meaning for ever). A timeout of 0
    bypasses the cache for that entry (read() every time); KEPT_BY_READ means read() keeps the value
    itself. A page reads four or five small values; each round trip cost it as much as rendering a
    dozen template tags."""
    from django.core.cache import cache

    keys = [key for key, _read, timeout in entries if timeout != 0]
    found = cache.get_many(keys) if keys else {}
    values, to_keep = [], {}
    for key, read, timeout in entries:
        if key in found:
            values.append(found[key])
            continue
        value = read()
        values.append(value)
        if timeout != 0 and timeout is not KEPT_BY_READ:
            to_keep.setdefault(timeout, {})[key] = value
    for timeout, items in to_keep.items():
        cache.set_many(items, timeout)
    return values
