"""The Redis cache backend (infra.cache): every request's cache shares the process's connections.

Django makes a cache backend per request context (under ASGI every request is one); with Django's own
Redis backend each of them opened a new connection to Redis."""

import contextvars

from django.conf import settings
from django.core.cache import cache, caches

from infra.cache import RedisCache


def redis_connections() -> int:
    client = caches["default"]._cache.get_client()
    return client.info("stats")["total_connections_received"]


def test_the_backends_of_many_requests_share_one_client_and_its_connections(redis_only):
    assert isinstance(caches["default"], RedisCache)
    cache.set("cache-backend-test", 1)
    before = redis_connections()

    def one_request():
        backend = caches["default"]
        backend.get("cache-backend-test")
        return backend

    # Each request runs in a context of its own, as under ASGI: Django gives it a backend of its own.
    backends = [contextvars.Context().run(one_request) for _ in range(20)]
    assert len({id(backend) for backend in backends}) > 1  # Django's own: a backend per context
    assert len({id(backend._cache) for backend in backends}) == 1
    assert redis_connections() == before
    assert settings.CACHES["default"]["BACKEND"] == "infra.cache.RedisCache"


def test_the_cache_still_reads_writes_and_counts(redis_only):
    cache.set("cache-backend-count", 1)
    assert cache.incr("cache-backend-count") == 2
    assert cache.get_many(["cache-backend-count", "cache-backend-none"]) == {"cache-backend-count": 2}
    cache.delete("cache-backend-count")
    assert cache.get("cache-backend-count") is None


def test_read_many_reads_misses_once_keeps_them_and_honours_each_timeout():
    from infra.cache import KEPT_BY_READ, read_many

    cache.clear()
    reads = []

    def reader(name, value):
        def read():
            reads.append(name)
            return value
        return read

    def kept_by_itself():
        reads.append("own")
        cache.set("own", 7, None)
        return 7

    entries = [("a", reader("a", {"n": 1}), 60), ("b", reader("b", ""), None), ("c", reader("c", 3), 0),
               ("own", kept_by_itself, KEPT_BY_READ)]
    assert read_many(entries) == [{"n": 1}, "", 3, 7]
    assert reads == ["a", "b", "c", "own"]
    assert cache.get("a") == {"n": 1} and cache.get("b") == "" and cache.get("c") is None
    reads.clear()
    assert read_many(entries) == [{"n": 1}, "", 3, 7]
    assert reads == ["c"]  # only the uncached one is read again
    cache.clear()


def test_count_and_read_counts_keeps_for_the_timeout_and_reads_the_other_count(redis_only):
    cache.delete_many(["window-now", "window-before"])
    cache.set("window-before", 4, 60)
    assert cache.count_and_read("window-now", "window-before", 30) == (1, 4)
    assert cache.count_and_read("window-now", "window-missing", 30) == (2, 0)
    client = cache._cache.get_client()
    assert 0 < client.ttl(cache.make_and_validate_key("window-now")) <= 30
    assert cache.get("window-now") == 2  # the same key Django's API reads
    cache.delete_many(["window-now", "window-before"])


def test_count_and_read_adds_the_amount_it_is_given(redis_only):
    cache.delete_many(["window-cost", "window-cost-before"])
    assert cache.count_and_read("window-cost", "window-cost-before", 30, 3) == (3, 0)
    assert cache.count_and_read("window-cost", "window-cost-before", 30, 2) == (5, 0)
    cache.delete("window-cost")


def test_rate_limits_count_on_redis_with_one_round_trip(redis_only, ana, settings, monkeypatch):
    from infra.ratelimit import RateLimited, rate_limit

    settings.PUENTE_RATE_LIMITS = {**settings.PUENTE_RATE_LIMITS, "mention": (4, 60)}
    trips = []
    real = RedisCache.count_and_read
    monkeypatch.setattr(RedisCache, "count_and_read", lambda self, *args: trips.append(args) or real(self, *args))
    rate_limit(action="mention", user=ana, cost=3)
    rate_limit(action="mention", user=ana)
    try:
        rate_limit(action="mention", user=ana)
    except RateLimited as exc:
        assert exc.retry_after >= 1
    else:
        raise AssertionError("the fifth mention in a minute went through")
    assert len(trips) == 3


def test_clearing_the_cache_deletes_this_sites_keys_and_leaves_another_sites(redis_only):
    import redis

    other = redis.Redis.from_url(settings.REDIS_URL)
    try:
        other.set("another-site:1:kept", 1)
        cache.set("cleared", 1)
        cache.clear()
        assert cache.get("cleared") is None
        assert other.get("another-site:1:kept") == b"1"
    finally:
        other.delete("another-site:1:kept")
        other.close()


def test_every_key_puente_writes_to_redis_starts_with_its_prefix(redis_only):
    from channels.layers import get_channel_layer

    from messaging import presence

    prefix = settings.REDIS_KEY_PREFIX
    assert cache.make_and_validate_key("x").startswith(prefix)
    assert get_channel_layer().prefix.startswith(prefix)
    assert presence._room_key(1).startswith(prefix)
