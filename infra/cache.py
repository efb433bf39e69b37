"""Puente's one caching mechanism: Django's cache framework, under named, versioned keys.

Every kept value belongs to a `Kept` (a name, a timeout and a cache: "default", Redis in production and
shared by every process; or "fragments", each process's own memory, for rendered HTML that is cheaper
to keep near than to ship from Redis). A value is kept in one of two ways:

- **versioned**: its key holds the number of a `Version` that every write to what it shows moves
  forward, at once and again after the write's commit (a page rendered between the two would otherwise
  keep the old value). Nothing is deleted: old keys stop being asked for and expire.
- **forgotten**: keyed by whom and what it is about (a person, a cluster); the writer deletes it, at
  once and again after the commit. The timeout bounds what a write that bypasses that could leave.

A fragment's key is everything it shows (in the caller's words); it is rendered from a context that
holds only those values (`reader()` stands in for the person), so no template can put a person's
data into HTML another person is served. `PUENTE_CACHE_OFF` names kinds to bypass (benches measure
each kind against itself switched off: docs/PERFORMANCE.md, "Caches"); tests run with every kind on.
"""

import hashlib
import threading
import time
from types import SimpleNamespace

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient
from django.db import transaction

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
        """Deletes this cache's keys (under its KEY_PREFIX), where Django's flushes the whole Redis
        database: another site's keys, and this site's channel layer and presence, may live in it."""
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


KEPT_BY_READ = object()  # an entry's timeout for a value whose read() keeps it itself (a Version)
KINDS: dict[str, "Kept"] = {}  # every kind of kept value, by name (tests check each is in the docs)


class Kept:
    """One kind of kept value: its keys start with its name; `timeout` in seconds (None: until evicted)."""

    def __init__(self, name: str, *, timeout: int | None, alias: str = "default"):
        self.name, self.timeout, self.alias = name, timeout, alias
        KINDS[name] = self

    @property
    def cache(self):
        return caches[self.alias]

    @property
    def on(self) -> bool:
        return self.timeout != 0 and self.name not in settings.PUENTE_CACHE_OFF

    def key(self, *parts) -> str:
        """The key of the value named by `parts`: short ids as they are, anything longer by its digest."""
        if all(type(part) in (int, str) for part in parts):
            text = ":".join(map(str, parts))
            if len(text) <= 100 and text.isascii() and " " not in text:
                return f"{self.name}:{text}"
        return f"{self.name}:{hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()}"

    def entry(self, *parts, read) -> tuple:
        """The value under `parts` as an entry for read_many: kept, or read() and then kept."""
        return self.key(*parts), read, self.timeout if self.on else 0

    def read(self, *parts, read):
        return read_many([self.entry(*parts, read=read)])[0]

    def peek(self, key: str) -> tuple:
        """The value under `key` as an entry for read_many that reads nothing when it is not kept (None)."""
        return key, _nothing, KEPT_BY_READ if self.on else 0

    def get_many(self, keys: list[str]) -> dict:
        return self.cache.get_many(keys) if self.on and keys else {}

    def set_many(self, values: dict) -> None:
        if self.on and values:
            self.cache.set_many(values, self.timeout)

    def get(self, key: str):
        return self.cache.get(key) if self.on else None

    def set(self, key: str, value) -> None:
        if self.on:
            self.cache.set(key, value, self.timeout)

    def forget(self, *parts_each) -> None:
        """Deletes the values under each of `parts_each` (tuples of parts), at once and after the commit."""
        keys = [self.key(*parts) for parts in parts_each]
        if keys:
            self.cache.delete_many(keys)
            transaction.on_commit(lambda: self.cache.delete_many(keys))


class Version:
    """A number in the shared cache that writes move forward; values kept under it name it in their key.
    `scope` parts give one number per thing (a cluster), none one for the whole kind."""

    def __init__(self, name: str):
        self.name = name

    def key(self, *scope) -> str:
        return ":".join((self.name, "version", *map(str, scope)))

    def entry(self, *scope) -> tuple:
        """The number as an entry for read_many (read with a page's other kept values)."""
        key = self.key(*scope)
        return key, lambda: self._start(key), KEPT_BY_READ

    def read(self, *scope) -> int:
        return read_many([self.entry(*scope)])[0]

    def changed(self, *scope) -> None:
        """Values kept under the number so far are stale: moves it at once and again after the commit."""
        key = self.key(*scope)
        self._bump(key)
        transaction.on_commit(lambda: self._bump(key))

    @staticmethod
    def _start(key: str) -> int:
        # A fresh start (or an evicted key) begins at the current time, never at a number used before.
        cache = caches["default"]
        cache.add(key, time.time_ns(), timeout=None)
        return cache.get(key)

    @staticmethod
    def _bump(key: str) -> None:
        try:
            caches["default"].incr(key)
        except ValueError:  # gone from the cache: the next read starts a new, larger number
            caches["default"].delete(key)


def _nothing():
    return None


def read_many(entries) -> list:
    """Several values kept in the shared cache, in one round trip to it. `entries` are (key, read,
    timeout), as Kept.entry and Version.entry make them: the kept value, or read() (then kept for
    `timeout` seconds; 0 bypasses the cache, KEPT_BY_READ means read() keeps it itself). A page reads
    four or five small values; each round trip cost it as much as rendering a dozen template tags."""
    cache = caches["default"]
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


def reader(user) -> SimpleNamespace:
    """The person as a kept fragment's template may see them: signed in or not, and their id (for
    comparisons whose outcome is in the fragment's key). Nothing else of theirs can reach kept HTML."""
    signed_in = bool(user is not None and user.is_authenticated)
    return SimpleNamespace(pk=user.pk if signed_in else None, is_authenticated=signed_in)
