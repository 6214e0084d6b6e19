"""Every route of the URLconf, for the tests that must cover all of them (the access matrix,
the protected-persons crawler): a new page or endpoint is found here without being listed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Route:
    name: str | None  # with its namespace, for reverse()
    route: str  # the pattern as written, for messages
    params: tuple[str, ...]
    default_args: tuple[str, ...]


def _walk(
    patterns: list[Any], prefix: str = "", namespace: str = "", params: tuple[str, ...] = ()
) -> Iterator[Route]:
    for entry in patterns:
        own = tuple(entry.pattern.regex.groupindex)
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}{entry.namespace}:"
            yield from _walk(entry.url_patterns, route, ns, params + own)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else None
            yield Route(name, route, params + own, tuple(entry.default_args))


def all_routes() -> list[Route]:
    return list(_walk(get_resolver().url_patterns))
