"""A Redis cache that never fails a request: while Redis is unreachable it answers as an empty cache.

Everything kept in the cache here can be lost (sessions are written through to the database,
throttles and live figures are recomputed), so an outage must cost speed, never an answer: a
request whose transaction has committed must not turn into a 500 because Redis is down. After a
failure the cache stays "down" for :data:`RETRY_AFTER` seconds, so an outage does not add a
connection attempt to every call.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger("taavon.cache")

RETRY_AFTER = 2.0  # seconds to answer as an empty cache after a failure
_MISSING = object()


class ResilientRedisCache(RedisCache):
    """Django's Redis cache, answering as an empty cache (and logging once per outage) when Redis fails."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = params.setdefault("OPTIONS", {})
        # A Redis that hangs instead of refusing must not hold a request for long.
        options.setdefault("socket_connect_timeout", 0.5)
        options.setdefault("socket_timeout", 0.5)
        super().__init__(server, params)
        self._down_until = 0.0
        self._lock = threading.Lock()

    def _guard(self, call: Callable[[], Any], fallback: Any) -> Any:
        if time.monotonic() < self._down_until:
            return fallback
        try:
            return call()
        except Exception as exc:  # redis.ConnectionError, TimeoutError, … : any failure of the cache
            with self._lock:
                if time.monotonic() >= self._down_until:
                    logger.warning("cache unavailable, answering as empty for %ss: %s", RETRY_AFTER, exc)
                self._down_until = time.monotonic() + RETRY_AFTER
            return fallback

    def get(self, key, default=None, version=None):
        return self._guard(lambda: super(ResilientRedisCache, self).get(key, default, version), default)

    def get_many(self, keys, version=None):
        return self._guard(lambda: super(ResilientRedisCache, self).get_many(keys, version), {})

    def has_key(self, key, version=None):
        return self._guard(lambda: super(ResilientRedisCache, self).has_key(key, version), False)

    def add(self, key, value, timeout=_MISSING, version=None):
        # False: "someone else holds it", so throttles stay quiet during an outage.
        args = (key, value) if timeout is _MISSING else (key, value, timeout)
        return self._guard(lambda: super(ResilientRedisCache, self).add(*args, version=version), False)  # type: ignore[misc]  # args holds only what precedes version; mypy cannot bound its length

    def set(self, key, value, timeout=_MISSING, version=None):
        args = (key, value) if timeout is _MISSING else (key, value, timeout)
        return self._guard(lambda: super(ResilientRedisCache, self).set(*args, version=version), None)  # type: ignore[misc]  # args holds only what precedes version; mypy cannot bound its length

    def set_many(self, data, timeout=_MISSING, version=None):
        args = (data,) if timeout is _MISSING else (data, timeout)
        return self._guard(lambda: super(ResilientRedisCache, self).set_many(*args, version=version), list(data))  # type: ignore[misc]  # args holds only what precedes version; mypy cannot bound its length

    def touch(self, key, timeout=_MISSING, version=None):
        args = (key,) if timeout is _MISSING else (key, timeout)
        return self._guard(lambda: super(ResilientRedisCache, self).touch(*args, version=version), False)  # type: ignore[misc]  # args holds only what precedes version; mypy cannot bound its length

    def delete(self, key, version=None):
        return self._guard(lambda: super(ResilientRedisCache, self).delete(key, version), False)

    def delete_many(self, keys, version=None):
        return self._guard(lambda: super(ResilientRedisCache, self).delete_many(keys, version), None)

    def incr(self, key, delta=1, version=None):
        # 0: a counter (a rate limit) starts again rather than failing the request.
        return self._guard(lambda: super(ResilientRedisCache, self).incr(key, delta, version), 0)

    def clear(self):
        return self._guard(lambda: super(ResilientRedisCache, self).clear(), None)
