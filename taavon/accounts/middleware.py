"""Marking a weak (code-only) login on the request's user, for pages and for WebSockets.

The decision what a weak login may do is :func:`taavon.accounts.scoping.counted_grants`; these
only read the mark the login left in the session and put it on the user object of the request.
"""

from channels.db import database_sync_to_async
from django.contrib.auth.middleware import get_user
from django.utils.functional import SimpleLazyObject

from . import scoping


def _user_of(request):
    user = get_user(request)  # AuthenticationMiddleware's cached user
    if user.is_authenticated and request.session.get(scoping.WEAK_SESSION_KEY):
        scoping.mark_weak(user)
    return user


class LoginStrengthMiddleware:
    """After ``AuthenticationMiddleware``: ``request.user`` carries the session's login strength."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.user = SimpleLazyObject(lambda: _user_of(request))
        return self.get_response(request)


class WebSocketLoginStrength:
    """Inside Channels' ``AuthMiddlewareStack``: the same mark on ``scope["user"]``."""

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        user, session = scope.get("user"), scope.get("session")
        if session is not None and user is not None and user.is_authenticated:
            if await database_sync_to_async(session.get)(scoping.WEAK_SESSION_KEY):
                scoping.mark_weak(user)
        return await self.inner(scope, receive, send)
