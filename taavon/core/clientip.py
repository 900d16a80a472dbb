"""The client's address, believing forwarded headers only from the proxies we run.

Any client can send ``X-Forwarded-For`` and ``X-Forwarded-Proto``. Believed from anyone, they
let an attacker rotate addresses past every per-address limit, lock out others in their name and
write forged addresses into the audit log. So the server takes the address of the socket, and only
when that peer is one of ``settings.TRUSTED_PROXIES`` (addresses or networks; none by default)
does it read ``X-Forwarded-For``: from the right, skipping our own proxies, the first address that
is not ours is the client. A value that is not an address is ignored, never an error.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def parse_ip(value: str | None) -> str | None:
    """``value`` as a normalised IP address (a port or IPv6 brackets removed), or None if it is not one."""
    text = (value or "").strip().strip('"')
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # 203.0.113.7:443
        text = text.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def is_trusted(address: str | None, trusted: Iterable[str]) -> bool:
    """Whether ``address`` is one of the ``trusted`` proxies (addresses or networks)."""
    ip = parse_ip(address)
    if ip is None:
        return False
    parsed = ipaddress.ip_address(ip)
    return any(parsed in network for network in _networks(tuple(trusted)))


def client_ip(peer: str | None, forwarded_for: str | None, trusted: Iterable[str]) -> str | None:
    """The client's address: ``peer`` unless it is a trusted proxy, then the nearest untrusted ``X-Forwarded-For`` hop."""
    trusted = tuple(trusted)
    address = parse_ip(peer)
    if address is None or not is_trusted(address, trusted):
        return address
    for hop in reversed((forwarded_for or "").split(",")):
        hop_ip = parse_ip(hop)
        if hop_ip is None:
            break  # a hop that is not an address: believe nothing further left
        address = hop_ip
        if not is_trusted(hop_ip, trusted):
            break
    return address


class TrustedProxyMiddleware:
    """First in the chain: ``REMOTE_ADDR`` becomes the client's address, and forwarded headers from
    anyone but our proxies are dropped, so nothing after this reads a forged one."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request.META
        trusted = tuple(getattr(settings, "TRUSTED_PROXIES", ()))
        peer = meta.get("REMOTE_ADDR")
        from_proxy = is_trusted(peer, trusted)
        meta["REMOTE_ADDR"] = client_ip(peer, meta.get("HTTP_X_FORWARDED_FOR"), trusted) or ""
        if not from_proxy:
            for header in ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST", "HTTP_X_REAL_IP"):
                meta.pop(header, None)
        return self.get_response(request)
