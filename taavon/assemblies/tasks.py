"""Background work of the assemblies shared by its areas: the voter roll as an audience.

Every message to an assembly's members (the notice, the decisions) is a
:class:`taavon.notifications.broadcasts.Broadcast` over :func:`roll`, sent by the one fan-out job
of :mod:`taavon.notifications.broadcasts`; the areas declare theirs in their own ``tasks`` module.
"""

from .models import RollEntry


def roll(params: dict, after: int, limit: int) -> list[tuple[int, str, str]]:
    """The next ``limit`` entries of the roll of ``params["assembly_id"]`` after key ``after``: (key, mobile, e-mail)."""
    return list(
        RollEntry.objects.filter(assembly_id=params["assembly_id"], pk__gt=after)
        .order_by("pk")
        .values_list("pk", "person__mobile", "person__email")[:limit]
    )
