"""``/api/v1/me/home``: the home page's "what to do next", for apps (the same panels as the page)."""

from datetime import date, datetime

from ninja import Router, Schema

from . import home

router = Router()


class NextActionOut(Schema):
    kind: str
    text: str
    url: str
    when: datetime | date | None = None
    count: int | None = None
    urgent: bool = False
    post_url: str = ""
    post_label: str = ""


class PanelOut(Schema):
    key: str
    role: str
    title: str
    actions: list[NextActionOut]
    empty: str = ""
    link: str = ""
    link_label: str = ""


class HomeOut(Schema):
    panels: list[PanelOut]


@router.get("/home", response=HomeOut, summary="What to do next: the home page's panels, one per role and area")
def my_home(request):
    return {"panels": [panel.as_dict() for panel in home.panels_for(request.auth)]}
