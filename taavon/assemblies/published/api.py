"""Held assemblies over HTTP, under ``/api/v1/public``: no authentication, throttled like the register."""

import datetime

from django.urls import reverse
from ninja import Router, Schema

from taavon.registry.public.api import RATE, PublicRegisterThrottle

from ..voting import ballot_box
from ..voting.api import BulletinOut, bulletin_out
from . import selectors as held

router = Router(throttle=PublicRegisterThrottle(RATE))


class HeldItemOut(Schema):
    id: int
    position: int
    title: str
    kind: str
    ballot_count: int
    chain_head: str
    result: dict
    bulletin_url: str


class HeldAssemblyOut(Schema):
    id: int
    title: str
    kind: str
    starts_at: datetime.datetime
    results_url: str


class HeldAssemblyDetailOut(HeldAssemblyOut):
    items: list[HeldItemOut]


def _assembly_out(assembly) -> dict:
    national_id = assembly.cooperative.national_id
    return {
        "id": assembly.pk,
        "title": assembly.title,
        "kind": assembly.kind,
        "starts_at": assembly.starts_at,
        "results_url": reverse("held:results", args=[national_id, assembly.pk]),
    }


@router.get(
    "/cooperatives/{national_id}/assemblies",
    response=list[HeldAssemblyOut],
    summary="The cooperative's held assemblies whose results are public",
)
def held_assemblies(request, national_id: str):
    """Assemblies whose session is closed, the latest first (at most 50)."""
    return [_assembly_out(a) for a in held.held_assemblies(national_id)[:50]]


@router.get(
    "/cooperatives/{national_id}/assemblies/{int:assembly_id}",
    response=HeldAssemblyDetailOut,
    summary="A held assembly's results",
)
def held_assembly(request, national_id: str, assembly_id: int):
    """Each item voted on, with its stored result and the address of its bulletin board."""
    assembly = held.held_assembly(national_id=national_id, assembly_id=assembly_id)
    items = [
        {
            "id": item.pk,
            "position": item.position,
            "title": item.title,
            "kind": item.kind,
            "ballot_count": item.ballot_count,
            "chain_head": item.chain_head,
            "result": item.result or {},
            "bulletin_url": reverse("held:bulletin_json", args=[national_id, assembly.pk, item.pk]),
        }
        for item in held.decided_items(assembly)
    ]
    return {**_assembly_out(assembly), "items": items}


@router.get(
    "/cooperatives/{national_id}/assemblies/{int:assembly_id}/items/{int:item_id}/bulletin",
    response=BulletinOut,
    summary="One page of a held assembly's bulletin board",
)
def held_bulletin(request, national_id: str, assembly_id: int, item_id: int, after: str = "", limit: int = 100):
    """Ballots in chain order, ``limit`` (at most 1000) after the receipt hash ``after``; follow ``next_after``."""
    assembly = held.held_assembly(national_id=national_id, assembly_id=assembly_id)
    return bulletin_out(ballot_box.bulletin(held.decided_item(assembly, item_id), after=after, limit=limit))
