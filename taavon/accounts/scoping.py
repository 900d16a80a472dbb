"""Who may reach what: the one place reach is decided.

Every page, API endpoint, admin list, job and export asks this module; nothing else decides
reach. It knows no domain: each domain registers a *reach policy* in ``settings.REACH_POLICIES``
(dotted paths, like ``AUTHENTICATION_BACKENDS``), which says how its models lead to a
cooperative and decides the actions that role grants alone cannot (taking part in an assembly,
running its session, approving its minutes).

Role grants give reach to cooperatives:

=============  ========================================  =========================
role           VIEW (private data)                       MANAGE / SUPERVISE
=============  ========================================  =========================
officer        the cooperatives granted to them          MANAGE the same
supervisor     cooperatives in their province            SUPERVISE the same
analyst        every cooperative                         neither
administrator  every cooperative                         both, everywhere
member         nothing private (own memberships only)    neither
bank officer   nothing private (public register only)    neither
anonymous      nothing                                   neither
=============  ========================================  =========================

Role grants count only in a *strong* login (password and one-time code). A login with the
one-time code alone is *weak*: it acts as a member and participant (voting, check-in, proxies,
what an assembly's policy grants to its presiding board by person) and its grants count for
nothing, here and therefore everywhere. Whoever authenticates a request marks a weak login with
:func:`mark_weak` (the session middleware, the bearer-token auth, the WebSocket stack); the one
decision is :func:`counted_grants`.

``AUTHORITY`` is MANAGE or SUPERVISE: authority over the cooperative (its officers, its
provincial office, administrators). Objects outside a user's reach are answered with 404, so
their existence does not leak; an object the user may see but not act on, or an action no role
of theirs allows anywhere, with 403.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils.module_loading import import_string

from .models import NATIONAL_ROLES, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from .models import User

    Actor = User | AnonymousUser
else:
    Actor = Any


class Action(StrEnum):
    """The one vocabulary of what a user asks to do with an object."""

    VIEW = "view"  # read its pages: for a cooperative's rows, officials in reach; a policy may widen it
    OVERSEE = "oversee"  # read what only officials read (role grants' VIEW), whatever a policy widens
    MANAGE = "manage"  # act as the cooperative's own officers
    SUPERVISE = "supervise"  # act as the provincial office
    AUTHORITY = "authority"  # MANAGE or SUPERVISE: authority over the cooperative
    ATTEND = "attend"  # a participant's own acts: check in, see one's proxies
    TAKE_PART = "take_part"  # vote, check a receipt, stand as a candidate: participants, or those who run it
    ON_ROLL = "on_roll"  # a roll member's own acts: give or revoke their proxy
    RUN = "run"  # run the session: open it, open and close items, close it, draft the minutes
    APPROVE = "approve"  # sign as a member of the presiding board


# The actions role grants decide; the others are decided by the domain's policy.
GRANT_ACTIONS = frozenset({Action.VIEW, Action.OVERSEE, Action.MANAGE, Action.SUPERVISE, Action.AUTHORITY})


class ReachPolicy:
    """A domain's part of the reach decision, registered in ``settings.REACH_POLICIES``.

    Every method may answer ``None``: "not mine to say", and the next policy (then the role
    grants) decides.
    """

    def cooperative_path(self, model: type[Model]) -> tuple[str, str] | None:
        """(province field, cooperative id field) leading from ``model`` to its cooperative."""
        return None

    def allows(self, user: Actor, action: Action, obj: Model) -> bool | None:
        """Whether ``user`` may do ``action`` on ``obj``, when the policy decides it."""
        return None

    def queryset(self, model: type[Model], action: Action) -> QuerySet | None:
        """The query set objects of ``model`` are fetched from for ``action`` (joins a page needs)."""
        return None

    def widens(self, model: type[Model], action: Action) -> bool:
        """Whether people without a role grant may also do ``action`` on some ``model`` objects."""
        return False


@cache
def policies() -> tuple[ReachPolicy, ...]:
    """The registered policies, in settings order."""
    return tuple(import_string(path)() for path in getattr(settings, "REACH_POLICIES", ()))


def authenticated_user(user: Actor | None) -> User | None:
    """``user`` as a :class:`User` when logged in; None for anonymous users and the system (``None``)."""
    if getattr(user, "is_authenticated", False) and user is not None and user.is_authenticated:  # narrows the type
        return user
    return None


def acting_user(user: Actor) -> User:
    """``user`` as the logged-in :class:`User` a service records as having acted.

    For services only a logged-in user can reach (past the reach checks); anonymous there is a bug.
    """
    authenticated = authenticated_user(user)
    if authenticated is None:
        raise ValueError("an anonymous user cannot act here")
    return authenticated


def _active_user(user: Actor) -> User | None:
    """``user`` as a :class:`User` when logged in and active; None otherwise."""
    authenticated = authenticated_user(user)
    return authenticated if authenticated is not None and authenticated.is_active else None


# --------------------------------------------------------------------------- role grants


def scope_fields(model: type[Model]) -> tuple[str, str]:
    """(province field, cooperative id field) of ``model``, from its ``cooperative`` key or a policy."""
    names = {f.name for f in model._meta.get_fields()}
    for policy in policies():
        path = policy.cooperative_path(model)
        if path is not None:
            return path
    if "cooperative" in names:
        return "cooperative__province_id", "cooperative_id"
    raise LookupError(f"{model._meta.label_lower} has no path to a cooperative: declare it in its domain's policy")


# --------------------------------------------------------------------------- login strength

#: The session key a code-only login sets (absent: the login gave the password too).
WEAK_SESSION_KEY = "taavon_weak_login"


def is_weak(user: Actor | None) -> bool:
    """Whether ``user`` is acting through a weak (code-only) login in this request."""
    return getattr(user, "_held_flags", None) is not None


def mark_weak(user: Actor | None) -> None:
    """Mark ``user`` (this request's object) as logged in with the one-time code only.

    Its role grants stop counting, and the staff flags read False so the admin site, which asks
    ``is_staff``, stays closed; ``User.save`` never writes those hidden flags back.
    """
    active = authenticated_user(user)
    if active is None or is_weak(active):
        return
    active._held_flags = (active.is_staff, active.is_superuser)
    active.is_staff = active.is_superuser = False
    for cached in ("_grant_rows", "_roles_cache"):
        active.__dict__.pop(cached, None)


def counted_grants(user: User) -> list[Mapping[str, Any]]:
    """The role grants that count for this login: all of them, or none for a weak login."""
    if is_weak(user):
        return []
    if not hasattr(user, "_grant_rows"):
        user._grant_rows = list(user.grants.values("role", "cooperative_id", "province_id"))
    return user._grant_rows


def may_step_up(user: Actor | None) -> bool:
    """Whether ``user`` is on a weak login but holds a role a strong login would act in."""
    active = authenticated_user(user)
    if active is None or not is_weak(active):
        return False
    return any(active._held_flags) or active.grants.exists()




def _grant_reach(user: Actor, action: Action) -> tuple[bool, set, set] | None:
    """(everything, province ids, cooperative ids) that ``user``'s grants reach for ``action``; None: nothing."""
    active = _active_user(user)
    if active is None or action not in GRANT_ACTIONS:
        return None
    if action == Action.OVERSEE:
        action = Action.VIEW
    provinces: set = set()
    cooperatives: set = set()
    supervises = action in (Action.VIEW, Action.SUPERVISE, Action.AUTHORITY)
    manages = action in (Action.VIEW, Action.MANAGE, Action.AUTHORITY)
    for grant in counted_grants(active):
        role = grant["role"]
        if role == Role.ADMINISTRATOR or (role in NATIONAL_ROLES and action == Action.VIEW):
            return True, provinces, cooperatives
        if role == Role.SUPERVISOR and supervises:
            provinces.add(grant["province_id"])
        elif role == Role.OFFICER and manages:
            cooperatives.add(grant["cooperative_id"])
    if not provinces and not cooperatives:
        return None
    return False, provinces, cooperatives


def cooperative_q(user: Actor, action: Action, model: type[Model]) -> Q | None:
    """The filter selecting the rows of ``model`` that ``user``'s grants reach for ``action``.

    ``Q()`` means everything; ``None`` means nothing.
    """
    reach = _grant_reach(user, action)
    if reach is None:
        return None
    everything, provinces, cooperatives = reach
    if everything:
        return Q()
    province_field, cooperative_field = scope_fields(model)
    q = Q()
    if provinces:
        q |= Q(**{f"{province_field}__in": provinces})
    if cooperatives:
        q |= Q(**{f"{cooperative_field}__in": cooperatives})
    return q


def scope(queryset: QuerySet, user: Actor, action: Action = Action.VIEW) -> QuerySet:
    """``queryset`` narrowed to the rows ``user``'s role grants reach for ``action``."""
    q = cooperative_q(user, action, queryset.model)
    if q is None:
        return queryset.none()
    return queryset.filter(q) if q else queryset


def can(user: Actor, action: Action, obj: Model) -> bool:
    """Whether ``user``'s role grants reach ``obj`` (anything scoped through a cooperative) for ``action``."""
    q = cooperative_q(user, action, type(obj))
    if q is None:
        return False
    if not q:
        return True
    return type(obj)._default_manager.filter(q, pk=obj.pk).exists()


def has_authority(user: Actor, obj: Model) -> bool:
    """Whether ``user`` has authority over ``obj``'s cooperative: its officers, its provincial office."""
    return can(user, Action.AUTHORITY, obj)


def has_any_scope(user: Actor, action: Action) -> bool:
    """Whether the user's roles allow ``action`` on some cooperative at all (pages answer 403 otherwise)."""
    return _grant_reach(user, action) is not None


def require_scope(user: Actor, action: Action) -> None:
    """Raise 403 when no role of ``user`` allows ``action`` on any cooperative."""
    if not has_any_scope(user, action):
        raise PermissionDenied


def require_role(user: Actor, *roles: Role) -> None:
    """Raise 403 unless ``user`` holds one of ``roles``."""
    authenticated = authenticated_user(user)
    if authenticated is None or not authenticated.has_role(*roles):
        raise PermissionDenied


def scoped_provinces(user: Actor, action: Action = Action.VIEW) -> QuerySet:
    """The provinces whose every cooperative ``user`` may reach for ``action``.

    National reach gives every province, a supervisor their own; a grant on single cooperatives
    (officers) gives none. Used where no cooperative exists yet, e.g. registering a new one.
    """
    from taavon.geo.models import Province

    provinces = Province.objects.all()
    reach = _grant_reach(user, action)
    if reach is None:
        return provinces.none()
    everything, ids, _cooperatives = reach
    return provinces if everything else provinces.filter(pk__in=ids)


# --------------------------------------------------------------------------- one object, any kind


def may(user: Actor, action: Action, obj: Model) -> bool:
    """Whether ``user`` may do ``action`` on ``obj``: the registered policies first, then the role grants."""
    for policy in policies():
        verdict = policy.allows(user, action, obj)
        if verdict is not None:
            return verdict
    return action in GRANT_ACTIONS and can(user, action, obj)


def _base(model: type[Model], action: Action) -> QuerySet:
    for policy in policies():
        queryset = policy.queryset(model, action)
        if queryset is not None:
            return queryset
    return model._default_manager.all()


def get_or_404(user: Actor, model: type[Model] | QuerySet, action: Action = Action.VIEW, **lookup: Any) -> Any:
    """The one object of ``model`` matching ``lookup`` that ``user`` may reach for ``action``.

    404 when it is absent or the user may not even see it; 403 when they see it but may not do
    ``action``, or when ``action`` is one role grants decide and no role of theirs allows it anywhere.
    """
    model_class = model.model if isinstance(model, QuerySet) else model
    if action in GRANT_ACTIONS and not any(p.widens(model_class, action) for p in policies()):
        require_scope(user, action)
    queryset = model if isinstance(model, QuerySet) else _base(model, action)
    try:
        obj = queryset.filter(**lookup).first()
    except (ValueError, TypeError, ValidationError):  # "null" for an id names no object
        raise Http404 from None
    if obj is None or not may(user, Action.VIEW, obj):
        raise Http404
    if action != Action.VIEW and not may(user, action, obj):
        raise PermissionDenied
    return obj
