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
