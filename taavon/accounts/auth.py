"""API authentication: a bearer token, or the browser's session (with CSRF)."""

from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from .models import ApiToken


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        row = (
            ApiToken.objects.select_related("user")
            .filter(token_hash=ApiToken.hash(token), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if row is None:
            return None
        # One write a minute at most: a busy client must not turn every read into a write.
        now = timezone.now()
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = row.user
        return row.user


def api_auth():
    """Both ways in, tried in order."""
    return [BearerToken(), SessionAuth()]


class _Reaching:
    """Authentication that, once the user is known, finds what the route's path names.

    ``find(request, user, path_kwargs)`` runs before the request body is read and raises 404
    (out of scope) or 403 (a role that may never do it), so such a caller never sees a 422; it
    leaves what it found on ``request`` for the operation.
    """

    def __init__(self, find, **kwargs):
        self.find = find
        super().__init__(**kwargs)

    def authenticate(self, request, *args):
        user = super().authenticate(request, *args)
        if user:
            match = request.resolver_match
            self.find(request, user, match.kwargs if match is not None else {})
        return user


class _BearerReaching(_Reaching, BearerToken):
    pass


class _SessionReaching(_Reaching, SessionAuth):
    pass


# The OpenAPI document names security schemes by class: keep the plain schemes' names.
_BearerReaching.__name__ = BearerToken.__name__
_SessionReaching.__name__ = SessionAuth.__name__


def reaching(find) -> list:
    """Both ways in (bearer token, session), each running ``find`` after authenticating."""
    return [_BearerReaching(find), _SessionReaching(find)]
