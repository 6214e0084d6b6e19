"""A Redis cache that keeps the application up when Redis is not.

Everything Inntak caches can be computed again (dashboard figures, the matching debounce, a
run's status for the page that follows it), so a cache that cannot be reached is treated as a
cache that holds nothing: reads miss, writes do nothing, with a warning in the log (the key's
kind only, never its value). Short socket timeouts, and a pause of a few seconds after a
failure before the next attempt, keep a Redis that hangs from holding up the pages.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
# After a failure, calls answer at once as misses for this long instead of trying again.
PAUSE_SECONDS = 5.0
_paused_until = 0.0  # one per process: every thread's cache object shares the outage


class ResilientRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = {
            "socket_connect_timeout": 0.5,
            "socket_timeout": 1.0,
            **params.get("OPTIONS", {}),
        }
        super().__init__(server, {**params, "OPTIONS": options})

    def _guard(self, operation: str, fallback: Any, *args: Any) -> Any:
        global _paused_until
        if time.monotonic() < _paused_until:
            return fallback
        try:
            return getattr(super(), operation)(*args)
        except UNREACHABLE as error:
            _paused_until = time.monotonic() + PAUSE_SECONDS
            logger.warning("cache: Redis unreachable on %s (%s)", operation, type(error).__name__)
            return fallback

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._guard("get", default, key, default, version)

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        return self._guard("get_many", {}, keys, version)

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._guard("has_key", False, key, version)

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        self._guard("set", None, key, value, timeout, version)

    def set_many(
        self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[Any]:
        return self._guard("set_many", list(data), data, timeout, version)

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        # True: a debounce that cannot be checked lets the work through. The work it guards is
        # safe to repeat (a matching run with unchanged inputs changes nothing); losing it is not.
        return self._guard("add", True, key, value, timeout, version)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._guard("touch", False, key, timeout, version)

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._guard("delete", False, key, version)

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        self._guard("delete_many", None, keys, version)

    def clear(self) -> None:
        self._guard("clear", None)
