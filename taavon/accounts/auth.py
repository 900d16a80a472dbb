"""API authentication: a bearer token, or the browser's session (with CSRF)."""

from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from . import scoping
from .models import ApiToken, LoginStrength
from .scoping import Action


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
        if row.strength != LoginStrength.STRONG:  # made by a code-only login: acts as a member
            scoping.mark_weak(row.user)
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
        user = super().authenticate(request, *args)  # type: ignore[misc]  # a mixin: the scheme after it in the MRO defines authenticate
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


def reach(model, action: Action = Action.VIEW, *, kwarg: str | None = None, lookup: str = "pk") -> list:
    """Both ways in, then the ``model`` object whose ``lookup`` field the path's ``kwarg`` gives, for ``action``.

    The object comes from :func:`scoping.get_or_404` and is kept on ``request.<model name>``
    (``kwarg`` defaults to ``<model name>_id``). A route whose path names no such object asks only
    that some role of the caller allows ``action`` somewhere.
    """
    name = model._meta.model_name
    kwarg = kwarg or f"{name}_id"

    def find(request, user, path):
        if kwarg in path:
            setattr(request, name, scoping.get_or_404(user, model, action, **{lookup: path[kwarg]}))
        elif action in scoping.GRANT_ACTIONS:
            scoping.require_scope(user, action)

    return reaching(find)
