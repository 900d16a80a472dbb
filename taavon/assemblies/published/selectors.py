"""Reads for the public pages and API of held assemblies (no login: public facts only)."""

from django.db.models import QuerySet
from django.http import Http404

from ..models import AgendaItem, Assembly, ItemState
from ..reach import published_assemblies


def held_assemblies(national_id: str) -> QuerySet:
    """The published assemblies of the cooperative with ``national_id``, the latest first."""
    return (
        published_assemblies()
        .filter(cooperative__national_id=national_id)
        .select_related("cooperative")
        .order_by("-starts_at", "-pk")
    )


def held_assembly(*, national_id: str, assembly_id: int) -> Assembly:
    """One published assembly of that cooperative; 404 for any other (a draft is never confirmed to exist)."""
    assembly = held_assemblies(national_id).filter(pk=assembly_id).first()
    if assembly is None:
        raise Http404
    return assembly


def decided_items(assembly: Assembly) -> list[AgendaItem]:
    """The items of ``assembly`` voted on and closed, in agenda order."""
    items = list(assembly.items.filter(state=ItemState.CLOSED).order_by("position"))
    for item in items:
        item.assembly = assembly
    return items


def decided_item(assembly: Assembly, item_id: int) -> AgendaItem:
    """One closed item of the published ``assembly``; 404 for any other."""
    item = assembly.items.filter(pk=item_id, state=ItemState.CLOSED).first()
    if item is None:
        raise Http404
    item.assembly = assembly
    return item
