"""Daphne that refuses an over-large request body as it arrives (``taavon serve`` runs this server).

Daphne (through Twisted) reads a request's whole body, into a temporary file past 100 KB, before
the application sees the request: a 400 MB POST cost 400 MB of disk twice over before anything
could refuse it. Here the request checks its route's limit (:func:`taavon.core.body_limits.limit_for`)
as soon as its headers are in: a ``Content-Length`` over the limit is answered 413 at once, with
nothing read; a body without length (chunked) is counted as it comes and answered 413 as soon as
it passes the limit. Nothing of a refused body is kept.

After the 413 the connection reads and drops at most ``LINGER_BYTES`` more for at most
``LINGER_SECONDS``, then closes: closing at once, with the client still sending, would reset the
connection and could lose the answer before the client reads it.

Only this module imports Twisted and daphne's server (which installs its reactor), so it is loaded
by ``taavon serve`` alone.
"""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import unquote, urlsplit

from daphne.http_protocol import HTTPFactory, WebRequest
from daphne.server import Server

from taavon.core import body_limits

LINGER_BYTES = 1024 * 1024
LINGER_SECONDS = 2.0


def _path_of(target: bytes) -> str:
    """The decoded path of a request target (origin form ``/a?b`` or absolute form ``http://h/a``)."""
    return unquote(urlsplit(target.decode("latin-1")).path or "/")


class LimitedWebRequest(WebRequest):
    """Daphne's request, refusing a body over its route's limit as it arrives."""

    _refused = False
    _received = 0
    _dropped = 0
    _limit = 0
    _closer: Any = None

    def gotLength(self, length):
        # The request line is still on the channel: Twisted sets self.path only once the body is in.
        self._limited_path = _path_of(getattr(self.channel, "_path", b"/"))
        self._limit = body_limits.limit_for(self._limited_path)
        if length is not None and length > self._limit:
            self._refuse()
            return
        super().gotLength(length)

    def handleContentChunk(self, data):
        if self._refused:
            self._drop(len(data))
            return
        self._received += len(data)
        if self._received > self._limit:
            self._refuse()
            return
        super().handleContentChunk(data)

    def requestReceived(self, command, path, version):
        if not self._refused:
            super().requestReceived(command, path, version)

    def connectionLost(self, reason):
        if self._closer is not None and self._closer.active():
            self._closer.cancel()
        super().connectionLost(reason)

    def _refuse(self):
        """Answer 413 on the raw connection and drop what is held of the body; the connection closes after."""
        from twisted.internet import reactor as installed

        reactor: Any = installed  # daphne's asyncio reactor, installed before any request
        self._refused = True
        held = getattr(self, "content", None)
        if held is not None:
            held.close()  # a chunked body read so far, at most the limit
        self.content = io.BytesIO()
        self.channel.persistent = False
        cookies = self.requestHeaders.getRawHeaders(b"Cookie") or []
        languages = self.requestHeaders.getRawHeaders(b"Accept-Language") or []
        headers, body = body_limits.raw_answer(
            self._limited_path, self._limit, "; ".join(c.decode("latin-1") for c in cookies) or None,
            ", ".join(a.decode("latin-1") for a in languages) or None,
        )
        reason = b"Content Too Large"
        head = b"HTTP/1.1 %d %s\r\n" % (body_limits.STATUS, reason)
        head += b"".join(name + b": " + value + b"\r\n" for name, value in headers)
        transport = self.channel.transport
        transport.write(head + b"\r\n" + body)
        if hasattr(transport, "loseWriteConnection"):
            transport.loseWriteConnection()  # the client sees the answer end while it may still be sending
        self._closer = reactor.callLater(LINGER_SECONDS, self._close)

    def _drop(self, size: int) -> None:
        self._dropped += size
        if self._dropped > LINGER_BYTES:
            self._close()

    def _close(self) -> None:
        transport = self.channel.transport if self.channel is not None else None
        if transport is not None:
            transport.loseConnection()


class LimitedHTTPFactory(HTTPFactory):
    """Daphne's HTTP factory, building :class:`LimitedWebRequest` requests."""

    def buildProtocol(self, addr):
        protocol = super().buildProtocol(addr)
        protocol.requestFactory = LimitedWebRequest
        return protocol


class LimitedServer(Server):
    """Daphne's server with :class:`LimitedHTTPFactory` in place of its own factory."""

    # Server.run() builds HTTPFactory(self) itself and listens with it at once; taking the
    # assignment is the one place to swap the factory without copying run().
    @property
    def http_factory(self):
        return self._limited_http_factory

    @http_factory.setter
    def http_factory(self, factory):
        self._limited_http_factory = LimitedHTTPFactory(self) if type(factory) is HTTPFactory else factory
