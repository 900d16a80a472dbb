"""Public pages of a held assembly under ``/register/<national_id>/assemblies/`` (namespace ``held``).

No login; rate limited like the rest of the public register. Which assemblies are public is
decided by :func:`taavon.assemblies.reach.is_published`; reads come from :mod:`.selectors`.
"""

from typing import Any

from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from taavon.registry.public.views import rate_limited

from ..voting import ballot_box
from ..voting.views import BULLETIN_PAGE_SIZE, json_stream, result_view
from . import selectors as held


@require_GET
@rate_limited
def results(request, national_id: str, assembly_id: int):
    """Every decided item of the assembly with its result, and a link to its bulletin board."""
    assembly = held.held_assembly(national_id=national_id, assembly_id=assembly_id)
    rows = [{"item": item, "result": result_view(item)} for item in held.decided_items(assembly)]
    return render(request, "assemblies/published/results.html", {"assembly": assembly, "rows": rows})


@require_GET
@rate_limited
def bulletin(request, national_id: str, assembly_id: int, item_id: int):
    """One page of an item's bulletin board, with its result and the JSON download."""
    assembly = held.held_assembly(national_id=national_id, assembly_id=assembly_id)
    item = held.decided_item(assembly, item_id)
    page = ballot_box.bulletin(item, after=request.GET.get("after", ""), limit=BULLETIN_PAGE_SIZE)
    first_url = reverse("held:bulletin", args=[national_id, assembly.pk, item.pk])
    context: dict[str, Any] = {
        "assembly": assembly,
        "item": item,
        "page": page,
        "result": result_view(item),
        "first_url": first_url,
        "next_url": f"{first_url}?after={page.next_after}" if page.next_after else "",
        "json_url": reverse("held:bulletin_json", args=[national_id, assembly.pk, item.pk]),
        "receipt_url": "",
    }
    return render(request, "assemblies/published/bulletin.html", context)


@require_GET
@rate_limited
def bulletin_json(request, national_id: str, assembly_id: int, item_id: int):
    """The whole board of an item, streamed: what ``taavon verify-assembly --against`` reads."""
    assembly = held.held_assembly(national_id=national_id, assembly_id=assembly_id)
    item = held.decided_item(assembly, item_id)
    response = StreamingHttpResponse(json_stream(item), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="bulletin-{assembly.pk}-{item.pk}.json"'
    return response
