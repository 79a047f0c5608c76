"""Django's Redis cache backend, keeping one `redis.Redis` client per connection pool.

Django's `RedisCacheClient.get_client` builds a new `redis.Redis` on every cache call, and redis-py
copies its ~170 response callbacks into a new dict each time: 0.1–0.3 ms per call, on a search page
that makes a dozen of them (bench/README.md, `load.py`). A client is only a thin wrapper around its
pool (the connections live in the pool, which redis-py resets after a fork), and it is thread-safe,
so one per pool is what redis-py intends.

Configured as `CACHES["default"]["BACKEND"] = "core.redis_cache.RedisCache"` (config/settings/base.py).
"""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            if index not in self._pools:
                self._pools[index] = self._pool_class.from_url(self._servers[index], **self._pool_options)
            client = self._client(connection_pool=self._pools[index])
            self._clients[index] = client
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
