"""The home page's "what to do next": panels of next actions, one per area and role.

This lower layer knows no domain. Each domain names functions in ``settings.HOME_PANELS``
(``user -> Panel | None``); a function answers ``None`` when its panel is not for this user (they
do not hold its role), and a panel with no actions when there is nothing to do. Adding a panel is
one line in settings. The page (``core.views.home``) and the API (``GET /api/v1/me/home``) show
the same list.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class NextAction:
    """One thing the user can do now (or must do by ``when``), with where to do it."""

    kind: str  # a stable key for apps: "check_in", "vote", "proxy_pending", ...
    text: str  # the sentence shown, in the user's language
    url: str  # the page where it is done
    when: datetime.datetime | datetime.date | None = None
    count: int | None = None
    urgent: bool = False
    # A one-click form: the page shows a button posting here (the action needs no other input).
    post_url: str = ""
    post_label: str = ""


@dataclass(frozen=True)
class Panel:
    """A titled list of next actions of one role, from one area."""

    key: str  # "member.assemblies", "officer.assemblies", ...
    role: str  # the role whose section shows it (accounts.Role values)
    title: str
    actions: list[NextAction] = field(default_factory=list)
    empty: str = ""  # what the panel says when there is nothing to do
    link: str = ""  # the area's own page ("see all")
    link_label: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


PanelSource = Callable[[Any], "Panel | None"]

# The order sections appear in, for a person holding several roles.
ROLE_ORDER = ["member", "officer", "supervisor", "analyst", "administrator", "bank_officer"]


def sources() -> list[PanelSource]:
    return [import_string(path) for path in getattr(settings, "HOME_PANELS", [])]


def panels_for(user: Any) -> list[Panel]:
    """Every panel for ``user``, in role order then in the settings' order."""
    found = [panel for source in sources() if (panel := source(user)) is not None]
    rank = {role: n for n, role in enumerate(ROLE_ORDER)}
    return sorted(found, key=lambda p: rank.get(p.role, len(rank)))


def sections(panels: list[Panel]) -> list[tuple[str, list[Panel]]]:
    """The panels grouped by role, in order: one section per role the user holds."""
    grouped: dict[str, list[Panel]] = {}
    for panel in panels:
        grouped.setdefault(panel.role, []).append(panel)
    return list(grouped.items())
